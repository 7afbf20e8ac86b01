package io.runnel.cluster;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.util.ArrayList;
import java.util.List;

/**
 * Where one partition lives, who leads it, and where it is moving to.
 *
 * <p>A reassignment (Kafka's KIP-455 order) goes through these states, each one metadata command:
 * <ol>
 *   <li><b>none</b>: {@code targetReplicas}, {@code addingReplicas} and {@code removingReplicas} are empty;</li>
 *   <li><b>queued</b> ({@link MetadataCommand.ReassignPartition}): {@code targetReplicas} is set, the other two
 *       are empty, {@code replicas} is unchanged;</li>
 *   <li><b>started</b>: {@code replicas} is the original replicas followed by {@code addingReplicas} (target
 *       minus original), {@code removingReplicas} is original minus target; the adding replicas catch up and
 *       join the ISR, and the leadership moves into the target if it is not there;</li>
 *   <li><b>done</b>: {@code replicas} is the target, the ISR is cut to it, the three lists are empty again.</li>
 * </ol>
 * A started reassignment always has adding or removing replicas (a target with the same replicas in another
 * order is applied at once), so the state follows from the lists alone. The three lists are written only when
 * non-empty and absent ones read as empty, so metadata without a reassignment is written exactly as before
 * they existed and old snapshots stay readable.
 *
 * @param partition        its number
 * @param replicas         the instances holding a copy, the preferred leader first; during a started
 *                         reassignment the original replicas then the adding ones
 * @param leader           the instance that appends; one of {@code isr}
 * @param leaderEpoch      bumped whenever the leader changes; stamped on the batches it appends
 * @param isr              the in-sync replicas, a non-empty subset of {@code replicas}
 * @param partitionEpoch   bumped at every change of leader, ISR, replicas or reassignment state, so a change
 *                         computed from an older state can be refused (Kafka's partition epoch)
 * @param targetReplicas   where a requested reassignment moves the partition, its preferred leader first;
 *                         empty when none is requested
 * @param addingReplicas   replicas a started reassignment adds (in {@code replicas} and the target, not in the
 *                         original replicas); empty otherwise
 * @param removingReplicas replicas a started reassignment will drop (in {@code replicas}, not in the target);
 *                         empty otherwise
 */
public record PartitionMetadata(int partition, List<String> replicas, String leader, int leaderEpoch, List<String> isr,
                                int partitionEpoch,
                                @JsonSetter(nulls = Nulls.AS_EMPTY) @JsonInclude(JsonInclude.Include.NON_EMPTY)
                                List<String> targetReplicas,
                                @JsonSetter(nulls = Nulls.AS_EMPTY) @JsonInclude(JsonInclude.Include.NON_EMPTY)
                                List<String> addingReplicas,
                                @JsonSetter(nulls = Nulls.AS_EMPTY) @JsonInclude(JsonInclude.Include.NON_EMPTY)
                                List<String> removingReplicas) {
    public PartitionMetadata {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        targetReplicas = targetReplicas == null ? List.of() : List.copyOf(targetReplicas);
        addingReplicas = addingReplicas == null ? List.of() : List.copyOf(addingReplicas);
        removingReplicas = removingReplicas == null ? List.of() : List.copyOf(removingReplicas);
    }

    /** With no reassignment. */
    public PartitionMetadata(int partition, List<String> replicas, String leader, int leaderEpoch, List<String> isr,
                             int partitionEpoch) {
        this(partition, replicas, leader, leaderEpoch, isr, partitionEpoch, List.of(), List.of(), List.of());
    }

    /** At partition epoch 0 (a new partition, or a single node's view). */
    public PartitionMetadata(int partition, List<String> replicas, String leader, int leaderEpoch, List<String> isr) {
        this(partition, replicas, leader, leaderEpoch, isr, 0);
    }

    /** Whether a reassignment is requested: queued or started. */
    public boolean reassigning() {
        return !targetReplicas.isEmpty();
    }

    /** Whether a requested reassignment has started (its replicas were added), rather than queued. */
    public boolean reassignmentStarted() {
        return !addingReplicas.isEmpty() || !removingReplicas.isEmpty();
    }

    /** The replicas before the current reassignment started ({@link #replicas} when none has). */
    public List<String> originalReplicas() {
        List<String> original = new ArrayList<>(replicas);
        original.removeAll(addingReplicas);
        return List.copyOf(original);
    }

    /** The next state of this partition: another leader, epoch or ISR, one partition epoch later. */
    PartitionMetadata next(String leader, int leaderEpoch, List<String> isr) {
        return new PartitionMetadata(partition, replicas, leader, leaderEpoch, isr, partitionEpoch + 1, targetReplicas,
                addingReplicas, removingReplicas);
    }

    /** The next state of this partition with other replicas and reassignment lists, one partition epoch later. */
    PartitionMetadata next(List<String> replicas, String leader, int leaderEpoch, List<String> isr, List<String> target,
                           List<String> adding, List<String> removing) {
        return new PartitionMetadata(partition, replicas, leader, leaderEpoch, isr, partitionEpoch + 1, target, adding,
                removing);
    }

    /** A new partition: the first replica leads at epoch 0 and every replica is in sync. */
    static PartitionMetadata created(int partition, List<String> replicas) {
        return new PartitionMetadata(partition, replicas, replicas.get(0), 0, replicas);
    }
}
