package io.runnel.security;

/**
 * What a call does to a resource, with Kafka's names and implications. An ALLOW ACL for an operation
 * also allows the operations it {@link #implies}: {@code READ}, {@code WRITE}, {@code DELETE} and
 * {@code ALTER} imply {@code DESCRIBE}; {@code ALTER_CONFIGS} implies {@code DESCRIBE_CONFIGS}; {@code ALL}
 * implies every operation. A DENY ACL forbids only its own operation ({@code ALL}: every operation), so
 * denying {@code READ} does not deny {@code DESCRIBE} — Kafka's rule too.
 */
public enum Operation {
    READ,
    WRITE,
    CREATE,
    DELETE,
    ALTER,
    DESCRIBE,
    ALTER_CONFIGS,
    DESCRIBE_CONFIGS,
    ALL;

    /** Whether an ALLOW ACL for this operation allows {@code requested}. */
    public boolean implies(Operation requested) {
        if (this == requested || this == ALL) {
            return true;
        }
        return switch (requested) {
            case DESCRIBE -> this == READ || this == WRITE || this == DELETE || this == ALTER;
            case DESCRIBE_CONFIGS -> this == ALTER_CONFIGS;
            default -> false;
        };
    }

    /** Whether a DENY ACL for this operation forbids {@code requested}. */
    public boolean denies(Operation requested) {
        return this == requested || this == ALL;
    }
}
