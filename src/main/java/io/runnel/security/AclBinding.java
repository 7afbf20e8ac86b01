package io.runnel.security;

import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;

/**
 * One ACL, Kafka's model: {@code principal} may ({@link Permission#ALLOW}) or may not
 * ({@link Permission#DENY}) do {@code operation} on the resources of {@code resourceType} that
 * {@code resourceName} matches under {@code patternType}, from {@code host}.
 *
 * <p>Validated on construction ({@code 400 INVALID_REQUEST} otherwise): every member present; a resource
 * name of 1 to {@value #MAX_NAME_LENGTH} characters without control characters; the cluster resource only
 * as the literal {@value ResourceType#CLUSTER_NAME}; no PREFIXED {@code *} (the literal {@code *} already
 * means every resource); an operation the resource type {@link ResourceType#supports supports}; host
 * {@code *} only (host-based ACLs are not supported; a missing host is {@code *}).
 *
 * <p>An immutable value: two equal bindings are the same ACL, so a set of them holds each ACL once.
 */
public record AclBinding(KafkaPrincipal principal, ResourceType resourceType, String resourceName, PatternType patternType,
        Operation operation, Permission permission, String host) {
    /** The literal resource name that matches every resource of its type, and the only host. */
    public static final String WILDCARD_NAME = "*";
    public static final String ANY_HOST = "*";
    public static final int MAX_NAME_LENGTH = 255;

    public AclBinding {
        host = host == null ? ANY_HOST : host;
        require(principal != null && resourceType != null && resourceName != null && patternType != null && operation != null
                && permission != null, "an ACL needs principal, resourceType, resourceName, patternType, operation and permission");
        require(!resourceName.isEmpty() && resourceName.length() <= MAX_NAME_LENGTH
                && resourceName.chars().noneMatch(Character::isISOControl),
                "resourceName must be 1 to " + MAX_NAME_LENGTH + " characters without control characters");
        require(resourceType != ResourceType.CLUSTER || resourceName.equals(ResourceType.CLUSTER_NAME) && patternType == PatternType.LITERAL,
                "the only CLUSTER resource is the LITERAL '" + ResourceType.CLUSTER_NAME + "'");
        require(!(patternType == PatternType.PREFIXED && resourceName.equals(WILDCARD_NAME)),
                "use the LITERAL name '*' for every resource of a type, not PREFIXED '*'");
        require(resourceType.supports(operation), resourceType + " resources do not support the operation " + operation);
        require(host.equals(ANY_HOST), "host must be '*': host-based ACLs are not supported");
    }

    /** An ACL from {@code host} {@code *}. */
    public AclBinding(KafkaPrincipal principal, ResourceType resourceType, String resourceName, PatternType patternType,
            Operation operation, Permission permission) {
        this(principal, resourceType, resourceName, patternType, operation, permission, ANY_HOST);
    }

    private static void require(boolean ok, String rule) {
        if (!ok) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "invalid ACL: " + rule);
        }
    }
}
