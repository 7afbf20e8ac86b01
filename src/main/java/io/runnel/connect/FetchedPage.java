package io.runnel.connect;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * One answer of {@code GET /topics/{t}/partitions/{p}/records}, as tasks read it (mirror-source from another
 * cluster, streams from their input): without re-printing any key or value. Each record keeps the exact bytes of its
 * key and value, so a copy that does not map them carries them unchanged (no number loses precision, no string is
 * re-escaped). An immutable value: the arrays are never changed after parsing.
 *
 * @param logStartOffset 0 when the answer has none
 */
public record FetchedPage(List<Fetched> records, long nextOffset, long highWatermark, long logStartOffset) {

    /** A null key or value as raw JSON text. */
    public static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

    /**
     * One fetched record. {@code key} and {@code value} are raw JSON text ({@link #NULL} for null); {@code timestamp}
     * is the text the server answered ({@code null} if none), {@code timestampMs} its epoch milliseconds (0 if none).
     */
    public record Fetched(long offset, String timestamp, long timestampMs, byte[] key, byte[] value, Map<String, String> headers) {
    }

    /** @throws IllegalArgumentException when {@code body} is not a fetch answer */
    public static FetchedPage parse(JsonMapper json, byte[] body) {
        List<Fetched> records = new ArrayList<>();
        long nextOffset = -1;
        long highWatermark = -1;
        long logStartOffset = 0;
        Clock clock = new Clock();
        try (JsonParser p = json.createParser(body)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "records" -> {
                        expect(t, JsonToken.START_ARRAY);
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            records.add(record(p, body, clock));
                        }
                    }
                    case "nextOffset" -> nextOffset = p.getLongValue();
                    case "highWatermark" -> highWatermark = p.getLongValue();
                    case "logStartOffset" -> logStartOffset = p.getLongValue();
                    default -> p.skipChildren();
                }
            }
        }
        if (nextOffset < 0 || highWatermark < 0) {
            throw new IllegalArgumentException("not a fetch answer: no nextOffset or highWatermark");
        }
        return new FetchedPage(List.copyOf(records), nextOffset, highWatermark, Math.max(0, logStartOffset));
    }

    private static Fetched record(JsonParser p, byte[] body, Clock clock) {
        long offset = -1;
        String timestamp = null;
        byte[] key = NULL;
        byte[] value = NULL;
        Map<String, String> headers = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "offset" -> offset = p.getLongValue();
                case "timestamp" -> timestamp = p.getString();
                case "key" -> key = raw(p, body);
                case "value" -> value = raw(p, body);
                case "headers" -> {
                    if (t == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                            String header = p.currentName();
                            p.nextToken();
                            headers.put(header, p.getString());
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (offset < 0) {
            throw new IllegalArgumentException("a fetched record without an offset");
        }
        return new Fetched(offset, timestamp, timestamp == null ? 0 : clock.millis(timestamp), key, value, headers);
    }

    /** The exact bytes of the value the parser is at, which it then skips. */
    private static byte[] raw(JsonParser p, byte[] body) {
        int start = (int) p.currentTokenLocation().getByteOffset();
        int end = JsonSpan.end(body, start);
        p.skipChildren();
        byte[] copy = new byte[end - start];
        System.arraycopy(body, start, copy, 0, copy.length);
        return copy;
    }

    private static void expect(JsonToken actual, JsonToken expected) {
        if (actual != expected) {
            throw new IllegalArgumentException("not a fetch answer: " + expected + " expected, got " + actual);
        }
    }

    /**
     * Epoch milliseconds of the server's timestamps ({@code 2026-11-28T03:46:38.123Z}), reusing the last second's value:
     * the records of a page mostly share their second, and {@link Instant#parse} is a large part of a page's cost.
     */
    private static final class Clock {
        private String lastSecond;
        private long lastSecondMs;

        long millis(String ts) {
            if (ts.length() != 24 || ts.charAt(19) != '.' || ts.charAt(23) != 'Z') {
                return Instant.parse(ts).toEpochMilli();
            }
            if (lastSecond == null || !ts.regionMatches(0, lastSecond, 0, 19)) {
                lastSecond = ts.substring(0, 19);
                lastSecondMs = LocalDateTime.parse(lastSecond).toEpochSecond(ZoneOffset.UTC) * 1000;
            }
            int ms = (ts.charAt(20) - '0') * 100 + (ts.charAt(21) - '0') * 10 + (ts.charAt(22) - '0');
            return lastSecondMs + ms;
        }
    }
}
