package io.runnel.replication;

import io.runnel.config.FollowerFlush;
import io.runnel.error.RunnelException;
import io.runnel.cluster.ClusterNode;
import io.runnel.cluster.PartitionMetadata;
import io.runnel.config.RunnelProperties;
import io.runnel.log.EpochEndOffset;
import io.runnel.log.LogReadResult;
import io.runnel.log.PartitionLog;
import io.runnel.log.RecordBatch;
import io.runnel.replication.ReplicaFetch.Diverging;
import io.runnel.replication.ReplicaFetch.PartitionAnswer;
import io.runnel.replication.ReplicaFetch.PartitionRequest;
import io.runnel.partition.Partition;
import io.runnel.topic.TopicPartition;
import io.runnel.topic.TopicCatalog;
import io.runnel.partition.PartitionRouter;
import io.runnel.partition.PartitionWaits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import tools.jackson.databind.json.JsonMapper;

/**
 * The leader's end of follower fetching, {@code POST /internal/replication/fetch} (wire format in
 * {@link ReplicaFetch}). For each partition the follower asks about, in order:
 * <ol>
 *   <li>{@code FENCED} unless this instance leads it at the epoch the follower names, and the
 *       follower's incarnation is the one the metadata knows (not a request of a process that has
 *       since restarted);</li>
 *   <li>{@code OFFSET_OUT_OF_RANGE} if the follower's offset is below the log start offset;</li>
 *   <li>a divergence point if the follower's last fetched epoch ends earlier here than the
 *       follower's log does, or the follower is ahead of everything this log has written (it
 *       truncates, by leader epoch, never by high watermark);</li>
 *   <li>otherwise its fetch offset is recorded as its end ({@link ReplicaManager}; durable or only
 *       written on the follower, per its {@link FollowerFlush}) and the batches from there up to this
 *       leader's durable end are returned as stored (none while it is beyond that end).</li>
 * </ol>
 * When nothing is new for any partition the call is held (no thread) until one of the logs grows
 * durably or {@code waitMs} passes.
 */
@RestController
class ReplicationController {
    private final TopicCatalog catalog;
    private final PartitionRouter router;
    private final ReplicaManager replicas;
    private final ClusterNode cluster;
    private final JsonMapper json;
    private final RunnelProperties.Replication settings;
    private final PartitionWaits waits;

    ReplicationController(TopicCatalog catalog, PartitionRouter router, ReplicaManager replicas, ClusterNode cluster, JsonMapper json,
                          RunnelProperties props, PartitionWaits waits) {
        this.waits = waits;
        this.catalog = catalog;
        this.router = router;
        this.replicas = replicas;
        this.cluster = cluster;
        this.json = json;
        this.settings = props.replication();
    }

    @PostMapping(path = "/internal/replication/fetch", consumes = MediaType.APPLICATION_JSON_VALUE)
    Object fetch(@RequestBody ReplicaFetch.Request request) {
        Answer now = answer(request);
        long waitMs = Math.max(0, Math.min(request.waitMs(), 30_000));
        if (now.anythingNew() || waitMs == 0) {
            return now.response(json);
        }
        List<PartitionWaits.Condition> grown = new ArrayList<>();
        for (PartitionRequest pr : request.partitions()) {
            Partition p = localLeader(pr);
            if (p != null) {
                grown.add(PartitionWaits.durableEndBeyond(p, pr.fetchOffset()));
            }
        }
        DeferredResult<ResponseEntity<byte[]>> deferred = new DeferredResult<>(waitMs + PartitionWaits.ANSWER_GRACE.toMillis());
        PartitionWaits.Wait wait = waits.await(grown, Duration.ofMillis(waitMs), outcome -> {
            if (outcome == PartitionWaits.Outcome.CANCELLED) {
                return;
            }
            try {
                deferred.setResult(answer(request).response(json));
            } catch (RuntimeException e) {
                deferred.setErrorResult(e);
            }
        });
        deferred.onCompletion(wait::cancel);
        return deferred;
    }

    private Partition localLeader(PartitionRequest pr) {
        try {
            PartitionMetadata m = catalog.placement(pr.topic(), pr.partition());
            if (!m.leader().equals(cluster.selfId()) || m.leaderEpoch() != pr.leaderEpoch()) {
                return null;
            }
            return router.local(pr.topic(), pr.partition());
        } catch (RunnelException e) {
            return null;
        }
    }

    /** What to answer now, and whether any of it is news worth answering without waiting. */
    private record Answer(List<PartitionAnswer> answers, List<byte[]> data, boolean anythingNew) {
        ResponseEntity<byte[]> response(JsonMapper json) {
            return ResponseEntity.ok().contentType(MediaType.APPLICATION_OCTET_STREAM).body(ReplicaFetch.encode(json, answers, data));
        }
    }

    private Answer answer(ReplicaFetch.Request request) {
        List<PartitionAnswer> answers = new ArrayList<>();
        List<byte[]> data = new ArrayList<>();
        boolean news = false;
        int maxBytes = Math.max(1, Math.min(request.maxBytesPerPartition(), (int) settings.fetchMaxBytes().toBytes()));
        boolean current = cluster.state().instance(request.follower())
                .map(i -> i.incarnation() == request.incarnation()).orElse(false);
        for (PartitionRequest pr : request.partitions()) {
            PartitionAnswer a = current ? answer(request.follower(), pr, maxBytes, data)
                    : failed(pr, ReplicaFetch.Error.FENCED, -1, -1);
            answers.add(a);
            news |= a.error() != null || a.diverging() != null || a.bytes() > 0;
        }
        return new Answer(answers, data, news);
    }

    private PartitionAnswer answer(String follower, PartitionRequest pr, int maxBytes, List<byte[]> data) {
        PartitionMetadata m;
        try {
            m = catalog.placement(pr.topic(), pr.partition());
        } catch (RunnelException e) {
            return failed(pr, ReplicaFetch.Error.UNKNOWN_PARTITION, -1, -1);
        }
        Partition p = localLeader(pr);
        if (p == null) {
            return failed(pr, ReplicaFetch.Error.FENCED, -1, -1);
        }
        PartitionLog log = p.log();
        long durableEnd = log.durableEnd();
        if (pr.fetchOffset() < log.logStartOffset()) {
            return failed(pr, ReplicaFetch.Error.OFFSET_OUT_OF_RANGE, log.highWatermark(), log.logStartOffset());
        }
        if (pr.lastFetchedEpoch() >= 0) {
            EpochEndOffset end = log.endOffsetForEpoch(pr.lastFetchedEpoch());
            if (end.epoch() != pr.lastFetchedEpoch() || end.endOffset() < pr.fetchOffset()) {
                return new PartitionAnswer(pr.topic(), pr.partition(), null, new Diverging(end.epoch(), end.endOffset()),
                        log.highWatermark(), log.logStartOffset(), 0);
            }
        }
        long writtenEnd = log.logEndOffset();
        if (pr.fetchOffset() > writtenEnd) {
            // Ahead of what this log holds at all. A follower between this log's durable and written
            // ends (it reports written batches under follower-flush=async, and this leader may have
            // been such a follower until just now) shares this history: it waits for the fsync
            // rather than truncating records that may already be acknowledged.
            return new PartitionAnswer(pr.topic(), pr.partition(), null, new Diverging(log.latestEpoch(), writtenEnd),
                    log.highWatermark(), log.logStartOffset(), 0);
        }
        replicas.onFollowerFetch(new TopicPartition(pr.topic(), pr.partition()), m, follower, pr.fetchOffset(), durableEnd);
        byte[] bytes = new byte[0];
        if (pr.fetchOffset() < durableEnd) {
            LogReadResult r = log.readForReplication(pr.fetchOffset(), maxBytes);
            bytes = RecordBatch.toBytes(r.batches().stream().filter(b -> b.nextOffset() > pr.fetchOffset()).toList());
        }
        if (bytes.length > 0) {
            data.add(bytes);
        }
        return new PartitionAnswer(pr.topic(), pr.partition(), null, null, log.highWatermark(), log.logStartOffset(), bytes.length);
    }

    private static PartitionAnswer failed(PartitionRequest pr, ReplicaFetch.Error error, long highWatermark, long logStart) {
        return new PartitionAnswer(pr.topic(), pr.partition(), error, null, highWatermark, logStart, 0);
    }
}
