package io.runnel.group;

import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.api.ProblemResponses;
import io.runnel.config.RunnelProperties;
import io.runnel.group.GroupCoordinator.CommitSpec;
import io.runnel.group.GroupCoordinator.GroupSummary;
import io.runnel.group.GroupCoordinator.GroupView;
import io.runnel.group.GroupCoordinator.JoinSpec;
import io.runnel.group.GroupCoordinator.MemberTopics;
import io.runnel.group.GroupCoordinator.Membership;
import io.runnel.group.GroupCoordinator.OffsetCommit;
import io.runnel.group.GroupCoordinator.OffsetView;
import io.runnel.group.GroupCoordinator.ResetSpec;
import io.runnel.security.ApiCall;
import io.runnel.security.RequiredAccess;
import io.runnel.security.ResourceType;
import io.runnel.security.web.Caller;
import io.runnel.security.web.Guard;
import io.runnel.security.web.Revocations;
import io.runnel.topic.Names;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Consumer groups: join, read, heartbeat, commit, leave; describe, reset and delete groups.
 *
 * <p>Each call first checks the caller's ACLs on the group ({@link ApiCall}), before it looks anything up.
 * A member's calls also need {@code READ} on each topic they touch: join on the topics of its body, commit on
 * the topics committed, heartbeat on the member's subscription and a read on the topics assigned to it,
 * both looked up without counting as a heartbeat ({@link GroupCoordinator#memberTopics}). A held read is
 * watched by {@link Revocations}. The list keeps only the groups the caller may describe.
 */
@Tag(name = "Consumer groups", description = "Server-side consumer groups with committed offsets")
@RestController
class GroupController {
    static final long MIN_SESSION_MS = 1_000;
    static final long MAX_SESSION_MS = 300_000;
    static final int MAX_WAIT_MS = 30_000;

    private final GroupCoordinator coordinator;
    private final GroupReader reader;
    private final RunnelProperties props;
    private final Guard guard;
    private final Revocations revocations;

    GroupController(GroupCoordinator coordinator, GroupReader reader, RunnelProperties props, Guard guard, Revocations revocations) {
        this.coordinator = coordinator;
        this.reader = reader;
        this.props = props;
        this.guard = guard;
        this.revocations = revocations;
    }

    @Schema(description = "Join a group: topics to read; sessionTimeoutMs 1000-300000 (default 30000); "
            + "autoOffsetReset earliest | latest (default) where the group has no committed offset")
    record JoinRequest(@Schema(example = "[\"orders\"]") List<String> topics,
                       @Schema(example = "30000") Long sessionTimeoutMs,
                       @Schema(example = "earliest") String autoOffsetReset) {
    }

    record CommitRequest(@Schema(description = "omit only while the group has no members") String memberId,
                         @Schema(example = "3") Integer generation,
                         List<OffsetCommit> offsets) {
    }

    record OffsetList(List<OffsetView> offsets) {
    }

    record GroupList(List<GroupSummary> groups) {
    }

    record ResetRequest(@Schema(example = "orders") String topic,
                        @Schema(example = "earliest", description = "earliest | latest | timestamp | offset") String to,
                        @Schema(description = "with to=timestamp: ISO-8601 (or epoch milliseconds)", type = "string", format = "date-time",
                                example = "2026-11-28T03:00:00.000Z") Object timestamp,
                        @Schema(description = "with to=offset") Long offset) {
    }

    @Schema(description = "A record read by a group member")
    record GroupRecord(String topic, int partition, long offset,
                       @Schema(format = "date-time", example = "2026-11-28T03:46:38.123Z") String timestamp,
                       @Schema(description = "any JSON value, or null") Object key,
                       @Schema(description = "any JSON value, as written; null is a tombstone") Object value,
                       Map<String, String> headers) {
    }

    @Schema(name = "MemberRecords", description = "Records of the member's partitions, from its positions")
    record MemberRecordsDoc(int generation, List<io.runnel.topic.TopicPartition> assignment, List<GroupRecord> records) {
    }

    @Operation(operationId = "joinGroup", summary = "Join a group", description = "Returns the member id, generation and the member's partitions.",
            responses = @ApiResponse(responseCode = "201", description = "Joined; Location names the member"))
    @ProblemResponses({ErrorCode.INVALID_GROUP_NAME, ErrorCode.TOPIC_NOT_FOUND, ErrorCode.INVALID_REQUEST, ErrorCode.MALFORMED_JSON,
            ErrorCode.GROUP_AUTHORIZATION_FAILED, ErrorCode.TOPIC_AUTHORIZATION_FAILED})
    @PostMapping(path = "/groups/{group}/members", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Membership> join(@PathVariable String group, @RequestBody JoinRequest request, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.JOIN_GROUP, group, named(request.topics())));
        Names.checkGroup(group);
        if (request.topics() == null || request.topics().isEmpty()) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "'topics' must name at least one topic");
        }
        request.topics().forEach(Names::checkTopic);
        long session = request.sessionTimeoutMs() == null ? 30_000 : request.sessionTimeoutMs();
        if (session < MIN_SESSION_MS || session > MAX_SESSION_MS) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "'sessionTimeoutMs' must be from " + MIN_SESSION_MS + " to " + MAX_SESSION_MS);
        }
        String reset = request.autoOffsetReset() == null ? "latest" : request.autoOffsetReset();
        if (!reset.equals("earliest") && !reset.equals("latest")) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "'autoOffsetReset' must be earliest or latest");
        }
        Membership m = coordinator.join(group, new JoinSpec(request.topics(), session, reset.equals("earliest")));
        return ResponseEntity.created(URI.create("/groups/" + group + "/members/" + m.memberId())).body(m);
    }

    @Operation(operationId = "readMemberRecords", summary = "Read records as a member",
            description = "Records of the member's partitions from its positions; counts as a heartbeat. commit=auto commits the "
                    + "new positions before answering (at-most-once); commit=manual (default) leaves committing to the client "
                    + "(at-least-once). With waitMs, an empty read waits for records without holding a thread.",
            responses = @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                    schema = @Schema(implementation = MemberRecordsDoc.class), examples = @ExampleObject(value = """
                            {"generation":3,"assignment":[{"topic":"orders","partition":0}],"records":[{"topic":"orders",\
                            "partition":0,"offset":57,"timestamp":"2026-11-28T03:46:38.123Z","key":"customer-42",\
                            "value":{"amount":12.50},"headers":{}}]}"""))))
    @ProblemResponses({ErrorCode.UNKNOWN_MEMBER, ErrorCode.INVALID_GROUP_NAME, ErrorCode.INVALID_PARAMETER,
            ErrorCode.GROUP_AUTHORIZATION_FAILED, ErrorCode.TOPIC_AUTHORIZATION_FAILED})
    @GetMapping(path = "/groups/{group}/members/{member}/records", produces = MediaType.APPLICATION_JSON_VALUE)
    Object records(@PathVariable String group, @PathVariable String member,
                   @Parameter(description = "0-30000") @RequestParam(defaultValue = "0") int waitMs,
                   @Parameter(description = "1-runnel.fetch.max-limit, default 500") @RequestParam(required = false) Integer limit,
                   @RequestParam(required = false) Integer maxBytes,
                   @Parameter(description = "manual (default) | auto") @RequestParam(defaultValue = "manual") String commit,
                   Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.READ_AS_MEMBER, group));
        int maxLimit = props.fetch().maxLimit();
        int records = limit == null ? Math.min(500, maxLimit) : limit;
        RunnelException.checkParameter(records >= 1 && records <= maxLimit, "limit", "from 1 to " + maxLimit);
        int bytes = maxBytes == null ? (int) props.fetch().defaultMaxBytes().toBytes() : maxBytes;
        RunnelException.checkParameter(bytes >= 1, "maxBytes", "at least 1");
        RunnelException.checkParameter(waitMs >= 0 && waitMs <= MAX_WAIT_MS, "waitMs", "from 0 to " + MAX_WAIT_MS);
        RunnelException.checkParameter(commit.equals("manual") || commit.equals("auto"), "commit", "manual or auto");
        MemberTopics topics = coordinator.memberTopics(Names.checkGroup(group), member);
        RequiredAccess needs = RequiredAccess.forCall(ApiCall.READ_AS_MEMBER, group, topics.assigned());
        guard.check(caller, needs);
        return reader.read(group, member, records, bytes, waitMs, commit.equals("auto"), revocations.heldRead(caller, needs));
    }

    @Operation(operationId = "heartbeat", summary = "Heartbeat", description = "Keeps the member alive; rebalancing=true means the assignment changed since its last call.")
    @ProblemResponses({ErrorCode.UNKNOWN_MEMBER, ErrorCode.INVALID_GROUP_NAME,
            ErrorCode.GROUP_AUTHORIZATION_FAILED, ErrorCode.TOPIC_AUTHORIZATION_FAILED})
    @PostMapping("/groups/{group}/members/{member}/heartbeat")
    Membership heartbeat(@PathVariable String group, @PathVariable String member, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.HEARTBEAT, group));
        MemberTopics topics = coordinator.memberTopics(group, member);
        guard.check(caller, RequiredAccess.forCall(ApiCall.HEARTBEAT, group, topics.subscribed()));
        return coordinator.heartbeat(group, member);
    }

    @Operation(operationId = "leaveGroup", summary = "Leave a group", description = "The member's partitions are reassigned at once.",
            responses = @ApiResponse(responseCode = "204", description = "Left"))
    @ProblemResponses({ErrorCode.UNKNOWN_MEMBER, ErrorCode.INVALID_GROUP_NAME, ErrorCode.GROUP_AUTHORIZATION_FAILED})
    @DeleteMapping("/groups/{group}/members/{member}")
    ResponseEntity<Void> leave(@PathVariable String group, @PathVariable String member, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.LEAVE_GROUP, group));
        coordinator.leave(group, member);
        return ResponseEntity.noContent().build();
    }

    @Operation(operationId = "commitOffsets", summary = "Commit offsets", description = "offset = the next offset to read. With memberId, the generation must be current and "
            + "every partition assigned to the member; without, the group must have no members.")
    @ProblemResponses({ErrorCode.ILLEGAL_GENERATION, ErrorCode.NOT_ASSIGNED, ErrorCode.UNKNOWN_MEMBER, ErrorCode.GROUP_NOT_EMPTY,
            ErrorCode.TOPIC_NOT_FOUND, ErrorCode.PARTITION_NOT_FOUND, ErrorCode.OFFSET_OUT_OF_RANGE, ErrorCode.INVALID_REQUEST,
            ErrorCode.GROUP_AUTHORIZATION_FAILED, ErrorCode.TOPIC_AUTHORIZATION_FAILED})
    @PutMapping(path = "/groups/{group}/offsets", consumes = MediaType.APPLICATION_JSON_VALUE)
    OffsetList commit(@PathVariable String group, @RequestBody CommitRequest request, Caller caller) {
        List<String> committed = request.offsets() == null ? List.of()
                : named(request.offsets().stream().filter(Objects::nonNull).map(OffsetCommit::topic).toList());
        guard.check(caller, RequiredAccess.forCall(ApiCall.COMMIT_OFFSETS, group, committed));
        return new OffsetList(coordinator.commit(group, new CommitSpec(request.memberId(), request.generation(), request.offsets())));
    }

    @Operation(operationId = "listGroups", summary = "List groups")
    @GetMapping("/groups")
    GroupList list(Caller caller) {
        List<GroupSummary> all = coordinator.list();
        Set<String> visible = Set.copyOf(guard.visible(caller, ResourceType.GROUP, all.stream().map(GroupSummary::group).toList()));
        return new GroupList(all.stream().filter(g -> visible.contains(g.group())).toList());
    }

    @Operation(operationId = "describeGroup", summary = "Describe a group", description = "State, members with assignments, committed offsets with lag.")
    @ProblemResponses({ErrorCode.GROUP_NOT_FOUND, ErrorCode.INVALID_GROUP_NAME, ErrorCode.GROUP_AUTHORIZATION_FAILED})
    @GetMapping("/groups/{group}")
    GroupView describe(@PathVariable String group, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.DESCRIBE_GROUP, group));
        return coordinator.describe(group);
    }

    @Operation(operationId = "resetGroupOffsets", summary = "Reset a topic's committed offsets", description = "Only while the group has no members.")
    @ProblemResponses({ErrorCode.GROUP_NOT_EMPTY, ErrorCode.TOPIC_NOT_FOUND, ErrorCode.INVALID_REQUEST,
            ErrorCode.GROUP_AUTHORIZATION_FAILED})
    @PostMapping(path = "/groups/{group}/offsets/reset", consumes = MediaType.APPLICATION_JSON_VALUE)
    OffsetList reset(@PathVariable String group, @RequestBody ResetRequest request, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.RESET_GROUP_OFFSETS, group));
        Long timestamp = request.timestamp() == null ? null
                : io.runnel.api.Timestamps.parse(String.valueOf(request.timestamp()), "timestamp");
        return new OffsetList(coordinator.reset(group, new ResetSpec(request.topic(), request.to(), timestamp, request.offset())));
    }

    @Operation(operationId = "deleteGroup", summary = "Delete a group", description = "Only while it has no members; its committed offsets are forgotten.",
            responses = @ApiResponse(responseCode = "204", description = "Deleted"))
    @ProblemResponses({ErrorCode.GROUP_NOT_EMPTY, ErrorCode.GROUP_NOT_FOUND, ErrorCode.GROUP_AUTHORIZATION_FAILED})
    @DeleteMapping("/groups/{group}")
    ResponseEntity<Void> delete(@PathVariable String group, Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.DELETE_GROUP, group));
        coordinator.delete(group);
        return ResponseEntity.noContent().build();
    }

    /** The topic names of a body, without the missing ones (the call then refuses the body as it always did). */
    private static List<String> named(List<String> topics) {
        return topics == null ? List.of() : topics.stream().filter(Objects::nonNull).toList();
    }
}
