package io.runnel.connect;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.runnel.cluster.ConnectorMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gauges of every connector, on every instance (they read the definitions, which every instance
 * holds): {@code runnel_connector_state{connector,state}}, 1 for the connector's state
 * ({@link ConnectorStates}) and 0 for the others, and {@code runnel_connector_tasks{connector,state}}, how many
 * of its tasks are in each state. Registered when a connector appears, removed when it is deleted.
 *
 * <p>Thread-safe: {@link #follow} may run on any thread; gauges read the store when scraped.
 */
final class ConnectorMetrics {
    private final MeterRegistry meters;
    private final ConnectorStore store;
    private final Map<String, List<Meter>> registered = new ConcurrentHashMap<>();

    ConnectorMetrics(MeterRegistry meters, ConnectorStore store) {
        this.meters = meters;
        this.store = store;
    }

    /** Registers the gauges of new connectors and removes those of deleted ones. */
    synchronized void follow() {
        Map<String, ConnectorMetadata> connectors = store.state().connectors();
        for (String name : List.copyOf(registered.keySet())) {
            if (!connectors.containsKey(name)) {
                registered.remove(name).forEach(meters::remove);
            }
        }
        for (String name : connectors.keySet()) {
            registered.computeIfAbsent(name, this::register);
        }
    }

    private List<Meter> register(String name) {
        List<Meter> made = new ArrayList<>();
        for (String state : ConnectorStates.CONNECTOR_STATES) {
            made.add(Gauge.builder("runnel.connector.state", () -> store.state().connector(name)
                            .map(c -> ConnectorStates.of(c).equals(state) ? 1 : 0).orElse(0))
                    .description("1 for the connector's current state, 0 for the others")
                    .tags("connector", name, "state", state).register(meters));
        }
        for (String state : ConnectorStates.TASK_STATES) {
            made.add(Gauge.builder("runnel.connector.tasks", () -> store.state().connector(name)
                            .map(c -> c.tasks().stream().filter(t -> ConnectorStates.of(c, t).equals(state)).count()).orElse(0L))
                    .description("How many of the connector's tasks are in this state")
                    .tags("connector", name, "state", state).register(meters));
        }
        return made;
    }
}
