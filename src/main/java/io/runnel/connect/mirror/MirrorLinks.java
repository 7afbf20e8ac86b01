package io.runnel.connect.mirror;

import io.runnel.connect.RunnelApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A mirror task's two ends: the source cluster's public API, reached with the task's own asynchronous HTTP client
 * (with {@code Authorization: Bearer <source.api-key>} when one is configured), and the target cluster's, the
 * runtime's {@link RunnelApi} acting as the connector's creator. Any answer completes a future normally; a future
 * fails only when no answer came. Thread-safe.
 */
final class MirrorLinks {
    private final HttpClient sourceHttp;
    private final URI source;
    private final Optional<String> apiKey;
    private final RunnelApi target;
    private final JsonMapper json;

    MirrorLinks(HttpClient sourceHttp, URI source, Optional<String> apiKey, RunnelApi target, JsonMapper json) {
        this.sourceHttp = sourceHttp;
        this.source = source;
        this.apiKey = apiKey;
        this.target = target;
        this.json = json;
    }

    /** A client for a source: HTTP/1.1 (long polls hold a connection each), no redirects, no proxy. */
    static HttpClient sourceClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).proxy(HttpClient.Builder.NO_PROXY).build();
    }

    CompletableFuture<HttpResponse<byte[]>> sourceGet(String pathAndQuery, Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(source + pathAndQuery)).timeout(timeout).GET()
                .header("Accept", "application/json");
        apiKey.ifPresent(key -> request.header("Authorization", "Bearer " + key));
        return sourceHttp.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    CompletableFuture<HttpResponse<byte[]>> targetGet(String pathAndQuery, Duration timeout) {
        return target.get(pathAndQuery, timeout);
    }

    CompletableFuture<HttpResponse<byte[]>> targetSend(String method, String pathAndQuery, byte[] body, Map<String, String> headers,
                                                       Duration timeout) {
        return target.send(method, pathAndQuery, body, headers, timeout);
    }

    JsonMapper json() {
        return json;
    }

    JsonNode tree(HttpResponse<byte[]> response) {
        return json.readTree(response.body());
    }

    /** The problem's {@code code} of an error answer; empty when it has none. */
    String code(HttpResponse<byte[]> response) {
        try {
            JsonNode code = tree(response).get("code");
            return code == null ? "" : code.asString();
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** An error answer in a line: {@code 403 TOPIC_AUTHORIZATION_FAILED: not authorized to …}. */
    String describe(HttpResponse<byte[]> response) {
        try {
            JsonNode problem = tree(response);
            String code = problem.path("code").asString("");
            String detail = problem.path("detail").asString("");
            return response.statusCode() + (code.isEmpty() ? "" : " " + code) + (detail.isEmpty() ? "" : ": " + detail);
        } catch (RuntimeException e) {
            return String.valueOf(response.statusCode());
        }
    }

    /** The message of a failure to get an answer, without the wrapping of futures. */
    static String reason(Throwable error) {
        Throwable e = error;
        while ((e instanceof java.util.concurrent.CompletionException || e instanceof java.util.concurrent.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    static String encode(String pathSegment) {
        return java.net.URLEncoder.encode(pathSegment, java.nio.charset.StandardCharsets.UTF_8);
    }
}
