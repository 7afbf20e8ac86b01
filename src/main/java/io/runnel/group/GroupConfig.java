package io.runnel.group;

import io.runnel.cluster.ClusterNode;
import io.runnel.storage.DataLayout;
import java.io.IOException;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/** Where committed offsets live: a local fsynced log on a single node, the Raft metadata in a cluster. */
@Configuration(proxyBeanMethods = false)
class GroupConfig {
    @Bean
    OffsetStore offsetStore(ClusterNode cluster, DataLayout layout, JsonMapper json, Clock clock) throws IOException {
        return cluster.clustered() ? new RaftOffsetStore(cluster) : new LogOffsetStore(layout, json, clock);
    }
}
