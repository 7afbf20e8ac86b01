package io.runnel.security;

import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;

/**
 * Who a request acts as, in Kafka's spelling {@code User:<name>}: the authenticated identity of an API key,
 * a JWT claim or a client certificate, and the subject of an {@link AclBinding}.
 *
 * <p>Only the type {@code User} exists. The name is 1 to {@value #MAX_NAME_LENGTH} characters without
 * control characters and without surrounding whitespace; it may contain {@code :} (everything after the
 * first {@code :} of the text form is the name). The name {@code *} is the wildcard: in an ACL,
 * {@code User:*} matches every principal, as in Kafka; no credential ever authenticates as it.
 *
 * <p>An immutable value, safe to share between threads.
 */
public record KafkaPrincipal(String name) {
    public static final String TYPE = "User";
    public static final int MAX_NAME_LENGTH = 255;
    /** {@code User:*}: in an ACL, every principal. */
    public static final KafkaPrincipal WILDCARD = new KafkaPrincipal("*");

    public KafkaPrincipal {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            throw invalid(name, "a principal name must be 1 to " + MAX_NAME_LENGTH + " characters");
        }
        if (!name.strip().equals(name) || name.chars().anyMatch(Character::isISOControl)) {
            throw invalid(name, "a principal name must not have control characters or surrounding whitespace");
        }
    }

    /** The principal {@code User:<name>} of its text form; {@code 400 INVALID_REQUEST} for anything else. */
    public static KafkaPrincipal parse(String text) {
        if (text == null || !text.startsWith(TYPE + ":")) {
            throw invalid(text, "a principal is written 'User:<name>'");
        }
        return new KafkaPrincipal(text.substring(TYPE.length() + 1));
    }

    /** The principal named {@code name} (no type prefix), e.g. a JWT claim or a mapped certificate name. */
    public static KafkaPrincipal user(String name) {
        return new KafkaPrincipal(name);
    }

    public boolean isWildcard() {
        return equals(WILDCARD);
    }

    /** The text form, {@code User:<name>}. */
    @Override
    public String toString() {
        return TYPE + ":" + name;
    }

    private static RunnelException invalid(String text, String rule) {
        return new RunnelException(ErrorCode.INVALID_REQUEST, "invalid principal '" + text + "': " + rule)
                .with("principal", String.valueOf(text));
    }
}
