package io.runnel.admin;

import io.runnel.api.ProblemResponses;
import io.runnel.cluster.ClusterNode;
import io.runnel.cluster.ClusterState;
import io.runnel.cluster.InstanceMetadata;
import io.runnel.error.ErrorCode;
import io.runnel.cluster.NodeIdentity;
import io.runnel.security.ApiCall;
import io.runnel.security.RequiredAccess;
import io.runnel.security.web.Caller;
import io.runnel.security.web.Guard;
import io.runnel.topic.TopicCatalog;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.Optional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /cluster}: the instances of the cluster; on a single node, a cluster of one. Needs {@code DESCRIBE} on the cluster. */
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
     */
    record Instance(String id, String url, String status, int partitions, int replicas, int leaders) {
    }

    record ClusterView(String clusterId, String controller, List<Instance> instances) {
    }

    @Operation(operationId = "describeCluster", summary = "Describe the cluster", description = "Every instance with its status, the number of partitions it leads "
            + "(partitions, leaders) and holds a replica of (replicas); controller is null during an election. An instance is offline "
            + "once it has been silent for runnel.cluster.session-timeout, or for two heartbeat intervals while its HTTP port refuses "
            + "connections, or if it has not joined since the cluster formed; an instance told to drain is draining while it holds replicas, "
            + "then drained.")
    @ProblemResponses({ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @GetMapping("/cluster")
    ClusterView cluster(Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.DESCRIBE_CLUSTER));
        if (node.peers().isPresent()) {
            ClusterState state = cluster.state();
            List<Instance> instances = node.peers().get().all().stream().map(peer -> {
                Optional<InstanceMetadata> seen = state.instance(peer.id());
                int leaders = state.partitionsLedBy(peer.id());
                return new Instance(peer.id(), seen.map(InstanceMetadata::url).orElse(node.urlOf(peer)),
                        state.statusOf(peer.id()).apiName(), leaders, state.replicasOn(peer.id()), leaders);
            }).toList();
            return new ClusterView(node.clusterId(), cluster.controllerId().orElse(null), instances);
        }
        int partitions = topics.list().stream().mapToInt(t -> t.partitions()).sum();
        return new ClusterView(node.clusterId(), node.id(), List.of(new Instance(node.id(), node.url(), "online", partitions, partitions,
                partitions)));
    }
}
