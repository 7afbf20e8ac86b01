package io.runnel.api;

import org.springframework.http.HttpStatus;

/**
 * The one table of Runnel's error codes: each has its HTTP status and a stable title. Problem
 * details carry the code as {@code code} and {@code https://runnel.io/problems/<code-in-kebab-case>}
 * as {@code type}. Codes are part of the public contract: add, never rename.
 */
public enum ErrorCode {
    MALFORMED_JSON(HttpStatus.BAD_REQUEST, "Malformed JSON"),
    NESTING_TOO_DEEP(HttpStatus.BAD_REQUEST, "JSON nested too deeply"),
    INVALID_REQUEST(HttpStatus.BAD_REQUEST, "Invalid request"),
    INVALID_PARAMETER(HttpStatus.BAD_REQUEST, "Invalid parameter"),
    UNAUTHORIZED(HttpStatus.UNAUTHORIZED, "Unauthorized"),
    NOT_FOUND(HttpStatus.NOT_FOUND, "Not found"),
    TOPIC_NOT_FOUND(HttpStatus.NOT_FOUND, "Topic not found"),
    PARTITION_NOT_FOUND(HttpStatus.NOT_FOUND, "Partition not found"),
    GROUP_NOT_FOUND(HttpStatus.NOT_FOUND, "Group not found"),
    UNKNOWN_MEMBER(HttpStatus.NOT_FOUND, "Unknown member"),
    METHOD_NOT_ALLOWED(HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),
    NOT_ACCEPTABLE(HttpStatus.NOT_ACCEPTABLE, "Not acceptable"),
    TOPIC_ALREADY_EXISTS(HttpStatus.CONFLICT, "Topic already exists"),
    ILLEGAL_GENERATION(HttpStatus.CONFLICT, "Stale group generation"),
    NOT_ASSIGNED(HttpStatus.CONFLICT, "Partition not assigned to this member"),
    GROUP_NOT_EMPTY(HttpStatus.CONFLICT, "Group has members"),
    IDEMPOTENCY_KEY_REUSED(HttpStatus.UNPROCESSABLE_CONTENT, "Idempotency key reused with a different request"),
    RECORD_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "Record too large"),
    REQUEST_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "Request too large"),
    REQUEST_HEADER_TOO_LARGE(HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Request header too large"),
    UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    OFFSET_OUT_OF_RANGE(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "Offset out of range"),
    INVALID_TOPIC_NAME(HttpStatus.UNPROCESSABLE_CONTENT, "Invalid topic name"),
    INVALID_GROUP_NAME(HttpStatus.UNPROCESSABLE_CONTENT, "Invalid group name"),
    INVALID_PARTITIONS(HttpStatus.UNPROCESSABLE_CONTENT, "Invalid partition count"),
    INVALID_REPLICATION_FACTOR(HttpStatus.UNPROCESSABLE_CONTENT, "Invalid replication factor"),
    INVALID_CONFIG(HttpStatus.UNPROCESSABLE_CONTENT, "Invalid topic config"),
    INVALID_RECORD(HttpStatus.UNPROCESSABLE_CONTENT, "Invalid record"),
    NOT_ENOUGH_REPLICAS(HttpStatus.SERVICE_UNAVAILABLE, "Not enough in-sync replicas"),
    NOT_ENOUGH_REPLICAS_AFTER_APPEND(HttpStatus.SERVICE_UNAVAILABLE, "Written but not acknowledged by enough in-sync replicas"),
    NOT_READY(HttpStatus.SERVICE_UNAVAILABLE, "Not ready"),
    LEADER_NOT_AVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "Leader not available"),
    CONTROLLER_NOT_AVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "Controller not available"),
    STORAGE_FULL(HttpStatus.INSUFFICIENT_STORAGE, "Storage full"),
    STORAGE_ERROR(HttpStatus.INTERNAL_SERVER_ERROR, "Storage error"),
    INTERNAL_ERROR(HttpStatus.INTERNAL_SERVER_ERROR, "Internal error");

    private final HttpStatus status;
    private final String title;

    ErrorCode(HttpStatus status, String title) {
        this.status = status;
        this.title = title;
    }

    public HttpStatus status() {
        return status;
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
