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
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
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
 *
 * <p>Security (README "Security"): two schemes, {@value #BEARER} (HTTP bearer: an API key or an OpenID
 * Connect JWT) and {@value #BASIC} (HTTP basic: the key's id and the key), either of which every operation
 * accepts (a global requirement), so Swagger UI's "Authorize" sends the header with "Try it out". Every
 * operation that needs a credential also lists {@code 401 UNAUTHENTICATED}. An operation that needs none is
 * annotated with an empty {@code @SecurityRequirements} and so documented with {@code security: []}; no
 * operation of the document is open today (the open paths, health, info and the documentation itself, are not
 * in it). With security off ({@code runnel.security.enabled=false}) no credential is needed at all, and
 * Swagger UI works without authorizing. The schemes are declared here as plain text: {@code api} knows nothing
 * of {@code io.runnel.security}.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfig {
    private static final String PROBLEM_REF = "#/components/schemas/Problem";
    private static final Map<String, Object> PATH_EXAMPLES = Map.of("topic", "orders", "partition", 0, "group", "billing");
    static final String BEARER = "apiKeyOrToken";
    static final String BASIC = "keyIdAndKey";

    @Bean
    OpenAPI runnelOpenApi() {
        return new OpenAPI()
                .info(new Info().title("Runnel").version("v1").description("""
                        Event streaming over HTTP: topics split into partitions, each an append-only log of JSON \
                        key/value records at dense offsets. Produce, read by offset or time, long-poll or stream. \
                        Errors are RFC 9457 problem details with a stable `code`.""")
                        .license(new License().name("Apache-2.0").url("https://www.apache.org/licenses/LICENSE-2.0")))
                .components(new Components().addSchemas("Problem", problemSchema())
                        .addSecuritySchemes(BEARER, new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                                .description("""
                                        An API key (`POST /api-keys` shows it once; or the bootstrap key, \
                                        `runnel.security.bootstrap-key`), or an OpenID Connect JWT when the node is configured \
                                        for one (`runnel.security.oidc.*`). Not needed while `runnel.security.enabled=false`."""))
                        .addSecuritySchemes(BASIC, new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("basic")
                                .description("""
                                        An API key's id as the user name and the key as the password (user `bootstrap` for the \
                                        bootstrap key). Not needed while `runnel.security.enabled=false`.""")))
                .addSecurityItem(new SecurityRequirement().addList(BEARER))
                .addSecurityItem(new SecurityRequirement().addList(BASIC));
    }

    /**
     * {@code 401 UNAUTHENTICATED} on every operation that needs a credential (all but those documented with
     * {@code security: []}), unless its {@link ProblemResponses} already name it.
     */
    @Bean
    OperationCustomizer unauthenticatedResponses() {
        return (operation, handlerMethod) -> {
            boolean open = operation.getSecurity() != null && operation.getSecurity().isEmpty();
            ApiResponses responses = operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
            if (!open && !responses.containsKey("401")) {
                responses.addApiResponse("401", new ApiResponse().description(ErrorCode.UNAUTHENTICATED.name() + ": "
                        + ErrorCode.UNAUTHENTICATED.title() + " (no credential, or one that is not valid; security on only)")
                        .content(new Content().addMediaType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE,
                                problemMedia(List.of(ErrorCode.UNAUTHENTICATED)))));
                operation.setResponses(responses);
            }
            return operation;
        };
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
            Arrays.stream(annotation.value()).collect(Collectors.groupingBy(ErrorCode::status, LinkedHashMap::new, Collectors.toList()))
                    .forEach((status, codes) -> byStatus.put(status, problemMedia(codes)));
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

    /** The problem schema with an example of each code. */
    private static MediaType problemMedia(List<ErrorCode> codes) {
        MediaType media = new MediaType().schema(new Schema<>().$ref(PROBLEM_REF));
        for (ErrorCode code : codes) {
            Map<String, Object> example = new LinkedHashMap<>();
            example.put("type", code.type());
            example.put("title", code.title());
            example.put("status", code.status());
            example.put("detail", "…");
            example.put("code", code.name());
            media.addExamples(code.name(), new Example().summary(code.title()).value(example));
        }
        return media;
    }

    private static String titles(ProblemResponses annotation, int status) {
        return String.join("; ", Arrays.stream(annotation.value()).filter(c -> c.status() == status)
                .map(c -> c.name() + ": " + c.title()).toList());
    }
}
