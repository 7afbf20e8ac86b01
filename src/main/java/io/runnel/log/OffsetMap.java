package io.runnel.log;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The cleaner's key → latest offset map, in a fixed amount of memory (Kafka's
 * {@code SkimpyOffsetMap}): a key is stored as the first 16 bytes of its SHA-256 digest, so
 * every entry takes 24 bytes whatever the key's size, in an open-addressing table with linear
 * probing. Two keys whose digests share 128 bits would be taken for one; at 2<sup>-64</sup>
 * odds for billions of keys, that is accepted, as Kafka does.
 *
 * <p>The table holds at most {@link #capacity} entries (90 % of its slots, so probes stay
 * short); {@link #put} of a new key into a full map refuses, which is where the cleaner's pass
 * stops (a partial pass).
 *
 * <p>Not thread-safe: one cleaner thread builds it, then reads it.
 */
final class OffsetMap {
    /** Bytes each slot takes: two longs of digest and the offset. */
    static final int BYTES_PER_ENTRY = 24;
    private static final double LOAD_FACTOR = 0.9;
    private static final long EMPTY = -1;

    private final long[] digestHigh;
    private final long[] digestLow;
    private final long[] offsets;
    private final int capacity;
    private final MessageDigest sha256;
    private int size;
    /** The digest of the last key {@link #slotOf} hashed (fields, not a pair, to allocate nothing per record). */
    private long high;
    private long low;

    /** A map that uses about {@code memoryBytes} bytes; at least one entry fits. */
    OffsetMap(long memoryBytes) {
        int slots = (int) Math.max(2, Math.min(Integer.MAX_VALUE - 8, memoryBytes / BYTES_PER_ENTRY));
        this.digestHigh = new long[slots];
        this.digestLow = new long[slots];
        this.offsets = new long[slots];
        Arrays.fill(offsets, EMPTY);
        this.capacity = Math.max(1, (int) (slots * LOAD_FACTOR));
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    int size() {
        return size;
    }

    int capacity() {
        return capacity;
    }

    /**
     * Records {@code offset} as the latest offset of {@code key} (offsets are put in increasing
     * order). Returns false, changing nothing, when the key is new and the map is full.
     */
    boolean put(ByteBuffer key, long offset) {
        int slot = slotOf(key);
        if (offsets[slot] == EMPTY) {
            if (size >= capacity) {
                return false;
            }
            size++;
            digestHigh[slot] = high;
            digestLow[slot] = low;
        }
        offsets[slot] = offset;
        return true;
    }

    /** The latest offset put for {@code key}, or -1 if none was. */
    long get(ByteBuffer key) {
        return offsets[slotOf(key)];
    }

    /** The slot holding {@code key}'s digest, or the empty slot where it would go. */
    private int slotOf(ByteBuffer key) {
        sha256.reset();
        sha256.update(key.duplicate());
        ByteBuffer digest = ByteBuffer.wrap(sha256.digest());
        high = digest.getLong();
        low = digest.getLong();
        int slots = offsets.length;
        int slot = (int) Long.remainderUnsigned(high, slots);
        while (offsets[slot] != EMPTY && (digestHigh[slot] != high || digestLow[slot] != low)) {
            slot = slot + 1 == slots ? 0 : slot + 1;
        }
        return slot;
    }
}
