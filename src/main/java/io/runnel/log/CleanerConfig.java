package io.runnel.log;

/**
 * How one cleaning of a compacted log behaves (Kafka names in brackets).
 *
 * @param deleteRetentionMs  a tombstone is dropped once it has been in the clean part of the log this long [delete.retention.ms]
 * @param minCompactionLagMs a segment whose newest record is younger than this is not compacted [min.compaction.lag.ms]
 * @param offsetMapBytes     memory for the key → offset map; a dirty range with more keys is cleaned in several passes
 *                           [log.cleaner.dedupe.buffer.size, here runnel.storage.cleaner-buffer]
 */
public record CleanerConfig(long deleteRetentionMs, long minCompactionLagMs, long offsetMapBytes) {
    /** Kafka's defaults: a day of tombstones, no lag, and a 16 MiB map (about 600,000 keys). */
    public static final CleanerConfig DEFAULT = new CleanerConfig(86_400_000L, 0, 16L << 20);

    public CleanerConfig {
        if (deleteRetentionMs < 0 || minCompactionLagMs < 0 || offsetMapBytes < 2L * OffsetMap.BYTES_PER_ENTRY) {
            throw new IllegalArgumentException("invalid cleaner config: delete.retention.ms " + deleteRetentionMs
                    + ", min.compaction.lag.ms " + minCompactionLagMs + ", map bytes " + offsetMapBytes);
        }
    }
}
