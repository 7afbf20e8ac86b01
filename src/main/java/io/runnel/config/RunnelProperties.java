package io.runnel.config;

import io.runnel.config.ClusterPeers.Peer;
import io.runnel.log.FlushPolicy;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Every {@code runnel.*} setting, bound and checked at boot; the README's configuration table
 * lists them with their defaults and allowed values.
 *
 * <p>Each setting carries its rule (Jakarta Bean Validation, with {@link PositiveDuration} and
 * {@link PositiveDataSize} for durations and sizes; {@link ConsistentSettings} for rules that span
 * settings), so a bad value stops the boot with Spring Boot's binding report naming the property
 * and the rule, instead of failing later, elsewhere, or not at all.
 *
 * @param dataDir where partition logs and metadata live
 * @param node    this instance's identity
 * @param cluster peers and secret (a cluster of one when no peers are named)
 * @param storage durability and background log maintenance
 * @param topics  defaults for new topics
 * @param produce limits and idempotency for produce requests
 * @param fetch   limits for reads
 * @param replication follower fetching, in-sync replica tracking and acknowledgement waits
 * @param threads     sizes of the thread pools ({@link RunnelExecutors})
 * @param security    authentication and authorization of public calls (off by default)
 */
@Validated
@ConsistentSettings
@ConfigurationProperties("runnel")
public record RunnelProperties(
        @DefaultValue("./data") @NotNull Path dataDir,
        @DefaultValue @NotNull @Valid Node node,
        @DefaultValue @NotNull @Valid Cluster cluster,
        @DefaultValue @NotNull @Valid Storage storage,
        @DefaultValue @NotNull @Valid Topics topics,
        @DefaultValue @NotNull @Valid Produce produce,
        @DefaultValue @NotNull @Valid Fetch fetch,
        @DefaultValue @NotNull @Valid Replication replication,
        @DefaultValue @NotNull @Valid Threads threads,
        @DefaultValue @NotNull @Valid Security security) {

    /** Binding uses this one. */
    @ConstructorBinding
    public RunnelProperties {
    }

    /** With security off. */
    public RunnelProperties(Path dataDir, Node node, Cluster cluster, Storage storage, Topics topics, Produce produce, Fetch fetch,
                            Replication replication, Threads threads) {
        this(dataDir, node, cluster, storage, topics, produce, fetch, replication, threads, Security.OFF);
    }

    /** With the default thread pool sizes and security off. */
    public RunnelProperties(Path dataDir, Node node, Cluster cluster, Storage storage, Topics topics, Produce produce, Fetch fetch,
                            Replication replication) {
        this(dataDir, node, cluster, storage, topics, produce, fetch, replication, Threads.DEFAULTS);
    }

    /** @param id this instance's id, following the topic naming rule; empty means the host name */
    public record Node(
            @DefaultValue("") @NotNull
            @Pattern(regexp = "|(?!\\.\\.?$)[a-zA-Z0-9._-]{1,249}",
                    message = "must be empty (the host name) or 1-249 characters of [a-zA-Z0-9._-], and not '.' or '..'")
            String id) {

        /** {@link #id}, or the host name when it is empty. */
        public String idOrHostName() {
            return id.isBlank() ? hostName() : id;
        }

        /** This machine's host name, {@code localhost} when it cannot be found. */
        public static String hostName() {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                return "localhost";
            }
        }
    }

    /**
     * @param peers             every voting instance, this one included; empty = single node. A YAML list of
     *                          {@code {id, host, http-port, raft-port}}, or the string form
     *                          {@code id@host:httpPort:raftPort,…} ({@link PeerConverter})
     * @param secret            shared secret for {@code /internal/**} calls; required with peers
     * @param sessionTimeout    an instance silent (no heartbeat) this long is offline, even if its port
     *                          still accepts connections (hung, paused, cut off)
     * @param heartbeatInterval how often each instance heart-beats through the metadata quorum; an instance
     *                          silent for two of them whose HTTP port refuses connections is offline
     *                          ({@code io.runnel.cluster.LivenessTracker})
     * @param requestTimeout    how long a metadata change or an instance-to-instance call may take. Every
     *                          call between instances derives its bound from it: a read of a partition led
     *                          elsewhere (group reads, lag, offset resets) takes at most this long; a held read
     *                          of one ({@code waitMs}) gets this long on top of its wait; a follower's fetch
     *                          gets {@code replication.fetch-wait} plus this; an append forwarded to a
     *                          partition's leader gets this with {@code acks=leader}, and
     *                          {@code replication.ack-timeout} plus this with {@code acks=all}
     * @param connectTimeout    how long opening a connection to another instance may take, for internal
     *                          calls and for forwarded public calls alike
     * @param autoLeaderRebalance whether the controller moves each partition's leadership back to its first replica
     *                          (the preferred one) once that replica is in sync again, as Kafka's
     *                          {@code auto.leader.rebalance.enable} ({@code io.runnel.cluster.PreferredLeaderElection})
     * @param maxConcurrentReassignments how many partition reassignments the controller runs at once (1 to 1000);
     *                          further requested ones wait queued in the metadata and start as others finish. Each
     *                          running one copies a partition to its new replicas, so this bounds the extra disk
     *                          and network load of a big move
     */
    public record Cluster(
            @DefaultValue @NotNull List<@NotNull Peer> peers,
            @DefaultValue("") @NotNull String secret,
            @DefaultValue("6s") @PositiveDuration Duration sessionTimeout,
            @DefaultValue("500ms") @PositiveDuration Duration heartbeatInterval,
            @DefaultValue("10s") @PositiveDuration Duration requestTimeout,
            @DefaultValue("2s") @PositiveDuration Duration connectTimeout,
            @DefaultValue("true") boolean autoLeaderRebalance,
            @DefaultValue("10") @Min(1) @Max(1000) int maxConcurrentReassignments) {

        /** Binding uses this one. */
        @ConstructorBinding
        public Cluster {
        }

        /** With at most 10 reassignments at once. */
        public Cluster(List<Peer> peers, String secret, Duration sessionTimeout, Duration heartbeatInterval, Duration requestTimeout,
                       Duration connectTimeout, boolean autoLeaderRebalance) {
            this(peers, secret, sessionTimeout, heartbeatInterval, requestTimeout, connectTimeout, autoLeaderRebalance, 10);
        }

        /** With the default connect timeout (2 s) and preferred-leader election on. */
        public Cluster(List<Peer> peers, String secret, Duration sessionTimeout, Duration heartbeatInterval, Duration requestTimeout) {
            this(peers, secret, sessionTimeout, heartbeatInterval, requestTimeout, Duration.ofSeconds(2));
        }

        /** With preferred-leader election on. */
        public Cluster(List<Peer> peers, String secret, Duration sessionTimeout, Duration heartbeatInterval, Duration requestTimeout,
                       Duration connectTimeout) {
            this(peers, secret, sessionTimeout, heartbeatInterval, requestTimeout, connectTimeout, true);
        }

        /** Whether peers are configured, i.e. this instance is part of a multi-instance cluster. */
        public boolean enabled() {
            return !peers.isEmpty();
        }
    }

    /**
     * @param flush                   when appends are forced to disk: always | interval | os
     * @param flushInterval           period of the background flush under {@code interval}
     * @param retentionCheckInterval  how often retention runs over every partition
     * @param cleanerInterval         how often the cleaner looks for compacted partitions to clean
     * @param cleanerBuffer           memory of the cleaner's key → offset map (one cleaning at a time);
     *                                a dirty range with more keys is cleaned in several passes
     */
    public record Storage(
            @DefaultValue("always") @NotNull FlushPolicy flush,
            @DefaultValue("1s") @PositiveDuration Duration flushInterval,
            @DefaultValue("30s") @PositiveDuration Duration retentionCheckInterval,
            @DefaultValue("15s") @PositiveDuration Duration cleanerInterval,
            @DefaultValue("16MB") @PositiveDataSize(min = "64KB", max = "1GB") DataSize cleanerBuffer) {

        /** Binding uses this one. */
        @ConstructorBinding
        public Storage {
        }

        /** With the default cleaner settings (every 15 s, a 16 MB key map). */
        public Storage(FlushPolicy flush, Duration flushInterval, Duration retentionCheckInterval) {
            this(flush, flushInterval, retentionCheckInterval, Duration.ofSeconds(15), DataSize.ofMegabytes(16));
        }
    }

    /**
     * @param autoCreate                create unknown topics on first produce
     * @param defaultPartitions         partitions of topics created without a count, 1 to
     *                                  {@value Topics#MAX_PARTITIONS} (the most a topic may have)
     * @param defaultReplicationFactor  replication factor of topics created without one; 0 = min(3, instances);
     *                                  at most the number of peers ({@link ConsistentSettings})
     */
    public record Topics(
            @DefaultValue("false") boolean autoCreate,
            @DefaultValue("1") @Min(1) @Max(Topics.MAX_PARTITIONS) int defaultPartitions,
            @DefaultValue("0") @Min(0) int defaultReplicationFactor) {
        /** The most partitions a topic may have; the metadata state machine and the topic rules share it. */
        public static final int MAX_PARTITIONS = 10_000;
    }

    /**
     * @param maxRequestSize      largest accepted produce body
     * @param maxRecordSize       default {@code max.message.bytes} of topics: largest record batch entry
     * @param maxNestingDepth     deepest JSON nesting accepted in a produce body, 1 to 1000
     * @param idempotencyWindow   how long an {@code Idempotency-Key} is remembered
     */
    public record Produce(
            @DefaultValue("16MB") @PositiveDataSize(max = "1GB") DataSize maxRequestSize,
            @DefaultValue("1MB") @PositiveDataSize(max = "1GB") DataSize maxRecordSize,
            @DefaultValue("64") @Min(1) @Max(1000) int maxNestingDepth,
            @DefaultValue("10m") @PositiveDuration Duration idempotencyWindow) {
    }

    /**
     * @param replicaLagTimeMax     a follower not caught up for this long leaves the ISR (Kafka's
     *                              {@code replica.lag.time.max.ms})
     * @param ackTimeout            longest an {@code acks=all} produce waits for the in-sync replicas
     *                              before answering {@code 503 NOT_ENOUGH_REPLICAS_AFTER_APPEND}
     * @param fetchWait             how long a leader holds a follower's fetch when it has nothing new
     * @param fetchMaxBytes         most bytes of one partition in one follower fetch
     * @param followerFlush         whether a follower reports a copied batch to its leader once fsynced
     *                              ({@code sync}, the default) or once written, fsyncing it in the
     *                              background ({@code async}, Kafka's trade-off; see {@link FollowerFlush})
     */
    public record Replication(
            @DefaultValue("10s") @PositiveDuration Duration replicaLagTimeMax,
            @DefaultValue("30s") @PositiveDuration Duration ackTimeout,
            @DefaultValue("500ms") @PositiveDuration Duration fetchWait,
            @DefaultValue("4MB") @PositiveDataSize(max = "1GB") DataSize fetchMaxBytes,
            @DefaultValue("sync") @NotNull FollowerFlush followerFlush) {
    }

    /**
     * @param defaultMaxBytes default {@code maxBytes} of a fetch, at most the 64MB a fetch may ask for
     * @param maxLimit        largest {@code limit} (records) of a fetch, at least 1
     * @param sseMaxDuration  how long one Server-Sent Events stream lasts before the server ends it
     *                        (clients resume with {@code Last-Event-ID}); bounds what a vanished client holds
     * @param sseKeepAlive    how often an idle stream gets a comment line; keeps proxies from closing it,
     *                        and the second failed one releases the connection of a client that went away
     */
    public record Fetch(
            @DefaultValue("1MB") @PositiveDataSize(max = "64MB") DataSize defaultMaxBytes,
            @DefaultValue("10000") @Min(1) int maxLimit,
            @DefaultValue("15m") @PositiveDuration Duration sseMaxDuration,
            @DefaultValue("15s") @PositiveDuration Duration sseKeepAlive) {
    }

    /**
     * Sizes of the pools that {@link RunnelExecutors} creates; each 1 to 256. Pools whose work must
     * run one task at a time (schedulers of background duties) have one thread and no setting.
     *
     * @param wakeups      threads that answer held reads (long polls of clients, of other instances and
     *                     of followers) when their partition grows or their wait ends, and run the
     *                     deadlines of those waits; a woken group read may read partitions of other
     *                     instances on it
     * @param sseSenders   threads that send records to Server-Sent Events streams
     * @param fsync        threads that wait for the fsyncs of a produce request's partitions
     * @param internalHttp threads of the HTTP client of calls between instances
     * @param forwarding   threads that relay the answers of public calls forwarded to another instance
     */
    public record Threads(
            @DefaultValue("6") @Min(1) @Max(256) int wakeups,
            @DefaultValue("4") @Min(1) @Max(256) int sseSenders,
            @DefaultValue("8") @Min(1) @Max(256) int fsync,
            @DefaultValue("4") @Min(1) @Max(256) int internalHttp,
            @DefaultValue("4") @Min(1) @Max(256) int forwarding) {

        /** The defaults, as bound from an empty configuration. */
        public static final Threads DEFAULTS = new Threads(6, 4, 8, 4, 4);
    }

    /**
     * Authentication and authorization of public calls (README "Security"). With {@code enabled}, every
     * call except the open paths needs a principal, and ACLs decide what it may do.
     *
     * @param enabled                   on: credentials and ACLs are checked; off: everyone may do everything
     * @param bootstrapKey              a key that authenticates as {@code User:admin} (Bearer, or Basic with user
     *                                  {@value #BOOTSTRAP_KEY_ID}); empty = none. At least
     *                                  {@value #MIN_BOOTSTRAP_KEY_LENGTH} characters: it is compared by a fast hash
     * @param superUsers                principals that may do everything, whatever the ACLs say; with security on
     *                                  there must be at least one, or nobody could ever grant anything
     * @param openMetrics               {@code /actuator/prometheus} answers without credentials (for a scraper
     *                                  inside a trusted network); else it needs {@code DESCRIBE} on the cluster
     * @param oidc                      OpenID Connect JWTs, off unless an issuer or a JWK set is named
     * @param sslPrincipalMappingRules  how a TLS client certificate's subject becomes a principal name, in Kafka's
     *                                  {@code ssl.principal.mapping.rules} syntax ({@code RULE:pattern/replacement/[LU]},
     *                                  comma-separated, then {@code DEFAULT}: the whole distinguished name)
     */
    public record Security(
            @DefaultValue("false") boolean enabled,
            @DefaultValue("") @NotNull String bootstrapKey,
            @DefaultValue("User:admin") @NotNull List<@NotNull String> superUsers,
            @DefaultValue("false") boolean openMetrics,
            @DefaultValue @NotNull @Valid Oidc oidc,
            @DefaultValue("DEFAULT") @NotNull String sslPrincipalMappingRules) {

        /** The user name of the bootstrap key in Basic authentication. */
        public static final String BOOTSTRAP_KEY_ID = "bootstrap";
        /** Shortest bootstrap key accepted. */
        public static final int MIN_BOOTSTRAP_KEY_LENGTH = 24;
        /** Security off, as bound from an empty configuration. */
        public static final Security OFF = new Security(false, "", List.of("User:admin"), false, Oidc.NONE, "DEFAULT");

        /**
         * @param issuerUri      the issuer; its discovery document names the JWK set, and tokens must carry it as {@code iss}
         * @param jwkSetUri      the JWK set, when there is no discovery document (tokens' {@code iss} is then not checked)
         * @param audience       when set, tokens must name it in {@code aud}
         * @param principalClaim the claim whose value is the principal's name ({@code User:<value>})
         */
        public record Oidc(
                @DefaultValue("") @NotNull String issuerUri,
                @DefaultValue("") @NotNull String jwkSetUri,
                @DefaultValue("") @NotNull String audience,
                @DefaultValue("sub") @NotNull @Pattern(regexp = "[A-Za-z0-9_.:-]+", message = "must name a claim") String principalClaim) {

            public static final Oidc NONE = new Oidc("", "", "", "sub");

            /** Whether JWTs are accepted at all. */
            public boolean enabled() {
                return !issuerUri.isBlank() || !jwkSetUri.isBlank();
            }
        }
    }
}
