package io.runnel.error;

import io.runnel.log.LogException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A failure of Runnel's domain that a client may see: an {@link ErrorCode}, a human-readable
 * detail, and context members (topic, partition, offsets …). It knows nothing of HTTP: the web
 * edge maps it to a problem detail through the code's table ({@code api.ProblemHandler}).
 */
public class RunnelException extends RuntimeException {
    private final ErrorCode code;
    private final Map<String, Object> context = new LinkedHashMap<>();

    public RunnelException(ErrorCode code, String detail) {
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
    public RunnelException with(String name, Object value) {
        context.put(name, value);
        return this;
    }

    /** Throws {@code 400 INVALID_PARAMETER} naming {@code parameter} and its {@code rule} unless {@code ok}. */
    public static void checkParameter(boolean ok, String parameter, String rule) {
        if (!ok) {
            throw new RunnelException(ErrorCode.INVALID_PARAMETER, "'" + parameter + "' must be " + rule).with("parameter", parameter);
        }
    }

    public static RunnelException topicNotFound(String topic) {
        return new RunnelException(ErrorCode.TOPIC_NOT_FOUND, "topic '" + topic + "' does not exist").with("topic", topic);
    }

    public static RunnelException partitionNotFound(String topic, int partition) {
        return new RunnelException(ErrorCode.PARTITION_NOT_FOUND,
                "topic '" + topic + "' has no partition " + partition).with("topic", topic).with("partition", partition);
    }

    /**
     * The domain failure {@code e} stands for: itself, the storage engine's failures by their
     * codes ({@code STORAGE_FULL}, {@code OFFSET_OUT_OF_RANGE}, {@code STORAGE_ERROR}), or, for
     * anything else, {@code INTERNAL_ERROR} (a bug). The web edge adds the web framework's own
     * failures on top of this ({@code api.ProblemHandler}).
     */
    public static RunnelException of(Throwable e) {
        if (e instanceof RunnelException known) {
            return known;
        }
        if (e instanceof LogException.StorageFull) {
            return new RunnelException(ErrorCode.STORAGE_FULL, "the disk is full; these records were not written");
        }
        if (e instanceof LogException.OffsetOutOfRange r) {
            return new RunnelException(ErrorCode.OFFSET_OUT_OF_RANGE, r.getMessage())
                    .with("logStartOffset", r.logStartOffset()).with("highWatermark", r.highWatermark());
        }
        if (e instanceof LogException) {
            return new RunnelException(ErrorCode.STORAGE_ERROR, e.getMessage());
        }
        return new RunnelException(ErrorCode.INTERNAL_ERROR, "unexpected error: " + e.getClass().getSimpleName());
    }
}
