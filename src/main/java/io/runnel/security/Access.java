package io.runnel.security;

import io.runnel.error.RunnelException;

/**
 * One permission a call checks: {@code operation} on the resource {@code resourceType}/{@code resourceName}
 * (a concrete resource, never a pattern). An immutable value.
 */
public record Access(Operation operation, ResourceType resourceType, String resourceName) {

    public static Access topic(Operation operation, String topic) {
        return new Access(operation, ResourceType.TOPIC, topic);
    }

    public static Access group(Operation operation, String group) {
        return new Access(operation, ResourceType.GROUP, group);
    }

    public static Access cluster(Operation operation) {
        return new Access(operation, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME);
    }

    /**
     * The {@code 403} problem refusing this access: {@code TOPIC_}, {@code GROUP_} or
     * {@code CLUSTER_AUTHORIZATION_FAILED}, naming the resource and the operation.
     */
    public RunnelException refusal() {
        String what = resourceType == ResourceType.CLUSTER ? "the cluster"
                : resourceType.name().toLowerCase() + " '" + resourceName + "'";
        RunnelException e = new RunnelException(resourceType.refusal(), "not authorized to " + operation + " " + what)
                .with("resourceType", resourceType.name()).with("resourceName", resourceName).with("operation", operation.name());
        return switch (resourceType) {
            case TOPIC -> e.with("topic", resourceName);
            case GROUP -> e.with("group", resourceName);
            case CLUSTER -> e;
        };
    }
}
