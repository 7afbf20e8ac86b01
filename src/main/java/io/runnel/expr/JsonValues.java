package io.runnel.expr;

import dev.cel.common.values.NullValue;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * JSON text to CEL values, remembering where each value came from. Objects become
 * {@code Map<String, Object>} (insertion-ordered), arrays {@code List<Object>}, strings {@code String},
 * {@code true}/{@code false} {@code Boolean}, {@code null} CEL's {@link NullValue#NULL_VALUE}, integers
 * that fit a long and are written canonically {@code Long} (CEL {@code int}), every other number a
 * {@code Double} (CEL {@code double}).
 *
 * <p><b>Origins.</b> Every map, list, string and double made here is entered in {@link #origins()},
 * an identity map from the object to the byte span of its JSON text in the source. A value that
 * flows through an expression unchanged is the same Java object, so {@link JsonWriter} finds it
 * there and writes the original text: {@code 12345678901234567890}, {@code 1.10} or
 * {@code "\u00e9"} come out exactly as they went in. Longs, booleans and null are not entered: they
 * have one canonical text each (non-canonical integers such as {@code -0} or {@code 1e2} are
 * doubles for that reason).
 *
 * <p>Not thread-safe: one instance serves one record evaluation.
 */
final class JsonValues {
    private static final JsonFactory JSON = JsonFactory.builder().build();

    /** Where a value's JSON text is: {@code source[start, end)}. */
    record Span(byte[] source, int start, int end) {
    }

    private final Map<Object, Span> origins = new IdentityHashMap<>();

    /** The objects made so far, each with its original text. */
    Map<Object, Span> origins() {
        return origins;
    }

    /**
     * The CEL value of the JSON text {@code json}; {@code null} (a null key or value) is CEL null.
     *
     * @throws IllegalArgumentException when the text is not one well-formed JSON value
     */
    Object parse(byte[] json) {
        if (json == null) {
            return NullValue.NULL_VALUE;
        }
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), json)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new IllegalArgumentException("empty JSON text");
            }
            Object value = read(p, json);
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("trailing data after the JSON value");
            }
            return value;
        } catch (JacksonException e) {
            throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Reads the value the parser is on (and its children), leaving the parser on its last token. */
    private Object read(JsonParser p, byte[] json) {
        int start = (int) p.currentTokenLocation().getByteOffset();
        JsonToken token = p.currentToken();
        Object value;
        switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    map.put(name, read(p, json));
                }
                value = map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(read(p, json));
                }
                value = list;
            }
            case VALUE_STRING -> value = p.getString();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> value = number(p);
            case VALUE_TRUE -> value = Boolean.TRUE;
            case VALUE_FALSE -> value = Boolean.FALSE;
            case VALUE_NULL -> value = NullValue.NULL_VALUE;
            default -> throw new IllegalArgumentException("unexpected JSON token " + token);
        }
        if (!(value instanceof Long || value instanceof Boolean || value == NullValue.NULL_VALUE)) {
            origins.put(value, new Span(json, start, (int) p.currentLocation().getByteOffset()));
        }
        return value;
    }

    private static Object number(JsonParser p) {
        String text = p.getString();
        if (p.currentToken() == JsonToken.VALUE_NUMBER_INT && !text.equals("-0")) {
            BigInteger exact = p.getBigIntegerValue();
            if (exact.bitLength() < 64) {
                return exact.longValue();
            }
        }
        // a fresh Double (never a cached instance) so that its identity stands for this one occurrence
        return Double.valueOf(Double.parseDouble(text));
    }
}
