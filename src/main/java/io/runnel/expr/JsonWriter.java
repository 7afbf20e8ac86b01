package io.runnel.expr;

import com.google.common.primitives.UnsignedLong;
import dev.cel.common.values.NullValue;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * CEL values to compact JSON text, the reverse of {@link JsonValues}: maps with string keys to
 * objects, lists to arrays, strings, booleans, {@code int}/{@code uint}/{@code double} to numbers,
 * CEL null to {@code null}. Any object found in the origins map is written as its original text,
 * byte for byte (the precision rule). Anything else (bytes, timestamps, durations, types, a map with
 * a non-string key, a NaN or infinite double) has no JSON form and is refused with an
 * {@link IllegalArgumentException} naming it.
 *
 * <p>Stateless; thread-safe.
 */
final class JsonWriter {
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private JsonWriter() {
    }

    static byte[] write(Object value, Map<Object, JsonValues.Span> origins) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(ObjectWriteContext.empty(), out)) {
            write(g, value, origins);
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator g, Object value, Map<Object, JsonValues.Span> origins) {
        JsonValues.Span span = origins.get(value);
        if (span != null) {
            g.writeRawValue(new String(span.source(), span.start(), span.end() - span.start(), StandardCharsets.UTF_8));
        } else if (value == null || value == NullValue.NULL_VALUE || value instanceof com.google.protobuf.NullValue) {
            g.writeNull();
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (value instanceof Long l) {
            g.writeNumber(l);
        } else if (value instanceof UnsignedLong u) {
            g.writeNumber(u.bigIntegerValue());
        } else if (value instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                throw new IllegalArgumentException("the double " + d + " has no JSON form");
            }
            g.writeNumber(d);
        } else if (value instanceof String s) {
            g.writeString(s);
        } else if (value instanceof Map<?, ?> map) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String name)) {
                    throw new IllegalArgumentException("a JSON object needs string keys, not " + describe(e.getKey()));
                }
                g.writeName(name);
                write(g, e.getValue(), origins);
            }
            g.writeEndObject();
        } else if (value instanceof Collection<?> list) {
            g.writeStartArray();
            for (Object element : list) {
                write(g, element, origins);
            }
            g.writeEndArray();
        } else {
            throw new IllegalArgumentException("a value of type " + describe(value) + " has no JSON form");
        }
    }

    private static String describe(Object value) {
        return value == null ? "null" : value.getClass().getSimpleName();
    }
}
