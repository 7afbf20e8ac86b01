package io.runnel.security.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.TestHttp;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * README "Security", step by step, over HTTP only, as a new user follows it: with the bootstrap key, make a
 * key for a team and let it produce to {@code orders.*} and nothing else. Any drift between the README's
 * steps and what the server does fails here.
 */
class SecurityWalkthroughTest extends SecuredHttpTest {

    @Test
    void aTeamKeyThatMayOnlyProduceToOrdersTopics() {
        Client admin = admin();
        admin.createTopic("orders.eu");
        admin.createTopic("payments");

        TestHttp.Response created = admin.post("/api-keys", Map.of("principal", "User:orders-team", "description", "orders service"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode key = created.json();
        assertThat(key.path("principal").asString()).isEqualTo("User:orders-team");
        TestHttp.Response granted = admin.post("/acls", Map.of("principal", "User:orders-team", "resourceType", "TOPIC",
                "resourceName", "orders.", "patternType", "PREFIXED", "operation", "WRITE", "permission", "ALLOW"));
        assertThat(granted.status()).as(granted.body()).isEqualTo(201);

        Client team = new Client(new TestHttp(port), key.path("key").asString(), null, key.path("id").asString());
        assertThat(team.post("/topics/orders.eu/records", "{\"records\":[{\"key\":\"o-1\",\"value\":{\"total\":42}}]}").status())
                .isEqualTo(200);
        assertProblem(team.post("/topics/payments/records", "{\"records\":[{\"value\":1}]}"), 403, "TOPIC_AUTHORIZATION_FAILED");
        assertProblem(team.get("/topics/orders.eu/partitions/0/records?offset=0"), 403, "TOPIC_AUTHORIZATION_FAILED");
        assertProblem(team.delete("/topics/orders.eu"), 403, "TOPIC_AUTHORIZATION_FAILED");
        assertProblem(team.post("/topics", Map.of("name", "orders.us")), 403, "TOPIC_AUTHORIZATION_FAILED");
        assertProblem(team.post("/acls", Map.of("principal", "User:orders-team", "resourceType", "TOPIC", "resourceName", "*",
                "patternType", "LITERAL", "operation", "ALL", "permission", "ALLOW")), 403, "CLUSTER_AUTHORIZATION_FAILED");
        assertProblem(team.post("/api-keys", Map.of("principal", "User:admin")), 403, "CLUSTER_AUTHORIZATION_FAILED");

        TestHttp.Response listed = team.get("/topics");
        assertThat(listed.status()).isEqualTo(200);
        List<String> names = listed.json().path("topics").values().stream().map(t -> t.path("name").asString()).toList();
        assertThat(names).as("WRITE implies DESCRIBE").contains("orders.eu").doesNotContain("payments");

        TestHttp anonymous = new TestHttp(port);
        assertProblem(anonymous.send(anonymous.request("/topics/orders.eu/records").header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"records\":[{\"value\":1}]}")).build()), 401, "UNAUTHENTICATED");

        TestHttp.Response read = admin.get("/topics/orders.eu/partitions/0/records?offset=0");
        assertThat(read.json().path("records").get(0).path("value").path("total").asInt()).isEqualTo(42);
    }

    private static void assertProblem(TestHttp.Response response, int status, String code) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.json().path("code").asString()).as(response.body()).isEqualTo(code);
    }
}
