package io.runnel.config;

import io.runnel.log.FlushPolicy;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Every {@code runnel.*} setting, bound and checked at boot; the README's configuration table
 * lists them with their defaults.
 *
 * @param dataDir where partition logs and metadata live
 * @param node    this instance's identity
 * @param cluster peers and secret (a cluster of one when no peers are named)
 * @param storage durability and background log maintenance
 * @param topics  defaults for new topics
 * @param produce limits and idempotency for produce requests
 * @param fetch   limits for reads
 * @param replication follower fetching, in-sync replica tracking and acknowledgement waits
 */
@Validated
@ConfigurationProperties("runnel")
public record RunnelProperties(
        @DefaultValue("./data") Path dataDir,
        @DefaultValue Node node,
        @DefaultValue Cluster cluster,
        @DefaultValue Storage storage,
        @DefaultValue Topics topics,
        @DefaultValue Produce produce,
        @DefaultValue Fetch fetch,
        @DefaultValue Replication replication) {

    /** @param id this instance's id; empty means the host name */
    public record Node(@DefaultValue("") String id) {
    }

    /**
     * @param peers             every voting instance as {@code id@host:httpPort:raftPort}; empty = single node
     * @param secret            shared secret for {@code /internal/**} calls; required with peers
     * @param sessionTimeout    an instance silent (no heartbeat) this long is offline
     * @param heartbeatInterval how often each instance heart-beats through the metadata quorum
     * @param requestTimeout    how long a metadata change or an instance-to-instance call may take
     */
    public record Cluster(
            @DefaultValue("") String peers,
            @DefaultValue("") String secret,
            @DefaultValue("6s") Duration sessionTimeout,
            @DefaultValue("1s") Duration heartbeatInterval,
            @DefaultValue("10s") Duration requestTimeout) {

        /** Whether peers are configured, i.e. this instance is part of a multi-instance cluster. */
        public boolean enabled() {
            return !peers.isBlank();
        }
    }

    /**
     * @param flush                   when appends are forced to disk: always | interval | os
     * @param flushInterval           period of the background flush under {@code interval}
     * @param retentionCheckInterval  how often retention runs over every partition
     */
    public record Storage(
            @DefaultValue("always") FlushPolicy flush,
            @DefaultValue("1s") Duration flushInterval,
            @DefaultValue("30s") Duration retentionCheckInterval) {
    }

    /**
     * @param autoCreate                create unknown topics on first produce
     * @param defaultPartitions         partitions of topics created without a count
     * @param defaultReplicationFactor  replication factor of topics created without one; 0 = min(3, instances)
     */
    public record Topics(
            @DefaultValue("false") boolean autoCreate,
            @DefaultValue("1") int defaultPartitions,
            @DefaultValue("0") int defaultReplicationFactor) {
    }

    /**
     * @param maxRequestSize      largest accepted produce body
     * @param maxRecordSize       default {@code max.message.bytes} of topics: largest record batch entry
     * @param maxNestingDepth     deepest JSON nesting accepted in a produce body
     * @param idempotencyWindow   how long an {@code Idempotency-Key} is remembered
     */
    public record Produce(
            @DefaultValue("16MB") DataSize maxRequestSize,
            @DefaultValue("1MB") DataSize maxRecordSize,
            @DefaultValue("64") int maxNestingDepth,
            @DefaultValue("10m") Duration idempotencyWindow) {
    }

    /**
     * @param replicaLagTimeMax     a follower not caught up for this long leaves the ISR (Kafka's
     *                              {@code replica.lag.time.max.ms})
     * @param ackTimeout            longest an {@code acks=all} produce waits for the in-sync replicas
     *                              before answering {@code 503 NOT_ENOUGH_REPLICAS_AFTER_APPEND}
     * @param fetchWait             how long a leader holds a follower's fetch when it has nothing new
     * @param fetchMaxBytes         most bytes of one partition in one follower fetch
     */
    public record Replication(
            @DefaultValue("10s") Duration replicaLagTimeMax,
            @DefaultValue("30s") Duration ackTimeout,
            @DefaultValue("500ms") Duration fetchWait,
            @DefaultValue("4MB") DataSize fetchMaxBytes) {
    }

    /**
     * @param defaultMaxBytes default {@code maxBytes} of a fetch
     * @param maxLimit        largest {@code limit} (records) of a fetch
     * @param sseMaxDuration  how long one Server-Sent Events stream lasts before the server ends it
     *                        (clients resume with {@code Last-Event-ID}); bounds what a vanished client holds
     * @param sseKeepAlive    how often an idle stream gets a comment line; keeps proxies from closing it,
     *                        and the second failed one releases the connection of a client that went away
     */
    public record Fetch(
            @DefaultValue("1MB") DataSize defaultMaxBytes,
            @DefaultValue("10000") int maxLimit,
            @DefaultValue("15m") Duration sseMaxDuration,
            @DefaultValue("15s") Duration sseKeepAlive) {
    }
}
