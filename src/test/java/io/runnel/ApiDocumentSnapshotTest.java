package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The committed snapshot {@value #SNAPSHOT} is the document the build generates its Java client
 * from (openapi-generator-maven-plugin, see the POM), so it must be the document the application
 * serves. Compared as JSON values, without {@code servers} (it names the URL the document was asked
 * at) and with tags in name order (their order is not stable). To refresh it after changing the API:
 * {@code ./mvnw test -Dtest=ApiDocumentSnapshotTest -Drunnel.openapi.refresh=true}, then review the diff.
 */
class ApiDocumentSnapshotTest extends HttpScenarioTest {
    static final String SNAPSHOT = "src/test/resources/openapi/runnel.json";
    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    @Test
    void servedDocumentEqualsTheSnapshotTheClientIsGeneratedFrom() throws IOException {
        HttpTestClient.Response docs = http.get("/v3/api-docs");
        assertThat(docs.status()).isEqualTo(200);
        JsonNode served = normalized(JSON.readTree(docs.body()));
        Path snapshot = Path.of(SNAPSHOT);
        if (Boolean.getBoolean("runnel.openapi.refresh")) {
            Files.writeString(snapshot, JSON.writeValueAsString(served) + "\n");
        }
        assertThat(snapshot).as("the snapshot %s; create it with -Drunnel.openapi.refresh=true", SNAPSHOT).exists();
        JsonNode committed = normalized(JSON.readTree(snapshot.toFile()));
        assertThat(served).as("""
                The served /v3/api-docs differs from %s, the document the Java client is generated from. \
                If the change is meant, refresh the snapshot: \
                ./mvnw test -Dtest=ApiDocumentSnapshotTest -Drunnel.openapi.refresh=true (then review the diff)""", SNAPSHOT)
                .isEqualTo(committed);
    }

    private static JsonNode normalized(JsonNode document) {
        ObjectNode copy = (ObjectNode) document.deepCopy();
        copy.remove("servers");
        if (copy.get("tags") instanceof ArrayNode tags) {
            List<JsonNode> sorted = new ArrayList<>();
            tags.forEach(sorted::add);
            sorted.sort(Comparator.comparing(t -> t.path("name").asString()));
            tags.removeAll();
            sorted.forEach(tags::add);
        }
        return copy;
    }
}
