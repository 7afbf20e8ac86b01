package io.runnel.connect.http;

import io.runnel.expr.EvaluationException;
import io.runnel.expr.RecordInput;
import io.runnel.expr.RecordTransform;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * <p><b>Transforms.</b> With a connector's {@code transforms.*} ({@link RecordTransform}), each record
 * is transformed on the way: one the filter drops is left out (counted in {@code dropped}; its offset
 * is still covered by {@code nextOffset}), a mapped one carries its new key and value. The first record
 * whose transform fails ends the answer: {@code nextOffset} is its offset, and {@code rejected} holds it,
 * untransformed, with the error, for the dead-letter topic or the task's failure.
 *
 * @param records        the record objects, comma-separated, UTF-8 ({@code count == 0}: empty)
 * @param count          how many records
 * @param firstOffset    offset of the first record read, delivered or dropped ({@code -1} when none)
 * @param nextOffset     the offset to fetch next
 * @param highWatermark  the partition's high watermark when the answer was made
 * @param dropped        how many records the filter dropped
 * @param rejected       the record whose transform failed, or null
 */
record FetchAnswer(byte[] records, int count, long firstOffset, long nextOffset, long highWatermark, int dropped, Rejected rejected) {
    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

    /** A record whose transform failed: its offset, itself in the delivery shape (untransformed), and why. */
    record Rejected(long offset, byte[] record, String error) {
    }

    /** Reads a fetch answer of {@code topic}/{@code partition} that was asked from {@code offset}. */
    static FetchAnswer parse(byte[] body, String topic, int partition, long offset) {
        return parse(body, topic, partition, offset, RecordTransform.IDENTITY);
    }

    /** Reads a fetch answer of {@code topic}/{@code partition} that was asked from {@code offset}, transforming its records. */
    static FetchAnswer parse(byte[] body, String topic, int partition, long offset, RecordTransform transform) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 64);
        long nextOffset = offset;
        long highWatermark = -1;
        int count = 0;
        int dropped = 0;
        long firstOffset = -1;
        Rejected rejected = null;
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
                            if (rejected != null) {
                                p.skipChildren(); // after a rejected record: fetched again from its offset
                                continue;
                            }
                            if (transform.isIdentity()) {
                                long recordOffset = copyRecord(p, g, topic, partition);
                                firstOffset = count == 0 ? recordOffset : firstOffset;
                                count++;
                                continue;
                            }
                            Transformed t = transformRecord(p, g, topic, partition, transform);
                            firstOffset = count + dropped == 0 ? t.offset() : firstOffset;
                            if (t.rejected() != null) {
                                rejected = t.rejected();
                            } else if (t.delivered()) {
                                count++;
                            } else {
                                dropped++;
                            }
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
        if (rejected != null) {
            nextOffset = rejected.offset();
            firstOffset = count + dropped == 0 ? -1 : firstOffset;
        }
        // strip the '[' and ']' that made the generator separate the objects with commas
        return new FetchAnswer(Arrays.copyOfRange(array, 1, array.length - 1), count, firstOffset, nextOffset, highWatermark,
                dropped, rejected);
    }

    /** What became of one record: delivered (written to the generator), dropped, or rejected. */
    private record Transformed(long offset, boolean delivered, Rejected rejected) {
    }

    /**
     * Reads one record object (parser on its START_OBJECT), transforms it, and writes the result (if
     * any) in the delivery shape with its fields in the fetched order, key and value replaced.
     */
    private static Transformed transformRecord(JsonParser p, JsonGenerator g, String topic, int partition, RecordTransform transform) {
        Map<String, byte[]> fields = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = p.currentName();
            p.nextToken();
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            try (JsonGenerator field = JSON.createGenerator(text)) {
                copyValue(p, field);
            }
            fields.put(name, text.toByteArray());
        }
        if (!fields.containsKey("offset")) {
            throw new IllegalArgumentException("fetch answer: a record without an offset");
        }
        long offset = Long.parseLong(new String(fields.get("offset"), StandardCharsets.US_ASCII));
        RecordTransform.Result result;
        try {
            result = transform.apply(input(fields, partition, offset));
        } catch (EvaluationException | IllegalArgumentException | DateTimeParseException e) {
            ByteArrayOutputStream original = new ByteArrayOutputStream();
            try (JsonGenerator o = JSON.createGenerator(original)) {
                writeRecord(o, topic, partition, fields);
            }
            return new Transformed(offset, false, new Rejected(offset, original.toByteArray(), e.getMessage()));
        }
        if (result.dropped()) {
            return new Transformed(offset, false, null);
        }
        RecordTransform.Output output = result.output().orElseThrow();
        fields.replace("key", output.key() == null ? NULL : output.key());
        fields.replace("value", output.value() == null ? NULL : output.value());
        writeRecord(g, topic, partition, fields);
        return new Transformed(offset, true, null);
    }

    private static RecordInput input(Map<String, byte[]> fields, int partition, long offset) {
        byte[] key = fields.get("key");
        byte[] value = fields.get("value");
        Map<String, String> headers = new LinkedHashMap<>();
        byte[] headersText = fields.get("headers");
        if (headersText != null && headersText[0] == '{') {
            JSON.readTree(headersText).properties().forEach(e -> headers.put(e.getKey(), e.getValue().asString()));
        }
        byte[] timestamp = fields.get("timestamp");
        long millis = timestamp == null ? 0 : Instant.parse(JSON.readTree(timestamp).asString()).toEpochMilli();
        return new RecordInput(key == null || Arrays.equals(key, NULL) ? null : key, value == null || Arrays.equals(value, NULL) ? null : value,
                headers, millis, partition, offset);
    }

    /** Writes a record object in the delivery shape: topic and partition first, then the fields as read. */
    private static void writeRecord(JsonGenerator g, String topic, int partition, Map<String, byte[]> fields) {
        g.writeStartObject();
        g.writeStringProperty("topic", topic);
        g.writeNumberProperty("partition", partition);
        for (Map.Entry<String, byte[]> e : fields.entrySet()) {
            g.writeName(e.getKey());
            g.writeRawValue(new String(e.getValue(), StandardCharsets.UTF_8));
        }
        g.writeEndObject();
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
