package io.runnel.connect;

import io.micrometer.core.instrument.MeterRegistry;
import io.runnel.cluster.ClusterNode;
import io.runnel.cluster.InternalClient;
import io.runnel.cluster.NodeIdentity;
import io.runnel.config.RunnelExecutors;
import io.runnel.security.AclAuthorizer;
import io.runnel.security.web.TaskIdentity;
import io.runnel.security.store.SecurityMetadata;
import io.runnel.security.web.Guard;
import io.runnel.storage.DataLayout;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * The connector runtime's wiring: where definitions live (the metadata in a cluster, a file on a single
 * node), the worker that runs this instance's tasks with every {@link ConnectorPlugin} bean, the tasks'
 * HTTP client to this instance's own API (over TLS when the instance serves TLS), and the lifecycle that
 * starts the worker once the web server is up and stops every task before the web server stops.
 */
@Configuration(proxyBeanMethods = false)
public class ConnectorRuntimeConfig {
    /** How long shutdown waits for tasks to stop. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    @Bean
    ConnectorStore connectorStore(ClusterNode cluster, DataLayout layout, JsonMapper json) throws IOException {
        if (cluster.clustered()) {
            return new RaftConnectorStore(cluster).start();
        }
        return new LocalConnectorStore(layout.connectorsFile(), cluster.selfId(), json);
    }

    @Bean
    ConnectorWorker connectorWorker(ConnectorStore store, ObjectProvider<ConnectorPlugin> plugins, NodeIdentity identity, Guard guard,
                                    TaskIdentity tasks, MeterRegistry meters, RunnelExecutors executors, Clock clock) {
        HttpClient http = identity.tls().configure(HttpClient.newBuilder()).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).proxy(HttpClient.Builder.NO_PROXY)
                .followRedirects(HttpClient.Redirect.NEVER).executor(executors.connect()).build();
        ConnectorWorker.Settings settings = new ConnectorWorker.Settings(identity.id(), principal -> new RunnelApi(http,
                URI.create(identity.url()), guard.enabled() ? tasks.headersFor(principal) : Map.of()), meters, executors.connect(), clock);
        return new ConnectorWorker(store, plugins.orderedStream().toList(), settings, executors.connectWorker());
    }

    @Bean
    TaskReports taskReports(ConnectorWorker worker, InternalClient internal, NodeIdentity identity, JsonMapper json) {
        return new TaskReports(worker, internal, identity.id(), json);
    }

    @Bean
    ConnectorConfigs connectorConfigs(ConnectorWorker worker) {
        return new ConnectorConfigs(worker::plugin, worker::isInternal);
    }

    @Bean
    SmartLifecycle connectorRuntime(ConnectorStore store, ConnectorWorker worker, MeterRegistry meters, Guard guard,
                                    SecurityMetadata security, AclAuthorizer authorizer) {
        ConnectorMetrics metrics = new ConnectorMetrics(meters, store);
        ConnectorAccessCheck access = new ConnectorAccessCheck(store, worker, authorizer);
        return new SmartLifecycle() {
            private volatile boolean running;
            private boolean subscribed;

            /** Also after {@link #stop}: Spring pauses a cached test context by stopping it, and starts it again. */
            @Override
            public synchronized void start() {
                if (!subscribed) {
                    subscribed = true;
                    store.onChange(metrics::follow);
                    if (guard.enabled()) {
                        security.onChange(access::check);
                    }
                }
                metrics.follow();
                worker.start();
                running = true;
            }

            @Override
            public void stop() {
                worker.stopAll(STOP_TIMEOUT.toMillis());
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }
        };
    }
}
