package io.runnel.topic;

import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.cluster.ClusterState;
import io.runnel.config.RunnelProperties;
import java.util.Map;

/**
 * The one place where a topic request is checked and completed with the server defaults, for
 * both catalogs and every caller (admin API, auto-create). Pure: no state, no I/O.
 */
final class TopicRules {
    /** The most partitions a topic may have; the metadata state machine enforces the same bound. */
    static final int MAX_PARTITIONS = ClusterState.MAX_PARTITIONS;

    private final RunnelProperties.Topics defaults;

    TopicRules(RunnelProperties.Topics defaults) {
        this.defaults = defaults;
    }

    /** A checked topic request: every member present and valid. */
    record Valid(String name, int partitions, int replicationFactor, TopicConfigs configs) {
    }

    /**
     * Checks {@code request} and fills its defaults for a cluster of {@code liveInstances}.
     *
     * @throws RunnelException {@code INVALID_TOPIC_NAME}, {@code INVALID_PARTITIONS},
     *                      {@code INVALID_REPLICATION_FACTOR}, {@code INVALID_REQUEST} (negative numbers) or
     *                      {@code INVALID_CONFIG}
     */
    Valid check(NewTopic request, int liveInstances) {
        String name = Names.checkTopic(request.name());
        int partitions = request.partitions() == null ? defaults.defaultPartitions() : request.partitions();
        checkNotNegative("partitions", partitions);
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            throw new RunnelException(ErrorCode.INVALID_PARTITIONS, "partitions must be from 1 to " + MAX_PARTITIONS + ", got " + partitions);
        }
        int defaultRf = defaults.defaultReplicationFactor() > 0
                ? defaults.defaultReplicationFactor() : Math.min(3, liveInstances);
        int rf = request.replicationFactor() == null ? defaultRf : request.replicationFactor();
        checkNotNegative("replicationFactor", rf);
        if (rf < 1 || rf > liveInstances) {
            throw new RunnelException(ErrorCode.INVALID_REPLICATION_FACTOR, "replicationFactor must be from 1 to the "
                    + liveInstances + " live instance(s), got " + rf).with("liveInstances", liveInstances);
        }
        TopicConfigs configs = TopicConfigs.NONE.with(request.configs() == null ? Map.of() : request.configs());
        return new Valid(name, partitions, rf, configs);
    }

    /** Checks a new partition count for {@code topic}: partitions only grow, up to {@value #MAX_PARTITIONS}. */
    static void checkGrowth(Topic topic, Integer partitions) {
        if (partitions == null) {
            return;
        }
        checkNotNegative("partitions", partitions);
        if (partitions > MAX_PARTITIONS) {
            throw new RunnelException(ErrorCode.INVALID_PARTITIONS, "partitions must be at most " + MAX_PARTITIONS);
        }
        if (partitions < topic.partitions()) {
            throw new RunnelException(ErrorCode.INVALID_PARTITIONS, "partitions can only grow: topic '" + topic.name() + "' has "
                    + topic.partitions() + ", asked for " + partitions).with("topic", topic.name());
        }
    }

    static void checkNotNegative(String field, long value) {
        if (value < 0) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "'" + field + "' must not be negative, got " + value).with("field", field);
        }
    }
}
