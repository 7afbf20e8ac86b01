package io.runnel.produce;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.api.Problems;
import io.runnel.api.ProblemResponses;
import io.runnel.config.RunnelProperties;
import io.runnel.produce.ProduceService.ProduceOutcome;
import io.runnel.produce.ProduceService.RecordResult;
import io.runnel.security.ApiCall;
import io.runnel.security.RequiredAccess;
import io.runnel.security.web.Caller;
import io.runnel.security.web.Guard;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /topics/{topic}/records} and {@code POST /topics/{topic}/partitions/{p}/records}.
 * The body is read as bytes (bounded by {@code runnel.produce.max-request-size}) and handed to the
 * streaming parser; it is never bound to objects. An {@code Idempotency-Key} is checked here and
 * becomes an {@link IdempotentProducer}; the partition leaders recognise a replay from the producer
 * state in their logs, so no answer is remembered on this instance. Both calls need {@code WRITE} on the
 * topic, checked before anything else (the leaders' internal appends are then trusted by the cluster secret).
 */
@Tag(name = "Produce", description = "Append records to a topic")
@RestController
class ProduceController {
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");
    private static final String EXAMPLE = """
            {"records":[
              {"key":"customer-42","value":{"amount":12.50},"headers":{"source":"web"}},
              {"value":{"amount":7}},
              {"key":"x","value":[1,2],"partition":0,"timestamp":"2026-11-28T03:00:00.000Z"}
            ]}""";
    private static final String PARTITION_EXAMPLE = """
            {"records":[
              {"key":"customer-42","value":{"amount":12.50},"headers":{"source":"web"}},
              {"value":{"amount":7},"timestamp":"2026-11-28T03:00:00.000Z"}
            ]}""";
    private static final String RESULTS_EXAMPLE = "{\"results\":[{\"partition\":1,\"offset\":57,\"timestamp\":\"2026-11-28T03:46:38.123Z\"}]}";

    private final ProduceService service;
    private final JsonMapper json;
    private final long maxRequestBytes;
    private final Guard guard;

    ProduceController(ProduceService service, JsonMapper json, RunnelProperties props, Guard guard) {
        this.service = service;
        this.json = json;
        this.maxRequestBytes = props.produce().maxRequestSize().toBytes();
        this.guard = guard;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ProduceResponse(List<RecordResult> results) {
    }

    @Schema(name = "ProduceRequest", description = "Records to append. key: any JSON or null; value: any JSON, null = tombstone; "
            + "headers: object of strings; partition: optional; timestamp: ISO-8601 or epoch millis, default now.")
    record ProduceRequestDoc(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<RecordDoc> records) {
    }

    @Schema(name = "ProduceRecord")
    record RecordDoc(@Schema(description = "any JSON value, or null") Object key,
                     @Schema(description = "any JSON value, kept exactly as written; null is a tombstone") Object value,
                     java.util.Map<String, String> headers,
                     @Schema(description = "the partition; default: chosen by key") Integer partition,
                     @Schema(format = "date-time", description = "ISO-8601 (epoch milliseconds are accepted too); default: now",
                             example = "2026-11-28T03:00:00.000Z") String timestamp) {
    }

    @Operation(operationId = "produce", summary = "Produce records to a topic",
            description = "Keyed records go to toPositive(murmur2(key)) % partitions as in Kafka; null keys round-robin. "
                    + "All records are validated before any is written. acks=all|leader wait for the append (and fsync per "
                    + "runnel.storage.flush); acks=none answers 202 without offsets. A replay of an Idempotency-Key within "
                    + "runnel.produce.idempotency-window returns the first answer and writes nothing.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
                    schema = @Schema(implementation = ProduceRequestDoc.class), examples = @ExampleObject(value = EXAMPLE))),
            responses = {
                    @ApiResponse(responseCode = "200", description = "Every record's partition, offset and timestamp, in request order",
                            content = @Content(schema = @Schema(implementation = ProduceResponse.class), examples = @ExampleObject(
                                    value = RESULTS_EXAMPLE))),
                    @ApiResponse(responseCode = "202", description = "acks=none: accepted, no offsets", content = @Content)})
    @ProblemResponses({ErrorCode.TOPIC_NOT_FOUND, ErrorCode.PARTITION_NOT_FOUND, ErrorCode.MALFORMED_JSON, ErrorCode.NESTING_TOO_DEEP,
            ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_RECORD, ErrorCode.RECORD_TOO_LARGE, ErrorCode.REQUEST_TOO_LARGE,
            ErrorCode.UNSUPPORTED_MEDIA_TYPE, ErrorCode.IDEMPOTENCY_KEY_REUSED, ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.STORAGE_FULL,
            ErrorCode.INVALID_TOPIC_NAME, ErrorCode.INVALID_PARAMETER, ErrorCode.TOPIC_AUTHORIZATION_FAILED})
    @PostMapping(path = "/topics/{topic}/records", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<byte[]> produce(
            @PathVariable String topic,
            @Parameter(description = "all (default) | leader | none") @RequestParam(defaultValue = "all") String acks,
            @Parameter(description = "Makes retries safe: a replay returns the first answer") @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey,
            HttpServletRequest request, Caller caller) throws IOException {
        guard.check(caller, RequiredAccess.forCall(ApiCall.PRODUCE, topic));
        return handle(topic, null, acks, idempotencyKey, request);
    }

    @Operation(operationId = "produceToPartition", summary = "Produce records to one partition",
            description = "As POST /topics/{topic}/records (same body), every record to this partition.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
                    schema = @Schema(implementation = ProduceRequestDoc.class), examples = @ExampleObject(value = PARTITION_EXAMPLE))),
            responses = {
                    @ApiResponse(responseCode = "200", description = "Every record's partition, offset and timestamp, in request order",
                            content = @Content(schema = @Schema(implementation = ProduceResponse.class), examples = @ExampleObject(
                                    value = RESULTS_EXAMPLE))),
                    @ApiResponse(responseCode = "202", description = "acks=none: accepted, no offsets", content = @Content)})
    @ProblemResponses({ErrorCode.TOPIC_NOT_FOUND, ErrorCode.PARTITION_NOT_FOUND, ErrorCode.MALFORMED_JSON, ErrorCode.NESTING_TOO_DEEP,
            ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_RECORD, ErrorCode.RECORD_TOO_LARGE, ErrorCode.REQUEST_TOO_LARGE,
            ErrorCode.UNSUPPORTED_MEDIA_TYPE, ErrorCode.IDEMPOTENCY_KEY_REUSED, ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.STORAGE_FULL,
            ErrorCode.INVALID_TOPIC_NAME, ErrorCode.INVALID_PARAMETER, ErrorCode.TOPIC_AUTHORIZATION_FAILED})
    @PostMapping(path = "/topics/{topic}/partitions/{partition}/records", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<byte[]> produceToPartition(
            @PathVariable String topic,
            @PathVariable int partition,
            @Parameter(description = "all (default) | leader | none") @RequestParam(defaultValue = "all") String acks,
            @Parameter(description = "Makes retries safe: a replay returns the first answer") @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey,
            HttpServletRequest request, Caller caller) throws IOException {
        guard.check(caller, RequiredAccess.forCall(ApiCall.PRODUCE, topic));
        return handle(topic, partition, acks, idempotencyKey, request);
    }

    private ResponseEntity<byte[]> handle(String topic, Integer partition, String acks, String idempotencyKey,
                                          HttpServletRequest request) throws IOException {
        if (!acks.equals("all") && !acks.equals("leader") && !acks.equals("none")) {
            throw new RunnelException(ErrorCode.INVALID_PARAMETER, "'acks' must be all, leader or none").with("parameter", "acks");
        }
        byte[] body = readBody(request);
        IdempotentProducer producer = null;
        if (idempotencyKey != null) {
            if (!IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
                throw new RunnelException(ErrorCode.INVALID_REQUEST, "Idempotency-Key must be 1-255 visible ASCII characters");
            }
            producer = IdempotentProducer.of(topic, idempotencyKey, acks);
        }
        return answer(produce(topic, partition, acks, body, producer), acks);
    }

    private record Answer(int status, byte[] body, boolean replayed) {
    }

    /**
     * Produces and renders the answer: {@code {"results":[…]}}, or, when a partition failed after
     * validation, a problem detail for that failure that still carries every record's result.
     */
    private Answer produce(String topic, Integer partition, String acks, byte[] body, IdempotentProducer producer) {
        ProduceOutcome outcome = service.produce(topic, partition, body, acks.equals("all"), producer);
        boolean anyWritten = outcome.results().stream().anyMatch(r -> r.offset() != null);
        if (outcome.failure() == null) {
            return new Answer(200, json.writeValueAsBytes(new ProduceResponse(outcome.results())), outcome.replayed());
        }
        ProblemDetail problem = Problems.detail(outcome.failure());
        problem.setDetail((anyWritten ? "some records were not written: " : "no record was written: ") + outcome.failure().getMessage());
        problem.setProperty("results", outcome.results());
        return new Answer(outcome.status(), json.writeValueAsBytes(problem), outcome.replayed());
    }

    private static ResponseEntity<byte[]> answer(Answer a, String acks) {
        if (acks.equals("none") && a.status() == 200) {
            return ResponseEntity.status(HttpStatus.ACCEPTED).build();
        }
        ResponseEntity.BodyBuilder response = ResponseEntity.status(a.status()).contentType(contentType(a.status()));
        if (a.replayed()) {
            response.header("Idempotent-Replayed", "true");
        }
        return response.body(a.body());
    }

    private static MediaType contentType(int status) {
        return status == 200 ? MediaType.APPLICATION_JSON : MediaType.APPLICATION_PROBLEM_JSON;
    }

    private byte[] readBody(HttpServletRequest request) throws IOException {
        long declared = request.getContentLengthLong();
        if (declared > maxRequestBytes) {
            throw tooLarge(declared);
        }
        try (InputStream in = request.getInputStream()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxRequestBytes + 1));
            if (body.length > maxRequestBytes) {
                throw tooLarge(body.length);
            }
            return body;
        }
    }

    private RunnelException tooLarge(long size) {
        return new RunnelException(ErrorCode.REQUEST_TOO_LARGE, "the body is " + (size > maxRequestBytes ? "over " : "")
                + maxRequestBytes + " bytes (runnel.produce.max-request-size)").with("maxRequestBytes", maxRequestBytes);
    }
}
