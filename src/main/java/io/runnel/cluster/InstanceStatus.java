package io.runnel.cluster;

/**
 * An instance's status as {@code GET /cluster} shows it, derived from the metadata by
 * {@link ClusterState#statusOf}: {@code online} or {@code offline}, or, once an operator drained it,
 * {@code draining} while it still holds replicas and {@code drained} when it holds none.
 */
public enum InstanceStatus {
    ONLINE, OFFLINE, DRAINING, DRAINED;

    /** The lower-case name the API uses. */
    public String apiName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
