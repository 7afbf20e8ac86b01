package io.runnel.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Plans where partitions' replicas should go when an instance drains and when the cluster is
 * rebalanced: target replica lists, which the controller submits as reassignments. A pure function
 * of the metadata (no clock, no randomness, ties broken by instance id), so it can be tested without
 * a cluster and a dry run shows exactly what a real run submits.
 *
 * <p>A partition being reassigned is counted where its reassignment takes it (its target) and is left
 * alone by both plans (a partition has one reassignment at a time; a drain plans it again once that one
 * completes).
 *
 * <p><b>Eligible instances</b> are those that may receive replicas: online, not shutting down and
 * not draining ({@link InstanceMetadata#canHostReplicas}). A replica on another instance is never
 * a destination; replica and preferred-leader counts are compared over eligible instances only.
 *
 * <p><b>Drain</b> gives every partition holding a replica on the drained instance a target list with
 * that replica replaced, in the same position, by the eligible instance not already holding the
 * partition with the fewest replicas (then the fewest preferred leaderships where the first replica
 * is replaced, then the smallest id). The other replicas keep their places and order; while the new
 * replica catches up the next replica in line leads, and preferred-leader election hands the
 * leadership to the new first replica once it is in sync. Refused when fewer eligible instances
 * remain than the largest replication factor (or none at all).
 *
 * <p><b>Rebalance</b> is greedy: while some eligible instance holds at least two replicas more than
 * another, move one replica from the more to the less loaded, from a partition the latter does not
 * hold (a follower replica where there is one, so preferred leaderships stay put; a first replica
 * only when that does not make the preferred-leader counts less even); then, while some instance is
 * the preferred leader of at least two partitions more than another, swap their positions in a
 * partition both hold (a reorder: no data moves). Each step makes the counts strictly more even, so
 * the plan ends; planning again on its result changes nothing; counts are never less even than
 * before. Partitions with a replica on a draining instance are left to the drain. At most
 * {@code maxMoves} partitions change per plan, so one plan does not flood the reassignment queue;
 * the next plan continues.
 *
 * <p>Stateless; thread-safe.
 */
public final class ReplicaBalancer {
    /** The most partitions one rebalance plan changes. */
    public static final int MAX_MOVES_PER_PLAN = 100;

    private ReplicaBalancer() {
    }

    /** One partition's replica list now and as planned, the preferred leader first in both. */
    public record Move(String topic, int partition, List<String> from, List<String> to) {
        public Move {
            Objects.requireNonNull(topic, "topic");
            from = List.copyOf(from);
            to = List.copyOf(to);
        }
    }

    /** A partition whose preferred leader (first replica) a plan changes. */
    public record LeadershipChange(String topic, int partition, String from, String to) {
    }

    /**
     * A plan: the partitions to move, in topic and partition order; or, when {@code refusal} is not
     * {@code null}, why there is none.
     */
    public record Plan(List<Move> moves, String refusal) {
        public Plan {
            moves = List.copyOf(moves);
        }

        static Plan refused(String why) {
            return new Plan(List.of(), why);
        }

        public boolean isRefused() {
            return refusal != null;
        }

        /** The moves that change a partition's first replica. */
        public List<LeadershipChange> leadershipChanges() {
            return moves.stream().filter(m -> !m.from().get(0).equals(m.to().get(0)))
                    .map(m -> new LeadershipChange(m.topic(), m.partition(), m.from().get(0), m.to().get(0))).toList();
        }
    }

    /** Target replica lists that take every replica away from {@code instanceId}, or why that is impossible. */
    public static Plan drain(ClusterState state, String instanceId) {
        if (state.instance(instanceId).isEmpty()) {
            return Plan.refused("instance '" + instanceId + "' is not known to the cluster");
        }
        List<String> eligible = eligible(state).stream().filter(id -> !id.equals(instanceId)).toList();
        int largest = state.topics().values().stream().flatMap(t -> t.partitions().stream())
                .mapToInt(p -> planned(p).size()).max().orElse(0);
        if (eligible.isEmpty() || eligible.size() < largest) {
            return Plan.refused("cannot drain '" + instanceId + "': " + eligible.size() + " other instance(s) can take replicas "
                    + eligible + ", the largest replication factor is " + largest);
        }
        Counts counts = new Counts(state, eligible);
        List<Move> moves = new ArrayList<>();
        for (TopicMetadata topic : state.topics().values()) {
            for (PartitionMetadata p : topic.partitions()) {
                int slot = p.replicas().indexOf(instanceId);
                if (slot < 0 || p.reassigning()) {
                    continue;
                }
                String to = eligible.stream().filter(id -> !p.replicas().contains(id))
                        .min(Comparator.<String>comparingInt(counts.replicas::get)
                                .thenComparingInt(id -> slot == 0 ? counts.leaders.get(id) : 0)
                                .thenComparing(Comparator.naturalOrder()))
                        .orElseThrow();
                List<String> target = new ArrayList<>(p.replicas());
                target.set(slot, to);
                counts.replicas.merge(to, 1, Integer::sum);
                if (slot == 0) {
                    counts.leaders.merge(to, 1, Integer::sum);
                }
                moves.add(new Move(topic.name(), p.partition(), p.replicas(), target));
            }
        }
        return new Plan(moves, null);
    }

    /**
     * The leadership moves that take every leadership away from a draining instance: each partition it leads goes, at
     * the next leader epoch with the ISR unchanged, to the first replica (in replica order) of its ISR that can lead
     * ({@link InstanceMetadata#canLead}); a partition with no such replica stays led where it is. Each command expects
     * the partition epoch it was planned from.
     */
    public static List<MetadataCommand.SetPartitionState> leadershipsAway(ClusterState state, String instanceId) {
        List<MetadataCommand.SetPartitionState> moves = new ArrayList<>();
        for (TopicMetadata topic : state.topics().values()) {
            for (PartitionMetadata p : topic.partitions()) {
                if (!p.leader().equals(instanceId)) {
                    continue;
                }
                p.replicas().stream()
                        .filter(r -> !r.equals(instanceId) && p.isr().contains(r)
                                && state.instance(r).map(InstanceMetadata::canLead).orElse(false))
                        .findFirst()
                        .ifPresent(next -> moves.add(new MetadataCommand.SetPartitionState(topic.name(), p.partition(), next,
                                p.leaderEpoch() + 1, p.isr(), p.partitionEpoch())));
            }
        }
        return moves;
    }

    /** {@link #rebalance(ClusterState, int)} with at most {@link #MAX_MOVES_PER_PLAN} moves. */
    public static Plan rebalance(ClusterState state) {
        return rebalance(state, MAX_MOVES_PER_PLAN);
    }

    /** Target replica lists that even replica and preferred-leader counts over the eligible instances; never refused. */
    public static Plan rebalance(ClusterState state, int maxMoves) {
        List<String> eligible = eligible(state);
        if (eligible.size() < 2) {
            return new Plan(List.of(), null);
        }
        Working working = new Working(state, eligible, maxMoves);
        boolean changed = true;
        while (changed) {
            changed = false;
            while (working.moveOneReplica()) {
                changed = true;
            }
            while (working.swapOneLeadership()) {
                changed = true;
            }
        }
        return new Plan(working.moves(), null);
    }

    /** Where a partition is going: the target of its reassignment, or its replicas when it has none. */
    static List<String> planned(PartitionMetadata p) {
        return p.reassigning() ? p.targetReplicas() : p.replicas();
    }

    /** Ids of the instances that may receive replicas, sorted. */
    static List<String> eligible(ClusterState state) {
        return state.instances().values().stream().filter(InstanceMetadata::canHostReplicas).map(InstanceMetadata::id).toList();
    }

    /** Replicas and preferred leaderships per eligible instance (zero for one that holds nothing). */
    private static final class Counts {
        final Map<String, Integer> replicas = new TreeMap<>();
        final Map<String, Integer> leaders = new TreeMap<>();

        Counts(ClusterState state, List<String> eligible) {
            eligible.forEach(id -> {
                replicas.put(id, 0);
                leaders.put(id, 0);
            });
            for (TopicMetadata topic : state.topics().values()) {
                for (PartitionMetadata p : topic.partitions()) {
                    List<String> planned = planned(p);
                    planned.forEach(r -> replicas.computeIfPresent(r, (k, n) -> n + 1));
                    leaders.computeIfPresent(planned.get(0), (k, n) -> n + 1);
                }
            }
        }
    }

    /** A partition's replicas as the plan so far leaves them. */
    private static final class Target {
        final String topic;
        final int partition;
        final List<String> from;
        final List<String> to;
        final boolean movable;

        Target(String topic, PartitionMetadata p, boolean movable) {
            this.topic = topic;
            this.partition = p.partition();
            this.from = p.replicas();
            this.to = new ArrayList<>(p.replicas());
            this.movable = movable;
        }

        boolean touched() {
            return !to.equals(from);
        }
    }

    /** The rebalance in progress: every partition's target and the counts they give. */
    private static final class Working {
        final List<String> eligible;
        final Counts counts;
        final List<Target> targets = new ArrayList<>();
        final int maxMoves;
        /** How many targets differ from their partition's replicas now. */
        int touched;

        Working(ClusterState state, List<String> eligible, int maxMoves) {
            this.eligible = eligible;
            this.counts = new Counts(state, eligible);
            this.maxMoves = maxMoves;
            for (TopicMetadata topic : state.topics().values()) {
                for (PartitionMetadata p : topic.partitions()) {
                    boolean draining = p.replicas().stream().anyMatch(r -> state.instance(r).map(InstanceMetadata::draining).orElse(false));
                    targets.add(new Target(topic.name(), p, !draining && !p.reassigning()));
                }
            }
        }

        List<Move> moves() {
            return targets.stream().filter(Target::touched).map(t -> new Move(t.topic, t.partition, t.from, t.to)).toList();
        }

        /** Sets {@code t}'s target, keeping {@link #touched} up to date. */
        private void retarget(Target t, List<String> next) {
            boolean was = t.touched();
            t.to.clear();
            t.to.addAll(next);
            touched += (t.touched() ? 1 : 0) - (was ? 1 : 0);
        }

        /** Whether {@code t} may change: it already does, or the plan has room for one more move. */
        private boolean mayChange(Target t) {
            return t.movable && (t.touched() || touched < maxMoves);
        }

        /** Moves one replica from a more to a less loaded instance (two or more apart); false when there is none to move. */
        boolean moveOneReplica() {
            List<String> byLoad = sortedBy(counts.replicas);
            for (int d = byLoad.size() - 1; d >= 0; d--) {
                String donor = byLoad.get(d);
                for (String receiver : byLoad) {
                    if (counts.replicas.get(donor) - counts.replicas.get(receiver) < 2) {
                        break;
                    }
                    if (moveReplica(donor, receiver)) {
                        return true;
                    }
                }
            }
            return false;
        }

        private boolean moveReplica(String donor, String receiver) {
            for (Target t : targets) {
                int slot = t.to.indexOf(donor);
                if (slot > 0 && !t.to.contains(receiver) && mayChange(t)) {
                    List<String> next = new ArrayList<>(t.to);
                    next.set(slot, receiver);
                    retarget(t, next);
                    shiftReplica(donor, receiver);
                    return true;
                }
            }
            for (Target t : targets) {
                if (t.to.get(0).equals(donor) && !t.to.contains(receiver) && mayChange(t)) {
                    List<String> inPlace = new ArrayList<>(t.to);
                    inPlace.set(0, receiver);
                    List<String> appended = new ArrayList<>(t.to.subList(1, t.to.size()));
                    appended.add(receiver);
                    for (List<String> candidate : List.of(inPlace, appended)) {
                        String leader = candidate.get(0);
                        if (!counts.leaders.containsKey(leader)) {
                            continue;
                        }
                        Target giveBack = null;
                        if (lessEven(counts.leaders, donor, leader)) {
                            giveBack = compensation(t, leader, donor);
                            if (giveBack == null) {
                                continue;
                            }
                        }
                        retarget(t, candidate);
                        shiftReplica(donor, receiver);
                        counts.leaders.merge(donor, -1, Integer::sum);
                        counts.leaders.merge(leader, 1, Integer::sum);
                        if (giveBack != null) {
                            swapLeadership(giveBack, leader, donor);
                        }
                        return true;
                    }
                }
            }
            return false;
        }

        /**
         * Another partition, led by {@code from} with {@code to} among its followers, whose leadership can go to
         * {@code to}: a reorder that gives back the preferred leadership a replica move took, so the move does not
         * make preferred leaderships less even.
         */
        private Target compensation(Target moved, String from, String to) {
            for (Target t : targets) {
                if (t != moved && t.to.get(0).equals(from) && t.to.indexOf(to) > 0 && mayChange(t)
                        && (t.touched() || moved.touched() || touched + 2 <= maxMoves)) {
                    return t;
                }
            }
            return null;
        }

        private void swapLeadership(Target t, String from, String to) {
            List<String> next = new ArrayList<>(t.to);
            Collections.swap(next, 0, next.indexOf(to));
            retarget(t, next);
            counts.leaders.merge(from, -1, Integer::sum);
            counts.leaders.merge(to, 1, Integer::sum);
        }

        private void shiftReplica(String donor, String receiver) {
            counts.replicas.merge(donor, -1, Integer::sum);
            counts.replicas.merge(receiver, 1, Integer::sum);
        }

        /** Makes a partition's first replica another of its replicas (two or more preferred leaderships apart); false when none. */
        boolean swapOneLeadership() {
            List<String> byLoad = sortedBy(counts.leaders);
            for (int d = byLoad.size() - 1; d >= 0; d--) {
                String donor = byLoad.get(d);
                for (String receiver : byLoad) {
                    if (counts.leaders.get(donor) - counts.leaders.get(receiver) < 2) {
                        break;
                    }
                    for (Target t : targets) {
                        if (t.to.get(0).equals(donor) && t.to.indexOf(receiver) > 0 && mayChange(t)) {
                            swapLeadership(t, donor, receiver);
                            return true;
                        }
                    }
                }
            }
            return false;
        }

        /** Ids ordered by count, then id. */
        private List<String> sortedBy(Map<String, Integer> count) {
            List<String> ids = new ArrayList<>(eligible);
            ids.sort(Comparator.<String>comparingInt(count::get).thenComparing(Comparator.naturalOrder()));
            return ids;
        }
    }

    /** Whether moving one from {@code from} to {@code to} widens the spread (max − min) of {@code count}. */
    private static boolean lessEven(Map<String, Integer> count, String from, String to) {
        if (from.equals(to)) {
            return false;
        }
        Map<String, Integer> after = new LinkedHashMap<>(count);
        after.merge(from, -1, Integer::sum);
        after.merge(to, 1, Integer::sum);
        return spread(after) > spread(count);
    }

    /** Max − min of the counts; 0 when there are none. */
    static int spread(Map<String, Integer> count) {
        if (count.isEmpty()) {
            return 0;
        }
        return Collections.max(count.values()) - Collections.min(count.values());
    }
}
