package io.runnel.api;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A client-visible failure: an {@link ErrorCode}, a human-readable detail, and context members
 * (topic, partition, offsets …) that the problem detail carries as extra properties.
 */
public class ApiException extends RuntimeException {
    private final ErrorCode code;
    private final Map<String, Object> context = new LinkedHashMap<>();

    public ApiException(ErrorCode code, String detail) {
        super(detail);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    public Map<String, Object> context() {
        return context;
    }

    /** Adds a context member to the problem detail; returns this for chaining. */
    public ApiException with(String name, Object value) {
        context.put(name, value);
        return this;
    }

    /** Throws {@code 400 INVALID_PARAMETER} naming {@code parameter} and its {@code rule} unless {@code ok}. */
    public static void checkParameter(boolean ok, String parameter, String rule) {
        if (!ok) {
            throw new ApiException(ErrorCode.INVALID_PARAMETER, "'" + parameter + "' must be " + rule).with("parameter", parameter);
        }
    }

    public static ApiException topicNotFound(String topic) {
        return new ApiException(ErrorCode.TOPIC_NOT_FOUND, "topic '" + topic + "' does not exist").with("topic", topic);
    }

    public static ApiException partitionNotFound(String topic, int partition) {
        return new ApiException(ErrorCode.PARTITION_NOT_FOUND,
                "topic '" + topic + "' has no partition " + partition).with("topic", topic).with("partition", partition);
    }
}
