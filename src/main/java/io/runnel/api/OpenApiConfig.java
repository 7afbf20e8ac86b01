package io.runnel.api;

import io.runnel.error.ErrorCode;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.info.Info;
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
import java.util.Map;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI document behind Swagger UI: API info, a {@code Problem} schema, and for every
 * operation the problem codes named by its {@link ProblemResponses}, grouped by status, each with
 * an example, so Swagger UI shows what can go wrong and a generated client knows the shapes.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfig {
    private static final String PROBLEM_REF = "#/components/schemas/Problem";

    @Bean
    OpenAPI runnelOpenApi() {
        Schema<?> problem = new ObjectSchema()
                .description("RFC 9457 problem detail; `code` is stable, context members (topic, partition, offsets…) vary")
                .addProperty("type", new StringSchema().example(ErrorCode.TOPIC_NOT_FOUND.type()))
                .addProperty("title", new StringSchema().example(ErrorCode.TOPIC_NOT_FOUND.title()))
                .addProperty("status", new IntegerSchema().example(404))
                .addProperty("detail", new StringSchema().example("topic 'orders' does not exist"))
                .addProperty("code", new StringSchema()._enum(Arrays.stream(ErrorCode.values()).map(Enum::name).toList()))
                .addProperty("instance", new StringSchema().example("/topics/orders"));
        return new OpenAPI()
                .info(new Info().title("Runnel").version("v1").description("""
                        Event streaming over HTTP: topics split into partitions, each an append-only log of JSON \
                        key/value records at dense offsets. Produce, read by offset or time, long-poll. Errors are \
                        RFC 9457 problem details with a stable `code`."""))
                .components(new Components().addSchemas("Problem", problem));
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
                media.addExamples(code.name(), new Example().summary(code.title()).value(Map.of(
                        "type", code.type(), "title", code.title(), "status", code.status(),
                        "detail", "…", "code", code.name())));
            }
            ApiResponses responses = operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
            byStatus.forEach((status, media) -> responses.addApiResponse(Integer.toString(status), new ApiResponse()
                    .description(titles(annotation, status))
                    .content(new Content().addMediaType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE, media))));
            operation.setResponses(responses);
            return operation;
        };
    }

    private static String titles(ProblemResponses annotation, int status) {
        return String.join("; ", Arrays.stream(annotation.value()).filter(c -> c.status() == status)
                .map(c -> c.name() + ": " + c.title()).toList());
    }
}
