package io.runnel.connect;

import io.runnel.expr.ExpressionException;
import io.runnel.expr.RecordTransform;
import java.util.Map;

/**
 * A connector's record transform, from the config keys every connector takes: {@value #FILTER} (a CEL
 * bool: false drops the record), {@value #MAP_KEY} and {@value #MAP_VALUE} (CEL expressions giving the
 * new key and value), over the variables of {@link io.runnel.expr.RecordInput}. No key: no transform.
 * The runtime checks them when a connector is stored ({@link #check}); a plugin compiles them when its
 * task starts ({@link #of}) and applies them to each record (see the plugin for where). Stateless.
 */
public final class Transforms {
    public static final String FILTER = "transforms.filter";
    public static final String MAP_KEY = "transforms.map.key";
    public static final String MAP_VALUE = "transforms.map.value";

    private Transforms() {
    }

    /**
     * Adds a problem for each transform key of {@code config} that does not compile: the key → CEL's
     * message with the line and column of the error, e.g.
     * {@code line 1, column 14: found no matching overload for '_+_' applied to '(int, string)'}.
     */
    static void check(Map<String, String> config, Map<String, String> errors) {
        check(config, FILTER, errors);
        check(config, MAP_KEY, errors);
        check(config, MAP_VALUE, errors);
    }

    private static void check(Map<String, String> config, String key, Map<String, String> errors) {
        String text = config.get(key);
        if (text == null) {
            return;
        }
        try {
            RecordTransform.compile(key.equals(FILTER) ? text : null, key.equals(MAP_KEY) ? text : null,
                    key.equals(MAP_VALUE) ? text : null);
        } catch (ExpressionException e) {
            errors.put(key, "not a valid CEL expression: line " + e.line() + ", column " + e.column() + ": " + e.celMessage());
        }
    }

    /**
     * The transform of a config that {@link #check} accepted ({@link RecordTransform#IDENTITY} when it
     * has no transform keys).
     *
     * @throws ExpressionException if it was not checked and an expression does not compile
     */
    public static RecordTransform of(Map<String, String> config) {
        String filter = config.get(FILTER);
        String mapKey = config.get(MAP_KEY);
        String mapValue = config.get(MAP_VALUE);
        if (filter == null && mapKey == null && mapValue == null) {
            return RecordTransform.IDENTITY;
        }
        return RecordTransform.compile(filter, mapKey, mapValue);
    }
}
