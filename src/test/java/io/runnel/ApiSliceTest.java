package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.error.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.StreamSupport;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Base of the MockMvc tests of the HTTP API: the whole application (real registry, logs, parser,
 * problem handler; no mocks) over a temporary data directory, without a network port.
 *
 * <p>Every subclass shares one application context (same configuration, so Spring's test context
 * cache hands out the same one) and hence one data directory: subclasses name their topics so that
 * they do not collide (see {@link TestDataDirs} for when it is deleted). The request limit is small so that
 * {@code REQUEST_TOO_LARGE} is cheap to reach.
 */
@SpringBootTest
@AutoConfigureMockMvc
public abstract class ApiSliceTest {
    /** {@code runnel.produce.max-request-size} in these tests. */
    protected static final int MAX_REQUEST_BYTES = 16 * 1024;
    protected static final JsonMapper JSON = JsonMapper.builder().build();

    private static final Path DATA_DIR = TestDataDirs.create("runnel-api-test-");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", DATA_DIR::toString);
        registry.add("runnel.node.id", () -> "runnel-test");
        registry.add("runnel.produce.max-request-size", () -> MAX_REQUEST_BYTES + "B");
    }

    @Autowired
    protected MockMvcTester mvc;

    protected static JsonNode json(MvcTestResult result) {
        return JSON.readTree(result.getResponse().getContentAsByteArray());
    }

    protected static String body(MvcTestResult result) {
        return new String(result.getResponse().getContentAsByteArray(), StandardCharsets.UTF_8);
    }

    /**
     * Asserts that {@code result} is an RFC 9457 problem for {@code code}: its status, the
     * problem content type, and {@code type}, {@code title}, {@code status}, {@code detail}, {@code code}.
     * Returns the problem for checks of its context members.
     */
    protected static JsonNode assertProblem(MvcTestResult result, ErrorCode code) {
        MockHttpServletResponse response = result.getResponse();
        assertThat(response.getStatus()).as("status of %s", body(result)).isEqualTo(code.status());
        assertThat(response.getContentType()).as("Content-Type of %s", body(result)).isNotNull();
        assertThat(MediaType.parseMediaType(response.getContentType()).isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .as("Content-Type %s is application/problem+json", response.getContentType()).isTrue();
        JsonNode problem = json(result);
        assertThat(problem.path("code").asString("")).as("code of %s", problem).isEqualTo(code.name());
        assertThat(problem.path("type").asString("")).as("type of %s", problem).isEqualTo(code.type());
        assertThat(problem.path("title").asString("")).as("title of %s", problem).isEqualTo(code.title());
        assertThat(problem.path("status").isInt()).as("status member of %s", problem).isTrue();
        assertThat(problem.path("status").asInt()).as("status member of %s", problem).isEqualTo(code.status());
        assertThat(problem.path("detail").asString("")).as("detail of %s", problem).isNotBlank();
        return problem;
    }

    protected MvcTestResult postJson(String uri, String body) {
        return mvc.post().uri(uri).contentType(MediaType.APPLICATION_JSON).content(body).exchange();
    }

    protected MvcTestResult patchJson(String uri, String body) {
        return mvc.patch().uri(uri).contentType(MediaType.APPLICATION_JSON).content(body).exchange();
    }

    protected MvcTestResult get(String uri) {
        return mvc.get().uri(uri).exchange();
    }

    /** Creates a topic, asserting 201. */
    protected void createTopic(String name, int partitions, String configsJson) {
        MvcTestResult created = postJson("/topics", "{\"name\":\"" + name + "\",\"partitions\":" + partitions
                + (configsJson == null ? "" : ",\"configs\":" + configsJson) + "}");
        assertThat(created.getResponse().getStatus()).as(body(created)).isEqualTo(201);
    }

    protected void createTopic(String name, int partitions) {
        createTopic(name, partitions, null);
    }

    /** Every partition's high watermark, in partition order, as GET /topics/{topic} reports them. */
    protected long[] highWatermarks(String topic) {
        MvcTestResult described = get("/topics/" + topic);
        assertThat(described.getResponse().getStatus()).as(body(described)).isEqualTo(200);
        return StreamSupport.stream(json(described).path("partitions").spliterator(), false)
                .mapToLong(p -> p.path("highWatermark").asLong()).toArray();
    }
}
