package io.runnel.replication;

import io.runnel.cluster.PartitionMetadata;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ISR changes of one kind, re-admissions ({@link #joining()}) or drops ({@link #leaving()}), that a
 * leader has proposed for one partition and whose outcome the metadata it reads does not show yet. A
 * joining follower counts towards the high watermark from the moment it is proposed, so no record is
 * acknowledged that a leader elected from the new ISR could lack; a leaving one is not checked for lag
 * again, and not proposed twice ({@link ReplicaManager}).
 *
 * <p>A change is forgotten when its proposal fails, and when the metadata the leader reads either shows
 * it done (the follower in the ISR, or out of it) or has moved past the partition epoch it was proposed at:
 * every change of the partition bumps that epoch, so from then on the metadata's ISR is the whole truth,
 * also when the change was applied and undone again (say a re-admitted follower dropped by the controller,
 * which had just marked its instance offline) before the leader looked. Without the second rule such a
 * follower stayed pending for the rest of the leadership: a joining one was never re-admitted again, a
 * leaving one never dropped again.
 *
 * <p>Thread-safe (fetch threads and the replication tick propose and settle, proposal callbacks fail). In
 * memory only, per leadership: a new leader epoch starts with none.
 */
final class PendingIsrChanges {
    /** Follower id → the partition epoch its change was proposed at. */
    private final Map<String, Integer> proposedAt = new ConcurrentHashMap<>();
    private final boolean joins;

    private PendingIsrChanges(boolean joins) {
        this.joins = joins;
    }

    /** Re-admissions to the ISR. */
    static PendingIsrChanges joining() {
        return new PendingIsrChanges(true);
    }

    /** Drops from the ISR. */
    static PendingIsrChanges leaving() {
        return new PendingIsrChanges(false);
    }

    /** Notes a change for {@code follower} proposed at {@code partitionEpoch}; false if one is already pending. */
    boolean begin(String follower, int partitionEpoch) {
        return proposedAt.putIfAbsent(follower, partitionEpoch) == null;
    }

    /** The change for {@code follower} proposed at {@code partitionEpoch} was refused or did not complete. */
    void failed(String follower, int partitionEpoch) {
        proposedAt.remove(follower, partitionEpoch);
    }

    /** Forgets the changes that {@code metadata} (the partition as the leader reads it) settles. */
    void settle(PartitionMetadata metadata) {
        proposedAt.entrySet().removeIf(e -> metadata.isr().contains(e.getKey()) == joins
                || metadata.partitionEpoch() > e.getValue());
    }

    boolean contains(String follower) {
        return proposedAt.containsKey(follower);
    }

    /** The followers with a pending change (a snapshot). */
    Set<String> ids() {
        return Set.copyOf(proposedAt.keySet());
    }
}
