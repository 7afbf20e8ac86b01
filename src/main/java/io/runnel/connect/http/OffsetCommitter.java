package io.runnel.connect.http;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Commits one partition's delivered offsets to the connector's group
 * ({@code PUT /groups/{group}/offsets}, no member id) beside the deliveries: one commit at a time and
 * in order, the offsets delivered meanwhile folded into the next one; a commit that fails for a
 * passing reason (no answer, 408, 429, 5xx) is tried again after a backoff. A commit is fsynced by
 * the cluster, so waiting for each before the next delivery would set the pace of the partition.
 *
 * <p>Thread-safety: state is guarded by the monitor; callbacks run on HTTP client and scheduler
 * threads. After {@link #drain} no commit starts once the one in flight and those waiting are done,
 * or once {@link PartitionSink#COMMIT_DRAIN} has passed.
 */
final class OffsetCommitter {
    private static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(15);

    private final SinkSetup setup;
    private final String topic;
    private final int partition;
    private final LongConsumer committed;
    private final Consumer<String> error;
    private final Consumer<String> fatal;
    private boolean inFlight;
    private long pending = -1;
    private int failures;
    private boolean draining;
    private boolean closed;
    private final CompletableFuture<Void> drained = new CompletableFuture<>();

    /**
     * @param committed told each offset the group now has
     * @param error     told a passing failure (the commit is tried again)
     * @param fatal     told a failure that will not pass (the partition cannot go on)
     */
    OffsetCommitter(SinkSetup setup, String topic, int partition, LongConsumer committed, Consumer<String> error,
                    Consumer<String> fatal) {
        this.setup = setup;
        this.topic = topic;
        this.partition = partition;
        this.committed = committed;
        this.error = error;
        this.fatal = fatal;
    }

    /** Commits {@code offset} (the next offset to deliver) after the commit in flight, if any. */
    void commit(long offset) {
        synchronized (this) {
            if (inFlight) {
                pending = Math.max(pending, offset);
                return;
            }
            inFlight = true;
        }
        send(offset);
    }

    /** Lets the commits in flight and waiting finish; completes when they did, or after {@code bound}. */
    CompletableFuture<Void> drain(Duration bound) {
        synchronized (this) {
            draining = true;
            if (!inFlight) {
                drained.complete(null);
            }
        }
        return drained.completeOnTimeout(null, bound.toMillis(), TimeUnit.MILLISECONDS).whenComplete((done, e) -> {
            synchronized (this) {
                closed = true;
            }
        });
    }

    private void send(long offset) {
        byte[] body = ("{\"offsets\":[{\"topic\":\"" + topic + "\",\"partition\":" + partition + ",\"offset\":" + offset + "}]}")
                .getBytes(StandardCharsets.UTF_8);
        String path = "/groups/" + setup.context().group() + "/offsets";
        CompletableFuture<HttpResponse<byte[]>> sent;
        synchronized (this) {
            if (closed) {
                idle();
                return;
            }
            sent = setup.context().api().send("PUT", path, body, CLUSTER_TIMEOUT);
        }
        sent.whenComplete((answer, e) -> {
            try {
                answered(offset, answer, e);
            } catch (RuntimeException bug) {
                idle();
                fatal.accept("Connector " + setup.context().connector() + " stopped committing " + topic + "/" + partition + ": " + bug);
            }
        });
    }

    private void answered(long offset, HttpResponse<byte[]> answer, Throwable e) {
        if (e == null && answer.statusCode() == 200) {
            committed.accept(offset);
            long next;
            synchronized (this) {
                failures = 0;
                next = pending;
                pending = -1;
            }
            if (next > offset) {
                send(next);
            } else {
                idle();
            }
            return;
        }
        boolean passing = answer == null || Delivery.retriable(answer.statusCode());
        long retry;
        int failed;
        synchronized (this) {
            if (!passing || draining) {
                retry = -1;
                failed = 0;
            } else {
                retry = Math.max(offset, pending);
                pending = -1;
                failed = ++failures;
            }
        }
        if (retry >= 0) {
            error.accept("commit: " + PartitionSink.describe(answer, e));
            setup.context().scheduler().schedule(() -> send(retry), setup.backoff().delay(failed, Optional.empty()).toMillis(),
                    TimeUnit.MILLISECONDS);
            return;
        }
        idle();
        if (!passing) {
            fatal.accept("Connector " + setup.context().connector() + " could not commit " + topic + "/" + partition + " offset "
                    + offset + " to group " + setup.context().group() + ": " + PartitionSink.describe(answer, e));
        }
    }

    private synchronized void idle() {
        inFlight = false;
        pending = -1;
        if (draining) {
            drained.complete(null);
        }
    }
}
