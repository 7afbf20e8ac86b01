package io.runnel.group;

import java.util.concurrent.ScheduledFuture;
import io.runnel.config.RunnelExecutors;
import io.micrometer.core.instrument.MeterRegistry;
import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.api.Timestamps;
import io.runnel.topic.Names;
import io.runnel.partition.PartitionReads;
import io.runnel.topic.Topic;
import io.runnel.topic.TopicPartition;
import io.runnel.topic.TopicCatalog;
import io.runnel.partition.PartitionRouter;
import io.runnel.partition.Route;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Consumer groups coordinated in this process. Membership, generations, assignments and member
 * positions live in memory (a restart starts every group in a new generation: members re-join);
 * committed offsets live in the {@link OffsetStore} and survive anything the store survives.
 *
 * <p>Rebalancing is done by the server at once: whenever a member joins, leaves or expires, or a
 * subscribed topic gains partitions, the generation goes up and {@link StickyAssignor} assigns
 * every partition to one member. Members learn it from their next read or heartbeat; until every
 * member has seen the new generation the group reports {@code Rebalancing}. A member that reads
 * a partition it just got starts at the committed offset (else its {@code autoOffsetReset}); one
 * that keeps a partition keeps its position.
 *
 * <p>A member is alive while it calls within {@code sessionTimeoutMs}, or has a read in flight.
 * A sweeper thread removes the others every {@value #SWEEP_MS} ms.
 *
 * <p>Thread-safety: each group's state is guarded by that group's monitor.
 *
 * <p>Why one class of about 500 lines: every operation here (join, heartbeat, leave, begin and end
 * of a read, commit, reset, delete, the sweep) is a transition of the same per-group state under the
 * same monitor, and the invariants between them (generation, assignment, positions, reads in
 * flight) are easiest to check when all transitions are in view. What does not touch that state
 * lives elsewhere: assignment in {@link StickyAssignor}, committed offsets in {@link OffsetStore},
 * lag metrics in {@link GroupLagGauges}, the waiting of reads in {@link GroupReader}.
 */
@Component
public class LocalGroupCoordinator implements GroupCoordinator, DisposableBean {
    private static final Logger LOG = LoggerFactory.getLogger(LocalGroupCoordinator.class);
    static final long SWEEP_MS = 200;

    private final TopicCatalog catalog;
    private final PartitionRouter router;
    private final OffsetStore offsets;
    private final PartitionReads reads;
    private final Clock clock;
    private final Map<String, Group> groups = new ConcurrentHashMap<>();
    private final GroupLagGauges lag;
    private final ScheduledFuture<?> sweeps;

    private static final class Member {
        final String id;
        final Set<String> topics;
        final long sessionTimeoutMs;
        final boolean resetToEarliest;
        long lastSeenMs;
        int readsInFlight;
        int seenGeneration;
        List<TopicPartition> assignment = List.of();
        final Map<TopicPartition, Long> positions = new HashMap<>();

        Member(String id, Set<String> topics, long sessionTimeoutMs, boolean resetToEarliest, long now) {
            this.id = id;
            this.topics = topics;
            this.sessionTimeoutMs = sessionTimeoutMs;
            this.resetToEarliest = resetToEarliest;
            this.lastSeenMs = now;
        }
    }

    private static final class Group {
        final String name;
        int generation;
        final Map<String, Member> members = new LinkedHashMap<>();
        Map<String, Integer> partitionCounts = Map.of();

        Group(String name) {
            this.name = name;
        }

        String state() {
            if (members.isEmpty()) {
                return "Empty";
            }
            return members.values().stream().anyMatch(m -> m.seenGeneration < generation) ? "Rebalancing" : "Stable";
        }
    }

    public LocalGroupCoordinator(TopicCatalog catalog, PartitionRouter router, PartitionReads reads, OffsetStore offsets, MeterRegistry meters, Clock clock,
                                 RunnelExecutors executors) {
        this.catalog = catalog;
        this.router = router;
        this.reads = reads;
        this.offsets = offsets;
        this.clock = clock;
        this.lag = new GroupLagGauges(meters, offsets, this::highWatermark);
        offsets.groups().forEach(g -> offsets.committed(g).keySet().forEach(tp -> lag.register(g, tp)));
        sweeps = executors.groupSweeper().scheduleWithFixedDelay(this::sweep, SWEEP_MS, SWEEP_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public Membership join(String groupName, JoinSpec spec) {
        Names.checkGroup(groupName);
        Set<String> subscribed = new TreeSet<>(spec.topics());
        subscribed.forEach(catalog::require);
        Group group = groups.computeIfAbsent(groupName, Group::new);
        synchronized (group) {
            Member member = new Member(UUID.randomUUID().toString(), subscribed, spec.sessionTimeoutMs(), spec.resetToEarliest(), clock.millis());
            group.members.put(member.id, member);
            rebalance(group, "member " + member.id + " joined");
            member.seenGeneration = group.generation;
            return membership(group, member);
        }
    }

    @Override
    public Membership heartbeat(String groupName, String memberId) {
        Group group = groupOfMember(groupName, memberId);
        synchronized (group) {
            Member member = member(group, memberId);
            member.lastSeenMs = clock.millis();
            Membership view = membership(group, member);
            member.seenGeneration = group.generation;
            return view;
        }
    }

    @Override
    public void leave(String groupName, String memberId) {
        Group group = groupOfMember(groupName, memberId);
        synchronized (group) {
            member(group, memberId);
            group.members.remove(memberId);
            rebalance(group, "member " + memberId + " left");
        }
    }

    @Override
    public MemberTopics memberTopics(String groupName, String memberId) {
        Group group = groupOfMember(groupName, memberId);
        synchronized (group) {
            Member member = member(group, memberId);
            Set<String> assigned = new TreeSet<>();
            member.assignment.forEach(tp -> assigned.add(tp.topic()));
            return new MemberTopics(List.copyOf(new TreeSet<>(member.topics)), List.copyOf(assigned));
        }
    }

    @Override
    public ReadPlan beginRead(String groupName, String memberId) {
        Group group = groupOfMember(groupName, memberId);
        synchronized (group) {
            Member member = member(group, memberId);
            member.lastSeenMs = clock.millis();
            member.readsInFlight++;
            member.seenGeneration = group.generation;
            Map<TopicPartition, OffsetStore.Committed> committed = null;
            Map<TopicPartition, Long> positions = new LinkedHashMap<>();
            for (TopicPartition tp : member.assignment) {
                if (!exists(tp)) {
                    continue;
                }
                Long position = member.positions.get(tp);
                boolean local = router.route(tp.topic(), tp.partition()) instanceof Route.Local;
                if (position != null && !local) {
                    positions.put(tp, position); // checked by the leader when read; asking it every read costs a call
                    continue;
                }
                PartitionReads.Offsets o;
                try {
                    o = reads.offsets(tp.topic(), tp.partition());
                } catch (RunnelException e) {
                    continue; // its leader is unreachable: read the other partitions
                }
                long logStart = o.logStartOffset();
                long hw = o.highWatermark();
                if (position == null || position < logStart || position > hw) {
                    if (committed == null) {
                        committed = offsets.committed(groupName);
                    }
                    OffsetStore.Committed c = committed.get(tp);
                    position = c != null && c.offset() >= logStart && c.offset() <= hw ? c.offset()
                            : member.resetToEarliest ? logStart : hw;
                    member.positions.put(tp, position);
                }
                positions.put(tp, position);
            }
            return new ReadPlan(membership(group, member), positions);
        }
    }

    @Override
    public void forgetPosition(String groupName, String memberId, TopicPartition partition) {
        Group group = groupOfMember(groupName, memberId);
        synchronized (group) {
            Member member = group.members.get(memberId);
            if (member != null) {
                member.positions.remove(partition);
            }
        }
    }

    @Override
    public boolean endRead(String groupName, String memberId, int generation, Map<TopicPartition, Long> next, boolean commit) {
        Group group = groupOfMember(groupName, memberId);
        Map<TopicPartition, OffsetStore.Committed> toCommit = new HashMap<>();
        synchronized (group) {
            Member member = group.members.get(memberId);
            if (member == null) {
                throw unknownMember(groupName, memberId);
            }
            member.readsInFlight--;
            member.lastSeenMs = clock.millis();
            if (group.generation != generation) {
                return false;
            }
            member.positions.putAll(next);
            if (commit) {
                next.forEach((tp, o) -> toCommit.put(tp, new OffsetStore.Committed(o, "")));
            }
        }
        // Outside the group's monitor, so the group's members share fsyncs of the offsets log.
        commitAndTrack(groupName, toCommit);
        return true;
    }

    @Override
    public List<OffsetView> commit(String groupName, CommitSpec spec) {
        Names.checkGroup(groupName);
        if (spec.offsets() == null || spec.offsets().isEmpty()) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "'offsets' must list at least one offset");
        }
        Map<TopicPartition, OffsetStore.Committed> toCommit = new LinkedHashMap<>();
        for (OffsetCommit o : spec.offsets()) {
            catalog.placement(o.topic(), o.partition()); // 404 for an unknown topic or partition
            if (o.offset() < 0) {
                throw new RunnelException(ErrorCode.INVALID_REQUEST, "offsets must not be negative").with("topic", o.topic())
                        .with("partition", o.partition());
            }
            PartitionReads.Offsets p = reads.offsets(o.topic(), o.partition());
            if (o.offset() > p.highWatermark()) {
                throw new RunnelException(ErrorCode.OFFSET_OUT_OF_RANGE, "offset " + o.offset() + " is above the high watermark")
                        .with("topic", o.topic()).with("partition", o.partition())
                        .with("logStartOffset", p.logStartOffset()).with("highWatermark", p.highWatermark());
            }
            toCommit.put(new TopicPartition(o.topic(), o.partition()), new OffsetStore.Committed(o.offset(),
                    o.metadata() == null ? "" : o.metadata()));
        }
        Group group = groups.computeIfAbsent(groupName, Group::new);
        synchronized (group) {
            if (spec.memberId() == null) {
                if (!group.members.isEmpty()) {
                    throw new RunnelException(ErrorCode.GROUP_NOT_EMPTY,
                            "commits without memberId are only accepted while the group has no members").with("group", groupName);
                }
            } else {
                Member member = member(group, spec.memberId());
                member.lastSeenMs = clock.millis();
                if (spec.generation() == null || spec.generation() != group.generation) {
                    throw new RunnelException(ErrorCode.ILLEGAL_GENERATION, "generation " + spec.generation()
                            + " is stale; the group is in generation " + group.generation + ": read or heartbeat to get the new assignment")
                            .with("group", groupName).with("generation", group.generation);
                }
                for (TopicPartition tp : toCommit.keySet()) {
                    if (!member.assignment.contains(tp)) {
                        throw new RunnelException(ErrorCode.NOT_ASSIGNED, tp.topic() + "-" + tp.partition()
                                + " is not assigned to this member").with("topic", tp.topic()).with("partition", tp.partition());
                    }
                }
            }
        }
        // Outside the monitor, so concurrent commits share an fsync. The checks above were made
        // against the generation current when the commit arrived, as Kafka's coordinator does.
        commitAndTrack(groupName, toCommit);
        return offsetViews(groupName, toCommit.keySet());
    }

    private void commitAndTrack(String group, Map<TopicPartition, OffsetStore.Committed> toCommit) {
        offsets.commit(group, toCommit);
        toCommit.keySet().forEach(tp -> lag.register(group, tp));
    }

    @Override
    public List<GroupSummary> list() {
        Set<String> names = new TreeSet<>(offsets.groups());
        groups.forEach((name, g) -> {
            synchronized (g) {
                if (!g.members.isEmpty()) {
                    names.add(name);
                }
            }
        });
        List<GroupSummary> out = new ArrayList<>();
        for (String name : names) {
            Group g = groups.get(name);
            if (g == null) {
                out.add(new GroupSummary(name, "Empty", 0));
            } else {
                synchronized (g) {
                    out.add(new GroupSummary(name, g.state(), g.members.size()));
                }
            }
        }
        return out;
    }

    @Override
    public GroupView describe(String groupName) {
        Names.checkGroup(groupName);
        Group g = groups.get(groupName);
        Map<TopicPartition, OffsetStore.Committed> committed = offsets.committed(groupName);
        if ((g == null || isEmpty(g)) && committed.isEmpty()) {
            throw groupNotFound(groupName);
        }
        List<OffsetView> views = offsetViews(groupName, new TreeSet<>(committed.keySet()));
        if (g == null) {
            return new GroupView(groupName, "Empty", 0, List.of(), views);
        }
        synchronized (g) {
            List<MemberView> members = g.members.values().stream()
                    .map(m -> new MemberView(m.id, m.assignment, Timestamps.format(m.lastSeenMs))).toList();
            return new GroupView(groupName, g.state(), g.generation, members, views);
        }
    }

    private static boolean isEmpty(Group g) {
        synchronized (g) {
            return g.members.isEmpty();
        }
    }

    @Override
    public List<OffsetView> reset(String groupName, ResetSpec spec) {
        Names.checkGroup(groupName);
        Topic topic = catalog.require(spec.topic() == null ? "" : spec.topic());
        Group group = groups.computeIfAbsent(groupName, Group::new);
        Map<TopicPartition, OffsetStore.Committed> toCommit = new TreeMap<>();
        synchronized (group) {
            if (!group.members.isEmpty()) {
                throw new RunnelException(ErrorCode.GROUP_NOT_EMPTY, "offsets can only be reset while the group has no members")
                        .with("group", groupName);
            }
            for (int id = 0; id < topic.partitions(); id++) {
                String to = String.valueOf(spec.to());
                if (!List.of("earliest", "latest", "timestamp", "offset").contains(to)) {
                    throw new RunnelException(ErrorCode.INVALID_REQUEST, "'to' must be earliest, latest, timestamp or offset");
                }
                PartitionReads.Offsets p = reads.offsets(topic.name(), id);
                long target = switch (to) {
                    case "earliest" -> p.logStartOffset();
                    case "latest" -> p.highWatermark();
                    case "timestamp" -> reads.offsetForTimestamp(topic.name(), id, required(spec.timestamp(), "timestamp"));
                    default -> Math.max(p.logStartOffset(), Math.min(p.highWatermark(), required(spec.offset(), "offset")));
                };
                toCommit.put(new TopicPartition(topic.name(), id), new OffsetStore.Committed(target, ""));
            }
            commitAndTrack(groupName, toCommit);
        }
        return offsetViews(groupName, toCommit.keySet());
    }

    private static long required(Long value, String name) {
        if (value == null || value < 0) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "'" + name + "' is required and must not be negative");
        }
        return value;
    }

    @Override
    public void delete(String groupName) {
        Names.checkGroup(groupName);
        Group g = groups.get(groupName);
        if (g != null) {
            synchronized (g) {
                if (!g.members.isEmpty()) {
                    throw new RunnelException(ErrorCode.GROUP_NOT_EMPTY, "a group can only be deleted while it has no members")
                            .with("group", groupName);
                }
                groups.remove(groupName);
            }
        } else if (!offsets.groups().contains(groupName)) {
            throw groupNotFound(groupName);
        }
        offsets.deleteGroup(groupName);
        lag.removeGroup(groupName);
    }

    /** Recomputes the assignment in a new generation. Under the group's monitor. */
    private void rebalance(Group group, String reason) {
        group.generation++;
        Map<String, Integer> counts = new TreeMap<>();
        List<StickyAssignor.Candidate> candidates = new ArrayList<>();
        for (Member m : group.members.values()) {
            for (String t : m.topics) {
                catalog.find(t).ifPresent(topic -> counts.put(t, topic.partitions()));
            }
            candidates.add(new StickyAssignor.Candidate(m.id, m.topics, m.assignment));
        }
        group.partitionCounts = counts;
        Map<String, List<TopicPartition>> assignment = StickyAssignor.assign(candidates, counts);
        for (Member m : group.members.values()) {
            m.assignment = assignment.getOrDefault(m.id, List.of());
            m.positions.keySet().retainAll(m.assignment);
        }
        LOG.info("Group {} is in generation {} ({}), {} members", group.name, group.generation, reason, group.members.size());
    }

    private void sweep() {
        long now = clock.millis();
        for (Group group : groups.values()) {
            synchronized (group) {
                List<String> expired = group.members.values().stream()
                        .filter(m -> m.readsInFlight == 0 && now - m.lastSeenMs > m.sessionTimeoutMs).map(m -> m.id).toList();
                expired.forEach(group.members::remove);
                if (!expired.isEmpty()) {
                    rebalance(group, "session timeout of " + expired);
                } else if (!group.members.isEmpty() && !group.partitionCounts.equals(currentCounts(group))) {
                    rebalance(group, "subscribed topics changed");
                }
            }
        }
        removeLagOfDeletedPartitions();
    }

    private Map<String, Integer> currentCounts(Group group) {
        Map<String, Integer> counts = new TreeMap<>();
        group.members.values().forEach(m -> m.topics.forEach(t -> catalog.find(t).ifPresent(topic -> counts.put(t, topic.partitions()))));
        return counts;
    }

    /**
     * The group a member's call is about. A group this process holds no state for has no members,
     * so the caller is an unknown member (e.g. one from before a restart), who should join again.
     */
    private Group groupOfMember(String name, String memberId) {
        Names.checkGroup(name);
        Group g = groups.get(name);
        if (g == null) {
            throw unknownMember(name, memberId);
        }
        return g;
    }

    private static Member member(Group group, String memberId) {
        Member m = group.members.get(memberId);
        if (m == null) {
            throw unknownMember(group.name, memberId);
        }
        return m;
    }

    private static RunnelException unknownMember(String group, String memberId) {
        return new RunnelException(ErrorCode.UNKNOWN_MEMBER, "member " + memberId
                + " is not in group '" + group + "' (it left or its session timed out): join again").with("group", group)
                .with("memberId", memberId);
    }

    private static RunnelException groupNotFound(String group) {
        return new RunnelException(ErrorCode.GROUP_NOT_FOUND, "group '" + group + "' does not exist").with("group", group);
    }

    private Membership membership(Group group, Member member) {
        return new Membership(member.id, group.generation, member.assignment, member.seenGeneration < group.generation);
    }

    private boolean exists(TopicPartition tp) {
        Optional<Topic> topic = catalog.find(tp.topic());
        return topic.isPresent() && tp.partition() < topic.get().partitions();
    }

    /** The partition's high watermark, if it exists and its leader answers. */
    private Optional<Long> highWatermark(TopicPartition tp) {
        if (!exists(tp)) {
            return Optional.empty();
        }
        try {
            return Optional.of(reads.offsets(tp.topic(), tp.partition()).highWatermark());
        } catch (RunnelException e) {
            return Optional.empty();
        }
    }

    private List<OffsetView> offsetViews(String group, java.util.Collection<TopicPartition> tps) {
        Map<TopicPartition, OffsetStore.Committed> committed = offsets.committed(group);
        List<OffsetView> views = new ArrayList<>();
        for (TopicPartition tp : tps) {
            OffsetStore.Committed c = committed.get(tp);
            if (c == null) {
                continue;
            }
            long hw = highWatermark(tp).orElse(c.offset());
            views.add(new OffsetView(tp.topic(), tp.partition(), c.offset(), c.metadata(), hw, Math.max(0, hw - c.offset())));
        }
        return views;
    }

    /** Removes the lag gauges of partitions that no longer exist, once the catalog is loaded (before, all look deleted). */
    private void removeLagOfDeletedPartitions() {
        if (catalog.loaded()) {
            lag.removeUnless(this::exists);
        }
    }

    @Override
    public void destroy() {
        sweeps.cancel(true);
    }
}
