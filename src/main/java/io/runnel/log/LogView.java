package io.runnel.log;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * An immutable picture of a {@link PartitionLog} for readers: its segments, its log start offset,
 * the end of what consumers may see (the high watermark) and the end of what is durable per the
 * flush policy (what followers may replicate), each with the byte position it ends at.
 * The log replaces its view (through {@link ViewPublisher}) at each commit point, roll, retention,
 * high-watermark cap change and truncation; a reader takes the current view and reads only from it, with no lock, never past
 * {@link #visibleEnd} (or {@link #durableEnd} for replication).
 *
 * <p>Both ends are batch boundaries and {@code logStartOffset ≤ visibleEnd ≤ durableEnd}.
 * A truncation replaces the segment instances it changes (see {@link Segment}), so a view taken
 * before it reads either what it saw or fails with {@link Segment.SupersededException}.
 *
 * @param segments       the segments, oldest first
 * @param logStartOffset the first offset still in the log
 * @param visibleEnd     where data visible to consumers ends: the high watermark
 * @param durableEnd     where durable data ends
 */
record LogView(Segment[] segments, long logStartOffset, End visibleEnd, End durableEnd) {

    /** The end of a batch: the next offset and the byte position it ends at in a segment. */
    record End(long offset, Segment segment, int position) {
    }

    long highWatermark() {
        return visibleEnd.offset();
    }

    /** Readers may read segment {@code s} only below this byte position. */
    int readLimit(Segment s) {
        return readLimit(s, visibleEnd);
    }

    private static int readLimit(Segment s, End end) {
        if (s == end.segment()) {
            return end.position();
        }
        return s.baseOffset() < end.segment().baseOffset() ? s.size() : 0;
    }

    /**
     * Whole batches from the one holding {@code offset}: about {@code maxBytes} (at least one
     * batch, and at least one holding a record at or after {@code offset} if any is below the
     * end), stopping early once they hold {@code maxRecords} records from {@code offset}. Records,
     * not offsets, are counted: after compaction a batch covers more offsets than it holds records.
     */
    LogReadResult read(long offset, int maxBytes, int maxRecords) throws IOException {
        return read(offset, maxBytes, maxRecords, visibleEnd);
    }

    /** As {@link #read}, but up to the durable end; the result still reports the high watermark. */
    LogReadResult readForReplication(long offset, int maxBytes) throws IOException {
        return read(offset, maxBytes, Integer.MAX_VALUE, durableEnd);
    }

    private LogReadResult read(long offset, int maxBytes, int maxRecords, End upTo) throws IOException {
        long end = upTo.offset();
        long hw = highWatermark();
        if (offset < logStartOffset || offset > end) {
            throw new LogException.OffsetOutOfRange(offset, logStartOffset, end);
        }
        List<RecordBatch> batches = new ArrayList<>();
        int budget = maxBytes;
        long records = 0;
        for (int i = segmentIndexOf(offset); i < segments.length && offset < end; i++) {
            Segment s = segments[i];
            int limit = readLimit(s, upTo);
            OptionalInt start = s.positionOf(offset, limit);
            if (start.isEmpty()) {
                continue;
            }
            int position = start.getAsInt();
            Optional<RecordBatch> header;
            while ((header = s.readHeader(position, limit)).isPresent()) {
                long declared = header.get().declaredSize();
                if (declared < RecordBatch.HEADER_SIZE || declared > limit - position) {
                    throw new IOException("corrupt batch header at " + position + " of " + s.logFile());
                }
                int size = (int) declared;
                // Budgets count only once a record at or after offset was found: after compaction
                // the first batches read may hold none, and a reader must always get one to move on.
                if (!batches.isEmpty() && records > 0 && size > budget) {
                    return new LogReadResult(batches, hw, logStartOffset);
                }
                RecordBatch batch = s.readBatch(position, size);
                batches.add(batch);
                budget -= size;
                position += size;
                records += batch.recordsFrom(offset);
                if (records > 0 && (budget <= 0 || records >= maxRecords)) {
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

    /**
     * The last batch boundary at or below {@code offset} in the durable part of the log: where
     * the batch holding {@code offset} starts, or {@code offset} itself when a batch starts there.
     * {@code offset} must lie in [logStartOffset, durable end].
     */
    End boundaryAtOrBelow(long offset) throws IOException {
        if (offset >= durableEnd.offset()) {
            return durableEnd;
        }
        Segment s = segments[segmentIndexOf(offset)];
        if (offset <= s.baseOffset()) {
            return new End(s.baseOffset(), s, 0);
        }
        int limit = readLimit(s, durableEnd);
        OptionalInt position = s.positionOf(offset, limit);
        if (position.isEmpty()) {
            throw new IOException("no batch holds offset " + offset + " in " + s.logFile());
        }
        RecordBatch header = s.readHeader(position.getAsInt(), limit).orElseThrow();
        return new End(header.baseOffset(), s, position.getAsInt());
    }

    /**
     * The high watermark that a cap of {@code cap} gives this view: the last batch boundary at or
     * below {@code min(durable end, cap)}, never below the log start.
     */
    End cappedEnd(long cap) throws IOException {
        long limit = Math.max(cap, logStartOffset);
        return limit >= durableEnd.offset() ? durableEnd : boundaryAtOrBelow(limit);
    }

    /** Where the segment holding {@code offset} starts: a boundary at or below it needing no read. */
    End segmentStartAt(long offset) {
        Segment s = segments[segmentIndexOf(offset)];
        return new End(s.baseOffset(), s, 0);
    }

    /** Index of the segment holding {@code offset}: the last whose base offset is ≤ it. */
    int segmentIndexOf(long offset) {
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
