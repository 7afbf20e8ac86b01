package io.runnel.cluster;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Counts, on every instance, the leadership changes and offline verdicts it applies from the
 * metadata log, so that spurious failovers show up on any instance's {@code /actuator/prometheus}:
 * <ul>
 * <li>{@code runnel_leader_changes_total}: partitions whose leader epoch went up (a failover, a
 *     preferred-leader election, a controlled shutdown's hand-over), whoever proposed it;
 * <li>{@code runnel_instances_marked_offline_total}: instances that went from online to offline.
 * </ul>
 * Counted from the first state this instance sees after it starts (that one is the baseline), so
 * two instances may count differently when they started at different times. Partitions that appear
 * or disappear (topics created or deleted) are not changes.
 *
 * <p>Thread-safety: the metadata listener runs on the one applying thread; the counters are
 * thread-safe. Memory only: counts restart at zero with the process.
 */
@Component
class LeadershipMetrics {
    private final Counter leaderChanges;
    private final Counter markedOffline;
    private ClusterState last;

    LeadershipMetrics(ClusterNode cluster, MeterRegistry meters) {
        this.leaderChanges = Counter.builder("runnel.leader.changes")
                .description("Partition leader epochs that went up in the metadata this instance applied (failovers, "
                        + "preferred-leader elections, controlled shutdowns)").register(meters);
        this.markedOffline = Counter.builder("runnel.instances.marked.offline")
                .description("Instances the metadata this instance applied turned from online to offline").register(meters);
        if (cluster.clustered()) {
            cluster.onState(this::observe);
        }
    }

    private synchronized void observe(ClusterState next) {
        ClusterState previous = last;
        last = next;
        if (previous == null) {
            return;
        }
        if (previous.topics() != next.topics()) {
            leaderChanges.increment(leaderChanges(previous.topics(), next.topics()));
        }
        if (previous.instances() != next.instances()) {
            markedOffline.increment(markedOffline(previous.instances(), next.instances()));
        }
    }

    /** Partitions present in both whose leader epoch is higher in {@code next}. */
    static int leaderChanges(Map<String, TopicMetadata> previous, Map<String, TopicMetadata> next) {
        int changes = 0;
        for (TopicMetadata topic : next.values()) {
            TopicMetadata before = previous.get(topic.name());
            if (before == null || before == topic) {
                continue;
            }
            for (PartitionMetadata p : topic.partitions()) {
                if (p.partition() < before.partitions().size()
                        && before.partitions().get(p.partition()).leaderEpoch() < p.leaderEpoch()) {
                    changes++;
                }
            }
        }
        return changes;
    }

    /** Instances online in {@code previous} and offline in {@code next}. */
    static int markedOffline(Map<String, InstanceMetadata> previous, Map<String, InstanceMetadata> next) {
        int marked = 0;
        for (InstanceMetadata instance : next.values()) {
            InstanceMetadata before = previous.get(instance.id());
            if (before != null && before.online() && !instance.online()) {
                marked++;
            }
        }
        return marked;
    }
}
