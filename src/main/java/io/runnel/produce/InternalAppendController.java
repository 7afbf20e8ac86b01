package io.runnel.produce;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.log.RecordBatch;
import java.nio.ByteBuffer;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /internal/partitions/{topic}/{p}/append?acks=all|leader}: the leader's end of a
 * produce request received by another instance. The body is one framed {@link RecordBatch} as
 * that instance built it, stamped with the leader epoch it believes current; this leader checks
 * it (size, magic, CRC, one record per offset, epoch), assigns its offsets, appends it durably and, for {@code acks=all},
 * waits for the in-sync replicas ({@link ProduceService#appendAsLeader}). Answers
 * {@code {"baseOffset":..,"lastOffset":..}} or a problem detail the sender passes on. A batch of
 * an idempotent producer that this leader already holds is not appended again: the answer is then
 * {@code {"baseOffset":..,"lastOffset":..,"duplicate":true,"timestamps":[..]}}, the original
 * offsets and the stored records' timestamps, or {@code 422 IDEMPOTENCY_KEY_REUSED} when the
 * stored records differ.
 */
@RestController
class InternalAppendController {
    private final ProduceService produce;

    InternalAppendController(ProduceService produce) {
        this.produce = produce;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Appended(long baseOffset, long lastOffset, Boolean duplicate, long[] timestamps) {
    }

    @PostMapping(path = "/internal/partitions/{topic}/{partition}/append", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    Appended append(@PathVariable String topic, @PathVariable int partition, @RequestParam(defaultValue = "all") String acks,
                    @RequestBody byte[] body) {
        RecordBatch batch = new RecordBatch(ByteBuffer.wrap(body));
        if (body.length < RecordBatch.HEADER_SIZE || batch.sizeInBytes() != body.length || batch.magic() != RecordBatch.MAGIC
                || batch.recordCount() < 1 || !batch.isValid()) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "the body is not one valid record batch");
        }
        if (!batch.isDense()) {
            // Only compaction writes batches with fewer records than offsets; a new batch takes one offset per record.
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "the batch must hold one record per offset (" + batch.recordCount()
                    + " records over offsets " + batch.baseOffset() + ".." + batch.lastOffset() + ")");
        }
        ProduceService.PartitionAppend appended = produce.appendAsLeader(topic, partition, batch, !acks.equals("leader"));
        long[] stored = appended.storedTimestamps();
        return new Appended(appended.result().baseOffset(), appended.result().lastOffset(), stored != null ? Boolean.TRUE : null,
                stored);
    }
}
