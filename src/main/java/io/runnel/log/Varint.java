package io.runnel.log;

import java.nio.ByteBuffer;

/** Zig-zag variable-length integers, as used by Kafka's record format and protobuf. */
final class Varint {
    private Varint() {
    }

    static int sizeOfInt(int value) {
        return sizeOfLong(value);
    }

    static int sizeOfLong(long value) {
        long v = (value << 1) ^ (value >> 63);
        int bytes = 1;
        while ((v & 0xffffffffffffff80L) != 0L) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    static void writeInt(int value, ByteBuffer out) {
        writeLong(value, out);
    }

    static void writeLong(long value, ByteBuffer out) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & 0xffffffffffffff80L) != 0L) {
            out.put((byte) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
    }

    static int readInt(ByteBuffer in) {
        long value = readLong(in);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("varint out of int range");
        }
        return (int) value;
    }

    static long readLong(ByteBuffer in) {
        long raw = 0;
        int shift = 0;
        while (true) {
            byte b = in.get();
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
            if (shift > 63) {
                throw new IllegalArgumentException("varint too long");
            }
        }
        return (raw >>> 1) ^ -(raw & 1);
    }
}
