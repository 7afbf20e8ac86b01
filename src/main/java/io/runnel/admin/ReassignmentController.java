package io.runnel.admin;

import io.runnel.api.ProblemResponses;
import io.runnel.cluster.ClusterNode;
import io.runnel.cluster.ClusterState;
import io.runnel.cluster.MetadataCommand;
import io.runnel.cluster.PartitionMetadata;
import io.runnel.cluster.TopicMetadata;
import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import io.runnel.security.ApiCall;
import io.runnel.security.RequiredAccess;
import io.runnel.security.web.Caller;
import io.runnel.security.web.Guard;
import io.runnel.topic.Names;
import io.runnel.topic.TopicCatalog;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Partition reassignment (Kafka's KIP-455): {@code PUT /topics/{topic}/partitions/{p}/replicas} requests a move,
 * {@code GET /reassignments} lists those queued or running, {@code DELETE
 * /topics/{topic}/partitions/{p}/replicas/reassignment} cancels one. Any instance answers: a request becomes a
 * metadata command ({@link MetadataCommand.ReassignPartition}, {@link MetadataCommand.CancelReassignment}) that
 * the metadata quorum commits wherever its leader is, and the controller then drives the move
 * ({@code io.runnel.cluster.ReassignmentPlanner}). Changing needs {@code ALTER} on the cluster (Kafka's
 * AlterPartitionReassignments), listing {@code DESCRIBE} on the cluster (ListPartitionReassignments); the ACLs
 * are checked before anything is looked up.
 *
 * <p>On a single node every partition is on this instance, so the only valid replica list is this instance's id
 * alone: that answers {@code 202} with the reassignment done, any other {@code 422 INVALID_REPLICA_ASSIGNMENT}.
 */
@Tag(name = "Cluster", description = "Instances and the controller")
@RestController
class ReassignmentController {
    private final ClusterNode cluster;
    private final TopicCatalog topics;
    private final Guard guard;

    ReassignmentController(ClusterNode cluster, TopicCatalog topics, Guard guard) {
        this.cluster = cluster;
        this.topics = topics;
        this.guard = guard;
    }

    @Schema(description = "Where a partition moves to.")
    record ReplicasRequest(
            @Schema(example = "[\"n1\",\"n3\",\"n4\"]", requiredMode = Schema.RequiredMode.REQUIRED,
                    description = "instance ids, distinct, at least one; the first is the preferred leader") List<String> replicas) {
    }

    @Schema(description = "A partition's reassignment.")
    record Reassignment(String topic, int partition,
                        @Schema(description = "the instances holding a copy now; while running, the original replicas then the adding ones")
                        List<String> replicas,
                        @Schema(description = "replicas being added: they copy the partition and join the ISR") List<String> adding,
                        @Schema(description = "replicas dropped once every target replica is in sync") List<String> removing,
                        @Schema(description = "the requested replicas, the preferred leader first") List<String> target,
                        @Schema(description = "the in-sync replicas now") List<String> isr,
                        @Schema(description = "the leader now") String leader,
                        @Schema(allowableValues = {"queued", "running", "done"},
                                description = "queued: waiting for a slot (runnel.cluster.max-concurrent-reassignments); running: "
                                        + "the replicas were added; done: the partition is on the target replicas") String state) {
    }

    record ReassignmentList(List<Reassignment> reassignments) {
    }

    @Operation(operationId = "reassignPartition", summary = "Move a partition to other replicas",
            description = "Requests that the partition move to these replicas (Kafka's KIP-455 order): the new replicas copy it from "
                    + "the leader and join the in-sync replicas, the leadership moves to the first target replica if the leader is "
                    + "not in the target, then the old replicas are dropped and delete their copy. Writes go on meanwhile and nothing "
                    + "acknowledged is lost. At most runnel.cluster.max-concurrent-reassignments run at once; the others wait queued. "
                    + "The same replicas in another order apply at once (the preferred leader changes); the same list changes nothing. "
                    + "On a single node only [<its id>] is valid.",
            responses = @ApiResponse(responseCode = "202", description = "Accepted: queued, running, or done at once"))
    @ProblemResponses({ErrorCode.TOPIC_NOT_FOUND, ErrorCode.PARTITION_NOT_FOUND, ErrorCode.INVALID_TOPIC_NAME,
            ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.REASSIGNMENT_IN_PROGRESS, ErrorCode.INVALID_REQUEST,
            ErrorCode.MALFORMED_JSON, ErrorCode.CONTROLLER_NOT_AVAILABLE, ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @PutMapping("/topics/{topic}/partitions/{partition}/replicas")
    ResponseEntity<Reassignment> reassign(@PathVariable String topic, @PathVariable int partition,
                                          @RequestBody ReplicasRequest request, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.ALTER_PARTITION_REASSIGNMENTS));
        Names.checkTopic(topic);
        List<String> target = checkReplicas(request);
        if (!cluster.clustered()) {
            PartitionMetadata p = topics.placement(topic, partition);
            if (!target.equals(List.of(cluster.selfId()))) {
                throw new RunnelException(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "a single node holds every partition itself: the only"
                        + " valid replicas are [" + cluster.selfId() + "], got " + target).with("topic", topic).with("partition", partition);
            }
            return ResponseEntity.status(HttpStatus.ACCEPTED).body(view(topic, p, target));
        }
        cluster.submit(new MetadataCommand.ReassignPartition(topic, partition, target));
        PartitionMetadata now = partitionOf(cluster.state(), topic, partition);
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(view(topic, now, target));
    }

    @Operation(operationId = "listReassignments", summary = "List partition reassignments",
            description = "Every reassignment queued or running, by topic and partition; completed and cancelled ones are not listed.")
    @ProblemResponses({ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @GetMapping("/reassignments")
    ReassignmentList list(Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.DESCRIBE_PARTITION_REASSIGNMENTS));
        if (!cluster.clustered()) {
            return new ReassignmentList(List.of());
        }
        return new ReassignmentList(inProgress(cluster.state()));
    }

    /** Every reassignment queued or running in {@code state}, by topic and partition. */
    static List<Reassignment> inProgress(ClusterState state) {
        List<Reassignment> all = new ArrayList<>();
        for (TopicMetadata t : state.topics().values()) {
            for (PartitionMetadata p : t.partitions()) {
                if (p.reassigning()) {
                    all.add(view(t.name(), p, p.targetReplicas()));
                }
            }
        }
        return all;
    }

    @Operation(operationId = "cancelReassignment", summary = "Cancel a partition's reassignment",
            description = "A queued reassignment is dropped; a running one reverts to the original replicas (the added ones are "
                    + "dropped and delete their copy; the leadership moves back to an original replica if an added one leads). "
                    + "409 when no original replica is in sync any more: the reassignment can then only complete.",
            responses = @ApiResponse(responseCode = "204", description = "Cancelled"))
    @ProblemResponses({ErrorCode.TOPIC_NOT_FOUND, ErrorCode.PARTITION_NOT_FOUND, ErrorCode.INVALID_TOPIC_NAME,
            ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, ErrorCode.REASSIGNMENT_IN_PROGRESS, ErrorCode.CONTROLLER_NOT_AVAILABLE,
            ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @DeleteMapping("/topics/{topic}/partitions/{partition}/replicas/reassignment")
    ResponseEntity<Void> cancel(@PathVariable String topic, @PathVariable int partition, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.ALTER_PARTITION_REASSIGNMENTS));
        Names.checkTopic(topic);
        if (!cluster.clustered()) {
            topics.placement(topic, partition);
            throw new RunnelException(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, topic + "-" + partition + " has no reassignment in progress")
                    .with("topic", topic).with("partition", partition);
        }
        cluster.submit(new MetadataCommand.CancelReassignment(topic, partition));
        return ResponseEntity.noContent().build();
    }

    /** The replica list of a request: present, not empty, without duplicates or blank ids. */
    private static List<String> checkReplicas(ReplicasRequest request) {
        if (request == null || request.replicas() == null) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "the body must be {\"replicas\":[\"<instance id>\",…]}");
        }
        List<String> replicas = request.replicas();
        if (replicas.isEmpty() || replicas.stream().anyMatch(r -> r == null || r.isBlank())
                || new HashSet<>(replicas).size() != replicas.size()) {
            throw new RunnelException(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "replicas must be distinct instance ids, at least one; got "
                    + replicas);
        }
        return List.copyOf(replicas);
    }

    private static PartitionMetadata partitionOf(ClusterState state, String topic, int partition) {
        TopicMetadata t = state.topic(topic).orElseThrow(() -> new RunnelException(ErrorCode.TOPIC_NOT_FOUND,
                "topic '" + topic + "' does not exist").with("topic", topic));
        if (partition < 0 || partition >= t.partitionCount()) {
            throw new RunnelException(ErrorCode.PARTITION_NOT_FOUND, "topic '" + topic + "' has no partition " + partition)
                    .with("topic", topic).with("partition", partition);
        }
        return t.partitions().get(partition);
    }

    private static Reassignment view(String topic, PartitionMetadata p, List<String> requested) {
        String state = !p.reassigning() ? "done" : p.reassignmentStarted() ? "running" : "queued";
        return new Reassignment(topic, p.partition(), p.replicas(), p.addingReplicas(), p.removingReplicas(), requested, p.isr(),
                p.leader(), state);
    }
}
