package io.runnel.stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.runnel.connect.PartitionProgress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Runs a stream on one input partition, exactly once, by <b>chunks</b>: a chunk is the input offsets {@code [c, e)},
 * {@code c} the committed position of the partition in the stream's group. For each chunk:
 * <ol>
 *   <li><b>read</b> it: at (re)start, when the committed metadata says {@code end=e}, exactly {@code [c, e)} (an
 *       unfinished chunk); otherwise one long-polled page from {@code c}, {@code e} being its {@code nextOffset};</li>
 *   <li><b>evaluate</b> every record in order (pure, deterministic). A record whose expressions fail goes to the
 *       dead-letter topic with {@code runnel.error.*} headers; without one the chunk is cut before it, at {@code f},
 *       and once the cut chunk is written and committed the stream stops {@code FAILED} at {@code f};</li>
 *   <li><b>commit the intent</b>: offset {@code c}, metadata {@code end=<e>} (only when the chunk writes something);</li>
 *   <li><b>write</b> one request per output topic, all at once, {@code acks=all}, no partition (the server places each
 *       record by its key as a producer would), records in input order, each with the input's headers and timestamp,
 *       under {@code Idempotency-Key: stream/<name>/<incarnation>/<from>/<partition>/<c>} (the incarnation tells a stream
 *       created again under the same name from the one it replaces). A replay of the chunk after a crash
 *       builds the same bytes, so the server writes nothing again; {@code 422 IDEMPOTENCY_KEY_REUSED} (the input
 *       changed under compaction, or the stream's expressions changed) counts as written. Other failures are retried
 *       with the same body and key;</li>
 *   <li><b>commit</b> offset {@code e} without metadata, and go on at {@code e}.</li>
 * </ol>
 * A crash at any point loses nothing and duplicates nothing, provided the replay comes within the server's
 * {@code runnel.produce.idempotency-window} (10 min by default): after that, a chunk whose intent was committed and
 * whose writes were not all acknowledged may be written twice. At most one chunk per partition is ever in that state.
 *
 * <p>Thread-safety: the loop is one chain of asynchronous steps (no thread waits: the API client is asynchronous), so
 * its fields are written by one step at a time; {@link #progress} reads volatile fields from other threads. Nothing is
 * kept on disk: the committed offset and its metadata are the state.
 */
final class PartitionStream {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionStream.class);
    static final int PAGE_RECORDS = 5000;
    static final int PAGE_BYTES = 4 * 1024 * 1024;
    private static final int WAIT_MS = 5000;
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final String END = "end=";

    private final StreamContext ctx;
    private final String from;
    private final int partition;
    private final Counter in;
    private final Counter out;
    private final Counter dropped;
    private final Counter errors;
    private volatile boolean stopped;
    /** The committed position; -1 until known. */
    private volatile long position = -1;
    private volatile long highWatermark = -1;
    private volatile String error;
    private volatile CompletableFuture<?> inFlight = CompletableFuture.completedFuture(null);

    /** A chunk after evaluation: where it ends ({@code f} when cut by a failure), its outputs, and the failure. */
    private record Evaluated(long start, long end, ChunkOutputs outputs, StreamFailure failure) {
    }

    PartitionStream(StreamContext ctx, int partition) {
        this.ctx = ctx;
        this.from = ctx.definition().from();
        this.partition = partition;
        String[] tags = {"stream", ctx.name(), "partition", Integer.toString(partition)};
        this.in = Counter.builder("runnel.stream.records.in").description("Input records evaluated (a replayed chunk counts again)")
                .tags(tags).register(ctx.meters());
        this.out = Counter.builder("runnel.stream.records.out").description("Output records sent, dead letters included")
                .tags(tags).register(ctx.meters());
        this.dropped = Counter.builder("runnel.stream.records.dropped").description("Input records the filter dropped")
                .tags(tags).register(ctx.meters());
        this.errors = Counter.builder("runnel.stream.records.errors").description("Input records whose expressions failed")
                .tags(tags).register(ctx.meters());
        Gauge.builder("runnel.stream.lag", this, s -> s.highWatermark < 0 || s.position < 0 ? Double.NaN
                        : Math.max(0, s.highWatermark - s.position))
                .description("Input records not yet processed, as last seen").tags(tags).register(ctx.meters());
    }

    int partition() {
        return partition;
    }

    void start() {
        resume();
    }

    /** Stops the loop; the future completes when the call in flight has been answered (or after 5 s). */
    CompletableFuture<Void> stop() {
        stopped = true;
        return inFlight.handle((r, e) -> (Void) null).completeOnTimeout(null, 5, TimeUnit.SECONDS);
    }

    PartitionProgress progress() {
        long at = position;
        Long lag = highWatermark < 0 || at < 0 ? null : Math.max(0, highWatermark - at);
        return new PartitionProgress(from, partition, Math.max(0, at), lag, error);
    }

    // ---- 1. resume from the committed position and intent

    private void resume() {
        reading("reading the committed position", this::committed).thenAccept(committed -> {
            if (committed == null) {
                reading("finding the start position", this::startPosition)
                        .thenCompose(start -> retrying("committing the start position", () -> commit(start, null)).thenApply(v -> start))
                        .thenAccept(this::fetch).exceptionally(this::failed);
            } else if (committed.metadata() != null && committed.metadata().startsWith(END)) {
                long end = Long.parseLong(committed.metadata().substring(END.length()));
                LOG.info("Stream {}: {}-{} replays its unfinished chunk [{}, {})", ctx.name(), from, partition, committed.offset(), end);
                readRange(committed.offset(), end, new ArrayList<>()).thenAccept(records ->
                        process(committed.offset(), end, records, true)).exceptionally(this::failed);
            } else {
                fetch(committed.offset());
            }
        }).exceptionally(this::failed);
    }

    private record Committed(long offset, String metadata) {
    }

    /** The partition's committed offset and metadata in the group; {@code null} when none. */
    private CompletableFuture<Committed> committed() {
        return ctx.api().get("/groups/" + ctx.group(), CALL_TIMEOUT).thenApply(r -> {
            if (r.statusCode() == 404) {
                return null;
            }
            ok(r, "reading group " + ctx.group());
            for (JsonNode o : tree(r).path("offsets")) {
                if (o.path("topic").asString().equals(from) && o.path("partition").asInt() == partition) {
                    long offset = o.path("committedOffset").asLong();
                    position = offset;
                    JsonNode metadata = o.path("metadata");
                    return new Committed(offset, metadata.isString() ? metadata.asString() : null);
                }
            }
            return null;
        });
    }

    private CompletableFuture<Long> startPosition() {
        return ctx.api().get("/topics/" + from + "/partitions/" + partition, CALL_TIMEOUT).thenApply(r -> {
            ok(r, "reading partition " + from + "-" + partition);
            JsonNode p = tree(r);
            return ctx.definition().fromEarliest() ? p.path("logStartOffset").asLong() : p.path("highWatermark").asLong();
        });
    }

    /** Exactly the records of {@code [start, end)} that the log still holds. */
    private CompletableFuture<List<InputPage.Input>> readRange(long start, long end, List<InputPage.Input> into) {
        if (start >= end) {
            return CompletableFuture.completedFuture(into);
        }
        return reading("reading the unfinished chunk", () -> page(start, (int) Math.min(PAGE_RECORDS, end - start), 0)).thenCompose(page -> {
            page.records().stream().filter(rec -> rec.offset() < end).forEach(into::add);
            long next = page.records().isEmpty() ? page.nextOffset() : page.records().get(page.records().size() - 1).offset() + 1;
            if (next <= start) {
                return CompletableFuture.completedFuture(into); // nothing left below the end: the log lost the rest
            }
            return readRange(next, end, into);
        });
    }

    // ---- 2. read the next chunk

    private void fetch(long at) {
        if (stopped) {
            return;
        }
        position = at;
        reading("reading " + from + "-" + partition, () -> page(at, PAGE_RECORDS, WAIT_MS)).thenAccept(page -> {
            highWatermark = page.highWatermark();
            if (page.records().isEmpty()) {
                fetch(Math.max(at, page.nextOffset()));
            } else {
                process(at, page.nextOffset(), page.records(), false);
            }
        }).exceptionally(this::failed);
    }

    /** One page from {@code at}; a position the log no longer holds moves to its start (the records were deleted unread). */
    private CompletableFuture<InputPage> page(long at, int limit, int waitMs) {
        String path = "/topics/" + from + "/partitions/" + partition + "/records?offset=" + at + "&limit=" + limit + "&maxBytes=" + PAGE_BYTES
                + "&waitMs=" + waitMs;
        return ctx.api().get(path, FETCH_TIMEOUT).thenCompose(r -> {
            if (r.statusCode() == 416) {
                long logStart = tree(r).path("logStartOffset").asLong(-1);
                if (logStart > at) {
                    LOG.warn("Stream {}: records {}..{} of {}-{} were deleted before the stream read them; going on at {}", ctx.name(), at,
                            logStart - 1, from, partition, logStart);
                    return page(logStart, limit, waitMs);
                }
            }
            ok(r, "reading " + from + "-" + partition);
            return CompletableFuture.completedFuture(InputPage.parse(ctx.json(), r.body()));
        });
    }

    // ---- 3. evaluate, 4. commit the intent, 5. write, 6. commit the end

    private void process(long start, long end, List<InputPage.Input> records, boolean intentCommitted) {
        if (stopped) {
            return;
        }
        Evaluated chunk = evaluate(start, end, records);
        CompletableFuture<Void> done;
        if (chunk.outputs().isEmpty()) {
            done = chunk.end() > start || intentCommitted ? retrying("committing", () -> commit(chunk.end(), null))
                    : CompletableFuture.completedFuture(null);
        } else {
            CompletableFuture<Void> intent = intentCommitted ? CompletableFuture.completedFuture(null)
                    : retrying("committing the chunk's intent", () -> commit(start, END + chunk.end()));
            done = intent.thenCompose(v -> writeAll(chunk)).thenCompose(v -> retrying("committing", () -> commit(chunk.end(), null)));
        }
        done.thenRun(() -> {
            position = chunk.end();
            if (chunk.failure() != null) {
                failed(chunk.failure());
            } else {
                fetch(chunk.end());
            }
        }).exceptionally(this::failed);
    }

    private Evaluated evaluate(long start, long end, List<InputPage.Input> records) {
        ChunkOutputs outputs = new ChunkOutputs();
        String deadLetters = ctx.definition().deadLetterTopic();
        for (InputPage.Input r : records) {
            if (r.offset() < start || r.offset() >= end) {
                continue;
            }
            in.increment();
            StreamEvaluator.Outcome outcome = ctx.evaluator().evaluate(r, partition);
            if (outcome instanceof StreamEvaluator.Output o) {
                outputs.add(o.topic(), o.key(), o.value(), r.headers(), r.timestamp());
            } else if (outcome instanceof StreamEvaluator.Failure f) {
                errors.increment();
                if (deadLetters == null) {
                    String field = f.field() == null ? "" : " (" + f.field() + ")";
                    return new Evaluated(start, r.offset(), outputs, new StreamFailure("stream '" + ctx.name() + "' stopped at offset "
                            + r.offset() + " of " + from + "-" + partition + ": the record's expression failed" + field + ": " + f.message()));
                }
                outputs.add(deadLetters, r.key(), r.value(), errorHeaders(r, f), r.timestamp());
            } else {
                dropped.increment();
            }
        }
        return new Evaluated(start, end, outputs, null);
    }

    private Map<String, String> errorHeaders(InputPage.Input r, StreamEvaluator.Failure f) {
        Map<String, String> headers = new LinkedHashMap<>(r.headers());
        headers.put("runnel.error.message", f.message() == null ? "" : f.message());
        if (f.field() != null) {
            headers.put("runnel.error.field", f.field());
        }
        headers.put("runnel.error.stream", ctx.name());
        headers.put("runnel.error.topic", from);
        headers.put("runnel.error.partition", Integer.toString(partition));
        headers.put("runnel.error.offset", Long.toString(r.offset()));
        return headers;
    }

    private CompletableFuture<Void> writeAll(Evaluated chunk) {
        Map<String, Integer> counts = chunk.outputs().counts();
        String key = idempotencyKey(chunk.start());
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        chunk.outputs().bodies().forEach((topic, body) -> writes.add(retrying("writing to " + topic, () -> write(topic, body, key))
                .thenRun(() -> out.increment(counts.get(topic)))));
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Void> write(String topic, byte[] body, String key) {
        return ctx.api().send("POST", "/topics/" + topic + "/records?acks=all", body, Map.of("Idempotency-Key", key), CALL_TIMEOUT)
                .thenApply(r -> {
                    if (r.statusCode() == 422 && "IDEMPOTENCY_KEY_REUSED".equals(code(r))) {
                        LOG.info("Stream {}: {}-{}: the chunk at {} was written to {} before with other records; counted as written",
                                ctx.name(), from, partition, position, topic);
                        return null;
                    }
                    ok(r, "writing to " + topic);
                    return null;
                });
    }

    /**
     * {@code stream/<name>/<incarnation>/<from>/<partition>/<start>}, or a digest of it past the 255 characters a key
     * may have.
     */
    String idempotencyKey(long start) {
        String key = "stream/" + ctx.name() + "/" + ctx.incarnation() + "/" + from + "/" + partition + "/" + start;
        if (key.length() <= 255) {
            return key;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "stream/" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private CompletableFuture<Void> commit(long offset, String metadata) {
        if (stopped) {
            return CompletableFuture.failedFuture(new Stopped()); // a successor resumes from what is committed
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("topic", from);
        o.put("partition", partition);
        o.put("offset", offset);
        if (metadata != null) {
            o.put("metadata", metadata);
        }
        byte[] body = ctx.json().writeValueAsBytes(Map.of("offsets", List.of(o)));
        return ctx.api().send("PUT", "/groups/" + ctx.group() + "/offsets", body, CALL_TIMEOUT).thenApply(r -> {
            ok(r, "committing to group " + ctx.group());
            if (metadata == null) {
                position = offset;
            }
            return null;
        });
    }

    // ---- answers, retries, failure

    /** Throws unless {@code r} is a 2xx: a refusal that a retry cannot cure stops the stream, anything else is retried. */
    private void ok(HttpResponse<byte[]> r, String what) {
        int status = r.statusCode();
        if (status >= 200 && status < 300) {
            return;
        }
        String detail = what + ": " + status + " " + code(r) + " " + tree(r).path("detail").asString("");
        if (status == 401 || status == 403 || status == 404 || status == 400 || status == 413 || status == 422) {
            throw new StreamFailure("stream '" + ctx.name() + "' cannot go on: " + detail);
        }
        throw new Retriable(detail);
    }

    private String code(HttpResponse<byte[]> r) {
        return tree(r).path("code").asString("");
    }

    private JsonNode tree(HttpResponse<byte[]> r) {
        try {
            return ctx.json().readTree(r.body());
        } catch (RuntimeException e) {
            return ctx.json().missingNode();
        }
    }

    /**
     * {@code attempt} until it succeeds, after a growing pause each time; a {@link StreamFailure} or a stop ends it.
     * {@link #stop} waits for the attempt in flight (a write or a commit).
     */
    private <T> CompletableFuture<T> retrying(String what, Supplier<CompletableFuture<T>> attempt) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(what, attempt, result, 0, true);
        return result;
    }

    /** As {@link #retrying}, for a read: {@link #stop} abandons it rather than wait out a long poll. */
    private <T> CompletableFuture<T> reading(String what, Supplier<CompletableFuture<T>> attempt) {
        CompletableFuture<T> result = new CompletableFuture<>();
        attempt(what, attempt, result, 0, false);
        return result;
    }

    private <T> void attempt(String what, Supplier<CompletableFuture<T>> attempt, CompletableFuture<T> result, int failures, boolean tracked) {
        if (stopped) {
            result.completeExceptionally(new Stopped());
            return;
        }
        CompletableFuture<T> call;
        try {
            call = attempt.get();
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        if (tracked) {
            inFlight = call;
        }
        call.whenComplete((v, e) -> {
            if (e == null) {
                if (failures > 0) {
                    error = null;
                }
                result.complete(v);
                return;
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof StreamFailure || cause instanceof Stopped || stopped) {
                result.completeExceptionally(cause);
                return;
            }
            long delayMs = Math.min(10_000, 100L << Math.min(failures, 7));
            error = what + ": " + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage())
                    + ", retrying in " + Math.max(1, (delayMs + 500) / 1000) + " s";
            LOG.info("Stream {}: {}-{}: {}", ctx.name(), from, partition, error);
            ctx.scheduler().schedule(() -> attempt(what, attempt, result, failures + 1, tracked), delayMs, TimeUnit.MILLISECONDS);
        });
    }

    private Void failed(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof Stopped || stopped) {
            return null;
        }
        if (!(cause instanceof StreamFailure)) {
            LOG.warn("Stream {}: {}-{}: unexpected failure", ctx.name(), from, partition, cause);
        }
        error = cause.getMessage();
        stopped = true;
        ctx.reporter().failed(cause);
        return null;
    }

    /** A step that will not be retried because the loop stopped. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super("stopped", null, false, false);
        }
    }

    /** A failure that a retry may cure (an instance down, a timeout, a 5xx). */
    private static final class Retriable extends RuntimeException {
        Retriable(String message) {
            super(message, null, false, false);
        }
    }
}
