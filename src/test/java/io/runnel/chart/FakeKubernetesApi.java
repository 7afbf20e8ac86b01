package io.runnel.chart;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Just enough of a Kubernetes API server for the chart's {@code lookup "v1" "Secret" ...} and
 * {@code lookup "apps/v1" "StatefulSet" ...}: the {@code /api/v1} and {@code /apis/apps/v1} discovery
 * documents and {@code GET} of a Secret or a StatefulSet (its {@code spec.replicas} only), answering
 * 404 for any other path.
 *
 * <p>helm-java renders with a dry run that still lets {@code lookup} call the cluster (the
 * {@code helm} CLI's {@code template} does not), so rendering needs an API server to ask. The
 * build points {@code KUBECONFIG} at {@code target/helm-kubeconfig.yaml} for tests (see the pom's
 * surefire and failsafe configuration), and {@link #ensureRunning()} starts this server on a free
 * loopback port and writes that file. Secrets put with {@link #putSecret} and StatefulSets put with
 * {@link #putStatefulSet} play the part of what a release already has in the cluster, so tests can
 * render an upgrade.
 */
final class FakeKubernetesApi {
    private static final Map<String, Map<String, String>> SECRETS = new ConcurrentHashMap<>();
    private static final Map<String, Integer> STATEFUL_SETS = new ConcurrentHashMap<>();
    private static HttpServer server;

    private FakeKubernetesApi() {
    }

    static synchronized void ensureRunning() {
        if (server != null) {
            return;
        }
        String kubeconfig = System.getenv("KUBECONFIG");
        if (kubeconfig == null || kubeconfig.isBlank()) {
            throw new IllegalStateException("KUBECONFIG is not set: run the chart tests through Maven (./mvnw test), which points it"
                    + " at target/helm-kubeconfig.yaml, or set it to such a file yourself");
        }
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", FakeKubernetesApi::answer);
            server.start();
            Path file = Path.of(kubeconfig);
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, """
                    apiVersion: v1
                    kind: Config
                    clusters:
                      - name: fake
                        cluster:
                          server: http://127.0.0.1:%d
                    contexts:
                      - name: fake
                        context:
                          cluster: fake
                          user: fake
                    users:
                      - name: fake
                        user: {}
                    current-context: fake
                    """.formatted(server.getAddress().getPort()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes {@code lookup} find this Secret (string data, stored base64-encoded as Kubernetes does). */
    static void putSecret(String namespace, String name, Map<String, String> data) {
        SECRETS.put(namespace + "/" + name, Map.copyOf(data));
    }

    static void deleteSecret(String namespace, String name) {
        SECRETS.remove(namespace + "/" + name);
    }

    /** Makes {@code lookup} find a StatefulSet running {@code replicas} pods. */
    static void putStatefulSet(String namespace, String name, int replicas) {
        STATEFUL_SETS.put(namespace + "/" + name, replicas);
    }

    static void deleteStatefulSet(String namespace, String name) {
        STATEFUL_SETS.remove(namespace + "/" + name);
    }

    private static void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String[] parts = path.split("/");
        if (path.equals("/api/v1")) {
            send(exchange, 200, """
                    {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[
                      {"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret","verbs":["get","list"]}]}""");
        } else if (parts.length == 7 && path.startsWith("/api/v1/namespaces/") && parts[5].equals("secrets")
                && SECRETS.containsKey(parts[4] + "/" + parts[6])) {
            send(exchange, 200, secretJson(parts[4], parts[6], SECRETS.get(parts[4] + "/" + parts[6])));
        } else if (path.equals("/apis/apps/v1")) {
            send(exchange, 200, """
                    {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"apps/v1","resources":[
                      {"name":"statefulsets","singularName":"statefulset","namespaced":true,"kind":"StatefulSet","verbs":["get","list"]}]}""");
        } else if (parts.length == 8 && path.startsWith("/apis/apps/v1/namespaces/") && parts[6].equals("statefulsets")
                && STATEFUL_SETS.containsKey(parts[5] + "/" + parts[7])) {
            send(exchange, 200, """
                    {"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"%s","namespace":"%s"},"spec":{"replicas":%d}}"""
                    .formatted(parts[7], parts[5], STATEFUL_SETS.get(parts[5] + "/" + parts[7])));
        } else {
            send(exchange, 404, """
                    {"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,"message":"not found"}""");
        }
    }

    private static String secretJson(String namespace, String name, Map<String, String> data) {
        StringBuilder json = new StringBuilder("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"")
                .append(name).append("\",\"namespace\":\"").append(namespace).append("\"},\"type\":\"Opaque\",\"data\":{");
        String separator = "";
        for (Map.Entry<String, String> e : data.entrySet()) {
            json.append(separator).append('"').append(e.getKey()).append("\":\"")
                    .append(Base64.getEncoder().encodeToString(e.getValue().getBytes(StandardCharsets.UTF_8))).append('"');
            separator = ",";
        }
        return json.append("}}").toString();
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (var out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
