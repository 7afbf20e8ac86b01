package io.runnel.consume;

import io.runnel.log.RecordBatch;
import io.runnel.topic.TrafficMetrics;
import java.util.List;

/**
 * What a fetch answers: batches straight from the log, written out by {@link FetchResponseWriter}
 * without parsing the stored keys and values. Only records from {@code fromOffset} on, at most
 * {@code limit} of them, are written.
 */
record FetchResponse(String topic, int partition, List<RecordBatch> batches, long fromOffset, int limit,
                     long highWatermark, long logStartOffset, TrafficMetrics.TopicMeters meters) {

    boolean hasRecords() {
        for (RecordBatch b : batches) {
            if (b.recordsFrom(fromOffset) > 0) {
                return true;
            }
        }
        return false;
    }
}
