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
 */
public record InstanceMetadata(String id, String url, long lastHeartbeatMs, boolean online, long incarnation,
                               @JsonSetter(nulls = Nulls.AS_EMPTY) @JsonInclude(JsonInclude.Include.NON_DEFAULT)
                               boolean shuttingDown) {
    public InstanceMetadata(String id, String url, long lastHeartbeatMs, boolean online, long incarnation) {
        this(id, url, lastHeartbeatMs, online, incarnation, false);
    }

    public InstanceMetadata(String id, String url, long lastHeartbeatMs, boolean online) {
        this(id, url, lastHeartbeatMs, online, 0);
    }

    /** Whether a partition may be led here: online and not shutting down. */
    public boolean canLead() {
        return online && !shuttingDown;
    }
}
