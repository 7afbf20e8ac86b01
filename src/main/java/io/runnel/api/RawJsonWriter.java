package io.runnel.api;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A small buffered writer of JSON text for record responses: stored keys, values and headers are
 * copied in as the bytes they are (already valid JSON), everything else is ASCII the caller
 * controls (numbers, timestamps, names from the {@code [a-zA-Z0-9._-]} alphabet), so nothing
 * needs escaping. I/O errors are unchecked so the writer can be used inside record visitors.
 * Not thread-safe.
 */
public final class RawJsonWriter {
    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY_OBJECT = "{}".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private final byte[] buf = new byte[16 * 1024];
    private int n;

    public RawJsonWriter(OutputStream out) {
        this.out = out;
    }

    /** Writes ASCII text as is. */
    public RawJsonWriter ascii(String s) {
        int len = s.length();
        if (len > buf.length - n) {
            drain();
            if (len > buf.length) {
                write(s.getBytes(StandardCharsets.US_ASCII), 0, len);
                return this;
            }
        }
        for (int i = 0; i < len; i++) {
            buf[n++] = (byte) s.charAt(i);
        }
        return this;
    }

    public RawJsonWriter number(long v) {
        return ascii(Long.toString(v));
    }

    /**
     * Writes one record object: {@code {"topic":…,"partition":…,"offset":…,"timestamp":"…","key":…,"value":…,"headers":{…}}},
     * without topic and partition when {@code topic} is null. Absent key/value are {@code null},
     * absent headers {@code {}}.
     */
    public RawJsonWriter record(String topic, int partition, long offset, long timestamp,
                                ByteBuffer key, ByteBuffer value, ByteBuffer headers) {
        if (topic != null) {
            ascii("{\"topic\":\"").ascii(topic).ascii("\",\"partition\":").number(partition).ascii(",\"offset\":");
        } else {
            ascii("{\"offset\":");
        }
        return number(offset).ascii(",\"timestamp\":\"").ascii(Timestamps.format(timestamp))
                .ascii("\",\"key\":").raw(key, NULL)
                .ascii(",\"value\":").raw(value, NULL)
                .ascii(",\"headers\":").raw(headers, EMPTY_OBJECT).ascii("}");
    }

    private RawJsonWriter raw(ByteBuffer bytes, byte[] ifNull) {
        if (bytes == null) {
            write(ifNull, 0, ifNull.length);
            return this;
        }
        ByteBuffer b = bytes.duplicate();
        if (b.hasArray()) {
            write(b.array(), b.arrayOffset() + b.position(), b.remaining());
        } else {
            byte[] copy = new byte[b.remaining()];
            b.get(copy);
            write(copy, 0, copy.length);
        }
        return this;
    }

    private void write(byte[] bytes, int off, int len) {
        if (len > buf.length - n) {
            drain();
            if (len > buf.length) {
                try {
                    out.write(bytes, off, len);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return;
            }
        }
        System.arraycopy(bytes, off, buf, n, len);
        n += len;
    }

    private void drain() {
        try {
            out.write(buf, 0, n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        n = 0;
    }

    /** Writes out what is buffered and flushes the stream. */
    public void flush() throws IOException {
        drain();
        out.flush();
    }

    /** Bytes of a stored field, 0 when absent: for byte metrics. */
    public static int size(ByteBuffer b) {
        return b == null ? 0 : b.remaining();
    }
}
