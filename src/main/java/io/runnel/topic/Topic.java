package io.runnel.topic;

import java.time.Instant;

/**
 * A topic as the registry stores it.
 *
 * @param name              legal topic name
 * @param partitions        number of partitions, numbered 0..partitions-1
 * @param replicationFactor copies of each partition (1 on a single node)
 * @param configs           the topic's config overrides
 * @param createdAt         when it was created
 */
public record Topic(String name, int partitions, int replicationFactor, TopicConfigs configs, Instant createdAt) {
}
