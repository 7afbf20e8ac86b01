package io.runnel.cluster;

import java.util.Objects;

/**
 * An ACL as the cluster metadata keeps it, with Kafka's names as plain strings ({@code "TOPIC"},
 * {@code "PREFIXED"}, {@code "READ"}, {@code "ALLOW"}), so this package needs nothing of the authorization
 * model; {@code io.runnel.security.store} converts, and its proposer validated it. Equal records are the
 * same ACL.
 */
public record AclMetadata(String principal, String resourceType, String resourceName, String patternType, String operation,
                          String permission, String host) {
    public AclMetadata {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(resourceType, "resourceType");
        Objects.requireNonNull(resourceName, "resourceName");
        Objects.requireNonNull(patternType, "patternType");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(permission, "permission");
        Objects.requireNonNull(host, "host");
    }
}
