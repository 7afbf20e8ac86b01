package io.runnel.replication;

import io.runnel.config.FollowerFlush;
import io.runnel.cluster.ClusterNode;
import io.runnel.cluster.InternalClient;
import io.runnel.cluster.PartitionMetadata;
import io.runnel.config.RunnelProperties;
import io.runnel.log.EpochEndOffset;
import io.runnel.log.LogException;
import io.runnel.log.PartitionLog;
import io.runnel.log.RecordBatch;
import io.runnel.replication.ReplicaFetch.PartitionAnswer;
import io.runnel.replication.ReplicaFetch.PartitionRequest;
import io.runnel.partition.Partition;
import io.runnel.topic.TopicCatalog;
import io.runnel.partition.LogManager;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The follower's side of replication: one fetcher thread per leader this instance follows, each
 * pulling every partition the two share with one long-poll call at a time
 * ({@link ReplicaFetch}). The set of partitions is read from the metadata before every call, so
 * leadership changes take effect at the next call; a fetcher whose leader leads nothing shared
 * any more ends.
 *
 * <p>Per partition, the answer is applied as follows: batches are appended with the leader's
 * offsets and epochs ({@code PartitionLog.appendAsFollower}, durable per the flush policy before
 * the next fetch reports the new end; under {@code runnel.replication.follower-flush=async} only
 * written, the next fetch reports them at once and {@link BackgroundFlusher} fsyncs them, see
 * {@link #reportedEnd}), and the reader cap becomes the leader's high watermark; a
 * divergence point truncates the log to the end of the last epoch both logs share (KIP-320:
 * the smaller of the leader's and this log's end offset for that epoch); an offset below the
 * leader's log start empties the log and restarts it there; {@code FENCED} waits for the metadata.
 *
 * <p>Crash: what a follower reported is on its disk ({@code sync}) or in the page cache ({@code async}:
 * a killed process loses none of it, a power loss may lose what the background fsync had not reached).
 */
@Component
public class ReplicaFetchers implements DisposableBean {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaFetchers.class);

    private final TopicCatalog catalog;
    private final LogManager logs;
    private final ClusterNode cluster;
    private final InternalClient client;
    private final JsonMapper json;
    private final RunnelProperties.Replication settings;
    private final Duration requestTimeout;
    private final Map<String, Thread> fetchers = new ConcurrentHashMap<>();
    private final BackgroundFlusher flusher;
    private volatile boolean running = true;
    private Thread supervisor;

    public ReplicaFetchers(TopicCatalog catalog, LogManager logs, ClusterNode cluster, InternalClient client, JsonMapper json, RunnelProperties props) {
        this.catalog = catalog;
        this.logs = logs;
        this.cluster = cluster;
        this.client = client;
        this.json = json;
        this.settings = props.replication();
        this.requestTimeout = props.cluster().requestTimeout();
        this.flusher = settings.followerFlush() == FollowerFlush.ASYNC ? new BackgroundFlusher() : null;
    }

    /**
     * The offset a follower reports as its end in a fetch, which the leader counts towards the high
     * watermark: its durable end under {@link FollowerFlush#SYNC}, its written end under
     * {@link FollowerFlush#ASYNC}.
     */
    static long reportedEnd(PartitionLog log, FollowerFlush mode) {
        return mode == FollowerFlush.ASYNC ? log.logEndOffset() : log.durableEnd();
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        if (!cluster.clustered() || supervisor != null) {
            return;
        }
        supervisor = new Thread(this::supervise, "runnel-replica-fetchers");
        supervisor.setDaemon(true);
        supervisor.start();
        if (flusher != null) {
            flusher.start();
        }
    }

    /** Starts a fetcher for every leader this instance follows a partition of. */
    private void supervise() {
        while (running) {
            try {
                for (String leader : followed().keySet()) {
                    // A fetcher ends when its leader leads nothing shared; one may have just done so.
                    fetchers.compute(leader, (id, fetcher) -> fetcher != null && fetcher.isAlive() ? fetcher : startFetcher(id));
                }
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("Replica fetcher supervision failed", e);
            }
        }
    }

    private Thread startFetcher(String leader) {
        Thread t = new Thread(() -> fetchLoop(leader), "runnel-replica-fetcher-" + leader);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Leader → the partitions this instance follows under it. */
    private Map<String, List<Partition>> followed() {
        Map<String, List<Partition>> byLeader = new HashMap<>();
        for (LogManager.Hosted h : logs.hosted()) {
            PartitionMetadata m = h.metadata();
            if (!m.leader().equals(cluster.selfId()) && m.replicas().contains(cluster.selfId())) {
                byLeader.computeIfAbsent(m.leader(), l -> new ArrayList<>()).add(h.partition());
            }
        }
        return byLeader;
    }

    private void fetchLoop(String leader) {
        try {
            while (running) {
                List<Partition> partitions = followed().getOrDefault(leader, List.of());
                if (partitions.isEmpty()) {
                    return;
                }
                if (!cluster.isOnline(leader)) {
                    Thread.sleep(500);
                    continue;
                }
                try {
                    fetchOnce(leader, partitions);
                } catch (RuntimeException e) {
                    LOG.debug("Fetch from {} failed: {}", leader, e.toString());
                    Thread.sleep(500);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            fetchers.remove(leader, Thread.currentThread());
        }
    }

    private void fetchOnce(String leader, List<Partition> partitions) throws InterruptedException {
        Map<String, Partition> byKey = new HashMap<>();
        Map<String, Integer> epochs = new HashMap<>();
        List<PartitionRequest> requests = new ArrayList<>();
        for (Partition p : partitions) {
            PartitionMetadata m = catalog.placement(p.topic(), p.id());
            PartitionLog log = p.log();
            requests.add(new PartitionRequest(p.topic(), p.id(), m.leaderEpoch(), reportedEnd(log, settings.followerFlush()),
                    log.latestEpoch()));
            byKey.put(p.topic() + "/" + p.id(), p);
            epochs.put(p.topic() + "/" + p.id(), m.leaderEpoch());
        }
        long waitMs = settings.fetchWait().toMillis();
        Duration fetchTimeout = settings.fetchWait().plus(requestTimeout); // the leader holds the fetch up to fetch-wait
        ReplicaFetch.Request request = new ReplicaFetch.Request(cluster.selfId(), cluster.incarnation(), waitMs,
                (int) settings.fetchMaxBytes().toBytes(), requests);
        HttpResponse<byte[]> response;
        try {
            response = client.send(leader, "POST", "/internal/replication/fetch", json.writeValueAsBytes(request),
                    "application/json", fetchTimeout).get(fetchTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("fetch from " + leader + " failed: " + e.getMessage(), e);
        }
        if (response.statusCode() != 200) {
            throw InternalClient.problemOf(json, response, "fetch from " + leader);
        }
        ReplicaFetch.Response decoded = ReplicaFetch.decode(json, response.body());
        boolean fenced = false;
        for (int i = 0; i < decoded.answers().size(); i++) {
            PartitionAnswer a = decoded.answers().get(i);
            Partition p = byKey.get(a.topic() + "/" + a.partition());
            if (p == null) {
                continue;
            }
            try {
                PartitionMetadata now = catalog.placement(p.topic(), p.id());
                if (!now.leader().equals(leader) || now.leaderEpoch() != epochs.get(a.topic() + "/" + a.partition())) {
                    continue; // leadership moved while the fetch was under way: its answer is stale
                }
                fenced |= apply(leader, p, a, decoded.data().get(i));
            } catch (io.runnel.error.RunnelException e) {
                if (e.code() == io.runnel.error.ErrorCode.TOPIC_NOT_FOUND || e.code() == io.runnel.error.ErrorCode.PARTITION_NOT_FOUND) {
                    // deleted while the fetch was under way: nothing to apply it to
                    LOG.debug("{}-{}: dropped the fetch from {}: {}", a.topic(), a.partition(), leader, e.getMessage());
                } else {
                    LOG.warn("{}-{}: could not apply the fetch from {}: {}", a.topic(), a.partition(), leader, e.getMessage());
                }
            } catch (LogException e) {
                LOG.warn("{}-{}: could not apply the fetch from {}: {}", a.topic(), a.partition(), leader, e.getMessage());
            }
        }
        if (fenced) {
            Thread.sleep(100); // let the metadata catch up before asking again
        }
    }

    /** Applies one partition's answer; returns true when the leader fenced the request. */
    private boolean apply(String leader, Partition p, PartitionAnswer a, ByteBuffer data) {
        PartitionLog log = p.log();
        if (a.error() != null) {
            if (a.error() == ReplicaFetch.Error.OFFSET_OUT_OF_RANGE) {
                LOG.warn("{}-{}: this replica ends at {}, below the log start {} of leader {}; starting afresh there", p.topic(),
                        p.id(), log.durableEnd(), a.logStartOffset(), leader);
                log.truncateFullyAndStartAt(a.logStartOffset());
                return false;
            }
            return true;
        }
        if (a.diverging() != null) {
            long target = truncationPoint(log, a.diverging());
            LOG.info("{}-{}: diverged from leader {} at epoch {} (its end offset {}); truncating from {} to {}", p.topic(), p.id(),
                    leader, a.diverging().epoch(), a.diverging().endOffset(), log.durableEnd(), target);
            if (target < 0) {
                log.truncateFullyAndStartAt(a.logStartOffset());
            } else {
                log.truncateTo(target);
            }
            log.setHighWatermarkCap(Math.min(a.highWatermark(), log.durableEnd()));
            return false;
        }
        if (data.hasRemaining()) {
            long end = reportedEnd(log, settings.followerFlush());
            List<RecordBatch> batches = RecordBatch.split(data).stream().filter(b -> b.nextOffset() > end).toList();
            if (flusher == null) {
                log.appendAsFollower(batches);
            } else if (!batches.isEmpty()) {
                log.appendAsFollowerWithoutWaiting(batches);
                flusher.dirty(log);
            }
        }
        log.setHighWatermarkCap(Math.min(a.highWatermark(), log.durableEnd()));
        return false;
    }

    /** KIP-320: the end of the last epoch both logs share; negative when none is shared. */
    static long truncationPoint(PartitionLog log, ReplicaFetch.Diverging diverging) {
        if (diverging.epoch() < 0 || diverging.endOffset() < 0) {
            return -1;
        }
        EpochEndOffset own = log.endOffsetForEpoch(diverging.epoch());
        if (own.epoch() < 0) {
            return -1;
        }
        return Math.min(diverging.endOffset(), own.endOffset());
    }

    @Override
    public void destroy() {
        running = false;
        if (supervisor != null) {
            supervisor.interrupt();
        }
        fetchers.values().forEach(Thread::interrupt);
        if (flusher != null) {
            flusher.interrupt();
        }
    }
}
