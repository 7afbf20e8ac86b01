package io.runnel.expr;

import dev.cel.runtime.CelVariableResolver;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A record transform in CEL: an optional {@code filter} (bool: false drops the record), optional
 * {@code map.key} and {@code map.value} (any JSON: the new key and value) and an optional {@code to}
 * (the topic to write to). Compiled and type-checked once by {@link #compile}; immutable and
 * thread-safe, so one instance serves every partition and thread.
 *
 * <p><b>Order.</b> {@link #apply} evaluates {@code filter} first; a dropped record evaluates nothing
 * else. The map and {@code to} expressions all see the <em>input</em> record.
 *
 * <p><b>{@code to}.</b> A text that is a legal topic name (by the caller's predicate) is that name,
 * literally, and is not CEL; anything else is a CEL expression that must return a string that is a
 * legal topic name. So {@code orders.eu} is a topic, while {@code value.region} is too (it is a legal
 * name); write {@code string(value.region)} or {@code 'orders-' + value.region} to compute one.
 *
 * <p><b>JSON and precision.</b> Keys and values are parsed lazily, only if an expression reads them
 * (see {@link JsonValues} for the mapping to CEL types). A key or value with no map expression is
 * the input's bytes, untouched; a mapped one is written as compact JSON in which every part taken
 * unchanged from the input is its original text, byte for byte ({@code {'id': value.id}} keeps
 * {@code 12345678901234567890} and {@code 1.10} as written). A map expression returning CEL
 * {@code null} makes a null key or value. Limits on size and cost are in {@link Expression}.
 */
public final class RecordTransform {
    /** The transform that passes every record unchanged. */
    public static final RecordTransform IDENTITY = new RecordTransform(null, null, null, null, null);

    /** What {@link #apply} made of a record: {@link Dropped} or {@link Output}. */
    public sealed interface Result permits Dropped, Output {
        /** Whether the filter dropped the record. */
        default boolean dropped() {
            return this instanceof Dropped;
        }

        /** The output, or empty when dropped. */
        default Optional<Output> output() {
            return this instanceof Output o ? Optional.of(o) : Optional.empty();
        }
    }

    /** The filter returned false: nothing is to be written or delivered. */
    public enum Dropped implements Result {
        INSTANCE
    }

    /**
     * The record to write or deliver.
     *
     * @param key   the key's JSON text (the input's own array when not mapped), or null
     * @param value the value's JSON text (the input's own array when not mapped), or null
     * @param topic the topic {@code to} chose, or null when there is no {@code to}
     */
    public record Output(byte[] key, byte[] value, String topic) implements Result {
    }

    private final Expression filter;
    private final Expression mapKey;
    private final Expression mapValue;
    private final Expression to;
    private final String literalTopic;
    private final Predicate<String> legalTopic;

    private RecordTransform(Expression filter, Expression mapKey, Expression mapValue, Expression to, String literalTopic,
                            Predicate<String> legalTopic) {
        this.filter = filter;
        this.mapKey = mapKey;
        this.mapValue = mapValue;
        this.to = to;
        this.literalTopic = literalTopic;
        this.legalTopic = legalTopic;
    }

    private RecordTransform(Expression filter, Expression mapKey, Expression mapValue, Expression to, String literalTopic) {
        this(filter, mapKey, mapValue, to, literalTopic, name -> true);
    }

    /**
     * Compiles a transform without {@code to} (as connectors' {@code transforms.*} use it).
     *
     * @throws ExpressionException for the first expression (in the order filter, map.key, map.value)
     *                             that does not parse or check
     */
    public static RecordTransform compile(String filter, String mapKey, String mapValue) {
        return compile(filter, mapKey, mapValue, null, name -> true);
    }

    /**
     * Compiles a transform; each expression may be null (no filter, key or value unchanged, no
     * routing).
     *
     * @param legalTopic whether a name is a legal topic name (decides whether {@code to} is a literal,
     *                   and checks what a {@code to} expression returns)
     * @throws ExpressionException for the first expression (in the order filter, map.key, map.value,
     *                             to) that does not parse or check
     */
    public static RecordTransform compile(String filter, String mapKey, String mapValue, String to, Predicate<String> legalTopic) {
        Objects.requireNonNull(legalTopic, "legalTopic");
        Expression f = filter == null ? null : Expression.compile("filter", filter, Expression.Kind.BOOL);
        Expression k = mapKey == null ? null : Expression.compile("map.key", mapKey, Expression.Kind.ANY);
        Expression v = mapValue == null ? null : Expression.compile("map.value", mapValue, Expression.Kind.ANY);
        Expression t = null;
        String literal = null;
        if (to != null && legalTopic.test(to)) {
            literal = to;
        } else if (to != null) {
            t = Expression.compile("to", to, Expression.Kind.STRING);
        }
        return new RecordTransform(f, k, v, t, literal, legalTopic);
    }

    /** Whether this transform passes every record unchanged (no expressions, no {@code to}). */
    public boolean isIdentity() {
        return filter == null && mapKey == null && mapValue == null && to == null && literalTopic == null;
    }

    /**
     * Transforms one record.
     *
     * @throws EvaluationException when an expression fails on this record
     */
    public Result apply(RecordInput record) {
        if (isIdentity()) {
            return new Output(record.key(), record.value(), null);
        }
        Variables variables = new Variables(record);
        if (filter != null && !(boolean) expect(filter, filter.evaluate(variables, variables.json.origins()), Boolean.class, "bool")) {
            return Dropped.INSTANCE;
        }
        byte[] key = mapKey == null ? record.key() : json(mapKey, mapKey.evaluate(variables, variables.json.origins()), variables);
        byte[] value = mapValue == null ? record.value() : json(mapValue, mapValue.evaluate(variables, variables.json.origins()), variables);
        String topic = literalTopic;
        if (to != null) {
            topic = expect(to, to.evaluate(variables, variables.json.origins()), String.class, "string");
            if (!legalTopic.test(topic)) {
                throw new EvaluationException("to", "'" + topic + "' is not a legal topic name", null);
            }
        }
        return new Output(key, value, topic);
    }

    private static <T> T expect(Expression e, Object result, Class<T> type, String celType) {
        if (!type.isInstance(result)) {
            throw new EvaluationException(e.field(), "returned " + describe(result) + ", not " + celType, null);
        }
        return type.cast(result);
    }

    private static byte[] json(Expression e, Object result, Variables variables) {
        if (result == null || result == dev.cel.common.values.NullValue.NULL_VALUE
                || result instanceof com.google.protobuf.NullValue) {
            return null;
        }
        try {
            return JsonWriter.write(result, variables.json.origins());
        } catch (IllegalArgumentException ex) {
            throw new EvaluationException(e.field(), ex.getMessage(), null);
        }
    }

    private static String describe(Object value) {
        return value == null ? "null" : value.getClass().getSimpleName();
    }

    /** The record's variables for CEL, parsing key and value on first use (once per apply). */
    private static final class Variables implements CelVariableResolver {
        private final RecordInput record;
        private final JsonValues json = new JsonValues();
        private Object key;
        private Object value;

        Variables(RecordInput record) {
            this.record = record;
        }

        @Override
        public Optional<Object> find(String name) {
            switch (name) {
                case "key":
                    if (key == null) {
                        key = parse("key", record.key());
                    }
                    return Optional.of(key);
                case "value":
                    if (value == null) {
                        value = parse("value", record.value());
                    }
                    return Optional.of(value);
                case "headers":
                    return Optional.of(record.headers());
                case "timestamp":
                    return Optional.of(record.timestamp());
                case "partition":
                    return Optional.of((long) record.partition());
                case "offset":
                    return Optional.of(record.offset());
                default:
                    return Optional.empty();
            }
        }

        private Object parse(String which, byte[] text) {
            try {
                return json.parse(text);
            } catch (IllegalArgumentException e) {
                throw new Expression.UnreadableInput("the record's " + which + " is not JSON: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "RecordTransform[filter=" + text(filter) + ", map.key=" + text(mapKey) + ", map.value=" + text(mapValue)
                + ", to=" + (literalTopic != null ? literalTopic : text(to)) + "]";
    }

    private static String text(Expression e) {
        return e == null ? null : e.text();
    }
}
