package io.runnel.connect.mirror;

import io.micrometer.core.instrument.Counter;
import io.runnel.connect.PartitionProgress;
import io.runnel.expr.EvaluationException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one source partition into the same partition of its target topic, exactly once. The loop:
 * <ol>
 *   <li><b>resume</b>: read the target partition's last record (only this connector writes there); copying resumes
 *       at its {@value MirrorHeaders#OFFSET} + 1, or at the source's earliest offset when the partition is empty;</li>
 *   <li><b>fetch</b> a page from the source (long poll: up to {@value #PAGE_RECORDS} records, {@value #PAGE_BYTES}
 *       bytes, waiting up to 5 s for a record);</li>
 *   <li><b>write</b> the page's records that do not loop back ({@link MirrorHeaders#hasBeenIn} the target) as one
 *       produce request to the target partition, {@code acks=all}, carrying
 *       {@code Idempotency-Key: mirror/<connector>/<topic>/<partition>/<first offset of the page>}; then fetch on.</li>
 * </ol>
 * One request is in flight at a time. The position is committed with the records themselves (their header), so
 * a crash at any moment loses nothing and copies nothing twice: a write whose answer was lost is either in the
 * tail (then the next page starts after it) or not (then it is sent again, and a replay under the same key writes
 * nothing). A page the target refuses as a reused key (the same first offset, more records than the first time)
 * sends the loop back to step 1. A page whose records all loop writes nothing; a restart then reads an older tail
 * and skips those records again, which is harmless.
 *
 * <p><b>Transforms.</b> The connector's {@code transforms.*} ({@link io.runnel.expr.RecordTransform}) are applied
 * to the records that do not loop, before the write: a record the filter drops is not written, a mapped one is
 * written with its new key and value (headers, timestamp and the {@value MirrorHeaders#OFFSET} header as for any
 * copy). The tail logic stays exact because a transform is deterministic: a dropped record writes nothing, like a
 * looping one, so a restart may resume at an older tail, re-read it and drop it again; a page sent again under
 * its idempotency key makes the same records. A transform that fails on a record writes nothing of its page: the
 * copy shows the error and fetches the page again after a backoff, holding its place until the connector's config
 * is fixed (which restarts the task). Any failure (source or target down, refused) is shown in
 * {@link #progress} and retried after a {@link Backoff}; the loop never gives up.
 *
 * <p>Thread-safety: the loop is one chain of asynchronous steps, so its fields are written by one step at a time;
 * {@link #progress} and {@link #translate} read them from other threads (volatile fields, the offset map under the
 * object's lock). Nothing is kept on disk.
 */
final class PartitionMirror {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionMirror.class);
    static final int PAGE_RECORDS = 5000;
    static final int PAGE_BYTES = 4 * 1024 * 1024;
    private static final int WAIT_MS = 5000;
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);
    private static final long EARLIEST = -1;

    private final MirrorContext ctx;
    private final String topic;
    private final int partition;
    private final String target;
    private final Backoff backoff = new Backoff();
    private final OffsetMap offsets = new OffsetMap();
    private final Counter records;
    private final Counter bytes;
    private final Counter skipped;
    private final Counter filtered;
    private final Counter errors;
    private volatile boolean stopped;
    /** The next source offset to fetch; {@link #EARLIEST} until the first page of an empty target. */
    private volatile long next = EARLIEST;
    private volatile long highWatermark = -1;
    /** The timestamp of the oldest source record seen and not copied yet; 0 when none. */
    private volatile long behindSince;
    private volatile String error;
    private volatile int pageRecords = PAGE_RECORDS;
    private volatile CompletableFuture<?> writing = CompletableFuture.completedFuture(null);

    PartitionMirror(MirrorContext ctx, String topic, int partition) {
        this.ctx = ctx;
        this.topic = topic;
        this.partition = partition;
        this.target = ctx.config().targetTopic(topic);
        String[] tags = {"connector", ctx.connector(), "topic", topic, "partition", Integer.toString(partition)};
        this.records = Counter.builder("runnel.connector.mirrored.records").description("Records copied from the source")
                .tags(tags).register(ctx.meters());
        this.bytes = Counter.builder("runnel.connector.mirrored.bytes").description("Key and value bytes copied from the source")
                .tags(tags).register(ctx.meters());
        this.skipped = Counter.builder("runnel.connector.mirrored.skipped").description("Records not copied because they came from the target")
                .tags(tags).register(ctx.meters());
        this.filtered = Counter.builder("runnel.connector.mirrored.filtered").description("Records not copied because transforms.filter dropped them")
                .tags(tags).register(ctx.meters());
        this.errors = Counter.builder("runnel.connector.mirror.errors").description("Failed steps of the copy (each retried after a backoff)")
                .tags(tags).register(ctx.meters());
    }

    String topic() {
        return topic;
    }

    int partition() {
        return partition;
    }

    String targetTopic() {
        return target;
    }

    void start() {
        resume();
    }

    /** Stops the loop; the future completes when a write in flight has been answered (or after 5 s). */
    CompletableFuture<Void> stop() {
        stopped = true;
        return writing.handle((r, e) -> (Void) null).completeOnTimeout(null, 5, TimeUnit.SECONDS);
    }

    PartitionProgress progress() {
        long position;
        synchronized (offsets) {
            position = next == EARLIEST ? 0 : offsets.position();
        }
        Long lag = highWatermark < 0 || next == EARLIEST ? null : Math.max(0, highWatermark - position);
        Long seconds = lag == null ? null : lag == 0 || behindSince == 0 ? 0L : Math.max(0, (ctx.clock().millis() - behindSince) / 1000);
        return new PartitionProgress(topic, partition, position, lag, error, seconds);
    }

    /** See {@link OffsetMap#translate}. */
    OptionalLong translate(long sourceOffset) {
        synchronized (offsets) {
            return offsets.translate(sourceOffset);
        }
    }

    // ---- 1. resume from the target's tail

    private void resume() {
        if (stopped) {
            return;
        }
        String partitionPath = "/topics/" + target + "/partitions/" + partition;
        ctx.links().targetGet(partitionPath, WRITE_TIMEOUT).thenCompose(r -> {
            if (r.statusCode() != 200) {
                throw new StepFailure("target partition " + target + "-" + partition + ": " + ctx.links().describe(r));
            }
            JsonNode p = ctx.links().tree(r);
            long hw = p.path("highWatermark").asLong();
            long logStart = p.path("logStartOffset").asLong();
            if (hw <= logStart) {
                return CompletableFuture.completedFuture(new long[] {EARLIEST, hw});
            }
            return ctx.links().targetGet(partitionPath + "/records?offset=" + (hw - 1) + "&limit=1", WRITE_TIMEOUT)
                    .thenApply(tail -> new long[] {tailPosition(tail, hw - 1), hw});
        }).whenComplete((at, e) -> {
            if (e != null) {
                retry(this::resume, e instanceof java.util.concurrent.CompletionException && e.getCause() instanceof StepFailure f
                        ? f.getMessage() : "target unreachable: " + MirrorLinks.reason(e));
                return;
            }
            synchronized (offsets) {
                offsets.reset(at[0] == EARLIEST ? 0 : at[0], at[1]);
            }
            next = at[0];
            LOG.info("Mirror {}: {}-{} resumes at source offset {} (target {}-{} at {})", ctx.connector(), topic, partition,
                    at[0] == EARLIEST ? "earliest" : at[0], target, partition, at[1]);
            fetch();
        });
    }

    /** Where copying resumes, from the fetch of the target's last record. */
    private long tailPosition(HttpResponse<byte[]> tail, long lastOffset) {
        if (tail.statusCode() != 200) {
            throw new StepFailure("target partition " + target + "-" + partition + ": " + ctx.links().describe(tail));
        }
        JsonNode last = ctx.links().tree(tail).path("records").path(0);
        if (last.isMissingNode()) {
            throw new StepFailure("target partition " + target + "-" + partition + " has no record at " + lastOffset);
        }
        String offset = last.path("headers").path(MirrorHeaders.OFFSET).asString("");
        try {
            return Long.parseLong(offset) + 1;
        } catch (NumberFormatException e) {
            throw new StepFailure("the last record of target partition " + target + "-" + partition + " (offset " + last.path("offset").asLong()
                    + ") was not written by a mirror (no " + MirrorHeaders.OFFSET + " header): not copying into it");
        }
    }

    // ---- 2. fetch a page from the source

    private void fetch() {
        if (stopped) {
            return;
        }
        long from = next;
        String path = "/topics/" + topic + "/partitions/" + partition + "/records?offset=" + (from == EARLIEST ? "earliest" : Long.toString(from))
                + "&limit=" + pageRecords + "&maxBytes=" + PAGE_BYTES + "&waitMs=" + WAIT_MS;
        ctx.links().sourceGet(path, FETCH_TIMEOUT).whenComplete((r, e) -> {
            if (stopped) {
                return;
            }
            if (e != null) {
                retry(this::fetch, "source unreachable: " + MirrorLinks.reason(e));
            } else if (r.statusCode() == 200) {
                onPage(r);
            } else if (r.statusCode() == 416) {
                outOfRange(r, from);
            } else {
                retry(this::fetch, "source partition " + topic + "-" + partition + ": " + ctx.links().describe(r));
            }
        });
    }

    private void onPage(HttpResponse<byte[]> r) {
        SourcePage page;
        try {
            page = SourcePage.parse(ctx.links().json(), r.body());
        } catch (RuntimeException e) {
            retry(this::fetch, "source answer not understood: " + MirrorLinks.reason(e));
            return;
        }
        highWatermark = page.highWatermark();
        if (page.records().isEmpty()) {
            advance(page.nextOffset());
            behindSince = 0;
            error = null;
            backoff.reset();
            fetch();
            return;
        }
        behindSince = timestampMillis(page.records().get(0));
        write(page);
    }

    private void outOfRange(HttpResponse<byte[]> r, long from) {
        JsonNode problem = ctx.links().tree(r);
        long logStart = problem.path("logStartOffset").asLong(-1);
        if (from != EARLIEST && logStart > from) {
            String lost = "source records " + from + ".." + (logStart - 1) + " of " + topic + "-" + partition
                    + " were deleted before they were copied; going on at " + logStart;
            LOG.warn("Mirror {}: {}", ctx.connector(), lost);
            error = lost;
            advance(logStart);
            fetch();
        } else {
            retry(this::fetch, "source partition " + topic + "-" + partition + " ends before the copy's position " + from
                    + " (" + ctx.links().describe(r) + ")");
        }
    }

    // ---- 3. write the page to the target

    private void write(SourcePage page) {
        List<SourcePage.Record> notLooping = page.records().stream()
                .filter(rec -> !MirrorHeaders.hasBeenIn(rec.headers(), ctx.targetClusterId())).toList();
        int skippedHere = page.records().size() - notLooping.size();
        if (skippedHere > 0) {
            skipped.increment(skippedHere);
        }
        List<SourcePage.Record> copies;
        try {
            copies = SourcePage.transform(notLooping, ctx.transform(), partition);
        } catch (EvaluationException | java.time.format.DateTimeParseException e) {
            retry(this::fetch, "transforms.* failed on a record of " + topic + "-" + partition + " in the page from source offset " + page.records().get(0).offset() + ": "
                    + e.getMessage() + "; the copy waits here until the config is fixed");
            return;
        }
        if (copies.size() < notLooping.size()) {
            filtered.increment(notLooping.size() - copies.size());
        }
        if (copies.isEmpty()) {
            advance(page.nextOffset());
            afterWrite(page);
            return;
        }
        byte[] body = SourcePage.produceBody(copies, ctx.config().alias(), ctx.sourceClusterId());
        String key = "mirror/" + ctx.connector() + "/" + topic + "/" + partition + "/" + page.records().get(0).offset();
        CompletableFuture<HttpResponse<byte[]>> sent = ctx.links().targetSend("POST", "/topics/" + target + "/partitions/" + partition
                + "/records?acks=all", body, Map.of("Idempotency-Key", key), WRITE_TIMEOUT);
        writing = sent;
        sent.whenComplete((r, e) -> {
            if (stopped) {
                return;
            }
            if (e != null) {
                retry(this::resume, "target unreachable: " + MirrorLinks.reason(e));
            } else if (r.statusCode() == 200) {
                written(page, copies, r);
            } else if (r.statusCode() == 413 && pageRecords > 1) {
                pageRecords = Math.max(1, pageRecords / 2);
                resume();
            } else {
                retry(this::resume, "writing to " + target + "-" + partition + ": " + ctx.links().describe(r));
            }
        });
    }

    private void written(SourcePage page, List<SourcePage.Record> copies, HttpResponse<byte[]> r) {
        long firstTarget;
        try {
            firstTarget = ctx.links().tree(r).path("results").path(0).path("offset").asLong(-1);
        } catch (RuntimeException e) {
            firstTarget = -1;
        }
        long[] sources = copies.stream().mapToLong(SourcePage.Record::offset).toArray();
        synchronized (offsets) {
            if (firstTarget >= 0) {
                offsets.written(sources, firstTarget, page.nextOffset());
            } else {
                offsets.skipped(page.nextOffset());
            }
        }
        next = page.nextOffset();
        records.increment(copies.size());
        bytes.increment(copies.stream().mapToLong(SourcePage.Record::size).sum());
        afterWrite(page);
    }

    private void afterWrite(SourcePage page) {
        error = null;
        backoff.reset();
        if (next >= page.highWatermark()) {
            behindSince = 0;
        }
        fetch();
    }

    private void advance(long to) {
        synchronized (offsets) {
            offsets.skipped(to);
        }
        next = Math.max(next, to);
    }

    private void retry(Runnable step, String why) {
        if (stopped) {
            return;
        }
        errors.increment();
        Duration delay = backoff.next();
        error = why + ", retrying in " + Math.max(1, (delay.toMillis() + 500) / 1000) + " s";
        LOG.info("Mirror {}: {}-{}: {}", ctx.connector(), topic, partition, error);
        ctx.scheduler().schedule(step, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static long timestampMillis(SourcePage.Record r) {
        try {
            return r.timestamp() == null ? 0 : Instant.parse(r.timestamp()).toEpochMilli();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** A step's failure with the reason to show. */
    private static final class StepFailure extends RuntimeException {
        StepFailure(String message) {
            super(message, null, false, false);
        }
    }
}
