package io.runnel.connect.mirror;

import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Where the records of one source partition went in its target partition, as this task wrote them: one
 * {@link Segment} per produce request (a request's records are appended together, so their target offsets are
 * consecutive), the newest {@value #MAX_SEGMENTS} kept. Also the copy's position ({@code position}, the next source
 * offset to copy; every source record below it is either in the target or was skipped) and the target's next
 * offset. {@link #translate} answers MirrorMaker's checkpoint question: where does a consumer that has read the
 * source up to {@code S} resume on the target? At the first target record whose source offset is ≥ S.
 *
 * <p>Not thread-safe: the partition's copy loop owns it; checkpoints ask it on the same chain or under its lock
 * ({@link PartitionMirror} synchronizes).
 */
final class OffsetMap {
    static final int MAX_SEGMENTS = 4096;

    /**
     * Records copied by one request: source offsets {@code sources} (ascending; {@code null} when they are
     * {@code sourceFirst..sourceLast} without gaps) at target offsets {@code targetFirst} onwards.
     */
    record Segment(long sourceFirst, long sourceLast, long targetFirst, long[] sources) {
        /** The target offset of the first record of this segment whose source offset is ≥ {@code s}, s ≤ sourceLast. */
        long targetOf(long s) {
            if (s <= sourceFirst) {
                return targetFirst;
            }
            if (sources == null) {
                return targetFirst + (s - sourceFirst);
            }
            int i = java.util.Arrays.binarySearch(sources, s);
            return targetFirst + (i >= 0 ? i : -i - 1);
        }
    }

    private final TreeMap<Long, Segment> segments = new TreeMap<>();
    private long position;
    private long targetNext;
    private boolean known;

    /** Starts (again) from the target's tail: copying resumes at {@code position}; the target's next offset is {@code targetNext}. */
    void reset(long position, long targetNext) {
        segments.clear();
        this.position = position;
        this.targetNext = targetNext;
        this.known = true;
    }

    /** Every source record below {@code position} is now copied or skipped, with nothing written. */
    void skipped(long position) {
        this.position = Math.max(this.position, position);
    }

    /** {@code sources} (ascending) were written at {@code targetFirst} onwards; copying goes on at {@code position}. */
    void written(long[] sources, long targetFirst, long position) {
        long first = sources[0];
        long last = sources[sources.length - 1];
        boolean dense = last - first == sources.length - 1;
        segments.put(first, new Segment(first, last, targetFirst, dense ? null : sources.clone()));
        while (segments.size() > MAX_SEGMENTS) {
            segments.pollFirstEntry();
        }
        this.targetNext = targetFirst + sources.length;
        this.position = Math.max(this.position, position);
    }

    long position() {
        return position;
    }

    long targetNext() {
        return targetNext;
    }

    /**
     * The target offset of the first copied record whose source offset is ≥ {@code s}: empty when not copied yet
     * ({@code s} beyond the position) or older than what is remembered (then search the target's records).
     */
    OptionalLong translate(long s) {
        if (!known || s > position) {
            return OptionalLong.empty();
        }
        Map.Entry<Long, Segment> floor = segments.floorEntry(s);
        if (floor == null) {
            Map.Entry<Long, Segment> first = segments.firstEntry();
            // nothing remembered below s: only certain when nothing at all was written since the reset and s is the position
            return first == null && s == position ? OptionalLong.of(targetNext) : OptionalLong.empty();
        }
        if (s <= floor.getValue().sourceLast()) {
            return OptionalLong.of(floor.getValue().targetOf(s));
        }
        Map.Entry<Long, Segment> next = segments.higherEntry(s);
        return OptionalLong.of(next == null ? targetNext : next.getValue().targetFirst());
    }
}
