package io.runnel.api;

import io.runnel.error.ErrorCode;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI document behind Swagger UI and generated clients: API info and licence, a
 * {@code Problem} schema, and for every operation the problem codes named by its
 * {@link ProblemResponses}, grouped by status, each with an example, so Swagger UI shows what can
 * go wrong and a generated client parses every problem into one type.
 *
 * <p>{@code code} is an open string, not an enum: a code added later must not break a client
 * generated today. No {@code servers} are set, so the document names the URL it was asked at.
 *
 * <p>The path parameters {@code topic}, {@code partition} and {@code group} carry the examples the
 * request bodies use ({@code orders}, {@code 0}, {@code billing}), so that Swagger UI's "Try it
 * out" fills them in: with the examples alone one can create a topic, produce to it, read it and
 * join a group. Member ids are assigned by the server and have none.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfig {
    private static final String PROBLEM_REF = "#/components/schemas/Problem";
    private static final Map<String, Object> PATH_EXAMPLES = Map.of("topic", "orders", "partition", 0, "group", "billing");

    @Bean
    OpenAPI runnelOpenApi() {
        return new OpenAPI()
                .info(new Info().title("Runnel").version("v1").description("""
                        Event streaming over HTTP: topics split into partitions, each an append-only log of JSON \
                        key/value records at dense offsets. Produce, read by offset or time, long-poll or stream. \
                        Errors are RFC 9457 problem details with a stable `code`.""")
                        .license(new License().name("Apache-2.0").url("https://www.apache.org/licenses/LICENSE-2.0")))
                .components(new Components().addSchemas("Problem", problemSchema()));
    }

    /** The standard members, then the context members some problems carry; further members may appear. */
    private static Schema<?> problemSchema() {
        String codes = Arrays.stream(ErrorCode.values()).map(c -> "`" + c.name() + "` (" + c.status() + ")")
                .collect(Collectors.joining(", "));
        Schema<?> problem = new ObjectSchema()
                .description("RFC 9457 problem detail with a stable `code`. Context members are present where they apply; "
                        + "more may be added, so clients must accept unknown members.")
                .addProperty("type", new StringSchema().description("a URI naming the problem type")
                        .example(ErrorCode.TOPIC_NOT_FOUND.type()))
                .addProperty("title", new StringSchema().example(ErrorCode.TOPIC_NOT_FOUND.title()))
                .addProperty("status", new IntegerSchema().description("the HTTP status").example(404))
                .addProperty("detail", new StringSchema().example("topic 'orders' does not exist"))
                .addProperty("code", new StringSchema().example(ErrorCode.TOPIC_NOT_FOUND.name())
                        .description("Stable UPPER_SNAKE_CASE code; an open set: new codes may be added, so treat an unknown "
                                + "code by its status. Known codes: " + codes + "."))
                .addProperty("instance", new StringSchema().description("the request path; in cluster problems, the instance concerned"))
                .addProperty("topic", new StringSchema().example("orders"))
                .addProperty("partition", new IntegerSchema())
                .addProperty("offset", new IntegerSchema().format("int64"))
                .addProperty("logStartOffset", new IntegerSchema().format("int64"))
                .addProperty("highWatermark", new IntegerSchema().format("int64"))
                .addProperty("leader", new StringSchema().description("the partition's leader instance"))
                .addProperty("parameter", new StringSchema().description("the query parameter or header that was refused"))
                .addProperty("field", new StringSchema().description("the body member that was refused"))
                .addProperty("config", new StringSchema().description("the topic config that was refused"))
                .addProperty("record", new IntegerSchema().description("the index of the refused record in the request"))
                .addProperty("group", new StringSchema())
                .addProperty("memberId", new StringSchema())
                .addProperty("generation", new IntegerSchema())
                .addProperty("maxRecordBytes", new IntegerSchema().format("int64"))
                .addProperty("maxRequestBytes", new IntegerSchema().format("int64"))
                .addProperty("inSyncReplicas", new IntegerSchema())
                .addProperty("minInsyncReplicas", new IntegerSchema())
                .addProperty("liveInstances", new IntegerSchema())
                .addProperty("results", new ArraySchema().items(new Schema<>().$ref("#/components/schemas/RecordResult"))
                        .description("produce: every record's result when some partition failed after validation"));
        problem.setRequired(List.of("type", "title", "status", "code"));
        problem.setAdditionalProperties(true);
        return problem;
    }

    @Bean
    OperationCustomizer problemResponses() {
        return (operation, handlerMethod) -> {
            ProblemResponses annotation = handlerMethod.getMethodAnnotation(ProblemResponses.class);
            if (annotation == null) {
                return operation;
            }
            Map<Integer, MediaType> byStatus = new LinkedHashMap<>();
            for (ErrorCode code : annotation.value()) {
                MediaType media = byStatus.computeIfAbsent(code.status(),
                        s -> new MediaType().schema(new Schema<>().$ref(PROBLEM_REF)));
                Map<String, Object> example = new LinkedHashMap<>();
                example.put("type", code.type());
                example.put("title", code.title());
                example.put("status", code.status());
                example.put("detail", "…");
                example.put("code", code.name());
                media.addExamples(code.name(), new Example().summary(code.title()).value(example));
            }
            ApiResponses responses = operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
            byStatus.forEach((status, media) -> responses.addApiResponse(Integer.toString(status), new ApiResponse()
                    .description(titles(annotation, status))
                    .content(new Content().addMediaType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE, media))));
            operation.setResponses(responses);
            return operation;
        };
    }

    @Bean
    OperationCustomizer pathParameterExamples() {
        return (operation, handlerMethod) -> {
            if (operation.getParameters() != null) {
                operation.getParameters().stream()
                        .filter(p -> "path".equals(p.getIn()) && p.getExample() == null && PATH_EXAMPLES.containsKey(p.getName()))
                        .forEach(p -> p.setExample(PATH_EXAMPLES.get(p.getName())));
            }
            return operation;
        };
    }

    private static String titles(ProblemResponses annotation, int status) {
        return String.join("; ", Arrays.stream(annotation.value()).filter(c -> c.status() == status)
                .map(c -> c.name() + ": " + c.title()).toList());
    }
}
