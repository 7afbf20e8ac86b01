package io.runnel.cluster;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.TreeSet;

/**
 * The part of the metadata about the cluster itself: its id and the instances removed from it.
 *
 * <p>The cluster id is set once ({@link MetadataCommand.InitializeCluster}) by the first controller
 * that finds none: a random UUID for a cluster bootstrapped by this version, the Raft group's uuid for
 * a cluster formed before the id lived here (so its id does not change). It is {@code null} until then.
 * Removed instances ({@link MetadataCommand.RemoveInstance}) are refused when they heart-beat, so a
 * removed instance still running cannot register itself again; one joining anew with an empty data
 * dir is admitted again ({@link MetadataCommand.AdmitInstance}).
 *
 * <p>Immutable; {@code removed} is sorted. Absent in metadata written by the previous version
 * ({@link #EMPTY} then).
 *
 * @param clusterId the cluster's id, {@code null} while not yet chosen
 * @param removed   ids of removed instances, sorted
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClusterMembership(String clusterId, List<String> removed) {
    public static final ClusterMembership EMPTY = new ClusterMembership(null, List.of());

    public ClusterMembership {
        removed = removed == null ? List.of() : List.copyOf(new TreeSet<>(removed));
    }

    public boolean isRemoved(String id) {
        return removed.contains(id);
    }

    ClusterMembership withClusterId(String id) {
        return new ClusterMembership(id, removed);
    }

    ClusterMembership withRemoved(String id) {
        TreeSet<String> next = new TreeSet<>(removed);
        next.add(id);
        return new ClusterMembership(clusterId, List.copyOf(next));
    }

    ClusterMembership withoutRemoved(String id) {
        TreeSet<String> next = new TreeSet<>(removed);
        next.remove(id);
        return new ClusterMembership(clusterId, List.copyOf(next));
    }
}
