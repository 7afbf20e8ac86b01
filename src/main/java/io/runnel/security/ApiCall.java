package io.runnel.security;

import static io.runnel.security.Operation.ALTER;
import static io.runnel.security.Operation.ALTER_CONFIGS;
import static io.runnel.security.Operation.CREATE;
import static io.runnel.security.Operation.DELETE;
import static io.runnel.security.Operation.DESCRIBE;
import static io.runnel.security.Operation.READ;
import static io.runnel.security.Operation.WRITE;
import static io.runnel.security.ResourceType.CLUSTER;
import static io.runnel.security.ResourceType.GROUP;
import static io.runnel.security.ResourceType.TOPIC;

/**
 * The contract's table "What each call needs" (API.md, Security) as data: each public call, the operation
 * it checks and on which type of resource. {@link RequiredAccess#forCall} turns a call and its resource
 * into what the authorizer checks; the special rows are described there (create topic: on the topic or on
 * the cluster; member calls: also {@code READ} on each topic; lists: filtered, not refused).
 * {@code GET /whoami} needs only a principal and is not in the table; {@code /internal/**} is guarded by
 * the cluster secret, not by ACLs.
 */
public enum ApiCall {
    /** {@code POST /topics/{topic}/records}, {@code POST /topics/{topic}/partitions/{p}/records}. */
    PRODUCE(WRITE, TOPIC),
    /** {@code GET /topics/{topic}/partitions/{p}/records} (JSON, long poll included). */
    FETCH(READ, TOPIC),
    /** {@code GET /topics/{topic}/partitions/{p}/records} as {@code text/event-stream}, {@code …/stream}. */
    STREAM(READ, TOPIC),
    /** {@code GET /topics/{topic}/partitions/{p}/offsets}. */
    LOOKUP_OFFSETS(READ, TOPIC),
    /** {@code POST /topics}: {@code CREATE} on the cluster or on the topic. */
    CREATE_TOPIC(CREATE, TOPIC),
    /** {@code DELETE /topics/{topic}}. */
    DELETE_TOPIC(DELETE, TOPIC),
    /** {@code PATCH /topics/{topic}} with {@code partitions}. */
    ADD_PARTITIONS(ALTER, TOPIC),
    /** {@code PATCH /topics/{topic}} with {@code configs}. */
    ALTER_TOPIC_CONFIGS(ALTER_CONFIGS, TOPIC),
    /** {@code GET /topics/{topic}}, {@code GET /topics/{topic}/partitions}, {@code GET /topics/{topic}/partitions/{p}}. */
    DESCRIBE_TOPIC(DESCRIBE, TOPIC),
    /** {@code GET /topics}: lists the topics the caller may describe. */
    LIST_TOPICS(DESCRIBE, TOPIC),
    /** {@code POST /groups/{group}/members}: also {@code READ} on each subscribed topic. */
    JOIN_GROUP(READ, GROUP),
    /** {@code GET /groups/{group}/members/{member}/records}: also {@code READ} on each assigned topic. */
    READ_AS_MEMBER(READ, GROUP),
    /** {@code POST /groups/{group}/members/{member}/heartbeat}: also {@code READ} on each subscribed topic. */
    HEARTBEAT(READ, GROUP),
    /** {@code PUT /groups/{group}/offsets}: also {@code READ} on each topic committed. */
    COMMIT_OFFSETS(READ, GROUP),
    /** {@code DELETE /groups/{group}/members/{member}}: {@code READ} on the group only (Kafka's LeaveGroup). */
    LEAVE_GROUP(READ, GROUP),
    /** {@code GET /groups/{group}}. */
    DESCRIBE_GROUP(DESCRIBE, GROUP),
    /** {@code GET /groups}: lists the groups the caller may describe. */
    LIST_GROUPS(DESCRIBE, GROUP),
    /** {@code POST /groups/{group}/offsets/reset}. */
    RESET_GROUP_OFFSETS(DELETE, GROUP),
    /** {@code DELETE /groups/{group}}. */
    DELETE_GROUP(DELETE, GROUP),
    /** {@code GET /cluster}. */
    DESCRIBE_CLUSTER(DESCRIBE, CLUSTER),
    /**
     * {@code PUT /topics/{topic}/partitions/{p}/replicas}, {@code DELETE /topics/{topic}/partitions/{p}/replicas/reassignment}
     * (Kafka's AlterPartitionReassignments).
     */
    ALTER_PARTITION_REASSIGNMENTS(ALTER, CLUSTER),
    /** {@code GET /reassignments} (Kafka's ListPartitionReassignments). */
    DESCRIBE_PARTITION_REASSIGNMENTS(DESCRIBE, CLUSTER),
    /** {@code DELETE /cluster/instances/{id}}. */
    REMOVE_INSTANCE(ALTER, CLUSTER),
    /** {@code GET /actuator/prometheus}, unless {@code runnel.security.open-metrics=true}. */
    SCRAPE_METRICS(DESCRIBE, CLUSTER),
    /** {@code POST /api-keys}, {@code GET /api-keys}, {@code DELETE /api-keys/{id}}. */
    MANAGE_API_KEYS(ALTER, CLUSTER),
    /** {@code POST /acls}, {@code GET /acls}, {@code DELETE /acls}. */
    MANAGE_ACLS(ALTER, CLUSTER),
    /** {@code POST /cluster/instances/{id}/drain}, {@code DELETE /cluster/instances/{id}/drain}. */
    DRAIN_INSTANCE(ALTER, CLUSTER),
    /** {@code POST /cluster/rebalance}, dry run included. */
    REBALANCE_CLUSTER(ALTER, CLUSTER),
    /**
     * {@code PUT /connectors/{name}/config}, {@code PUT …/pause}, {@code PUT …/resume}, {@code POST …/restart},
     * {@code DELETE /connectors/{name}}; a connector then acts with its creator's rights.
     */
    MANAGE_CONNECTORS(ALTER, CLUSTER),
    /** {@code GET /connectors}, {@code GET /connectors/{name}}, {@code …/status}, {@code …/offsets}. */
    DESCRIBE_CONNECTORS(DESCRIBE, CLUSTER),
    /**
     * {@code PUT /streams/{name}}, {@code PUT …/pause}, {@code PUT …/resume}, {@code DELETE /streams/{name}}; a stream then
     * acts with its creator's rights.
     */
    MANAGE_STREAMS(ALTER, CLUSTER),
    /** {@code GET /streams}, {@code GET /streams/{name}}. */
    DESCRIBE_STREAMS(DESCRIBE, CLUSTER);

    private final Operation operation;
    private final ResourceType resourceType;

    ApiCall(Operation operation, ResourceType resourceType) {
        this.operation = operation;
        this.resourceType = resourceType;
    }

    /** The operation checked on the call's own resource (for a list: on each listed resource). */
    public Operation operation() {
        return operation;
    }

    public ResourceType resourceType() {
        return resourceType;
    }

    /** Whether the call also needs {@code READ} on each topic it touches as a group member. */
    public boolean readsTopicsAsMember() {
        return this == JOIN_GROUP || this == READ_AS_MEMBER || this == HEARTBEAT || this == COMMIT_OFFSETS;
    }

    /** Whether the call lists resources: never refused, its answer keeps only what the caller may {@link #operation}. */
    public boolean isList() {
        return this == LIST_TOPICS || this == LIST_GROUPS;
    }
}
