package io.runnel.topic;

import io.runnel.cluster.ClusterNode;
import io.runnel.cluster.ClusterState;
import io.runnel.cluster.MetadataCommand;
import io.runnel.cluster.TopicMetadata;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog of a cluster: the metadata quorum owns the topics. Create, update and delete are
 * checked here ({@link TopicRules}) and then proposed as metadata commands; the quorum's state
 * machine places replicas and refuses what the state forbids (a name taken meanwhile, too few live
 * instances). The follower hears of every applied state whose topics changed, on one background
 * thread, and, for a change made here, once more on the calling thread before the call returns.
 * Heart-beats change the state every second without changing the topics; those are skipped cheaply.
 *
 * <p>A topic this instance has not heard of may exist already: created through another instance a
 * moment ago, while this one's metadata trails by a few entries or its metadata member restarts. So
 * before a lookup answers "no such topic" it asks the controller, and when the controller knows the
 * topic it waits, at most {@link #MISS_WAIT}, until this instance has applied it: a client that
 * creates a topic through one instance and writes through another is never told it does not exist.
 */
final class RaftTopicCatalog implements TopicCatalog, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftTopicCatalog.class);
    static final Duration MISS_WAIT = Duration.ofSeconds(5);
    /** How long a miss waits for the controller's answer: an unknown topic is answered 404 within it when there is no controller. */
    static final Duration CONTROLLER_LOOKUP = Duration.ofSeconds(2);

    private final ClusterNode cluster;
    private final TopicRules rules;
    private final Clock clock;
    private final ExecutorService follow;
    private volatile boolean closed;
    private Consumer<Map<String, Topic>> follower = t -> { };
    private Map<String, TopicMetadata> followed;
    private volatile Map<String, Topic> topics = Map.of();
    private volatile boolean started;

    /** @param follow a single-thread executor for the follower, which {@link #close} leaves running (its owner shuts it down) */
    RaftTopicCatalog(ClusterNode cluster, TopicRules rules, Clock clock, ExecutorService follow) {
        this.follow = follow;
        this.cluster = cluster;
        this.rules = rules;
        this.clock = clock;
    }

    @Override
    public void start(Consumer<Map<String, Topic>> follower) throws InterruptedException {
        cluster.awaitCaughtUp();
        synchronized (this) {
            this.follower = follower;
        }
        apply(cluster.state());
        started = true;
        cluster.onState(state -> {
            if (closed) {
                return;
            }
            try {
                follow.execute(() -> apply(cluster.state()));
            } catch (RejectedExecutionException e) {
                // shutting down: the logs are being closed, nothing more to follow
            }
        });
    }

    /** Tells the follower the topics of {@code state} if they changed since it was last told. */
    private synchronized void apply(ClusterState state) {
        if (state.topics().equals(followed)) {
            return;
        }
        Map<String, Topic> next = new HashMap<>();
        for (TopicMetadata meta : state.topics().values()) {
            Topic known = topics.get(meta.name());
            next.put(meta.name(), known != null && followed != null && meta.equals(followed.get(meta.name())) ? known : topic(meta));
        }
        follower.accept(Map.copyOf(next));
        topics = Map.copyOf(next);
        followed = state.topics();
        notifyAll();
    }

    @Override
    public Optional<Topic> find(String name) {
        Topic known = topics.get(name);
        if (known != null || !started || closed || !cluster.controllerHasTopic(name, CONTROLLER_LOOKUP)) {
            return Optional.ofNullable(known);
        }
        long deadline = System.nanoTime() + MISS_WAIT.toNanos();
        synchronized (this) {
            try {
                for (long left = MISS_WAIT.toNanos(); !topics.containsKey(name) && left > 0; left = deadline - System.nanoTime()) {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Optional.ofNullable(topics.get(name));
        }
    }

    private static Topic topic(TopicMetadata meta) {
        return new Topic(meta.name(), meta.partitionCount(), meta.replicationFactor(), new TopicConfigs(meta.configs()),
                Instant.ofEpochMilli(meta.createdAtMs()), meta.partitions());
    }

    @Override
    public boolean loaded() {
        return started;
    }

    @Override
    public Map<String, Topic> topics() {
        return topics;
    }

    @Override
    public int liveInstances() {
        return cluster.state().liveInstances().size();
    }

    @Override
    public Topic create(NewTopic request) {
        TopicRules.Valid valid = rules.check(request, liveInstances());
        cluster.submit(new MetadataCommand.CreateTopic(valid.name(), valid.partitions(), valid.replicationFactor(),
                valid.configs().overrides(), clock.millis()));
        apply(cluster.state());
        LOG.info("Created topic {} with {} partitions, replication factor {}", valid.name(), valid.partitions(),
                valid.replicationFactor());
        return require(valid.name());
    }

    @Override
    public Topic update(String name, Integer partitions, Map<String, String> configChanges) {
        Topic old = require(name);
        TopicRules.checkGrowth(old, partitions);
        if (configChanges != null) {
            old.configs().with(configChanges); // validates: 422 INVALID_CONFIG before anything is proposed
        }
        cluster.submit(new MetadataCommand.UpdateTopic(name, partitions, configChanges));
        apply(cluster.state());
        return require(name);
    }

    @Override
    public void delete(String name) {
        cluster.submit(new MetadataCommand.DeleteTopic(name));
        apply(cluster.state());
    }

    @Override
    public void close() {
        closed = true;
    }
}
