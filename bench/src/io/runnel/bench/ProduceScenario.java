package io.runnel.bench;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The produce scenario: for each batch size × connection level (and once for large values), a
 * fresh topic of {@code --partitions} partitions, an unmeasured load of the same shape to the
 * scratch topic, then a closed loop of {@code POST /topics/{t}/records?acks=…}: each connection
 * sends a pre-built batch, waits for the whole answer, sends the next. One "produce" line each:
 * records/s, MB/s of value bytes, request latency p50/p99/max.
 *
 * <p>A request counts only if it answers 200 with one offset per record (202 with acks=none).
 * Each connection is one thread with its own HttpClient; they share only an atomic record counter.
 * Also runs the initial warm-up that every run starts with.
 */
final class ProduceScenario {
    /** Request bodies built per line before the clock starts; the connections cycle through them. */
    private static final int BODIES_PER_LINE = 8;
    private static final byte[] OFFSET = "\"offset\":".getBytes(StandardCharsets.US_ASCII);

    /** A topic a produce line filled, and the size of its values (for fetch's MB/s). */
    record Topic(String name, int valueBytes) {
    }

    /** The shape of a load: records per request, value size, connections. */
    record Shape(int batch, int valueBytes, int connections) {
    }

    private ProduceScenario() {
    }

    /** Every produce line: each batch size at each connection level, then the large-value line. */
    static void run(Run run) throws Exception {
        Options o = run.options;
        for (int batch : o.batchSizes()) {
            for (int conns : o.connections()) {
                line(run, new Shape(batch, o.valueBytes(), conns));
            }
        }
        if (o.largeValueBytes() > 0) {
            line(run, new Shape(o.largeBatch(), o.largeValueBytes(), o.largeConnections()));
        }
    }

    private static void line(Run run, Shape shape) throws Exception {
        Options o = run.options;
        String topic = run.topic("-b" + shape.batch() + "-v" + shape.valueBytes() + "-c" + shape.connections());
        run.createTopic(topic, o.partitions());
        run.produced.add(new Topic(topic, shape.valueBytes()));
        if (o.warmupSeconds() > 0) {
            // The same load, unmeasured, to the scratch topic: the measured topic holds only measured records.
            load(run, run.scratchTopic(), shape, o.warmupSeconds(), Long.MAX_VALUE);
        }
        run.report.add(load(run, topic, shape, o.produceSeconds(), o.produceMaxRecords()));
    }

    /**
     * Unmeasured load on the scratch topic before any scenario, so that the server's and this
     * process's hot paths are compiled: produce with both batch sizes, then fetch it back.
     */
    static void initialWarmup(Run run) throws Exception {
        Options o = run.options;
        String topic = run.scratchTopic();
        double third = o.initialWarmupSeconds() / 3.0;
        Thread small = new Thread(() -> {
            try {
                load(run, topic, new Shape(o.batchSizes()[0], o.valueBytes(), 4), 2 * third, Long.MAX_VALUE);
            } catch (Exception e) {
                run.errors.add("initial warm-up", e);
            }
        });
        small.start();
        load(run, topic, new Shape(o.batchSizes()[o.batchSizes().length - 1], o.valueBytes(), 1), 2 * third, Long.MAX_VALUE);
        small.join();
        FetchScenario.read(run, FetchScenario.chunks(run, List.of(new Topic(topic, o.valueBytes()))), 2, (long) (third * 1e9));
    }

    /**
     * Closed-loop produce of pre-built batches for at most the given seconds and records: a request
     * is only started before the time is up and while the records of the requests started so far
     * stay within maxRecords. The interval runs from the start to the end of the last answer.
     */
    static Row load(Run run, String topic, Shape shape, double seconds, long maxRecords) throws Exception {
        Options o = run.options;
        int batch = shape.batch();
        int connections = shape.connections();
        HttpRequest[] requests = requests(o, topic, shape);
        boolean expectOffsets = !o.acks().equals("none");

        AtomicLong claimed = new AtomicLong();
        Cpu cpu = run.cpu();
        long measureFrom = System.nanoTime();
        long measureTo = measureFrom + (long) (seconds * 1e9);
        Samples[] lat = new Samples[connections];
        long[] records = new long[connections];
        long[] lastEnd = new long[connections];
        long[] errorsAt = new long[connections];
        Thread[] threads = new Thread[connections];
        String where = "produce " + topic;
        for (int w = 0; w < connections; w++) {
            int id = w;
            lat[w] = new Samples();
            threads[w] = new Thread(() -> {
                HttpClient client = Http.newClient();
                int next = id;
                while (true) {
                    long t0 = System.nanoTime();
                    if (t0 >= measureTo || claimed.addAndGet(batch) > maxRecords) {
                        break;
                    }
                    HttpRequest req = requests[next++ % requests.length];
                    boolean ok;
                    try {
                        HttpResponse<byte[]> r = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
                        int expectedStatus = expectOffsets ? 200 : 202;
                        ok = r.statusCode() == expectedStatus && (!expectOffsets || JsonScan.count(r.body(), OFFSET) == batch);
                        if (!ok) {
                            run.errors.add(where, r);
                        }
                    } catch (IOException e) {
                        ok = false;
                        run.errors.add(where, e);
                    } catch (InterruptedException e) {
                        return;
                    }
                    long t1 = System.nanoTime();
                    lat[id].add(t1 - t0);
                    lastEnd[id] = t1;
                    if (ok) {
                        records[id] += batch;
                    } else {
                        errorsAt[id]++;
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // do not spin on a failing server
                    }
                }
            }, "produce-" + w);
            threads[w].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        String cpuUse = cpu.since();
        Samples all = new Samples();
        long total = 0, errors = 0, end = measureFrom;
        for (int w = 0; w < connections; w++) {
            all.addAll(lat[w]);
            total += records[w];
            errors += errorsAt[w];
            end = Math.max(end, lastEnd[w]);
        }
        return new Row("produce", String.format(Locale.ROOT, "batch=%d value=%dB conns=%d", batch, shape.valueBytes(), connections),
                total, (end - measureFrom) / 1e9, total * shape.valueBytes(), -1, all.sorted(), "errors=" + errors + "  " + cpuUse);
    }

    /** The request bodies of a line, built once: batch records of exactly valueBytes each. */
    private static HttpRequest[] requests(Options o, String topic, Shape shape) {
        URI uri = URI.create(o.url() + "/topics/" + topic + "/records?acks=" + URLEncoder.encode(o.acks(), StandardCharsets.UTF_8));
        int batch = shape.batch();
        HttpRequest[] requests = new HttpRequest[BODIES_PER_LINE];
        for (int b = 0; b < requests.length; b++) {
            StringBuilder sb = new StringBuilder(batch * (shape.valueBytes() + 12) + 16).append("{\"records\":[");
            for (int i = 0; i < batch; i++) {
                sb.append(i == 0 ? "{\"value\":" : ",{\"value\":").append(Values.of((long) b * batch + i, 0, shape.valueBytes())).append('}');
            }
            byte[] body = sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
            requests[b] = HttpRequest.newBuilder(uri).timeout(Http.REQUEST_TIMEOUT).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        }
        return requests;
    }
}
