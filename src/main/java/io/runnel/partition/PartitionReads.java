package io.runnel.partition;

import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.cluster.InternalClient;
import io.runnel.config.RunnelProperties;
import io.runnel.log.LogException;
import io.runnel.log.LogReadResult;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.stereotype.Component;
import io.runnel.topic.TopicCatalog;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads any partition of the cluster: from the local log when this instance leads it, else from
 * its leader over {@code /internal/} calls ({@link InternalPartitionController}). Consumer-group
 * reads, lag and offset resets use it, because the group coordinator (the controller) rarely
 * leads every partition a group reads. On a single node every read is local.
 *
 * <p>Remote calls are bounded by {@code runnel.cluster.request-timeout} (a held read by its wait plus
 * that); a leader that is offline or cannot be reached fails with {@code 503 LEADER_NOT_AVAILABLE}.
 */
@Component
public class PartitionReads {
    private final PartitionRouter router;
    private final TopicCatalog catalog;
    private final InternalClient client;
    private final JsonMapper json;
    private final Duration timeout;

    public PartitionReads(PartitionRouter router, TopicCatalog catalog, InternalClient client, JsonMapper json, RunnelProperties props) {
        this.timeout = props.cluster().requestTimeout();
        this.router = router;
        this.catalog = catalog;
        this.client = client;
        this.json = json;
    }

    /** Log start offset and high watermark of a partition. */
    public record Offsets(long logStartOffset, long highWatermark) {
    }

    public Offsets offsets(String topic, int partition) {
        Route route = router.route(topic, partition);
        if (route instanceof Route.Local local) {
            return offsetsOf(local.partition());
        }
        HttpResponse<byte[]> r = await(batches(leader(route), topic, partition, 0, 0, 0, 0, timeout));
        return offsetsOf(r);
    }

    /**
     * Reads from {@code offset}: batches below the high watermark, the first holding {@code offset}.
     *
     * @throws LogException.OffsetOutOfRange when {@code offset} is outside the log (local or remote)
     */
    public LogReadResult read(String topic, int partition, long offset, int maxBytes, int maxRecords) {
        Route route = router.route(topic, partition);
        if (route instanceof Route.Local local) {
            return local.partition().log().read(offset, maxBytes, maxRecords);
        }
        HttpResponse<byte[]> r = await(batches(leader(route), topic, partition, offset, maxBytes, maxRecords, 0, timeout));
        Offsets o = offsetsOf(r);
        return new LogReadResult(InternalPartitionController.split(r.body()), o.highWatermark(), o.logStartOffset());
    }

    /** The first offset whose timestamp is at or after {@code timestamp}; the high watermark if none. */
    public long offsetForTimestamp(String topic, int partition, long timestamp) {
        Route route = router.route(topic, partition);
        if (route instanceof Route.Local local) {
            return local.partition().log().offsetForTimestamp(timestamp);
        }
        HttpResponse<byte[]> r = await(client.send(leader(route), "GET", "/topics/" + topic + "/partitions/" + partition
                + "/offsets?timestamp=" + timestamp, null, null, timeout));
        return json.readTree(r.body()).get("offset").asLong();
    }

    /**
     * A {@link PartitionWaits} condition met once the partition's high watermark passes
     * {@code offset}: a local partition's own, or, for a partition led elsewhere, a read held by its
     * leader for up to {@code maxWaitMs} (at most 30 s) that wakes the wait when it answers. A failed
     * remote poll does not wake it (the wait's deadline answers; waking now would make clients spin).
     *
     * @throws RunnelException when the partition has no leader to ask now
     */
    public PartitionWaits.Condition beyond(String topic, int partition, long offset, long maxWaitMs) {
        Route route = router.route(topic, partition);
        if (route instanceof Route.Local local) {
            return PartitionWaits.highWatermarkBeyond(local.partition(), offset);
        }
        String leader = leader(route);
        long waitMs = Math.max(1, Math.min(maxWaitMs, 30_000));
        return wake -> {
            CompletableFuture<HttpResponse<byte[]>> poll;
            try {
                poll = batches(leader, topic, partition, offset, 0, 0, waitMs, timeout.plusMillis(waitMs));
            } catch (RunnelException unreachable) {
                return () -> { }; // no address for the leader: as a failed poll, the deadline answers
            }
            poll.whenComplete((r, e) -> {
                if (e == null) {
                    wake.accept(PartitionWaits.Outcome.WOKEN);
                }
            });
            return () -> poll.cancel(true);
        };
    }

    /** Offsets of every partition of {@code topic}, by partition; those whose leader cannot be reached are missing. */
    public Map<Integer, Offsets> topicOffsets(String topic) {
        Map<Integer, Offsets> found = new HashMap<>();
        Map<String, CompletableFuture<HttpResponse<byte[]>>> calls = new HashMap<>();
        int partitions = catalog.require(topic).partitions();
        for (int i = 0; i < partitions; i++) {
            Route route = router.route(topic, i);
            if (route instanceof Route.Local local) {
                found.put(i, offsetsOf(local.partition()));
            } else if (route instanceof Route.Remote remote) {
                calls.computeIfAbsent(remote.leader(), leader -> client.send(leader, "GET", "/internal/topics/" + topic + "/offsets",
                        null, null, timeout));
            }
        }
        for (CompletableFuture<HttpResponse<byte[]>> call : calls.values()) {
            try {
                HttpResponse<byte[]> r = await(call);
                for (JsonNode p : json.readTree(r.body()).get("partitions")) {
                    found.putIfAbsent(p.get("partition").asInt(),
                            new Offsets(p.get("logStartOffset").asLong(), p.get("highWatermark").asLong()));
                }
            } catch (RunnelException e) {
                // that leader is unreachable: its partitions show no offsets
            }
        }
        return found;
    }

    private CompletableFuture<HttpResponse<byte[]>> batches(String leader, String topic, int partition, long offset, int maxBytes,
                                                            int maxRecords, long waitMs, Duration timeout) {
        return client.send(leader, "GET", "/internal/partitions/" + topic + "/" + partition + "/batches?offset="
                + offset + "&maxBytes=" + Math.max(1, maxBytes) + "&maxRecords=" + maxRecords + "&waitMs=" + waitMs, null, null, timeout);
    }

    /** The leader of a remote partition; the route's problem when none is available. */
    private static String leader(Route route) {
        if (route instanceof Route.Unavailable unavailable) {
            throw unavailable.problem();
        }
        return route.metadata().leader();
    }

    private static Offsets offsetsOf(Partition p) {
        return new Offsets(p.log().logStartOffset(), p.log().highWatermark());
    }

    private HttpResponse<byte[]> await(CompletableFuture<HttpResponse<byte[]>> call) {
        HttpResponse<byte[]> r;
        try {
            r = call.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunnelException(ErrorCode.LEADER_NOT_AVAILABLE, "interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RunnelException api) {
                throw api;
            }
            throw new RunnelException(ErrorCode.LEADER_NOT_AVAILABLE, String.valueOf(e.getCause()));
        } catch (TimeoutException e) {
            throw new RunnelException(ErrorCode.LEADER_NOT_AVAILABLE, "the partition leader did not answer within " + timeout);
        }
        if (r.statusCode() >= 300) {
            RunnelException problem = InternalClient.problemOf(json, r, "from the partition leader");
            if (problem.code() == ErrorCode.OFFSET_OUT_OF_RANGE) {
                throw new LogException.OffsetOutOfRange(number(problem, "offset"), number(problem, "logStartOffset"),
                        number(problem, "highWatermark"));
            }
            throw problem;
        }
        return r;
    }

    private static long number(RunnelException problem, String member) {
        return problem.context().get(member) instanceof Number n ? n.longValue() : 0;
    }

    private static Offsets offsetsOf(HttpResponse<byte[]> r) {
        return new Offsets(Long.parseLong(r.headers().firstValue(InternalPartitionController.LOG_START_OFFSET).orElse("0")),
                Long.parseLong(r.headers().firstValue(InternalPartitionController.HIGH_WATERMARK).orElse("0")));
    }
}
