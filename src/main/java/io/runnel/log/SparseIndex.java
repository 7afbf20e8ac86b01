package io.runnel.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.OptionalInt;

/**
 * A sparse, monotonic map from long keys to long values, held in memory and saved to a file.
 * A segment has two: the offset index (batch base offset → byte position in the segment) and
 * the time index (largest timestamp so far → offset after the batch that reached it).
 *
 * <p>File layout: a sequence of 16-byte entries {@code (key int64, value int64)}, keys strictly
 * increasing, then an 8-byte trailer: the CRC32C of the entries (int32) and the magic
 * {@value #MAGIC} (int32). The index is a cache: the log is the truth, and a missing, torn,
 * damaged (CRC mismatch) or inconsistent index file is rebuilt from the log.
 *
 * <p>Thread-safety: one writer (under the partition's append lock), any number of lock-free readers.
 * Entries are written before {@code size} is published; arrays are replaced when they grow, never
 * shrunk in place.
 */
final class SparseIndex {
    static final int ENTRY_SIZE = 16;
    static final int TRAILER_SIZE = 8;
    static final int MAGIC = 0x52494458; // "RIDX"

    private volatile long[] keys;
    private volatile long[] values;
    private volatile int size;

    SparseIndex() {
        keys = new long[16];
        values = new long[16];
    }

    int size() {
        return size;
    }

    long lastKey() {
        int n = size;
        return n == 0 ? Long.MIN_VALUE : keys[n - 1];
    }

    long lastValue() {
        int n = size;
        return n == 0 ? Long.MIN_VALUE : values[n - 1];
    }

    /** Adds an entry if its key is larger than the last one; returns whether it was added. */
    boolean append(long key, long value) {
        int n = size;
        if (n > 0 && key <= keys[n - 1]) {
            return false;
        }
        if (n == keys.length) {
            values = Arrays.copyOf(values, n * 2);
            keys = Arrays.copyOf(keys, n * 2);
        }
        values[n] = value;
        keys[n] = key;
        size = n + 1;
        return true;
    }

    /** Index of the last entry whose key is ≤ {@code key}, or empty. */
    OptionalInt floor(long key) {
        int n = size;
        long[] k = keys;
        int i = Arrays.binarySearch(k, 0, n, key);
        int at = i >= 0 ? i : -i - 2;
        return at < 0 ? OptionalInt.empty() : OptionalInt.of(at);
    }

    /** Index of the last entry whose key is strictly below {@code key}, or empty. */
    OptionalInt lower(long key) {
        // Nothing is below Long.MIN_VALUE, and key - 1 would wrap round to Long.MAX_VALUE.
        return key == Long.MIN_VALUE ? OptionalInt.empty() : floor(key - 1);
    }

    long keyAt(int i) {
        return keys[i];
    }

    long valueAt(int i) {
        return values[i];
    }

    /** Writes all entries to {@code file} atomically. */
    void save(Path file) throws IOException {
        int n = size;
        ByteBuffer buf = ByteBuffer.allocate(n * ENTRY_SIZE + TRAILER_SIZE);
        for (int i = 0; i < n; i++) {
            buf.putLong(keys[i]).putLong(values[i]);
        }
        buf.putInt(crc(buf.array(), n * ENTRY_SIZE)).putInt(MAGIC);
        AtomicFile.write(file, buf.array());
    }

    private static int crc(byte[] bytes, int length) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes, 0, length);
        return (int) crc.getValue();
    }

    /**
     * Loads entries from {@code file}; empty when the file is missing or fails its checks (size a
     * multiple of the entry size, keys strictly increasing, values increasing and below
     * {@code valueLimit}). The caller rebuilds from the log then.
     */
    static java.util.Optional<SparseIndex> load(Path file, long valueLimit) throws IOException {
        if (!Files.exists(file)) {
            return java.util.Optional.empty();
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long length = ch.size();
            if (length % ENTRY_SIZE != TRAILER_SIZE || length > Integer.MAX_VALUE) {
                return java.util.Optional.empty();
            }
            ByteBuffer buf = ByteBuffer.allocate((int) length);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // keep reading
            }
            buf.flip();
            int entriesLength = (int) length - TRAILER_SIZE;
            if (buf.getInt(entriesLength + 4) != MAGIC || buf.getInt(entriesLength) != crc(buf.array(), entriesLength)) {
                return java.util.Optional.empty();
            }
            buf.limit(entriesLength);
            SparseIndex index = new SparseIndex();
            long lastValue = Long.MIN_VALUE;
            while (buf.remaining() >= ENTRY_SIZE) {
                long key = buf.getLong();
                long value = buf.getLong();
                if (value < lastValue || value > valueLimit || !index.append(key, value)) {
                    return java.util.Optional.empty();
                }
                lastValue = value;
            }
            return java.util.Optional.of(index);
        }
    }
}
