package io.runnel.log;

/**
 * Per-partition log settings, taken from the topic's configs (Kafka names in brackets).
 *
 * @param segmentBytes       roll the active segment before it would pass this size [segment.bytes]
 * @param segmentMs          roll it once its first batch is this old [segment.ms]
 * @param retentionMs        delete closed segments whose newest record is older; -1 keeps forever [retention.ms]
 * @param retentionBytes     delete the oldest closed segments while the log without them still holds this many bytes, as Kafka does; -1 = no limit [retention.bytes]
 * @param indexIntervalBytes bytes between sparse index entries [index.interval.bytes]
 */
public record LogConfig(int segmentBytes, long segmentMs, long retentionMs, long retentionBytes, int indexIntervalBytes) {
    public static final LogConfig DEFAULT = new LogConfig(1 << 30, 7L * 24 * 3600 * 1000, 7L * 24 * 3600 * 1000, -1, 4096);

    public LogConfig {
        if (segmentBytes < RecordBatch.HEADER_SIZE || segmentMs < 1 || indexIntervalBytes < 0) {
            throw new IllegalArgumentException("invalid log config");
        }
    }
}
