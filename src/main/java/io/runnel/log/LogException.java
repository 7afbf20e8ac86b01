package io.runnel.log;

import java.io.IOException;
import java.nio.file.Path;

/** A failure of the storage engine; subclasses say which, so the web layer can map each to a status. */
public class LogException extends RuntimeException {
    public LogException(String message, Throwable cause) {
        super(message, cause);
    }

    public LogException(String message) {
        super(message);
    }

    /**
     * The exception for a write of {@code bytesNeeded} bytes under {@code dir} that failed with
     * {@code failure}: {@link StorageFull} when the file system is out of space (asked of the file
     * store, see {@link StorageErrors}), else a plain {@code LogException}. For callers outside the
     * log whose failed write left nothing behind, e.g. an {@link AtomicFile} metadata write.
     *
     * @param what what was being written, e.g. {@code "append to /data/t-0"}; the message starts with it
     */
    public static LogException ofWriteFailure(String what, IOException failure, Path dir, long bytesNeeded) {
        return StorageErrors.SYSTEM.writeFailure(what, failure, dir, bytesNeeded);
    }

    /** The disk has no room for the append; nothing of it was kept. */
    public static final class StorageFull extends LogException {
        public StorageFull(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The requested offset lies outside [logStartOffset, highWatermark]; for a read for
     * replication the upper bound reported as {@code highWatermark} is the durable end.
     */
    public static final class OffsetOutOfRange extends LogException {
        private final long logStartOffset;
        private final long highWatermark;

        public OffsetOutOfRange(long offset, long logStartOffset, long highWatermark) {
            super("offset " + offset + " is outside [" + logStartOffset + ", " + highWatermark + "]");
            this.logStartOffset = logStartOffset;
            this.highWatermark = highWatermark;
        }

        public long logStartOffset() { return logStartOffset; }
        public long highWatermark() { return highWatermark; }
    }
}
