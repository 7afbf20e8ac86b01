package io.runnel.log;

import java.nio.ByteBuffer;
import java.util.OptionalLong;

/**
 * Which records of a source batch a {@link LogCleaner} pass keeps. A record is kept when: its
 * offset is at or past {@code mapEnd}, the end of the range the key map covers (what a partial
 * pass did not reach); it is the last record below that end (so a reader of the range always has
 * a record to move on from); it has no key (never compacted); no later record of its key is in
 * the map; and, for a tombstone (value absent), it has not been in the clean part of the log for
 * {@code delete.retention.ms} yet, per the {@link CleanerCheckpoint} as the pass began (a
 * tombstone in the dirty part is never dropped: it is not clean yet).
 *
 * <p>Not thread-safe: one pass uses it.
 */
final class RecordFilter {
    private final OffsetMap map;
    private final long mapEnd;
    private final long lastRecord;
    private final CleanerCheckpoint history;
    private final CleanerConfig config;
    private final long now;
    private long recordsSeen;

    RecordFilter(OffsetMap map, long mapEnd, long lastRecord, CleanerCheckpoint history, CleanerConfig config, long now) {
        this.map = map;
        this.mapEnd = mapEnd;
        this.lastRecord = lastRecord;
        this.history = history;
        this.config = config;
        this.now = now;
    }

    long recordsSeen() {
        return recordsSeen;
    }

    CompactedBatch apply(RecordBatch batch) {
        CompactedBatch out = new CompactedBatch(batch);
        batch.forEachRecordRaw((offset, timestampDelta, key, value, headers) -> {
            recordsSeen++;
            if (keeps(offset, key, value)) {
                out.keep(new CompactedBatch.Kept(offset, timestampDelta, key, value, headers));
            }
        });
        return out;
    }

    private boolean keeps(long offset, ByteBuffer key, ByteBuffer value) {
        if (offset >= mapEnd || offset == lastRecord || key == null) {
            return true;
        }
        if (map.get(key) > offset) {
            return false; // a later record of the key is in the dirty part
        }
        if (value != null) {
            return true;
        }
        OptionalLong cleanSince = history.cleanSince(offset);
        return cleanSince.isEmpty() || now - cleanSince.getAsLong() < config.deleteRetentionMs();
    }
}
