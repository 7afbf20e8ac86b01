package io.runnel.error;

/**
 * The one table of Runnel's error codes: each has its HTTP status and a stable title. Domain code
 * throws {@link RunnelException} with a code from here; only the web edge ({@code api.ProblemHandler})
 * turns it into an HTTP answer. Problem
 * details carry the code as {@code code} and {@code https://runnel.io/problems/<code-in-kebab-case>}
 * as {@code type}. Codes are part of the public contract: add, never rename.
 */
public enum ErrorCode {
    MALFORMED_JSON(400, "Malformed JSON"),
    NESTING_TOO_DEEP(400, "JSON nested too deeply"),
    INVALID_REQUEST(400, "Invalid request"),
    INVALID_PARAMETER(400, "Invalid parameter"),
    UNAUTHORIZED(401, "Unauthorized"),
    UNAUTHENTICATED(401, "Unauthenticated"),
    TOPIC_AUTHORIZATION_FAILED(403, "Topic authorization failed"),
    GROUP_AUTHORIZATION_FAILED(403, "Group authorization failed"),
    CLUSTER_AUTHORIZATION_FAILED(403, "Cluster authorization failed"),
    NOT_FOUND(404, "Not found"),
    TOPIC_NOT_FOUND(404, "Topic not found"),
    PARTITION_NOT_FOUND(404, "Partition not found"),
    GROUP_NOT_FOUND(404, "Group not found"),
    UNKNOWN_MEMBER(404, "Unknown member"),
    NO_REASSIGNMENT_IN_PROGRESS(404, "No reassignment in progress"),
    INSTANCE_NOT_FOUND(404, "Instance not found"),
    CONNECTOR_NOT_FOUND(404, "Connector not found"),
    STREAM_NOT_FOUND(404, "Stream not found"),
    METHOD_NOT_ALLOWED(405, "Method not allowed"),
    NOT_ACCEPTABLE(406, "Not acceptable"),
    TOPIC_ALREADY_EXISTS(409, "Topic already exists"),
    ILLEGAL_GENERATION(409, "Stale group generation"),
    NOT_ASSIGNED(409, "Partition not assigned to this member"),
    GROUP_NOT_EMPTY(409, "Group has members"),
    LIMIT_EXCEEDED(409, "Limit exceeded"),
    REASSIGNMENT_IN_PROGRESS(409, "Reassignment in progress"),
    CANNOT_DRAIN(409, "Instance cannot be drained"),
    INSTANCE_NOT_EMPTY(409, "Instance still holds replicas"),
    IDEMPOTENCY_KEY_REUSED(422, "Idempotency key reused with a different request"),
    RECORD_TOO_LARGE(413, "Record too large"),
    REQUEST_TOO_LARGE(413, "Request too large"),
    REQUEST_HEADER_TOO_LARGE(431, "Request header too large"),
    UNSUPPORTED_MEDIA_TYPE(415, "Unsupported media type"),
    OFFSET_OUT_OF_RANGE(416, "Offset out of range"),
    INVALID_TOPIC_NAME(422, "Invalid topic name"),
    INVALID_GROUP_NAME(422, "Invalid group name"),
    INVALID_PARTITIONS(422, "Invalid partition count"),
    INVALID_REPLICATION_FACTOR(422, "Invalid replication factor"),
    INVALID_CONFIG(422, "Invalid topic config"),
    INVALID_REPLICA_ASSIGNMENT(422, "Invalid replica assignment"),
    INVALID_RECORD(422, "Invalid record"),
    INVALID_CONNECTOR_CONFIG(422, "Invalid connector config"),
    INVALID_EXPRESSION(422, "Invalid expression"),
    NOT_ENOUGH_REPLICAS(503, "Not enough in-sync replicas"),
    NOT_ENOUGH_REPLICAS_AFTER_APPEND(503, "Written but not acknowledged by enough in-sync replicas"),
    NOT_READY(503, "Not ready"),
    LEADER_NOT_AVAILABLE(503, "Leader not available"),
    CONTROLLER_NOT_AVAILABLE(503, "Controller not available"),
    STORAGE_FULL(507, "Storage full"),
    STORAGE_ERROR(500, "Storage error"),
    INTERNAL_ERROR(500, "Internal error");

    private final int status;
    private final String title;

    ErrorCode(int status, String title) {
        this.status = status;
        this.title = title;
    }

    /** The HTTP status a problem of this code is answered with. */
    public int status() {
        return status;
    }

    /** Whether the client caused it (4xx): a client error never yields a 5xx. */
    public boolean isClientError() {
        return status >= 400 && status < 500;
    }

    public String title() {
        return title;
    }

    /**
     * The code for a refusal by the HTTP server itself, before any handler ran (bad request line,
     * header too large, unroutable path): only its status is known.
     */
    public static ErrorCode forServerRefusal(int status) {
        return switch (status) {
            case 400 -> INVALID_REQUEST;
            case 404 -> NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 413 -> REQUEST_TOO_LARGE;
            case 415 -> UNSUPPORTED_MEDIA_TYPE;
            case 431 -> REQUEST_HEADER_TOO_LARGE;
            default -> status >= 400 && status < 500 ? INVALID_REQUEST : INTERNAL_ERROR;
        };
    }

    /** The problem {@code type} URI for this code. */
    public String type() {
        return "https://runnel.io/problems/" + name().toLowerCase().replace('_', '-');
    }
}
