package io.runnel.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tells a write that failed because the file system ran out of space from one that failed for
 * any other reason: the one place the {@code log} package (and, through
 * {@link LogException#ofWriteFailure}, the topic metadata) classifies write failures.
 *
 * <p>The signal is the file store itself: after an {@link IOException} from a write, a store whose
 * usable space is below what the write needed plus {@link #FULL_MARGIN_BYTES} is full. That holds
 * whatever the platform, locale or wording of the exception, and also when the exception says
 * nothing useful. The margin covers blocks the file system keeps for its own metadata and space
 * that concurrent writers took or freed between the failure and the question.
 *
 * <p>Fallback, kept on purpose: the exception's text ({@code "No space left"}, as the JDK words
 * ENOSPC, or {@code "quota"}, as it words EDQUOT). A store can refuse a write while reporting free
 * blocks — when it has run out of inodes, when a user or project quota is exhausted, or on copy-on-
 * write file systems short of metadata space — and {@link java.nio.file.FileStore#getUsableSpace}
 * sees none of these. The text is also all there is when the store cannot be asked.
 *
 * <p>What it does not do: decide what a failure means for the log. Callers whose failed write
 * left nothing behind (an append that was cut back, a metadata file written atomically) report
 * {@link LogException.StorageFull} and carry on; an fsync or a truncation that failed takes the
 * log offline whatever the cause, since the disk's state is then unknown.
 *
 * <p>Thread-safety: immutable. Nothing is persisted.
 */
final class StorageErrors {
    /** Usable space at or below which a store counts as full whatever the write needed. */
    static final long FULL_MARGIN_BYTES = 1 << 20;

    /** Asks the file store holding the directory. */
    static final StorageErrors SYSTEM = new StorageErrors(dir -> Files.getFileStore(dir).getUsableSpace());

    /** Bytes still usable by this process on the file store holding {@code dir} (a test seam). */
    @FunctionalInterface
    interface UsableSpace {
        long bytes(Path dir) throws IOException;
    }

    private final UsableSpace usableSpace;

    StorageErrors(UsableSpace usableSpace) {
        this.usableSpace = usableSpace;
    }

    /**
     * Whether {@code failure}, thrown by a write of {@code bytesNeeded} bytes under {@code dir},
     * means the file system is out of space (see the class comment for how it decides).
     */
    boolean isOutOfSpace(IOException failure, Path dir, long bytesNeeded) {
        try {
            long usable = usableSpace.bytes(existingAncestor(dir));
            if (usable < Math.max(0, bytesNeeded) + FULL_MARGIN_BYTES) {
                return true;
            }
        } catch (IOException | SecurityException e) {
            // Cannot ask the store: the exception text is all there is.
        }
        return namesLackOfSpace(failure);
    }

    /**
     * The exception to throw for {@code failure} of the write described by {@code what}:
     * {@link LogException.StorageFull} when the file system is out of space, else a plain
     * {@link LogException}.
     */
    LogException writeFailure(String what, IOException failure, Path dir, long bytesNeeded) {
        if (isOutOfSpace(failure, dir, bytesNeeded)) {
            return new LogException.StorageFull(what + ": no space left on device", failure);
        }
        return new LogException(what + " failed: " + failure.getMessage(), failure);
    }

    private static boolean namesLackOfSpace(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (message.contains("No space left") || message.contains("quota")) {
                return true;
            }
        }
        return false;
    }

    /** The file store is asked about a directory that exists: a write may fail before creating its own. */
    private static Path existingAncestor(Path dir) {
        Path p = dir.toAbsolutePath();
        while (p.getParent() != null && !Files.exists(p)) {
            p = p.getParent();
        }
        return p;
    }
}
