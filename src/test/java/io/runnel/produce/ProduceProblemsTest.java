package io.runnel.produce;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.ApiSliceTest;
import io.runnel.error.ErrorCode;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MvcTestResult;
import tools.jackson.databind.JsonNode;

/**
 * Every problem a produce request can answer with on a single node, and for each that nothing
 * was written: every bad request here carries a good record before the bad one, and the high
 * watermarks must not move.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProduceProblemsTest extends ApiSliceTest {
    private static final String TOPIC = "produce-orders";
    private static final String SMALL = "produce-small";
    private static final String GOOD = "{\"key\":\"k\",\"value\":{\"ok\":true}}";

    private static final String MIN_ISR = "produce-min-isr";

    @BeforeAll
    void createTopics() {
        createTopic(TOPIC, 3);
        createTopic(SMALL, 1, "{\"max.message.bytes\":\"1000\"}");
        createTopic(MIN_ISR, 2, "{\"min.insync.replicas\":\"2\"}");
    }

    @Test
    void acksAllBelowMinInsyncReplicasIs503NotEnoughReplicasAndWritesNothing() {
        JsonNode problem = assertRefused(MIN_ISR, ErrorCode.NOT_ENOUGH_REPLICAS,
                () -> postJson("/topics/" + MIN_ISR + "/records", records(GOOD, "{\"value\":2}")));
        assertThat(problem.path("results")).as("every record still has its result").hasSize(2);
        problem.path("results").forEach(r -> assertThat(r.path("error").path("code").asString()).isEqualTo("NOT_ENOUGH_REPLICAS"));
        assertThat(postJson("/topics/" + MIN_ISR + "/records?acks=leader", records(GOOD)).getResponse().getStatus())
                .as("acks=leader does not need min.insync.replicas").isEqualTo(200);
    }

    @Test
    void aRecordNamingAnotherPartitionThanThePathIs422InvalidRecord() {
        assertRefused(TOPIC, ErrorCode.INVALID_RECORD,
                () -> postJson("/topics/" + TOPIC + "/partitions/1/records", records(GOOD, "{\"value\":1,\"partition\":2}")));
    }

    private MvcTestResult produce(String body) {
        return postJson("/topics/" + TOPIC + "/records", body);
    }

    private static String records(String... records) {
        return "{\"records\":[" + String.join(",", records) + "]}";
    }

    /** Runs a request that must fail with {@code code} and write nothing to {@code topic}; returns the problem. */
    private JsonNode assertRefused(String topic, ErrorCode code, Supplier<MvcTestResult> request) {
        long[] before = highWatermarks(topic);
        JsonNode problem = assertProblem(request.get(), code);
        assertThat(highWatermarks(topic)).as("high watermarks after %s", problem).containsExactly(before);
        return problem;
    }

    private JsonNode assertRefused(ErrorCode code, String body) {
        return assertRefused(TOPIC, code, () -> produce(body));
    }

    @Test
    void aGoodRequestIsAccepted() {
        long[] before = highWatermarks(TOPIC);
        MvcTestResult result = produce(records(GOOD, GOOD));
        assertThat(result.getResponse().getStatus()).as(body(result)).isEqualTo(200);
        assertThat(json(result).path("results")).hasSize(2);
        assertThat(highWatermarks(TOPIC)).isNotEqualTo(before);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "{\"records\":[{\"value\":1}",
            "{\"records\":[{\"value\":1},{\"value\":tru}]}",
            "{\"records\":[{\"value\":1},{\"value\":\"unterminated}]}",
            "{\"records\":[{\"value\":1},{\"value\":01}]}",
            "{\"records\":[{\"value\":1},{\"value\":{\"a\" 1}}]}"})
    void malformedJsonIs400MalformedJson(String body) {
        assertRefused(ErrorCode.MALFORMED_JSON, body);
    }

    @Test
    void valueNested1000DeepIs400NestingTooDeep() {
        assertRefused(ErrorCode.NESTING_TOO_DEEP, records(GOOD, "{\"value\":" + "[".repeat(1000) + "]".repeat(1000) + "}"));
        assertRefused(ErrorCode.NESTING_TOO_DEEP, records(GOOD, "{\"value\":" + "{\"a\":".repeat(1000) + "1" + "}".repeat(1000) + "}"));
        assertRefused(ErrorCode.NESTING_TOO_DEEP, records(GOOD, "{\"key\":" + "[".repeat(1000) + "]".repeat(1000) + ",\"value\":1}"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "{}",
            "[]",
            "\"records\"",
            "{\"records\":{}}",
            "{\"records\":[]}",
            "{\"records\":null}",
            "{\"records\":[{\"value\":1}],\"acks\":\"all\"}",
            "{\"records\":[{\"value\":1},{\"value\":2,\"offset\":5}]}",
            "{\"records\":[{\"value\":1},{\"value\":2,\"partition\":-1}]}",
            "{\"records\":[{\"value\":1},{\"value\":2,\"partition\":\"1\"}]}",
            "{\"records\":[{\"value\":1},{\"value\":2,\"partition\":1.5}]}",
            "{\"records\":[{\"value\":1},{\"value\":2,\"timestamp\":-5}]}",
            "{\"records\":[{\"value\":1},{\"value\":2,\"timestamp\":\"yesterday\"}]}",
            "{\"records\":[{\"value\":1},{\"value\":2,\"timestamp\":\"2026-13-45T00:00:00Z\"}]}",
            "{\"records\":[{\"value\":1},{\"value\":2,\"timestamp\":1.5}]}"})
    void wrongShapeIs400InvalidRequest(String body) {
        assertRefused(ErrorCode.INVALID_REQUEST, body);
    }

    @Test
    void negativePartitionAndTimestampNameTheRecord() {
        assertThat(assertRefused(ErrorCode.INVALID_REQUEST, records(GOOD, "{\"value\":2,\"partition\":-1}")).path("record").asInt())
                .isEqualTo(1);
        assertThat(assertRefused(ErrorCode.INVALID_REQUEST, records(GOOD, "{\"value\":2,\"timestamp\":-1}")).path("record").asInt())
                .isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "{\"key\":\"no value\"}",
            "{}",
            "{\"value\":1,\"headers\":{\"h\":1}}",
            "{\"value\":1,\"headers\":{\"h\":null}}",
            "{\"value\":1,\"headers\":{\"h\":{\"nested\":\"x\"}}}",
            "{\"value\":1,\"headers\":[\"h\"]}",
            "{\"value\":1,\"headers\":\"h\"}",
            "42",
            "null"})
    void badRecordIs422InvalidRecord(String bad) {
        JsonNode problem = assertRefused(ErrorCode.INVALID_RECORD, records(GOOD, bad));
        assertThat(problem.path("record").asInt()).isEqualTo(1);
    }

    @Test
    void recordPartitionBeyondTheTopicIs404PartitionNotFound() {
        JsonNode problem = assertRefused(ErrorCode.PARTITION_NOT_FOUND, records(GOOD, "{\"value\":2,\"partition\":7}"));
        assertThat(problem.path("topic").asString()).isEqualTo(TOPIC);
        assertThat(problem.path("partition").asInt()).isEqualTo(7);
        assertThat(problem.path("record").asInt()).isEqualTo(1);
    }

    @Test
    void produceToPartitionBeyondTheTopicIs404PartitionNotFound() {
        JsonNode problem = assertRefused(TOPIC, ErrorCode.PARTITION_NOT_FOUND,
                () -> postJson("/topics/" + TOPIC + "/partitions/7/records", records(GOOD)));
        assertThat(problem.path("partition").asInt()).isEqualTo(7);
        assertRefused(TOPIC, ErrorCode.PARTITION_NOT_FOUND, () -> postJson("/topics/" + TOPIC + "/partitions/-1/records", records(GOOD)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"abc", "99999999999", "1.0"})
    void partitionPathVariableThatIsNotAnIntIs400InvalidParameter(String partition) {
        JsonNode problem = assertRefused(TOPIC, ErrorCode.INVALID_PARAMETER,
                () -> postJson("/topics/" + TOPIC + "/partitions/" + partition + "/records", records(GOOD)));
        assertThat(problem.path("parameter").asString()).isEqualTo("partition");
    }

    @Test
    void unknownAcksIs400InvalidParameter() {
        JsonNode problem = assertRefused(TOPIC, ErrorCode.INVALID_PARAMETER,
                () -> postJson("/topics/" + TOPIC + "/records?acks=bogus", records(GOOD)));
        assertThat(problem.path("parameter").asString()).isEqualTo("acks");
    }

    @Test
    void produceToUnknownTopicIs404ProblemAndDoesNotCreateIt() {
        JsonNode problem = assertProblem(postJson("/topics/produce-ghost/records", records(GOOD)), ErrorCode.TOPIC_NOT_FOUND);
        assertThat(problem.path("topic").asString()).isEqualTo("produce-ghost");
        assertProblem(postJson("/topics/produce-ghost/partitions/0/records", records(GOOD)), ErrorCode.TOPIC_NOT_FOUND);
        assertProblem(get("/topics/produce-ghost"), ErrorCode.TOPIC_NOT_FOUND);
    }

    @Test
    void produceToIllegalTopicNameIs422InvalidTopicName() {
        JsonNode problem = assertProblem(mvc.post().uri("/topics/{t}/records", "héllo").contentType(MediaType.APPLICATION_JSON)
                .content(records(GOOD)).exchange(), ErrorCode.INVALID_TOPIC_NAME);
        assertThat(problem.path("topic").asString()).isEqualTo("héllo");
    }

    @Test
    void reusingAnIdempotencyKeyForADifferentRequestIs422IdempotencyKeyReused() {
        MvcTestResult first = mvc.post().uri("/topics/" + TOPIC + "/records").contentType(MediaType.APPLICATION_JSON)
                .header("Idempotency-Key", "produce-problems-1").content(records(GOOD)).exchange();
        assertThat(first.getResponse().getStatus()).as(body(first)).isEqualTo(200);
        assertRefused(TOPIC, ErrorCode.IDEMPOTENCY_KEY_REUSED, () -> mvc.post().uri("/topics/" + TOPIC + "/records")
                .contentType(MediaType.APPLICATION_JSON).header("Idempotency-Key", "produce-problems-1")
                .content(records(GOOD, GOOD)).exchange());
        assertRefused(TOPIC, ErrorCode.IDEMPOTENCY_KEY_REUSED, () -> mvc.post().uri("/topics/" + TOPIC + "/records?acks=leader")
                .contentType(MediaType.APPLICATION_JSON).header("Idempotency-Key", "produce-problems-1")
                .content(records(GOOD)).exchange());
    }

    @Test
    void malformedIdempotencyKeyIs400InvalidRequest() {
        assertRefused(TOPIC, ErrorCode.INVALID_REQUEST, () -> mvc.post().uri("/topics/" + TOPIC + "/records")
                .contentType(MediaType.APPLICATION_JSON).header("Idempotency-Key", "k".repeat(256)).content(records(GOOD)).exchange());
        assertRefused(TOPIC, ErrorCode.INVALID_REQUEST, () -> mvc.post().uri("/topics/" + TOPIC + "/records")
                .contentType(MediaType.APPLICATION_JSON).header("Idempotency-Key", "with space").content(records(GOOD)).exchange());
    }

    @Test
    void recordAboveMaxMessageBytesIs413RecordTooLarge() {
        String big = "{\"value\":\"" + "x".repeat(1100) + "\"}";
        JsonNode problem = assertRefused(SMALL, ErrorCode.RECORD_TOO_LARGE,
                () -> postJson("/topics/" + SMALL + "/records", records(GOOD, big)));
        assertThat(problem.path("record").asInt()).isEqualTo(1);
        assertThat(problem.path("maxRecordBytes").asInt()).isEqualTo(1000);
        // key, value and headers all count
        String split = "{\"key\":\"" + "k".repeat(400) + "\",\"value\":\"" + "v".repeat(400) + "\",\"headers\":{\"h\":\""
                + "h".repeat(400) + "\"}}";
        assertRefused(SMALL, ErrorCode.RECORD_TOO_LARGE, () -> postJson("/topics/" + SMALL + "/records", records(GOOD, split)));
    }

    @Test
    void bodyAboveMaxRequestSizeIs413RequestTooLarge() {
        StringBuilder many = new StringBuilder();
        while (many.length() <= MAX_REQUEST_BYTES) {
            many.append(many.isEmpty() ? "" : ",").append(GOOD);
        }
        JsonNode problem = assertRefused(ErrorCode.REQUEST_TOO_LARGE, records(many.toString()));
        assertThat(problem.path("maxRequestBytes").asLong()).isEqualTo(MAX_REQUEST_BYTES);
    }

    @Test
    void nonJsonBodyIs415UnsupportedMediaType() {
        assertRefused(TOPIC, ErrorCode.UNSUPPORTED_MEDIA_TYPE, () -> mvc.post().uri("/topics/" + TOPIC + "/records")
                .contentType(MediaType.TEXT_PLAIN).content(records(GOOD)).exchange());
        assertRefused(TOPIC, ErrorCode.UNSUPPORTED_MEDIA_TYPE, () -> mvc.post().uri("/topics/" + TOPIC + "/partitions/0/records")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED).content("records=1").exchange());
        assertRefused(TOPIC, ErrorCode.UNSUPPORTED_MEDIA_TYPE, () -> mvc.post().uri("/topics/" + TOPIC + "/records")
                .content(records(GOOD)).exchange());
    }
}
