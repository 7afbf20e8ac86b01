package io.runnel.consume;

import io.runnel.api.Timestamps;
import io.runnel.log.RecordBatch;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.HttpOutputMessage;
import org.springframework.http.MediaType;
import org.springframework.http.converter.AbstractHttpMessageConverter;
import org.springframework.http.converter.HttpMessageNotReadableException;

/**
 * Writes a {@link FetchResponse} as JSON by copying each stored key, value and headers object's
 * bytes into the output: no record is parsed or re-printed, so values come back exactly as
 * written. Topic names need no escaping (their alphabet is {@code [a-zA-Z0-9._-]}).
 *
 * <pre>{"topic":"t","partition":0,"records":[{"offset":5,"timestamp":"…","key":…,"value":…,"headers":{…}}],
 *  "nextOffset":6,"highWatermark":9,"logStartOffset":0}</pre>
 */
final class FetchResponseWriter extends AbstractHttpMessageConverter<FetchResponse> {
    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY_OBJECT = "{}".getBytes(StandardCharsets.US_ASCII);

    FetchResponseWriter() {
        super(MediaType.APPLICATION_JSON);
    }

    @Override
    protected boolean supports(Class<?> clazz) {
        return FetchResponse.class.equals(clazz);
    }

    @Override
    protected boolean canRead(MediaType mediaType) {
        return false;
    }

    @Override
    protected FetchResponse readInternal(Class<? extends FetchResponse> clazz, HttpInputMessage input) {
        throw new HttpMessageNotReadableException("fetch responses are write-only", input);
    }

    @Override
    protected void writeInternal(FetchResponse response, HttpOutputMessage output) throws IOException {
        long[] written = write(response, output.getBody());
        if (response.meters() != null) {
            response.meters().recordsOut().increment(written[0]);
            response.meters().bytesOut().increment(written[1]);
        }
    }

    /** Writes the response; returns the records and key/value/header bytes written, for metrics. */
    static long[] write(FetchResponse response, OutputStream out) throws IOException {
        Sink sink = new Sink(out);
        sink.ascii("{\"topic\":\"").ascii(response.topic()).ascii("\",\"partition\":").number(response.partition())
                .ascii(",\"records\":[");
        long[] next = {response.fromOffset()};
        long[] written = {0, 0};
        for (RecordBatch batch : response.batches()) {
            if (written[0] >= response.limit()) {
                break;
            }
            batch.forEachRecord(response.fromOffset(), (offset, timestamp, key, value, headers) -> {
                sink.ascii(written[0] == 0 ? "{\"offset\":" : ",{\"offset\":").number(offset)
                        .ascii(",\"timestamp\":\"").ascii(Timestamps.format(timestamp))
                        .ascii("\",\"key\":").raw(key, NULL)
                        .ascii(",\"value\":").raw(value, NULL)
                        .ascii(",\"headers\":").raw(headers, EMPTY_OBJECT).ascii("}");
                next[0] = offset + 1;
                written[0]++;
                written[1] += remaining(key) + remaining(value) + remaining(headers);
                return written[0] < response.limit();
            });
        }
        sink.ascii("],\"nextOffset\":").number(next[0]).ascii(",\"highWatermark\":").number(response.highWatermark())
                .ascii(",\"logStartOffset\":").number(response.logStartOffset()).ascii("}");
        sink.flush();
        return written;
    }

    private static int remaining(ByteBuffer b) {
        return b == null ? 0 : b.remaining();
    }

    /** A small buffered byte sink; unchecked so it can be used inside record visitors. */
    static final class Sink {
        private final OutputStream out;
        private final byte[] buf = new byte[16 * 1024];
        private int n;

        Sink(OutputStream out) {
            this.out = out;
        }

        Sink ascii(String s) {
            int len = s.length();
            if (len > buf.length - n) {
                drain();
                if (len > buf.length) {
                    write(s.getBytes(StandardCharsets.UTF_8), 0, len);
                    return this;
                }
            }
            for (int i = 0; i < len; i++) {
                buf[n++] = (byte) s.charAt(i);
            }
            return this;
        }

        Sink number(long v) {
            return ascii(Long.toString(v));
        }

        Sink raw(ByteBuffer bytes, byte[] ifNull) {
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
                        throw new java.io.UncheckedIOException(e);
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
                throw new java.io.UncheckedIOException(e);
            }
            n = 0;
        }

        void flush() throws IOException {
            drain();
            out.flush();
        }
    }
}
