package io.runnel.cluster;

/**
 * An instance that has heart-beaten at least once.
 *
 * @param id              its {@code runnel.node.id}
 * @param url             the URL other instances call it at
 * @param lastHeartbeatMs the instance's own clock at its latest heartbeat
 * @param online          false once the controller found it silent for a session timeout, true
 *                        again at its next heartbeat
 * @param incarnation     of its latest heartbeat: changes when the instance restarts
 */
public record InstanceMetadata(String id, String url, long lastHeartbeatMs, boolean online, long incarnation) {
    public InstanceMetadata(String id, String url, long lastHeartbeatMs, boolean online) {
        this(id, url, lastHeartbeatMs, online, 0);
    }
}
