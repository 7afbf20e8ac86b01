package io.runnel.partition;

import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.log.LogException;
import io.runnel.log.LogReadResult;
import io.runnel.log.RecordBatch;
import io.runnel.topic.TopicCatalog;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * Partition reads between instances (under {@code /internal/}, so they need the cluster secret
 * and are not in the public API document). Each answers only for partitions this instance leads
 * ({@code 503 LEADER_NOT_AVAILABLE} otherwise), so a caller with stale metadata learns it.
 *
 * <ul>
 *   <li>{@code GET /internal/partitions/{topic}/{p}/batches?offset=&maxBytes=&maxRecords=&waitMs=}:
 *       raw batches from {@code offset}, below the high watermark, as
 *       {@code application/octet-stream}; the high watermark and log start offset in the
 *       {@value #HIGH_WATERMARK} and {@value #LOG_START_OFFSET} headers. {@code maxRecords=0}
 *       reads nothing (offsets only). With {@code waitMs}, an empty read is held (no thread)
 *       until the high watermark passes {@code offset}.</li>
 *   <li>{@code GET /internal/topics/{topic}/offsets}: log start offset and high watermark of every
 *       partition of the topic this instance leads.</li>
 * </ul>
 */
@RestController
class InternalPartitionController {
    static final String HIGH_WATERMARK = "Runnel-High-Watermark";
    static final String LOG_START_OFFSET = "Runnel-Log-Start-Offset";

    private final PartitionRouter router;
    private final TopicCatalog catalog;
    private final PartitionWaits waits;

    InternalPartitionController(PartitionRouter router, TopicCatalog catalog, PartitionWaits waits) {
        this.router = router;
        this.catalog = catalog;
        this.waits = waits;
    }

    record PartitionOffsets(int partition, long logStartOffset, long highWatermark) {
    }

    record TopicOffsets(List<PartitionOffsets> partitions) {
    }

    @GetMapping("/internal/partitions/{topic}/{partition}/batches")
    Object batches(@PathVariable String topic, @PathVariable int partition, @RequestParam long offset,
                   @RequestParam(defaultValue = "1048576") int maxBytes, @RequestParam(defaultValue = "500") int maxRecords,
                   @RequestParam(defaultValue = "0") long waitMs) {
        Partition p = router.local(topic, partition);
        if (offset < p.log().highWatermark() || waitMs <= 0) {
            return read(p, offset, maxBytes, maxRecords);
        }
        long heldMs = Math.min(waitMs, 30_000);
        DeferredResult<ResponseEntity<byte[]>> deferred = new DeferredResult<>(heldMs + PartitionWaits.ANSWER_GRACE.toMillis());
        PartitionWaits.Wait wait = waits.await(List.of(PartitionWaits.highWatermarkBeyond(p, offset)), Duration.ofMillis(heldMs),
                outcome -> {
                    if (outcome == PartitionWaits.Outcome.CANCELLED) {
                        return;
                    }
                    try {
                        deferred.setResult(read(p, offset, maxBytes, maxRecords));
                    } catch (RuntimeException e) {
                        deferred.setErrorResult(e);
                    }
                });
        deferred.onCompletion(wait::cancel);
        return deferred;
    }

    private static ResponseEntity<byte[]> read(Partition p, long offset, int maxBytes, int maxRecords) {
        byte[] bytes = new byte[0];
        long highWatermark = p.log().highWatermark();
        long logStart = p.log().logStartOffset();
        if (maxRecords > 0 && offset < highWatermark) {
            LogReadResult r;
            try {
                r = p.log().read(offset, Math.max(1, maxBytes), maxRecords);
            } catch (LogException.OffsetOutOfRange e) {
                throw new RunnelException(ErrorCode.OFFSET_OUT_OF_RANGE, e.getMessage()).with("topic", p.topic())
                        .with("partition", p.id()).with("offset", offset)
                        .with("logStartOffset", e.logStartOffset()).with("highWatermark", e.highWatermark());
            }
            bytes = RecordBatch.toBytes(r.batches());
            highWatermark = r.highWatermark();
            logStart = r.logStartOffset();
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_OCTET_STREAM)
                .header(HIGH_WATERMARK, Long.toString(highWatermark)).header(LOG_START_OFFSET, Long.toString(logStart)).body(bytes);
    }

    @GetMapping("/internal/topics/{topic}/offsets")
    TopicOffsets offsets(@PathVariable String topic) {
        List<PartitionOffsets> led = new ArrayList<>();
        int partitions = catalog.require(topic).partitions();
        for (int i = 0; i < partitions; i++) {
            if (router.route(topic, i) instanceof Route.Local local) {
                Partition p = local.partition();
                led.add(new PartitionOffsets(i, p.log().logStartOffset(), p.log().highWatermark()));
            }
        }
        return new TopicOffsets(led);
    }

    /** Splits the body of a {@code batches} answer into its batches. */
    static List<RecordBatch> split(byte[] bytes) {
        try {
            return RecordBatch.split(ByteBuffer.wrap(bytes));
        } catch (LogException e) {
            throw new IllegalStateException("a peer sent a " + e.getMessage(), e);
        }
    }
}
