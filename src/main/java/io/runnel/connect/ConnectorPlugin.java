package io.runnel.connect;

import java.util.Map;

/**
 * A connector class ({@code "connector.class"} in a connector's config, e.g. {@code http-sink}):
 * checks a config and starts the connector's tasks. One instance per class serves every connector of
 * that class in the process; it holds no per-connector state (tasks do). Implementations are Spring
 * beans; the runtime finds them by {@link #className()}.
 *
 * <p>Config maps are flat string maps, Kafka Connect style. Keys the runtime owns and checks itself
 * ({@code connector.class}, {@code tasks.max}, {@code topics}, {@code transforms.*}, {@code name}) reach
 * {@link #validate} too, so a plugin may read them; it must not refuse them.
 */
public interface ConnectorPlugin {

    /** The value of {@code connector.class} that selects this plugin. */
    String className();

    ConnectorType type();

    /**
     * For a plugin that serves another resource of the API (streams) rather than {@code /connectors}: the prefix of
     * the names of its connectors (e.g. {@code stream.}). {@code /connectors} refuses such a class and any name with
     * such a prefix, and does not show, change or delete those connectors; the resource that owns them does, through
     * {@link InternalConnectors}. {@code null} (the default) for a plugin users configure through {@code /connectors}.
     */
    default String internalPrefix() {
        return null;
    }

    /**
     * Problems with {@code config}, by config key, each message saying what is wrong and what is
     * expected; empty when the config is valid. Called on every {@code PUT /connectors/{name}/config}
     * (an invalid config is refused with {@code 422 INVALID_CONNECTOR_CONFIG} and changes nothing) and
     * never does I/O.
     */
    Map<String, String> validate(Map<String, String> config);

    /**
     * Whether the value of {@code key} is a secret ({@code webhook.secret}, an {@code http.headers.*}
     * carrying credentials, {@code source.api-key}): the runtime masks it in every answer and log.
     */
    boolean isSecret(String key);

    /**
     * What the connector's creator must be allowed, besides what the runtime requires of every connector of its
     * type (a sink: {@code READ} on each of its {@code topics} and on its group {@code connect-<name>}): e.g. a
     * source's {@code WRITE} on the topics it writes. The runtime checks it again whenever ACLs change and fails
     * the connector's tasks when the creator lost any of it. Default: nothing more.
     */
    default java.util.List<io.runnel.security.Access> requiredAccess(String connector, Map<String, String> config) {
        return java.util.List.of();
    }

    /**
     * Starts task {@code context.task()} of {@code context.tasks()} of a connector whose config
     * {@link #validate} accepted. Returns at once: the task works asynchronously until
     * {@link Task#stop}. A task that cannot go on reports it through {@link TaskContext#reporter()}.
     */
    Task start(TaskContext context);
}
