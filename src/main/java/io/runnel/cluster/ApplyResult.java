package io.runnel.cluster;

/**
 * What applying one {@link MetadataCommand} did: {@link Code#OK}, or why the state was left as it
 * was. Every replica computes the same result for the same log entry.
 *
 * <p>Codes that a client can cause have the name of the {@code api.ErrorCode} they map to
 * ({@code TOPIC_ALREADY_EXISTS} → 409, …); the others are internal outcomes of controller and
 * replication commands.
 *
 * @param code    the outcome
 * @param message what happened, for logs and problem details
 */
public record ApplyResult(Code code, String message) {
    public enum Code {
        OK,
        TOPIC_ALREADY_EXISTS,
        TOPIC_NOT_FOUND,
        PARTITION_NOT_FOUND,
        INVALID_PARTITIONS,
        INVALID_REPLICATION_FACTOR,
        /** A security command named a key that does not exist. */
        NOT_FOUND,
        /** A security command broke a rule of the command alone (a proposer's bug, or a taken key id). */
        INVALID_REQUEST,
        /** A security command would pass one of {@link SecurityState}'s limits. */
        LIMIT_EXCEEDED,
        /** A reassignment named no replicas, one twice, or an instance that never heart-beat. */
        INVALID_REPLICA_ASSIGNMENT,
        /** A partition already has a reassignment (queued or started), or one that cannot be cancelled any more. */
        REASSIGNMENT_IN_PROGRESS,
        /** A cancel or reassignment step named a partition that has no reassignment. */
        NO_REASSIGNMENT_IN_PROGRESS,
        /** A controller command named an instance that never heart-beat. */
        INSTANCE_NOT_FOUND,
        /** Draining the instance would leave fewer instances able to take replicas than the largest replication factor. */
        CANNOT_DRAIN,
        /** The instance heart-beat after the controller decided it was silent. */
        STALE_HEARTBEAT,
        /** A partition state change carried an older leader epoch than the current one. */
        STALE_LEADER_EPOCH,
        /** A partition state change was computed from a partition state that has changed since. */
        STALE_PARTITION_EPOCH,
        /** A partition state change broke a rule (leader outside the ISR, ISR outside the replicas, …). */
        INVALID_PARTITION_STATE,
        /** A removed instance heart-beat, or was named again by a membership command. */
        INSTANCE_REMOVED,
        /** An instance to remove still holds replicas. */
        INSTANCE_NOT_EMPTY,
        /** A connector command named a connector that does not exist. */
        CONNECTOR_NOT_FOUND,
        /** A placement or failure of a connector task was computed from a state that has changed since. */
        STALE_CONNECTOR_STATE,
        /** The log entry is not a command this version understands. */
        INVALID_COMMAND
    }

    static final ApplyResult OK = new ApplyResult(Code.OK, "ok");

    static ApplyResult failure(Code code, String message) {
        return new ApplyResult(code, message);
    }

    public boolean ok() {
        return code == Code.OK;
    }
}
