package io.runnel.connect.http;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Commits one partition's delivered offsets to the connector's group
 * ({@code PUT /groups/{group}/offsets}, no member id): one commit at a time and in order, offsets
 * asked for meanwhile folded into the next one; a commit that fails for a passing reason (no
 * answer, 408, 429, 5xx) is tried again after a backoff. {@link #commit} answers when the offset is
 * in the group, so the sink delivers its next batch only then: a crash resends at most the batch
 * that was in flight, never one the receiver had acknowledged and the group already held.
 *
 * <p>Thread-safety: state is guarded by the monitor; callbacks run on HTTP client and scheduler
 * threads, and waiters are completed outside the monitor (what they run may commit again). After {@link #drain} no commit starts once the one in flight and those waiting are done,
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
    /** Who waits for which offset: told once the group holds it, or once this committer stops committing. */
    private final TreeMap<Long, List<CompletableFuture<Void>>> waiting = new TreeMap<>();

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

    /**
     * Commits {@code offset} (the next offset to deliver) after the commit in flight, if any. The future
     * completes once the group holds it, or once this committer stops (drained or closed); a commit that
     * fails for good reports through {@code fatal} and leaves it pending.
     */
    CompletableFuture<Void> commit(long offset) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        boolean sendNow = false;
        boolean stopped;
        synchronized (this) {
            stopped = closed;
            if (!stopped) {
                waiting.computeIfAbsent(offset, o -> new ArrayList<>()).add(done);
                if (inFlight) {
                    pending = Math.max(pending, offset);
                } else {
                    inFlight = true;
                    sendNow = true;
                }
            }
        }
        if (stopped) {
            done.complete(null);
        }
        if (sendNow) {
            send(offset);
        }
        return done;
    }

    /** Lets the commits in flight and waiting finish; completes when they did, or after {@code bound}. */
    CompletableFuture<Void> drain(Duration bound) {
        List<CompletableFuture<Void>> released = List.of();
        synchronized (this) {
            draining = true;
            if (!inFlight) {
                released = takeWaiting(Long.MAX_VALUE);
            }
        }
        if (!inFlightNow()) {
            drained.complete(null);
        }
        completeAll(released);
        return drained.completeOnTimeout(null, bound.toMillis(), TimeUnit.MILLISECONDS).whenComplete((done, e) -> {
            List<CompletableFuture<Void>> rest;
            synchronized (this) {
                closed = true;
                rest = takeWaiting(Long.MAX_VALUE);
            }
            completeAll(rest);
        });
    }

    private synchronized boolean inFlightNow() {
        return inFlight;
    }

    private void send(long offset) {
        byte[] body = ("{\"offsets\":[{\"topic\":\"" + topic + "\",\"partition\":" + partition + ",\"offset\":" + offset + "}]}")
                .getBytes(StandardCharsets.UTF_8);
        String path = "/groups/" + setup.context().group() + "/offsets";
        CompletableFuture<HttpResponse<byte[]>> sent = null;
        synchronized (this) {
            if (!closed) {
                sent = setup.context().api().send("PUT", path, body, CLUSTER_TIMEOUT);
            }
        }
        if (sent == null) {
            stopSending();
            return;
        }
        sent.whenComplete((answer, e) -> {
            try {
                answered(offset, answer, e);
            } catch (RuntimeException bug) {
                stopSending();
                fatal.accept("Connector " + setup.context().connector() + " stopped committing " + topic + "/" + partition + ": " + bug);
            }
        });
    }

    private void answered(long offset, HttpResponse<byte[]> answer, Throwable e) {
        if (e == null && answer.statusCode() == 200) {
            committed.accept(offset);
            long next;
            List<CompletableFuture<Void>> released;
            synchronized (this) {
                failures = 0;
                released = takeWaiting(offset);
                next = pending > offset ? pending : -1;
                pending = -1;
                if (next < 0) {
                    released.addAll(idle());
                }
            }
            completeAll(released);
            if (next >= 0) {
                send(next);
            } else {
                completeDrainIfIdle();
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
        stopSending();
        if (!passing) {
            fatal.accept("Connector " + setup.context().connector() + " could not commit " + topic + "/" + partition + " offset "
                    + offset + " to group " + setup.context().group() + ": " + PartitionSink.describe(answer, e));
        }
    }

    /** No commit in flight any more: tells waiters if stopping. */
    private void stopSending() {
        List<CompletableFuture<Void>> released;
        synchronized (this) {
            pending = -1;
            released = idle();
        }
        completeAll(released);
        completeDrainIfIdle();
    }

    /** Marks nothing in flight; when draining or closed, takes every waiter to release. Holds the monitor. */
    private List<CompletableFuture<Void>> idle() {
        inFlight = false;
        return draining || closed ? takeWaiting(Long.MAX_VALUE) : new ArrayList<>();
    }

    private void completeDrainIfIdle() {
        boolean done;
        synchronized (this) {
            done = draining && !inFlight;
        }
        if (done) {
            drained.complete(null);
        }
    }

    /** Removes and returns the waiters of offsets up to {@code offset}. Holds the monitor. */
    private List<CompletableFuture<Void>> takeWaiting(long offset) {
        Map<Long, List<CompletableFuture<Void>>> ready = waiting.headMap(offset, true);
        List<CompletableFuture<Void>> taken = new ArrayList<>();
        ready.values().forEach(taken::addAll);
        ready.clear();
        return taken;
    }

    private static void completeAll(List<CompletableFuture<Void>> futures) {
        futures.forEach(f -> f.complete(null));
    }
}
