package io.runnel.connect.http;

import io.runnel.connect.PartitionProgress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Delivers one partition with two chains of steps. The fetcher long-polls the partition and builds
 * batches ({@code batch.max.records}, {@code batch.linger.ms}); the deliverer sends them one at a time,
 * retries, then dead-letters or fails. The fetcher runs one batch ahead at most (it pauses while a
 * batch waits in {@code ready}), so at most one batch of the partition is in flight and records
 * reach the receiver in offset order, while the next batch is fetched during a delivery. Each step
 * starts when the previous one's future completes or its timer fires; no thread waits.
 *
 * <p>Transforms ({@code transforms.*}) are applied as records are fetched ({@link FetchAnswer}): a
 * batch holds only the records the filter kept, mapped, but its offsets cover the dropped ones too, so
 * they count as done when it is committed (a batch of dropped records only is committed without a
 * request). A record whose transform fails ends the batch before it and then goes alone through the
 * delivery chain: to the dead-letter topic if one is set (then committed past), else the task fails
 * holding its place at that record.
 *
 * <p>Positions: {@code position} is the committed offset (the next to deliver, as the group has it);
 * {@code fetchOffset} runs ahead of it by the records held for the batch being built or delivered.
 * A batch's offset is committed only after a 2xx (or after its records reached the dead-letter
 * topic), and the next batch is delivered only once that commit has returned (the next one is
 * fetched meanwhile); {@link #stop} lets a commit in flight finish. So a crash or a stop resends at
 * most the batch in flight: never one the receiver acknowledged and the group holds.
 *
 * <p>Thread-safety: the steps run one after another on HTTP client and scheduler threads, each
 * handing over through a future or a timer (which orders memory); commits are the
 * {@link OffsetCommitter}'s; fields read by {@link #progress} are volatile. {@link #stop} and the start of every step
 * hold the monitor, so no fetch, delivery or timer starts after {@link #stop} returns.
 */
final class PartitionSink {
    private static final Logger log = LoggerFactory.getLogger(PartitionSink.class);
    /** How long a fetch waits for records when none are held. */
    static final Duration POLL_WAIT = Duration.ofSeconds(5);
    /** Extra time a call to the own cluster gets on top of its long poll. */
    private static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(15);
    private static final int ERROR_BODY_CHARS = 200;
    /** How long {@link #stop} lets commits of delivered batches finish. */
    static final Duration COMMIT_DRAIN = Duration.ofSeconds(5);

    private final SinkSetup setup;
    private final String topic;
    private final int partition;
    private final PartitionMeters meters;
    private final List<FetchAnswer> held = new ArrayList<>();
    private int heldCount;
    private long lingerDeadlineNanos;
    private long fetchOffset;
    private int clusterFailures;

    private volatile long position;
    private volatile long highWatermark = -1;
    private volatile String lastError;

    private boolean stopped;
    /** Requests and timers that {@link #stop} cancels. */
    private final Set<Future<?>> inFlight = new HashSet<>();
    /** The next batch, fetched while the one before it is being delivered; the fetcher pauses while it waits. */
    private Batch ready;
    private boolean delivering;
    private boolean fetchPaused;
    private final OffsetCommitter committer;

    PartitionSink(SinkSetup setup, String topic, int partition, long start) {
        this.setup = setup;
        this.topic = topic;
        this.partition = partition;
        this.position = start;
        this.fetchOffset = start;
        this.meters = new PartitionMeters(setup.context().meters(), setup.context().connector(), topic, partition);
        this.committer = new OffsetCommitter(setup, topic, partition, offset -> {
            position = offset;
            meters.lag(highWatermark - offset);
        }, message -> lastError = message, message -> {
            if (!isStopped()) {
                fail(message);
            }
        });
    }

    void start() {
        fetch();
    }

    /**
     * Stops: no fetch, delivery or timer starts after this returns, and a delivery in flight is
     * abandoned (its batch is resent by the successor). Commits of batches already delivered are let
     * finish; the future completes when they did, or after {@link #COMMIT_DRAIN} at most, when the
     * meters are removed.
     */
    CompletableFuture<Void> stop() {
        synchronized (this) {
            stopped = true;
            inFlight.forEach(f -> f.cancel(true));
            inFlight.clear();
            ready = null;
        }
        return committer.drain(COMMIT_DRAIN).whenComplete((done, error) -> meters.remove());
    }

    PartitionProgress progress() {
        long hw = highWatermark;
        return new PartitionProgress(topic, partition, position, hw < 0 ? null : Math.max(hw - position, 0), lastError);
    }

    String topic() {
        return topic;
    }

    int partition() {
        return partition;
    }

    // ---- fetch

    private void fetch() {
        int want = setup.config().batchMaxRecords() - heldCount;
        long waitMs = heldCount == 0 ? POLL_WAIT.toMillis()
                : Math.max(0, TimeUnit.NANOSECONDS.toMillis(lingerDeadlineNanos - System.nanoTime()));
        String path = "/topics/" + topic + "/partitions/" + partition + "/records?offset=" + fetchOffset + "&limit=" + want
                + "&waitMs=" + waitMs;
        call(() -> setup.context().api().get(path, CLUSTER_TIMEOUT.plusMillis(waitMs)), (answer, error) -> fetched(answer, error));
    }

    private void fetched(HttpResponse<byte[]> answer, Throwable error) {
        if (error != null || answer.statusCode() != 200) {
            fetchFailed(answer, error);
            return;
        }
        clusterFailures = 0;
        FetchAnswer fetchedAnswer = FetchAnswer.parse(answer.body(), topic, partition, fetchOffset, setup.transform());
        highWatermark = fetchedAnswer.highWatermark();
        meters.lag(highWatermark - position);
        fetchOffset = Math.max(fetchOffset, fetchedAnswer.nextOffset());
        boolean readAny = fetchedAnswer.count() > 0 || fetchedAnswer.dropped() > 0;
        if (fetchedAnswer.rejected() != null && held.isEmpty() && !readAny) {
            // the transform failed on the next record to deliver: it goes on alone, to the dead-letter topic or to fail
            fetchOffset = fetchedAnswer.rejected().offset() + 1;
            handOver(Batch.rejected(topic, partition, fetchedAnswer.rejected()));
            return;
        }
        if (readAny) {
            if (held.isEmpty()) {
                lingerDeadlineNanos = System.nanoTime() + setup.config().linger().toNanos();
            }
            held.add(fetchedAnswer);
            heldCount += fetchedAnswer.count();
        }
        // a rejected record ends the batch: it is fetched again, first, once the batch before it is done
        boolean lingerOver = System.nanoTime() - lingerDeadlineNanos >= 0 || fetchedAnswer.count() == 0 || fetchedAnswer.rejected() != null;
        if (!held.isEmpty() && (heldCount >= setup.config().batchMaxRecords() || lingerOver)) {
            Batch batch = Batch.of(topic, partition, held);
            held.clear();
            heldCount = 0;
            handOver(batch);
        } else {
            fetch();
        }
    }

    /** Delivers {@code batch} now if no delivery runs, else keeps it ready; fetches on unless one is ready already. */
    private void handOver(Batch batch) {
        boolean deliverNow;
        boolean fetchOn;
        synchronized (this) {
            deliverNow = !delivering;
            delivering = true;
            if (!deliverNow) {
                ready = batch;
            }
            fetchOn = ready == null;
            fetchPaused = !fetchOn;
        }
        if (deliverNow) {
            deliver(batch, 1);
        }
        if (fetchOn) {
            fetch();
        }
    }

    /** A batch is done (delivered or dead-lettered): delivers the ready one, if any, and lets a paused fetcher go on. */
    private void deliveryDone() {
        Batch next;
        boolean resumeFetch;
        synchronized (this) {
            next = ready;
            ready = null;
            delivering = next != null;
            resumeFetch = fetchPaused;
            fetchPaused = false;
        }
        if (next != null) {
            deliver(next, 1);
        }
        if (resumeFetch) {
            fetch();
        }
    }

    private void fetchFailed(HttpResponse<byte[]> answer, Throwable error) {
        if (answer != null && answer.statusCode() == 416 && heldCount == 0) {
            long logStart = problem(answer).path("logStartOffset").asLong(fetchOffset);
            if (logStart > fetchOffset) {
                meters.skipped.increment(logStart - fetchOffset);
                log.warn("Connector {}: {}/{} offsets {} to {} were removed by retention before delivery; going on from {}",
                        setup.context().connector(), topic, partition, fetchOffset, logStart - 1, logStart);
                fetchOffset = logStart;
                fetch();
                return;
            }
        }
        if (answer != null && (answer.statusCode() == 401 || answer.statusCode() == 403)) {
            fail("Connector " + setup.context().connector() + " may not read " + topic + "/" + partition + ": "
                    + describe(answer, null) + ". Its creator needs the right to read the topic; restart the connector once granted");
            return;
        }
        lastError = "fetch: " + describe(answer, error);
        Duration wait = answer != null && answer.statusCode() == 404 ? setup.config().topicsRefresh()
                : setup.backoff().delay(++clusterFailures, Optional.empty());
        later(wait, this::fetch);
    }

    // ---- deliver

    private void deliver(Batch batch, int attempt) {
        if (batch.transformError() != null) {
            transformFailed(batch);
            return;
        }
        if (batch.count() == 0) {
            // the filter dropped every record: nothing to send, but the offsets are done
            committer.commit(batch.nextOffset()).thenRun(this::deliveryDone);
            return;
        }
        long started = System.nanoTime();
        call(() -> setup.receiverClient().sendAsync(Delivery.request(setup, batch), Delivery.BODY), (answer, error) -> {
            if (error == null && answer.statusCode() / 100 == 2) {
                meters.lastLatency(System.nanoTime() - started);
                meters.delivered.increment(batch.count());
                lastError = null;
                committer.commit(batch.nextOffset()).thenRun(this::deliveryDone);
            } else {
                attemptFailed(batch, attempt, answer, error);
            }
        });
    }

    private void attemptFailed(Batch batch, int attempt, HttpResponse<byte[]> answer, Throwable error) {
        meters.failures.increment();
        String why = describe(answer, error);
        lastError = "delivery of offsets " + batch.firstOffset() + "-" + (batch.nextOffset() - 1) + ", attempt " + attempt + ": " + why;
        boolean retriable = answer == null || Delivery.retriable(answer.statusCode());
        if (retriable && attempt < setup.config().maxAttempts()) {
            meters.retries.increment();
            Optional<String> retryAfter = answer == null ? Optional.empty() : answer.headers().firstValue("Retry-After");
            later(setup.backoff().delay(attempt, retryAfter), () -> deliver(batch, attempt + 1));
            return;
        }
        DeadLetters.Failure failure = new DeadLetters.Failure(setup.context().connector(), answer == null ? null : answer.statusCode(),
                attempt, why);
        if (setup.config().deadLetterTopic().isPresent()) {
            deadLetter(batch, failure);
        } else {
            fail("Connector " + setup.context().connector() + " could not deliver " + topic + "/" + partition + " offsets "
                    + batch.firstOffset() + "-" + (batch.nextOffset() - 1) + " after " + attempt + " attempt(s): " + why
                    + ". No errors.deadletterqueue.topic.name is set, so the task keeps its place at offset " + batch.firstOffset()
                    + "; fix the receiver and restart the connector");
        }
    }

    /** The transform failed on the one record of {@code batch}: dead-letters it if a topic is set, else fails holding its place. */
    private void transformFailed(Batch batch) {
        meters.failures.increment();
        String why = "transform: " + batch.transformError();
        lastError = "offset " + batch.firstOffset() + ": " + why;
        if (setup.config().deadLetterTopic().isPresent()) {
            deadLetter(batch, new DeadLetters.Failure(setup.context().connector(), null, 1, why));
        } else {
            fail("Connector " + setup.context().connector() + " could not transform " + topic + "/" + partition + " offset "
                    + batch.firstOffset() + ": " + batch.transformError() + ". No errors.deadletterqueue.topic.name is set, so the task"
                    + " keeps its place at offset " + batch.firstOffset() + "; fix the transforms.* config or the record's producer");
        }
    }

    /** Writes {@code batch} to the dead-letter topic, then commits past it and goes on. */
    private void deadLetter(Batch batch, DeadLetters.Failure failure) {
        String key = "dlq/" + UUID.randomUUID(); // within the 255 characters of an Idempotency-Key whatever the names
        deadLetter(batch, failure, key, 1, () -> committer.commit(batch.nextOffset()).thenRun(this::deliveryDone));
    }

    /**
     * One attempt to write {@code batch} to the dead-letter topic; {@code done} runs once it is there.
     * A write the cluster finds too large ({@code 413}) is split in two, written one after the other.
     * Every attempt of one write carries the same {@code Idempotency-Key}, so a retry after an answer
     * that was lost does not write the records twice.
     */
    private void deadLetter(Batch batch, DeadLetters.Failure failure, String key, int attempt, Runnable done) {
        String dlq = setup.config().deadLetterTopic().orElseThrow();
        byte[] body = DeadLetters.produceBody(batch, failure);
        call(() -> setup.context().api().send("POST", "/topics/" + dlq + "/records", body, Map.of("Idempotency-Key", key), CLUSTER_TIMEOUT),
                (answer, error) -> {
            if (error == null && answer.statusCode() == 200) {
                meters.deadLettered.increment(batch.count());
                log.warn("Connector {}: {}/{} offsets {}-{} went to dead-letter topic {} after {} attempt(s): {}",
                        setup.context().connector(), topic, partition, batch.firstOffset(), batch.nextOffset() - 1, dlq,
                        failure.attempts(), failure.error());
                done.run();
            } else if (error == null && answer.statusCode() == 413 && batch.count() > 1) {
                List<Batch> halves = batch.halves();
                deadLetter(halves.get(0), failure, key + "/1", 1, () -> deadLetter(halves.get(1), failure, key + "/2", 1, done));
            } else if (worthRetrying(answer) && attempt < setup.config().maxAttempts()) {
                lastError = "dead-letter topic " + dlq + ": " + describe(answer, error);
                later(setup.backoff().delay(attempt, Optional.empty()), () -> deadLetter(batch, failure, key, attempt + 1, done));
            } else {
                fail("Connector " + setup.context().connector() + " could not write " + topic + "/" + partition + " offsets "
                        + batch.firstOffset() + "-" + (batch.nextOffset() - 1) + " to dead-letter topic " + dlq + ": "
                        + describe(answer, error) + " (delivery failed before: " + failure.error() + ")");
            }
        });
    }

    // ---- plumbing

    /** Starts {@code step} unless stopped, remembering it for {@link #stop}; its outcome goes to {@code then}. */
    private <T> void call(Supplier<CompletableFuture<HttpResponse<T>>> step,
                          BiConsumer<HttpResponse<T>, Throwable> then) {
        CompletableFuture<HttpResponse<T>> future;
        synchronized (this) {
            if (stopped) {
                return;
            }
            future = step.get();
            inFlight.removeIf(Future::isDone);
            inFlight.add(future);
        }
        future.whenComplete((answer, error) -> {
            if (isStopped()) {
                return;
            }
            try {
                then.accept(answer, error);
            } catch (RuntimeException e) {
                fail("Connector " + setup.context().connector() + " stopped on " + topic + "/" + partition + ": " + e);
            }
        });
    }

    private void later(Duration delay, Runnable step) {
        synchronized (this) {
            if (stopped) {
                return;
            }
            inFlight.removeIf(Future::isDone);
            inFlight.add(setup.context().scheduler().schedule(() -> {
                if (!isStopped()) {
                    step.run();
                }
            }, delay.toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    private synchronized boolean isStopped() {
        return stopped;
    }

    /** The partition cannot go on: it keeps its place and the task reports the failure. */
    private void fail(String message) {
        lastError = message;
        log.error(message);
        synchronized (this) {
            stopped = true;
            inFlight.forEach(f -> f.cancel(true));
            inFlight.clear();
        }
        setup.context().reporter().failed(new HttpSinkException(message));
    }

    private static boolean worthRetrying(HttpResponse<byte[]> answer) {
        return answer == null || Delivery.retriable(answer.statusCode());
    }

    private static JsonNode problem(HttpResponse<byte[]> answer) {
        try {
            return FetchAnswer.JSON.readTree(answer.body());
        } catch (RuntimeException e) {
            return FetchAnswer.JSON.missingNode();
        }
    }

    /** A failure in one line: the status and the start of the answer, or the exception; never a request header. */
    static String describe(HttpResponse<byte[]> answer, Throwable error) {
        if (answer != null) {
            byte[] body = answer.body() == null ? new byte[0] : answer.body();
            String text = new String(body, 0, Math.min(body.length, ERROR_BODY_CHARS * 4), StandardCharsets.UTF_8)
                    .replaceAll("\\s+", " ").trim();
            text = text.length() > ERROR_BODY_CHARS ? text.substring(0, ERROR_BODY_CHARS) + "…" : text;
            return "HTTP " + answer.statusCode() + (text.isEmpty() ? "" : ": " + text);
        }
        Throwable cause = error;
        while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause == null ? null : cause.getMessage();
        return (cause == null ? "unknown error" : cause.getClass().getSimpleName()) + (message == null ? "" : ": " + message);
    }
}
