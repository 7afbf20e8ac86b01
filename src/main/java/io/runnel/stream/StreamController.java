package io.runnel.stream;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.runnel.api.ProblemResponses;
import io.runnel.cluster.ConnectorMetadata;
import io.runnel.cluster.MetadataCommand;
import io.runnel.connect.ConnectorStore;
import io.runnel.connect.InternalConnectors;
import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import io.runnel.group.GroupCoordinator;
import io.runnel.group.GroupCoordinator.OffsetView;
import io.runnel.partition.PartitionReads;
import io.runnel.security.AclAuthorizer;
import io.runnel.security.ApiCall;
import io.runnel.security.KafkaPrincipal;
import io.runnel.security.RequiredAccess;
import io.runnel.security.web.Caller;
import io.runnel.security.web.Guard;
import io.runnel.topic.Names;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Streams: standing transformations of one topic into others, run on the connector runtime as connectors of the
 * internal class {@code stream} ({@link StreamPlugin}), so placement, failover, pause and failures work as for any
 * connector. Changes need {@code ALTER} on the cluster ({@link ApiCall#MANAGE_STREAMS}), reads {@code DESCRIBE}
 * ({@link ApiCall#DESCRIBE_STREAMS}), checked before anything is looked up. The caller of the first {@code PUT} is the
 * stream's creator, whose rights it acts with; with security on, a definition its creator lacks the rights for
 * ({@link StreamPlugin#requiredAccess}) is refused with {@code 403}. Stateless.
 */
@Tag(name = "Streams", description = "Derived topics: filter, transform, re-key and route records into other topics, exactly once")
@RestController
class StreamController {
    private final ConnectorStore store;
    private final GroupCoordinator groups;
    private final Guard guard;
    private final AclAuthorizer authorizer;
    private final StreamPlugin plugin;
    private final PartitionReads reads;

    StreamController(ConnectorStore store, GroupCoordinator groups, Guard guard, AclAuthorizer authorizer, StreamPlugin plugin,
                     PartitionReads reads) {
        this.reads = reads;
        this.store = store;
        this.groups = groups;
        this.guard = guard;
        this.authorizer = authorizer;
        this.plugin = plugin;
    }

    @Schema(description = "A stream's definition, as PUT /streams/{name} takes it.")
    record StreamBody(@Schema(description = "the input topic", example = "orders") String from,
                      @Schema(description = "the output topic, or (when it is not a legal topic name) a CEL expression returning one",
                              example = "big-orders") String to,
                      @Schema(description = "CEL, bool: false drops the record", example = "value.amount > 100") String filter,
                      @Schema(description = "CEL expressions for the new key and value") MapBody map,
                      @Schema(allowableValues = {"earliest", "latest"}, description = "where a new stream starts (default latest)") String startFrom,
                      @JsonProperty("errors.deadletterqueue.topic.name")
                      @Schema(description = "where records whose expressions fail go; absent: the stream stops FAILED at that record")
                      String deadLetterTopic) {
    }

    @Schema(description = "Re-keying and re-shaping.")
    record MapBody(@Schema(example = "value.customer") String key, @Schema(example = "{'id': value.id, 'amount': value.amount}") String value) {
    }

    @Schema(description = "One input partition: the committed position (next input offset to process) and the records behind the end.")
    record PartitionStatus(int partition, long position, long lag) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "A stream: its definition (as PUT took it, startFrom filled in), its state and its lag per input partition.")
    record StreamView(String name, String from, String to, String filter, MapBody map, String startFrom,
                      @JsonProperty("errors.deadletterqueue.topic.name") String deadLetterTopic,
                      @Schema(allowableValues = {"RUNNING", "PAUSED", "FAILED"}) String state,
                      @Schema(description = "why the stream stopped, when FAILED") String error, List<PartitionStatus> partitions) {
    }

    record StreamList(List<StreamView> streams) {
    }

    @Operation(operationId = "putStream", summary = "Create or change a stream",
            description = "A new stream starts RUNNING at startFrom; a changed one restarts from its committed position with the new "
                    + "definition; the same definition changes nothing. Expressions are CEL over key, value, headers, timestamp, "
                    + "partition, offset. Every input record's outputs are written once, in input order per input partition, to the "
                    + "partition their key picks (murmur2, as a producer's). The first caller is the stream's creator: it acts with "
                    + "the creator's rights.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(schema = @Schema(implementation = StreamBody.class))),
            responses = {@ApiResponse(responseCode = "201", description = "Created"), @ApiResponse(responseCode = "200", description = "Changed")})
    @ProblemResponses({ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_TOPIC_NAME, ErrorCode.INVALID_EXPRESSION, ErrorCode.MALFORMED_JSON,
            ErrorCode.LIMIT_EXCEEDED, ErrorCode.CONTROLLER_NOT_AVAILABLE, ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
            ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.GROUP_AUTHORIZATION_FAILED})
    @PutMapping("/streams/{name}")
    ResponseEntity<StreamView> put(@PathVariable String name, @RequestBody JsonNode body, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.MANAGE_STREAMS));
        checkName(name);
        StreamDefinition d = StreamDefinition.fromBody(body);
        StreamEvaluators.compile(d);
        String connector = StreamPlugin.connectorOf(name);
        Optional<ConnectorMetadata> existing = store.state().connector(connector);
        String creator = existing.map(ConnectorMetadata::creator).orElse(caller.principal().toString());
        Map<String, String> config = new TreeMap<>(d.toConfig());
        config.put("connector.class", StreamPlugin.CLASS_NAME);
        config.put(StreamPlugin.INCARNATION, existing.map(c -> c.config().get(StreamPlugin.INCARNATION))
                .orElseGet(() -> Long.toString(System.currentTimeMillis(), 36) + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36)));
        if (guard.enabled()) {
            KafkaPrincipal principal = KafkaPrincipal.parse(creator);
            plugin.requiredAccess(connector, config).stream().filter(a -> !authorizer.authorize(principal, a)).findFirst()
                    .ifPresent(a -> {
                        throw a.refusal().with("stream", name);
                    });
        }
        if (existing.isEmpty() && !d.fromEarliest()) {
            startAtTheEnd(name, d.from());
        }
        store.submit(new MetadataCommand.PutConnector(connector, config, creator, 1));
        return ResponseEntity.status(existing.isPresent() ? HttpStatus.OK : HttpStatus.CREATED).body(view(name, find(name)));
    }

    @Operation(operationId = "listStreams", summary = "List streams", description = "Every stream with its definition, state and lag, by name.")
    @ProblemResponses({ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @GetMapping("/streams")
    StreamList list(Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.DESCRIBE_STREAMS));
        List<StreamView> streams = new ArrayList<>();
        store.state().connectors().forEach((connector, c) -> {
            if (connector.startsWith(StreamPlugin.PREFIX) && StreamPlugin.CLASS_NAME.equals(c.config().get("connector.class"))) {
                streams.add(view(connector.substring(StreamPlugin.PREFIX.length()), c));
            }
        });
        return new StreamList(streams);
    }

    @Operation(operationId = "getStream", summary = "Describe a stream",
            description = "Its definition, state (RUNNING, PAUSED or FAILED, with the error) and per input partition the committed "
                    + "position and the lag behind the partition's end.")
    @ProblemResponses({ErrorCode.STREAM_NOT_FOUND, ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @GetMapping("/streams/{name}")
    StreamView get(@PathVariable String name, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.DESCRIBE_STREAMS));
        return view(name, find(name));
    }

    @Operation(operationId = "pauseStream", summary = "Pause a stream", description = "Its task stops; its position stays committed.",
            responses = @ApiResponse(responseCode = "202", description = "Accepted"))
    @ProblemResponses({ErrorCode.STREAM_NOT_FOUND, ErrorCode.CONTROLLER_NOT_AVAILABLE, ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @PutMapping("/streams/{name}/pause")
    ResponseEntity<Void> pause(@PathVariable String name, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.MANAGE_STREAMS));
        find(name);
        store.submit(new MetadataCommand.SetConnectorTargetState(StreamPlugin.connectorOf(name), ConnectorMetadata.PAUSED));
        return ResponseEntity.status(HttpStatus.ACCEPTED).build();
    }

    @Operation(operationId = "resumeStream", summary = "Resume a stream",
            description = "It goes on from its committed position; a FAILED stream starts again at the record it stopped at.",
            responses = @ApiResponse(responseCode = "202", description = "Accepted"))
    @ProblemResponses({ErrorCode.STREAM_NOT_FOUND, ErrorCode.CONTROLLER_NOT_AVAILABLE, ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @PutMapping("/streams/{name}/resume")
    ResponseEntity<Void> resume(@PathVariable String name, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.MANAGE_STREAMS));
        ConnectorMetadata c = find(name);
        String connector = StreamPlugin.connectorOf(name);
        if (c.paused()) {
            store.submit(new MetadataCommand.SetConnectorTargetState(connector, ConnectorMetadata.RUNNING));
        }
        if (c.tasks().stream().anyMatch(t -> t.failure() != null)) {
            store.submit(new MetadataCommand.RestartConnector(connector));
        }
        return ResponseEntity.status(HttpStatus.ACCEPTED).build();
    }

    @Operation(operationId = "deleteStream", summary = "Delete a stream",
            description = "Stops it and deletes its definition and its committed positions; the topics it wrote stay.",
            responses = @ApiResponse(responseCode = "204", description = "Deleted"))
    @ProblemResponses({ErrorCode.STREAM_NOT_FOUND, ErrorCode.CONTROLLER_NOT_AVAILABLE, ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @DeleteMapping("/streams/{name}")
    ResponseEntity<Void> delete(@PathVariable String name, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.MANAGE_STREAMS));
        find(name);
        store.submit(new MetadataCommand.DeleteConnector(StreamPlugin.connectorOf(name)));
        try {
            groups.delete(StreamPlugin.groupOf(name));
        } catch (RunnelException e) {
            if (e.code() != ErrorCode.GROUP_NOT_FOUND) {
                throw e;
            }
        }
        return ResponseEntity.noContent().build();
    }

    /**
     * A new stream that starts at {@code latest} starts at the end of each partition as it is now, when it is created, not
     * when its task gets going: its start positions are committed before it is stored. An input topic that does not exist
     * yet is left to the task (it starts at the end it finds).
     */
    private void startAtTheEnd(String name, String from) {
        Map<Integer, PartitionReads.Offsets> ends;
        try {
            ends = reads.topicOffsets(from);
        } catch (RunnelException e) {
            return;
        }
        List<GroupCoordinator.OffsetCommit> commits = new ArrayList<>();
        ends.forEach((p, o) -> commits.add(new GroupCoordinator.OffsetCommit(from, p, o.highWatermark(), null)));
        if (!commits.isEmpty()) {
            groups.commit(StreamPlugin.groupOf(name), new GroupCoordinator.CommitSpec(null, null, commits));
        }
    }

    private static void checkName(String name) {
        if (!Names.isLegal(name) || !Names.isLegal(StreamPlugin.groupOf(name))) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "stream names are 1-234 characters of [a-zA-Z0-9._-], and not '.' or '..'")
                    .with("stream", name);
        }
    }

    private ConnectorMetadata find(String name) {
        return store.state().connector(StreamPlugin.connectorOf(name))
                .filter(c -> StreamPlugin.CLASS_NAME.equals(c.config().get("connector.class")))
                .orElseThrow(() -> new RunnelException(ErrorCode.STREAM_NOT_FOUND, "stream '" + name + "' does not exist").with("stream", name));
    }

    private StreamView view(String name, ConnectorMetadata c) {
        StreamDefinition d = StreamDefinition.fromConfig(c.config());
        String state = InternalConnectors.stateOf(c);
        String error = c.tasks().stream().filter(t -> t.failure() != null).findFirst().map(t -> reason(t.failure().trace())).orElse(null);
        List<PartitionStatus> partitions = new ArrayList<>();
        for (OffsetView o : committed(name)) {
            if (o.topic().equals(d.from())) {
                partitions.add(new PartitionStatus(o.partition(), o.committedOffset(), o.lag()));
            }
        }
        MapBody map = d.mapKey() == null && d.mapValue() == null ? null : new MapBody(d.mapKey(), d.mapValue());
        return new StreamView(name, d.from(), d.to(), d.filter(), map, d.startFrom() == null ? StreamDefinition.LATEST : d.startFrom(),
                d.deadLetterTopic(), state, error, partitions);
    }

    private List<OffsetView> committed(String name) {
        try {
            return groups.describe(StreamPlugin.groupOf(name)).offsets();
        } catch (RunnelException e) {
            if (e.code() == ErrorCode.GROUP_NOT_FOUND) {
                return List.of();
            }
            throw e;
        }
    }

    /** The first line of a failure's trace, without the exception's class when it is the stream's own. */
    private static String reason(String trace) {
        int nl = trace.indexOf('\n');
        String first = (nl < 0 ? trace : trace.substring(0, nl)).strip();
        String own = StreamFailure.class.getName() + ": ";
        return first.startsWith(own) ? first.substring(own.length()) : first;
    }
}
