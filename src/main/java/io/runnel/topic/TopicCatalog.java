package io.runnel.topic;

import io.runnel.error.RunnelException;
import io.runnel.cluster.PartitionMetadata;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The topics of the cluster and where each partition lives: the one owner of topic validation,
 * defaults ({@link TopicRules}) and persistence. Two implementations, chosen at boot:
 * {@link LocalTopicCatalog} on a single node (a {@code topics.json} file) and
 * {@link RaftTopicCatalog} in a cluster (metadata commands through the Raft quorum).
 *
 * <p>The catalog says what exists; it opens no log. Its one {@linkplain #start follower} (the
 * partition hosting) is told every new set of topics and makes the open logs match. For a
 * mutation made here the follower has been told before the call returns, so a caller can use
 * the topic at once. Lookups take no lock and see the last applied set.
 */
public interface TopicCatalog {

    /**
     * Loads the catalog (single node: reads the topic file; cluster: waits until this instance's
     * metadata has caught up with the quorum) and then tells {@code follower} the topics, now and
     * after every change. Called once, before any other mutation.
     */
    void start(Consumer<Map<String, Topic>> follower) throws Exception;

    /** Whether {@link #start} has loaded the topics: before, the catalog is empty for lack of knowledge, not of topics. */
    boolean loaded();

    /** Every topic, by name. */
    Map<String, Topic> topics();

    default List<Topic> list() {
        return topics().values().stream().sorted(java.util.Comparator.comparing(Topic::name)).toList();
    }

    default Optional<Topic> find(String name) {
        return Optional.ofNullable(topics().get(name));
    }

    /** The topic, or {@code 404 TOPIC_NOT_FOUND}. */
    default Topic require(String name) {
        return find(name).orElseThrow(() -> RunnelException.topicNotFound(name));
    }

    /** Replicas, leader, epoch and ISR of a partition; {@code 404 TOPIC_NOT_FOUND} / {@code PARTITION_NOT_FOUND}. */
    default PartitionMetadata placement(String topic, int partition) {
        return require(topic).placement(partition);
    }

    /** How many instances can take replicas now (1 on a single node). */
    int liveInstances();

    /**
     * Creates a topic, filling {@code request}'s missing members with the server defaults.
     *
     * @throws RunnelException {@code TOPIC_ALREADY_EXISTS} or a validation problem; nothing is created then
     */
    Topic create(NewTopic request);

    /**
     * Grows partitions (never shrinks) and applies config changes (a {@code null} value resets a
     * key); either may be {@code null}.
     */
    Topic update(String name, Integer partitions, Map<String, String> configChanges);

    /** Deletes a topic; its logs are deleted by the follower before this returns (on this instance). */
    void delete(String name);
}
