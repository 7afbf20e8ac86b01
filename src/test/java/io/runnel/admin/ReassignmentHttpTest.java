package io.runnel.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.HttpScenarioTest;
import io.runnel.HttpTestClient;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The reassignment endpoints on a single node: what they validate, and that a refusal changes nothing. (On a
 * cluster, {@code ReassignmentIT} moves partitions for real, and checks {@code 409 REASSIGNMENT_IN_PROGRESS}.)
 */
class ReassignmentHttpTest extends HttpScenarioTest {

    private static String replicas(String... ids) {
        return "{\"replicas\":[" + String.join(",", Arrays.stream(ids).map(id -> "\"" + id + "\"").toList()) + "]}";
    }

    private static void assertProblem(HttpTestClient.Response r, int status, String code) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.json().path("code").asString()).as(r.body()).isEqualTo(code);
    }

    @Test
    void aSingleNodeAcceptsOnlyItselfAndAnswersDoneAtOnce() {
        createTopic("reassign-self", 2);

        HttpTestClient.Response done = http.put("/topics/reassign-self/partitions/1/replicas", replicas(NODE_ID));

        assertThat(done.status()).as(done.body()).isEqualTo(202);
        assertThat(done.json().path("state").asString()).isEqualTo("done");
        assertThat(done.json().path("topic").asString()).isEqualTo("reassign-self");
        assertThat(done.json().path("partition").asInt()).isEqualTo(1);
        assertThat(done.json().path("replicas").get(0).asString()).isEqualTo(NODE_ID);
        assertThat(done.json().path("target").get(0).asString()).isEqualTo(NODE_ID);
        assertThat(done.json().path("adding")).isEmpty();
        assertThat(done.json().path("removing")).isEmpty();

        HttpTestClient.Response list = http.get("/reassignments");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().path("reassignments")).isEmpty();
    }

    @Test
    void invalidRequestsAreProblemsThatChangeNothing() {
        createTopic("reassign-bad", 1);
        String path = "/topics/reassign-bad/partitions/0/replicas";
        String before = http.get("/topics/reassign-bad/partitions/0").body();

        assertProblem(http.put(path, "{}"), 400, "INVALID_REQUEST");
        assertProblem(http.put(path, "{\"replicas\":"), 400, "MALFORMED_JSON");
        assertProblem(http.put(path, replicas()), 422, "INVALID_REPLICA_ASSIGNMENT");
        assertProblem(http.put(path, replicas(NODE_ID, NODE_ID)), 422, "INVALID_REPLICA_ASSIGNMENT");
        assertProblem(http.put(path, replicas(NODE_ID, "other")), 422, "INVALID_REPLICA_ASSIGNMENT");
        assertProblem(http.put(path, replicas("other")), 422, "INVALID_REPLICA_ASSIGNMENT");
        assertProblem(http.put("/topics/reassign-nope/partitions/0/replicas", replicas(NODE_ID)), 404, "TOPIC_NOT_FOUND");
        assertProblem(http.put("/topics/reassign-bad/partitions/1/replicas", replicas(NODE_ID)), 404, "PARTITION_NOT_FOUND");
        assertProblem(http.put("/topics/reassign-bad/partitions/-1/replicas", replicas(NODE_ID)), 404, "PARTITION_NOT_FOUND");
        assertProblem(http.put("/topics/bad%20name/partitions/0/replicas", replicas(NODE_ID)), 422, "INVALID_TOPIC_NAME");

        assertProblem(http.delete(path + "/reassignment"), 404, "NO_REASSIGNMENT_IN_PROGRESS");
        assertProblem(http.delete("/topics/reassign-nope/partitions/0/replicas/reassignment"), 404, "TOPIC_NOT_FOUND");
        assertProblem(http.delete("/topics/reassign-bad/partitions/3/replicas/reassignment"), 404, "PARTITION_NOT_FOUND");

        assertThat(http.get("/topics/reassign-bad/partitions/0").body()).isEqualTo(before);
        assertThat(http.get("/reassignments").json().path("reassignments")).isEmpty();
    }
}
