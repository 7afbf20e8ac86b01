package io.runnel.topic;

import io.runnel.api.DaemonThreads;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.runnel.api.ApiException;
import io.runnel.api.ErrorCode;
import io.runnel.config.RunnelProperties;
import io.runnel.log.AtomicFile;
import io.runnel.log.LogException;
import io.runnel.log.PartitionLog;
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
 * <p>Storage: the topic list lives in {@code <data-dir>/meta/topics.json}, replaced atomically on
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
    private final Path dataDir;
    private final Path topicsFile;
    private final Map<String, Entry> topics = new ConcurrentHashMap<>();
    private final ScheduledExecutorService maintenance;
    private volatile boolean loaded;

    /** A topic and its open partitions. */
    private record Entry(Topic topic, Partition[] partitions, List<Meter> meters) {
    }

    /** The persisted form of the topic list. */
    record StoredTopics(List<StoredTopic> topics) {
    }

    record StoredTopic(String name, int partitions, int replicationFactor, Map<String, String> configs, long createdAtMs) {
    }

    public TopicRegistry(RunnelProperties props, MeterRegistry meters, Clock clock, JsonMapper json) throws IOException {
        this.props = props;
        this.meters = meters;
        this.clock = clock;
        this.json = json;
        this.dataDir = props.dataDir().toAbsolutePath();
        this.topicsFile = dataDir.resolve("meta").resolve("topics.json");
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
    public void run(ApplicationArguments args) throws IOException {
        load();
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

    private void deleteOrphanDirectories() throws IOException {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(dataDir, Files::isDirectory)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                int dash = name.lastIndexOf('-');
                if (dash <= 0 || !name.substring(dash + 1).matches("\\d{1,9}")) {
                    continue;
                }
                Entry e = topics.get(name.substring(0, dash));
                int p = Integer.parseInt(name.substring(dash + 1));
                if (e == null || p >= e.topic().partitions()) {
                    LOG.warn("Deleting {}: no such topic partition", dir);
                    org.springframework.util.FileSystemUtils.deleteRecursively(dir);
                }
            }
        }
    }

    /** Opens partitions {@code from..topic.partitions-1}, keeping the already open ones. */
    private Entry open(Topic topic, int from, Partition[] existing, List<Meter> topicMeters) {
        Partition[] partitions = Arrays.copyOf(existing, topic.partitions());
        for (int p = from; p < topic.partitions(); p++) {
            Path dir = dataDir.resolve(topic.name() + "-" + p);
            PartitionLog log = PartitionLog.open(dir, topic.configs().logConfig(), props.storage().flush(), clock);
            Timer fsync = Timer.builder("runnel.log.fsync").description("Time to force a partition's appended bytes to disk")
                    .publishPercentileHistogram().register(meters);
            Partition partition = new Partition(topic.name(), p, log, fsync);
            topicMeters.add(Gauge.builder("runnel.log.size", log, PartitionLog::sizeInBytes)
                    .description("Bytes on disk of a partition's log").baseUnit("bytes")
                    .tag("topic", topic.name()).tag("partition", Integer.toString(p)).register(meters));
            partitions[p] = partition;
        }
        return new Entry(topic, partitions, topicMeters);
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

    /** The partition, or {@code 404 TOPIC_NOT_FOUND} / {@code PARTITION_NOT_FOUND}. */
    public Partition partition(String topic, int partition) {
        Entry e = topics.get(topic);
        if (e == null) {
            throw ApiException.topicNotFound(topic);
        }
        if (partition < 0 || partition >= e.partitions().length) {
            throw ApiException.partitionNotFound(topic, partition);
        }
        return e.partitions()[partition];
    }

    public List<Partition> partitions(String topic) {
        Entry e = topics.get(topic);
        if (e == null) {
            throw ApiException.topicNotFound(topic);
        }
        return List.of(e.partitions());
    }

    public synchronized Topic create(String name, int partitions, int replicationFactor, TopicConfigs configs) {
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
    public synchronized Topic update(String name, Integer partitions, Map<String, String> configChanges) {
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

    public synchronized void delete(String name) {
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
            p.log().delete();
            p.wakeAll();
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
                p.wakeAll();
            }
        }
    }

    /** Closes every log cleanly, so the next start skips recovery. */
    @Override
    public synchronized void destroy() {
        maintenance.shutdownNow();
        for (Entry e : topics.values()) {
            for (Partition p : e.partitions()) {
                p.log().close();
                p.wakeAll();
            }
        }
        LOG.info("Closed every partition log cleanly");
    }
}
