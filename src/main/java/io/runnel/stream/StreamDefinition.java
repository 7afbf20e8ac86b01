package io.runnel.stream;

import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import io.runnel.topic.Names;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * A stream as its creator defined it: read {@code from}, keep the records {@code filter} accepts, re-key and re-shape
 * them with {@code mapKey} / {@code mapValue}, write them to {@code to} (a topic name, or an expression naming one per
 * record), starting at {@code startFrom} ({@code earliest} or {@code latest}, the default) the first time; records
 * whose expressions fail at run time go to {@code deadLetterTopic}, or stop the stream when it is absent.
 *
 * <p>Stored as the flat config of an internal connector ({@link #toConfig}, {@link #fromConfig}); the body of
 * {@code PUT /streams/{name}} is read by {@link #fromBody}, which refuses unknown members and illegal names. Whether
 * the expressions compile is {@link StreamEvaluator}'s check. Immutable.
 *
 * @param filter          {@code null}: every record
 * @param mapKey          {@code null}: the input key
 * @param mapValue        {@code null}: the input value
 * @param deadLetterTopic {@code null}: a failing record stops the stream {@code FAILED} at its offset
 */
record StreamDefinition(String from, String to, String filter, String mapKey, String mapValue, String startFrom, String deadLetterTopic) {
    static final String EARLIEST = "earliest";
    static final String LATEST = "latest";
    static final String DLQ = "errors.deadletterqueue.topic.name";
    private static final Set<String> MEMBERS = Set.of("from", "to", "filter", "map", "startFrom", DLQ);
    private static final Set<String> MAP_MEMBERS = Set.of("key", "value");

    /** The body of {@code PUT /streams/{name}}: {@code 400 INVALID_REQUEST} for a wrong shape, {@code 422 INVALID_TOPIC_NAME}. */
    static StreamDefinition fromBody(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw invalid("the body must be a JSON object: {\"from\",\"to\",\"filter\",\"map\":{\"key\",\"value\"},\"startFrom\",\"" + DLQ + "\"}");
        }
        unknown(body, MEMBERS, "");
        JsonNode map = body.path("map");
        if (!map.isMissingNode() && !map.isNull()) {
            if (!map.isObject()) {
                throw invalid("'map' must be an object {\"key\",\"value\"}");
            }
            unknown(map, MAP_MEMBERS, "map.");
        }
        StreamDefinition d = new StreamDefinition(text(body, "from"), text(body, "to"), text(body, "filter"), text(map, "key"),
                text(map, "value"), text(body, "startFrom"), text(body, DLQ));
        d.check();
        return d;
    }

    private void check() {
        if (from == null || to == null) {
            throw invalid("'from' and 'to' are required: the input topic, and the output topic or an expression naming it");
        }
        Names.checkTopic(from);
        if (deadLetterTopic != null) {
            Names.checkTopic(deadLetterTopic);
        }
        if (startFrom != null && !startFrom.equals(EARLIEST) && !startFrom.equals(LATEST)) {
            throw invalid("'startFrom' is 'earliest' or 'latest', got '" + startFrom + "'");
        }
    }

    /** Whether {@code to} names one topic (a legal topic name) rather than routing by an expression. */
    boolean literalTo() {
        return Names.isLegal(to);
    }

    boolean fromEarliest() {
        return EARLIEST.equals(startFrom);
    }

    Optional<String> deadLetters() {
        return Optional.ofNullable(deadLetterTopic);
    }

    /** The connector config it is stored as (without the runtime's {@code connector.class}). */
    Map<String, String> toConfig() {
        Map<String, String> config = new TreeMap<>();
        config.put("from", from);
        config.put("to", to);
        put(config, "filter", filter);
        put(config, "map.key", mapKey);
        put(config, "map.value", mapValue);
        put(config, "startFrom", startFrom);
        put(config, DLQ, deadLetterTopic);
        return config;
    }

    static StreamDefinition fromConfig(Map<String, String> config) {
        return new StreamDefinition(config.get("from"), config.get("to"), config.get("filter"), config.get("map.key"), config.get("map.value"),
                config.get("startFrom"), config.get(DLQ));
    }

    private static void put(Map<String, String> map, String key, String value) {
        if (value != null) {
            map.put(key, value);
        }
    }

    private static void unknown(JsonNode object, Set<String> known, String prefix) {
        for (Iterator<String> names = object.propertyNames().iterator(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw invalid("unknown member '" + prefix + name + "'; a stream has " + (prefix.isEmpty() ? MEMBERS : MAP_MEMBERS))
                        .with("member", prefix + name);
            }
        }
    }

    private static String text(JsonNode object, String name) {
        JsonNode v = object.path(name);
        if (v.isMissingNode() || v.isNull()) {
            return null;
        }
        if (!v.isString() || v.asString().isBlank()) {
            throw invalid("'" + name + "' must be a non-empty string").with("member", name);
        }
        return v.asString();
    }

    private static RunnelException invalid(String detail) {
        return new RunnelException(ErrorCode.INVALID_REQUEST, detail);
    }
}
