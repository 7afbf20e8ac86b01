package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.it.RunnelProcess.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Three real instances with security on and the same bootstrap key: an API key and an ACL made through one
 * instance are listed by the two others, and the key authenticates there, within a second (awaited with a
 * bound of a few seconds, the contract's second is not timed here); after one instance restarts it has them
 * too; a key deleted through one instance stops authenticating on all. The ACLs decide on every instance,
 * for calls appended on a partition's leader and for reads forwarded to it with the caller's principal.
 */
class SecurityClusterIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration READY = Duration.ofSeconds(120);
    private static final Duration PROPAGATION = Duration.ofSeconds(5);
    private static final String BOOTSTRAP = "it-bootstrap-key-0123456789abcdef";
    private static final String ADMIN = "Bearer " + BOOTSTRAP;
    private static final String ACL = "{\"principal\":\"User:alice\",\"resourceType\":\"TOPIC\",\"resourceName\":\"orders.\","
            + "\"patternType\":\"PREFIXED\",\"operation\":\"WRITE\",\"permission\":\"ALLOW\"}";

    private LocalCluster cluster;

    @AfterEach
    void stopAll() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private Response call(String id, String method, String path, String authorization, String json) {
        RunnelProcess node = cluster.node(id);
        HttpRequest.Builder request = HttpRequest.newBuilder(node.baseUri().resolve(path)).timeout(Duration.ofSeconds(15))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            return node.send(request.build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode json(Response r) {
        return JSON.readTree(r.body());
    }

    private boolean listsKey(String id, String keyId) {
        Response r = call(id, "GET", "/api-keys", ADMIN, null);
        return r.status() == 200 && json(r).path("apiKeys").values().stream().anyMatch(k -> k.path("id").asString().equals(keyId));
    }

    private boolean listsAcl(String id) {
        Response r = call(id, "GET", "/acls?principal=User:alice", ADMIN, null);
        return r.status() == 200 && json(r).path("acls").values().stream()
                .anyMatch(a -> a.path("resourceName").asString().equals("orders.") && a.path("operation").asString().equals("WRITE"));
    }

    private int statusWith(String id, String authorization) {
        return call(id, "GET", "/topics", authorization, null).status();
    }

    @Test
    void keysAndAclsMadeOnOneInstanceHoldOnTheOthersAndAfterARestart() throws Exception {
        cluster = LocalCluster.start("security", 3, READY, "--runnel.security.enabled=true",
                "--runnel.security.bootstrap-key=" + BOOTSTRAP);

        Response made = call("n0", "POST", "/api-keys", ADMIN, "{\"principal\":\"User:alice\",\"description\":\"orders producer\"}");
        assertThat(made.status()).as(made.text()).isEqualTo(201);
        String keyId = json(made).path("id").asString();
        String bearer = "Bearer " + json(made).path("key").asString();
        String basic = "Basic " + Base64.getEncoder().encodeToString((keyId + ":" + json(made).path("key").asString())
                .getBytes(StandardCharsets.UTF_8));
        Response granted = call("n0", "POST", "/acls", ADMIN, ACL);
        assertThat(granted.status()).as(granted.text()).isEqualTo(201);

        for (String id : List.of("n1", "n2")) {
            await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(50)).until(() -> listsKey(id, keyId));
            await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(50)).until(() -> listsAcl(id));
            assertThat(statusWith(id, bearer)).as("the key authenticates on %s", id).isEqualTo(200);
            assertThat(statusWith(id, basic)).isEqualTo(200);
        }

        // The ACLs decide on whichever instance answers: produce (appended on the leader from any instance), and
        // fetch (forwarded to the leader with the authenticated principal when asked of another instance).
        Response topic = call("n0", "POST", "/topics", ADMIN, "{\"name\":\"orders.eu\",\"partitions\":1}");
        assertThat(topic.status()).as(topic.text()).isEqualTo(201);
        Response reader = call("n1", "POST", "/api-keys", ADMIN, "{\"principal\":\"User:reader\"}");
        String readerBearer = "Bearer " + json(reader).path("key").asString();
        assertThat(call("n1", "POST", "/acls", ADMIN, ACL.replace("alice", "reader").replace("WRITE", "READ")).status()).isEqualTo(201);
        String records = "/topics/orders.eu/partitions/0/records?offset=0";
        for (String id : List.of("n0", "n1", "n2")) {
            await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(50))
                    .until(() -> call(id, "POST", "/topics/orders.eu/records", bearer, "{\"records\":[{\"value\":1}]}").status() == 200);
            await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(50)).until(() -> call(id, "GET", records, readerBearer, null).status() == 200);
            Response refused = call(id, "GET", records, bearer, null);
            assertThat(refused.status()).as("alice may write, not read, on %s: %s", id, refused.text()).isEqualTo(403);
            assertThat(json(refused).path("code").asString()).isEqualTo("TOPIC_AUTHORIZATION_FAILED");
            Response elsewhere = call(id, "POST", "/topics/payments/records", bearer, "{\"records\":[{\"value\":1}]}");
            assertThat(elsewhere.status()).as("%s: %s", id, elsewhere.text()).isEqualTo(403);
        }

        cluster.kill("n2");
        cluster.restart("n2", READY);

        await().atMost(PROPAGATION).until(() -> listsKey("n2", keyId) && listsAcl("n2") && statusWith("n2", bearer) == 200);

        Response deleted = call("n1", "DELETE", "/api-keys/" + keyId, ADMIN, null);
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(204);
        for (String id : List.of("n0", "n1", "n2")) {
            await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(50)).until(() -> statusWith(id, bearer) == 401);
        }
        cluster.passed();
    }
}
