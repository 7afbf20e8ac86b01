package io.runnel.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * The controller's plan to bring leadership back to each partition's preferred replica, its first
 * (Kafka's preferred-leader election, {@code runnel.cluster.auto-leader-rebalance}): after a
 * restart or a failover the leaderships an instance lost stay with the others until moved back,
 * so without this a rolling restart leaves one instance leading everything.
 *
 * <p>A pure function of the metadata, so it can be tested without a cluster. A partition moves
 * when its preferred replica is not its leader, is in its ISR, and can lead (online and not
 * shutting down, {@link InstanceMetadata#canLead}): the preferred replica leads at the next
 * leader epoch with the ISR unchanged, and the command expects the partition epoch it was
 * planned from, so it never undoes a change applied in between. Being in the ISR means it holds
 * every acknowledged record; records the old leader took but had not acknowledged may be
 * truncated there, as at any leader change.
 *
 * <p>A partition with a started reassignment is left to {@link ReassignmentPlanner}: its first replica is then
 * an original one that may be on its way out, and moving the leadership back to it would undo the
 * reassignment's leader move; once completed, its first replica is the target's preferred one.
 *
 * <p>At most {@code maxMoves} commands per plan, in topic-name and partition order, so one check
 * does not flood the quorum (and the instances' clients with leader changes) on a big cluster; the
 * next check continues where the moved partitions no longer need it.
 */
public final class PreferredLeaderElection {
    /** The most leadership moves one check proposes. */
    public static final int MAX_MOVES_PER_CHECK = 50;

    private PreferredLeaderElection() {
    }

    /** The commands that move leadership back to preferred replicas; empty when every partition is led where it should be. */
    public static List<MetadataCommand.SetPartitionState> plan(ClusterState state, int maxMoves) {
        List<MetadataCommand.SetPartitionState> moves = new ArrayList<>();
        for (TopicMetadata topic : state.topics().values()) {
            for (PartitionMetadata p : topic.partitions()) {
                if (moves.size() >= maxMoves) {
                    return moves;
                }
                String preferred = p.replicas().get(0);
                if (p.reassignmentStarted() || preferred.equals(p.leader()) || !p.isr().contains(preferred)
                        || !state.instance(preferred).map(InstanceMetadata::canLead).orElse(false)) {
                    continue;
                }
                moves.add(new MetadataCommand.SetPartitionState(topic.name(), p.partition(), preferred, p.leaderEpoch() + 1, p.isr(),
                        p.partitionEpoch()));
            }
        }
        return moves;
    }
}
