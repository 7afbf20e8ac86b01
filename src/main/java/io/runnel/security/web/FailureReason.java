package io.runnel.security.web;

import java.util.Locale;

/**
 * Why a request was not authenticated: the {@code reason} tag of {@code runnel_auth_failures_total} and the
 * word the log uses. Never says more than the kind of failure; the credential itself is never named.
 */
enum FailureReason {
    /** A call that needs a principal came without any credential. */
    MISSING,
    /** The {@code Authorization} header cannot be read: unknown scheme, broken Base64, no {@code id:key}. */
    MALFORMED,
    /**
     * An unknown key, a wrong key for its id, a JWT with a bad signature, an unknown signing key, the wrong issuer or
     * audience, or one not valid yet ({@code nbf}).
     */
    INVALID,
    /** A JWT past its expiry ({@code exp}), beyond the allowed clock skew. */
    EXPIRED,
    /** A valid credential that names no usable principal: a JWT without the principal claim, a certificate no rule maps. */
    UNMAPPED,
    /** The JWT could not be checked now: the identity provider's discovery document or key set is unreachable. */
    UNAVAILABLE;

    /** The tag value, e.g. {@code expired}. */
    String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
