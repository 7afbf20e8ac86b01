package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A small JSON client for black-box tests against a running server: real HTTP through
 * {@link HttpClient}, every request bounded by a timeout, bodies parsed with Jackson.
 */
public final class TestHttp {
    /** No single request in the tests may take longer than this (the longest long poll is well below). */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient client;
    private final String base;

    public TestHttp(int port) {
        this.base = "http://localhost:" + port;
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Over HTTPS to {@code https://localhost:port}, with {@code tls} (e.g. a test CA's client context). */
    public TestHttp(int port, SSLContext tls) {
        this.base = "https://localhost:" + port;
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(tls).build();
    }

    /** A response with its body as text and, for JSON bodies, parsed. */
    public record Response(int status, String contentType, String body) {
        public JsonNode json() {
            return JSON.readTree(body);
        }
    }

    public HttpClient client() {
        return client;
    }

    public URI uri(String path) {
        return URI.create(base + path);
    }

    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(uri(path)).timeout(REQUEST_TIMEOUT);
    }

    public Response get(String path) {
        return send(request(path).GET().build());
    }

    public CompletableFuture<Response> getAsync(String path) {
        return client.sendAsync(request(path).GET().build(), HttpResponse.BodyHandlers.ofString()).thenApply(TestHttp::toResponse);
    }

    public Response post(String path, Object body) {
        return send(request(path).header("Content-Type", "application/json").POST(publisher(body)).build());
    }

    public Response put(String path, Object body) {
        return send(request(path).header("Content-Type", "application/json").PUT(publisher(body)).build());
    }

    public Response patch(String path, Object body) {
        return send(request(path).header("Content-Type", "application/json").method("PATCH", publisher(body)).build());
    }

    public Response delete(String path) {
        return send(request(path).DELETE().build());
    }

    public Response send(HttpRequest request) {
        try {
            return toResponse(client.send(request, HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Response toResponse(HttpResponse<String> r) {
        return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }

    /** A string body is sent as is (for exact JSON text); anything else is serialized. */
    private static HttpRequest.BodyPublisher publisher(Object body) {
        return HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : JSON.writeValueAsString(body));
    }

    /** Asserts a 2xx-free RFC 9457 answer with the given status and stable code. */
    public static JsonNode assertProblem(Response r, int status, String code) {
        assertThat(r.status()).as("status of %s", r.body()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/problem+json");
        JsonNode problem = r.json();
        assertThat(problem.path("code").asString()).isEqualTo(code);
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("type").asString()).isEqualTo("https://runnel.io/problems/" + code.toLowerCase().replace('_', '-'));
        assertThat(problem.path("title").asString()).isNotBlank();
        assertThat(problem.path("detail").asString()).isNotBlank();
        return problem;
    }

    public void createTopic(String name, int partitions) {
        Response r = post("/topics", Map.of("name", name, "partitions", partitions));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
    }

    /** Produces the given JSON value texts to one partition; returns the offsets assigned. */
    public List<Long> produce(String topic, int partition, String... valueJson) {
        StringBuilder body = new StringBuilder("{\"records\":[");
        for (int i = 0; i < valueJson.length; i++) {
            body.append(i == 0 ? "" : ",").append("{\"value\":").append(valueJson[i]).append('}');
        }
        Response r = post("/topics/" + topic + "/partitions/" + partition + "/records", body.append("]}").toString());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().path("results").values().stream().map(n -> n.path("offset").asLong()).toList();
    }
}
