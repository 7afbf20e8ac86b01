package io.runnel.connect.mirror;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;
import tools.jackson.databind.JsonNode;

/**
 * Finds, by binary search over a target partition, the offset of the first copied record whose source offset
 * ({@value MirrorHeaders#OFFSET}) is ≥ a given one: the fallback of checkpoints for source offsets older than what
 * {@link OffsetMap} remembers. Source offsets grow with target offsets (one writer per partition, in source order), so
 * about log2(records) single-record fetches answer it. Stateless.
 */
final class TargetSearch {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** A record found at or after a probed offset: its target offset and the source offset it carries. */
    record Probe(long targetOffset, long sourceOffset) {
    }

    private TargetSearch() {
    }

    /**
     * The first offset in {@code [lo, hi)} whose record carries a source offset ≥ {@code s}, or {@code hi}.
     *
     * @param probe the first record at or after an offset; {@code null} when there is none below {@code hi}
     */
    static CompletableFuture<Long> firstAtOrAfter(long lo, long hi, long s, LongFunction<CompletableFuture<Probe>> probe) {
        if (lo >= hi) {
            return CompletableFuture.completedFuture(hi);
        }
        long mid = lo + (hi - lo) / 2;
        return probe.apply(mid).thenCompose(found -> {
            if (found == null || found.targetOffset() >= hi) {
                return firstAtOrAfter(lo, mid, s, probe);
            }
            if (found.sourceOffset() >= s) {
                return firstAtOrAfter(lo, mid, s, probe).thenApply(below -> below < mid ? below : mid);
            }
            return firstAtOrAfter(found.targetOffset() + 1, hi, s, probe);
        });
    }

    /** {@link #firstAtOrAfter} over the records of {@code topic}-{@code partition} of the target, from its log start to its end. */
    static CompletableFuture<Long> inTarget(MirrorLinks links, String topic, int partition, long s) {
        String path = "/topics/" + topic + "/partitions/" + partition;
        return links.targetGet(path, TIMEOUT).thenCompose(r -> {
            if (r.statusCode() != 200) {
                throw new IllegalStateException("target partition " + topic + "-" + partition + ": " + links.describe(r));
            }
            JsonNode p = links.tree(r);
            return firstAtOrAfter(p.path("logStartOffset").asLong(), p.path("highWatermark").asLong(), s,
                    at -> links.targetGet(path + "/records?offset=" + at + "&limit=1", TIMEOUT).thenApply(f -> {
                        if (f.statusCode() != 200) {
                            throw new IllegalStateException("target partition " + topic + "-" + partition + ": " + links.describe(f));
                        }
                        JsonNode rec = links.tree(f).path("records").path(0);
                        if (rec.isMissingNode()) {
                            return null;
                        }
                        long source = MirrorHeaders.sourceOffset(java.util.Map.of(MirrorHeaders.OFFSET,
                                rec.path("headers").path(MirrorHeaders.OFFSET).asString(""))).orElse(-1);
                        return new Probe(rec.path("offset").asLong(), source);
                    }));
        });
    }
}
