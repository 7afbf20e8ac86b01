package io.runnel.log;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Completes or rolls back a compaction pass that a crash interrupted, as the files say it was
 * left (the protocol is in {@link LogCleaner}), before {@link LogLoader} opens the segments:
 * <ul>
 *   <li>every {@code <base>.log.cleaned} is deleted: the pass had not reached its commit point
 *       for that group, whose sources are all intact;</li>
 *   <li>every valid {@code <base>.log.swap}, which covers the offsets from {@code base} to where
 *       its last batch ends, replaces the segments whose base lies in that range: their files are
 *       deleted (some may be gone already), then the swap is renamed to {@code <base>.log};</li>
 *   <li>an invalid swap (torn or corrupt) is deleted while {@code <base>.log} is still there (the
 *       cleaner deletes it before any other source, so all are); otherwise the open fails.</li>
 * </ul>
 * Idempotent: a crash during recovery leaves files that the next open recovers the same way.
 *
 * <p>Thread-safety: runs before the log is shared; no locks.
 */
final class CleanerRecovery {
    private CleanerRecovery() {
    }

    static void recover(Path dir, int indexIntervalBytes) throws IOException {
        List<Path> swaps = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (isNamedByOffset(name, LogCleaner.CLEANED_SUFFIX)) {
                    Files.delete(file);
                } else if (isNamedByOffset(name, LogCleaner.SWAP_SUFFIX)) {
                    swaps.add(file);
                }
            }
        }
        swaps.sort(null);
        for (Path swap : swaps) {
            complete(dir, swap, indexIntervalBytes);
        }
        AtomicFile.fsyncDirectory(dir);
    }

    private static void complete(Path dir, Path swap, int indexIntervalBytes) throws IOException {
        long base = Long.parseLong(swap.getFileName().toString().substring(0, 20));
        Path first = dir.resolve(Segment.fileName(base, Segment.LOG_SUFFIX));
        long end;
        try {
            Segment copy = Segment.openCleaned(dir, base, swap, indexIntervalBytes);
            end = copy.nextOffset();
            copy.close();
        } catch (IOException e) {
            if (Files.exists(first)) {
                Files.delete(swap); // rolled back: every source is still there
                return;
            }
            throw new IOException("cannot recover " + swap + ": it is invalid and the segments it replaces are gone", e);
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                long fileBase = segmentFileBase(file.getFileName().toString());
                if (fileBase >= base && fileBase < end) {
                    Files.delete(file);
                }
            }
        }
        AtomicFile.fsyncDirectory(dir);
        Files.move(swap, first, StandardCopyOption.ATOMIC_MOVE);
    }

    private static boolean isNamedByOffset(String name, String suffix) {
        return name.length() == 20 + suffix.length() && name.endsWith(suffix)
                && name.substring(0, 20).chars().allMatch(Character::isDigit);
    }

    /** The base offset of a segment's {@code .log}, {@code .index} or {@code .timeindex} file, or -1. */
    private static long segmentFileBase(String name) {
        for (String suffix : new String[] {Segment.LOG_SUFFIX, ".index", ".timeindex"}) {
            if (isNamedByOffset(name, suffix)) {
                return Long.parseLong(name.substring(0, 20));
            }
        }
        return -1;
    }
}
