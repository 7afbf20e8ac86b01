package io.runnel.security;

/**
 * How an ACL's resource name matches resource names, as in Kafka: {@link #LITERAL} the name itself (the
 * literal name {@code *} every resource of the type), {@link #PREFIXED} every name that starts with it.
 */
public enum PatternType {
    LITERAL,
    PREFIXED;

    /** Whether a pattern of this type named {@code pattern} matches the resource {@code resourceName}. */
    public boolean matches(String pattern, String resourceName) {
        return switch (this) {
            case LITERAL -> pattern.equals(AclBinding.WILDCARD_NAME) || pattern.equals(resourceName);
            case PREFIXED -> resourceName.startsWith(pattern);
        };
    }
}
