package io.runnel.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compacts one {@link PartitionLog} (Kafka's log cleaner): keeps, for every key, its latest record,
 * and drops tombstones ({@code value} absent) once they have been in the clean part of the log
 * for {@code delete.retention.ms}.
 *
 * <p><b>A pass.</b> The cleanable range is the closed segments from the log start up to the first
 * that is not wholly below the bound (the high watermark), or whose newest record is younger than
 * {@code min.compaction.lag.ms}; the active segment is never cleaned. Its dirty part starts at the
 * {@link CleanerCheckpoint}'s first dirty offset. The pass builds the {@link OffsetMap} of the
 * dirty part (key → latest offset); when the map fills, the pass covers only the dirty part up to
 * the first record that did not fit (a partial pass: the rest is the next pass's). It then copies
 * every segment from the log start to the one holding that end, keeping the records that
 * {@link RecordFilter} keeps: the latest of each key, keyless ones, those past the covered end,
 * and tombstones not yet clean for {@code delete.retention.ms}; the log end offset never moves.
 * Offsets, order, timestamps, headers and batch header fields of what remains are kept, and a
 * batch left empty gives its offsets to a neighbour of its leader epoch
 * ({@link CleanedSegmentWriter}). Consecutive sources go into one copy while it stays within
 * {@code segment.bytes}; a copy ends only once it holds a record, so sources whose records were
 * all removed join a neighbour instead of keeping a segment of their own.
 *
 * <p><b>Where a record may stay that could go</b> (compaction keeps <em>at least</em> the latest
 * record of each key): a batch emptied where no neighbour in its copy has its leader epoch, or a
 * producer's batch newer than the producer window ({@link ProducerStates} are rebuilt from batch
 * headers at open), keeps its last record.
 *
 * <p><b>Swap protocol.</b> Each group of source segments {@code S1..Sn} (base offset {@code B})
 * is replaced by one file; the steps, what a crash right after a step leaves, and what
 * {@link CleanerRecovery} (called by {@link LogLoader} before it opens the segments) does then:
 * <ol>
 *   <li>{@link Step#CLEANED_WRITTEN}: write {@code B.log.cleaned} for every group and fsync it.
 *       Crash: {@code .cleaned} files, maybe torn, beside the intact old segments → deleted: the
 *       pass is rolled back.</li>
 *   <li>{@link Step#RENAMED_TO_SWAP} (under the append lock, from here on): check that the log
 *       still lists the same source segments (retention or truncation may have changed it; then
 *       the pass is abandoned), rename each {@code B.log.cleaned} to {@code B.log.swap}, fsync the
 *       directory. The rename of one group is its commit point. Crash: for every group renamed,
 *       a complete {@code .swap} and its sources → recovery completes the swap: it deletes the
 *       {@code .log} files whose base lies in the swap's offset range, then renames the swap to
 *       {@code .log}; groups not renamed are rolled back as in step 1. Each group is a
 *       self-contained replacement of an offset range, so a mix is a valid log.</li>
 *   <li>{@link Step#VIEW_PUBLISHED}: publish a view listing the copies in place of the sources
 *       (memory only). Readers holding the old view go on reading the old instances, whose files
 *       stay open until the {@link SegmentCloser} closes them a minute later.</li>
 *   <li>{@link Step#OLD_DELETED}: delete the sources' files — each group's first source
 *       ({@code B.log}) first, then a directory fsync, then the others and another fsync, so a
 *       recovery that finds {@code B.log} beside the swap knows every other source is there too.
 *       Crash: as step 2 (some sources already gone).</li>
 *   <li>{@link Step#SWAPPED}: rename each {@code B.log.swap} to {@code B.log}, fsync the directory;
 *       save the copies' indexes. Crash: a swap renamed is an ordinary segment (its sources are
 *       gone), the rest as step 4.</li>
 *   <li>{@link Step#CHECKPOINTED}: write the {@link CleanerCheckpoint}. Crash before: the next pass
 *       cleans the range again.</li>
 * </ol>
 * A {@code .swap} that recovery finds invalid (torn or corrupt, which the fsync before its rename
 * rules out unless the disk lies) is deleted while its first source {@code B.log} is still there
 * (every source is then intact); without it the open fails rather than guess.
 * An I/O failure in steps 2–5 of a running log takes the log offline (its files no longer match
 * its view) until it is opened again, which recovers as above; one in step 1 or 6 does not.
 *
 * <p><b>Thread-safety.</b> One pass at a time per log (the clean lock, taken before and outside
 * the log's lock hierarchy). Reading the sources and writing the copies take no lock: closed
 * segments do not change, and the check of step 2 catches a retention or truncation meanwhile.
 * Steps 2–6 hold the append lock, so appends wait for renames and directory fsyncs but never for
 * the copy. A pass also stops, doing nothing, when the view's high watermark was lowered into its
 * sources meanwhile, or when a source was closed under it.
 */
final class LogCleaner {
    static final String CLEANED_SUFFIX = ".log.cleaned";
    static final String SWAP_SUFFIX = ".log.swap";

    /** The steps of a pass, for tests that stop it at one (see the class comment). */
    enum Step { CLEANED_WRITTEN, RENAMED_TO_SWAP, VIEW_PUBLISHED, OLD_DELETED, SWAPPED, CHECKPOINTED }

    /** Called after each step; tests use it to copy the directory as a crash would leave it, or to fail. */
    @FunctionalInterface
    interface StepHook {
        StepHook NONE = step -> { };

        void after(Step step) throws IOException;
    }

    private final LogContext ctx;
    private final ViewPublisher views;
    private final LogAppender appender;
    private final SegmentCloser closer;
    private final long producerWindowMs;
    private final Object cleanLock = new Object();
    private volatile StepHook hook = StepHook.NONE;

    LogCleaner(LogContext ctx, ViewPublisher views, LogAppender appender, SegmentCloser closer, long producerWindowMs) {
        this.ctx = ctx;
        this.views = views;
        this.appender = appender;
        this.closer = closer;
        this.producerWindowMs = producerWindowMs;
    }

    void hook(StepHook hook) {
        this.hook = hook;
    }

    /** One group of consecutive source segments (filled as the copy is written) and the file that replaces them. */
    private record Group(List<Segment> sources, Path cleaned) {
        long base() {
            return sources.get(0).baseOffset();
        }

        Path swap() {
            return cleaned.resolveSibling(Segment.fileName(base(), SWAP_SUFFIX));
        }
    }

    /** What a pass writes: the groups, their writers and copies, and where the view's ends move. */
    private record Output(List<Group> groups, List<CleanedSegmentWriter> writers, List<Segment> copies,
                          Map<Segment, LogView.End> movedEnds) {
    }

    /** What a pass covers: the sources, the dirty start, where the map ends and the last record before it. */
    private record Plan(Segment[] sources, long firstDirty, long mapEnd, long lastRecord, boolean partial) {
    }

    /** See {@link PartitionLog#clean}. */
    CleanResult clean(CleanerConfig config, long bound) {
        synchronized (cleanLock) {
            closer.closeDue(false);
            try {
                return cleanOnce(config, bound);
            } catch (java.nio.channels.ClosedChannelException | Segment.SupersededException e) {
                // Retention or a truncation removed a source while it was read: the next pass sees the new log.
                return CleanResult.nothing(views.current().logStartOffset());
            } catch (IOException e) {
                throw new LogException("cleaning of " + ctx.dir + " failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Kafka's cleanable ratio: the bytes of the closed segments that hold offsets no pass has
     * cleaned, over the bytes of all closed segments (the active segment is never cleaned, so it
     * counts in neither); 0 when there is no closed segment.
     */
    double dirtyRatio() {
        LogView v = views.current();
        long firstDirty;
        try {
            firstDirty = CleanerCheckpoint.read(ctx.dir).firstDirtyOffset();
        } catch (IOException e) {
            firstDirty = 0;
        }
        long dirty = 0;
        long total = 0;
        Segment[] segments = v.segments();
        for (int i = 0; i < segments.length - 1; i++) {
            total += segments[i].size();
            if (segments[i].nextOffset() > firstDirty) {
                dirty += segments[i].size();
            }
        }
        return total == 0 ? 0 : (double) dirty / total;
    }

    private CleanResult cleanOnce(CleanerConfig config, long bound) throws IOException {
        long now = ctx.clock.millis();
        CleanerCheckpoint checkpoint = CleanerCheckpoint.read(ctx.dir);
        LogView view = views.current();
        if (checkpoint.firstDirtyOffset() > appender.writtenEnd().offset()) {
            checkpoint = CleanerCheckpoint.EMPTY; // stale: the log was cut below it and the file not rewritten
        }
        long firstDirty = Math.max(checkpoint.firstDirtyOffset(), view.logStartOffset());
        Segment[] cleanable = cleanableSegments(view, config, Math.min(bound, view.highWatermark()), now);
        if (cleanable.length == 0 || cleanable[cleanable.length - 1].nextOffset() <= firstDirty) {
            return CleanResult.nothing(firstDirty);
        }
        OffsetMap map = new OffsetMap(config.offsetMapBytes());
        Plan plan = buildMap(cleanable, firstDirty, map);
        if (plan.mapEnd() <= firstDirty) {
            return CleanResult.nothing(firstDirty);
        }
        RecordFilter filter = new RecordFilter(map, plan.mapEnd(), plan.lastRecord(), checkpoint, config, now);
        List<Group> groups = new ArrayList<>();
        List<CleanedSegmentWriter> writers = new ArrayList<>();
        Map<Segment, LogView.End> movedEnds = new IdentityHashMap<>();
        List<Segment> copies = new ArrayList<>();
        try {
            writeCopies(plan.sources(), filter, now, new Output(groups, writers, copies, movedEnds));
            hook.after(Step.CLEANED_WRITTEN);
        } catch (IOException | RuntimeException e) {
            abandon(groups, copies);
            throw e;
        }
        if (!swap(view, plan, groups, copies, movedEnds)) {
            return CleanResult.nothing(firstDirty);
        }
        long before = Arrays.stream(plan.sources()).mapToLong(Segment::size).sum();
        long after = copies.stream().mapToLong(Segment::size).sum();
        long kept = writers.stream().mapToLong(CleanedSegmentWriter::recordsKept).sum();
        return new CleanResult(plan.sources().length, copies.size(), before, after, filter.recordsSeen() - kept,
                plan.mapEnd(), plan.partial());
    }

    /** The closed segments from the log start that lie wholly below {@code bound} and are older than the lag. */
    private Segment[] cleanableSegments(LogView view, CleanerConfig config, long bound, long now) {
        Segment[] segments = view.segments();
        Segment active = appender.writtenEnd().segment();
        int n = 0;
        while (n < segments.length - 1 && segments[n] != active && segments[n].nextOffset() <= bound
                && now - segments[n].maxTimestamp() >= config.minCompactionLagMs()) {
            n++;
        }
        return Arrays.copyOf(segments, n);
    }

    /** Puts the keys of the dirty records into {@code map}, until it is full or the cleanable range ends. */
    private Plan buildMap(Segment[] cleanable, long firstDirty, OffsetMap map) throws IOException {
        long end = cleanable[cleanable.length - 1].nextOffset();
        long[] mapEnd = {end};
        long[] lastRecord = {-1};
        for (Segment s : cleanable) {
            if (s.nextOffset() <= firstDirty) {
                continue;
            }
            s.forEachBatch(batch -> {
                if (batch.lastOffset() < firstDirty) {
                    return true;
                }
                batch.forEachRecordRaw((offset, timestampDelta, key, value, headers) -> {
                    if (offset < firstDirty || mapEnd[0] < end) {
                        return;
                    }
                    if (key != null && !map.put(key, offset)) {
                        mapEnd[0] = offset;
                        return;
                    }
                    lastRecord[0] = offset;
                });
                return mapEnd[0] == end;
            });
            if (mapEnd[0] < end) {
                break;
            }
        }
        int count = 0;
        while (count < cleanable.length && cleanable[count].baseOffset() < mapEnd[0]) {
            count++;
        }
        return new Plan(Arrays.copyOf(cleanable, count), firstDirty, mapEnd[0], lastRecord[0], mapEnd[0] < end);
    }

    /**
     * Writes the copies of {@code sources}, consecutive sources going into one copy while it stays
     * within {@code segment.bytes}; a copy ends only once it holds a record, so that a group of
     * sources whose records were all removed joins its neighbour rather than keep one.
     */
    private void writeCopies(Segment[] sources, RecordFilter filter, long now, Output output) throws IOException {
        List<Group> groups = output.groups();
        List<Segment> copies = output.copies();
        Map<Segment, LogView.End> movedEnds = output.movedEnds();
        long producerHorizon = now - producerWindowMs;
        int limit = ctx.config().segmentBytes();
        CleanedSegmentWriter writer = null;
        try {
            for (Segment source : sources) {
                if (writer != null && writer.hasRecords() && writer.size() + source.size() > limit) {
                    copies.add(finishCopy(groups.get(groups.size() - 1), writer, movedEnds));
                    writer = null;
                }
                if (writer == null) {
                    Group g = new Group(new ArrayList<>(), ctx.dir.resolve(Segment.fileName(source.baseOffset(), CLEANED_SUFFIX)));
                    Files.deleteIfExists(g.cleaned()); // left by a pass that failed without a restart
                    groups.add(g);
                    writer = new CleanedSegmentWriter(g.cleaned());
                    output.writers().add(writer);
                }
                groups.get(groups.size() - 1).sources().add(source);
                CleanedSegmentWriter out = writer;
                source.forEachBatch(batch -> {
                    out.add(filter.apply(batch), !batch.hasProducer() || batch.maxTimestamp() < producerHorizon);
                    return true;
                });
            }
            copies.add(finishCopy(groups.get(groups.size() - 1), writer, movedEnds));
        } catch (IOException | RuntimeException e) {
            if (writer != null) {
                writer.close();
            }
            throw e;
        }
    }

    /** Forces and closes a copy, then opens it as a segment (which validates it). */
    private Segment finishCopy(Group g, CleanedSegmentWriter writer, Map<Segment, LogView.End> movedEnds) throws IOException {
        writer.finish();
        writer.close();
        Segment copy = Segment.openCleaned(ctx.dir, g.base(), g.cleaned(), ctx.config().indexIntervalBytes());
        Segment last = g.sources().get(g.sources().size() - 1);
        if (copy.nextOffset() != last.nextOffset()) {
            copy.close();
            throw new IOException("cleaned copy " + g.cleaned() + " ends at " + copy.nextOffset() + ", not where its sources do");
        }
        // An end of the view lying in a source is at the end of the last one (see swap).
        movedEnds.put(last, new LogView.End(last.nextOffset(), copy, copy.size()));
        return copy;
    }

    /**
     * Steps 2 to 5 of the protocol, under the append lock. Returns false, having changed nothing,
     * when the log no longer lists the sources.
     */
    private boolean swap(LogView planned, Plan plan, List<Group> groups, List<Segment> copies,
                         Map<Segment, LogView.End> movedEnds) throws IOException {
        Segment[] sources = plan.sources();
        assert ctx.mayTakeAppendLock() : "lock order";
        synchronized (ctx.appendLock) {
            LogView v = views.current();
            Segment[] current = v.segments();
            boolean unchanged = !ctx.isClosed() && !ctx.failed() && current.length > sources.length
                    && v.logStartOffset() == planned.logStartOffset()
                    && Arrays.equals(Arrays.copyOf(current, sources.length), sources)
                    && Arrays.stream(sources).noneMatch(s -> s == appender.writtenEnd().segment())
                    && movable(v.visibleEnd(), sources, movedEnds) && movable(v.durableEnd(), sources, movedEnds);
            if (!unchanged) {
                abandon(groups, copies);
                return false;
            }
            try {
                for (Group g : groups) {
                    Files.move(g.cleaned(), g.swap(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
                AtomicFile.fsyncDirectory(ctx.dir);
                hook.after(Step.RENAMED_TO_SWAP);
                Segment[] next = new Segment[current.length - sources.length + copies.size()];
                for (int i = 0; i < copies.size(); i++) {
                    next[i] = copies.get(i);
                }
                System.arraycopy(current, sources.length, next, copies.size(), current.length - sources.length);
                views.replaceCleaned(next, movedEnds);
                long now = ctx.clock.millis();
                for (Segment s : sources) {
                    closer.retire(s, now);
                }
                hook.after(Step.VIEW_PUBLISHED);
                deleteSources(groups);
                hook.after(Step.OLD_DELETED);
                for (Group g : groups) {
                    Files.move(g.swap(), g.swap().resolveSibling(Segment.fileName(g.base(), Segment.LOG_SUFFIX)),
                            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
                AtomicFile.fsyncDirectory(ctx.dir);
                for (Segment copy : copies) {
                    saveIndexesQuietly(copy);
                }
                hook.after(Step.SWAPPED);
            } catch (IOException | RuntimeException e) {
                IOException cause = e instanceof IOException io ? io : new IOException(e);
                ctx.fail(cause);
                throw cause;
            }
            try {
                // Read again under the lock: a truncation meanwhile may have cut the history back.
                CleanerCheckpoint.read(ctx.dir).cleanedTo(plan.mapEnd(), ctx.clock.millis()).write(ctx.dir);
            } catch (IOException e) {
                // The files match the view: the next pass takes the range for dirty and cleans it again.
            }
            hook.after(Step.CHECKPOINTED);
            return true;
        }
    }

    /**
     * Whether {@code end} stays valid once the sources are replaced: it lies in no source, or at
     * the end of a group's last one, where its copy ends. Sources lie wholly below the high
     * watermark the pass was given, so this fails only if the high watermark went down meanwhile.
     */
    private static boolean movable(LogView.End end, Segment[] sources, Map<Segment, LogView.End> movedEnds) {
        if (Arrays.stream(sources).noneMatch(s -> s == end.segment())) {
            return true;
        }
        LogView.End moved = movedEnds.get(end.segment());
        return moved != null && moved.offset() == end.offset();
    }

    /** Deletes the files of the sources: each group's first, then the others (see step 4). */
    private void deleteSources(List<Group> groups) throws IOException {
        for (Group g : groups) {
            g.sources().get(0).deleteFiles();
        }
        AtomicFile.fsyncDirectory(ctx.dir);
        for (Group g : groups) {
            for (Segment s : g.sources().subList(1, g.sources().size())) {
                s.deleteFiles();
            }
        }
        AtomicFile.fsyncDirectory(ctx.dir);
    }

    /** Rolls a pass back before its commit point: closes the copies and deletes their files. */
    private void abandon(List<Group> groups, List<Segment> copies) {
        copies.forEach(SegmentCloser::closeQuietly);
        for (Group g : groups) {
            try {
                Files.deleteIfExists(g.cleaned());
            } catch (IOException e) {
                // An open deletes it.
            }
        }
    }

    private static void saveIndexesQuietly(Segment segment) {
        try {
            segment.saveIndexes();
        } catch (IOException e) {
            // The index is a cache: rebuilt from the log at open.
        }
    }
}
