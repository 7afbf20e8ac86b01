package io.runnel.cluster;

import io.runnel.cluster.MetadataCommand.MarkInstanceOffline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The controller's view of which instances are still heart-beating. It judges silence by when
 * <em>it saw</em> each instance's last heartbeat appear in the metadata, on its own monotonic
 * clock, never by the heartbeat's timestamp, so clock differences between instances do not
 * matter. An instance whose heartbeat has not changed for {@code sessionTimeout} is reported
 * once per check until it is marked offline.
 *
 * <p>A new controller starts with {@link #reset()}: it has seen nothing yet, so every instance
 * gets a full session timeout from the takeover, as Kafka's controller does.
 *
 * <p>Not thread-safe: used from the controller's one scheduling thread.
 */
final class LivenessTracker {
    private final long sessionTimeoutNanos;
    private final Map<String, Seen> seen = new HashMap<>();

    /** An instance's last heartbeat time as written, and when this tracker first saw it. */
    private record Seen(long heartbeatMs, long seenAtNanos) {
    }

    LivenessTracker(Duration sessionTimeout) {
        this.sessionTimeoutNanos = sessionTimeout.toNanos();
    }

    void reset() {
        seen.clear();
    }

    /**
     * Notes the heartbeats in {@code state} and returns the commands that mark silent online
     * instances offline.
     *
     * @param nowNanos a monotonic clock ({@link System#nanoTime()})
     */
    List<MarkInstanceOffline> check(ClusterState state, long nowNanos) {
        List<MarkInstanceOffline> silent = new ArrayList<>();
        seen.keySet().retainAll(state.instances().keySet());
        for (InstanceMetadata instance : state.instances().values()) {
            Seen last = seen.get(instance.id());
            if (last == null || last.heartbeatMs() != instance.lastHeartbeatMs()) {
                seen.put(instance.id(), new Seen(instance.lastHeartbeatMs(), nowNanos));
            } else if (instance.online() && nowNanos - last.seenAtNanos() >= sessionTimeoutNanos) {
                silent.add(new MarkInstanceOffline(instance.id(), instance.lastHeartbeatMs()));
            }
        }
        return silent;
    }
}
