package io.runnel.stream;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.io.JsonStringEncoder;

/**
 * The produce bodies of one chunk, one per output topic, each {@code {"records":[{"key":…,"value":…,"headers":{…},
 * "timestamp":"…"}]}} with its records in input order. Keys and values are spliced in as the raw JSON bytes they are
 * (never re-encoded), so the same chunk always gives the same bytes: a replay under the same {@code Idempotency-Key}
 * is recognised. No {@code partition}: the server places each record by its key as a producer would. Not thread-safe
 * (one chunk, one thread).
 */
final class ChunkOutputs {
    private static final byte[] OPEN = ascii("{\"records\":[");
    private final Map<String, ByteArrayOutputStream> bodies = new LinkedHashMap<>();
    private final Map<String, Integer> counts = new LinkedHashMap<>();

    void add(String topic, byte[] key, byte[] value, Map<String, String> headers, String timestamp) {
        ByteArrayOutputStream out = bodies.computeIfAbsent(topic, t -> {
            ByteArrayOutputStream b = new ByteArrayOutputStream(64 * 1024);
            b.writeBytes(OPEN);
            return b;
        });
        int n = counts.merge(topic, 1, Integer::sum);
        out.writeBytes(ascii(n == 1 ? "{\"key\":" : ",{\"key\":"));
        out.writeBytes(key == null ? InputPage.NULL : key);
        out.writeBytes(ascii(",\"value\":"));
        out.writeBytes(value == null ? InputPage.NULL : value);
        if (!headers.isEmpty()) {
            out.writeBytes(ascii(",\"headers\":{"));
            boolean first = true;
            for (Map.Entry<String, String> h : headers.entrySet()) {
                if (!first) {
                    out.write(',');
                }
                first = false;
                string(out, h.getKey());
                out.write(':');
                string(out, h.getValue());
            }
            out.write('}');
        }
        if (timestamp != null) {
            out.writeBytes(ascii(",\"timestamp\":"));
            string(out, timestamp);
        }
        out.write('}');
    }

    boolean isEmpty() {
        return bodies.isEmpty();
    }

    /** How many records go to each topic. */
    Map<String, Integer> counts() {
        return counts;
    }

    /** The finished bodies by topic; call once. */
    Map<String, byte[]> bodies() {
        Map<String, byte[]> done = new LinkedHashMap<>();
        bodies.forEach((topic, out) -> {
            out.writeBytes(ascii("]}"));
            done.put(topic, out.toByteArray());
        });
        return done;
    }

    private static void string(ByteArrayOutputStream out, String s) {
        out.write('"');
        out.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(s));
        out.write('"');
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
