package io.runnel.connect;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.runnel.api.ProblemResponses;
import io.runnel.cluster.ConnectorMetadata;
import io.runnel.cluster.ConnectorMetadata.TaskMetadata;
import io.runnel.cluster.MetadataCommand;
import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import io.runnel.group.GroupCoordinator;
import io.runnel.group.GroupCoordinator.OffsetView;
import io.runnel.security.ApiCall;
import io.runnel.security.RequiredAccess;
import io.runnel.security.web.Caller;
import io.runnel.security.web.Guard;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Connectors, in Kafka Connect's REST shape: create or change ({@code PUT /connectors/{name}/config}), list,
 * describe, status, offsets, pause, resume, restart, delete. Any instance answers: a change is a metadata
 * command ({@link ConnectorStore}) committed wherever the quorum's leader is, and the instances the controller
 * placed the tasks on start or stop them ({@link ConnectorWorker}). Changes need {@code ALTER} on the cluster,
 * reads {@code DESCRIBE} on the cluster, checked before anything is looked up. The caller of the first
 * {@code PUT} is the connector's creator, whose rights its tasks act with; a later change by another principal
 * keeps the creator. Secret config values ({@link ConnectorPlugin#isSecret}) are never answered.
 */
@Tag(name = "Connectors", description = "Server-side tasks moving records between Runnel and other systems (Kafka Connect's REST shape)")
@RestController
class ConnectorController {
    private final ConnectorStore store;
    private final ConnectorWorker worker;
    private final ConnectorConfigs configs;
    private final GroupCoordinator groups;
    private final Guard guard;
    private final TaskReports reports;

    ConnectorController(ConnectorStore store, ConnectorWorker worker, ConnectorConfigs configs, GroupCoordinator groups, Guard guard,
                        TaskReports reports) {
        this.store = store;
        this.worker = worker;
        this.configs = configs;
        this.groups = groups;
        this.guard = guard;
        this.reports = reports;
    }

    @Schema(description = "A task of a connector.")
    record TaskId(String connector, int task) {
    }

    @Schema(description = "A connector: its config (secret values masked as ********), its tasks and its type.")
    record ConnectorInfo(String name, Map<String, String> config, List<TaskId> tasks,
                         @Schema(allowableValues = {"sink", "source"}) String type) {
    }

    @Schema(description = "Where the connector stands.")
    record ConnectorStateView(@Schema(allowableValues = {"RUNNING", "PAUSED", "FAILED"}) String state,
                              @JsonProperty("worker_id") @Schema(description = "the instance running task 0") String workerId) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "Where one task stands.")
    record TaskStatus(int id, @Schema(allowableValues = {"RUNNING", "PAUSED", "FAILED", "UNASSIGNED"}) String state,
                      @JsonProperty("worker_id") @Schema(description = "the instance it is placed on") String workerId,
                      @Schema(description = "the stack trace of its failure in this generation") String trace,
                      @Schema(description = "what keeps the running task from working while it retries (e.g. a source unreachable), "
                              + "as the instance running it reports it; only when asked there") String error) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "Progress on one partition: the committed position and the lag behind the partition's end.")
    record PartitionStatus(String topic, int partition, long position, Long lag,
                           @Schema(description = "the last error on this partition, as the task running it reports it") String error,
                           @Schema(description = "a source connector's lag in time: seconds since the oldest record not yet copied "
                                   + "was written (0 when caught up)") Long lagSeconds) {
    }

    record ConnectorStatus(String name, ConnectorStateView connector, List<TaskStatus> tasks, String type,
                           List<PartitionStatus> partitions) {
    }

    record SourcePartition(@JsonProperty("kafka_topic") String topic, @JsonProperty("kafka_partition") int partition) {
    }

    record SourceOffset(@JsonProperty("kafka_offset") long offset) {
    }

    record PartitionOffset(SourcePartition partition, SourceOffset offset) {
    }

    record ConnectorOffsets(List<PartitionOffset> offsets) {
    }

    @Operation(operationId = "putConnectorConfig", summary = "Create or change a connector",
            description = "The body is the connector's config, a flat map of strings (Kafka Connect style): connector.class selects "
                    + "the plugin, tasks.max (default 1) the number of tasks, topics the topics a sink reads; the plugin checks the "
                    + "rest. A new connector starts RUNNING; a changed one restarts its tasks with the new config; the same config "
                    + "changes nothing. The first caller is the connector's creator: its tasks act with the creator's rights.",
            responses = {@ApiResponse(responseCode = "201", description = "Created"), @ApiResponse(responseCode = "200", description = "Changed")})
    @ProblemResponses({ErrorCode.INVALID_CONNECTOR_CONFIG, ErrorCode.LIMIT_EXCEEDED, ErrorCode.MALFORMED_JSON,
            ErrorCode.CONTROLLER_NOT_AVAILABLE, ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @PutMapping("/connectors/{name}/config")
    ResponseEntity<ConnectorInfo> put(@PathVariable String name, @RequestBody Map<String, String> config, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.MANAGE_CONNECTORS));
        ConnectorConfigs.Checked checked = configs.check(name, config);
        boolean existed = store.state().connector(name).isPresent();
        store.submit(new MetadataCommand.PutConnector(name, checked.config(), caller.principal().toString(), checked.tasks()));
        return ResponseEntity.status(existed ? HttpStatus.OK : HttpStatus.CREATED).body(info(find(name)));
    }

    @Operation(operationId = "listConnectors", summary = "List connectors", description = "The connectors' names, sorted.")
    @ProblemResponses({ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @GetMapping("/connectors")
    List<String> list(Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.DESCRIBE_CONNECTORS));
        return store.state().connectors().keySet().stream().filter(n -> !worker.isInternal(n)).toList();
    }

    @Operation(operationId = "getConnector", summary = "Describe a connector", description = "Its config (secrets masked), tasks and type.")
    @ProblemResponses({ErrorCode.CONNECTOR_NOT_FOUND, ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @GetMapping("/connectors/{name}")
    ConnectorInfo get(@PathVariable String name, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.DESCRIBE_CONNECTORS));
        return info(find(name));
    }

    @Operation(operationId = "getConnectorStatus", summary = "A connector's status",
            description = "The connector's state and each task's (with the stack trace of a failure), and per partition the "
                    + "committed position and lag (a sink: its group connect-<name>). What running tasks report (a passing error, a "
                    + "source's position and lag in seconds) is gathered from the instances they run on; one that does not answer "
                    + "within 2 s is left out.")
    @ProblemResponses({ErrorCode.CONNECTOR_NOT_FOUND, ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @GetMapping("/connectors/{name}/status")
    ConnectorStatus status(@PathVariable String name, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.DESCRIBE_CONNECTORS));
        ConnectorMetadata c = find(name);
        Map<Integer, TaskReports.TaskReport> running = reports.all(c);
        List<TaskStatus> tasks = new ArrayList<>();
        for (int i = 0; i < c.tasks().size(); i++) {
            TaskMetadata t = c.tasks().get(i);
            TaskReports.TaskReport report = running.get(i);
            tasks.add(new TaskStatus(i, ConnectorStates.of(c, t), t.instance(), t.failure() == null ? null : t.failure().trace(),
                    report == null ? null : report.error()));
        }
        String workerId = c.tasks().isEmpty() ? null : c.tasks().get(0).instance();
        return new ConnectorStatus(name, new ConnectorStateView(ConnectorStates.of(c), workerId), tasks, typeOf(c),
                partitions(c, live(running)));
    }

    /** Committed positions and lag from the group; what the running tasks report on top, wherever they run. */
    private List<PartitionStatus> partitions(ConnectorMetadata c, Map<String, PartitionProgress> live) {
        List<PartitionStatus> partitions = new ArrayList<>();
        for (OffsetView o : committed(c.name())) {
            PartitionProgress p = live.remove(o.topic() + "-" + o.partition());
            partitions.add(new PartitionStatus(o.topic(), o.partition(), o.committedOffset(), o.lag(), p == null ? null : p.error(),
                    p == null ? null : p.lagSeconds()));
        }
        live.values().forEach(p -> partitions.add(new PartitionStatus(p.topic(), p.partition(), p.position(), p.lag(), p.error(),
                p.lagSeconds())));
        return partitions;
    }

    /** The running tasks' progress by topic-partition. */
    private static Map<String, PartitionProgress> live(Map<Integer, TaskReports.TaskReport> running) {
        Map<String, PartitionProgress> live = new TreeMap<>();
        running.values().forEach(r -> r.partitions().forEach(p -> live.put(p.topic() + "-" + p.partition(), p)));
        return live;
    }

    private List<OffsetView> committed(String name) {
        try {
            return groups.describe(ConnectorWorker.groupOf(name)).offsets();
        } catch (RunnelException e) {
            if (e.code() == ErrorCode.GROUP_NOT_FOUND) {
                return List.of();
            }
            throw e;
        }
    }

    @Operation(operationId = "getConnectorOffsets", summary = "A connector's committed progress",
            description = "Per partition, the next offset to deliver (a sink: its group connect-<name>'s committed offsets) or to copy "
                    + "(a source: as its running tasks report it, wherever they run).")
    @ProblemResponses({ErrorCode.CONNECTOR_NOT_FOUND, ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @GetMapping("/connectors/{name}/offsets")
    ConnectorOffsets offsets(@PathVariable String name, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.DESCRIBE_CONNECTORS));
        ConnectorMetadata c = find(name);
        if (ConnectorType.SOURCE.wireName().equals(typeOf(c))) {
            return new ConnectorOffsets(live(reports.all(c)).values().stream()
                    .map(p -> new PartitionOffset(new SourcePartition(p.topic(), p.partition()), new SourceOffset(p.position()))).toList());
        }
        return new ConnectorOffsets(committed(name).stream()
                .map(o -> new PartitionOffset(new SourcePartition(o.topic(), o.partition()), new SourceOffset(o.committedOffset()))).toList());
    }

    @Operation(operationId = "pauseConnector", summary = "Pause a connector", description = "Its tasks stop; their progress stays committed.",
            responses = @ApiResponse(responseCode = "202", description = "Accepted"))
    @ProblemResponses({ErrorCode.CONNECTOR_NOT_FOUND, ErrorCode.CONTROLLER_NOT_AVAILABLE, ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @PutMapping("/connectors/{name}/pause")
    ResponseEntity<Void> pause(@PathVariable String name, Caller caller) {
        return change(caller, new MetadataCommand.SetConnectorTargetState(name, ConnectorMetadata.PAUSED));
    }

    @Operation(operationId = "resumeConnector", summary = "Resume a connector",
            description = "Its tasks start again from their committed progress (a failed task stays failed: restart it).",
            responses = @ApiResponse(responseCode = "202", description = "Accepted"))
    @ProblemResponses({ErrorCode.CONNECTOR_NOT_FOUND, ErrorCode.CONTROLLER_NOT_AVAILABLE, ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @PutMapping("/connectors/{name}/resume")
    ResponseEntity<Void> resume(@PathVariable String name, Caller caller) {
        return change(caller, new MetadataCommand.SetConnectorTargetState(name, ConnectorMetadata.RUNNING));
    }

    @Operation(operationId = "restartConnector", summary = "Restart a connector",
            description = "Clears its tasks' failures and starts every task afresh from its committed progress.",
            responses = @ApiResponse(responseCode = "202", description = "Accepted"))
    @ProblemResponses({ErrorCode.CONNECTOR_NOT_FOUND, ErrorCode.CONTROLLER_NOT_AVAILABLE, ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @PostMapping("/connectors/{name}/restart")
    ResponseEntity<Void> restart(@PathVariable String name, Caller caller) {
        return change(caller, new MetadataCommand.RestartConnector(name));
    }

    @Operation(operationId = "deleteConnector", summary = "Delete a connector",
            description = "Stops its tasks and deletes its definition and its group connect-<name>'s committed offsets.",
            responses = @ApiResponse(responseCode = "204", description = "Deleted"))
    @ProblemResponses({ErrorCode.CONNECTOR_NOT_FOUND, ErrorCode.CONTROLLER_NOT_AVAILABLE, ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @DeleteMapping("/connectors/{name}")
    ResponseEntity<Void> delete(@PathVariable String name, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.MANAGE_CONNECTORS));
        find(name);
        store.submit(new MetadataCommand.DeleteConnector(name));
        try {
            groups.delete(ConnectorWorker.groupOf(name));
        } catch (RunnelException e) {
            if (e.code() != ErrorCode.GROUP_NOT_FOUND && e.code() != ErrorCode.INVALID_GROUP_NAME) {
                throw e;
            }
        }
        return ResponseEntity.noContent().build();
    }

    private ResponseEntity<Void> change(Caller caller, MetadataCommand.ConnectorCommand command) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.MANAGE_CONNECTORS));
        find(command.name());
        store.submit(command);
        return ResponseEntity.status(HttpStatus.ACCEPTED).build();
    }

    private ConnectorMetadata find(String name) {
        Optional<ConnectorMetadata> c = store.state().connector(name).filter(found -> !worker.isInternal(found.name()));
        return c.orElseThrow(() -> new RunnelException(ErrorCode.CONNECTOR_NOT_FOUND, "connector '" + name + "' does not exist")
                .with("connector", name));
    }

    private ConnectorInfo info(ConnectorMetadata c) {
        List<TaskId> tasks = new ArrayList<>();
        for (int i = 0; i < c.tasks().size(); i++) {
            tasks.add(new TaskId(c.name(), i));
        }
        return new ConnectorInfo(c.name(), configs.masked(c.config()), tasks, typeOf(c));
    }

    private String typeOf(ConnectorMetadata c) {
        return worker.plugin(c.config().getOrDefault(ConnectorConfigs.CLASS, "")).map(p -> p.type().wireName()).orElse(null);
    }
}
