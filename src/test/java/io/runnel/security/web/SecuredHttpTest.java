package io.runnel.security.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.TestDataDirs;
import io.runnel.TestHttp;
import io.runnel.security.AclBinding;
import io.runnel.security.KafkaPrincipal;
import io.runnel.security.Operation;
import io.runnel.security.PatternType;
import io.runnel.security.Permission;
import io.runnel.security.ResourceType;
import io.runnel.security.store.SecurityMetadata;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * One running node with security on, shared by the authorization tests (one application context: same
 * properties), and helpers: principals with keys made through {@link SecurityMetadata}, ACLs for them,
 * and clients that call over real HTTP with a key. Every test uses names of its own, so tests share the
 * node without seeing each other's topics, groups or principals.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
abstract class SecuredHttpTest {
    static final String BOOTSTRAP = "bootstrap-key-for-authz-tests-0123456789";
    static final Path DATA_DIR = TestDataDirs.create("runnel-authz-test-");
    private static final AtomicInteger NAMES = new AtomicInteger();

    @DynamicPropertySource
    static void securityOn(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", DATA_DIR::toString);
        registry.add("runnel.security.enabled", () -> "true");
        registry.add("runnel.security.bootstrap-key", () -> BOOTSTRAP);
    }

    @LocalServerPort
    int port;

    @Autowired
    SecurityMetadata metadata;

    /** A name no other test uses. */
    static String unique(String prefix) {
        return prefix + "-" + NAMES.incrementAndGet();
    }

    /** The super-user of the bootstrap key, for setting things up. */
    Client admin() {
        return new Client(new TestHttp(port), BOOTSTRAP, KafkaPrincipal.user("admin"), null);
    }

    /** A new principal with an API key of its own and no ACL. */
    Client newPrincipal(String prefix) {
        KafkaPrincipal principal = KafkaPrincipal.user(unique(prefix));
        SecurityMetadata.NewApiKey key = metadata.createApiKey(principal, "authorization test");
        return new Client(new TestHttp(port), key.key(), principal, key.stored().id());
    }

    /** Allows {@code client} {@code operation} on the literal resource. */
    void allow(Client client, ResourceType type, String name, Operation operation) {
        metadata.createAcl(new AclBinding(client.principal(), type, name, PatternType.LITERAL, operation, Permission.ALLOW));
    }

    void allowTopic(Client client, String topic, Operation operation) {
        allow(client, ResourceType.TOPIC, topic, operation);
    }

    void allowGroup(Client client, String group, Operation operation) {
        allow(client, ResourceType.GROUP, group, operation);
    }

    void allowCluster(Client client, Operation operation) {
        allow(client, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME, operation);
    }

    /** A caller over real HTTP with {@code Authorization: Bearer <key>}. */
    record Client(TestHttp http, String key, KafkaPrincipal principal, String keyId) {
        HttpRequest.Builder request(String path) {
            return http.request(path).header("Authorization", "Bearer " + key);
        }

        TestHttp.Response get(String path) {
            return http.send(request(path).GET().build());
        }

        TestHttp.Response delete(String path) {
            return http.send(request(path).DELETE().build());
        }

        TestHttp.Response post(String path, Object body) {
            return send("POST", path, body);
        }

        TestHttp.Response put(String path, Object body) {
            return send("PUT", path, body);
        }

        TestHttp.Response patch(String path, Object body) {
            return send("PATCH", path, body);
        }

        private TestHttp.Response send(String method, String path, Object body) {
            String json = body instanceof String s ? s : TestHttp.JSON.writeValueAsString(body);
            return http.send(request(path).header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(json)).build());
        }

        void createTopic(String topic) {
            TestHttp.Response r = post("/topics", Map.of("name", topic, "partitions", 1));
            assertThat(r.status()).as(r.body()).isEqualTo(201);
        }

        void produce(String topic) {
            TestHttp.Response r = post("/topics/" + topic + "/records", "{\"records\":[{\"value\":1}]}");
            assertThat(r.status()).as(r.body()).isEqualTo(200);
        }

        /** Joins {@code group} to read {@code topic} from the earliest offset; returns the answer. */
        TestHttp.Response join(String group, String topic) {
            return post("/groups/" + group + "/members", Map.of("topics", java.util.List.of(topic), "autoOffsetReset", "earliest"));
        }

        /** Makes {@code group} exist without members: a commit of offset 0 of {@code topic}'s partition 0. */
        void commitWithoutMember(String group, String topic) {
            TestHttp.Response r = put("/groups/" + group + "/offsets",
                    Map.of("offsets", java.util.List.of(Map.of("topic", topic, "partition", 0, "offset", 0))));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
        }
    }
}
