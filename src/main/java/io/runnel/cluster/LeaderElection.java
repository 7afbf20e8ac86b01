package io.runnel.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * The controller's choice of new partition leaders when leaders go offline: a pure function of
 * the metadata, so it can be tested without a cluster.
 *
 * <p>For each partition whose leader is offline, the new leader is the first member of its ISR in
 * replica order (the preferred replica first) that can lead (online and not shutting down, see
 * {@link InstanceMetadata#canLead}), at the next leader epoch, and the old leader leaves the ISR. If no ISR member is online the partition stays without a leader
 * ({@code 503 LEADER_NOT_AVAILABLE}) unless the topic sets
 * {@code unclean.leader.election.enable=true}: then the first online replica leads, alone in the
 * ISR, and records the ISR had but it lacks are lost — the price of availability Kafka documents
 * for that setting.
 *
 * <p>Partitions whose leader is online but whose ISR holds instances marked offline lose those from
 * the ISR at once ({@link #dropOfflineFollowers}), at the same leader epoch, as Kafka's controller
 * does when a broker fails: otherwise their high watermark, and every {@code acks=all} write, would
 * wait for the dead follower until its leader drops it for lagging
 * ({@code runnel.replication.replica-lag-time-max}). A follower that comes back is re-admitted by
 * its leader once caught up.
 */
public final class LeaderElection {
    public static final String UNCLEAN_CONFIG = "unclean.leader.election.enable";

    private LeaderElection() {
    }

    /** The commands that move leadership away from offline instances; empty when none is needed or possible. */
    public static List<MetadataCommand.SetPartitionState> elect(ClusterState state) {
        List<MetadataCommand.SetPartitionState> commands = new ArrayList<>();
        for (TopicMetadata topic : state.topics().values()) {
            boolean unclean = "true".equalsIgnoreCase(topic.configs().get(UNCLEAN_CONFIG));
            for (PartitionMetadata p : topic.partitions()) {
                if (online(state, p.leader())) {
                    continue;
                }
                String leader = p.replicas().stream().filter(r -> p.isr().contains(r) && !r.equals(p.leader()) && canLead(state, r))
                        .findFirst().orElse(null);
                List<String> isr;
                if (leader != null) {
                    isr = new ArrayList<>(p.isr());
                    isr.remove(p.leader());
                } else if (unclean) {
                    leader = p.replicas().stream().filter(r -> !r.equals(p.leader()) && canLead(state, r)).findFirst().orElse(null);
                    isr = leader == null ? List.of() : List.of(leader);
                } else {
                    continue;
                }
                if (leader != null) {
                    commands.add(new MetadataCommand.SetPartitionState(topic.name(), p.partition(), leader, p.leaderEpoch() + 1, isr,
                            p.partitionEpoch()));
                }
            }
        }
        return commands;
    }

    /**
     * The commands that take instances marked offline out of the ISRs of partitions whose leader is
     * online; the leader always stays. Empty when there are none.
     */
    public static List<MetadataCommand.SetPartitionState> dropOfflineFollowers(ClusterState state) {
        List<MetadataCommand.SetPartitionState> commands = new ArrayList<>();
        for (TopicMetadata topic : state.topics().values()) {
            for (PartitionMetadata p : topic.partitions()) {
                if (!online(state, p.leader())) {
                    continue;
                }
                List<String> isr = p.isr().stream().filter(id -> id.equals(p.leader()) || !markedOffline(state, id)).toList();
                if (isr.size() < p.isr().size()) {
                    commands.add(new MetadataCommand.SetPartitionState(topic.name(), p.partition(), p.leader(), p.leaderEpoch(), isr,
                            p.partitionEpoch()));
                }
            }
        }
        return commands;
    }

    /** Known to the metadata and marked offline (an id it does not know is left alone). */
    private static boolean markedOffline(ClusterState state, String id) {
        return state.instance(id).map(i -> !i.online()).orElse(false);
    }

    private static boolean online(ClusterState state, String id) {
        return state.instance(id).map(InstanceMetadata::online).orElse(false);
    }

    private static boolean canLead(ClusterState state, String id) {
        return state.instance(id).map(InstanceMetadata::canLead).orElse(false);
    }
}
