package io.runnel.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * What one call needs before it runs: all of its {@link Requirement}s, each met by any one of its
 * accesses. {@link #forCall} builds it from the contract's table ({@link ApiCall}):
 * <ul>
 *   <li>most calls: the call's operation on its own resource;</li>
 *   <li>{@link ApiCall#CREATE_TOPIC}: {@code CREATE} on the topic or {@code CREATE} on the cluster
 *       (a refusal names the topic, as Kafka's {@code TOPIC_AUTHORIZATION_FAILED} does);</li>
 *   <li>member calls ({@link ApiCall#readsTopicsAsMember()}): {@code READ} on the group and {@code READ} on
 *       each topic;</li>
 *   <li>lists ({@link ApiCall#isList()}): nothing; their answer is filtered with
 *       {@link AclAuthorizer#authorizedNames};</li>
 *   <li>cluster calls: the operation on {@value ResourceType#CLUSTER_NAME}.</li>
 * </ul>
 * An immutable value.
 */
public record RequiredAccess(List<Requirement> allOf) {

    public RequiredAccess {
        allOf = List.copyOf(allOf);
    }

    /** Met by any one of {@code anyOf}; a refusal reports the first, the most specific. */
    public record Requirement(List<Access> anyOf) {
        public Requirement {
            anyOf = List.copyOf(anyOf);
            if (anyOf.isEmpty()) {
                throw new IllegalArgumentException("a requirement needs at least one access");
            }
        }

        public Access reported() {
            return anyOf.get(0);
        }
    }

    /** What {@code call} on the cluster, or a list call, needs. */
    public static RequiredAccess forCall(ApiCall call) {
        return forCall(call, call.resourceType() == ResourceType.CLUSTER ? ResourceType.CLUSTER_NAME : null, List.of());
    }

    /** What {@code call} on the topic or group {@code resourceName} needs (member calls: see the three-argument form). */
    public static RequiredAccess forCall(ApiCall call, String resourceName) {
        return forCall(call, resourceName, List.of());
    }

    /**
     * What {@code call} on {@code resourceName} needs; {@code topics} are the topics a member call touches
     * (subscribed, assigned or committed) and must be empty for other calls.
     */
    public static RequiredAccess forCall(ApiCall call, String resourceName, Collection<String> topics) {
        if (!call.readsTopicsAsMember() && !topics.isEmpty()) {
            throw new IllegalArgumentException(call + " touches no topics as a group member");
        }
        if (call.isList()) {
            return new RequiredAccess(List.of());
        }
        Objects.requireNonNull(resourceName, "resourceName");
        Access own = new Access(call.operation(), call.resourceType(), resourceName);
        List<Requirement> requirements = new ArrayList<>();
        requirements.add(call == ApiCall.CREATE_TOPIC
                ? new Requirement(List.of(own, Access.cluster(Operation.CREATE)))
                : new Requirement(List.of(own)));
        topics.stream().distinct().forEach(topic -> requirements.add(new Requirement(List.of(Access.topic(Operation.READ, topic)))));
        return new RequiredAccess(requirements);
    }

    /** Both this and {@code other}, e.g. a {@code PATCH} that grows partitions and changes configs. */
    public RequiredAccess and(RequiredAccess other) {
        List<Requirement> both = new ArrayList<>(allOf);
        both.addAll(other.allOf);
        return new RequiredAccess(both);
    }
}
