package io.runnel.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The log's recovery point: an offset below which every byte is known to be on disk, so an open
 * after a crash validates only the segments from it on.
 *
 * <p>File {@value PartitionLog#RECOVERY_POINT}: the offset in ASCII decimal, written with
 * {@link AtomicFile} at each roll, truncation and clean close. A missing or unreadable file reads
 * as 0 (validate everything): a stale or lost recovery point costs time at open, never data.
 *
 * <p>Thread-safety: {@link #write} and {@link #offset} are called under the append lock.
 */
final class RecoveryPoint {
    private final Path file;
    private long offset;

    private RecoveryPoint(Path file, long offset) {
        this.file = file;
        this.offset = offset;
    }

    /** Reads the recovery point of the log in {@code dir}. */
    static RecoveryPoint read(Path dir) throws IOException {
        Path file = dir.resolve(PartitionLog.RECOVERY_POINT);
        if (!Files.exists(file)) {
            return new RecoveryPoint(file, 0);
        }
        try {
            return new RecoveryPoint(file, Long.parseLong(Files.readString(file).trim()));
        } catch (NumberFormatException e) {
            return new RecoveryPoint(file, 0); // validate everything
        }
    }

    /** Writes {@code offset} as the recovery point of the log in {@code dir}, with no instance open. */
    static void write(Path dir, long offset) throws IOException {
        AtomicFile.write(dir.resolve(PartitionLog.RECOVERY_POINT), ascii(offset));
    }

    static byte[] ascii(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    /** The recovery point last written or read. */
    long offset() {
        return offset;
    }

    /** Makes {@code offset} the recovery point, on disk first. */
    void write(long offset) throws IOException {
        AtomicFile.write(file, ascii(offset));
        this.offset = offset;
    }
}
