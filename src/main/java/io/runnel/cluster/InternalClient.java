package io.runnel.cluster;

import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.config.RunnelExecutors;
import io.runnel.config.RunnelProperties;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Instance-to-instance calls: one pooled HTTP/1.1 client for the whole process, every request
 * carrying the cluster secret ({@link #SECRET_HEADER}) and this instance's id
 * ({@link #FORWARDED_BY_HEADER}).
 *
 * <p>With TLS on, calls go over HTTPS with {@link InstanceTls}'s context (the URLs are then
 * {@code https}), verifying the other instance's certificate and host name.
 *
 * <p>Calls are asynchronous and hold no thread while they wait. A peer that cannot be reached
 * completes the future with {@code 503 LEADER_NOT_AVAILABLE} naming it; any answer, including a
 * problem detail, completes it normally with the response, for the caller to read. Connecting is
 * bounded by {@code runnel.cluster.connect-timeout}; each caller bounds its whole call.
 */
@Component
public class InternalClient {
    /** Header carrying {@code runnel.cluster.secret}; {@code /internal/**} refuses calls without it. */
    public static final String SECRET_HEADER = HttpForwarder.CLUSTER_SECRET;
    /** Header naming the instance a request was forwarded by; such a request is never forwarded again. */
    public static final String FORWARDED_BY_HEADER = HttpForwarder.FORWARDED_BY;

    private final ClusterNode cluster;
    private final HttpClient http;

    public InternalClient(ClusterNode cluster, RunnelProperties props, RunnelExecutors executors, InstanceTls tls) {
        this.cluster = cluster;
        this.http = tls.configure(HttpClient.newBuilder()).version(HttpClient.Version.HTTP_1_1).executor(executors.internalHttp())
                .connectTimeout(props.cluster().connectTimeout()).build();
    }

    /**
     * Sends {@code method pathAndQuery} with {@code body} (may be null) to {@code instanceId}.
     *
     * @param timeout how long the whole call may take, including any long poll the path asks for
     */
    public CompletableFuture<HttpResponse<byte[]>> send(String instanceId, String method, String pathAndQuery, byte[] body,
                                                        String contentType, Duration timeout) {
        String base = cluster.urlOf(instanceId).orElseThrow(() -> unreachable(instanceId, "its URL is unknown"));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(timeout)
                .header(SECRET_HEADER, cluster.secret()).header(FORWARDED_BY_HEADER, cluster.selfId())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray()).exceptionally(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            throw unreachable(instanceId, cause.getClass().getSimpleName() + " " + cause.getMessage());
        });
    }

    private static final java.util.Set<String> STANDARD_MEMBERS = java.util.Set.of("type", "title", "status", "detail", "code");

    /**
     * The failure a peer's problem-detail answer describes: its {@code code} (an internal error if
     * this version does not know it), its {@code detail} after {@code context}, and its context
     * members, so callers branch on codes and members, never on HTTP statuses.
     */
    public static RunnelException problemOf(JsonMapper json, HttpResponse<byte[]> response, String context) {
        JsonNode problem;
        try {
            problem = json.readTree(response.body());
        } catch (RuntimeException e) {
            return new RunnelException(ErrorCode.INTERNAL_ERROR, context + ": HTTP " + response.statusCode());
        }
        ErrorCode code;
        try {
            code = ErrorCode.valueOf(problem.path("code").asString("INTERNAL_ERROR"));
        } catch (IllegalArgumentException e) {
            code = ErrorCode.INTERNAL_ERROR;
        }
        RunnelException failure = new RunnelException(code, context + ": " + problem.path("detail").asString("HTTP " + response.statusCode()));
        for (Map.Entry<String, JsonNode> member : problem.properties()) {
            if (!STANDARD_MEMBERS.contains(member.getKey())) {
                JsonNode v = member.getValue();
                failure.with(member.getKey(), v.isIntegralNumber() ? (Object) v.asLong() : v.isString() ? v.asString() : v.toString());
            }
        }
        return failure;
    }

    private static RunnelException unreachable(String instanceId, String why) {
        return new RunnelException(ErrorCode.LEADER_NOT_AVAILABLE, "cannot reach instance " + instanceId + ": " + why)
                .with("instance", instanceId);
    }
}
