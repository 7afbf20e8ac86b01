package io.runnel.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The compaction benchmark's producer: a closed loop of {@code POST /topics/{t}/records?acks=all}
 * with keyed records over a fixed number of connections, each a thread with its own HttpClient.
 * Record {@code i} has the key {@code k-<i mod keys>} (7 digits) and a value of exactly
 * {@code valueBytes} ({@link Values}, its sequence number the key's); the connections claim
 * consecutive batches from one counter, so records {@code 0..n-1} write every key {@code n / keys}
 * times, in rounds. {@code keys} is a multiple of the batch, and the {@code keys / batch} request
 * bodies are built once, before any line (about {@code keys × valueBytes} bytes of memory), so
 * that building them costs this process no CPU while it measures.
 *
 * <p>A request counts only if it answers 200 with one offset per record. The interval runs from
 * the start to the end of the last answer. Thread-safe as used: one {@link #run} at a time.
 */
final class KeyedProducer {
    private static final byte[] OFFSET = "\"offset\":".getBytes(StandardCharsets.US_ASCII);

    private final String url;
    private final long serverPid;
    private final int keys;
    private final int valueBytes;
    private final int batch;
    private final int connections;
    private final Errors errors;
    /** Body {@code m} holds the records of keys {@code m * batch} to {@code m * batch + batch - 1}. */
    private final byte[][] bodies;

    KeyedProducer(String url, long serverPid, int keys, int valueBytes, int batch, int connections, Errors errors) {
        this.url = url;
        this.serverPid = serverPid;
        this.keys = keys;
        this.valueBytes = valueBytes;
        this.batch = batch;
        this.connections = connections;
        this.errors = errors;
        if (keys % batch != 0) {
            throw new IllegalArgumentException("keys (" + keys + ") must be a multiple of the batch (" + batch + ")");
        }
        this.bodies = new byte[keys / batch][];
        for (int m = 0; m < bodies.length; m++) {
            bodies[m] = body((long) m * batch);
        }
    }

    /**
     * Sends up to {@code maxRecords} records (whole batches), keys from {@code k-0000000} on, until
     * {@code stop} says so (checked before each request), and returns the line's figures.
     */
    Row run(String label, String topic, long maxRecords, BooleanSupplier stop) throws InterruptedException {
        URI uri = URI.create(url + "/topics/" + topic + "/records?acks=all");
        AtomicLong nextBatch = new AtomicLong();
        long batches = maxRecords / batch;
        Samples[] lat = new Samples[connections];
        long[] records = new long[connections];
        long[] lastEnd = new long[connections];
        long[] failed = new long[connections];
        Thread[] threads = new Thread[connections];
        Cpu cpu = new Cpu(serverPid);
        long from = System.nanoTime();
        String where = "produce " + topic;
        for (int w = 0; w < connections; w++) {
            int id = w;
            lat[w] = new Samples();
            threads[w] = new Thread(() -> {
                HttpClient client = Http.newClient();
                while (!stop.getAsBoolean()) {
                    long b = nextBatch.getAndIncrement();
                    if (b >= batches) {
                        break;
                    }
                    HttpRequest req = HttpRequest.newBuilder(uri).timeout(Http.REQUEST_TIMEOUT)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(bodies[(int) (b % bodies.length)])).build();
                    long t0 = System.nanoTime();
                    boolean ok;
                    try {
                        HttpResponse<byte[]> r = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
                        ok = r.statusCode() == 200 && JsonScan.count(r.body(), OFFSET) == batch;
                        if (!ok) {
                            errors.add(where, r);
                        }
                    } catch (IOException e) {
                        ok = false;
                        errors.add(where, e);
                    } catch (InterruptedException e) {
                        return;
                    }
                    long t1 = System.nanoTime();
                    lat[id].add(t1 - t0);
                    lastEnd[id] = t1;
                    if (ok) {
                        records[id] += batch;
                    } else {
                        failed[id]++;
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // do not spin on a failing server
                    }
                }
            }, "keyed-produce-" + w);
            threads[w].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        String cpuUse = cpu.since();
        Samples all = new Samples();
        long total = 0, bad = 0, end = from;
        for (int w = 0; w < connections; w++) {
            all.addAll(lat[w]);
            total += records[w];
            bad += failed[w];
            end = Math.max(end, lastEnd[w]);
        }
        return new Row("produce", String.format(Locale.ROOT, "%s keyed batch=%d value=%dB conns=%d", label, batch, valueBytes,
                connections), total, (end - from) / 1e9, total * valueBytes, -1, all.sorted(), "errors=" + bad + "  " + cpuUse);
    }

    /** The body of the batch of keys {@code firstKey} to {@code firstKey + batch - 1}. */
    private byte[] body(long firstKey) {
        StringBuilder sb = new StringBuilder(batch * (valueBytes + 32) + 16).append("{\"records\":[");
        for (int i = 0; i < batch; i++) {
            long key = firstKey + i;
            sb.append(i == 0 ? "{\"key\":\"" : ",{\"key\":\"").append(String.format(Locale.ROOT, "k-%07d", key))
                    .append("\",\"value\":").append(Values.of(key, 0, valueBytes)).append('}');
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }
}
