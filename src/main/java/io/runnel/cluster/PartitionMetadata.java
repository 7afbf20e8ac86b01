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
 */
public record PartitionMetadata(int partition, List<String> replicas, String leader, int leaderEpoch, List<String> isr) {
    public PartitionMetadata {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }

    /** A new partition: the first replica leads at epoch 0 and every replica is in sync. */
    static PartitionMetadata created(int partition, List<String> replicas) {
        return new PartitionMetadata(partition, replicas, replicas.get(0), 0, replicas);
    }
}
