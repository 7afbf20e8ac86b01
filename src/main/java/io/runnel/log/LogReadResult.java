package io.runnel.log;

import java.util.List;

/**
 * Batches read from a log, the first one holding the requested offset (it may also hold records
 * before it, which the reader skips), all below {@code highWatermark} for
 * {@link PartitionLog#read}; below the durable end, possibly past {@code highWatermark}, for
 * {@link PartitionLog#readForReplication}.
 */
public record LogReadResult(List<RecordBatch> batches, long highWatermark, long logStartOffset) {
}
