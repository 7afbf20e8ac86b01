package io.runnel.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Takes one instance out of the partitions' in-sync replica sets and hands what it leads to a
 * peer: the step a restart ({@link MetadataCommand.InstanceHeartbeat} of a new incarnation) and a
 * controlled shutdown ({@link MetadataCommand.BeginShutdown}) share.
 *
 * <p>For each partition whose ISR holds the instance with at least one other member, the instance
 * leaves the ISR; where it led, the first replica (in replica order, the preferred one first) of
 * the remaining ISR that {@link InstanceMetadata#canLead can lead} becomes leader at the next
 * leader epoch. A partition it leads with no such replica is left exactly as it was: an ISR is
 * never emptied, and a partition never loses its only electable leader this way.
 *
 * <p>A pure function of the state, part of {@link ClusterState#apply}.
 */
final class Handover {
    private Handover() {
    }

    /** The topics of {@code state} with {@code id} out of their ISRs and its leaderships handed over. */
    static Map<String, TopicMetadata> away(ClusterState state, String id) {
        Map<String, TopicMetadata> topics = new TreeMap<>(state.topics());
        for (TopicMetadata topic : state.topics().values()) {
            TopicMetadata t = topic;
            for (PartitionMetadata p : topic.partitions()) {
                if (!p.isr().contains(id) || p.isr().size() < 2) {
                    continue;
                }
                List<String> isr = new ArrayList<>(p.isr());
                isr.remove(id);
                if (!p.leader().equals(id)) {
                    t = t.withPartition(p.next(p.leader(), p.leaderEpoch(), isr));
                    continue;
                }
                Optional<String> successor = p.replicas().stream()
                        .filter(r -> isr.contains(r) && state.instance(r).map(InstanceMetadata::canLead).orElse(false)).findFirst();
                if (successor.isPresent()) {
                    t = t.withPartition(p.next(successor.get(), p.leaderEpoch() + 1, isr));
                }
            }
            topics.put(t.name(), t);
        }
        return topics;
    }
}
