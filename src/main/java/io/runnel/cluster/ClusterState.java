package io.runnel.cluster;

import io.runnel.config.RunnelProperties;
import io.runnel.cluster.ApplyResult.Code;
import io.runnel.cluster.MetadataCommand.BeginReassignment;
import io.runnel.cluster.MetadataCommand.BeginShutdown;
import io.runnel.cluster.MetadataCommand.CancelReassignment;
import io.runnel.cluster.MetadataCommand.CommitOffsets;
import io.runnel.cluster.MetadataCommand.CompleteReassignment;
import io.runnel.cluster.MetadataCommand.CreateAcl;
import io.runnel.cluster.MetadataCommand.CreateApiKey;
import io.runnel.cluster.MetadataCommand.DeleteAcls;
import io.runnel.cluster.MetadataCommand.DeleteApiKey;
import io.runnel.cluster.MetadataCommand.CreateTopic;
import io.runnel.cluster.MetadataCommand.DeleteGroup;
import io.runnel.cluster.MetadataCommand.DeleteTopic;
import io.runnel.cluster.MetadataCommand.DrainInstance;
import io.runnel.cluster.MetadataCommand.UndrainInstance;
import io.runnel.cluster.MetadataCommand.AdmitInstance;
import io.runnel.cluster.MetadataCommand.InitializeCluster;
import io.runnel.cluster.MetadataCommand.InstanceHeartbeat;
import io.runnel.cluster.MetadataCommand.RemoveInstance;
import io.runnel.cluster.MetadataCommand.MarkInstanceOffline;
import io.runnel.cluster.MetadataCommand.OffsetCommit;
import io.runnel.cluster.MetadataCommand.ReassignPartition;
import io.runnel.cluster.MetadataCommand.SetPartitionState;
import io.runnel.cluster.MetadataCommand.UpdateTopic;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The cluster metadata as of one Raft log index: topics with their partitions' replicas, leaders,
 * leader epochs and ISRs; the instances that have heart-beaten, whether they are online and
 * whether they announced their shutdown; the committed offsets of consumer groups
 * ({@code group → topic → partition → offset}); the API keys and ACLs ({@link SecurityState}); and the
 * cluster id and removed instances ({@link ClusterMembership}); the connectors ({@link ConnectorsState}).
 *
 * <p>Immutable. {@link #apply} is a pure function of this state and the command (no clock, no
 * randomness, no iteration over unordered collections), so every replica that applies the same
 * log reaches equal states. A failed command leaves the state equal to before and says why in its
 * {@link ApplyResult}. Maps are sorted (see {@link SortedMaps}), so the JSON form is canonical.
 *
 * @param appliedIndex the Raft log index this state includes (-1 before the first entry); set by
 *                     the state machine, not by {@link #apply}
 * @param topics       by name
 * @param instances    by id
 * @param offsets      committed offsets: group → topic → partition → offset
 * @param security     API keys and ACLs; {@link SecurityState#EMPTY} when absent (a snapshot from before it existed)
 * @param membership   cluster id and removed instances; {@link ClusterMembership#EMPTY} when absent
 * @param connectors   connector definitions and their tasks' placements; {@link ConnectorsState#EMPTY} when absent
 */
public record ClusterState(long appliedIndex, Map<String, TopicMetadata> topics, Map<String, InstanceMetadata> instances,
                           Map<String, Map<String, Map<Integer, CommittedOffset>>> offsets, SecurityState security,
                           ClusterMembership membership, ConnectorsState connectors) {

    public static final ClusterState EMPTY = new ClusterState(-1, Map.of(), Map.of(), Map.of(), SecurityState.EMPTY,
            ClusterMembership.EMPTY, ConnectorsState.EMPTY);

    /** Most partitions a topic may have (the topic API's limit), so no command can exhaust memory on every replica. */
    public static final int MAX_PARTITIONS = RunnelProperties.Topics.MAX_PARTITIONS;

    /** A state after a command, and what the command did. */
    public record Applied(ClusterState state, ApplyResult result) {
    }

    public ClusterState {
        topics = SortedMaps.freeze(topics);
        instances = SortedMaps.freeze(instances);
        offsets = freezeOffsets(offsets);
        security = security == null ? SecurityState.EMPTY : security;
        membership = membership == null ? ClusterMembership.EMPTY : membership;
        connectors = connectors == null ? ConnectorsState.EMPTY : connectors;
    }

    /** Without connectors (tests). */
    public ClusterState(long appliedIndex, Map<String, TopicMetadata> topics, Map<String, InstanceMetadata> instances,
                        Map<String, Map<String, Map<Integer, CommittedOffset>>> offsets, SecurityState security,
                        ClusterMembership membership) {
        this(appliedIndex, topics, instances, offsets, security, membership, ConnectorsState.EMPTY);
    }

    /** Without membership data (tests, and states of a single node). */
    public ClusterState(long appliedIndex, Map<String, TopicMetadata> topics, Map<String, InstanceMetadata> instances,
                        Map<String, Map<String, Map<Integer, CommittedOffset>>> offsets, SecurityState security) {
        this(appliedIndex, topics, instances, offsets, security, ClusterMembership.EMPTY, ConnectorsState.EMPTY);
    }

    private static Map<String, Map<String, Map<Integer, CommittedOffset>>> freezeOffsets(
            Map<String, Map<String, Map<Integer, CommittedOffset>>> offsets) {
        if (SortedMaps.isFrozen(offsets)) {
            return offsets;
        }
        Map<String, Map<String, Map<Integer, CommittedOffset>>> groups = new TreeMap<>();
        offsets.forEach((group, byTopic) -> {
            Map<String, Map<Integer, CommittedOffset>> topicsOfGroup = new TreeMap<>();
            byTopic.forEach((topic, byPartition) -> topicsOfGroup.put(topic, SortedMaps.freeze(byPartition)));
            groups.put(group, SortedMaps.freeze(topicsOfGroup));
        });
        return SortedMaps.freeze(groups);
    }

    public ClusterState withAppliedIndex(long index) {
        return new ClusterState(index, topics, instances, offsets, security, membership, connectors);
    }

    public Optional<TopicMetadata> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    public Optional<InstanceMetadata> instance(String id) {
        return Optional.ofNullable(instances.get(id));
    }

    /**
     * Ids of the online instances that are not draining, sorted: where new partitions' replicas go
     * ({@link ReplicaPlacement}), and so how large a replication factor may be.
     */
    public List<String> liveInstances() {
        return instances.values().stream().filter(i -> i.online() && !i.draining()).map(InstanceMetadata::id).toList();
    }

    /** How many partitions have a replica on {@code instanceId}, counting replicas a reassignment is adding. */
    public int replicasOn(String instanceId) {
        return (int) topics.values().stream().flatMap(t -> t.partitions().stream())
                .filter(p -> p.replicas().contains(instanceId) || p.targetReplicas().contains(instanceId)).count();
    }

    /**
     * What {@code GET /cluster} says of an instance: {@code DRAINING} while a drained instance still holds
     * replicas (or a reassignment's target names it), {@code DRAINED} once it holds none, otherwise
     * {@code ONLINE} or {@code OFFLINE} (also for an instance that never heart-beat).
     */
    public InstanceStatus statusOf(String instanceId) {
        InstanceMetadata instance = instances.get(instanceId);
        if (instance == null) {
            return InstanceStatus.OFFLINE;
        }
        if (instance.draining()) {
            return replicasOn(instanceId) > 0 ? InstanceStatus.DRAINING : InstanceStatus.DRAINED;
        }
        return instance.online() ? InstanceStatus.ONLINE : InstanceStatus.OFFLINE;
    }

    /** How many partitions {@code instanceId} currently leads. */
    public int partitionsLedBy(String instanceId) {
        return (int) topics.values().stream().flatMap(t -> t.partitions().stream())
                .filter(p -> p.leader().equals(instanceId)).count();
    }

    /** A group's committed offsets, topic → partition → offset; empty if it has none. */
    public Map<String, Map<Integer, CommittedOffset>> committed(String group) {
        return offsets.getOrDefault(group, Map.of());
    }

    /** Applies one command: the next state and the outcome. Never throws for a well-formed command. */
    public Applied apply(MetadataCommand command) {
        if (command instanceof MetadataCommand.ConnectorCommand c) {
            ConnectorsState.Applied applied = connectors.apply(c);
            return new Applied(applied.state() == connectors ? this
                    : new ClusterState(appliedIndex, topics, instances, offsets, security, membership, applied.state()), applied.result());
        } else if (command instanceof CreateTopic c) {
            return createTopic(c);
        } else if (command instanceof UpdateTopic c) {
            return updateTopic(c);
        } else if (command instanceof DeleteTopic c) {
            return deleteTopic(c);
        } else if (command instanceof InstanceHeartbeat c) {
            return heartbeat(c);
        } else if (command instanceof MarkInstanceOffline c) {
            return markOffline(c);
        } else if (command instanceof SetPartitionState c) {
            return setPartitionState(c);
        } else if (command instanceof BeginShutdown c) {
            return beginShutdown(c);
        } else if (command instanceof CommitOffsets c) {
            return commitOffsets(c);
        } else if (command instanceof DeleteGroup c) {
            return changed(new ClusterState(appliedIndex, topics, instances, SortedMaps.without(offsets, c.group()), security, membership, connectors));
        } else if (command instanceof CreateApiKey c) {
            return createApiKey(c);
        } else if (command instanceof DeleteApiKey c) {
            if (!security.apiKeys().containsKey(c.id())) {
                return unchanged(Code.NOT_FOUND, "no API key with id '" + c.id() + "'");
            }
            return changed(withSecurity(security.withoutApiKey(c.id())));
        } else if (command instanceof CreateAcl c) {
            return createAcl(c.acl());
        } else if (command instanceof DeleteAcls c) {
            return deleteAcls(c);
        } else if (command instanceof ReassignPartition c) {
            return reassignPartition(c);
        } else if (command instanceof CancelReassignment c) {
            return cancelReassignment(c);
        } else if (command instanceof BeginReassignment c) {
            return beginReassignment(c);
        } else if (command instanceof CompleteReassignment c) {
            return completeReassignment(c);
        } else if (command instanceof DrainInstance c) {
            return drainInstance(c);
        } else if (command instanceof UndrainInstance c) {
            InstanceMetadata instance = instances.get(c.id());
            if (instance == null) {
                return unchanged(Code.INSTANCE_NOT_FOUND, "no instance '" + c.id() + "' in the cluster");
            }
            return changed(instance.draining() ? withInstance(instance.withDraining(false)) : this);
        } else if (command instanceof InitializeCluster c) {
            return changed(membership.clusterId() != null ? this : withMembership(membership.withClusterId(c.clusterId())));
        } else if (command instanceof RemoveInstance c) {
            return removeInstance(c);
        } else if (command instanceof AdmitInstance c) {
            return changed(membership.isRemoved(c.id()) ? withMembership(membership.withoutRemoved(c.id())) : this);
        }
        throw new IllegalArgumentException("unknown command " + command);
    }

    private Applied createTopic(CreateTopic c) {
        if (topics.containsKey(c.name())) {
            return unchanged(Code.TOPIC_ALREADY_EXISTS, "topic '" + c.name() + "' already exists");
        }
        if (c.partitions() < 1 || c.partitions() > MAX_PARTITIONS) {
            return unchanged(Code.INVALID_PARTITIONS, "partitions must be from 1 to " + MAX_PARTITIONS + ", got " + c.partitions());
        }
        Optional<Applied> badFactor = checkReplicationFactor(c.replicationFactor());
        if (badFactor.isPresent()) {
            return badFactor.get();
        }
        List<PartitionMetadata> partitions = place(c.name(), 0, c.partitions(), c.replicationFactor());
        TopicMetadata topic = new TopicMetadata(c.name(), c.replicationFactor(), c.configs(), c.createdAtMs(), partitions);
        return changed(withTopic(topic));
    }

    private Applied updateTopic(UpdateTopic c) {
        TopicMetadata old = topics.get(c.name());
        if (old == null) {
            return topicNotFound(c.name());
        }
        int count = c.partitions() == null ? old.partitionCount() : c.partitions();
        if (count < old.partitionCount()) {
            return unchanged(Code.INVALID_PARTITIONS, "partitions can only grow: topic '" + c.name() + "' has "
                    + old.partitionCount() + ", asked for " + count);
        }
        if (count > MAX_PARTITIONS) {
            return unchanged(Code.INVALID_PARTITIONS, "partitions must be at most " + MAX_PARTITIONS + ", got " + count);
        }
        List<PartitionMetadata> partitions = new ArrayList<>(old.partitions());
        if (count > old.partitionCount()) {
            Optional<Applied> badFactor = checkReplicationFactor(old.replicationFactor());
            if (badFactor.isPresent()) {
                return badFactor.get();
            }
            partitions.addAll(place(c.name(), old.partitionCount(), count, old.replicationFactor()));
        }
        TreeMap<String, String> configs = new TreeMap<>(old.configs());
        c.configChanges().forEach((key, value) -> {
            if (value == null) {
                configs.remove(key);
            } else {
                configs.put(key, value);
            }
        });
        return changed(withTopic(new TopicMetadata(c.name(), old.replicationFactor(), configs, old.createdAtMs(), partitions)));
    }

    private Applied deleteTopic(DeleteTopic c) {
        if (!topics.containsKey(c.name())) {
            return topicNotFound(c.name());
        }
        TreeMap<String, Map<String, Map<Integer, CommittedOffset>>> groups = new TreeMap<>(offsets);
        offsets.forEach((group, byTopic) -> {
            if (byTopic.containsKey(c.name())) {
                Map<String, Map<Integer, CommittedOffset>> rest = SortedMaps.without(byTopic, c.name());
                if (rest.isEmpty()) {
                    groups.remove(group);
                } else {
                    groups.put(group, rest);
                }
            }
        });
        return changed(new ClusterState(appliedIndex, SortedMaps.without(topics, c.name()), instances, SortedMaps.freeze(groups),
                security, membership, connectors));
    }

    private Applied markOffline(MarkInstanceOffline c) {
        InstanceMetadata instance = instances.get(c.id());
        if (instance == null) {
            return unchanged(Code.INSTANCE_NOT_FOUND, "instance '" + c.id() + "' has never heart-beaten");
        }
        if (instance.lastHeartbeatMs() != c.lastHeartbeatMs()) {
            return unchanged(Code.STALE_HEARTBEAT, "instance '" + c.id() + "' heart-beat again at " + instance.lastHeartbeatMs());
        }
        return changed(withInstance(new InstanceMetadata(instance.id(), instance.url(), instance.lastHeartbeatMs(), false,
                instance.incarnation(), instance.shuttingDown(), instance.draining())));
    }

    private Applied removeInstance(RemoveInstance c) {
        if (membership.isRemoved(c.id())) {
            return changed(this);
        }
        if (!instances.containsKey(c.id()) && !c.inQuorum()) {
            return unchanged(Code.INSTANCE_NOT_FOUND, "no instance '" + c.id() + "' in the cluster");
        }
        List<String> held = topics.values().stream().flatMap(t -> t.partitions().stream()
                .filter(p -> p.replicas().contains(c.id()) || p.targetReplicas().contains(c.id()))
                .map(p -> t.name() + "-" + p.partition())).limit(5).toList();
        if (!held.isEmpty()) {
            return unchanged(Code.INSTANCE_NOT_EMPTY, "instance '" + c.id() + "' still holds replicas or is a reassignment's target ("
                    + String.join(", ", held)
                    + (held.size() == 5 ? ", ..." : "") + "); drain it first");
        }
        return changed(new ClusterState(appliedIndex, topics, SortedMaps.without(instances, c.id()), offsets, security,
                membership.withRemoved(c.id()), connectors));
    }

    private ClusterState withMembership(ClusterMembership next) {
        return new ClusterState(appliedIndex, topics, instances, offsets, security, next, connectors);
    }

    private Applied heartbeat(InstanceHeartbeat c) {
        if (membership.isRemoved(c.id())) {
            return unchanged(Code.INSTANCE_REMOVED, "instance '" + c.id() + "' was removed from the cluster");
        }
        InstanceMetadata old = instances.get(c.id());
        boolean restarted = old != null && old.incarnation() != c.incarnation();
        boolean shuttingDown = old != null && !restarted && old.shuttingDown();
        boolean draining = old != null && old.draining();
        ClusterState next = withInstance(new InstanceMetadata(c.id(), c.url(), c.atMs(), true, c.incarnation(), shuttingDown, draining));
        if (!restarted) {
            return changed(next);
        }
        // Restarted: it may have lost its data. Out of every ISR; its partitions to an in-sync peer.
        return changed(new ClusterState(appliedIndex, Handover.away(next, c.id()), next.instances, offsets, security, membership,
                connectors));
    }

    private Applied drainInstance(DrainInstance c) {
        InstanceMetadata instance = instances.get(c.id());
        if (instance == null) {
            return unchanged(Code.INSTANCE_NOT_FOUND, "no instance '" + c.id() + "' in the cluster");
        }
        if (instance.draining()) {
            return changed(this);
        }
        ReplicaBalancer.Plan plan = ReplicaBalancer.drain(this, c.id());
        if (plan.isRefused()) {
            return unchanged(Code.CANNOT_DRAIN, plan.refusal());
        }
        return changed(withInstance(instance.withDraining(true)));
    }

    private Applied beginShutdown(BeginShutdown c) {
        InstanceMetadata instance = instances.get(c.id());
        if (instance == null) {
            return unchanged(Code.INSTANCE_NOT_FOUND, "instance '" + c.id() + "' has never heart-beaten");
        }
        if (instance.incarnation() != c.incarnation()) {
            return unchanged(Code.STALE_HEARTBEAT, "instance '" + c.id() + "' has restarted since it announced its shutdown");
        }
        ClusterState next = withInstance(new InstanceMetadata(instance.id(), instance.url(), instance.lastHeartbeatMs(),
                instance.online(), instance.incarnation(), true, instance.draining()));
        return changed(new ClusterState(appliedIndex, Handover.away(next, c.id()), next.instances, offsets, security, membership,
                connectors));
    }

    private Applied setPartitionState(SetPartitionState c) {
        TopicMetadata topic = topics.get(c.topic());
        if (topic == null) {
            return topicNotFound(c.topic());
        }
        if (c.partition() < 0 || c.partition() >= topic.partitionCount()) {
            return unchanged(Code.PARTITION_NOT_FOUND, "topic '" + c.topic() + "' has no partition " + c.partition());
        }
        PartitionMetadata old = topic.partitions().get(c.partition());
        String where = c.topic() + "-" + c.partition();
        if (c.leaderEpoch() < old.leaderEpoch() || (c.leaderEpoch() == old.leaderEpoch() && !c.leader().equals(old.leader()))) {
            return unchanged(Code.STALE_LEADER_EPOCH, where + " is at leader epoch " + old.leaderEpoch() + " led by "
                    + old.leader() + "; refused " + c.leader() + " at epoch " + c.leaderEpoch());
        }
        if (c.expectedPartitionEpoch() != null && c.expectedPartitionEpoch() != old.partitionEpoch()) {
            return unchanged(Code.STALE_PARTITION_EPOCH, where + " is at partition epoch " + old.partitionEpoch()
                    + " (ISR " + old.isr() + "); the change was computed at " + c.expectedPartitionEpoch());
        }
        if (c.isr().isEmpty() || new HashSet<>(c.isr()).size() != c.isr().size() || !old.replicas().containsAll(c.isr())
                || !c.isr().contains(c.leader())) {
            return unchanged(Code.INVALID_PARTITION_STATE, where + ": the ISR " + c.isr() + " must be distinct replicas of "
                    + old.replicas() + " and include the leader " + c.leader());
        }
        PartitionMetadata next = old.next(c.leader(), c.leaderEpoch(), c.isr());
        return changed(withTopic(topic.withPartition(next)));
    }

    private Applied reassignPartition(ReassignPartition c) {
        Optional<Applied> missing = checkPartition(c.topic(), c.partition());
        if (missing.isPresent()) {
            return missing.get();
        }
        TopicMetadata topic = topics.get(c.topic());
        PartitionMetadata old = topic.partitions().get(c.partition());
        String where = c.topic() + "-" + c.partition();
        List<String> target = c.targetReplicas();
        if (target.isEmpty() || new HashSet<>(target).size() != target.size()) {
            return unchanged(Code.INVALID_REPLICA_ASSIGNMENT, where + ": the replicas must be distinct instances, at least one;"
                    + " got " + target);
        }
        List<String> unknown = target.stream().filter(id -> !instances.containsKey(id)).toList();
        if (!unknown.isEmpty()) {
            return unchanged(Code.INVALID_REPLICA_ASSIGNMENT, where + ": no instance " + unknown + " in the cluster (instances: "
                    + instances.keySet() + ")");
        }
        if (old.reassigning()) {
            return unchanged(Code.REASSIGNMENT_IN_PROGRESS, where + " is already being reassigned to " + old.targetReplicas()
                    + "; cancel that first");
        }
        if (target.equals(old.replicas())) {
            return changed(this);
        }
        if (new HashSet<>(target).equals(new HashSet<>(old.replicas()))) {
            // Only the order changes: nothing to copy, nothing to drop.
            return changed(withTopic(topic.withPartition(old.next(target, old.leader(), old.leaderEpoch(), old.isr(), List.of(),
                    List.of(), List.of()))));
        }
        return changed(withTopic(topic.withPartition(old.next(old.replicas(), old.leader(), old.leaderEpoch(), old.isr(), target,
                List.of(), List.of()))));
    }

    private Applied cancelReassignment(CancelReassignment c) {
        Optional<Applied> missing = checkPartition(c.topic(), c.partition());
        if (missing.isPresent()) {
            return missing.get();
        }
        TopicMetadata topic = topics.get(c.topic());
        PartitionMetadata old = topic.partitions().get(c.partition());
        String where = c.topic() + "-" + c.partition();
        if (!old.reassigning()) {
            return unchanged(Code.NO_REASSIGNMENT_IN_PROGRESS, where + " has no reassignment in progress");
        }
        List<String> original = old.originalReplicas();
        List<String> isr = old.isr().stream().filter(original::contains).toList();
        if (isr.isEmpty()) {
            return unchanged(Code.REASSIGNMENT_IN_PROGRESS, where + ": none of the original replicas " + original
                    + " is in sync (ISR " + old.isr() + "), so the reassignment can only complete");
        }
        String leader = old.leader();
        int leaderEpoch = old.leaderEpoch();
        if (!original.contains(leader)) {
            leader = original.stream().filter(r -> isr.contains(r) && instance(r).map(InstanceMetadata::canLead).orElse(false))
                    .findFirst().orElse(original.stream().filter(isr::contains).findFirst().orElseThrow());
            leaderEpoch++;
        }
        return changed(withTopic(topic.withPartition(old.next(original, leader, leaderEpoch, isr, List.of(), List.of(),
                List.of()))));
    }

    private Applied beginReassignment(BeginReassignment c) {
        Optional<Applied> refused = checkStep(c.topic(), c.partition(), c.expectedPartitionEpoch());
        if (refused.isPresent()) {
            return refused.get();
        }
        TopicMetadata topic = topics.get(c.topic());
        PartitionMetadata old = topic.partitions().get(c.partition());
        String where = c.topic() + "-" + c.partition();
        if (!old.reassigning() || old.reassignmentStarted()) {
            return unchanged(Code.NO_REASSIGNMENT_IN_PROGRESS, where + " has no queued reassignment");
        }
        List<String> adding = old.targetReplicas().stream().filter(r -> !old.replicas().contains(r)).toList();
        List<String> removing = old.replicas().stream().filter(r -> !old.targetReplicas().contains(r)).toList();
        List<String> replicas = new ArrayList<>(old.replicas());
        replicas.addAll(adding);
        return changed(withTopic(topic.withPartition(old.next(replicas, old.leader(), old.leaderEpoch(), old.isr(),
                old.targetReplicas(), adding, removing))));
    }

    private Applied completeReassignment(CompleteReassignment c) {
        Optional<Applied> refused = checkStep(c.topic(), c.partition(), c.expectedPartitionEpoch());
        if (refused.isPresent()) {
            return refused.get();
        }
        TopicMetadata topic = topics.get(c.topic());
        PartitionMetadata old = topic.partitions().get(c.partition());
        String where = c.topic() + "-" + c.partition();
        if (!old.reassignmentStarted()) {
            return unchanged(Code.NO_REASSIGNMENT_IN_PROGRESS, where + " has no started reassignment");
        }
        if (!old.isr().containsAll(old.targetReplicas()) || !old.targetReplicas().contains(old.leader())) {
            return unchanged(Code.INVALID_PARTITION_STATE, where + ": the target " + old.targetReplicas()
                    + " must all be in the ISR " + old.isr() + " and hold the leader " + old.leader());
        }
        List<String> isr = old.isr().stream().filter(old.targetReplicas()::contains).toList();
        return changed(withTopic(topic.withPartition(old.next(old.targetReplicas(), old.leader(), old.leaderEpoch(), isr,
                List.of(), List.of(), List.of()))));
    }

    private Applied stalePartitionEpoch(String where, PartitionMetadata old, int expected) {
        return unchanged(Code.STALE_PARTITION_EPOCH, where + " is at partition epoch " + old.partitionEpoch()
                + " (replicas " + old.replicas() + ", ISR " + old.isr() + "); the change was computed at " + expected);
    }

    /**
     * Why a controller step planned at partition epoch {@code expected} does not apply: the partition is gone
     * ({@link #checkPartition}) or has changed since ({@code STALE_PARTITION_EPOCH}); empty when it applies.
     */
    private Optional<Applied> checkStep(String topicName, int partition, int expected) {
        Optional<Applied> missing = checkPartition(topicName, partition);
        if (missing.isPresent()) {
            return missing;
        }
        PartitionMetadata old = topics.get(topicName).partitions().get(partition);
        return old.partitionEpoch() == expected ? Optional.empty()
                : Optional.of(stalePartitionEpoch(topicName + "-" + partition, old, expected));
    }

    /** {@code TOPIC_NOT_FOUND} or {@code PARTITION_NOT_FOUND}, or empty when the partition exists. */
    private Optional<Applied> checkPartition(String topicName, int partition) {
        TopicMetadata topic = topics.get(topicName);
        if (topic == null) {
            return Optional.of(topicNotFound(topicName));
        }
        if (partition < 0 || partition >= topic.partitionCount()) {
            return Optional.of(unchanged(Code.PARTITION_NOT_FOUND, "topic '" + topicName + "' has no partition " + partition));
        }
        return Optional.empty();
    }

    private Applied commitOffsets(CommitOffsets c) {
        Map<String, Map<Integer, CommittedOffset>> byTopic = new TreeMap<>(committed(c.group()));
        Map<String, TreeMap<Integer, CommittedOffset>> touched = new TreeMap<>();
        for (OffsetCommit o : c.offsets()) {
            TopicMetadata topic = topics.get(o.topic());
            if (topic == null) {
                return topicNotFound(o.topic());
            }
            if (o.partition() < 0 || o.partition() >= topic.partitionCount()) {
                return unchanged(Code.PARTITION_NOT_FOUND, "topic '" + o.topic() + "' has no partition " + o.partition());
            }
            touched.computeIfAbsent(o.topic(), t -> new TreeMap<>(byTopic.getOrDefault(t, Map.of())))
                    .put(o.partition(), new CommittedOffset(o.offset(), o.metadata()));
        }
        if (touched.isEmpty()) {
            return changed(this);
        }
        touched.forEach((topic, byPartition) -> byTopic.put(topic, SortedMaps.freeze(byPartition)));
        return changed(new ClusterState(appliedIndex, topics, instances, SortedMaps.with(offsets, c.group(), SortedMaps.freeze(byTopic)),
                security, membership, connectors));
    }

    private Applied createApiKey(CreateApiKey c) {
        if (security.apiKeys().containsKey(c.id())) {
            return unchanged(Code.INVALID_REQUEST, "an API key with id '" + c.id() + "' exists");
        }
        if (c.description().length() > SecurityState.MAX_DESCRIPTION_LENGTH) {
            return unchanged(Code.INVALID_REQUEST, "a description has at most " + SecurityState.MAX_DESCRIPTION_LENGTH
                    + " characters, got " + c.description().length());
        }
        if (SecurityState.tooLong(c.id(), c.principal(), c.sha256())) {
            return unchanged(Code.INVALID_REQUEST, "an API key's id, principal and hash have at most "
                    + SecurityState.MAX_TEXT_LENGTH + " characters");
        }
        if (security.apiKeys().size() >= SecurityState.MAX_API_KEYS) {
            return unchanged(Code.LIMIT_EXCEEDED, "the cluster already has " + security.apiKeys().size()
                    + " API keys, the most it keeps; delete unused ones first");
        }
        return changed(withSecurity(security.withApiKey(new ApiKeyMetadata(c.id(), c.principal(), c.description(), c.createdAtMs(),
                c.sha256()))));
    }

    private Applied createAcl(AclMetadata acl) {
        if (security.acls().contains(acl)) {
            return changed(this);
        }
        if (SecurityState.tooLong(acl.principal(), acl.resourceType(), acl.resourceName(), acl.patternType(), acl.operation(),
                acl.permission(), acl.host())) {
            return unchanged(Code.INVALID_REQUEST, "an ACL's members have at most " + SecurityState.MAX_TEXT_LENGTH + " characters");
        }
        if (security.acls().size() >= SecurityState.MAX_ACLS) {
            return unchanged(Code.LIMIT_EXCEEDED, "the cluster already has " + security.acls().size()
                    + " ACLs, the most it keeps; delete unused ones first (a PREFIXED ACL covers many resources)");
        }
        return changed(withSecurity(security.withAcl(acl)));
    }

    private Applied deleteAcls(DeleteAcls c) {
        SecurityState.AclFilter filter = c.toFilter();
        List<AclMetadata> kept = security.acls().stream().filter(acl -> !filter.matches(acl)).toList();
        return changed(kept.size() == security.acls().size() ? this : withSecurity(security.withAcls(kept)));
    }

    private ClusterState withSecurity(SecurityState next) {
        return new ClusterState(appliedIndex, topics, instances, offsets, next, membership, connectors);
    }

    private Optional<Applied> checkReplicationFactor(int replicationFactor) {
        int live = liveInstances().size();
        if (replicationFactor < 1 || replicationFactor > live) {
            return Optional.of(unchanged(Code.INVALID_REPLICATION_FACTOR, "replication factor must be from 1 to the "
                    + live + " live instances, got " + replicationFactor));
        }
        return Optional.empty();
    }

    private List<PartitionMetadata> place(String topic, int from, int to, int replicationFactor) {
        List<List<String>> replicas = ReplicaPlacement.assign(topic, liveInstances(), from, to, replicationFactor);
        List<PartitionMetadata> partitions = new ArrayList<>(replicas.size());
        for (int i = 0; i < replicas.size(); i++) {
            partitions.add(PartitionMetadata.created(from + i, replicas.get(i)));
        }
        return partitions;
    }

    private ClusterState withTopic(TopicMetadata topic) {
        return new ClusterState(appliedIndex, SortedMaps.with(topics, topic.name(), topic), instances, offsets, security, membership, connectors);
    }

    private ClusterState withInstance(InstanceMetadata instance) {
        return new ClusterState(appliedIndex, topics, SortedMaps.with(instances, instance.id(), instance), offsets, security, membership, connectors);
    }

    private Applied topicNotFound(String name) {
        return unchanged(Code.TOPIC_NOT_FOUND, "topic '" + name + "' does not exist");
    }

    private Applied unchanged(Code code, String message) {
        return new Applied(this, ApplyResult.failure(code, message));
    }

    private static Applied changed(ClusterState next) {
        return new Applied(next, ApplyResult.OK);
    }
}
