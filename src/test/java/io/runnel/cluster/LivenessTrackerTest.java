package io.runnel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cluster.MetadataCommand.InstanceHeartbeat;
import io.runnel.cluster.MetadataCommand.MarkInstanceOffline;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The controller's liveness judgement, driven with explicit states and clock readings. */
class LivenessTrackerTest {
    private static final long SECOND = 1_000_000_000L;

    private final LivenessTracker tracker = new LivenessTracker(Duration.ofSeconds(6));

    private static ClusterState beat(ClusterState state, String id, long atMs) {
        return state.apply(new InstanceHeartbeat(id, "http://" + id, atMs)).state();
    }

    @Test
    void anInstanceWhoseHeartbeatKeepsChangingStaysOnline() {
        ClusterState state = beat(beat(ClusterState.EMPTY, "a", 1), "b", 1);
        assertThat(tracker.check(state, 0)).isEmpty();

        for (int i = 1; i <= 20; i++) {
            state = beat(state, "a", 1 + i);
            assertThat(tracker.check(state, i * SECOND)).as("second %d", i).allMatch(m -> !m.id().equals("a"));
        }
    }

    @Test
    void anInstanceSilentForTheSessionTimeoutIsReportedUntilMarkedOffline() {
        ClusterState state = beat(beat(ClusterState.EMPTY, "a", 1), "b", 1);
        tracker.check(state, 0);
        state = beat(state, "a", 2);

        assertThat(tracker.check(state, 5 * SECOND)).isEmpty();
        assertThat(tracker.check(state, 6 * SECOND)).containsExactly(new MarkInstanceOffline("b", 1));
        assertThat(tracker.check(state, 7 * SECOND)).containsExactly(new MarkInstanceOffline("b", 1));

        ClusterState offline = state.apply(new MarkInstanceOffline("b", 1)).state();
        assertThat(tracker.check(offline, 8 * SECOND)).isEmpty();
    }

    @Test
    void silenceCountsFromWhenTheTrackerSawTheHeartbeatNotFromItsTimestamp() {
        ClusterState state = beat(ClusterState.EMPTY, "a", 1);
        tracker.check(state, 100 * SECOND);
        state = beat(state, "a", 999_999_999);

        assertThat(tracker.check(state, 101 * SECOND)).isEmpty();
        assertThat(tracker.check(state, 106 * SECOND)).isEmpty();
        assertThat(tracker.check(state, 107 * SECOND)).extracting(MarkInstanceOffline::id).containsExactly("a");
    }

    @Test
    void aNewControllerGivesEveryInstanceAFullSession() {
        ClusterState state = beat(ClusterState.EMPTY, "a", 1);
        tracker.check(state, 0);
        assertThat(tracker.check(state, 6 * SECOND)).isNotEmpty();

        tracker.reset();

        assertThat(tracker.check(state, 7 * SECOND)).isEmpty();
        assertThat(tracker.check(state, 12 * SECOND)).isEmpty();
        assertThat(tracker.check(state, 13 * SECOND)).isNotEmpty();
    }

    @Test
    void anInstanceThatComesBackIsWatchedAgain() {
        ClusterState state = beat(ClusterState.EMPTY, "a", 1);
        tracker.check(state, 0);
        state = state.apply(new MarkInstanceOffline("a", 1)).state();
        tracker.check(state, 7 * SECOND);

        state = beat(state, "a", 50);
        assertThat(tracker.check(state, 8 * SECOND)).isEmpty();
        assertThat(tracker.check(state, 14 * SECOND)).containsExactly(new MarkInstanceOffline("a", 50));
    }

    /** Instances whose HTTP port refuses connections, and those whose Raft port does too, as the probe would find them. */
    private final Set<String> refusing = new HashSet<>();
    private final Set<String> raftRefusing = new HashSet<>();
    private final LivenessTracker probing = new LivenessTracker(Duration.ofSeconds(6), Duration.ofSeconds(1), Duration.ofSeconds(1),
            new LivenessTracker.Reachability() {
                @Override
                public boolean refusesConnections(InstanceMetadata instance) {
                    return refusing.contains(instance.id());
                }

                @Override
                public boolean allPortsRefuse(InstanceMetadata instance) {
                    return refusing.contains(instance.id()) && raftRefusing.contains(instance.id());
                }
            });

    /** Checks {@code probing} every quarter second from {@code fromMs} to {@code toMs} (inclusive); returns the last answer. */
    private java.util.List<MarkInstanceOffline> checkEveryQuarterSecond(ClusterState state, long fromMs, long toMs) {
        java.util.List<MarkInstanceOffline> last = java.util.List.of();
        for (long ms = fromMs; ms <= toMs; ms += 250) {
            last = probing.check(state, ms * 1_000_000L);
        }
        return last;
    }

    @Test
    void aSilentInstanceWhosePortRefusesConnectionsIsReportedAfterTheShortTimeout() {
        ClusterState state = beat(beat(ClusterState.EMPTY, "gone", 1), "paused", 1);
        probing.check(state, 0);
        refusing.add("gone");

        assertThat(checkEveryQuarterSecond(state, 250, 750)).isEmpty();
        assertThat(checkEveryQuarterSecond(state, 1000, 1000)).containsExactly(new MarkInstanceOffline("gone", 1));
        assertThat(checkEveryQuarterSecond(state, 1250, 5750)).extracting(MarkInstanceOffline::id).containsExactly("gone");
        assertThat(checkEveryQuarterSecond(state, 6000, 6000)).extracting(MarkInstanceOffline::id).containsExactly("gone", "paused");
    }

    @Test
    void aRefusedPortOfAnInstanceThatKeepsHeartBeatingIsNotEnough() {
        ClusterState state = beat(ClusterState.EMPTY, "a", 1);
        refusing.add("a");
        for (int i = 0; i <= 40; i++) {
            state = beat(state, "a", 2 + i);
            assertThat(probing.check(state, i * 250_000_000L)).as("check %d", i).isEmpty();
        }
    }

    @Test
    void aGapBetweenChecksLongerThanTheMaxStepCountsAsTheMaxStep() {
        ClusterState state = beat(ClusterState.EMPTY, "a", 1);
        probing.check(state, 0);

        // The controller was paused for 10 s: the heartbeats of that time may not be applied yet.
        assertThat(probing.check(state, 10 * SECOND)).isEmpty();
        assertThat(checkEveryQuarterSecond(state, 10_250, 14_750)).isEmpty();
        assertThat(checkEveryQuarterSecond(state, 15_000, 15_000)).containsExactly(new MarkInstanceOffline("a", 1));
    }

    @Test
    void aNewControllerGivesAnInstanceWhosePortRefusesConnectionsOnlyTheShortTimeout() {
        ClusterState state = beat(beat(ClusterState.EMPTY, "gone", 1), "alive", 1);
        probing.check(state, 0);
        probing.reset();
        refusing.add("gone");

        assertThat(checkEveryQuarterSecond(state, 100_000, 100_750)).isEmpty();
        assertThat(checkEveryQuarterSecond(state, 101_000, 101_000)).containsExactly(new MarkInstanceOffline("gone", 1));
    }

    @Test
    void aNewControllerReportsAnInstanceWithNoPortLeftAtItsFirstCheckAndOnlyThen() {
        ClusterState state = beat(beat(beat(ClusterState.EMPTY, "dead", 1), "starting", 1), "alive", 1);
        refusing.addAll(Set.of("dead", "starting"));
        raftRefusing.add("dead"); // "starting" has bound its Raft port, not yet its HTTP port

        probing.reset();
        assertThat(probing.check(state, 0)).containsExactly(new MarkInstanceOffline("dead", 1));

        // Not applied yet: a heartbeat already seen needs the silence again.
        assertThat(checkEveryQuarterSecond(state, 250, 750)).isEmpty();
        assertThat(checkEveryQuarterSecond(state, 1000, 1000)).extracting(MarkInstanceOffline::id).containsExactly("dead", "starting");
    }

    @Test
    void aHeartbeatOfTheOldTermAppliedLateIsReportedAtOnceWithinTheTakeoverWindow() {
        ClusterState state = beat(beat(ClusterState.EMPTY, "dead", 1), "alive", 1);
        refusing.add("dead");
        raftRefusing.add("dead");
        probing.reset();
        assertThat(probing.check(state, 0)).containsExactly(new MarkInstanceOffline("dead", 1));

        // That verdict is refused as stale: the dead instance's last heartbeat was committed before the takeover
        // and applied only now.
        state = beat(beat(state, "dead", 2), "alive", 2);
        assertThat(probing.check(state, 250_000_000L)).containsExactly(new MarkInstanceOffline("dead", 2));

        // After the window, a heartbeat not seen before needs the silence again.
        state = beat(state, "dead", 3);
        assertThat(checkEveryQuarterSecond(state, 1000, 1000)).isEmpty();
        assertThat(checkEveryQuarterSecond(state, 1250, 2000)).containsExactly(new MarkInstanceOffline("dead", 3));
    }

    @Test
    void withoutATakeoverAnInstanceWithNoPortLeftStillNeedsTheShortSilence() {
        ClusterState state = beat(ClusterState.EMPTY, "dead", 1);
        refusing.add("dead");
        raftRefusing.add("dead");

        assertThat(probing.check(state, 0)).isEmpty();
        assertThat(checkEveryQuarterSecond(state, 1000, 1000)).containsExactly(new MarkInstanceOffline("dead", 1));
    }
}
