package io.runnel.cluster;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A change to the cluster metadata, proposed by any instance and applied by every instance in
 * Raft log order through {@link ClusterState#apply}. Commands travel as JSON with a {@code type}
 * member naming the record ({@code {"type":"DeleteTopic","name":"orders"}}); see
 * {@link MetadataJson}.
 *
 * <p>A command carries everything its effect depends on that is not already in the state:
 * timestamps are the proposer's clock, never the applier's, so every replica computes the same
 * state. Checks that need only the command (a legal topic name, known config keys and values) are
 * the proposer's job (missing members are refused when the JSON is read, so such a command never
 * reaches the log); checks that need the state (the topic exists, enough live instances) happen
 * when applying and come back as an {@link ApplyResult} code.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = MetadataCommand.CreateTopic.class, name = "CreateTopic"),
        @JsonSubTypes.Type(value = MetadataCommand.UpdateTopic.class, name = "UpdateTopic"),
        @JsonSubTypes.Type(value = MetadataCommand.DeleteTopic.class, name = "DeleteTopic"),
        @JsonSubTypes.Type(value = MetadataCommand.InstanceHeartbeat.class, name = "InstanceHeartbeat"),
        @JsonSubTypes.Type(value = MetadataCommand.MarkInstanceOffline.class, name = "MarkInstanceOffline"),
        @JsonSubTypes.Type(value = MetadataCommand.SetPartitionState.class, name = "SetPartitionState"),
        @JsonSubTypes.Type(value = MetadataCommand.BeginShutdown.class, name = "BeginShutdown"),
        @JsonSubTypes.Type(value = MetadataCommand.CommitOffsets.class, name = "CommitOffsets"),
        @JsonSubTypes.Type(value = MetadataCommand.DeleteGroup.class, name = "DeleteGroup"),
        @JsonSubTypes.Type(value = MetadataCommand.CreateApiKey.class, name = "CreateApiKey"),
        @JsonSubTypes.Type(value = MetadataCommand.DeleteApiKey.class, name = "DeleteApiKey"),
        @JsonSubTypes.Type(value = MetadataCommand.CreateAcl.class, name = "CreateAcl"),
        @JsonSubTypes.Type(value = MetadataCommand.DeleteAcls.class, name = "DeleteAcls"),
        @JsonSubTypes.Type(value = MetadataCommand.ReassignPartition.class, name = "ReassignPartition"),
        @JsonSubTypes.Type(value = MetadataCommand.CancelReassignment.class, name = "CancelReassignment"),
        @JsonSubTypes.Type(value = MetadataCommand.BeginReassignment.class, name = "BeginReassignment"),
        @JsonSubTypes.Type(value = MetadataCommand.CompleteReassignment.class, name = "CompleteReassignment"),
        @JsonSubTypes.Type(value = MetadataCommand.DrainInstance.class, name = "DrainInstance"),
        @JsonSubTypes.Type(value = MetadataCommand.UndrainInstance.class, name = "UndrainInstance"),
        @JsonSubTypes.Type(value = MetadataCommand.InitializeCluster.class, name = "InitializeCluster"),
        @JsonSubTypes.Type(value = MetadataCommand.RemoveInstance.class, name = "RemoveInstance"),
        @JsonSubTypes.Type(value = MetadataCommand.AdmitInstance.class, name = "AdmitInstance"),
        @JsonSubTypes.Type(value = MetadataCommand.PutConnector.class, name = "PutConnector"),
        @JsonSubTypes.Type(value = MetadataCommand.SetConnectorTargetState.class, name = "SetConnectorTargetState"),
        @JsonSubTypes.Type(value = MetadataCommand.RestartConnector.class, name = "RestartConnector"),
        @JsonSubTypes.Type(value = MetadataCommand.DeleteConnector.class, name = "DeleteConnector"),
        @JsonSubTypes.Type(value = MetadataCommand.PlaceConnectorTask.class, name = "PlaceConnectorTask"),
        @JsonSubTypes.Type(value = MetadataCommand.FailConnectorTask.class, name = "FailConnectorTask"),
})
public sealed interface MetadataCommand {

    /**
     * Creates a topic, placing its replicas over the live instances ({@link ReplicaPlacement}).
     * Fails with {@code TOPIC_ALREADY_EXISTS}, {@code INVALID_PARTITIONS} (not from 1 to
     * {@link ClusterState#MAX_PARTITIONS}) or
     * {@code INVALID_REPLICATION_FACTOR} (below 1 or above the live instances).
     *
     * @param configs     validated config overrides (Kafka names, string values)
     * @param createdAtMs the proposer's clock
     */
    record CreateTopic(String name, int partitions, int replicationFactor, Map<String, String> configs, long createdAtMs)
            implements MetadataCommand {
        public CreateTopic {
            Objects.requireNonNull(name, "name");
            configs = configs == null ? Map.of() : Map.copyOf(configs);
        }
    }

    /**
     * Grows a topic's partitions and changes its configs. Fails with {@code TOPIC_NOT_FOUND},
     * {@code INVALID_PARTITIONS} (fewer than now, or above {@link ClusterState#MAX_PARTITIONS}) or {@code INVALID_REPLICATION_FACTOR} (new
     * partitions need more live instances than there are).
     *
     * @param partitions    the new count, or {@code null} to keep it
     * @param configChanges validated overrides to set; a {@code null} value resets the key to its default
     */
    record UpdateTopic(String name, Integer partitions, Map<String, String> configChanges) implements MetadataCommand {
        public UpdateTopic {
            Objects.requireNonNull(name, "name");
            configChanges = configChanges == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(configChanges));
        }
    }

    /** Deletes a topic and every group's committed offsets of it. Fails with {@code TOPIC_NOT_FOUND}. */
    record DeleteTopic(String name) implements MetadataCommand {
        public DeleteTopic {
            Objects.requireNonNull(name, "name");
        }
    }

    /**
     * An instance is alive: registers it, or brings it back online, with its URL.
     *
     * <p>A heartbeat with a new {@code incarnation} (the instance restarted) removes the instance
     * from every ISR it follows in, and moves the leadership of partitions it led to another online
     * in-sync replica where there is one: a restarted instance may have lost what it held (a new
     * disk), so it must catch up and be re-admitted before it can lead again.
     *
     * @param atMs        the instance's clock when it sent the heartbeat
     * @param incarnation chosen anew at each start of the instance's process
     */
    record InstanceHeartbeat(String id, String url, long atMs, long incarnation) implements MetadataCommand {
        public InstanceHeartbeat {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(url, "url");
        }

        /** A heartbeat of incarnation 0, for callers (and tests) that never restart. */
        public InstanceHeartbeat(String id, String url, long atMs) {
            this(id, url, atMs, 0);
        }
    }

    /**
     * The controller found an instance silent for a session timeout. Applies only if the instance
     * has not heart-beaten since the controller looked ({@code STALE_HEARTBEAT} otherwise), so a
     * heartbeat that overtakes the verdict wins. Fails with {@code INSTANCE_NOT_FOUND}.
     *
     * @param lastHeartbeatMs the instance's last heartbeat time the verdict is based on
     */
    record MarkInstanceOffline(String id, long lastHeartbeatMs) implements MetadataCommand {
        public MarkInstanceOffline {
            Objects.requireNonNull(id, "id");
        }
    }

    /**
     * Sets a partition's leader, leader epoch and in-sync replicas (leader moves, ISR shrink and
     * expand). The epoch may not go back ({@code STALE_LEADER_EPOCH}), and must go up when the
     * leader changes; the leader must be in the ISR and the ISR a non-empty subset of the replicas
     * ({@code INVALID_PARTITION_STATE}). With {@code expectedPartitionEpoch}, applies only if the
     * partition is still at that partition epoch ({@code STALE_PARTITION_EPOCH}): a change computed
     * from an older state must not undo a newer one (a restart that removed a replica, say), even
     * when the ISR happens to look the same again. Fails with {@code TOPIC_NOT_FOUND} or
     * {@code PARTITION_NOT_FOUND}.
     */
    record SetPartitionState(String topic, int partition, String leader, int leaderEpoch, List<String> isr,
                             Integer expectedPartitionEpoch) implements MetadataCommand {
        public SetPartitionState {
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(leader, "leader");
            isr = List.copyOf(isr);
        }

        /** A change whatever the current ISR is (tests, and tools that know better). */
        public SetPartitionState(String topic, int partition, String leader, int leaderEpoch, List<String> isr) {
            this(topic, partition, leader, leaderEpoch, isr, null);
        }
    }

    /**
     * An instance is stopping (Kafka's controlled shutdown): marks it {@code shuttingDown}, so no
     * leadership is given to it until it heart-beats with a new incarnation, and hands it off in the
     * same step. It leaves every ISR of two or more members (it will stop fetching; leaving now
     * spares its leaders' {@code acks=all} producers a wait of {@code replica-lag-time-max}), and
     * the leadership of each partition it leads moves, at the next leader epoch, to the first
     * replica of the remaining ISR that is online and not shutting down. A partition with no such
     * replica stays as it was, led here. Applies only to the incarnation named
     * ({@code STALE_HEARTBEAT} otherwise: the instance has restarted since); fails with
     * {@code INSTANCE_NOT_FOUND}.
     */
    record BeginShutdown(String id, long incarnation) implements MetadataCommand {
        public BeginShutdown {
            Objects.requireNonNull(id, "id");
        }
    }

    /**
     * Commits a group's offsets, all or none. Fails with {@code TOPIC_NOT_FOUND} or
     * {@code PARTITION_NOT_FOUND} if any names a partition that does not exist (any more).
     */
    record CommitOffsets(String group, List<OffsetCommit> offsets) implements MetadataCommand {
        public CommitOffsets {
            Objects.requireNonNull(group, "group");
            offsets = List.copyOf(offsets);
        }
    }

    /**
     * One committed position.
     *
     * @param offset   the next offset the group will read
     * @param metadata the client's note ({@code ""} when none)
     */
    record OffsetCommit(String topic, int partition, long offset, String metadata) {
        public OffsetCommit {
            Objects.requireNonNull(topic, "topic");
            metadata = metadata == null ? "" : metadata;
        }
    }

    /** Forgets every committed offset of a group; succeeds whether or not it had any. */
    record DeleteGroup(String group) implements MetadataCommand {
        public DeleteGroup {
            Objects.requireNonNull(group, "group");
        }
    }

    /**
     * Adds an API key. The proposer made the key, its id and its hash, and read its clock: applying needs
     * neither randomness nor time. Fails with {@code INVALID_REQUEST} (the id is taken, a description over
     * {@link SecurityState#MAX_DESCRIPTION_LENGTH} characters, another member too long) or
     * {@code LIMIT_EXCEEDED} (already {@link SecurityState#MAX_API_KEYS} keys).
     *
     * @param sha256      the SHA-256 of the key in hex; the key itself never enters the log
     * @param createdAtMs the proposer's clock
     */
    record CreateApiKey(String id, String principal, String description, long createdAtMs, String sha256)
            implements MetadataCommand {
        public CreateApiKey {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(principal, "principal");
            Objects.requireNonNull(sha256, "sha256");
            description = description == null ? "" : description;
        }
    }

    /** Deletes an API key. Fails with {@code NOT_FOUND} when there is none with this id. */
    record DeleteApiKey(String id) implements MetadataCommand {
        public DeleteApiKey {
            Objects.requireNonNull(id, "id");
        }
    }

    /**
     * Adds an ACL at the end of the list; adding one that is already there changes nothing and succeeds.
     * The proposer validated it against the authorization model. Fails with {@code LIMIT_EXCEEDED} (already
     * {@link SecurityState#MAX_ACLS} ACLs) or {@code INVALID_REQUEST} (a member too long).
     */
    record CreateAcl(AclMetadata acl) implements MetadataCommand {
        public CreateAcl {
            Objects.requireNonNull(acl, "acl");
        }
    }

    /**
     * Deletes every ACL the filter selects: each member that is not {@code null} must equal the ACL's
     * (all {@code null} selects every ACL). Succeeds whether or not any matched.
     */
    record DeleteAcls(String principal, String resourceType, String resourceName, String patternType, String operation,
                      String permission) implements MetadataCommand {
        SecurityState.AclFilter toFilter() {
            return new SecurityState.AclFilter(principal, resourceType, resourceName, patternType, operation, permission);
        }
    }

    /**
     * Requests that a partition move to {@code targetReplicas}, the first of them its preferred leader: sets the
     * partition's target, queued until the controller starts it (see {@link PartitionMetadata} for the steps).
     * A target that is the current replicas in another order is applied at once (no data moves; the leader
     * stays); the current replicas in the same order change nothing. Known instances that are offline are
     * accepted (they catch up when back). Fails with {@code TOPIC_NOT_FOUND}, {@code PARTITION_NOT_FOUND},
     * {@code INVALID_REPLICA_ASSIGNMENT} (an empty list, a duplicate, an instance that never heart-beat) or
     * {@code REASSIGNMENT_IN_PROGRESS} (the partition already has one, queued or started: cancel it first).
     */
    record ReassignPartition(String topic, int partition, List<String> targetReplicas) implements MetadataCommand {
        public ReassignPartition {
            Objects.requireNonNull(topic, "topic");
            targetReplicas = List.copyOf(targetReplicas);
        }
    }

    /**
     * Sets the cluster id ({@link ClusterMembership#clusterId()}) if the metadata has none; once set it
     * never changes, and this succeeds without effect.
     */
    record InitializeCluster(String clusterId) implements MetadataCommand {
        public InitializeCluster {
            Objects.requireNonNull(clusterId, "clusterId");
        }
    }

    /**
     * Cancels a partition's reassignment. A queued one is dropped; a started one reverts to the original
     * replicas: the adding replicas leave the replicas and the ISR, and if one of them leads, the leadership
     * moves, at the next leader epoch, to the first original replica in the ISR that can lead (any original
     * replica in the ISR if none can). Fails with {@code TOPIC_NOT_FOUND}, {@code PARTITION_NOT_FOUND},
     * {@code NO_REASSIGNMENT_IN_PROGRESS} (none, or it has completed) or {@code REASSIGNMENT_IN_PROGRESS} (no
     * original replica is in sync any more, so reverting would lose records: let it complete).
     */
    record CancelReassignment(String topic, int partition) implements MetadataCommand {
        public CancelReassignment {
            Objects.requireNonNull(topic, "topic");
        }
    }

    /**
     * The controller starts a queued reassignment (step (a) of {@link PartitionMetadata}'s): the replicas become
     * the original ones followed by the target's new ones (the adding replicas), whose instances then create
     * the partition and fetch it from the leader; the removing replicas are noted. Leader and ISR stay. Fails
     * with {@code STALE_PARTITION_EPOCH} (the partition changed since the controller looked),
     * {@code NO_REASSIGNMENT_IN_PROGRESS} (none queued: none at all, or already started), {@code TOPIC_NOT_FOUND}
     * or {@code PARTITION_NOT_FOUND}.
     */
    record BeginReassignment(String topic, int partition, int expectedPartitionEpoch) implements MetadataCommand {
        public BeginReassignment {
            Objects.requireNonNull(topic, "topic");
        }
    }

    /**
     * Marks an instance draining: it gets no new replica and no leadership, across restarts, and the controller
     * moves its leaderships and then its replicas away ({@link ReplicaBalancer#drain}). Draining one that already
     * drains changes nothing. Fails with {@code INSTANCE_NOT_FOUND} or {@code CANNOT_DRAIN} (fewer other
     * instances that can take replicas than the largest replication factor, or none).
     */
    record DrainInstance(String id) implements MetadataCommand {
        public DrainInstance {
            Objects.requireNonNull(id, "id");
        }
    }

    /**
     * Removes an instance from the cluster's metadata: it is forgotten and listed as removed, so its
     * heartbeats are refused ({@code INSTANCE_REMOVED}) until it is admitted again. Fails with
     * {@code INSTANCE_NOT_EMPTY} while any partition lists it as a replica, and with
     * {@code INSTANCE_NOT_FOUND} when it is neither known nor {@code inQuorum} (the proposer saw it in
     * the Raft configuration, where an instance that never heart-beat still is).
     */
    record RemoveInstance(String id, boolean inQuorum) implements MetadataCommand {
        public RemoveInstance {
            Objects.requireNonNull(id, "id");
        }
    }

    /**
     * The controller completes a started reassignment whose target replicas are all in sync and one of which
     * leads (step (d)): the replicas become the target and the ISR the target replicas it holds; the removed
     * replicas' instances then stop fetching and delete their copy. Fails with {@code STALE_PARTITION_EPOCH},
     * {@code NO_REASSIGNMENT_IN_PROGRESS} (none started), {@code INVALID_PARTITION_STATE} (a target replica is
     * not in the ISR, or the leader is not in the target), {@code TOPIC_NOT_FOUND} or {@code PARTITION_NOT_FOUND}.
     */
    record CompleteReassignment(String topic, int partition, int expectedPartitionEpoch) implements MetadataCommand {
        public CompleteReassignment {
            Objects.requireNonNull(topic, "topic");
        }
    }

    /**
     * Makes a draining instance eligible for replicas and leaderships again; reassignments already submitted
     * go on. Succeeds for an instance that is not draining. Fails with {@code INSTANCE_NOT_FOUND}.
     */
    record UndrainInstance(String id) implements MetadataCommand {
        public UndrainInstance {
            Objects.requireNonNull(id, "id");
        }
    }

    /** An instance joins (again): it is no longer listed as removed. Always succeeds. */
    record AdmitInstance(String id) implements MetadataCommand {
        public AdmitInstance {
            Objects.requireNonNull(id, "id");
        }
    }

    /** A command on connector definitions, applied by {@link ConnectorsState#apply}. */
    sealed interface ConnectorCommand extends MetadataCommand {
        /** The connector the command is about. */
        String name();
    }

    /**
     * Creates a connector ({@code RUNNING}, generation 1, {@code tasks} unplaced tasks, created by
     * {@code principal}) or changes one's config and task count: a change starts a new generation
     * (failures cleared, tasks restarted) and keeps the creator and the target state; the same config
     * and count change nothing. Fails with {@code INVALID_REQUEST} (a limit of {@link ConnectorsState}
     * passed) or {@code LIMIT_EXCEEDED} (too many connectors).
     */
    record PutConnector(String name, Map<String, String> config, String principal, int tasks) implements ConnectorCommand {
        public PutConnector {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(principal, "principal");
            config = config == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(config));
        }
    }

    /** Pauses ({@code PAUSED}) or resumes ({@code RUNNING}) a connector. Fails with {@code CONNECTOR_NOT_FOUND}. */
    record SetConnectorTargetState(String name, String state) implements ConnectorCommand {
        public SetConnectorTargetState {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(state, "state");
        }
    }

    /** Starts a new generation of a connector: its failures are cleared and its tasks started afresh. */
    record RestartConnector(String name) implements ConnectorCommand {
        public RestartConnector {
            Objects.requireNonNull(name, "name");
        }
    }

    /** Deletes a connector's definition; its tasks stop wherever they run. Fails with {@code CONNECTOR_NOT_FOUND}. */
    record DeleteConnector(String name) implements ConnectorCommand {
        public DeleteConnector {
            Objects.requireNonNull(name, "name");
        }
    }

    /**
     * The controller's placement of a task ({@link ConnectorPlanner}): moves it from {@code from} to
     * {@code to} (either {@code null}: unplaced). Applies only while the task is still on {@code from}
     * ({@code STALE_CONNECTOR_STATE} otherwise), so a plan made from an older state is not applied twice.
     */
    record PlaceConnectorTask(String name, int task, String from, String to) implements ConnectorCommand {
        public PlaceConnectorTask {
            Objects.requireNonNull(name, "name");
        }
    }

    /**
     * A task's failure, reported by the instance it ran on: recorded only while the connector is still at
     * {@code generation} and the task still placed on {@code instance} ({@code STALE_CONNECTOR_STATE}
     * otherwise: a restart or a move since makes the failure moot).
     *
     * @param trace the stack trace, secrets masked, at most {@link ConnectorsState#MAX_TRACE_LENGTH} characters
     * @param atMs  the reporting instance's clock
     */
    record FailConnectorTask(String name, int task, long generation, String instance, String trace, long atMs)
            implements ConnectorCommand {
        public FailConnectorTask {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(instance, "instance");
            Objects.requireNonNull(trace, "trace");
        }
    }
}
