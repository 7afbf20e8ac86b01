package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The API document says what the server does: it names every operation of the contract by its
 * stable operationId, and for one successful call and one failing call of each operation, the
 * status the server sends (and its media type) is one the document lists for that operation.
 */
class ApiDocumentStatusTest extends HttpScenarioTest {
    /** The operationIds of API.md, "The API document": generated clients' method names. */
    static final Set<String> CONTRACT_OPERATIONS = Set.of("createTopic", "listTopics", "describeTopic", "updateTopic",
            "deleteTopic", "listPartitions", "describePartition", "produce", "produceToPartition", "fetchRecords",
            "streamRecords", "offsetForTimestamp", "joinGroup", "readMemberRecords", "heartbeat", "leaveGroup",
            "commitOffsets", "listGroups", "describeGroup", "resetGroupOffsets", "deleteGroup", "describeCluster",
            "createApiKey", "listApiKeys", "deleteApiKey", "createAcl", "listAcls", "deleteAcls", "whoami");

    /** An operation as documented: its method and path, and for each status the media types of its body. */
    record Documented(String method, String path, Map<String, Set<String>> statuses) {
    }

    private Map<String, Documented> operations;
    private final List<String> called = new ArrayList<>();
    private SoftAssertions softly;

    @BeforeEach
    void readDocument() {
        HttpTestClient.Response docs = http.get("/v3/api-docs");
        assertThat(docs.status()).isEqualTo(200);
        operations = operations(docs.json());
    }

    static Map<String, Documented> operations(JsonNode document) {
        Map<String, Documented> operations = new TreeMap<>();
        document.path("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
            Map<String, Set<String>> statuses = new TreeMap<>();
            op.getValue().path("responses").properties().forEach(r -> statuses.put(r.getKey(),
                    new TreeSet<>(r.getValue().path("content").propertyNames())));
            Documented previous = operations.put(op.getValue().path("operationId").asString(),
                    new Documented(op.getKey(), path.getKey(), statuses));
            assertThat(previous).as("operationId %s is unique", op.getValue().path("operationId").asString()).isNull();
        }));
        return operations;
    }

    @Test
    void everyOperationOfTheContractIsDocumentedUnderItsOperationId() {
        assertThat(operations.keySet()).containsAll(CONTRACT_OPERATIONS);
        assertThat(operations.get("streamRecords").path()).isEqualTo("/topics/{topic}/partitions/{partition}/stream");
        assertThat(operations.get("fetchRecords").statuses().get("200")).containsExactly("application/json");
        assertThat(operations.get("streamRecords").statuses().get("200")).containsExactly("text/event-stream");
    }

    @Test
    void everyOperationAnswersWithAStatusItsDocumentLists() throws Exception {
        softly = new SoftAssertions();
        String topic = "statuses";
        check("createTopic", http.post("/topics", "{\"name\":\"" + topic + "\",\"partitions\":2}"), 201);
        check("createTopic", http.post("/topics", "{\"name\":\"" + topic + "\"}"), 409);
        check("listTopics", http.get("/topics"), 200);
        check("describeTopic", http.get("/topics/" + topic), 200);
        check("describeTopic", http.get("/topics/no-such-topic"), 404);
        check("updateTopic", http.patch("/topics/" + topic, "{\"configs\":{\"retention.ms\":\"86400000\",\"retention.bytes\":null}}"), 200);
        check("updateTopic", http.patch("/topics/" + topic, "{\"partitions\":1}"), 422);
        check("listPartitions", http.get("/topics/" + topic + "/partitions"), 200);
        check("listPartitions", http.get("/topics/no-such-topic/partitions"), 404);
        check("describePartition", http.get("/topics/" + topic + "/partitions/1"), 200);
        check("describePartition", http.get("/topics/" + topic + "/partitions/9"), 404);
        String records = "{\"records\":[{\"key\":\"a\",\"value\":{\"amount\":12.50}},{\"value\":7}]}";
        check("produce", http.post("/topics/" + topic + "/records", records), 200);
        check("produce", http.post("/topics/" + topic + "/records?acks=none", records), 202);
        check("produce", http.post("/topics/no-such-topic/records", records), 404);
        check("produceToPartition", http.post("/topics/" + topic + "/partitions/0/records", records), 200);
        check("produceToPartition", http.post("/topics/" + topic + "/partitions/9/records", records), 404);
        String partition0 = "/topics/" + topic + "/partitions/0";
        check("fetchRecords", http.get(partition0 + "/records?offset=earliest"), 200);
        check("fetchRecords", http.get(partition0 + "/records?offset=999"), 416);
        checkStream("streamRecords", partition0 + "/stream", 200);
        checkStream("streamRecords", "/topics/no-such-topic/partitions/0/stream", 404);
        check("offsetForTimestamp", http.get(partition0 + "/offsets?timestamp=2026-11-28T03:00:00.000Z"), 200);
        check("offsetForTimestamp", http.get(partition0 + "/offsets"), 400);

        String group = "/groups/statuses";
        HttpTestClient.Response joined = http.post(group + "/members", "{\"topics\":[\"" + topic + "\"],\"autoOffsetReset\":\"earliest\"}");
        check("joinGroup", joined, 201);
        check("joinGroup", http.post(group + "/members", "{\"topics\":[]}"), 400);
        String member = joined.json().path("memberId").asString();
        int generation = joined.json().path("generation").asInt();
        JsonNode assigned = joined.json().path("assignment").get(0);
        check("readMemberRecords", http.get(group + "/members/" + member + "/records"), 200);
        check("readMemberRecords", http.get(group + "/members/no-such-member/records"), 404);
        check("heartbeat", http.post(group + "/members/" + member + "/heartbeat", ""), 200);
        check("heartbeat", http.post(group + "/members/no-such-member/heartbeat", ""), 404);
        String commit = "{\"memberId\":\"" + member + "\",\"generation\":%d,\"offsets\":[{\"topic\":\"" + topic + "\",\"partition\":"
                + assigned.path("partition").asInt() + ",\"offset\":1}]}";
        check("commitOffsets", put(group + "/offsets", commit.formatted(generation)), 200);
        check("commitOffsets", put(group + "/offsets", commit.formatted(generation + 7)), 409);
        String reset = "{\"topic\":\"" + topic + "\",\"to\":\"earliest\"}";
        check("resetGroupOffsets", http.post(group + "/offsets/reset", reset), 409);
        check("listGroups", http.get("/groups"), 200);
        check("describeGroup", http.get(group), 200);
        check("describeGroup", http.get("/groups/no-such-group"), 404);
        check("deleteGroup", http.delete(group), 409);
        check("leaveGroup", http.delete(group + "/members/" + member), 204);
        check("leaveGroup", http.delete(group + "/members/" + member), 404);
        check("resetGroupOffsets", http.post(group + "/offsets/reset", reset), 200);
        check("deleteGroup", http.delete(group), 204);

        String replicas = "/topics/" + topic + "/partitions/1/replicas";
        check("reassignPartition", put(replicas, "{\"replicas\":[\"" + NODE_ID + "\"]}"), 202);
        check("reassignPartition", put(replicas, "{\"replicas\":[\"elsewhere\"]}"), 422);
        check("listReassignments", http.get("/reassignments"), 200);
        check("cancelReassignment", http.delete(replicas + "/reassignment"), 404);

        check("deleteTopic", http.delete("/topics/" + topic), 204);
        check("deleteTopic", http.delete("/topics/" + topic), 404);
        check("describeCluster", http.get("/cluster"), 200);
        check("drainInstance", http.post("/cluster/instances/" + NODE_ID + "/drain", ""), 409);
        check("drainInstance", http.post("/cluster/instances/no-such-instance/drain", ""), 404);
        check("undrainInstance", http.delete("/cluster/instances/" + NODE_ID + "/drain"), 204);
        check("undrainInstance", http.delete("/cluster/instances/no-such-instance/drain"), 404);
        check("rebalanceCluster", http.post("/cluster/rebalance?dryRun=true", ""), 200);
        check("rebalanceCluster", http.post("/cluster/rebalance", ""), 202);
        check("rebalanceCluster", http.post("/cluster/rebalance?dryRun=perhaps", ""), 400);
        check("removeInstance", http.delete("/cluster/instances/nobody"), 404);

        HttpTestClient.Response key = http.post("/api-keys", "{\"principal\":\"User:statuses\",\"description\":\"d\"}");
        check("createApiKey", key, 201);
        check("createApiKey", http.post("/api-keys", "{\"principal\":\"statuses\"}"), 400);
        check("listApiKeys", http.get("/api-keys"), 200);
        check("deleteApiKey", http.delete("/api-keys/" + key.json().path("id").asString()), 204);
        check("deleteApiKey", http.delete("/api-keys/" + key.json().path("id").asString()), 404);
        String acl = "{\"principal\":\"User:statuses\",\"resourceType\":\"TOPIC\",\"resourceName\":\"" + topic
                + "\",\"patternType\":\"LITERAL\",\"operation\":\"READ\",\"permission\":\"ALLOW\"}";
        check("createAcl", http.post("/acls", acl), 201);
        check("createAcl", http.post("/acls", acl.replace("READ", "READS")), 400);
        check("listAcls", http.get("/acls?principal=User:statuses"), 200);
        check("listAcls", http.get("/acls?resourceType=TOPICS"), 400);
        check("deleteAcls", http.delete("/acls?principal=User:statuses"), 200);
        check("deleteAcls", http.delete("/acls"), 400);
        check("whoami", http.get("/whoami"), 200);

        // No connector plugin in this context: ConnectorHttpTest exercises the successful answers with a test plugin.
        check("putConnectorConfig", put("/connectors/statuses/config", "{\"connector.class\":\"no-such\"}"), 422);
        check("listConnectors", http.get("/connectors"), 200);
        check("getConnector", http.get("/connectors/no-such"), 404);
        check("getConnectorStatus", http.get("/connectors/no-such/status"), 404);
        check("getConnectorOffsets", http.get("/connectors/no-such/offsets"), 404);
        check("pauseConnector", put("/connectors/no-such/pause", ""), 404);
        check("resumeConnector", put("/connectors/no-such/resume", ""), 404);
        check("restartConnector", http.post("/connectors/no-such/restart", ""), 404);
        check("deleteConnector", http.delete("/connectors/no-such"), 404);

        // StreamHttpTest exercises streams that run; here each operation's documented answers.
        String stream = "{\"from\":\"" + topic + "\",\"to\":\"" + topic + "\"}";
        check("putStream", put("/streams/statuses", stream), 201);
        check("putStream", put("/streams/statuses", stream), 200);
        check("putStream", put("/streams/statuses", "{\"from\":\"x\",\"to\":\"y\",\"colour\":1}"), 400);
        check("putStream", put("/streams/statuses", "{\"from\":\"x\",\"to\":\"y\",\"filter\":\"(\"}"), 422);
        check("listStreams", http.get("/streams"), 200);
        check("getStream", http.get("/streams/statuses"), 200);
        check("getStream", http.get("/streams/no-such"), 404);
        check("pauseStream", put("/streams/statuses/pause", ""), 202);
        check("pauseStream", put("/streams/no-such/pause", ""), 404);
        check("resumeStream", put("/streams/statuses/resume", ""), 202);
        check("resumeStream", put("/streams/no-such/resume", ""), 404);
        check("deleteStream", http.delete("/streams/statuses"), 204);
        check("deleteStream", http.delete("/streams/no-such"), 404);
        softly.assertThat(called).as("operations exercised").containsAll(operations.keySet());
        softly.assertAll();
    }

    private HttpTestClient.Response put(String path, String json) {
        return http.send(http.request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    /**
     * Asserts that the call got the status the test expects (so the table stays meaningful) and
     * that the document lists that status, with the media type of the body sent.
     */
    private void check(String operationId, HttpTestClient.Response response, int expected) {
        check(operationId, response.status(), response.contentType(), response.body(), expected);
    }

    private void check(String operationId, int status, String contentType, String body, int expected) {
        called.add(operationId);
        softly.assertThat(status).as("%s: status (%s)", operationId, body).isEqualTo(expected);
        Documented documented = operations.get(operationId);
        if (documented == null) {
            softly.fail("%s is not in the document", operationId);
            return;
        }
        Set<String> mediaTypes = documented.statuses().get(Integer.toString(status));
        softly.assertThat(mediaTypes).as("%s (%s %s) sent %d, documented statuses are %s", operationId, documented.method(),
                documented.path(), status, documented.statuses().keySet()).isNotNull();
        if (mediaTypes == null) {
            return;
        }
        if (contentType == null) {
            softly.assertThat(mediaTypes).as("%s %d: a body is documented but none was sent", operationId, status).isEmpty();
        } else {
            String type = contentType.split(";")[0].trim();
            softly.assertThat(mediaTypes).as("%s %d: documented media types", operationId, status).contains(type);
        }
    }

    /** A stream's status and media type, read from its headers; the stream is closed at once. */
    private void checkStream(String operationId, String path, int expected) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(10)).header("Accept", "text/event-stream").GET().build();
        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            check(operationId, response.statusCode(), response.headers().firstValue("Content-Type").orElse(null), "(stream)", expected);
        }
    }
}
