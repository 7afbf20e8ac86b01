package io.runnel.cluster;

import java.util.List;
import java.util.Map;

/**
 * A topic as the metadata quorum knows it.
 *
 * @param name              the topic's name
 * @param replicationFactor copies of each partition
 * @param configs           config overrides (Kafka names, string values), sorted by key
 * @param createdAtMs       the creating instance's clock at creation
 * @param partitions        partition {@code i} at index {@code i}
 */
public record TopicMetadata(String name, int replicationFactor, Map<String, String> configs, long createdAtMs,
                            List<PartitionMetadata> partitions) {
    public TopicMetadata {
        configs = SortedMaps.freeze(configs);
        partitions = List.copyOf(partitions);
    }

    public int partitionCount() {
        return partitions.size();
    }

    TopicMetadata withPartition(PartitionMetadata partition) {
        PartitionMetadata[] next = partitions.toArray(PartitionMetadata[]::new);
        next[partition.partition()] = partition;
        return new TopicMetadata(name, replicationFactor, configs, createdAtMs, List.of(next));
    }
}
