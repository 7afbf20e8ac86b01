package io.runnel.security.web;

import io.runnel.security.KafkaPrincipal;

/**
 * Who made a request, as authentication found it: the principal the ACLs are checked for, and the
 * credential that proved it ({@code api-key:<id>}, {@code bootstrap-key}, {@code jwt}, {@code certificate}),
 * which names what a revocation must end. Put on the request as the attribute {@link #ATTRIBUTE} by
 * {@link AuthenticationFilter}; controllers declare a {@code Caller} parameter to receive it
 * ({@link CallerWebConfig}). With security off every request is {@link #ANONYMOUS}. An immutable value.
 *
 * @param credential the kind of credential and, for an API key, its public id; never a secret
 */
public record Caller(KafkaPrincipal principal, String credential) {
    /** The request attribute holding the caller. */
    public static final String ATTRIBUTE = Caller.class.getName();
    /** Kafka's name for whoever calls when there is no authentication. */
    public static final Caller ANONYMOUS = new Caller(KafkaPrincipal.user("ANONYMOUS"), "none");
    public static final String BOOTSTRAP_KEY = "bootstrap-key";

    /** The caller authenticated by the API key with public id {@code id}. */
    public static Caller ofApiKey(KafkaPrincipal principal, String id) {
        return new Caller(principal, "api-key:" + id);
    }

    /** The public id of the API key this caller used, if it used one. */
    public java.util.Optional<String> apiKeyId() {
        return credential.startsWith("api-key:") ? java.util.Optional.of(credential.substring("api-key:".length()))
                : java.util.Optional.empty();
    }
}
