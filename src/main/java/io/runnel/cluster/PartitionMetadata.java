package io.runnel.cluster;

import java.util.List;

/**
 * Where one partition lives and who leads it.
 *
 * @param partition   its number
 * @param replicas    the instances holding a copy, the preferred leader first
 * @param leader      the instance that appends; one of {@code isr}
 * @param leaderEpoch bumped whenever the leader changes; stamped on the batches it appends
 * @param isr         the in-sync replicas, a non-empty subset of {@code replicas}
 * @param partitionEpoch bumped at every change of leader or ISR, so a change computed from an older
 *                    state can be refused (Kafka's partition epoch)
 */
public record PartitionMetadata(int partition, List<String> replicas, String leader, int leaderEpoch, List<String> isr,
                                int partitionEpoch) {
    public PartitionMetadata {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }

    /** At partition epoch 0 (a new partition, or a single node's view). */
    public PartitionMetadata(int partition, List<String> replicas, String leader, int leaderEpoch, List<String> isr) {
        this(partition, replicas, leader, leaderEpoch, isr, 0);
    }

    /** The next state of this partition: another leader, epoch or ISR, one partition epoch later. */
    PartitionMetadata next(String leader, int leaderEpoch, List<String> isr) {
        return new PartitionMetadata(partition, replicas, leader, leaderEpoch, isr, partitionEpoch + 1);
    }

    /** A new partition: the first replica leads at epoch 0 and every replica is in sync. */
    static PartitionMetadata created(int partition, List<String> replicas) {
        return new PartitionMetadata(partition, replicas, replicas.get(0), 0, replicas);
    }
}
