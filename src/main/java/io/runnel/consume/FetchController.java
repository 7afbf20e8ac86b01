package io.runnel.consume;

import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.api.ProblemResponses;
import io.runnel.api.Timestamps;
import io.runnel.config.RunnelProperties;
import io.runnel.topic.Names;
import io.runnel.partition.Partition;
import io.runnel.partition.PartitionRouter;
import io.runnel.security.ApiCall;
import io.runnel.security.RequiredAccess;
import io.runnel.security.web.Caller;
import io.runnel.security.web.Guard;
import io.runnel.security.web.Revocations;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Stateless reads: records by offset or time, with long polling, and offsets by timestamp. Each needs
 * {@code READ} on the topic, checked before anything is looked up; a held poll and a stream are watched
 * by {@link Revocations} while open, so a revoked key or ACL ends them.
 */
@Tag(name = "Fetch", description = "Read records by offset or timestamp")
@RestController
class FetchController {
    static final int MAX_WAIT_MS = 30_000;
    static final int DEFAULT_LIMIT = 500;
    static final int MAX_FETCH_BYTES = 64 * 1024 * 1024;
    static final String OFFSET_PATTERN = "^([0-9]+|earliest|latest)$";
    static final String OFFSET_DOC = "an offset, earliest (default) or latest";
    static final String TIMESTAMP_DOC = "the first record with a timestamp >= this: ISO-8601 (2026-11-28T03:00:00.000Z); "
            + "epoch milliseconds are accepted too";

    private final PartitionRouter router;
    private final FetchService fetch;
    private final RunnelProperties props;
    private final SseStreams sse;
    private final Guard guard;
    private final Revocations revocations;

    FetchController(PartitionRouter router, FetchService fetch, RunnelProperties props, SseStreams sse, Guard guard,
                    Revocations revocations) {
        this.router = router;
        this.fetch = fetch;
        this.props = props;
        this.sse = sse;
        this.guard = guard;
        this.revocations = revocations;
    }

    record FetchedRecord(long offset,
                         @Schema(format = "date-time", example = "2026-11-28T03:46:38.123Z") String timestamp,
                         @Schema(description = "any JSON value, or null") Object key,
                         @Schema(description = "any JSON value, exactly as written; null is a tombstone") Object value,
                         Map<String, String> headers) {
    }

    @Schema(name = "FetchResponse", description = "Records from the requested offset, all below the high watermark")
    record FetchResponseDoc(String topic, int partition, List<FetchedRecord> records, long nextOffset, long highWatermark,
                            long logStartOffset) {
    }

    record OffsetAnswer(long offset,
                        @Schema(format = "date-time", description = "the record's timestamp; null when no record is that late",
                                types = {"string", "null"}) String timestamp) {
    }

    /** How the stream operations send records; also the description of their 200 answer. */
    static final String SSE_FRAMING = """
            Server-Sent Events (text/event-stream). The stream opens with a `retry:` line (reconnect delay, ms) and a \
            comment. Each record is one event: `event: record`, `id:` its offset, `data:` the record as JSON on one line \
            (`{"offset","timestamp","key","value","headers"}`, as in fetchRecords). A comment line (`:`) is sent every \
            15 s while idle. If the stream's position falls out of the log (retention), an event `event: error` whose \
            `data` is a Problem (code OFFSET_OUT_OF_RANGE) ends the stream. A stream ends after \
            runnel.fetch.sse-max-duration; reconnect with `Last-Event-ID` to resume after the last record.""";

    @Operation(operationId = "fetchRecords", summary = "Read records from a partition (JSON)",
            description = "Starts at offset (a number, earliest or latest) or at the first record whose timestamp is >= timestamp. "
                    + "With waitMs, an empty read is held until a record arrives or the time is up; no thread is held meanwhile. "
                    + "Answers JSON whenever Accept lists application/json or */* (or is absent); for a stream see streamRecords.",
            responses = @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                    schema = @Schema(implementation = FetchResponseDoc.class), examples = @ExampleObject(value = """
                            {"topic":"orders","partition":1,"records":[{"offset":50,"timestamp":"2026-11-28T03:46:38.123Z",\
                            "key":"customer-42","value":{"amount":12.50},"headers":{"source":"web"}}],"nextOffset":51,\
                            "highWatermark":57,"logStartOffset":0}"""))))
    @ProblemResponses({ErrorCode.TOPIC_NOT_FOUND, ErrorCode.PARTITION_NOT_FOUND, ErrorCode.OFFSET_OUT_OF_RANGE,
            ErrorCode.INVALID_PARAMETER, ErrorCode.INVALID_TOPIC_NAME, ErrorCode.TOPIC_AUTHORIZATION_FAILED})
    @GetMapping(path = "/topics/{topic}/partitions/{partition}/records", produces = MediaType.APPLICATION_JSON_VALUE)
    Object records(
            @PathVariable String topic,
            @PathVariable int partition,
            @Parameter(description = OFFSET_DOC, schema = @Schema(pattern = OFFSET_PATTERN)) @RequestParam(required = false) String offset,
            @Parameter(description = TIMESTAMP_DOC, schema = @Schema(format = "date-time")) @RequestParam(required = false) String timestamp,
            @Parameter(description = "most records to return, 1-" + "runnel.fetch.max-limit (default 500)") @RequestParam(required = false) Integer limit,
            @Parameter(description = "about this many bytes at most (at least one batch is returned)") @RequestParam(required = false) Integer maxBytes,
            @Parameter(description = "0-30000: how long to hold an empty read") @RequestParam(defaultValue = "0") int waitMs,
            Caller caller) {
        RequiredAccess needs = RequiredAccess.forCall(ApiCall.FETCH, topic);
        guard.check(caller, needs);
        Partition p = router.local(Names.checkTopic(topic), partition);
        if (offset != null && timestamp != null) {
            throw new RunnelException(ErrorCode.INVALID_PARAMETER, "give either 'offset' or 'timestamp', not both");
        }
        int maxLimit = props.fetch().maxLimit();
        int records = limit == null ? Math.min(DEFAULT_LIMIT, maxLimit) : limit;
        RunnelException.checkParameter(records >= 1 && records <= maxLimit, "limit", "from 1 to " + maxLimit);
        int bytes = maxBytes == null ? (int) props.fetch().defaultMaxBytes().toBytes() : maxBytes;
        RunnelException.checkParameter(bytes >= 1 && bytes <= MAX_FETCH_BYTES, "maxBytes", "from 1 to " + MAX_FETCH_BYTES);
        RunnelException.checkParameter(waitMs >= 0 && waitMs <= MAX_WAIT_MS, "waitMs", "from 0 to " + MAX_WAIT_MS);
        long start = timestamp != null
                ? fetch.offsetForTimestamp(p, Timestamps.parse(timestamp, "timestamp"))
                : fetch.resolveOffset(p, offset == null ? "earliest" : offset);
        return fetch.fetch(p, start, records, bytes, waitMs, revocations.heldRead(caller, needs));
    }

    @Operation(operationId = "streamRecords", summary = "Stream records as Server-Sent Events",
            description = "Resumes after the Last-Event-ID header when given, else starts at offset or timestamp (default earliest). "
                    + "The same stream is served on the records URL to a request whose Accept asks for text/event-stream alone.",
            responses = @ApiResponse(responseCode = "200", description = SSE_FRAMING, content = @Content(
                    mediaType = MediaType.TEXT_EVENT_STREAM_VALUE, schema = @Schema(type = "string"), examples = @ExampleObject(value = """
                            retry:1000
                            :records of orders-1 from offset 50

                            id:50
                            event:record
                            data:{"offset":50,"timestamp":"2026-11-28T03:46:38.123Z","key":"customer-42","value":{"amount":12.50},"headers":{}}

                            """))))
    @ProblemResponses({ErrorCode.TOPIC_NOT_FOUND, ErrorCode.PARTITION_NOT_FOUND, ErrorCode.OFFSET_OUT_OF_RANGE, ErrorCode.INVALID_PARAMETER,
            ErrorCode.INVALID_TOPIC_NAME, ErrorCode.TOPIC_AUTHORIZATION_FAILED})
    @GetMapping(path = "/topics/{topic}/partitions/{partition}/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter streamRecords(
            @PathVariable String topic,
            @PathVariable int partition,
            @Parameter(description = OFFSET_DOC, schema = @Schema(pattern = OFFSET_PATTERN)) @RequestParam(required = false) String offset,
            @Parameter(description = TIMESTAMP_DOC, schema = @Schema(format = "date-time")) @RequestParam(required = false) String timestamp,
            @Parameter(description = "the id of the last event received: the stream resumes after it")
            @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
            Caller caller) {
        RequiredAccess needs = RequiredAccess.forCall(ApiCall.STREAM, topic);
        guard.check(caller, needs);
        Partition p = router.local(Names.checkTopic(topic), partition);
        long start;
        if (lastEventId != null) {
            try {
                start = Math.addExact(Long.parseLong(lastEventId.trim()), 1);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new RunnelException(ErrorCode.INVALID_PARAMETER, "Last-Event-ID must be an offset").with("parameter", "Last-Event-ID");
            }
            if (start < 0) {
                throw new RunnelException(ErrorCode.INVALID_PARAMETER, "Last-Event-ID must be an offset").with("parameter", "Last-Event-ID");
            }
        } else if (timestamp != null) {
            start = fetch.offsetForTimestamp(p, Timestamps.parse(timestamp, "timestamp"));
        } else {
            start = fetch.resolveOffset(p, offset == null ? "earliest" : offset);
        }
        fetch.read(p, start, 1, 1); // 416 now, as a problem detail, rather than inside the stream
        return sse.open(p, start, revocations.heldRead(caller, needs));
    }

    /** The same stream on the records URL, for {@code Accept: text/event-stream} alone ({@link StreamAcceptFilter}). */
    @Operation(hidden = true)
    @GetMapping(path = "/topics/{topic}/partitions/{partition}/records", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter stream(
            @PathVariable String topic,
            @PathVariable int partition,
            @RequestParam(required = false) String offset,
            @RequestParam(required = false) String timestamp,
            @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
            Caller caller) {
        return streamRecords(topic, partition, offset, timestamp, lastEventId, caller);
    }

    @Operation(operationId = "offsetForTimestamp", summary = "Find the offset for a time", description = "The first offset whose timestamp is >= timestamp; the high watermark (and a null timestamp) if none is.")
    @ProblemResponses({ErrorCode.TOPIC_NOT_FOUND, ErrorCode.PARTITION_NOT_FOUND, ErrorCode.INVALID_PARAMETER,
            ErrorCode.TOPIC_AUTHORIZATION_FAILED})
    @GetMapping("/topics/{topic}/partitions/{partition}/offsets")
    OffsetAnswer offsets(@PathVariable String topic, @PathVariable int partition,
                         @Parameter(description = TIMESTAMP_DOC, schema = @Schema(format = "date-time")) @RequestParam String timestamp,
                         Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.LOOKUP_OFFSETS, topic));
        Partition p = router.local(Names.checkTopic(topic), partition);
        long offset = fetch.offsetForTimestamp(p, Timestamps.parse(timestamp, "timestamp"));
        if (offset >= p.log().highWatermark()) {
            return new OffsetAnswer(offset, null);
        }
        long[] found = {-1};
        fetch.read(p, offset, 1, 1).batches().forEach(b -> b.forEachRecord(offset, (o, ts, k, v, h) -> {
            found[0] = ts;
            return false;
        }));
        return new OffsetAnswer(offset, found[0] < 0 ? null : Timestamps.format(found[0]));
    }
}
