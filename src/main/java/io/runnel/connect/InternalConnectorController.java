package io.runnel.connect;

import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /internal/connectors/{name}/tasks}: the reports of the connector's tasks running on this instance (an
 * empty list when none runs here), for the instance that answers a status or offsets call ({@link TaskReports}).
 * Under {@code /internal/}, so it needs the cluster secret and is not in the public API document.
 */
@RestController
class InternalConnectorController {
    private final TaskReports reports;
    private final ConnectorStore store;

    InternalConnectorController(TaskReports reports, ConnectorStore store) {
        this.reports = reports;
        this.store = store;
    }

    @GetMapping("/internal/connectors/{name}/tasks")
    List<TaskReports.TaskReport> tasks(@PathVariable String name) {
        return store.state().connector(name).map(c -> reports.local(name, c.tasks().size())).orElse(List.of());
    }
}
