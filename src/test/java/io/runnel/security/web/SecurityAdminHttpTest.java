package io.runnel.security.web;

import static io.runnel.TestHttp.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.TestDataDirs;
import io.runnel.TestHttp;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** {@code /api-keys} and {@code /acls} over real HTTP with security on, called with the bootstrap key and with made keys. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SecurityAdminHttpTest {
    static final String BOOTSTRAP = "bootstrap-key-for-admin-tests-0123456789";
    static final Path DATA_DIR = TestDataDirs.create("runnel-security-admin-test-");
    static final String ADMIN = "Bearer " + BOOTSTRAP;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", DATA_DIR::toString);
        registry.add("runnel.security.enabled", () -> "true");
        registry.add("runnel.security.bootstrap-key", () -> BOOTSTRAP);
    }

    @LocalServerPort
    int port;

    private TestHttp.Response call(String method, String path, String authorization, String json) {
        TestHttp http = new TestHttp(port);
        HttpRequest.Builder request = http.request(path).method(method,
                json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build());
    }

    private JsonNode createKey(String principal) {
        TestHttp.Response made = call("POST", "/api-keys", ADMIN, "{\"principal\":\"" + principal + "\",\"description\":\"for tests\"}");
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        return made.json();
    }

    private static String bearer(JsonNode key) {
        return "Bearer " + key.path("key").asString();
    }

    private static String basic(JsonNode key) {
        String pair = key.path("id").asString() + ":" + key.path("key").asString();
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private static String acl(String principal, String type, String name, String pattern, String operation, String permission) {
        return "{\"principal\":\"" + principal + "\",\"resourceType\":\"" + type + "\",\"resourceName\":\"" + name
                + "\",\"patternType\":\"" + pattern + "\",\"operation\":\"" + operation + "\",\"permission\":\"" + permission + "\"}";
    }

    @Test
    void aMadeKeyAuthenticatesAsBearerAndBasicIsListedWithoutSecretsAndStopsOnceDeleted() {
        JsonNode key = createKey("User:alice");

        assertThat(key.path("principal").asString()).isEqualTo("User:alice");
        assertThat(key.path("description").asString()).isEqualTo("for tests");
        assertThat(key.path("createdAt").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(key.path("key").asString()).hasSize(43);
        assertThat(call("GET", "/topics", bearer(key), null).status()).isEqualTo(200);
        assertThat(call("GET", "/topics", basic(key), null).status()).isEqualTo(200);

        TestHttp.Response listed = call("GET", "/api-keys", ADMIN, null);
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.body()).doesNotContain(key.path("key").asString()).doesNotContain("sha256").doesNotContain("hash");
        JsonNode entry = listed.json().path("apiKeys").values().stream()
                .filter(k -> k.path("id").asString().equals(key.path("id").asString())).findFirst().orElseThrow();
        assertThat(entry.propertyNames()).containsExactlyInAnyOrder("id", "principal", "description", "createdAt");
        assertThat(entry.path("createdAt").asString()).isEqualTo(key.path("createdAt").asString());

        TestHttp.Response deleted = call("DELETE", "/api-keys/" + key.path("id").asString(), ADMIN, null);
        assertThat(deleted.status()).isEqualTo(204);
        assertThat(call("GET", "/topics", bearer(key), null).status()).isEqualTo(401);
        assertThat(call("GET", "/topics", basic(key), null).status()).isEqualTo(401);
        assertProblem(call("DELETE", "/api-keys/" + key.path("id").asString(), ADMIN, null), 404, "NOT_FOUND");
    }

    @Test
    void badKeyRequestsAre400AndMakeNoKey() {
        String before = call("GET", "/api-keys", ADMIN, null).body();

        assertProblem(call("POST", "/api-keys", ADMIN, "{\"description\":\"no principal\"}"), 400, "INVALID_REQUEST");
        assertProblem(call("POST", "/api-keys", ADMIN, "{\"principal\":\"alice\"}"), 400, "INVALID_REQUEST");
        assertProblem(call("POST", "/api-keys", ADMIN, "{\"principal\":\"User:*\"}"), 400, "INVALID_REQUEST");
        assertProblem(call("POST", "/api-keys", ADMIN, "{\"principal\":\"User:a\",\"description\":\"" + "d".repeat(1001) + "\"}"),
                400, "INVALID_REQUEST");
        assertThat(call("POST", "/api-keys", ADMIN, "{\"principal\":\"User:a\",\"role\":\"admin\"}").status())
                .as("an unknown member").isEqualTo(400);
        assertThat(call("POST", "/api-keys", ADMIN, "{\"principal\":7}").status()).isEqualTo(400);
        assertProblem(call("POST", "/api-keys", ADMIN, "{"), 400, "MALFORMED_JSON");

        assertThat(call("GET", "/api-keys", ADMIN, null).body()).isEqualTo(before);
    }

    @Test
    void aclsAreAddedOnceListedByFilterAndDeletedByFilter() {
        String read = acl("User:carol", "TOPIC", "orders", "LITERAL", "READ", "ALLOW");
        String write = acl("User:carol", "TOPIC", "orders.", "PREFIXED", "WRITE", "ALLOW");
        String other = acl("User:dave", "GROUP", "billing", "LITERAL", "READ", "DENY");

        TestHttp.Response created = call("POST", "/acls", ADMIN, read);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().path("host").asString()).isEqualTo("*");
        assertThat(created.json().path("resourceName").asString()).isEqualTo("orders");
        assertThat(call("POST", "/acls", ADMIN, read).status()).as("again: the same answer").isEqualTo(201);
        assertThat(call("POST", "/acls", ADMIN, write).status()).isEqualTo(201);
        assertThat(call("POST", "/acls", ADMIN, other).status()).isEqualTo(201);

        List<JsonNode> carol = call("GET", "/acls?principal=User:carol", ADMIN, null).json().path("acls").values().stream().toList();
        assertThat(carol).extracting(a -> a.path("operation").asString()).containsExactly("READ", "WRITE");
        assertThat(call("GET", "/acls?principal=User:carol&resourceName=orders.", ADMIN, null).json().path("acls").size()).isEqualTo(1);
        assertThat(call("GET", "/acls?resourceType=GROUP&principal=User:dave", ADMIN, null).json().path("acls").size()).isEqualTo(1);

        TestHttp.Response deleted = call("DELETE", "/acls?principal=User:carol&operation=WRITE", ADMIN, null);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().path("deleted").values().stream().map(a -> a.path("resourceName").asString()).toList())
                .containsExactly("orders.");
        assertThat(call("GET", "/acls?principal=User:carol", ADMIN, null).json().path("acls").size()).isEqualTo(1);
        assertThat(call("DELETE", "/acls?principal=User:nobody", ADMIN, null).json().path("deleted").size()).isZero();
    }

    @Test
    void badAclRequestsAre400AndChangeNothing() {
        assertThat(call("POST", "/acls", ADMIN, acl("User:erin", "TOPIC", "kept", "LITERAL", "READ", "ALLOW")).status()).isEqualTo(201);
        String before = call("GET", "/acls", ADMIN, null).body();

        assertProblem(call("POST", "/acls", ADMIN, acl("User:erin", "BANANA", "t", "LITERAL", "READ", "ALLOW")), 400, "INVALID_REQUEST");
        assertProblem(call("POST", "/acls", ADMIN, acl("erin", "TOPIC", "t", "LITERAL", "READ", "ALLOW")), 400, "INVALID_REQUEST");
        assertProblem(call("POST", "/acls", ADMIN, acl("User:erin", "CLUSTER", "other", "LITERAL", "ALTER", "ALLOW")), 400,
                "INVALID_REQUEST");
        assertProblem(call("POST", "/acls", ADMIN, acl("User:erin", "GROUP", "g", "LITERAL", "WRITE", "ALLOW")), 400, "INVALID_REQUEST");
        assertProblem(call("POST", "/acls", ADMIN, acl("User:erin", "TOPIC", "t", "LITERAL", "read", "ALLOW")), 400, "INVALID_REQUEST");
        assertProblem(call("POST", "/acls", ADMIN, "{\"principal\":\"User:erin\",\"resourceType\":\"TOPIC\",\"resourceName\":\"t\","
                + "\"patternType\":\"LITERAL\",\"operation\":\"READ\",\"permission\":\"ALLOW\",\"host\":\"10.0.0.1\"}"), 400, "INVALID_REQUEST");
        assertProblem(call("POST", "/acls", ADMIN, "{\"principal\":\"User:erin\"}"), 400, "INVALID_REQUEST");
        assertThat(call("POST", "/acls", ADMIN, acl("User:erin", "TOPIC", "t", "LITERAL", "READ", "ALLOW").replace("}", ",\"x\":1}"))
                .status()).as("an unknown member").isEqualTo(400);
        assertProblem(call("GET", "/acls?resourceType=BANANA", ADMIN, null), 400, "INVALID_PARAMETER");
        assertProblem(call("DELETE", "/acls?permission=MAYBE", ADMIN, null), 400, "INVALID_PARAMETER");
        assertProblem(call("DELETE", "/acls?principal=erin", ADMIN, null), 400, "INVALID_PARAMETER");
        assertProblem(call("DELETE", "/acls", ADMIN, null), 400, "INVALID_PARAMETER");
        assertProblem(call("DELETE", "/acls?all=false", ADMIN, null), 400, "INVALID_PARAMETER");

        assertThat(call("GET", "/acls", ADMIN, null).body()).isEqualTo(before);
    }

    @Test
    void deletingEveryAclNeedsAllTrue() {
        assertThat(call("POST", "/acls", ADMIN, acl("User:frank", "TOPIC", "x", "LITERAL", "READ", "ALLOW")).status()).isEqualTo(201);

        TestHttp.Response deleted = call("DELETE", "/acls?all=true", ADMIN, null);

        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().path("deleted").size()).isPositive();
        assertThat(call("GET", "/acls", ADMIN, null).json().path("acls").size()).isZero();
    }

    @Test
    void aKeyWithoutAlterOnTheClusterIsRefusedEveryCallUntilGrantedIt() {
        JsonNode mallory = createKey("User:mallory");
        String as = bearer(mallory);
        String someAcl = acl("User:x", "TOPIC", "t", "LITERAL", "READ", "ALLOW");

        assertProblem(call("POST", "/api-keys", as, "{\"principal\":\"User:mallory\"}"), 403, "CLUSTER_AUTHORIZATION_FAILED");
        assertProblem(call("GET", "/api-keys", as, null), 403, "CLUSTER_AUTHORIZATION_FAILED");
        assertProblem(call("DELETE", "/api-keys/" + mallory.path("id").asString(), as, null), 403, "CLUSTER_AUTHORIZATION_FAILED");
        assertProblem(call("POST", "/acls", as, someAcl), 403, "CLUSTER_AUTHORIZATION_FAILED");
        assertProblem(call("GET", "/acls", as, null), 403, "CLUSTER_AUTHORIZATION_FAILED");
        assertProblem(call("DELETE", "/acls?principal=User:x", as, null), 403, "CLUSTER_AUTHORIZATION_FAILED");
        assertThat(call("GET", "/api-keys/", null, null).status()).as("no credential").isEqualTo(401);
        assertThat(call("GET", "/acls", as, null).body()).doesNotContain("mallory");

        assertThat(call("POST", "/acls", ADMIN, acl("User:mallory", "CLUSTER", "runnel-cluster", "LITERAL", "ALTER", "ALLOW")).status())
                .isEqualTo(201);

        assertThat(call("GET", "/api-keys", as, null).status()).isEqualTo(200);
        assertThat(call("GET", "/acls", as, null).status()).isEqualTo(200);
    }
}
