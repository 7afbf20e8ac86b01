package io.runnel.partition;

import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.cluster.ClusterNode;
import io.runnel.cluster.PartitionMetadata;
import io.runnel.topic.TopicCatalog;
import org.springframework.stereotype.Component;

/**
 * The one answer to "where does a request for this partition go" ({@link Route}), from the
 * catalog's placement, the open logs and the instances' liveness. On a single node every existing
 * partition is {@link Route.Local}. Stateless; safe from any thread.
 */
@Component
public class PartitionRouter {
    private final TopicCatalog catalog;
    private final LogManager logs;
    private final ClusterNode cluster;

    public PartitionRouter(TopicCatalog catalog, LogManager logs, ClusterNode cluster) {
        this.catalog = catalog;
        this.logs = logs;
        this.cluster = cluster;
    }

    /**
     * Routes a request for {@code topic}-{@code partition}.
     *
     * @throws RunnelException {@code 404 TOPIC_NOT_FOUND} / {@code PARTITION_NOT_FOUND}
     */
    public Route route(String topic, int partition) {
        PartitionMetadata m = catalog.placement(topic, partition);
        String leader = m.leader();
        if (leader.equals(cluster.selfId())) {
            return logs.partition(topic, partition)
                    .<Route>map(p -> new Route.Local(topic, m, p))
                    .orElseGet(() -> new Route.Unavailable(topic, m, "instance " + leader + " leads " + topic + "-" + partition
                            + " but has not opened its log yet; retry shortly"));
        }
        if (!cluster.isOnline(leader)) {
            return new Route.Unavailable(topic, m, "the leader of " + topic + "-" + partition + ", " + leader + ", is offline");
        }
        return new Route.Remote(topic, m, leader);
    }

    /**
     * The partition's log when this instance leads it; else {@code 503 LEADER_NOT_AVAILABLE} (callers
     * forward to the leader before they get here, so this means the metadata moved meanwhile), or
     * the 404s of {@link #route}.
     */
    public Partition local(String topic, int partition) {
        return localRoute(topic, partition).partition();
    }

    /** As {@link #local}, with the partition's metadata as routed. */
    public Route.Local localRoute(String topic, int partition) {
        Route route = route(topic, partition);
        if (route instanceof Route.Local local) {
            return local;
        }
        if (route instanceof Route.Unavailable unavailable) {
            throw unavailable.problem();
        }
        String leader = route.metadata().leader();
        throw new RunnelException(ErrorCode.LEADER_NOT_AVAILABLE, "instance " + cluster.selfId() + " does not lead " + topic + "-"
                + partition + "; " + leader + " does").with("topic", topic).with("partition", partition).with("leader", leader);
    }
}
