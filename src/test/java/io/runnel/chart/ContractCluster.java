package io.runnel.chart;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local HTTP server answering the membership calls of API.md "Cluster and operations" for the
 * instances {@code <statefulSet>-0 … -N}, so the chart's scaling hook scripts can run against it:
 * {@code GET /cluster}; {@code POST /cluster/instances/{id}/drain} → 202, the instance
 * {@code draining} and, at the next {@code GET /cluster}, {@code drained} with no replicas;
 * {@code DELETE /cluster/instances/{id}} → 204 once drained, 409 before, 404 when unknown;
 * {@code POST /cluster/rebalance} → 202. With a key, every call without
 * {@code Authorization: Bearer <key>} gets 401. It records every call that changes something.
 *
 * <p>Thread-safety: every method synchronizes on the instance (the server's handler thread and the
 * test's).
 */
final class ContractCluster implements AutoCloseable {
    private static final Pattern INSTANCE = Pattern.compile("/cluster/instances/([^/]+)(/drain)?");

    private final HttpServer server;
    private final String statefulSet;
    private final String key;
    /** id → status, in ordinal order. */
    private final Map<String, String> status = new LinkedHashMap<>();
    private final List<String> changes = new ArrayList<>();
    private final List<String> joining = new ArrayList<>();
    private int joinAfterLooks;
    private int looks;
    private int unauthorized;
    private boolean refuseDrains;
    private boolean neverFinishDrains;

    private ContractCluster(String statefulSet, int instances, String key) throws IOException {
        this.statefulSet = statefulSet;
        this.key = key;
        for (int i = 0; i < instances; i++) {
            status.put(statefulSet + "-" + i, "online");
        }
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::answer);
        server.start();
    }

    /** Serves {@code instances} online members; {@code key} null = security off. */
    static ContractCluster start(String statefulSet, int instances, String key) {
        try {
            return new ContractCluster(statefulSet, instances, key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    synchronized void setStatus(String id, String value) {
        status.put(id, value);
    }

    /** Drains are refused as when the others cannot hold a topic's replication factor. */
    synchronized void refuseDrains() {
        refuseDrains = true;
    }

    /** Draining instances stay draining. */
    synchronized void neverFinishDrains() {
        neverFinishDrains = true;
    }

    /** {@code ids} join, online, once {@code GET /cluster} has been answered {@code looks} times. */
    synchronized void joinAfterLooks(int looks, String... ids) {
        joinAfterLooks = looks;
        joining.addAll(List.of(ids));
    }

    synchronized List<String> changes() {
        return List.copyOf(changes);
    }

    synchronized List<String> ids() {
        return List.copyOf(status.keySet());
    }

    synchronized int looks() {
        return looks;
    }

    synchronized int unauthorized() {
        return unauthorized;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private synchronized void answer(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        if (key != null && !("Bearer " + key).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            unauthorized++;
            send(exchange, 401, problem("unauthorized"));
            return;
        }
        if (!method.equals("GET")) {
            changes.add(method + " " + path);
        }
        Matcher instance = INSTANCE.matcher(path);
        if (method.equals("GET") && path.equals("/cluster")) {
            send(exchange, 200, look());
        } else if (method.equals("POST") && path.equals("/cluster/rebalance")) {
            send(exchange, 202, "{\"moves\":[]}");
        } else if (instance.matches() && !status.containsKey(instance.group(1))) {
            send(exchange, 404, problem("no instance " + instance.group(1)));
        } else if (method.equals("POST") && instance.matches() && instance.group(2) != null) {
            if (refuseDrains) {
                send(exchange, 409, problem("the other instances cannot hold replication factor 3 of topic orders"));
            } else {
                status.put(instance.group(1), "draining");
                send(exchange, 202, "{}");
            }
        } else if (method.equals("DELETE") && instance.matches() && instance.group(2) == null) {
            if (status.get(instance.group(1)).equals("drained")) {
                status.remove(instance.group(1));
                send(exchange, 204, null);
            } else {
                send(exchange, 409, problem(instance.group(1) + " still holds replicas"));
            }
        } else {
            send(exchange, 404, problem("no such call: " + method + " " + path));
        }
    }

    /** The {@code GET /cluster} answer; drains in progress finish and due joins happen first. */
    private String look() {
        looks++;
        if (!neverFinishDrains) {
            status.replaceAll((id, s) -> s.equals("draining") ? "drained" : s);
        }
        if (looks > joinAfterLooks) {
            joining.forEach(id -> status.put(id, "online"));
            joining.clear();
        }
        StringBuilder json = new StringBuilder("{\"clusterId\":\"c0ffee\",\"controller\":\"" + statefulSet + "-0\","
                + "\"voters\":[\"" + statefulSet + "-0\"],\"instances\":[");
        String separator = "";
        for (var e : status.entrySet()) {
            boolean holds = e.getValue().equals("online") || e.getValue().equals("draining");
            json.append(separator).append("{\"id\":\"").append(e.getKey()).append("\",\"url\":\"http://").append(e.getKey())
                    .append(":8080\",\"status\":\"").append(e.getValue()).append("\",\"role\":\"voter\",\"partitions\":")
                    .append(holds ? 4 : 0).append(",\"replicas\":").append(holds ? 4 : 0).append(",\"leaders\":")
                    .append(holds ? 1 : 0).append('}');
            separator = ",";
        }
        return json.append("]}").toString();
    }

    private static String problem(String detail) {
        return "{\"title\":\"refused\",\"detail\":\"" + detail + "\"}";
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        if (json == null) {
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
            return;
        }
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (var out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
