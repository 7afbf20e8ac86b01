package io.runnel.security;

import io.runnel.error.ErrorCode;
import java.util.EnumSet;
import java.util.Set;

/**
 * The kinds of resource an ACL protects, with Kafka's names, the operations that mean something on each
 * (an ACL with any other operation is refused, as Kafka's {@code kafka-acls} does), and the problem code a
 * refusal on each is answered with. The cluster has one resource, named {@value #CLUSTER_NAME}.
 */
public enum ResourceType {
    TOPIC(EnumSet.allOf(Operation.class), ErrorCode.TOPIC_AUTHORIZATION_FAILED),
    GROUP(EnumSet.of(Operation.READ, Operation.DESCRIBE, Operation.DELETE, Operation.ALL), ErrorCode.GROUP_AUTHORIZATION_FAILED),
    CLUSTER(EnumSet.of(Operation.CREATE, Operation.ALTER, Operation.DESCRIBE, Operation.ALTER_CONFIGS, Operation.DESCRIBE_CONFIGS,
            Operation.ALL), ErrorCode.CLUSTER_AUTHORIZATION_FAILED);

    /** The name of the cluster's one resource (Kafka's {@code kafka-cluster}). */
    public static final String CLUSTER_NAME = "runnel-cluster";

    private final Set<Operation> operations;
    private final ErrorCode refusal;

    ResourceType(Set<Operation> operations, ErrorCode refusal) {
        this.operations = operations;
        this.refusal = refusal;
    }

    /** Whether an ACL for {@code operation} on a resource of this type can ever take effect. */
    public boolean supports(Operation operation) {
        return operations.contains(operation);
    }

    /** The {@code 403} code a refused call on a resource of this type is answered with. */
    public ErrorCode refusal() {
        return refusal;
    }
}
