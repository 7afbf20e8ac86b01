package io.runnel.security.web;

import io.runnel.api.ProblemResponses;
import io.runnel.api.Timestamps;
import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import io.runnel.security.ApiCall;
import io.runnel.security.KafkaPrincipal;
import io.runnel.security.RequiredAccess;
import io.runnel.security.StoredApiKey;
import io.runnel.security.store.SecurityMetadata;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api-keys}: make, list and delete API keys. Each call needs {@code ALTER} on the cluster. The key
 * itself is in the answer to its creation and nowhere else, ever: lists show ids, principals and
 * descriptions only.
 */
@Tag(name = "Security", description = "Who the caller is; API keys and Kafka-style ACLs")
@RestController
class ApiKeyController {
    private final SecurityMetadata metadata;
    private final Guard guard;
    private final StrictBodies bodies;

    ApiKeyController(SecurityMetadata metadata, Guard guard, JsonMapper json) {
        this.metadata = metadata;
        this.guard = guard;
        this.bodies = new StrictBodies(json);
    }

    @Schema(description = "A new API key: the principal it authenticates as, and a note for people.")
    record CreateApiKeyRequest(
            @Schema(example = "User:alice", requiredMode = Schema.RequiredMode.REQUIRED,
                    description = "User:<name>; not the wildcard User:*") String principal,
            @Schema(example = "billing service", description = "at most 1000 characters") String description) {
    }

    @Schema(description = "An API key, without its secret")
    record ApiKeyView(@Schema(example = "Xq3v0cQ2m1Xf4nT8a9KpZg", description = "public; the user name of Basic authentication") String id,
                      @Schema(example = "User:alice") String principal,
                      @Schema(example = "billing service") String description,
                      @Schema(example = "2026-11-28T03:46:38.123Z", format = "date-time") String createdAt) {
        static ApiKeyView of(StoredApiKey key) {
            return new ApiKeyView(key.id(), key.principal().toString(), key.description(), Timestamps.format(key.createdAt().toEpochMilli()));
        }
    }

    @Schema(description = "A key just made. The key is shown this once: only its hash is stored.")
    record NewApiKeyView(@Schema(example = "Xq3v0cQ2m1Xf4nT8a9KpZg") String id,
                         @Schema(example = "User:alice") String principal,
                         @Schema(example = "billing service") String description,
                         @Schema(example = "2026-11-28T03:46:38.123Z", format = "date-time") String createdAt,
                         @Schema(description = "the secret: Authorization: Bearer <key>, or Basic <id>:<key>") String key) {
    }

    record ApiKeyList(List<ApiKeyView> apiKeys) {
    }

    @Operation(operationId = "createApiKey", summary = "Make an API key", description = "Needs ALTER on the cluster. "
            + "The answer is the only place the key ever appears; keep it. It works on every instance within a second.",
            responses = @ApiResponse(responseCode = "201", description = "Created; the key is in the body"))
    @ProblemResponses({ErrorCode.INVALID_REQUEST, ErrorCode.MALFORMED_JSON, ErrorCode.LIMIT_EXCEEDED,
            ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @PostMapping("/api-keys")
    ResponseEntity<NewApiKeyView> create(Caller caller,
            @RequestBody(required = true, content = @Content(schema = @Schema(implementation = CreateApiKeyRequest.class)))
            @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.MANAGE_API_KEYS));
        CreateApiKeyRequest request = bodies.read(body, CreateApiKeyRequest.class);
        if (request.principal() == null) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "principal is required, e.g. \"User:alice\"");
        }
        SecurityMetadata.NewApiKey made = metadata.createApiKey(KafkaPrincipal.parse(request.principal()), request.description());
        ApiKeyView view = ApiKeyView.of(made.stored());
        return ResponseEntity.status(HttpStatus.CREATED)
                .body(new NewApiKeyView(view.id(), view.principal(), view.description(), view.createdAt(), made.key()));
    }

    @Operation(operationId = "listApiKeys", summary = "List API keys", description = "Needs ALTER on the cluster. Oldest first; no secrets.")
    @ProblemResponses({ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @GetMapping("/api-keys")
    ApiKeyList list(Caller caller) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.MANAGE_API_KEYS));
        return new ApiKeyList(metadata.apiKeys().stream().map(ApiKeyView::of).toList());
    }

    @Operation(operationId = "deleteApiKey", summary = "Delete an API key", description = "Needs ALTER on the cluster. "
            + "The key stops authenticating on every instance within a second.",
            responses = @ApiResponse(responseCode = "204", description = "Deleted"))
    @ProblemResponses({ErrorCode.NOT_FOUND, ErrorCode.CLUSTER_AUTHORIZATION_FAILED})
    @DeleteMapping("/api-keys/{id}")
    ResponseEntity<Void> delete(Caller caller, @PathVariable String id) {
        guard.check(caller, RequiredAccess.forCall(ApiCall.MANAGE_API_KEYS));
        metadata.deleteApiKey(id);
        return ResponseEntity.noContent().build();
    }
}
