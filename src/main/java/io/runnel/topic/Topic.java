package io.runnel.topic;

import io.runnel.error.RunnelException;
import io.runnel.cluster.PartitionMetadata;
import java.time.Instant;
import java.util.List;

/**
 * A topic as the {@link TopicCatalog} has it.
 *
 * @param name              legal topic name
 * @param partitions        number of partitions, numbered 0..partitions-1
 * @param replicationFactor copies of each partition (1 on a single node)
 * @param configs           the topic's config overrides
 * @param createdAt         when it was created
 * @param placement         partition {@code i} at index {@code i}: its replicas, leader, epoch and ISR;
 *                          on a single node this instance alone at leader epoch 0
 */
public record Topic(String name, int partitions, int replicationFactor, TopicConfigs configs, Instant createdAt,
                    List<PartitionMetadata> placement) {
    public Topic {
        placement = List.copyOf(placement);
        if (placement.size() != partitions) {
            throw new IllegalArgumentException("topic " + name + " has " + partitions + " partitions but "
                    + placement.size() + " placements");
        }
    }

    /** Replicas, leader, epoch and ISR of partition {@code partition}; 404 if the topic has no such partition. */
    public PartitionMetadata placement(int partition) {
        if (partition < 0 || partition >= partitions) {
            throw RunnelException.partitionNotFound(name, partition);
        }
        return placement.get(partition);
    }
}
