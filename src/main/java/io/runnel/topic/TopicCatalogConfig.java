package io.runnel.topic;

import io.runnel.cluster.ClusterNode;
import io.runnel.config.RunnelExecutors;
import io.runnel.config.RunnelProperties;
import io.runnel.storage.DataLayout;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/** Chooses the catalog: the Raft one when peers are configured, else the single node's file. */
@Configuration(proxyBeanMethods = false)
public class TopicCatalogConfig {
    @Bean
    TopicCatalog topicCatalog(ClusterNode cluster, RunnelProperties props, DataLayout layout, JsonMapper json, Clock clock,
                              RunnelExecutors executors) {
        return catalogFor(cluster, props, layout, json, clock, executors.topicFollower());
    }

    /**
     * The catalog this instance uses: Raft-backed in a cluster (following the metadata on
     * {@code follow}, a single-thread executor), file-backed on a single node ({@code follow} unused).
     */
    public static TopicCatalog catalogFor(ClusterNode cluster, RunnelProperties props, DataLayout layout, JsonMapper json, Clock clock,
                                          ExecutorService follow) {
        TopicRules rules = new TopicRules(props.topics());
        if (cluster.clustered()) {
            return new RaftTopicCatalog(cluster, rules, clock, java.util.Objects.requireNonNull(follow, "follow"));
        }
        return new LocalTopicCatalog(layout.topicsFile(), cluster.selfId(), rules, json, clock);
    }
}
