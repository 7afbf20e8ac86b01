package io.runnel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cluster.MetadataCommand.InstanceHeartbeat;
import io.runnel.cluster.MetadataCommand.MarkInstanceOffline;
import java.time.Duration;
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
}
