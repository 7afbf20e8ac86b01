package io.runnel.log;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Opens a {@link PartitionLog}'s directory and recovers it, as the log's files say it was left.
 *
 * <p>Steps: complete or roll back a compaction that a crash interrupted ({@link CleanerRecovery});
 * complete a {@link PartitionLog#truncateFullyAndStartAt} that a crash interrupted (its
 * {@value PartitionLog#RESET_MARKER} marker is the commit point); delete leftover {@code .tmp}
 * files; open the segments in offset order — after a clean close ({@value
 * PartitionLog#CLEAN_SHUTDOWN} present) or below the {@link RecoveryPoint} their saved indexes are
 * used, otherwise every batch is validated (length, order, CRC32C), the file is cut at the first
 * bad byte and the indexes rebuilt; delete every segment after a gap (a segment that lost its
 * tail makes everything after it unreachable); remove the clean-shutdown marker. The epoch cache
 * then drops entries past the log end and below the log start, or is rebuilt from the batch
 * headers when its file is missing or malformed. Last, the {@link ProducerStates} are rebuilt from
 * the headers of the segments that can hold batches inside the producer window.
 *
 * <p>Owns the clean-shutdown marker: {@link #markCleanShutdown} writes it at close, an open
 * consumes it, so it is present only between a clean close and the next open.
 *
 * <p>Thread-safety: runs before the log is shared; no locks.
 */
final class LogLoader {
    private final Path dir;
    private final LogConfig config;
    private final Clock clock;
    private final long producerWindowMs;

    /**
     * What an open found: the first view, the epochs, the recovery point, the active segment's age
     * and the producer states.
     */
    record Loaded(LogView view, LeaderEpochCache epochs, RecoveryPoint recoveryPoint, long activeSegmentOpenedMs,
                  ProducerStates producers) {
    }

    private LogLoader(Path dir, LogConfig config, Clock clock, long producerWindowMs) {
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.producerWindowMs = producerWindowMs;
    }

    /**
     * Opens (creating if needed) the log in {@code dir}, recovering it if it was not closed cleanly,
     * and rebuilds its producer states for a window of {@code producerWindowMs}.
     */
    static Loaded load(Path dir, LogConfig config, Clock clock, long producerWindowMs) throws IOException {
        return new LogLoader(dir, config, clock, producerWindowMs).load();
    }

    /** Marks a clean close, after the active segment was forced and its indexes saved. */
    static void markCleanShutdown(Path dir) throws IOException {
        AtomicFile.write(dir.resolve(PartitionLog.CLEAN_SHUTDOWN), new byte[0]);
    }

    private Loaded load() throws IOException {
        Files.createDirectories(dir);
        CleanerRecovery.recover(dir, config.indexIntervalBytes());
        completeReset();
        boolean clean = Files.exists(dir.resolve(PartitionLog.CLEAN_SHUTDOWN));
        RecoveryPoint recoveryPoint = RecoveryPoint.read(dir);
        List<Long> bases = segmentBaseOffsets();
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < bases.size(); i++) {
            long base = bases.get(i);
            boolean belowRecoveryPoint = i + 1 < bases.size() && bases.get(i + 1) <= recoveryPoint.offset();
            Segment segment = Segment.open(dir, base, config.indexIntervalBytes(), clean || belowRecoveryPoint);
            if (!segments.isEmpty() && segments.get(segments.size() - 1).nextOffset() != base) {
                // A gap: the previous segment lost its tail, so everything after it is unreachable.
                segment.close();
                segment.deleteFiles();
                continue;
            }
            segments.add(segment);
        }
        if (segments.isEmpty()) {
            segments.add(Segment.create(dir, recoveryPoint.offset(), config.indexIntervalBytes()));
        }
        Files.deleteIfExists(dir.resolve(PartitionLog.CLEAN_SHUTDOWN));
        AtomicFile.fsyncDirectory(dir);
        Segment active = segments.get(segments.size() - 1);
        long openedMs = active.isEmpty() ? clock.millis() : Math.min(clock.millis(), active.firstBatchTimestamp());
        LogView.End end = new LogView.End(active.nextOffset(), active, active.size());
        LogView view = new LogView(segments.toArray(new Segment[0]), segments.get(0).baseOffset(), end, end);
        ProducerStates producers = ProducerStates.rebuild(view.segments(), producerWindowMs, clock);
        return new Loaded(view, loadEpochs(view), recoveryPoint, openedMs, producers);
    }

    /**
     * Loads the epoch cache and drops what recovery cut off, or rebuilds it from every batch
     * header when its file is missing or malformed.
     */
    private LeaderEpochCache loadEpochs(LogView view) throws IOException {
        Path file = dir.resolve(LeaderEpochCache.FILE);
        long end = view.durableEnd().offset();
        Optional<LeaderEpochCache> loaded = LeaderEpochCache.load(file);
        if (loaded.isPresent()) {
            LeaderEpochCache epochs = loaded.get();
            boolean changed = epochs.truncateFromEnd(end);
            changed |= epochs.truncateFromStart(view.logStartOffset(), end);
            if (changed) {
                epochs.persist();
            }
            return epochs;
        }
        LeaderEpochCache rebuilt = LeaderEpochCache.empty(file);
        for (Segment s : view.segments()) {
            s.forEachHeader(h -> {
                if (h.leaderEpoch() > rebuilt.latestEpoch()) {
                    rebuilt.assign(h.leaderEpoch(), h.baseOffset());
                }
            });
        }
        rebuilt.persist();
        return rebuilt;
    }

    /**
     * Finishes a {@link PartitionLog#truncateFullyAndStartAt} that a crash interrupted: once its
     * marker is written the old log is gone, so every segment file goes and the log restarts empty there.
     */
    private void completeReset() throws IOException {
        Path marker = dir.resolve(PartitionLog.RESET_MARKER);
        if (!Files.exists(marker)) {
            return;
        }
        long offset;
        try {
            offset = Long.parseLong(Files.readString(marker).trim());
        } catch (NumberFormatException e) {
            // AtomicFile never leaves a partial marker; an unreadable one is not ours to act on.
            Files.delete(marker);
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                if (isSegmentFile(file.getFileName().toString())) {
                    Files.delete(file);
                }
            }
        }
        Files.deleteIfExists(dir.resolve(CleanerCheckpoint.FILE));
        RecoveryPoint.write(dir, offset);
        LeaderEpochCache.empty(dir.resolve(LeaderEpochCache.FILE)).persist();
        Files.delete(marker);
        AtomicFile.fsyncDirectory(dir);
    }

    private static boolean isSegmentFile(String name) {
        for (String suffix : new String[] {Segment.LOG_SUFFIX, ".index", ".timeindex"}) {
            if (name.length() == 20 + suffix.length() && name.endsWith(suffix)
                    && name.substring(0, 20).chars().allMatch(Character::isDigit)) {
                return true;
            }
        }
        return false;
    }

    private List<Long> segmentBaseOffsets() throws IOException {
        List<Long> bases = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.delete(file);
                } else if (name.endsWith(Segment.LOG_SUFFIX) && name.length() == 20 + Segment.LOG_SUFFIX.length()) {
                    bases.add(Long.parseLong(name.substring(0, 20)));
                }
            }
        }
        bases.sort(null);
        return bases;
    }
}
