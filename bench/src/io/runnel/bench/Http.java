package io.runnel.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Runnel's admin calls over one {@code java.net.http.HttpClient} (HTTP/1.1, so one connection per
 * concurrent request): creating and changing topics, reading a partition's offsets, joining and leaving groups.
 * The scenarios' measured requests use {@link #newClient()} directly, one client per worker thread.
 * Thread-safe, as HttpClient is.
 */
final class Http {
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final String base;
    private final String topicExtras;
    private final HttpClient client = newClient();

    /**
     * @param base        Runnel's base URL, without a trailing slash
     * @param topicExtras JSON members added to every topic created ({@code ,"replicationFactor":3}…), or ""
     */
    Http(String base, String topicExtras) {
        this.base = base;
        this.topicExtras = topicExtras;
    }

    /** A client forced to HTTP/1.1, so that the number of connections is the number of threads using it. */
    static HttpClient newClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST_TIMEOUT).GET().build());
    }

    HttpResponse<byte[]> postJson(String path, String json) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    HttpResponse<byte[]> patchJson(String path, String json) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(json)).build());
    }

    HttpResponse<byte[]> delete(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST_TIMEOUT).DELETE().build());
    }

    void createTopic(String name, int partitions) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = postJson("/topics", "{\"name\":\"" + name + "\",\"partitions\":" + partitions + topicExtras + "}");
        if (r.statusCode() != 201) {
            throw new IllegalStateException("creating topic " + name + ": HTTP " + r.statusCode() + " "
                    + new String(r.body(), StandardCharsets.UTF_8));
        }
    }

    /** {logStartOffset, highWatermark} of a partition. */
    long[] offsets(String topic, int partition) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = get("/topics/" + topic + "/partitions/" + partition);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("describing " + topic + "/" + partition + ": HTTP " + r.statusCode());
        }
        return new long[] {JsonScan.lastNumber(r.body(), "logStartOffset"), JsonScan.lastNumber(r.body(), "highWatermark")};
    }

    private HttpResponse<byte[]> send(HttpRequest r) throws IOException, InterruptedException {
        return client.send(r, HttpResponse.BodyHandlers.ofByteArray());
    }
}
