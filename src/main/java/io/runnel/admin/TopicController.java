package io.runnel.admin;

import io.runnel.error.RunnelException;
import io.runnel.partition.PartitionReads;
import io.runnel.topic.Names;
import io.runnel.topic.NewTopic;
import io.runnel.topic.Topic;
import io.runnel.topic.TopicCatalog;
import io.runnel.error.ErrorCode;
import io.runnel.api.ProblemResponses;
import io.runnel.cluster.PartitionMetadata;
import io.runnel.config.RunnelProperties;
import io.runnel.security.ApiCall;
import io.runnel.security.RequiredAccess;
import io.runnel.security.ResourceType;
import io.runnel.security.web.Caller;
import io.runnel.security.web.Guard;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Topic administration: create, list, describe, grow or reconfigure, delete; partition details.
 * Every call first checks the caller's ACLs for the call ({@link ApiCall}), before it looks anything up,
 * so a refusal never tells whether the topic exists; the list keeps only what the caller may describe.
 */
@Tag(name = "Topics", description = "Create, describe, reconfigure and delete topics")
@RestController
class TopicController {
    private final TopicCatalog catalog;
    private final PartitionReads reads;
    private final RunnelProperties props;
    private final Guard guard;

    TopicController(TopicCatalog catalog, PartitionReads reads, RunnelProperties props, Guard guard) {
        this.catalog = catalog;
        this.reads = reads;
        this.props = props;
        this.guard = guard;
    }

    @Schema(description = "A new topic; only the name is required.")
    record CreateTopicRequest(
            @Schema(example = "orders", requiredMode = Schema.RequiredMode.REQUIRED) String name,
            @Schema(example = "3", description = "1-10000; default runnel.topics.default-partitions") Integer partitions,
            @Schema(example = "1", description = "copies of each partition; default min(3, instances)") Integer replicationFactor,
            @Schema(example = "{\"retention.ms\":\"604800000\"}") Map<String, String> configs) {
    }

    @Schema(description = "Changes to a topic: grow partitions, set configs, or reset one with null.")
    record UpdateTopicRequest(
            @Schema(example = "6") Integer partitions,
            @Schema(example = "{\"retention.ms\":\"86400000\",\"retention.bytes\":null}",
                    description = "config name to value; null resets that config to its default",
                    additionalPropertiesSchema = NullableConfigValue.class) Map<String, String> configs) {
    }

    @Schema(name = "NullableConfigValue", types = {"string", "null"}, description = "a config value, or null to reset it")
    private static final class NullableConfigValue {
    }

    record TopicSummary(String name, int partitions, int replicationFactor) {
    }

    record TopicList(List<TopicSummary> topics) {
    }

    record PartitionInfo(int partition, String leader,
                         @Schema(description = "the instances holding a copy, the preferred leader first") List<String> replicas,
                         @Schema(description = "the in-sync replicas") List<String> isr,
                         @Schema(description = "null while the leader cannot be reached", types = {"integer", "null"}, format = "int64") Long logStartOffset,
                         @Schema(description = "null while the leader cannot be reached", types = {"integer", "null"}, format = "int64") Long highWatermark,
                         @Schema(description = "true while the ISR is smaller than the replica list") boolean underReplicated) {
    }

    record PartitionList(List<PartitionInfo> partitions) {
    }

    record TopicDescription(String name, int replicationFactor, Map<String, String> configs, List<PartitionInfo> partitions) {
    }

    @Operation(operationId = "createTopic", summary = "Create a topic", responses = @ApiResponse(responseCode = "201",
            description = "Created; Location names the topic", headers = @Header(name = "Location", description = "/topics/{name}")))
    @ProblemResponses({ErrorCode.TOPIC_ALREADY_EXISTS, ErrorCode.INVALID_TOPIC_NAME, ErrorCode.INVALID_PARTITIONS,
            ErrorCode.INVALID_REPLICATION_FACTOR, ErrorCode.INVALID_CONFIG, ErrorCode.MALFORMED_JSON,
            ErrorCode.TOPIC_AUTHORIZATION_FAILED})
    @PostMapping("/topics")
    ResponseEntity<TopicDescription> create(@RequestBody CreateTopicRequest request, Caller caller) {
        // The name is checked first: a malformed name reveals nothing, and the ACLs need a name to match.
        guard.check(caller, RequiredAccess.forCall(ApiCall.CREATE_TOPIC, Names.checkTopic(request.name())));
        Topic topic = catalog.create(new NewTopic(request.name(), request.partitions(), request.replicationFactor(), request.configs()));
        return ResponseEntity.created(URI.create("/topics/" + topic.name())).body(describe(topic));
    }

    @Operation(operationId = "listTopics", summary = "List topics")
    @GetMapping("/topics")
    TopicList list(Caller caller) {
        List<Topic> all = catalog.list();
        Set<String> visible = Set.copyOf(guard.visible(caller, ResourceType.TOPIC, all.stream().map(Topic::name).toList()));
        return new TopicList(all.stream().filter(t -> visible.contains(t.name()))
                .map(t -> new TopicSummary(t.name(), t.partitions(), t.replicationFactor())).toList());
    }

    @Operation(operationId = "describeTopic", summary = "Describe a topic", description = "Effective configs and every partition's offsets.")
    @ProblemResponses({ErrorCode.TOPIC_NOT_FOUND, ErrorCode.INVALID_TOPIC_NAME, ErrorCode.TOPIC_AUTHORIZATION_FAILED})
    @GetMapping("/topics/{topic}")
    TopicDescription get(@PathVariable String topic, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.DESCRIBE_TOPIC, topic));
        return describe(catalog.require(Names.checkTopic(topic)));
    }

    @Operation(operationId = "updateTopic", summary = "Grow partitions or change configs", description = "Partitions only grow; a config set to null returns to its default.")
    @ProblemResponses({ErrorCode.TOPIC_NOT_FOUND, ErrorCode.INVALID_PARTITIONS, ErrorCode.INVALID_CONFIG, ErrorCode.MALFORMED_JSON,
            ErrorCode.TOPIC_AUTHORIZATION_FAILED})
    @PatchMapping("/topics/{topic}")
    TopicDescription update(@PathVariable String topic, @RequestBody UpdateTopicRequest request, Caller caller) {
        guard.check(caller, updateNeeds(topic, request));
        return describe(catalog.update(Names.checkTopic(topic), request.partitions(), request.configs()));
    }

    @Operation(operationId = "deleteTopic", summary = "Delete a topic and all its data",
            responses = @ApiResponse(responseCode = "204", description = "Deleted"))
    @ProblemResponses({ErrorCode.TOPIC_NOT_FOUND, ErrorCode.TOPIC_AUTHORIZATION_FAILED})
    @DeleteMapping("/topics/{topic}")
    ResponseEntity<Void> delete(@PathVariable String topic, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.DELETE_TOPIC, topic));
        catalog.delete(Names.checkTopic(topic));
        return ResponseEntity.noContent().build();
    }

    @Operation(operationId = "listPartitions", summary = "List a topic's partitions")
    @ProblemResponses({ErrorCode.TOPIC_NOT_FOUND, ErrorCode.TOPIC_AUTHORIZATION_FAILED})
    @GetMapping("/topics/{topic}/partitions")
    PartitionList partitions(@PathVariable String topic, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.DESCRIBE_TOPIC, topic));
        Names.checkTopic(topic);
        return new PartitionList(infos(topic));
    }

    @Operation(operationId = "describePartition", summary = "Describe one partition")
    @ProblemResponses({ErrorCode.TOPIC_NOT_FOUND, ErrorCode.PARTITION_NOT_FOUND, ErrorCode.TOPIC_AUTHORIZATION_FAILED})
    @GetMapping("/topics/{topic}/partitions/{partition}")
    PartitionInfo partition(@PathVariable String topic, @PathVariable int partition, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.DESCRIBE_TOPIC, topic));
        Names.checkTopic(topic);
        PartitionMetadata m = catalog.placement(topic, partition);
        PartitionReads.Offsets o;
        try {
            o = reads.offsets(topic, partition);
        } catch (RunnelException e) {
            o = null;
        }
        return info(m, o);
    }

    /**
     * A {@code PATCH} needs {@code ALTER} to grow partitions and {@code ALTER_CONFIGS} to change configs (both
     * when it does both); one that changes nothing only describes the topic.
     */
    private static RequiredAccess updateNeeds(String topic, UpdateTopicRequest request) {
        RequiredAccess needs = new RequiredAccess(List.of());
        if (request.partitions() != null) {
            needs = needs.and(RequiredAccess.forCall(ApiCall.ADD_PARTITIONS, topic));
        }
        if (request.configs() != null) {
            needs = needs.and(RequiredAccess.forCall(ApiCall.ALTER_TOPIC_CONFIGS, topic));
        }
        return needs.allOf().isEmpty() ? RequiredAccess.forCall(ApiCall.DESCRIBE_TOPIC, topic) : needs;
    }

    private TopicDescription describe(Topic topic) {
        return new TopicDescription(topic.name(), topic.replicationFactor(),
                topic.configs().effective(props.produce().maxRecordSize().toBytes()),
                infos(topic.name()));
    }

    private List<PartitionInfo> infos(String topic) {
        Map<Integer, PartitionReads.Offsets> offsets = reads.topicOffsets(topic);
        List<PartitionInfo> infos = new java.util.ArrayList<>();
        for (PartitionMetadata m : catalog.require(topic).placement()) {
            infos.add(info(m, offsets.get(m.partition())));
        }
        return infos;
    }

    private static PartitionInfo info(PartitionMetadata m, PartitionReads.Offsets o) {
        return new PartitionInfo(m.partition(), m.leader(), m.replicas(), m.isr(), o == null ? null : o.logStartOffset(),
                o == null ? null : o.highWatermark(), m.isr().size() < m.replicas().size());
    }
}
