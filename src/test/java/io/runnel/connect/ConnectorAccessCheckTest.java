package io.runnel.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.runnel.cluster.MetadataCommand.PutConnector;
import io.runnel.security.Access;
import io.runnel.security.AclAuthorizer;
import io.runnel.security.AclBinding;
import io.runnel.security.AclBindingFilter;
import io.runnel.security.KafkaPrincipal;
import io.runnel.security.Operation;
import io.runnel.security.PatternType;
import io.runnel.security.Permission;
import io.runnel.security.ResourceType;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** A connector whose creator loses a right it needs fails at once with a trace saying which. */
class ConnectorAccessCheckTest {
    private static final KafkaPrincipal ALICE = KafkaPrincipal.user("alice");

    @TempDir
    Path dir;

    private final ExecutorService workerThread = Executors.newSingleThreadExecutor();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        workerThread.shutdownNow();
        timers.shutdownNow();
    }

    private static AclBinding allow(ResourceType type, String name) {
        return new AclBinding(ALICE, type, name, PatternType.LITERAL, Operation.READ, Permission.ALLOW, AclBinding.ANY_HOST);
    }

    @Test
    void aRevokedReadFailsTheConnectorsTasksWithTheReason() throws Exception {
        LocalConnectorStore store = new LocalConnectorStore(dir.resolve("connectors.json"), "n0", JsonMapper.builder().build());
        RecordingPlugin plugin = new RecordingPlugin();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
        ConnectorWorker worker = new ConnectorWorker(store, List.of(plugin), new ConnectorWorker.Settings("n0",
                p -> new RunnelApi(http, URI.create("http://127.0.0.1:9"), Map.of()), new SimpleMeterRegistry(), timers,
                Clock.systemUTC()), workerThread);
        AclAuthorizer authorizer = new AclAuthorizer(List.of());
        authorizer.replace(List.of(allow(ResourceType.TOPIC, "orders"), allow(ResourceType.GROUP, "connect-c")));
        ConnectorAccessCheck check = new ConnectorAccessCheck(store, worker, authorizer);
        store.submit(new PutConnector("c", Map.of("connector.class", "recording", "topics", "orders"), ALICE.toString(), 1));
        worker.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> worker.runs("c", 0));

        check.check();
        assertThat(worker.runs("c", 0)).as("every right is still there").isTrue();

        authorizer.remove(new AclBindingFilter(ALICE, ResourceType.TOPIC, "orders", PatternType.LITERAL, Operation.READ, Permission.ALLOW));
        assertThat(check.missing(store.state().connector("c").orElseThrow())).contains(Access.topic(Operation.READ, "orders"));
        check.check();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(store.state().connector("c").orElseThrow().tasks().get(0)
                .failure()).isNotNull());
        assertThat(store.state().connector("c").orElseThrow().tasks().get(0).failure().trace())
                .contains("User:alice is no longer allowed READ on TOPIC 'orders'");
        assertThat(worker.runs("c", 0)).isFalse();
        assertThat(plugin.stops("c")).isEqualTo(1);
    }
}
