package io.runnel.connect;

import io.runnel.cluster.ConnectorMetadata;

/**
 * What a resource built on the connector runtime (streams) needs of it beyond {@link ConnectorStore}: the group its
 * connectors' progress is committed to, and the state the runtime derives from a definition. Such a resource stores
 * its definitions as connectors of an internal plugin ({@link ConnectorPlugin#internalPrefix}), so pause, resume,
 * placement, failover and failures work as for any connector. Stateless.
 */
public final class InternalConnectors {
    private InternalConnectors() {
    }

    /** The consumer group {@code connect-<connector>} the runtime gives a connector's tasks ({@link TaskContext#group}). */
    public static String groupOf(String connector) {
        return ConnectorWorker.groupOf(connector);
    }

    /** {@code RUNNING}, {@code PAUSED} or {@code FAILED}, as {@code GET /connectors/{name}/status} says. */
    public static String stateOf(ConnectorMetadata connector) {
        return ConnectorStates.of(connector);
    }
}
