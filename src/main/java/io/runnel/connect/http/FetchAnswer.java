package io.runnel.connect.http;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * A {@code 200} answer of {@code GET /topics/{t}/partitions/{p}/records}, with its records already
 * turned into the delivery shape: {@code records} holds the record objects
 * {@code {"topic","partition","offset","timestamp","key","value","headers"}} separated by commas, ready
 * to be spliced into a request body. Keys, values and headers are stream-copied token by token from
 * the fetched text, numbers as their exact text, so nothing loses precision (see {@link #copyValue}).
 *
 * @param records        the record objects, comma-separated, UTF-8 ({@code count == 0}: empty)
 * @param count          how many records
 * @param firstOffset    offset of the first record ({@code -1} when none)
 * @param nextOffset     the offset to fetch next
 * @param highWatermark  the partition's high watermark when the answer was made
 */
record FetchAnswer(byte[] records, int count, long firstOffset, long nextOffset, long highWatermark) {
    static final JsonMapper JSON = JsonMapper.builder().build();

    /** Reads a fetch answer of {@code topic}/{@code partition} that was asked from {@code offset}. */
    static FetchAnswer parse(byte[] body, String topic, int partition, long offset) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 64);
        long nextOffset = offset;
        long highWatermark = -1;
        int count = 0;
        long firstOffset = -1;
        try (JsonParser p = JSON.createParser(body); JsonGenerator g = JSON.createGenerator(out)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            g.writeStartArray();
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "records" -> {
                        expect(value, JsonToken.START_ARRAY);
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            long recordOffset = copyRecord(p, g, topic, partition);
                            firstOffset = count == 0 ? recordOffset : firstOffset;
                            count++;
                        }
                    }
                    case "nextOffset" -> nextOffset = p.getLongValue();
                    case "highWatermark" -> highWatermark = p.getLongValue();
                    default -> p.skipChildren();
                }
            }
            g.writeEndArray();
        }
        byte[] array = out.toByteArray();
        // strip the '[' and ']' that made the generator separate the objects with commas
        return new FetchAnswer(Arrays.copyOfRange(array, 1, array.length - 1), count, firstOffset, nextOffset, highWatermark);
    }

    /** Copies one record object (parser on its START_OBJECT) with topic and partition first; returns its offset. */
    private static long copyRecord(JsonParser p, JsonGenerator g, String topic, int partition) {
        long offset = -1;
        g.writeStartObject();
        g.writeStringProperty("topic", topic);
        g.writeNumberProperty("partition", partition);
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = p.currentName();
            p.nextToken();
            if (name.equals("offset")) {
                offset = p.getLongValue();
            }
            g.writeName(name);
            copyValue(p, g);
        }
        g.writeEndObject();
        return offset;
    }

    /**
     * Copies the value the parser is on (scalar or whole structure) to {@code g}, leaving the parser on
     * its last token. Numbers are written as their text, never through {@code double} or {@code long}.
     */
    static void copyValue(JsonParser p, JsonGenerator g) {
        int depth = 0;
        JsonToken t = p.currentToken();
        while (true) {
            switch (t) {
                case START_OBJECT -> { g.writeStartObject(); depth++; }
                case START_ARRAY -> { g.writeStartArray(); depth++; }
                case END_OBJECT -> { g.writeEndObject(); depth--; }
                case END_ARRAY -> { g.writeEndArray(); depth--; }
                case PROPERTY_NAME -> g.writeName(p.currentName());
                case VALUE_STRING -> g.writeString(p.getString());
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> g.writeNumber(p.getString());
                case VALUE_TRUE -> g.writeBoolean(true);
                case VALUE_FALSE -> g.writeBoolean(false);
                case VALUE_NULL -> g.writeNull();
                default -> throw new IllegalArgumentException("unexpected JSON token " + t);
            }
            if (depth == 0) {
                return;
            }
            t = p.nextToken();
        }
    }

    private static void expect(JsonToken actual, JsonToken expected) {
        if (actual != expected) {
            throw new IllegalArgumentException("fetch answer: expected " + expected + ", got " + actual);
        }
    }
}
