package io.runnel.security.web;

import io.runnel.cluster.HttpForwarder;
import io.runnel.security.KafkaPrincipal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * How server-side tasks (connectors, streams) call this instance's public API as their creator: a random
 * token made when the process starts, known to this process only (never written, logged, sent to another
 * instance or shown). A request carrying {@value HttpForwarder#TASK_PRINCIPAL} (the principal,
 * percent-encoded) and {@value HttpForwarder#TASK_TOKEN} equal to the token (compared in constant time) is
 * authenticated as that principal with the credential {@value #CREDENTIAL}; with a wrong token it is
 * refused {@code 401}, like a wrong key. The forwarder drops both headers, so a call forwarded to another
 * instance carries the principal the way a client's does, under the cluster secret.
 *
 * <p>Immutable and thread-safe.
 */
public final class TaskIdentity {
    /** The credential of a task's calls ({@code Caller.credential()}). */
    public static final String CREDENTIAL = "task";

    private final byte[] token;

    public TaskIdentity() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        this.token = Base64.getUrlEncoder().withoutPadding().encodeToString(random).getBytes(StandardCharsets.US_ASCII);
    }

    /** The headers that make a request act as {@code principal}. */
    public Map<String, String> headersFor(KafkaPrincipal principal) {
        return Map.of(HttpForwarder.TASK_PRINCIPAL, HttpForwarder.headerValue(principal.toString()),
                HttpForwarder.TASK_TOKEN, new String(token, StandardCharsets.US_ASCII));
    }

    /** Whether {@code presented} is this process's token (constant time). */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "TaskIdentity[token hidden]";
    }
}
