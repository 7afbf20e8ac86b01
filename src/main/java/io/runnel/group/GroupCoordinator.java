package io.runnel.group;

import io.runnel.topic.TopicPartition;
import java.util.List;
import java.util.Map;

/**
 * Coordinates consumer groups: membership, generations, partition assignment, member positions
 * and committed offsets. On a single node {@link LocalGroupCoordinator} does it in this process;
 * in a cluster the controller's instance does, and the others forward group calls to it, so the
 * web layer only ever talks to this interface.
 *
 * <p>Failures are {@code RunnelException}s: {@code UNKNOWN_MEMBER}, {@code ILLEGAL_GENERATION},
 * {@code NOT_ASSIGNED}, {@code GROUP_NOT_EMPTY}, {@code GROUP_NOT_FOUND}, {@code TOPIC_NOT_FOUND}.
 */
public interface GroupCoordinator {

    /** How a member joins: topics to read, session timeout, where to start without a commit. */
    record JoinSpec(List<String> topics, long sessionTimeoutMs, boolean resetToEarliest) {
    }

    /** A member's view after join, heartbeat or read: its generation and partitions. */
    record Membership(String memberId, int generation, List<TopicPartition> assignment, boolean rebalancing) {
    }

    /** What a member reads from: the generation it read in and each assigned partition's position. */
    record ReadPlan(Membership membership, Map<TopicPartition, Long> positions) {
    }

    /** One offset to commit; {@code offset} is the next offset to read. */
    record OffsetCommit(String topic, int partition, long offset, String metadata) {
    }

    record CommitSpec(String memberId, Integer generation, List<OffsetCommit> offsets) {
    }

    /** Where a reset moves a topic's committed offsets. */
    record ResetSpec(String topic, String to, Long timestamp, Long offset) {
    }

    record MemberView(String memberId, List<TopicPartition> assignment,
                      @io.swagger.v3.oas.annotations.media.Schema(format = "date-time") String lastSeen) {
    }

    record OffsetView(String topic, int partition, long committedOffset, String metadata, long highWatermark, long lag) {
    }

    record GroupSummary(String group, String state, int members) {
    }

    /** The topics a member subscribed to, and those of the partitions assigned to it now (a subset); sorted. */
    record MemberTopics(List<String> subscribed, List<String> assigned) {
    }

    record GroupView(String group, String state, int generation, List<MemberView> members, List<OffsetView> offsets) {
    }

    Membership join(String group, JoinSpec spec);

    Membership heartbeat(String group, String memberId);

    void leave(String group, String memberId);

    /**
     * The topics of a member, for the authorization of its calls: read only, it does not count as a
     * heartbeat. {@code UNKNOWN_MEMBER} as the member's own calls.
     */
    MemberTopics memberTopics(String group, String memberId);

    /** Starts a member's read: counts as a heartbeat and keeps the member alive until {@link #endRead}. */
    ReadPlan beginRead(String group, String memberId);

    /**
     * Ends a read: if the group is still in the plan's generation, moves the member's positions
     * to {@code next} (and commits them when {@code commit}) and returns true; otherwise changes
     * nothing and returns false, and the member should pick up its new assignment.
     */
    boolean endRead(String group, String memberId, int generation, Map<TopicPartition, Long> next, boolean commit);

    /**
     * Forgets a member's position in {@code partition} because a read found it outside the log
     * (retention deleted below it): the next {@link #beginRead} resolves it again from the committed
     * offset or the member's reset policy, as for a partition it has never read.
     */
    void forgetPosition(String group, String memberId, TopicPartition partition);

    List<OffsetView> commit(String group, CommitSpec spec);

    List<GroupSummary> list();

    GroupView describe(String group);

    List<OffsetView> reset(String group, ResetSpec spec);

    void delete(String group);
}
