package io.runnel.topic;

import java.util.Map;

/**
 * A request for a topic; every member but the name may be {@code null}, and the {@link TopicCatalog}
 * fills it from the server defaults ({@link TopicRules}) whoever asks: the admin API or auto-create.
 *
 * @param name              the topic's name (checked against Kafka's naming rule)
 * @param partitions        1–{@value TopicRules#MAX_PARTITIONS}; default {@code runnel.topics.default-partitions}
 * @param replicationFactor 1–live instances; default {@code runnel.topics.default-replication-factor},
 *                          or min(3, live instances) when that is 0
 * @param configs           config overrides (Kafka names, string values)
 */
public record NewTopic(String name, Integer partitions, Integer replicationFactor, Map<String, String> configs) {
    /** A topic with every default: what auto-create asks for. */
    public static NewTopic withDefaults(String name) {
        return new NewTopic(name, null, null, null);
    }
}
