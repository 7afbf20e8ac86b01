package io.runnel.topic;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.ApiSliceTest;
import io.runnel.error.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MvcTestResult;
import tools.jackson.databind.JsonNode;

/** Every problem the topic administration endpoints answer with, and that a refused change changes nothing. */
class TopicProblemsTest extends ApiSliceTest {

    private void assertTopicAbsent(String name) {
        assertThat(body(get("/topics"))).doesNotContain("\"name\":\"" + name + "\"");
    }

    @Test
    void createExistingTopicIs409TopicAlreadyExists() {
        createTopic("admin-twice", 1);
        JsonNode problem = assertProblem(postJson("/topics", "{\"name\":\"admin-twice\",\"partitions\":4}"), ErrorCode.TOPIC_ALREADY_EXISTS);
        assertThat(problem.path("topic").asString()).isEqualTo("admin-twice");
        assertThat(highWatermarks("admin-twice")).hasSize(1);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"../x", "..", ".", "%2E%2E", "a/b", "héllo", "a b", "", "x\u0000"})
    void createWithIllegalNameIs422InvalidTopicName(String name) {
        String escaped = JSON.writeValueAsString(name);
        JsonNode problem = assertProblem(postJson("/topics", "{\"name\":" + escaped + ",\"partitions\":1}"), ErrorCode.INVALID_TOPIC_NAME);
        assertThat(problem.path("topic").asString()).isEqualTo(name);
        assertTopicAbsent(name);
    }

    @Test
    void createWithNameOf250CharactersIs422InvalidTopicNameButOf249IsAccepted() {
        assertProblem(postJson("/topics", "{\"name\":\"" + "n".repeat(250) + "\"}"), ErrorCode.INVALID_TOPIC_NAME);
        assertTopicAbsent("n".repeat(250));
        createTopic("n".repeat(249), 1);
    }

    @Test
    void createWithoutNameIs422InvalidTopicName() {
        assertProblem(postJson("/topics", "{\"partitions\":1}"), ErrorCode.INVALID_TOPIC_NAME);
        assertProblem(postJson("/topics", "{\"name\":null}"), ErrorCode.INVALID_TOPIC_NAME);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"42", "4.2", "true"})
    void aNameThatIsNotAJsonStringIs422InvalidTopicNameAndCreatesNothing(String name) {
        JsonNode problem = assertProblem(postJson("/topics", "{\"name\":" + name + ",\"partitions\":1}"), ErrorCode.INVALID_TOPIC_NAME);
        assertThat(problem.path("field").asString()).isEqualTo("name");
        assertTopicAbsent(name);
    }

    @Test
    void aConfigValueThatIsNotAJsonStringIs422InvalidConfigAndCreatesNothing() {
        assertProblem(postJson("/topics", "{\"name\":\"admin-numeric-config\",\"configs\":{\"retention.ms\":1000}}"),
                ErrorCode.INVALID_CONFIG);
        assertTopicAbsent("admin-numeric-config");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"0x1", "%231", "+1", "1e0", "1.0"})
    void aPartitionThatIsNotAPlainDecimalNumberIs400InvalidParameter(String partition) {
        postJson("/topics", "{\"name\":\"admin-hex-partition\",\"partitions\":2}"); // 201 the first time, 409 after
        JsonNode problem = assertProblem(get("/topics/admin-hex-partition/partitions/" + partition), ErrorCode.INVALID_PARAMETER);
        assertThat(problem.path("parameter").asString()).isEqualTo("partition");
    }

    @Test
    void illegalNameInPathIs422InvalidTopicName() {
        JsonNode problem = assertProblem(mvc.get().uri("/topics/{t}", "héllo").exchange(), ErrorCode.INVALID_TOPIC_NAME);
        assertThat(problem.path("topic").asString()).isEqualTo("héllo");
        assertProblem(mvc.delete().uri("/topics/{t}", "h é").exchange(), ErrorCode.INVALID_TOPIC_NAME);
        assertProblem(get("/topics/" + "n".repeat(250)), ErrorCode.INVALID_TOPIC_NAME);
        assertProblem(get("/topics/" + "n".repeat(250) + "/partitions"), ErrorCode.INVALID_TOPIC_NAME);
    }

    @Test
    void unknownTopicIs404TopicNotFound() {
        for (MvcTestResult result : new MvcTestResult[] {
                get("/topics/ghost"),
                get("/topics/ghost/partitions"),
                get("/topics/ghost/partitions/0"),
                patchJson("/topics/ghost", "{\"partitions\":2}"),
                mvc.delete().uri("/topics/ghost").exchange()}) {
            JsonNode problem = assertProblem(result, ErrorCode.TOPIC_NOT_FOUND);
            assertThat(problem.path("topic").asString()).isEqualTo("ghost");
        }
        assertTopicAbsent("ghost");
    }

    @Test
    void unknownPartitionIs404PartitionNotFound() {
        createTopic("admin-three", 3);
        for (String p : new String[] {"3", "7", "-1"}) {
            JsonNode problem = assertProblem(get("/topics/admin-three/partitions/" + p), ErrorCode.PARTITION_NOT_FOUND);
            assertThat(problem.path("topic").asString()).isEqualTo("admin-three");
            assertThat(problem.path("partition").asInt()).isEqualTo(Integer.parseInt(p));
        }
    }

    @Test
    void partitionPathVariableThatIsNotAnIntIs400InvalidParameter() {
        createTopic("admin-pathvar", 1);
        for (String p : new String[] {"abc", "99999999999", "1.5"}) {
            JsonNode problem = assertProblem(get("/topics/admin-pathvar/partitions/" + p), ErrorCode.INVALID_PARAMETER);
            assertThat(problem.path("parameter").asString()).isEqualTo("partition");
        }
    }

    @Test
    void createWithZeroOrTooManyPartitionsIs422InvalidPartitions() {
        assertProblem(postJson("/topics", "{\"name\":\"admin-zero\",\"partitions\":0}"), ErrorCode.INVALID_PARTITIONS);
        assertTopicAbsent("admin-zero");
        assertProblem(postJson("/topics", "{\"name\":\"admin-huge\",\"partitions\":10001}"), ErrorCode.INVALID_PARTITIONS);
        assertTopicAbsent("admin-huge");
    }

    @Test
    void createWithNegativePartitionsIs400InvalidRequest() {
        JsonNode problem = assertProblem(postJson("/topics", "{\"name\":\"admin-negative\",\"partitions\":-3}"), ErrorCode.INVALID_REQUEST);
        assertThat(problem.path("field").asString()).isEqualTo("partitions");
        assertTopicAbsent("admin-negative");
    }

    @Test
    void shrinkingPartitionsIs422InvalidPartitionsAndChangesNothing() {
        createTopic("admin-shrink", 3);
        JsonNode problem = assertProblem(patchJson("/topics/admin-shrink", "{\"partitions\":2}"), ErrorCode.INVALID_PARTITIONS);
        assertThat(problem.path("topic").asString()).isEqualTo("admin-shrink");
        assertProblem(patchJson("/topics/admin-shrink", "{\"partitions\":0}"), ErrorCode.INVALID_PARTITIONS);
        assertProblem(patchJson("/topics/admin-shrink", "{\"partitions\":10001}"), ErrorCode.INVALID_PARTITIONS);
        assertThat(highWatermarks("admin-shrink")).hasSize(3);
    }

    @Test
    void replicationFactorAboveLiveInstancesIs422InvalidReplicationFactor() {
        JsonNode problem = assertProblem(postJson("/topics", "{\"name\":\"admin-replicated\",\"replicationFactor\":2}"),
                ErrorCode.INVALID_REPLICATION_FACTOR);
        assertThat(problem.path("liveInstances").asInt()).isEqualTo(1);
        assertProblem(postJson("/topics", "{\"name\":\"admin-replicated\",\"replicationFactor\":0}"), ErrorCode.INVALID_REPLICATION_FACTOR);
        assertTopicAbsent("admin-replicated");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "{\"no.such.config\":\"1\"}",
            "{\"retention.ms\":\"abc\"}",
            "{\"retention.ms\":\"-2\"}",
            "{\"cleanup.policy\":\"compaction\"}",
            "{\"cleanup.policy\":\"compact,\"}",
            "{\"min.cleanable.dirty.ratio\":\"1.5\"}",
            "{\"min.cleanable.dirty.ratio\":\"half\"}",
            "{\"min.compaction.lag.ms\":\"-1\"}",
            "{\"max.compaction.lag.ms\":\"0\"}",
            "{\"delete.retention.ms\":\"-1\"}",
            "{\"segment.bytes\":\"1\"}",
            "{\"max.message.bytes\":\"0\"}",
            "{\"message.timestamp.type\":\"WallClock\"}"})
    void unknownOrBadConfigIs422InvalidConfigOnCreateAndOnPatch(String configs) {
        String key = JSON.readTree(configs).propertyNames().iterator().next();
        JsonNode problem = assertProblem(postJson("/topics", "{\"name\":\"admin-configured\",\"configs\":" + configs + "}"), ErrorCode.INVALID_CONFIG);
        assertThat(problem.path("config").asString()).isEqualTo(key);
        assertTopicAbsent("admin-configured");

        if (!body(get("/topics")).contains("\"admin-patched\"")) {
            createTopic("admin-patched", 1, "{\"retention.ms\":\"1000\"}");
        }
        String before = json(get("/topics/admin-patched")).path("configs").toString();
        assertProblem(patchJson("/topics/admin-patched", "{\"configs\":" + configs + "}"), ErrorCode.INVALID_CONFIG);
        assertThat(json(get("/topics/admin-patched")).path("configs").toString()).isEqualTo(before);
    }

    @Test
    void malformedBodyIs400MalformedJson() {
        assertProblem(postJson("/topics", "{\"name\":"), ErrorCode.MALFORMED_JSON);
        assertProblem(postJson("/topics", "{\"name\":\"x\",}"), ErrorCode.MALFORMED_JSON);
        assertProblem(postJson("/topics", ""), ErrorCode.MALFORMED_JSON);
        assertProblem(postJson("/topics", "{\"name\":\"admin-typed\",\"partitions\":\"many\"}"), ErrorCode.MALFORMED_JSON);
        assertTopicAbsent("admin-typed");
        createTopic("admin-patchme", 1);
        assertProblem(patchJson("/topics/admin-patchme", "{\"partitions\":"), ErrorCode.MALFORMED_JSON);
    }

    @Test
    void deeplyNestedBodyIs400NestingTooDeep() {
        String deep = "[".repeat(1000) + "]".repeat(1000);
        assertProblem(postJson("/topics", "{\"name\":\"admin-deep\",\"extra\":" + deep + "}"), ErrorCode.NESTING_TOO_DEEP);
        assertTopicAbsent("admin-deep");
    }

    @Test
    void createWithTextBodyIs415UnsupportedMediaType() {
        assertProblem(mvc.post().uri("/topics").contentType(MediaType.TEXT_PLAIN).content("{\"name\":\"admin-text\"}").exchange(),
                ErrorCode.UNSUPPORTED_MEDIA_TYPE);
        assertTopicAbsent("admin-text");
    }
}
