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
 * matter. An online instance is reported (once per check, until it is marked offline) when either
 * <ul>
 * <li>its heartbeat has not changed for {@code sessionTimeout}: it may be hung, partitioned away or
 *     gone; or
 * <li>its heartbeat has not changed for {@code unreachableTimeout} (a few heartbeat intervals) and
 *     its HTTP port <em>refuses</em> connections ({@link Reachability}): nothing listens there, so its
 *     process is gone (killed, crashed, restarting). A paused JVM (GC, SIGSTOP) or one waiting on a
 *     slow disk still has its listening socket, whose connections the kernel accepts, and an
 *     unreachable host times out rather than refuses: both wait for the session timeout.
 * </ul>
 *
 * <p>Silence only accrues while this tracker is able to watch: a check that comes more than
 * {@code maxStep} after the previous one (the controller itself was paused or starved, so the
 * heartbeats of that time may not be applied yet) counts as {@code maxStep}.
 *
 * <p>A new controller starts with {@link #reset()}: it has seen nothing yet, so every instance gets
 * a full session timeout from the takeover, as Kafka's controller does, and one whose HTTP port
 * refuses connections gets {@code unreachableTimeout} from the takeover. What it may assume without
 * any history: an instance whose HTTP <em>and</em> Raft ports both refuse connections at its first
 * check has no process left (a starting one binds its Raft port before it first heart-beats, long
 * before its HTTP port), typically the old controller that died and caused the takeover. During
 * its first {@code unreachableTimeout} of watching, a new controller reports such an instance at
 * once, at every check that finds a heartbeat of it it had not seen (the first check, and again
 * when entries of the previous term are applied late and a verdict on the older heartbeat was
 * refused as stale). Afterwards silence is required.
 *
 * <p>Not thread-safe: used from the controller's one scheduling thread. Holds nothing that survives
 * a restart.
 */
final class LivenessTracker {
    /** Whether an instance's ports actively refuse connections; false when they accept, time out or cannot be asked. */
    interface Reachability {
        Reachability UNKNOWN = new Reachability() {
            @Override
            public boolean refusesConnections(InstanceMetadata instance) {
                return false;
            }

            @Override
            public boolean allPortsRefuse(InstanceMetadata instance) {
                return false;
            }
        };

        /** Its HTTP port refuses connections. */
        boolean refusesConnections(InstanceMetadata instance);

        /** Its HTTP port and its Raft port both refuse connections. */
        boolean allPortsRefuse(InstanceMetadata instance);
    }

    private final long sessionTimeoutNanos;
    private final long unreachableTimeoutNanos;
    private final long maxStepNanos;
    private final Reachability reachability;
    private final Map<String, Seen> seen = new HashMap<>();
    /** This tracker's clock of watched time: advances by at most {@code maxStep} per check. */
    private long watchedNanos;
    private long lastCheckNanos;
    private boolean checked;
    /** Set by {@link #reset()}: the next check is this controller's first. */
    private boolean takeover;
    /** Watched time until which a heartbeat not seen before, of an instance with no port left, is reported at once. */
    private long takeoverWindowEnd = -1;

    /** An instance's last heartbeat time as written, and the watched time when this tracker first saw it. */
    private record Seen(long heartbeatMs, long seenAtNanos) {
    }

    /** Only the session timeout, every gap between checks counted in full. */
    LivenessTracker(Duration sessionTimeout) {
        this(sessionTimeout, sessionTimeout, Duration.ofNanos(Long.MAX_VALUE), Reachability.UNKNOWN);
    }

    /**
     * @param sessionTimeout     silence after which any instance is offline
     * @param unreachableTimeout silence after which an instance whose port refuses connections is offline
     * @param maxStep            the most a gap between two checks counts for
     * @param reachability       asked about silent instances only
     */
    LivenessTracker(Duration sessionTimeout, Duration unreachableTimeout, Duration maxStep, Reachability reachability) {
        this.sessionTimeoutNanos = sessionTimeout.toNanos();
        this.unreachableTimeoutNanos = Math.min(unreachableTimeout.toNanos(), sessionTimeoutNanos);
        this.maxStepNanos = maxStep.toNanos();
        this.reachability = reachability;
    }

    void reset() {
        seen.clear();
        takeover = true;
    }

    /**
     * Notes the heartbeats in {@code state} and returns the commands that mark silent online
     * instances offline.
     *
     * @param nowNanos a monotonic clock ({@link System#nanoTime()})
     */
    List<MarkInstanceOffline> check(ClusterState state, long nowNanos) {
        if (checked) {
            watchedNanos += Math.min(Math.max(0, nowNanos - lastCheckNanos), maxStepNanos);
        }
        checked = true;
        lastCheckNanos = nowNanos;
        if (takeover) {
            takeover = false;
            takeoverWindowEnd = watchedNanos + unreachableTimeoutNanos;
        }
        boolean inTakeoverWindow = watchedNanos < takeoverWindowEnd;
        List<MarkInstanceOffline> silent = new ArrayList<>();
        seen.keySet().retainAll(state.instances().keySet());
        for (InstanceMetadata instance : state.instances().values()) {
            Seen last = seen.get(instance.id());
            if (last == null || last.heartbeatMs() != instance.lastHeartbeatMs()) {
                seen.put(instance.id(), new Seen(instance.lastHeartbeatMs(), watchedNanos));
                if (inTakeoverWindow && instance.online() && reachability.allPortsRefuse(instance)) {
                    silent.add(new MarkInstanceOffline(instance.id(), instance.lastHeartbeatMs()));
                }
                continue;
            }
            long silence = watchedNanos - last.seenAtNanos();
            if (instance.online() && (silence >= sessionTimeoutNanos
                    || silence >= unreachableTimeoutNanos && reachability.refusesConnections(instance))) {
                silent.add(new MarkInstanceOffline(instance.id(), instance.lastHeartbeatMs()));
            }
        }
        return silent;
    }
}
