package io.runnel.security;

/** Whether an ACL grants or forbids its operation; a matching {@link #DENY} wins over any {@link #ALLOW}. */
public enum Permission {
    ALLOW,
    DENY
}
