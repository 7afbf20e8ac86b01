package io.runnel.admin;

import io.runnel.api.ProblemResponses;
import io.runnel.cluster.ClusterNode;
import io.runnel.cluster.ClusterState;
import io.runnel.cluster.InstanceMetadata;
import io.runnel.error.ErrorCode;
import io.runnel.cluster.NodeIdentity;
import io.runnel.cluster.QuorumConf;
import io.runnel.security.ApiCall;
import io.runnel.security.RequiredAccess;
import io.runnel.security.web.Caller;
import io.runnel.security.web.Guard;
import io.runnel.topic.TopicCatalog;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /cluster}: the instances of the cluster; on a single node, a cluster of one. Needs {@code DESCRIBE} on the cluster.
 * {@code DELETE /cluster/instances/{id}}: removes an instance ({@link ClusterNode#removeInstance}). Needs {@code ALTER} on the cluster.
 */
@Tag(name = "Cluster", description = "Instances and the controller")
@RestController
class ClusterController {
    private final NodeIdentity node;
    private final TopicCatalog topics;
    private final ClusterNode cluster;
    private final Guard guard;

    ClusterController(NodeIdentity node, TopicCatalog topics, ClusterNode cluster, Guard guard) {
        this.node = node;
        this.topics = topics;
        this.cluster = cluster;
        this.guard = guard;
    }

    /**
     * @param status     online, offline, draining (asked to drain, still holding replicas) or drained (holding none)
     * @param partitions the partitions it leads (as {@code leaders})
     * @param replicas   the partitions it holds a replica of
     * @param leaders    the partitions it leads
     * @param role       {@code voter} or {@code listener} (a member of the metadata quorum that does not vote)
     */
    record Instance(String id, String url, String status, int partitions, int replicas, int leaders, String role) {
    }

    /**
     * @param voters        ids of the metadata quorum's voters
     * @param reassignments partition reassignments queued or running (as {@code GET /reassignments} lists them)
     */
    record ClusterView(String clusterId, String controller, List<Instance> instances, List<String> voters,
                       List<ReassignmentController.Reassignment> reassignments) {
    }

    @Operation(operationId = "describeCluster", summary = "Describe the cluster", description = "Every instance with its status, the number of partitions it leads "
            + "(partitions, leaders) and holds a replica of (replicas), its role in the metadata quorum (voter or listener), and the "
            + "voters; controller is null during an election, and clusterId while a new cluster is forming (its first controller chooses it). An instance is offline once it has been silent for "
            + "runnel.cluster.session-timeout, or for two heartbeat intervals while its HTTP port refuses connections, or if it has not "
            + "heart-beaten since it joined; an instance told to drain is draining while it holds replicas, then drained. The instances "
            + "are the members of the metadata quorum and those that heart-beat, not the configured peer list; reassignments lists "
            + "those queued or running.")
    @ProblemResponses({ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @GetMapping("/cluster")
    ClusterView cluster(Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.DESCRIBE_CLUSTER));
        if (cluster.clustered()) {
            ClusterState state = cluster.state();
            QuorumConf conf = cluster.quorumConf();
            TreeSet<String> ids = new TreeSet<>(conf.members());
            ids.addAll(state.instances().keySet());
            state.membership().removed().forEach(ids::remove);
            List<Instance> instances = ids.stream().map(id -> {
                Optional<InstanceMetadata> seen = state.instance(id);
                int leaders = state.partitionsLedBy(id);
                return new Instance(id, seen.map(InstanceMetadata::url).or(() -> cluster.urlOf(id)).orElse(null),
                        state.statusOf(id).apiName(), leaders, state.replicasOn(id), leaders,
                        conf.voters().contains(id) ? "voter" : "listener");
            }).toList();
            return new ClusterView(node.clusterId(), cluster.controllerId().orElse(null), instances, conf.voters(),
                    ReassignmentController.inProgress(state));
        }
        int partitions = topics.list().stream().mapToInt(t -> t.partitions()).sum();
        return new ClusterView(node.clusterId(), node.id(), List.of(new Instance(node.id(), node.url(), "online", partitions, partitions,
                partitions, "voter")), List.of(node.id()), List.of());
    }

    @Operation(operationId = "removeInstance", summary = "Remove an instance from the cluster", description = "Removes the instance from the "
            + "metadata and from the metadata quorum (the voters are then brought back to an odd number). Refused with 409 while any "
            + "partition still has a replica on it (drain it first). A removed instance still running cannot register itself again; "
            + "restarted with its old data dir it refuses to start, and with an empty data dir it joins as a new member.",
            responses = @ApiResponse(responseCode = "204", description = "Removed"))
    @ProblemResponses({ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.INSTANCE_NOT_FOUND, ErrorCode.INSTANCE_NOT_EMPTY,
            ErrorCode.CONTROLLER_NOT_AVAILABLE})
    @DeleteMapping("/cluster/instances/{id}")
    ResponseEntity<Void> removeInstance(@PathVariable String id, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.REMOVE_INSTANCE));
        cluster.removeInstance(id);
        return ResponseEntity.noContent().build();
    }
}
