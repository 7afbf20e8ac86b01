package io.runnel.topic;

import io.runnel.api.DaemonThreads;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.runnel.api.ApiException;
import io.runnel.api.ErrorCode;
import io.runnel.cluster.ClusterNode;
import io.runnel.cluster.ClusterState;
import io.runnel.cluster.MetadataCommand;
import io.runnel.cluster.PartitionMetadata;
import io.runnel.cluster.TopicMetadata;
import io.runnel.config.RunnelProperties;
import io.runnel.log.AtomicFile;
import io.runnel.log.LogException;
import io.runnel.log.PartitionLog;
import io.runnel.storage.DataLayout;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The topics of this instance and their open partition logs.
 *
 * <p>Two modes. On a single node this registry owns the topic list. In a cluster
 * ({@link ClusterNode#clustered()}) the metadata quorum does: create, update and delete become
 * metadata commands, and the registry follows every applied state, opening the logs of the
 * partitions placed on this instance and deleting those of deleted topics ({@link #reconcile}).
 * There is no {@code topics.json} then, and at start directories of partitions the metadata does
 * not place here are deleted only after this instance's metadata has caught up with the quorum
 * (moved to {@code <data-dir>/orphaned/} instead when this instance's metadata storage is new).
 *
 * <p>Single-node storage: the topic list lives in {@code <data-dir>/meta/topics.json}, replaced atomically on
 * every change; each partition's log in {@code <data-dir>/<topic>-<partition>/}. Creation opens
 * the logs before saving the list, deletion saves the list before removing the logs, so a crash
 * in between leaves only orphan directories, which the next start deletes.
 *
 * <p>At start every log is opened, and recovered if it was not closed cleanly, before the
 * application reports itself ready ({@link #run}). A background thread applies retention and, under
 * {@code runnel.storage.flush=interval}, flushes. Mutations are serialized by this object's lock;
 * lookups take no lock.
 */
@Component
public class TopicRegistry implements ApplicationRunner, DisposableBean {
    private static final Logger LOG = LoggerFactory.getLogger(TopicRegistry.class);

    private final RunnelProperties props;
    private final MeterRegistry meters;
    private final Clock clock;
    private final JsonMapper json;
    private final DataLayout layout;
    private final Path dataDir;
    private final Path topicsFile;
    private final Map<String, Entry> topics = new ConcurrentHashMap<>();
    private final ScheduledExecutorService maintenance;
    private final ClusterNode cluster;
    private final ExecutorService reconciler = Executors.newSingleThreadExecutor(DaemonThreads.named("runnel-topic-reconciler"));
    private volatile boolean loaded;
    private Map<String, TopicMetadata> reconciledTopics = Map.of();

    /**
     * A topic and its partitions open here: on a single node all of them; in a cluster those placed
     * on this instance, the others {@code null}.
     *
     * @param metadata the topic as the metadata quorum has it; {@code null} on a single node
     */
    private record Entry(Topic topic, Partition[] partitions, List<Meter> meters, TopicMetadata metadata) {
        Entry(Topic topic, Partition[] partitions, List<Meter> meters) {
            this(topic, partitions, meters, null);
        }
    }

    /** The persisted form of the topic list. */
    record StoredTopics(List<StoredTopic> topics) {
    }

    record StoredTopic(String name, int partitions, int replicationFactor, Map<String, String> configs, long createdAtMs) {
    }

    public TopicRegistry(RunnelProperties props, DataLayout layout, MeterRegistry meters, Clock clock, JsonMapper json,
            ClusterNode cluster) throws IOException {
        this.props = props;
        this.cluster = cluster;
        this.meters = meters;
        this.clock = clock;
        this.json = json;
        this.layout = layout;
        this.dataDir = layout.root();
        this.topicsFile = layout.topicsFile();
        Files.createDirectories(topicsFile.getParent());
        maintenance = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("runnel-log-maintenance"));
        long retentionMs = props.storage().retentionCheckInterval().toMillis();
        maintenance.scheduleWithFixedDelay(this::applyRetention, retentionMs, retentionMs, TimeUnit.MILLISECONDS);
        if (props.storage().flush() == io.runnel.log.FlushPolicy.INTERVAL) {
            long flushMs = props.storage().flushInterval().toMillis();
            maintenance.scheduleWithFixedDelay(this::flushAll, flushMs, flushMs, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Opens (and where needed recovers) every partition log. Runs as an application runner: the
     * HTTP server is already listening, liveness is up, and readiness stays down until this returns,
     * while {@link ReadinessGate} answers API calls with {@code 503 NOT_READY}.
     */
    @Override
    public void run(ApplicationArguments args) throws IOException, InterruptedException {
        if (cluster.clustered()) {
            cluster.awaitCaughtUp();
            reconcile(cluster.state(), true);
            cluster.onState(state -> {
                try {
                    reconciler.execute(() -> reconcile(cluster.state(), false));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // shutting down: the logs are being closed, nothing more to reconcile
                }
            });
        } else {
            load();
        }
        loaded = true;
    }

    /** Whether every log has been opened and recovered. */
    public boolean isLoaded() {
        return loaded;
    }

    private void load() throws IOException {
        if (Files.exists(topicsFile)) {
            StoredTopics stored = json.readValue(topicsFile.toFile(), StoredTopics.class);
            for (StoredTopic s : stored.topics()) {
                Topic topic = new Topic(s.name(), s.partitions(), s.replicationFactor(),
                        new TopicConfigs(s.configs()), Instant.ofEpochMilli(s.createdAtMs()));
                topics.put(topic.name(), open(topic, 0, new Partition[0], new ArrayList<>()));
            }
        }
        deleteOrphanDirectories();
        LOG.info("Opened {} topics in {}", topics.size(), dataDir);
    }

    /**
     * Cluster mode: makes the open logs match {@code state}. Opens the partitions placed on this
     * instance, applies config changes, closes and deletes the logs of topics that are gone, and,
     * when {@code deleteOrphans}, deletes directories of partitions not placed here. Idempotent;
     * cheap when the topics did not change (heartbeats change the state every second).
     */
    synchronized void reconcile(ClusterState state, boolean deleteOrphans) {
        if (!deleteOrphans && state.topics().equals(reconciledTopics)) {
            return;
        }
        String self = cluster.selfId();
        for (TopicMetadata meta : state.topics().values()) {
            Entry old = topics.get(meta.name());
            if (old != null && meta.equals(old.metadata())) {
                continue;
            }
            if (old != null && old.metadata() != null && old.metadata().createdAtMs() != meta.createdAtMs()) {
                topics.remove(meta.name()); // deleted and created again since the last look: a new topic
                closeAndDelete(old);
                old = null;
            }
            Topic topic = new Topic(meta.name(), meta.partitionCount(), meta.replicationFactor(),
                    new TopicConfigs(meta.configs()), Instant.ofEpochMilli(meta.createdAtMs()));
            Partition[] partitions = old == null ? new Partition[meta.partitionCount()]
                    : Arrays.copyOf(old.partitions(), meta.partitionCount());
            List<Meter> topicMeters = old == null ? new ArrayList<>() : old.meters();
            for (PartitionMetadata pm : meta.partitions()) {
                if (partitions[pm.partition()] == null && pm.replicas().contains(self)) {
                    partitions[pm.partition()] = openPartition(topic, pm.partition(), topicMeters);
                }
            }
            if (old != null && !old.topic().configs().equals(topic.configs())) {
                for (Partition p : partitions) {
                    if (p != null) {
                        p.log().updateConfig(topic.configs().logConfig());
                    }
                }
            }
            topics.put(meta.name(), new Entry(topic, partitions, topicMeters, meta));
        }
        for (Entry e : List.copyOf(topics.values())) {
            if (!state.topics().containsKey(e.topic().name())) {
                topics.remove(e.topic().name());
                closeAndDelete(e);
                LOG.info("Deleted topic {}", e.topic().name());
            }
        }
        reconciledTopics = state.topics();
        if (deleteOrphans) {
            try {
                deleteOrphanDirectories();
            } catch (IOException e) {
                LOG.warn("Could not look for orphan partition directories in {}", dataDir, e);
            }
            LOG.info("Following the cluster metadata: {} topics, {} partitions here", topics.size(),
                    topics.values().stream().flatMap(e -> Arrays.stream(e.partitions())).filter(p -> p != null).count());
        }
    }

    private void deleteOrphanDirectories() throws IOException {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(dataDir, Files::isDirectory)) {
            for (Path dir : dirs) {
                Optional<DataLayout.PartitionDir> parsed = layout.parsePartitionDir(dir);
                if (parsed.isEmpty()) {
                    continue;
                }
                Entry e = topics.get(parsed.get().topic());
                int p = parsed.get().partition();
                if (e == null || p >= e.topic().partitions() || e.partitions()[p] == null) {
                    if (cluster.newMetadataStorage()) {
                        // This instance's metadata is new (first start, or a new peer list): the
                        // directory may hold the only copy of data the metadata never knew. Keep it.
                        Path aside = layout.orphanedCopy(dir, clock.millis());
                        Files.createDirectories(aside.getParent());
                        LOG.warn("Moving {} to {}: the cluster metadata is new and does not place it here", dir, aside);
                        Files.move(dir, aside);
                    } else {
                        LOG.warn("Deleting {}: no such topic partition", dir);
                        org.springframework.util.FileSystemUtils.deleteRecursively(dir);
                    }
                }
            }
        }
    }

    /** Opens partitions {@code from..topic.partitions-1}, keeping the already open ones. */
    private Entry open(Topic topic, int from, Partition[] existing, List<Meter> topicMeters) {
        Partition[] partitions = Arrays.copyOf(existing, topic.partitions());
        for (int p = from; p < topic.partitions(); p++) {
            partitions[p] = openPartition(topic, p, topicMeters);
        }
        return new Entry(topic, partitions, topicMeters);
    }

    private Partition openPartition(Topic topic, int p, List<Meter> topicMeters) {
        Path dir = layout.partitionDir(topic.name(), p);
        PartitionLog log = PartitionLog.open(dir, topic.configs().logConfig(), props.storage().flush(), clock);
        Timer fsync = Timer.builder("runnel.log.fsync").description("Time to force a partition's appended bytes to disk")
                .publishPercentileHistogram().register(meters);
        topicMeters.add(Gauge.builder("runnel.log.size", log, PartitionLog::sizeInBytes)
                .description("Bytes on disk of a partition's log").baseUnit("bytes")
                .tag("topic", topic.name()).tag("partition", Integer.toString(p)).register(meters));
        Partition partition = new Partition(topic.name(), p, log, fsync);
        if (cluster.clustered() && topic.replicationFactor() > 1) {
            // Replicated: readers see only what the replicas are known to hold; replication raises it.
            log.setHighWatermarkCap(partition.readHighWatermarkCheckpoint());
        }
        return partition;
    }

    public List<Topic> list() {
        return topics.values().stream().map(Entry::topic).sorted(Comparator.comparing(Topic::name)).toList();
    }

    public Optional<Topic> find(String name) {
        Entry e = topics.get(name);
        return e == null ? Optional.empty() : Optional.of(e.topic());
    }

    /** The topic, or {@code 404 TOPIC_NOT_FOUND}. */
    public Topic require(String name) {
        return find(name).orElseThrow(() -> ApiException.topicNotFound(name));
    }

    /**
     * The partition's log here, which this instance leads; else {@code 404 TOPIC_NOT_FOUND} /
     * {@code PARTITION_NOT_FOUND}, or, in a cluster, {@code 503 LEADER_NOT_AVAILABLE} when another
     * instance leads it (callers forward to the leader before they get here).
     */
    public Partition partition(String topic, int partition) {
        Entry e = entry(topic, partition);
        Partition p = e.partitions()[partition];
        if (e.metadata() != null && (p == null || !e.metadata().partitions().get(partition).leader().equals(cluster.selfId()))) {
            String leader = e.metadata().partitions().get(partition).leader();
            throw new ApiException(ErrorCode.LEADER_NOT_AVAILABLE, "instance " + cluster.selfId() + " does not lead " + topic + "-"
                    + partition + "; " + leader + " does").with("topic", topic).with("partition", partition).with("leader", leader);
        }
        return p;
    }

    /** Whether this instance leads the partition (always, on a single node); 404 if it does not exist. */
    public boolean leadsLocally(String topic, int partition) {
        Entry e = entry(topic, partition);
        return e.metadata() == null || (e.partitions()[partition] != null
                && e.metadata().partitions().get(partition).leader().equals(cluster.selfId()));
    }

    /** Replicas, leader, epoch and ISR of a partition; on a single node, this instance alone at epoch 0. */
    public PartitionMetadata metadata(String topic, int partition) {
        Entry e = entry(topic, partition);
        if (e.metadata() != null) {
            return e.metadata().partitions().get(partition);
        }
        List<String> self = List.of(cluster.selfId());
        return new PartitionMetadata(partition, self, cluster.selfId(), 0, self);
    }

    private Entry entry(String topic, int partition) {
        Entry e = topics.get(topic);
        if (e == null) {
            throw ApiException.topicNotFound(topic);
        }
        if (partition < 0 || partition >= e.partitions().length) {
            throw ApiException.partitionNotFound(topic, partition);
        }
        return e;
    }

    /** A partition whose log is open here, with its topic and (in a cluster) its replica metadata. */
    public record Hosted(Topic topic, Partition partition, PartitionMetadata metadata) {
    }

    /** Every partition whose log is open here; in a cluster, with the metadata as last reconciled. */
    public List<Hosted> hosted() {
        List<Hosted> hosted = new ArrayList<>();
        for (Entry e : topics.values()) {
            for (Partition p : e.partitions()) {
                if (p != null) {
                    hosted.add(new Hosted(e.topic(), p, e.metadata() == null ? metadata(e.topic().name(), p.id())
                            : e.metadata().partitions().get(p.id())));
                }
            }
        }
        return hosted;
    }

    /** The partitions open here, by number; in a cluster, those not placed here are {@code null}. */
    public List<Partition> partitions(String topic) {
        Entry e = topics.get(topic);
        if (e == null) {
            throw ApiException.topicNotFound(topic);
        }
        return Arrays.asList(e.partitions().clone());
    }

    public Topic create(String name, int partitions, int replicationFactor, TopicConfigs configs) {
        if (cluster.clustered()) {
            cluster.submit(new MetadataCommand.CreateTopic(name, partitions, replicationFactor, configs.overrides(), clock.millis()));
            reconcile(cluster.state(), false);
            return require(name);
        }
        return createLocally(name, partitions, replicationFactor, configs);
    }

    private synchronized Topic createLocally(String name, int partitions, int replicationFactor, TopicConfigs configs) {
        if (topics.containsKey(name)) {
            throw new ApiException(ErrorCode.TOPIC_ALREADY_EXISTS, "topic '" + name + "' already exists").with("topic", name);
        }
        Topic topic = new Topic(name, partitions, replicationFactor, configs, clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        Entry entry = open(topic, 0, new Partition[0], new ArrayList<>());
        topics.put(name, entry);
        try {
            save();
        } catch (RuntimeException e) {
            topics.remove(name);
            closeAndDelete(entry);
            throw e;
        }
        LOG.info("Created topic {} with {} partitions", name, partitions);
        return topic;
    }

    /** Grows partitions (never shrinks) and applies config changes; returns the new topic. */
    public Topic update(String name, Integer partitions, Map<String, String> configChanges) {
        if (cluster.clustered()) {
            Topic old = require(name);
            if (configChanges != null) {
                old.configs().with(configChanges); // validates: 422 INVALID_CONFIG before anything is proposed
            }
            cluster.submit(new MetadataCommand.UpdateTopic(name, partitions, configChanges));
            reconcile(cluster.state(), false);
            return require(name);
        }
        return updateLocally(name, partitions, configChanges);
    }

    private synchronized Topic updateLocally(String name, Integer partitions, Map<String, String> configChanges) {
        Entry e = topics.get(name);
        if (e == null) {
            throw ApiException.topicNotFound(name);
        }
        Topic old = e.topic();
        int count = partitions == null ? old.partitions() : partitions;
        if (count < old.partitions()) {
            throw new ApiException(ErrorCode.INVALID_PARTITIONS, "partitions can only grow: topic '" + name + "' has "
                    + old.partitions() + ", asked for " + count).with("topic", name);
        }
        TopicConfigs configs = configChanges == null ? old.configs() : old.configs().with(configChanges);
        Topic updated = new Topic(name, count, old.replicationFactor(), configs, old.createdAt());
        Entry next = open(updated, old.partitions(), e.partitions(), e.meters());
        for (Partition p : next.partitions()) {
            p.log().updateConfig(configs.logConfig());
        }
        topics.put(name, next);
        save();
        return updated;
    }

    public void delete(String name) {
        if (cluster.clustered()) {
            cluster.submit(new MetadataCommand.DeleteTopic(name));
            reconcile(cluster.state(), false);
            return;
        }
        deleteLocally(name);
    }

    private synchronized void deleteLocally(String name) {
        Entry e = topics.remove(name);
        if (e == null) {
            throw ApiException.topicNotFound(name);
        }
        save();
        closeAndDelete(e);
        LOG.info("Deleted topic {}", name);
    }

    private void closeAndDelete(Entry e) {
        e.meters().forEach(meters::remove);
        for (Partition p : e.partitions()) {
            if (p != null) {
                p.log().delete();
                p.wakeAll();
            }
        }
    }

    private void save() {
        List<StoredTopic> stored = topics.values().stream().map(Entry::topic).sorted(Comparator.comparing(Topic::name))
                .map(t -> new StoredTopic(t.name(), t.partitions(), t.replicationFactor(), t.configs().overrides(),
                        t.createdAt().toEpochMilli()))
                .toList();
        try {
            AtomicFile.write(topicsFile, json.writeValueAsBytes(new StoredTopics(stored)));
        } catch (IOException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("No space left")) {
                throw new LogException.StorageFull("cannot save topic metadata: no space left on device", e);
            }
            throw new LogException("cannot save topic metadata: " + message, e);
        }
    }

    private void applyRetention() {
        for (Entry e : topics.values()) {
            for (Partition p : e.partitions()) {
                if (p == null) {
                    continue;
                }
                try {
                    int deleted = p.log().applyRetention();
                    if (deleted > 0) {
                        LOG.info("Retention deleted {} segments of {}-{}", deleted, p.topic(), p.id());
                    }
                } catch (RuntimeException ex) {
                    LOG.warn("Retention failed for {}-{}: {}", p.topic(), p.id(), ex.toString());
                }
            }
        }
    }

    private void flushAll() {
        for (Entry e : topics.values()) {
            for (Partition p : e.partitions()) {
                if (p == null) {
                    continue;
                }
                try {
                    p.log().flush();
                } catch (RuntimeException ex) {
                    LOG.warn("Flush failed for {}-{}: {}", p.topic(), p.id(), ex.toString());
                }
            }
        }
    }

    /**
     * Answers every waiting long poll as soon as shutdown begins, so graceful shutdown does not
     * wait out their {@code waitMs}.
     */
    @EventListener(ContextClosedEvent.class)
    void wakeWaitersOnShutdown() {
        for (Entry e : topics.values()) {
            for (Partition p : e.partitions()) {
                if (p != null) {
                    p.wakeAll();
                }
            }
        }
    }

    /** Closes every log cleanly, so the next start skips recovery. */
    @Override
    public synchronized void destroy() {
        maintenance.shutdownNow();
        reconciler.shutdownNow();
        for (Entry e : topics.values()) {
            for (Partition p : e.partitions()) {
                if (p != null) {
                    p.log().close();
                    p.wakeAll();
                }
            }
        }
        LOG.info("Closed every partition log cleanly");
    }
}
