package io.runnel.security;

/**
 * How an ACL's resource name matches resource names, as in Kafka: {@link #LITERAL} the name itself (the
 * literal name {@code *} every resource of the type), {@link #PREFIXED} every name that starts with it.
 * {@link AclIndex} is where they are matched.
 */
public enum PatternType {
    LITERAL,
    PREFIXED
}
