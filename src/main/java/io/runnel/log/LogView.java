package io.runnel.log;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * An immutable picture of a {@link PartitionLog} for readers: its segments, its log start offset
 * and the end of what readers may see (the high watermark and the byte position it ends at).
 * The log replaces its view at each commit point, roll and retention; a reader takes the current
 * view and reads only from it, with no lock, never past {@link #visibleEnd}.
 *
 * @param segments       the segments, oldest first
 * @param logStartOffset the first offset still in the log
 * @param visibleEnd     where visible data ends
 */
record LogView(Segment[] segments, long logStartOffset, End visibleEnd) {

    /** The end of a batch: the next offset and the byte position it ends at in a segment. */
    record End(long offset, Segment segment, int position) {
    }

    long highWatermark() {
        return visibleEnd.offset();
    }

    /** Readers may read segment {@code s} only below this byte position. */
    int readLimit(Segment s) {
        if (s == visibleEnd.segment()) {
            return visibleEnd.position();
        }
        return s.baseOffset() < visibleEnd.segment().baseOffset() ? s.size() : 0;
    }

    /**
     * Whole batches from the one holding {@code offset}: about {@code maxBytes} (at least one
     * batch), stopping early once they cover {@code maxRecords} records from {@code offset}.
     */
    LogReadResult read(long offset, int maxBytes, int maxRecords) throws IOException {
        long hw = highWatermark();
        if (offset < logStartOffset || offset > hw) {
            throw new LogException.OffsetOutOfRange(offset, logStartOffset, hw);
        }
        List<RecordBatch> batches = new ArrayList<>();
        int budget = maxBytes;
        for (int i = segmentIndexOf(offset); i < segments.length && offset < hw; i++) {
            Segment s = segments[i];
            int limit = readLimit(s);
            OptionalInt start = s.positionOf(offset, limit);
            if (start.isEmpty()) {
                continue;
            }
            int position = start.getAsInt();
            Optional<RecordBatch> header;
            while ((header = s.readHeader(position, limit)).isPresent()) {
                int size = (int) header.get().declaredSize();
                if (!batches.isEmpty() && size > budget) {
                    return new LogReadResult(batches, hw, logStartOffset);
                }
                RecordBatch batch = s.readBatch(position, size);
                batches.add(batch);
                budget -= size;
                position += size;
                if (budget <= 0 || batch.nextOffset() - offset >= maxRecords) {
                    return new LogReadResult(batches, hw, logStartOffset);
                }
            }
        }
        return new LogReadResult(batches, hw, logStartOffset);
    }

    /** The first offset whose timestamp is ≥ {@code timestamp}, or the high watermark if none is. */
    long offsetForTimestamp(long timestamp) throws IOException {
        for (Segment s : segments) {
            OptionalLong found = s.offsetOfTimestamp(timestamp, readLimit(s));
            if (found.isPresent() && found.getAsLong() >= logStartOffset) {
                return found.getAsLong();
            }
        }
        return highWatermark();
    }

    /** Index of the segment holding {@code offset}: the last whose base offset is ≤ it. */
    private int segmentIndexOf(long offset) {
        int lo = 0;
        int hi = segments.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (segments[mid].baseOffset() <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }
}
