package io.runnel.security.store;

import io.runnel.cluster.ClusterNode;
import io.runnel.config.RunnelExecutors;
import io.runnel.config.RunnelProperties;
import io.runnel.security.AclAuthorizer;
import io.runnel.security.KafkaPrincipal;
import io.runnel.storage.DataLayout;
import java.io.IOException;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * The authorizer and where keys and ACLs live: the cluster metadata in a cluster, the single node's
 * file otherwise. Both exist whether or not security is on, so keys and ACLs can be prepared before it is
 * turned on.
 */
@Configuration(proxyBeanMethods = false)
public class SecurityStoreConfig {

    @Bean
    AclAuthorizer aclAuthorizer(RunnelProperties props) {
        return new AclAuthorizer(props.security().superUsers().stream().filter(s -> !s.isBlank()).map(KafkaPrincipal::parse).toList());
    }

    @Bean
    SecurityMetadata securityMetadata(ClusterNode cluster, DataLayout layout, AclAuthorizer authorizer, JsonMapper json, Clock clock,
                                      RunnelExecutors executors) throws IOException {
        if (cluster.clustered()) {
            return new RaftSecurityMetadata(cluster, authorizer, clock, executors.securityFollower()).start();
        }
        return new LocalSecurityMetadata(layout.securityFile(), authorizer, json, clock);
    }
}
