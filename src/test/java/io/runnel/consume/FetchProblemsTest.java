package io.runnel.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.ApiSliceTest;
import io.runnel.error.ErrorCode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.servlet.assertj.MvcTestResult;
import tools.jackson.databind.JsonNode;

/** Every problem a fetch or an offset lookup answers with. Partition 0 of the topic holds two records. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FetchProblemsTest extends ApiSliceTest {
    private static final String TOPIC = "fetch-orders";
    private static final String RECORDS = "/topics/" + TOPIC + "/partitions/0/records";

    @BeforeAll
    void createTopicWithTwoRecords() {
        createTopic(TOPIC, 3);
        MvcTestResult produced = postJson(RECORDS, "{\"records\":[{\"value\":1},{\"value\":2}]}");
        assertThat(produced.getResponse().getStatus()).as(body(produced)).isEqualTo(200);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
            "offset, -1",
            "offset, abc",
            "offset, 1.5",
            "offset, 99999999999999999999",
            "offset, ''",
            "limit, 0",
            "limit, -5",
            "limit, abc",
            "limit, 10001",
            "limit, 99999999999",
            "waitMs, 40000",
            "waitMs, 30001",
            "waitMs, -1",
            "waitMs, abc",
            "maxBytes, 0",
            "maxBytes, -1",
            "maxBytes, 67108865",
            "maxBytes, abc",
            "timestamp, abc",
            "timestamp, -1",
            "timestamp, 2026-13-45T00:00:00Z"})
    void badQueryParameterIs400InvalidParameter(String parameter, String value) {
        JsonNode problem = assertProblem(get(RECORDS + "?" + parameter + "=" + value), ErrorCode.INVALID_PARAMETER);
        assertThat(problem.path("parameter").asString()).isEqualTo(parameter);
    }

    @Test
    void offsetAndTimestampTogetherIs400InvalidParameter() {
        assertProblem(get(RECORDS + "?offset=0&timestamp=0"), ErrorCode.INVALID_PARAMETER);
    }

    @Test
    void partitionPathVariableThatIsNotAnIntIs400InvalidParameter() {
        for (String partition : new String[] {"abc", "99999999999", "1.5"}) {
            for (String uri : new String[] {"/topics/" + TOPIC + "/partitions/" + partition + "/records",
                    "/topics/" + TOPIC + "/partitions/" + partition + "/offsets?timestamp=0"}) {
                JsonNode problem = assertProblem(get(uri), ErrorCode.INVALID_PARAMETER);
                assertThat(problem.path("parameter").asString()).as(uri).isEqualTo("partition");
            }
        }
    }

    @Test
    void offsetsWithoutOrWithBadTimestampIs400InvalidParameter() {
        String offsets = "/topics/" + TOPIC + "/partitions/0/offsets";
        assertThat(assertProblem(get(offsets), ErrorCode.INVALID_PARAMETER).path("parameter").asString()).isEqualTo("timestamp");
        assertThat(assertProblem(get(offsets + "?timestamp=soon"), ErrorCode.INVALID_PARAMETER).path("parameter").asString())
                .isEqualTo("timestamp");
    }

    @Test
    void fetchFromUnknownTopicIs404TopicNotFound() {
        for (String uri : new String[] {"/topics/fetch-ghost/partitions/0/records", "/topics/fetch-ghost/partitions/0/offsets?timestamp=0"}) {
            JsonNode problem = assertProblem(get(uri), ErrorCode.TOPIC_NOT_FOUND);
            assertThat(problem.path("topic").asString()).isEqualTo("fetch-ghost");
        }
    }

    @Test
    void fetchFromPartitionBeyondTheTopicIs404PartitionNotFound() {
        for (String partition : new String[] {"7", "3", "-1"}) {
            for (String uri : new String[] {"/topics/" + TOPIC + "/partitions/" + partition + "/records",
                    "/topics/" + TOPIC + "/partitions/" + partition + "/offsets?timestamp=0"}) {
                JsonNode problem = assertProblem(get(uri), ErrorCode.PARTITION_NOT_FOUND);
                assertThat(problem.path("topic").asString()).isEqualTo(TOPIC);
                assertThat(problem.path("partition").asInt()).isEqualTo(Integer.parseInt(partition));
            }
        }
    }

    @Test
    void fetchFromIllegalTopicNameIs422InvalidTopicName() {
        assertProblem(mvc.get().uri("/topics/{t}/partitions/0/records", "héllo").exchange(), ErrorCode.INVALID_TOPIC_NAME);
        assertProblem(get("/topics/" + "n".repeat(250) + "/partitions/0/offsets?timestamp=0"), ErrorCode.INVALID_TOPIC_NAME);
    }

    @Test
    void offsetBeyondTheHighWatermarkIs416WithLogStartOffsetAndHighWatermark() {
        for (String offset : new String[] {"3", "1000", String.valueOf(Long.MAX_VALUE)}) {
            JsonNode problem = assertProblem(get(RECORDS + "?offset=" + offset), ErrorCode.OFFSET_OUT_OF_RANGE);
            assertThat(problem.path("logStartOffset").isIntegralNumber()).as(problem.toString()).isTrue();
            assertThat(problem.path("logStartOffset").asLong()).isZero();
            assertThat(problem.path("highWatermark").isIntegralNumber()).as(problem.toString()).isTrue();
            assertThat(problem.path("highWatermark").asLong()).isEqualTo(2);
        }
    }

    @Test
    void offsetAtTheHighWatermarkIsAnEmptyReadNotAProblem() {
        MvcTestResult result = get(RECORDS + "?offset=2");
        assertThat(result.getResponse().getStatus()).as(body(result)).isEqualTo(200);
        assertThat(json(result).path("records")).isEmpty();
        assertThat(json(result).path("nextOffset").asLong()).isEqualTo(2);
    }

    @Test
    void unacceptableMediaTypeIs406NotAcceptable() {
        assertProblem(mvc.get().uri(RECORDS).header(HttpHeaders.ACCEPT, "text/csv").exchange(), ErrorCode.NOT_ACCEPTABLE);
    }
}
