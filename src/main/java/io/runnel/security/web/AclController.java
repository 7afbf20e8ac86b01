package io.runnel.security.web;

import io.runnel.api.ProblemResponses;
import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import io.runnel.security.AclBinding;
import io.runnel.security.AclBindingFilter;
import io.runnel.security.ApiCall;
import io.runnel.security.KafkaPrincipal;
import io.runnel.security.PatternType;
import io.runnel.security.Permission;
import io.runnel.security.RequiredAccess;
import io.runnel.security.ResourceType;
import io.runnel.security.store.SecurityMetadata;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Arrays;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /acls}: add, list and delete ACLs, Kafka's model and names. Each call needs {@code ALTER} on the
 * cluster. Filters select by equality with the ACL as written (Kafka's {@code kafka-acls --list} without
 * {@code MATCH}). A {@code DELETE} without any filter parameter is refused unless it says {@code all=true}:
 * deleting every ACL by leaving out a parameter would be too easy a mistake (Kafka's tools ask the same).
 */
@Tag(name = "Security", description = "Who the caller is; API keys and Kafka-style ACLs")
@RestController
class AclController {
    private static final String PRINCIPAL_DOC = "User:<name>; User:* (every principal) as written";
    private static final String FILTER_DOC = "only ACLs with this value, as written";

    private final SecurityMetadata metadata;
    private final Guard guard;
    private final StrictBodies bodies;

    AclController(SecurityMetadata metadata, Guard guard, JsonMapper json) {
        this.metadata = metadata;
        this.guard = guard;
        this.bodies = new StrictBodies(json);
    }

    @Schema(description = "An ACL: principal may (ALLOW) or may not (DENY) do operation on the resources that resourceName "
            + "matches under patternType. DENY wins over ALLOW. A LITERAL name * matches every resource of its type; the "
            + "cluster's one resource is runnel-cluster.")
    record AclView(
            @Schema(example = "User:alice", requiredMode = Schema.RequiredMode.REQUIRED) String principal,
            @Schema(example = "TOPIC", allowableValues = {"TOPIC", "GROUP", "CLUSTER"}, requiredMode = Schema.RequiredMode.REQUIRED)
            String resourceType,
            @Schema(example = "orders", requiredMode = Schema.RequiredMode.REQUIRED) String resourceName,
            @Schema(example = "LITERAL", allowableValues = {"LITERAL", "PREFIXED"}, requiredMode = Schema.RequiredMode.REQUIRED)
            String patternType,
            @Schema(example = "READ", allowableValues = {"READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE", "ALTER_CONFIGS",
                    "DESCRIBE_CONFIGS", "ALL"}, requiredMode = Schema.RequiredMode.REQUIRED) String operation,
            @Schema(example = "ALLOW", allowableValues = {"ALLOW", "DENY"}, requiredMode = Schema.RequiredMode.REQUIRED)
            String permission,
            @Schema(example = "*", description = "only * (host-based ACLs are not supported); default *") String host) {

        static AclView of(AclBinding acl) {
            return new AclView(acl.principal().toString(), acl.resourceType().name(), acl.resourceName(), acl.patternType().name(),
                    acl.operation().name(), acl.permission().name(), acl.host());
        }

        AclBinding toAcl() {
            if (principal == null) {
                throw new RunnelException(ErrorCode.INVALID_REQUEST, "invalid ACL: principal is required, e.g. \"User:alice\"");
            }
            return new AclBinding(KafkaPrincipal.parse(principal), member(ResourceType.class, resourceType, "resourceType"), resourceName,
                    member(PatternType.class, patternType, "patternType"),
                    member(io.runnel.security.Operation.class, operation, "operation"),
                    member(Permission.class, permission, "permission"), host);
        }
    }

    record AclList(List<AclView> acls) {
    }

    record DeletedAcls(@Schema(description = "the ACLs deleted") List<AclView> deleted) {
    }

    @Operation(operationId = "createAcl", summary = "Add an ACL", description = "Needs ALTER on the cluster. Adding an ACL that "
            + "exists changes nothing and answers the same. It holds on every instance within a second.",
            responses = @ApiResponse(responseCode = "201", description = "The ACL"))
    @ProblemResponses({ErrorCode.INVALID_REQUEST, ErrorCode.MALFORMED_JSON, ErrorCode.LIMIT_EXCEEDED,
            ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @PostMapping("/acls")
    ResponseEntity<AclView> create(Caller caller,
            @RequestBody(required = true, content = @Content(schema = @Schema(implementation = AclView.class)))
            @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.MANAGE_ACLS));
        AclView request = bodies.read(body, AclView.class);
        return ResponseEntity.status(HttpStatus.CREATED).body(AclView.of(metadata.createAcl(request.toAcl())));
    }

    @Operation(operationId = "listAcls", summary = "List ACLs", description = "Needs ALTER on the cluster. In the order they were "
            + "added; each parameter given keeps only the ACLs with that value.")
    @ProblemResponses({ErrorCode.INVALID_PARAMETER, ErrorCode.INVALID_REQUEST,
            ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @GetMapping("/acls")
    AclList list(Caller caller,
                 @Parameter(description = PRINCIPAL_DOC) @RequestParam(required = false) String principal,
                 @Parameter(description = FILTER_DOC, schema = @Schema(allowableValues = {"TOPIC", "GROUP", "CLUSTER"}))
                 @RequestParam(required = false) String resourceType,
                 @Parameter(description = FILTER_DOC) @RequestParam(required = false) String resourceName,
                 @Parameter(description = FILTER_DOC, schema = @Schema(allowableValues = {"LITERAL", "PREFIXED"}))
                 @RequestParam(required = false) String patternType,
                 @Parameter(description = FILTER_DOC) @RequestParam(required = false) String operation,
                 @Parameter(description = FILTER_DOC, schema = @Schema(allowableValues = {"ALLOW", "DENY"}))
                 @RequestParam(required = false) String permission) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.MANAGE_ACLS));
        AclBindingFilter filter = filter(principal, resourceType, resourceName, patternType, operation, permission);
        return new AclList(metadata.acls(filter).stream().map(AclView::of).toList());
    }

    @Operation(operationId = "deleteAcls", summary = "Delete ACLs", description = "Needs ALTER on the cluster. Deletes every ACL "
            + "with the values of the parameters given. At least one parameter is required; to delete every ACL, say all=true. "
            + "The change holds on every instance within a second.")
    @ProblemResponses({ErrorCode.INVALID_PARAMETER, ErrorCode.INVALID_REQUEST,
            ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @DeleteMapping("/acls")
    DeletedAcls delete(Caller caller,
                       @Parameter(description = PRINCIPAL_DOC) @RequestParam(required = false) String principal,
                       @Parameter(description = FILTER_DOC, schema = @Schema(allowableValues = {"TOPIC", "GROUP", "CLUSTER"}))
                       @RequestParam(required = false) String resourceType,
                       @Parameter(description = FILTER_DOC) @RequestParam(required = false) String resourceName,
                       @Parameter(description = FILTER_DOC, schema = @Schema(allowableValues = {"LITERAL", "PREFIXED"}))
                       @RequestParam(required = false) String patternType,
                       @Parameter(description = FILTER_DOC) @RequestParam(required = false) String operation,
                       @Parameter(description = FILTER_DOC, schema = @Schema(allowableValues = {"ALLOW", "DENY"}))
                       @RequestParam(required = false) String permission,
                       @Parameter(description = "true: with no other parameter, delete every ACL") @RequestParam(defaultValue = "false")
                       boolean all) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.MANAGE_ACLS));
        AclBindingFilter filter = filter(principal, resourceType, resourceName, patternType, operation, permission);
        if (filter.equals(AclBindingFilter.ANY) && !all) {
            throw new RunnelException(ErrorCode.INVALID_PARAMETER, "give at least one of principal, resourceType, resourceName, "
                    + "patternType, operation, permission; or all=true to delete every ACL").with("parameter", "all");
        }
        return new DeletedAcls(metadata.deleteAcls(filter).stream().map(AclView::of).toList());
    }

    private static AclBindingFilter filter(String principal, String resourceType, String resourceName, String patternType,
                                           String operation, String permission) {
        KafkaPrincipal who;
        try {
            who = principal == null ? null : KafkaPrincipal.parse(principal);
        } catch (RunnelException e) {
            throw new RunnelException(ErrorCode.INVALID_PARAMETER, e.getMessage()).with("parameter", "principal");
        }
        return new AclBindingFilter(who, parameter(ResourceType.class, resourceType, "resourceType"), resourceName,
                parameter(PatternType.class, patternType, "patternType"),
                parameter(io.runnel.security.Operation.class, operation, "operation"),
                parameter(Permission.class, permission, "permission"));
    }

    /** A body member's enum constant, {@code null} when absent; {@code 400 INVALID_REQUEST} naming the values otherwise. */
    private static <E extends Enum<E>> E member(Class<E> type, String value, String name) {
        E parsed = parse(type, value);
        if (value != null && parsed == null) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "invalid ACL: " + name + " must be one of " + names(type) + ", got '"
                    + value + "'");
        }
        return parsed;
    }

    /** A query parameter's enum constant, {@code null} when absent; {@code 400 INVALID_PARAMETER} naming the values otherwise. */
    private static <E extends Enum<E>> E parameter(Class<E> type, String value, String name) {
        E parsed = parse(type, value);
        if (value != null && parsed == null) {
            throw new RunnelException(ErrorCode.INVALID_PARAMETER, "'" + name + "' must be one of " + names(type) + ", got '" + value + "'")
                    .with("parameter", name);
        }
        return parsed;
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String value) {
        return value == null ? null : Arrays.stream(type.getEnumConstants()).filter(c -> c.name().equals(value)).findFirst().orElse(null);
    }

    private static String names(Class<? extends Enum<?>> type) {
        return Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
