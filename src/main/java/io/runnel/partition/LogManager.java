package io.runnel.partition;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.runnel.cluster.ClusterNode;
import io.runnel.cluster.PartitionMetadata;
import io.runnel.config.RunnelProperties;
import io.runnel.log.PartitionLog;
import io.runnel.storage.DataLayout;
import io.runnel.topic.Topic;
import io.runnel.topic.TopicCatalog;
import io.runnel.topic.TrafficMetrics;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.util.FileSystemUtils;

/**
 * The partition logs open on this instance: the follower of the {@link TopicCatalog}. Whatever the
 * catalog says, single node or cluster, {@link #follow} makes the open logs match it: it opens the
 * partitions placed here, applies config changes, and closes and deletes the logs of partitions no
 * longer placed here and of topics deleted (or deleted and created again).
 *
 * <p>Each partition's log lives in {@code <data-dir>/<topic>-<partition>/}. At start
 * ({@link #run}) the catalog is loaded and every log opened, and recovered if it was not closed
 * cleanly, before the application reports itself ready; then directories that no partition placed
 * here names are deleted, or moved to {@code <data-dir>/orphaned/} when this instance's cluster
 * metadata is new (they may hold the only copy of data the metadata never knew).
 *
 * <p>Thread-safety: {@link #follow} and {@link #destroy} are serialized by this object's lock;
 * lookups ({@link #partition}, {@link #hosted}) take no lock and see the last followed set.
 */
@Component
public class LogManager implements ApplicationRunner, DisposableBean {
    private static final Logger LOG = LoggerFactory.getLogger(LogManager.class);

    private final TopicCatalog catalog;
    private final ClusterNode cluster;
    private final RunnelProperties props;
    private final MeterRegistry meters;
    private final TrafficMetrics traffic;
    private final Clock clock;
    private final DataLayout layout;
    private final Cleanings cleanings;
    private final Map<String, OpenTopic> open = new ConcurrentHashMap<>();
    private volatile boolean loaded;
    private boolean closed;

    /**
     * A topic with the partitions open here.
     *
     * @param partitions partition {@code i} at index {@code i}; {@code null} where not placed here
     * @param sizeGauges the log-size gauge of partition {@code i} at index {@code i}
     */
    private record OpenTopic(Topic topic, Partition[] partitions, Meter[] sizeGauges) {
    }

    /** A partition whose log is open here, with its topic and where the catalog places it. */
    public record Hosted(Topic topic, Partition partition, PartitionMetadata metadata) {
    }

    public LogManager(TopicCatalog catalog, ClusterNode cluster, RunnelProperties props, DataLayout layout, MeterRegistry meters,
                      TrafficMetrics traffic, Clock clock, Cleanings cleanings) {
        this.cleanings = cleanings;
        this.catalog = catalog;
        this.cluster = cluster;
        this.props = props;
        this.meters = meters;
        this.traffic = traffic;
        this.clock = clock;
        this.layout = layout;
    }

    /**
     * Loads the catalog and opens (and where needed recovers) every partition log placed here.
     * Runs as an application runner: the HTTP server is already listening, liveness is up, and
     * readiness stays down until this returns, while {@link ReadinessGate} answers API calls with
     * {@code 503 NOT_READY}.
     */
    @Override
    public void run(ApplicationArguments args) throws Exception {
        catalog.start(this::follow);
        removeOrphanDirectories();
        LOG.info("Opened {} partitions of {} topics in {}", hosted().size(), open.size(), layout.root());
        loaded = true;
    }

    /** The catalog this manager follows. */
    public TopicCatalog catalog() {
        return catalog;
    }

    /** Whether every log has been opened and recovered. */
    public boolean isLoaded() {
        return loaded;
    }

    /**
     * Makes the open logs match {@code topics}. Idempotent and cheap for unchanged topics. If a
     * log cannot be opened the failure is thrown after the partitions opened for a topic new in
     * this call are deleted again, so a failed creation leaves nothing behind.
     */
    synchronized void follow(Map<String, Topic> topics) {
        if (closed) {
            return; // shutting down: a late metadata change must not reopen logs
        }
        String self = cluster.selfId();
        for (Topic topic : topics.values()) {
            OpenTopic old = open.get(topic.name());
            if (old != null && old.topic().equals(topic)) {
                continue;
            }
            if (old != null && !old.topic().createdAt().equals(topic.createdAt())) {
                open.remove(topic.name()); // deleted and created again since the last look: a new topic
                closeAndDelete(old);
                old = null;
            }
            Partition[] partitions = old == null ? new Partition[topic.partitions()] : Arrays.copyOf(old.partitions(), topic.partitions());
            Meter[] gauges = old == null ? new Meter[topic.partitions()] : Arrays.copyOf(old.sizeGauges(), topic.partitions());
            List<Integer> opened = new ArrayList<>();
            try {
                for (PartitionMetadata placement : topic.placement()) {
                    int p = placement.partition();
                    boolean here = placement.replicas().contains(self);
                    if (here && partitions[p] == null) {
                        partitions[p] = openPartition(topic, p);
                        gauges[p] = sizeGauge(topic.name(), partitions[p]);
                        opened.add(p);
                    } else if (!here && partitions[p] != null) {
                        closeAndDelete(partitions[p], gauges[p]);
                        partitions[p] = null;
                        gauges[p] = null;
                    }
                }
            } catch (RuntimeException e) {
                opened.forEach(p -> closeAndDelete(partitions[p], gauges[p]));
                throw e;
            }
            if (old != null && !old.topic().configs().equals(topic.configs())) {
                Arrays.stream(partitions).filter(Objects::nonNull).forEach(p -> p.log().updateConfig(topic.configs().logConfig()));
            }
            open.put(topic.name(), new OpenTopic(topic, partitions, gauges));
        }
        for (OpenTopic gone : List.copyOf(open.values())) {
            if (!topics.containsKey(gone.topic().name())) {
                open.remove(gone.topic().name());
                closeAndDelete(gone);
                LOG.info("Deleted the logs of topic {}", gone.topic().name());
            }
        }
        traffic.retainOnly(topics.keySet());
    }

    private Partition openPartition(Topic topic, int p) {
        PartitionLog log = PartitionLog.open(layout.partitionDir(topic.name(), p), topic.configs().logConfig(), props.storage().flush(), clock,
                props.produce().idempotencyWindow());
        Timer fsync = Timer.builder("runnel.log.fsync").description("Time to force a partition's appended bytes to disk")
                .publishPercentileHistogram().register(meters);
        Partition partition = new Partition(topic.name(), p, log, fsync);
        if (cluster.clustered() && topic.replicationFactor() > 1) {
            // Replicated: readers see only what the replicas are known to hold; replication raises it.
            log.setHighWatermarkCap(partition.readHighWatermarkCheckpoint());
        }
        return partition;
    }

    private Meter sizeGauge(String topic, Partition partition) {
        return Gauge.builder("runnel.log.size", partition.log(), PartitionLog::sizeInBytes)
                .description("Bytes on disk of a partition's log").baseUnit("bytes")
                .tag("topic", topic).tag("partition", Integer.toString(partition.id())).register(meters);
    }

    /** The log of {@code topic}-{@code partition} if it is open here (whoever leads it). */
    public Optional<Partition> partition(String topic, int partition) {
        OpenTopic t = open.get(topic);
        if (t == null || partition < 0 || partition >= t.partitions().length) {
            return Optional.empty();
        }
        return Optional.ofNullable(t.partitions()[partition]);
    }

    /** Every partition whose log is open here, with the placement as last followed. */
    public List<Hosted> hosted() {
        List<Hosted> hosted = new ArrayList<>();
        for (OpenTopic t : open.values()) {
            for (Partition p : t.partitions()) {
                if (p != null) {
                    hosted.add(new Hosted(t.topic(), p, t.topic().placement().get(p.id())));
                }
            }
        }
        return hosted;
    }

    private void removeOrphanDirectories() throws IOException {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(layout.root(), Files::isDirectory)) {
            for (Path dir : dirs) {
                Optional<DataLayout.PartitionDir> parsed = layout.parsePartitionDir(dir);
                if (parsed.isEmpty() || partition(parsed.get().topic(), parsed.get().partition()).isPresent()) {
                    continue;
                }
                if (cluster.newMetadataStorage()) {
                    Path aside = layout.orphanedCopy(dir, clock.millis());
                    Files.createDirectories(aside.getParent());
                    LOG.warn("Moving {} to {}: the cluster metadata is new and does not place it here", dir, aside);
                    Files.move(dir, aside);
                } else {
                    LOG.warn("Deleting {}: no such topic partition here", dir);
                    FileSystemUtils.deleteRecursively(dir);
                }
            }
        }
    }

    private void closeAndDelete(OpenTopic t) {
        for (int p = 0; p < t.partitions().length; p++) {
            if (t.partitions()[p] != null) {
                closeAndDelete(t.partitions()[p], t.sizeGauges()[p]);
            }
        }
    }

    private void closeAndDelete(Partition p, Meter sizeGauge) {
        if (sizeGauge != null) {
            meters.remove(sizeGauge);
        }
        cleanings.stop(p.log());
        p.log().delete();
        p.wakeAllDeleted();
    }

    /**
     * Answers every waiting long poll as soon as shutdown begins, so graceful shutdown does not
     * wait out their {@code waitMs}.
     */
    @EventListener(ContextClosedEvent.class)
    void wakeWaitersOnShutdown() {
        hosted().forEach(h -> h.partition().wakeAll());
    }

    /** Closes every log cleanly, so the next start skips recovery. */
    @Override
    public synchronized void destroy() {
        closed = true;
        cleanings.stopAll();
        for (Hosted h : hosted()) {
            h.partition().log().close();
            h.partition().wakeAll();
        }
        LOG.info("Closed every partition log cleanly");
    }
}
