package io.runnel.connect;

import io.runnel.cluster.ConnectorsState;
import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import io.runnel.topic.Names;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The checks of a connector's name and config before it is stored, and the masking of secrets in answers.
 * The runtime owns {@value #CLASS} (a plugin on this instance), {@value #TASKS_MAX} (1 to
 * {@link ConnectorsState#MAX_TASKS}, default 1), {@value #TOPICS} (a sink's comma-separated topics, each a legal
 * topic name) and {@value #NAME} (if given, the connector's name); the plugin checks the rest
 * ({@link ConnectorPlugin#validate}). Any connector may have the CEL record transforms of {@link Transforms}
 * ({@code transforms.filter}, {@code transforms.map.key}, {@code transforms.map.value}), compiled and type-checked
 * here. Every problem is reported at once: {@code 422 INVALID_CONNECTOR_CONFIG} with an {@code errors} member,
 * config key → message (for an expression: its line, column and CEL's message). Stateless and thread-safe.
 */
final class ConnectorConfigs {
    static final String CLASS = "connector.class";
    static final String TASKS_MAX = "tasks.max";
    static final String TOPICS = "topics";
    static final String NAME = "name";

    /** A config that passed: as given, and its task count. */
    record Checked(Map<String, String> config, int tasks) {
    }

    private final Function<String, Optional<ConnectorPlugin>> plugins;
    private final Predicate<String> internalName;

    /**
     * @param internalName whether a connector name belongs to an internal plugin ({@link ConnectorPlugin#internalPrefix}):
     *                     refused, as is an internal plugin's class
     */
    ConnectorConfigs(Function<String, Optional<ConnectorPlugin>> plugins, Predicate<String> internalName) {
        this.plugins = plugins;
        this.internalName = internalName;
    }

    Checked check(String name, Map<String, String> config) {
        Map<String, String> errors = new TreeMap<>();
        if (!Names.isLegal(name) || !Names.isLegal(ConnectorWorker.groupOf(name))) {
            errors.put(NAME, "connector names are 1-241 characters of [a-zA-Z0-9._-], and not '.' or '..'");
        } else if (internalName.test(name)) {
            errors.put(NAME, "'" + name + "' is in a namespace the server keeps for its own connectors (streams)");
        }
        if (config == null) {
            config = Map.of();
        }
        if (config.containsValue(null)) {
            errors.put(config.entrySet().stream().filter(e -> e.getValue() == null).findFirst().orElseThrow().getKey(),
                    "config values are strings, not null");
        }
        if (config.containsKey(NAME) && !name.equals(config.get(NAME))) {
            errors.put(NAME, "the config's name '" + config.get(NAME) + "' differs from the path's '" + name + "'");
        }
        int tasks = tasksMax(config.get(TASKS_MAX), errors);
        String className = config.get(CLASS);
        Optional<ConnectorPlugin> plugin = className == null ? Optional.empty()
                : plugins.apply(className).filter(p -> p.internalPrefix() == null);
        if (className == null || className.isBlank()) {
            errors.put(CLASS, "required: the connector class, e.g. http-sink");
        } else if (plugin.isEmpty()) {
            errors.put(CLASS, "no connector class '" + className + "' on this instance");
        }
        if (plugin.isPresent() && plugin.get().type() == io.runnel.connect.ConnectorType.SINK) {
            checkTopics(config.get(TOPICS), errors);
        }
        if (!config.containsValue(null)) {
            Transforms.check(config, errors);
        }
        if (plugin.isPresent() && !config.containsValue(null)) {
            plugin.get().validate(config).forEach(errors::putIfAbsent);
        }
        if (!errors.isEmpty()) {
            throw new RunnelException(ErrorCode.INVALID_CONNECTOR_CONFIG, "the connector's config is not valid: " + String.join(", ",
                    errors.keySet())).with("connector", name).with("errors", errors);
        }
        return new Checked(config, tasks);
    }

    private static int tasksMax(String value, Map<String, String> errors) {
        if (value == null) {
            return 1;
        }
        try {
            int n = Integer.parseInt(value.strip());
            if (n >= 1 && n <= ConnectorsState.MAX_TASKS) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        errors.put(TASKS_MAX, "must be a whole number from 1 to " + ConnectorsState.MAX_TASKS + ", got '" + value + "'");
        return 1;
    }

    private static void checkTopics(String value, Map<String, String> errors) {
        List<String> topics = value == null ? List.of() : Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (topics.isEmpty()) {
            errors.put(TOPICS, "required for a sink: the topics to read, comma-separated");
        } else if (!topics.stream().allMatch(Names::isLegal)) {
            errors.put(TOPICS, "each topic name is 1-249 characters of [a-zA-Z0-9._-], and not '.' or '..'");
        }
    }

    /** The topics of a sink's config. */
    static List<String> topicsOf(Map<String, String> config) {
        String value = config.getOrDefault(TOPICS, "");
        return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * {@code config} with the values of secret keys replaced by {@value ConnectorWorker#MASK}; when the plugin is
     * not on this instance, which keys are secret is unknown, so every value but the runtime's own keys'.
     */
    Map<String, String> masked(Map<String, String> config) {
        Optional<ConnectorPlugin> plugin = plugins.apply(config.getOrDefault(CLASS, ""));
        Map<String, String> shown = new TreeMap<>();
        config.forEach((k, v) -> shown.put(k, isSecret(plugin, k) ? ConnectorWorker.MASK : v));
        return shown;
    }

    static boolean isSecret(Optional<ConnectorPlugin> plugin, String key) {
        return plugin.map(p -> p.isSecret(key)).orElse(!List.of(CLASS, TASKS_MAX, TOPICS, NAME, Transforms.FILTER, Transforms.MAP_KEY,
                Transforms.MAP_VALUE).contains(key));
    }
}
