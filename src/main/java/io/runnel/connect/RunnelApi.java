package io.runnel.connect;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A task's way into the cluster: the public HTTP API of the instance the task runs on, so a task can do
 * exactly what its creator could do with curl, no more. The instance routes each call as it routes a
 * client's (to the partition leader, the group coordinator, the controller), and authorizes it with the
 * task's principal, carried by {@code identity} headers that only this process can make.
 *
 * <p>Asynchronous: no thread waits for an answer, so a long poll ({@code waitMs}) costs a connection, not
 * a thread. Any answer, a problem detail included, completes the future normally; the future fails only
 * when the instance cannot be reached or {@code timeout} passes. Thread-safe.
 */
public final class RunnelApi {
    private final HttpClient http;
    private final URI base;
    private final Map<String, String> identity;

    /**
     * @param http     the client to send with (shared; its executor runs completions)
     * @param base     this instance's base URL, e.g. {@code http://127.0.0.1:8080}
     * @param identity headers naming the principal to act as; empty when security is off
     */
    public RunnelApi(HttpClient http, URI base, Map<String, String> identity) {
        this.http = http;
        this.base = URI.create(base.toString().replaceAll("/+$", ""));
        this.identity = Map.copyOf(identity);
    }

    /**
     * Sends {@code method pathAndQuery} (already percent-encoded) with a JSON {@code body}
     * ({@code null} for none).
     *
     * @param timeout bound on the whole exchange; a long poll must allow for its {@code waitMs}
     */
    public CompletableFuture<HttpResponse<byte[]>> send(String method, String pathAndQuery, byte[] body, Duration timeout) {
        return send(method, pathAndQuery, body, Map.of(), timeout);
    }

    /**
     * As {@link #send(String, String, byte[], Duration)}, with extra request {@code headers} (e.g. an
     * {@code Idempotency-Key}); they cannot replace the identity headers.
     */
    public CompletableFuture<HttpResponse<byte[]>> send(String method, String pathAndQuery, byte[] body, Map<String, String> headers,
                                                        Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        headers.forEach((name, value) -> {
            if (identity.keySet().stream().noneMatch(name::equalsIgnoreCase)) {
                request.header(name, value);
            }
        });
        identity.forEach(request::header);
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** {@code GET pathAndQuery}. */
    public CompletableFuture<HttpResponse<byte[]>> get(String pathAndQuery, Duration timeout) {
        return send("GET", pathAndQuery, null, timeout);
    }

    public URI base() {
        return base;
    }
}
