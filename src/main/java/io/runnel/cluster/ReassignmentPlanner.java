package io.runnel.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * The controller's next steps of the partition reassignments in the metadata (Kafka's KIP-455 order): a pure
 * function of the state, so it can be tested without a cluster. For each partition, at most one command:
 * <ul>
 *   <li>a started reassignment whose target replicas are not all in the ISR yet waits: the adding replicas'
 *       instances fetch from the leader and the leader admits them to the ISR once caught up (the ISR-expand
 *       path of replication, not this planner);</li>
 *   <li>one whose target replicas are all in sync and whose leader is not in the target moves the leadership to
 *       the first target replica, in target order (the preferred one first), that can lead
 *       ({@link InstanceMetadata#canLead}), at the next leader epoch with the ISR unchanged (a
 *       {@link MetadataCommand.SetPartitionState}); it waits while none can;</li>
 *   <li>one whose target replicas are all in sync and one of which leads completes
 *       ({@link MetadataCommand.CompleteReassignment}): replicas and ISR are cut to the target;</li>
 *   <li>queued ones start ({@link MetadataCommand.BeginReassignment}) in topic-name and partition order while
 *       fewer than {@code maxConcurrent} are started: the rest stay queued in the metadata until others
 *       complete or are cancelled.</li>
 * </ul>
 * Every command expects the partition epoch it was planned from, so a step computed from a state that has
 * changed since (an ISR shrink, a failover, a cancel) is refused and planned again at the next check. Nothing
 * acknowledged is lost on the way: the ISR only loses the removed replicas once every target replica is in it,
 * and the leadership only moves to an in-sync replica.
 */
final class ReassignmentPlanner {
    private ReassignmentPlanner() {
    }

    /** The next step of every reassignment that can take one now; empty when none can. */
    static List<MetadataCommand> plan(ClusterState state, int maxConcurrent) {
        List<MetadataCommand> steps = new ArrayList<>();
        List<MetadataCommand> starts = new ArrayList<>();
        int started = 0;
        for (TopicMetadata topic : state.topics().values()) {
            for (PartitionMetadata p : topic.partitions()) {
                if (!p.reassigning()) {
                    continue;
                }
                if (!p.reassignmentStarted()) {
                    starts.add(new MetadataCommand.BeginReassignment(topic.name(), p.partition(), p.partitionEpoch()));
                    continue;
                }
                started++;
                if (!p.isr().containsAll(p.targetReplicas())) {
                    continue;
                }
                if (p.targetReplicas().contains(p.leader())) {
                    steps.add(new MetadataCommand.CompleteReassignment(topic.name(), p.partition(), p.partitionEpoch()));
                    continue;
                }
                p.targetReplicas().stream().filter(r -> state.instance(r).map(InstanceMetadata::canLead).orElse(false)).findFirst()
                        .ifPresent(leader -> steps.add(new MetadataCommand.SetPartitionState(topic.name(), p.partition(), leader,
                                p.leaderEpoch() + 1, p.isr(), p.partitionEpoch())));
            }
        }
        steps.addAll(starts.subList(0, Math.max(0, Math.min(starts.size(), maxConcurrent - started))));
        return steps;
    }

    /** The {@code topic-partition} a step of {@link #plan} is for. */
    static String partitionOf(MetadataCommand step) {
        if (step instanceof MetadataCommand.BeginReassignment b) {
            return b.topic() + "-" + b.partition();
        } else if (step instanceof MetadataCommand.CompleteReassignment c) {
            return c.topic() + "-" + c.partition();
        } else if (step instanceof MetadataCommand.SetPartitionState s) {
            return s.topic() + "-" + s.partition();
        }
        throw new IllegalArgumentException("not a reassignment step: " + step);
    }
}
