package io.runnel.connect.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;

/**
 * A real HTTP receiver for the sink's tests: a JDK {@link HttpServer} on a loopback port that keeps
 * every request it got and answers as its {@link Behaviour} says — a status with headers, or no answer
 * at all until it is closed. Thread-safe.
 */
final class TestReceiver implements AutoCloseable {
    /** What to answer the {@code n}-th request (from 0). */
    interface Behaviour {
        Answer answer(int n, Received request);
    }

    /** A status and headers; {@link #HANG} never answers. */
    record Answer(int status, Map<String, String> headers) {
        static final Answer NO_CONTENT = new Answer(204, Map.of());
        static final Answer HANG = new Answer(-1, Map.of());

        static Answer status(int status) {
            return new Answer(status, Map.of());
        }
    }

    /** One request as received, with the status it was answered with ({@code -1}: held without an answer). */
    record Received(Map<String, List<String>> headers, String body, int status) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).findFirst()
                    .map(e -> e.getValue().get(0)).orElse(null);
        }

        List<JsonNode> records() {
            List<JsonNode> records = new ArrayList<>();
            FetchAnswer.JSON.readTree(body).path("records").forEach(records::add);
            return records;
        }

        boolean accepted() {
            return status / 100 == 2;
        }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicInteger count = new AtomicInteger();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile Behaviour behaviour;

    TestReceiver(int port, Behaviour behaviour) {
        this.behaviour = behaviour;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(threads);
        server.createContext("/hook", this::handle);
        server.start();
    }

    static TestReceiver answering(Behaviour behaviour) {
        return new TestReceiver(0, behaviour);
    }

    int port() {
        return server.getAddress().getPort();
    }

    String url() {
        return "http://127.0.0.1:" + port() + "/hook";
    }

    void behave(Behaviour next) {
        behaviour = next;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    /** Records of the requests answered 2xx, in the order they were answered. */
    List<JsonNode> acceptedRecords() {
        return received.stream().filter(Received::accepted).flatMap(r -> r.records().stream()).toList();
    }

    /** The offsets of one partition's accepted records, in the order they came. */
    List<Long> acceptedOffsets(String topic, int partition) {
        return acceptedRecords().stream()
                .filter(r -> r.path("topic").asString().equals(topic) && r.path("partition").asInt() == partition)
                .map(r -> r.path("offset").asLong()).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Received request = new Received(Map.copyOf(exchange.getRequestHeaders()), body, 0);
            Answer answer = behaviour.answer(count.getAndIncrement(), request);
            if (answer.status() < 0) {
                received.add(new Received(request.headers(), body, -1));
                closed.await();
                return;
            }
            received.add(new Received(request.headers(), body, answer.status()));
            answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.sendResponseHeaders(answer.status(), -1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops listening (a request held without an answer is cut off). */
    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
