package io.runnel.connect.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.runnel.HttpScenarioTest;
import io.runnel.HttpTestClient;
import io.runnel.connect.RunnelApi;
import io.runnel.connect.Task;
import io.runnel.connect.TaskContext;
import io.runnel.security.KafkaPrincipal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The http-sink benchmark (a benchmark, not a test: only {@code bench/http-sink.sh} runs it). It
 * drives the real task in-process against this JVM's node (started as the scenario tests start it:
 * one instance, security off, fsync before every acknowledgement) and a JDK {@link HttpServer} on
 * loopback that answers 204 at once.
 *
 * <ul>
 *   <li>throughput: records produced beforehand (100-byte values), then one task delivers them all;
 *       records/s and requests/s from the task's start to the last record's receipt, with
 *       {@code batch.max.records} 1 and 500, on 1 and 4 partitions;
 *   <li>latency: one record per produce request at {@value #LATENCY_RATE}/s, open loop, its send time
 *       ({@link System#nanoTime}) in the value; latency = receipt by the receiver − send, p50/p99/max
 *       over {@value #LATENCY_SECONDS} s after {@value #LATENCY_WARMUP_SECONDS} s of warm-up;
 *   <li>{@value #MANY} connectors at once: time until all delivered, JVM threads before and during.
 * </ul>
 * Figures are printed as lines starting with {@code http-sink}.
 */
@EnabledIfSystemProperty(named = "runnel.bench.http-sink", matches = "true")
class HttpSinkBenchmark extends HttpScenarioTest {
    static final int LATENCY_RATE = 200;
    static final int LATENCY_SECONDS = 20;
    static final int LATENCY_WARMUP_SECONDS = 5;
    static final int MANY = 100;
    private static final byte[] RECORD_MARK = "{\"topic\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SENT_MARK = "\"sent\":".getBytes(StandardCharsets.US_ASCII);
    private static final String PAD = "x".repeat(80);

    private final HttpSinkPlugin plugin = new HttpSinkPlugin();
    /** The tasks' client of the node's API, with a fixed pool as the runtime's would have (the default pool grows per waiting call). */
    private final HttpClient apiClient = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(2)).build();
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private volatile AtomicLongArray latencies;

    @Test
    void deliveriesPerSecondAndLatency() {
        try (Receiver receiver = new Receiver()) {
            System.out.printf(Locale.ROOT, "http-sink benchmark: %d CPUs, Java %s%n", Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"));
            if (!Boolean.getBoolean("runnel.bench.http-sink.many-only")) {
                throughput(receiver, "warmup-500", 1, 500, 100_000, false);
                throughput(receiver, "warmup-1", 1, 1, 3_000, false);
                throughput(receiver, "b1-p1", 1, 1, 5_000, true);
                throughput(receiver, "b1-p4", 4, 1, 3_000, true);
                throughput(receiver, "b500-p1", 1, 500, 300_000, true);
                throughput(receiver, "b500-p4", 4, 500, 150_000, true);
                latency(receiver);
            }
            manyConnectors(receiver);
        } finally {
            scheduler.shutdownNow();
            plugin.close();
        }
        assertThat(failures).isEmpty();
    }

    private void throughput(Receiver receiver, String name, int partitions, int batch, int perPartition, boolean print) {
        String topic = "bench-sink-" + name;
        createTopic(topic, partitions);
        for (int p = 0; p < partitions; p++) {
            for (int from = 0; from < perPartition; from += 400) {
                produceBatch(topic, p, from, Math.min(from + 400, perPartition));
            }
        }
        long total = (long) partitions * perPartition;
        records.set(0);
        requests.set(0);
        long started = System.nanoTime();
        Task task = start(name, topic, receiver, batch);
        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(5)).until(() -> records.get() >= total);
        double seconds = (System.nanoTime() - started) / 1e9;
        task.stop().join();
        if (print) {
            System.out.printf(Locale.ROOT, "http-sink throughput batch.max.records=%d partitions=%d: %,d records in %.2f s = %,.0f records/s, %,.0f requests/s (%,d requests)%n",
                    batch, partitions, total, seconds, total / seconds, requests.get() / seconds, requests.get());
        }
    }

    private void latency(Receiver receiver) {
        String topic = "bench-sink-latency";
        createTopic(topic, 1);
        int warm = LATENCY_RATE * LATENCY_WARMUP_SECONDS;
        int count = warm + LATENCY_RATE * LATENCY_SECONDS;
        latencies = new AtomicLongArray(count);
        records.set(0);
        Task task = start("latency", topic, receiver, 500);
        await().atMost(Duration.ofSeconds(30)).until(() -> !task.progress().isEmpty());
        AtomicLong next = new AtomicLong();
        ExecutorService producer = Executors.newSingleThreadExecutor();
        long period = TimeUnit.SECONDS.toNanos(1) / LATENCY_RATE;
        var sending = scheduler.scheduleAtFixedRate(() -> {
            long i = next.getAndIncrement();
            if (i < count) {
                producer.execute(() -> produceOne(topic, i));
            }
        }, 0, period, TimeUnit.NANOSECONDS);
        await().atMost(Duration.ofMinutes(2)).until(() -> records.get() >= count);
        sending.cancel(false);
        producer.shutdown();
        task.stop().join();
        long[] measured = new long[count - warm];
        for (int i = warm; i < count; i++) {
            measured[i - warm] = latencies.get(i);
        }
        Arrays.sort(measured);
        System.out.printf(Locale.ROOT, "http-sink latency produce->receipt, %d rec/s, 1 record per produce request, %d samples: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                LATENCY_RATE, measured.length, measured[measured.length / 2] / 1e6, measured[(int) (measured.length * 0.99)] / 1e6,
                measured[measured.length - 1] / 1e6);
    }

    /**
     * {@value #MANY} connectors of one 1-partition topic each, 100 records each, started together:
     * the time until all records arrived and how many more threads the JVM has while their long
     * polls wait (the node, the tasks and the receiver share the JVM).
     */
    private void manyConnectors(Receiver receiver) {
        int perTopic = 100;
        for (int c = 0; c < MANY; c++) {
            createTopic("bench-sink-many-" + c, 1);
            produceBatch("bench-sink-many-" + c, 0, 0, perTopic);
        }
        records.set(0);
        Map<String, Long> poolsBefore = threadPools();
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        long started = System.nanoTime();
        List<Task> many = new java.util.ArrayList<>();
        for (int c = 0; c < MANY; c++) {
            many.add(start("many-" + c, "bench-sink-many-" + c, receiver, 500));
        }
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(5)).until(() -> records.get() >= (long) MANY * perTopic);
        double seconds = (System.nanoTime() - started) / 1e9;
        int threadsWaiting = ManagementFactory.getThreadMXBean().getThreadCount();
        Map<String, Long> grown = new java.util.TreeMap<>();
        threadPools().forEach((pool, n) -> {
            long more = n - poolsBefore.getOrDefault(pool, 0L);
            if (more != 0) {
                grown.put(pool, more);
            }
        });
        many.forEach(t -> t.stop().join());
        System.out.printf(Locale.ROOT, "http-sink %d connectors (1 partition, %d records each): all delivered %.2f s after the first start; JVM threads %d before, %d while their long polls wait (more by name: %s)%n",
                MANY, perTopic, seconds, threadsBefore, threadsWaiting, grown);
    }

    /** Live threads by name without its trailing number. */
    private static Map<String, Long> threadPools() {
        return Thread.getAllStackTraces().keySet().stream().collect(java.util.stream.Collectors.groupingBy(
                t -> t.getName().replaceAll("[-#]?\\d+$", ""), java.util.stream.Collectors.counting()));
    }

    private Task start(String name, String topic, Receiver receiver, int batch) {
        Map<String, String> config = Map.of("connector.class", "http-sink", "topics", topic, "http.url", receiver.url(),
                "batch.max.records", Integer.toString(batch));
        assertThat(plugin.validate(config)).isEmpty();
        RunnelApi api = new RunnelApi(apiClient, URI.create("http://127.0.0.1:" + port), Map.of());
        return plugin.start(new TaskContext(name, 0, 1, config, KafkaPrincipal.user("bench"), api, "connect-bench-" + name,
                failures::add, new SimpleMeterRegistry(), scheduler));
    }

    private void produceBatch(String topic, int partition, int from, int to) {
        StringBuilder body = new StringBuilder("{\"records\":[");
        for (int i = from; i < to; i++) {
            body.append(i == from ? "" : ",").append("{\"value\":{\"i\":").append(i).append(",\"pad\":\"").append(PAD).append("\"}}");
        }
        HttpTestClient.Response r = http.post("/topics/" + topic + "/partitions/" + partition + "/records", body.append("]}").toString());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private void produceOne(String topic, long i) {
        String body = "{\"records\":[{\"value\":{\"i\":" + i + ",\"sent\":" + System.nanoTime() + ",\"pad\":\"" + PAD.substring(40) + "\"}}]}";
        HttpTestClient.Response r = http.post("/topics/" + topic + "/partitions/0/records", body);
        if (r.status() != 200) {
            failures.add(new IllegalStateException("produce: " + r.status() + " " + r.body()));
        }
    }

    /** Answers 204 at once; counts records and requests, and for the latency run notes each record's latency by its "i". */
    private final class Receiver implements AutoCloseable {
        private final HttpServer server;
        private final ExecutorService threads = Executors.newFixedThreadPool(4);

        Receiver() {
            try {
                server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server.setExecutor(threads);
            server.createContext("/hook", exchange -> {
                try (exchange) {
                    byte[] body = exchange.getRequestBody().readAllBytes();
                    long now = System.nanoTime();
                    exchange.sendResponseHeaders(204, -1);
                    AtomicLongArray lat = latencies;
                    if (lat != null) {
                        noteLatencies(body, now, lat);
                    }
                    requests.incrementAndGet();
                    records.addAndGet(count(body, RECORD_MARK, 0));
                }
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        }

        @Override
        public void close() {
            server.stop(0);
            threads.shutdownNow();
        }
    }

    private static void noteLatencies(byte[] body, long now, AtomicLongArray latencies) {
        int at = 0;
        while ((at = indexOf(body, "{\"i\":".getBytes(StandardCharsets.US_ASCII), at)) >= 0) {
            at += 5;
            long i = number(body, at);
            int sent = indexOf(body, SENT_MARK, at);
            if (sent >= 0 && i < latencies.length()) {
                latencies.set((int) i, now - number(body, sent + SENT_MARK.length));
            }
        }
    }

    private static long number(byte[] body, int at) {
        long n = 0;
        while (at < body.length && body[at] >= '0' && body[at] <= '9') {
            n = n * 10 + (body[at++] - '0');
        }
        return n;
    }

    private static long count(byte[] body, byte[] mark, int from) {
        long n = 0;
        for (int at = indexOf(body, mark, from); at >= 0; at = indexOf(body, mark, at + mark.length)) {
            n++;
        }
        return n;
    }

    private static int indexOf(byte[] body, byte[] mark, int from) {
        outer:
        for (int i = from; i <= body.length - mark.length; i++) {
            for (int j = 0; j < mark.length; j++) {
                if (body[i + j] != mark[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
