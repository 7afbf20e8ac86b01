package io.runnel.cluster;

import io.runnel.topic.TopicRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /cluster}: the instances of the cluster; on a single node, a cluster of one. */
@Tag(name = "Cluster", description = "Instances and the controller")
@RestController
class ClusterController {
    private final NodeIdentity node;
    private final TopicRegistry topics;

    ClusterController(NodeIdentity node, TopicRegistry topics) {
        this.node = node;
        this.topics = topics;
    }

    record Instance(String id, String url, String status, int partitions) {
    }

    record ClusterView(String clusterId, String controller, List<Instance> instances) {
    }

    @Operation(summary = "Describe the cluster", description = "Every instance with its status and the number of partitions it leads.")
    @GetMapping("/cluster")
    ClusterView cluster() {
        int partitions = topics.list().stream().mapToInt(t -> t.partitions()).sum();
        return new ClusterView(node.clusterId(), node.id(), List.of(new Instance(node.id(), node.url(), "online", partitions)));
    }
}
