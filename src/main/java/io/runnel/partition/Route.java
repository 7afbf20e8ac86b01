package io.runnel.partition;

import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.cluster.PartitionMetadata;

/**
 * Where a request for one partition must go, as {@link PartitionRouter} answers it: here, to
 * another instance, or nowhere for now. Every caller (the forwarding filter, produce, fetch, group
 * reads, replication's leader side) branches on this one answer.
 */
public sealed interface Route {
    String topic();

    /** The partition's replicas, leader, leader epoch and ISR as the catalog has them now. */
    PartitionMetadata metadata();

    /** This instance leads the partition and its log is open here. */
    record Local(String topic, PartitionMetadata metadata, Partition partition) implements Route {
    }

    /** Another instance, online, leads the partition. */
    record Remote(String topic, PartitionMetadata metadata, String leader) implements Route {
    }

    /**
     * No instance can take the request now: the leader is offline, or this instance was just made
     * leader and has not opened the log yet. Callers answer {@link #problem()}; clients retry.
     */
    record Unavailable(String topic, PartitionMetadata metadata, String why) implements Route {
        /** {@code 503 LEADER_NOT_AVAILABLE} naming the partition and its leader. */
        public RunnelException problem() {
            return new RunnelException(ErrorCode.LEADER_NOT_AVAILABLE, why).with("topic", topic)
                    .with("partition", metadata.partition()).with("leader", metadata.leader());
        }
    }
}
