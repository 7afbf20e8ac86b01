package io.runnel.security.web;

import java.util.Objects;

/**
 * What checking one credential found: the {@link Caller} it proves, or why it proves nothing. Exactly one of
 * {@code caller} and {@code reason} is set. {@code detail} is the text of the {@code 401} problem; it never
 * contains the credential. An immutable value.
 */
record Verdict(Caller caller, FailureReason reason, String detail) {
    Verdict {
        if ((caller == null) == (reason == null)) {
            throw new IllegalArgumentException("a verdict is either a caller or a refusal");
        }
    }

    static Verdict of(Caller caller) {
        return new Verdict(Objects.requireNonNull(caller), null, null);
    }

    static Verdict refused(FailureReason reason, String detail) {
        return new Verdict(null, Objects.requireNonNull(reason), detail);
    }

    boolean authenticated() {
        return caller != null;
    }
}
