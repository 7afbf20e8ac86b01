package io.runnel.cluster;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;

/**
 * An instance that has heart-beaten at least once.
 *
 * @param id              its {@code runnel.node.id}
 * @param url             the URL other instances call it at
 * @param lastHeartbeatMs the instance's own clock at its latest heartbeat
 * @param online          false once the controller found it silent for a session timeout, true
 *                        again at its next heartbeat
 * @param incarnation     of its latest heartbeat: changes when the instance restarts
 * @param shuttingDown    this incarnation announced it is stopping ({@link MetadataCommand.BeginShutdown}); it
 *                        is given no leadership until it heart-beats with a new incarnation. Written
 *                        only when true, and absent (false) in metadata written before it existed, so
 *                        snapshots without a stopping instance stay readable by the previous version
 * @param draining        an operator asked to move every replica and leadership away from it
 *                        ({@code POST /cluster/instances/{id}/drain}); it is given no new replica and no
 *                        leadership until un-drained, across restarts. Written only when true, like
 *                        {@code shuttingDown}
 */
public record InstanceMetadata(String id, String url, long lastHeartbeatMs, boolean online, long incarnation,
                               @JsonSetter(nulls = Nulls.AS_EMPTY) @JsonInclude(JsonInclude.Include.NON_DEFAULT)
                               boolean shuttingDown,
                               @JsonSetter(nulls = Nulls.AS_EMPTY) @JsonInclude(JsonInclude.Include.NON_DEFAULT)
                               boolean draining) {
    public InstanceMetadata(String id, String url, long lastHeartbeatMs, boolean online, long incarnation, boolean shuttingDown) {
        this(id, url, lastHeartbeatMs, online, incarnation, shuttingDown, false);
    }

    public InstanceMetadata(String id, String url, long lastHeartbeatMs, boolean online, long incarnation) {
        this(id, url, lastHeartbeatMs, online, incarnation, false);
    }

    public InstanceMetadata(String id, String url, long lastHeartbeatMs, boolean online) {
        this(id, url, lastHeartbeatMs, online, 0);
    }

    /** Whether a partition may be led here: online, not shutting down and not draining. */
    public boolean canLead() {
        return online && !shuttingDown && !draining;
    }

    /** Whether new replicas may be placed here: the same as {@link #canLead}. */
    public boolean canHostReplicas() {
        return canLead();
    }

    /** This instance with {@code draining} set as given. */
    public InstanceMetadata withDraining(boolean draining) {
        return new InstanceMetadata(id, url, lastHeartbeatMs, online, incarnation, shuttingDown, draining);
    }
}
