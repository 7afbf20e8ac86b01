/*
 * Runnel benchmark: a single-file Java 17 program with no dependencies beyond the JDK.
 *
 *   java bench/RunnelBench.java --url http://127.0.0.1:8080 [options]      (--help lists them)
 *
 * It is not a test and is never run by the Maven build. It talks to a running Runnel over HTTP/1.1
 * with java.net.http.HttpClient, one client (hence one connection) per worker thread, and prints one
 * line of figures per scenario:
 *
 *   produce  closed loop: each connection sends a pre-built batch, waits for the answer, sends the
 *            next. records/s, MB/s of value bytes, request latency p50/p99/max.
 *   fetch    reads back everything the produce scenarios wrote, by offset, per partition, in
 *            chunks shared by the connections. records/s, MB/s of value bytes (and of response bytes).
 *   latency  one consumer long-polls partition 0 from the latest offset; a producer sends one record
 *            per request at a fixed rate with System.nanoTime() in the value; latency = when the
 *            consumer has the response holding the record - when the record was sent.
 *
 * Every run uses fresh topics named <prefix>-<run id>-..., deleted at the end unless --keep-topics.
 * MB means 10^6 bytes. Percentiles are nearest-rank over every sample (sorted array).
 */

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

public final class RunnelBench {

    // ------------------------------------------------------------------------------------------
    // Options

    static final class Options {
        String url = "http://127.0.0.1:8080";
        boolean quick;
        Set<String> scenarios = new LinkedHashSet<>(List.of("produce", "fetch", "latency"));
        int partitions = 3;
        int initialWarmupSeconds = 10;
        int warmupSeconds = 3;
        int produceSeconds = 10;
        long produceMaxRecords = 2_000_000;
        int[] connections = {1, 8};
        int[] batchSizes = {100, 1000};
        int valueBytes = 100;
        int largeValueBytes = 1024;
        int largeBatch = 100;
        int largeConnections = 8;
        int bodiesPerScenario = 8;
        String acks = "all";
        int fetchLimit = 2000;
        int fetchMaxBytes = 16 * 1024 * 1024;
        int fetchSeconds = 60;
        int fetchChunk = 50_000;
        int latencyRate = 200;
        int latencySeconds = 10;
        int latencyWarmupSeconds = 1;
        int waitMs = 5000;
        String prefix = "runnel-bench";
        boolean keepTopics;
        long serverPid = -1;

        static final String HELP = """
                usage: java bench/RunnelBench.java [options]
                  --url URL                   Runnel base URL (default http://127.0.0.1:8080)
                  --quick                     short run (~30-40 s): initial warmup 3 s, warmup 1 s, produce 2 s,
                                              fetch <= 6 s per level, latency 4 s
                  --scenarios LIST            any of produce,fetch,latency (default all; fetch reads what produce wrote)
                  --partitions N              partitions of each produce topic (default 3)
                  --initial-warmup-seconds N  unmeasured produce+fetch load on the scratch topic before everything,
                                              so that both JVMs have compiled their hot paths (default 10; quick 3)
                  --warmup-seconds N          unmeasured load of the same shape (to the scratch topic) before each
                                              produce scenario, and unmeasured reading before fetch (default 3; quick 1)
                  --produce-seconds N         measured time of each produce scenario (default 10; quick 2)
                  --produce-max-records N     ... and at most this many records (default 2000000; quick 300000),
                                              which bounds what the fetch scenario has to read back
                  --connections LIST          produce concurrency levels (default 1,8)
                  --batch-sizes LIST          records per produce request (default 100,1000)
                  --value-bytes N             size of each record value, compact JSON (default 100)
                  --large-value-bytes N       value size of the extra large-value scenario (default 1024; 0 = skip it)
                  --large-batch N             batch of the large-value scenario (default 100)
                  --large-connections N       connections of the large-value scenario (default 8)
                  --acks all|leader|none      produce acks (default all)
                  --fetch-limit N             records per fetch request (default 2000)
                  --fetch-max-bytes N         maxBytes per fetch request (default 16777216)
                  --fetch-seconds N           upper bound of each fetch scenario (default 60; quick 6)
                  --fetch-chunk N             offsets per unit of work handed to a fetch connection (default 50000)
                  --latency-rate N            records/s sent in the latency scenario (default 200)
                  --latency-seconds N         measured time of the latency scenario (default 10; quick 4)
                  --latency-warmup-seconds N  unmeasured first part of the latency scenario (default 1)
                  --wait-ms N                 long-poll waitMs of the latency consumer (default 5000)
                  --prefix NAME               topic name prefix (default runnel-bench)
                  --keep-topics               do not delete the topics at the end
                  --server-pid PID            the node's process id, if on this machine (Linux): each line then shows
                                              the CPU used by the node, by this program and by everything else
                """;

        static Options parse(String[] args) {
            Options o = new Options();
            Map<String, String> given = new TreeMap<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--help") || a.equals("-h")) {
                    System.out.print(HELP);
                    System.exit(0);
                }
                if (!a.startsWith("--")) {
                    throw new IllegalArgumentException("unexpected argument " + a);
                }
                String name = a.substring(2);
                String value;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                } else if (name.equals("quick") || name.equals("keep-topics")) {
                    value = "true";
                } else {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--" + name + " needs a value");
                    }
                    value = args[++i];
                }
                given.put(name, value);
            }
            if (Boolean.parseBoolean(given.getOrDefault("quick", "false"))) {
                o.quick = true;
                o.initialWarmupSeconds = 3;
                o.warmupSeconds = 1;
                o.produceSeconds = 2;
                o.produceMaxRecords = 300_000;
                o.fetchSeconds = 6;
                o.latencySeconds = 4;
            }
            for (Map.Entry<String, String> e : given.entrySet()) {
                String v = e.getValue();
                switch (e.getKey()) {
                    case "quick" -> { }
                    case "url" -> o.url = v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
                    case "scenarios" -> o.scenarios = new LinkedHashSet<>(List.of(v.split(",")));
                    case "partitions" -> o.partitions = positive(e);
                    case "initial-warmup-seconds" -> o.initialWarmupSeconds = nonNegative(e);
                    case "warmup-seconds" -> o.warmupSeconds = nonNegative(e);
                    case "produce-seconds" -> o.produceSeconds = positive(e);
                    case "produce-max-records" -> o.produceMaxRecords = Long.parseLong(v);
                    case "connections" -> o.connections = list(e);
                    case "batch-sizes" -> o.batchSizes = list(e);
                    case "value-bytes" -> o.valueBytes = atLeast(e, Values.MIN_SIZE);
                    case "large-value-bytes" -> o.largeValueBytes = Integer.parseInt(v);
                    case "large-batch" -> o.largeBatch = positive(e);
                    case "large-connections" -> o.largeConnections = positive(e);
                    case "acks" -> o.acks = v;
                    case "fetch-limit" -> o.fetchLimit = positive(e);
                    case "fetch-max-bytes" -> o.fetchMaxBytes = positive(e);
                    case "fetch-seconds" -> o.fetchSeconds = positive(e);
                    case "fetch-chunk" -> o.fetchChunk = positive(e);
                    case "latency-rate" -> o.latencyRate = positive(e);
                    case "latency-seconds" -> o.latencySeconds = positive(e);
                    case "latency-warmup-seconds" -> o.latencyWarmupSeconds = nonNegative(e);
                    case "wait-ms" -> o.waitMs = positive(e);
                    case "prefix" -> o.prefix = v;
                    case "keep-topics" -> o.keepTopics = Boolean.parseBoolean(v);
                    case "server-pid" -> o.serverPid = Long.parseLong(v);
                    default -> throw new IllegalArgumentException("unknown option --" + e.getKey() + " (see --help)");
                }
            }
            for (String s : o.scenarios) {
                if (!Set.of("produce", "fetch", "latency").contains(s)) {
                    throw new IllegalArgumentException("unknown scenario " + s);
                }
            }
            if (o.largeValueBytes != 0 && o.largeValueBytes < Values.MIN_SIZE) {
                throw new IllegalArgumentException("--large-value-bytes must be 0 or at least " + Values.MIN_SIZE);
            }
            return o;
        }

        private static int positive(Map.Entry<String, String> e) {
            return atLeast(e, 1);
        }

        private static int nonNegative(Map.Entry<String, String> e) {
            return atLeast(e, 0);
        }

        private static int atLeast(Map.Entry<String, String> e, int min) {
            int v = Integer.parseInt(e.getValue());
            if (v < min) {
                throw new IllegalArgumentException("--" + e.getKey() + " must be at least " + min);
            }
            return v;
        }

        private static int[] list(Map.Entry<String, String> e) {
            int[] r = Arrays.stream(e.getValue().split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
            if (r.length == 0 || Arrays.stream(r).anyMatch(x -> x < 1)) {
                throw new IllegalArgumentException("--" + e.getKey() + " must be a list of positive numbers");
            }
            return r;
        }

        String describe() {
            return String.format(Locale.ROOT,
                    "url=%s mode=%s scenarios=%s partitions=%d acks=%s initial warmup=%ds warmup=%ds produce=%ds/%d records connections=%s batches=%s "
                            + "value=%dB large=%s fetch: limit=%d maxBytes=%d chunk=%d bound=%ds "
                            + "latency: rate=%d/s for %ds (+%ds warmup) waitMs=%d",
                    url, quick ? "quick" : "full", String.join(",", scenarios), partitions, acks, initialWarmupSeconds, warmupSeconds,
                    produceSeconds, produceMaxRecords, Arrays.toString(connections), Arrays.toString(batchSizes), valueBytes,
                    largeValueBytes == 0 ? "off" : largeValueBytes + "B x" + largeBatch + " @" + largeConnections + "conn",
                    fetchLimit, fetchMaxBytes, fetchChunk, fetchSeconds, latencyRate, latencySeconds,
                    latencyWarmupSeconds, waitMs);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Small helpers: HTTP, byte scanning, latency samples, errors

    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    static HttpClient newClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /** Every non-2xx answer or I/O failure, by description; the first few are kept verbatim. */
    static final class Errors {
        final AtomicLong count = new AtomicLong();
        final ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();
        final AtomicInteger kept = new AtomicInteger();

        void add(String where, String what) {
            count.incrementAndGet();
            if (kept.incrementAndGet() <= 10) {
                samples.add(Instant.now() + " " + where + ": " + what);
            }
        }

        void add(String where, HttpResponse<byte[]> r) {
            String body = new String(r.body(), 0, Math.min(r.body().length, 400), StandardCharsets.UTF_8);
            add(where, "HTTP " + r.statusCode() + " " + body);
        }

        void add(String where, Throwable t) {
            add(where, t.getClass().getSimpleName() + ": " + t.getMessage());
        }
    }

    static final Errors ERRORS = new Errors();

    /** A growable array of nanosecond samples. */
    static final class Samples {
        long[] a = new long[1024];
        int n;

        void add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        void addAll(Samples o) {
            for (int i = 0; i < o.n; i++) {
                add(o.a[i]);
            }
        }

        long[] sorted() {
            long[] s = Arrays.copyOf(a, n);
            Arrays.sort(s);
            return s;
        }
    }

    /** Nearest-rank percentile of sorted samples; -1 if there are none. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static String ms(long nanos) {
        return nanos < 0 ? "-" : String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }

    static String latencies(long[] sorted) {
        return String.format(Locale.ROOT, "p50=%sms p99=%sms max=%sms", ms(percentile(sorted, 50)),
                ms(percentile(sorted, 99)), ms(sorted.length == 0 ? -1 : sorted[sorted.length - 1]));
    }

    static int count(byte[] hay, byte[] needle) {
        int n = 0;
        outer:
        for (int i = 0, last = hay.length - needle.length; i <= last; i++) {
            if (hay[i] != needle[0]) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            n++;
            i += needle.length - 1;
        }
        return n;
    }

    /** The number after the last occurrence of "key": in body, or -1. */
    static long lastNumber(byte[] body, String key) {
        byte[] k = ("\"" + key + "\":").getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = body.length - k.length; i >= 0; i--) {
            for (int j = 0; j < k.length; j++) {
                if (body[i + j] != k[j]) {
                    continue outer;
                }
            }
            int p = i + k.length;
            while (p < body.length && body[p] == ' ') {
                p++;
            }
            long v = 0;
            int digits = 0;
            while (p < body.length && body[p] >= '0' && body[p] <= '9') {
                v = v * 10 + (body[p++] - '0');
                digits++;
            }
            return digits == 0 ? -1 : v;
        }
        return -1;
    }

    /** The number after "key": at or after from in s; {value, index after it} or null. */
    static long[] numberAfter(String s, String key, int from) {
        int i = s.indexOf("\"" + key + "\":", from);
        if (i < 0) {
            return null;
        }
        int p = i + key.length() + 3;
        while (p < s.length() && s.charAt(p) == ' ') {
            p++;
        }
        long v = 0;
        int start = p;
        while (p < s.length() && Character.isDigit(s.charAt(p))) {
            v = v * 10 + (s.charAt(p++) - '0');
        }
        return p == start ? null : new long[] {v, p};
    }

    static final class Http {
        final String base;
        final HttpClient client = newClient();

        Http(String base) {
            this.base = base;
        }

        HttpResponse<byte[]> send(HttpRequest r) throws IOException, InterruptedException {
            return client.send(r, HttpResponse.BodyHandlers.ofByteArray());
        }

        HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
            return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST_TIMEOUT).GET().build());
        }

        HttpResponse<byte[]> postJson(String path, String json) throws IOException, InterruptedException {
            return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST_TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build());
        }

        HttpResponse<byte[]> delete(String path) throws IOException, InterruptedException {
            return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(REQUEST_TIMEOUT).DELETE().build());
        }

        void createTopic(String name, int partitions) throws IOException, InterruptedException {
            HttpResponse<byte[]> r = postJson("/topics", "{\"name\":\"" + name + "\",\"partitions\":" + partitions + "}");
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
            return new long[] {lastNumber(r.body(), "logStartOffset"), lastNumber(r.body(), "highWatermark")};
        }
    }

    /** Record values: compact JSON objects of an exact size in bytes (ASCII only). */
    static final class Values {
        static final int MIN_SIZE = 64;

        static String of(long seq, long sent, int size) {
            String head = "{\"seq\":" + seq + ",\"sent\":" + sent + ",\"src\":\"runnel-bench\",\"pad\":\"";
            int pad = size - head.length() - 2;
            if (pad < 0) {
                throw new IllegalArgumentException("value size " + size + " too small");
            }
            StringBuilder sb = new StringBuilder(size).append(head);
            for (int i = 0; i < pad; i++) {
                sb.append((char) ('a' + (int) ((seq + i) % 26)));
            }
            return sb.append("\"}").toString();
        }
    }

    // ------------------------------------------------------------------------------------------
    // CPU accounting (Linux /proc): how many cores the node, this program and everything else used

    static final class Cpu {
        static final double TICKS_PER_SECOND = 100; // USER_HZ, 100 on every usual Linux build
        static long serverPid = -1;
        final long wall = System.nanoTime();
        final long machineBusy = machineBusyTicks();
        final long self = processTicks("self");
        final long server = serverPid > 0 ? processTicks(Long.toString(serverPid)) : -1;

        /** user+nice+system+irq+softirq+steal of all cores, or -1. */
        static long machineBusyTicks() {
            try {
                String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                long busy = 0;
                for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                    busy += Long.parseLong(f[i]);
                }
                return busy;
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }

        /** utime+stime of a process, or -1. */
        static long processTicks(String pid) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }

        /** "cpu cores: node=1.52 bench=0.31 other=0.10" since this sample, or "" without /proc. */
        String since() {
            double seconds = (System.nanoTime() - wall) / 1e9;
            long busy = machineBusyTicks(), me = processTicks("self");
            if (busy < 0 || machineBusy < 0 || me < 0 || self < 0 || seconds <= 0) {
                return "";
            }
            double total = (busy - machineBusy) / TICKS_PER_SECOND / seconds;
            double bench = (me - self) / TICKS_PER_SECOND / seconds;
            long now = server >= 0 ? processTicks(Long.toString(serverPid)) : -1;
            if (now < 0) {
                return String.format(Locale.ROOT, "cpu cores: all=%.2f bench=%.2f", total, bench);
            }
            double node = (now - server) / TICKS_PER_SECOND / seconds;
            return String.format(Locale.ROOT, "cpu cores: node=%.2f bench=%.2f other=%.2f", node, bench,
                    Math.max(0, total - node - bench));
        }
    }

    // ------------------------------------------------------------------------------------------
    // Results

    record Row(String scenario, String settings, long records, double seconds, long valueBytes, long wireBytes,
               long[] latencySorted, String extra) {
        double recordsPerSecond() {
            return seconds > 0 ? records / seconds : 0;
        }

        double mbPerSecond() {
            return seconds > 0 ? valueBytes / seconds / 1e6 : 0;
        }

        String line() {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-8s %-32s", scenario, settings));
            if (records >= 0) {
                sb.append(String.format(Locale.ROOT, " records=%,11d in %6.2fs  %,9.0f rec/s  %7.2f MB/s", records, seconds,
                        recordsPerSecond(), mbPerSecond()));
            }
            if (latencySorted != null) {
                sb.append("  ").append(latencies(latencySorted)).append(" (n=").append(latencySorted.length).append(')');
            }
            if (extra != null && !extra.isEmpty()) {
                sb.append("  ").append(extra);
            }
            return sb.toString();
        }
    }

    static final List<Row> ROWS = new ArrayList<>();

    static void report(Row row) {
        ROWS.add(row);
        System.out.println(row.line());
        System.out.flush();
    }

    // ------------------------------------------------------------------------------------------
    // Produce

    record ProduceTopic(String name, int valueBytes) {
    }

    static final List<ProduceTopic> PRODUCED = new ArrayList<>();
    /** Every topic this run created, to delete at the end. */
    static final List<String> TOPICS = new ArrayList<>();

    static void produce(Options o, String runId, int batch, int valueBytes, int connections) throws Exception {
        String topic = o.prefix + "-" + runId + "-b" + batch + "-v" + valueBytes + "-c" + connections;
        new Http(o.url).createTopic(topic, o.partitions);
        PRODUCED.add(new ProduceTopic(topic, valueBytes));
        TOPICS.add(topic);
        if (o.warmupSeconds > 0) {
            // The same load, unmeasured, to the scratch topic: the measured topic holds only measured records.
            produceLoad(o, scratchTopic(o, runId), batch, valueBytes, connections, o.warmupSeconds, Long.MAX_VALUE);
        }
        report(produceLoad(o, topic, batch, valueBytes, connections, o.produceSeconds, o.produceMaxRecords));
    }

    static String scratch;

    /** The topic that takes every unmeasured load, created on first use. */
    static String scratchTopic(Options o, String runId) throws Exception {
        if (scratch == null) {
            String name = o.prefix + "-" + runId + "-warmup";
            new Http(o.url).createTopic(name, o.partitions);
            TOPICS.add(name);
            scratch = name;
        }
        return scratch;
    }

    /**
     * Closed-loop produce of pre-built batches with the given connections for at most the given
     * seconds and records: a request is only started before the time is up and while the records
     * of the requests started so far stay within maxRecords.
     */
    static Row produceLoad(Options o, String topic, int batch, int valueBytes, int connections, double seconds,
                           long maxRecords) throws Exception {
        // Request bodies are built once; workers cycle through them.
        URI uri = URI.create(o.url + "/topics/" + topic + "/records?acks=" + URLEncoder.encode(o.acks, StandardCharsets.UTF_8));
        HttpRequest[] requests = new HttpRequest[o.bodiesPerScenario];
        for (int b = 0; b < requests.length; b++) {
            StringBuilder sb = new StringBuilder(batch * (valueBytes + 12) + 16).append("{\"records\":[");
            for (int i = 0; i < batch; i++) {
                sb.append(i == 0 ? "{\"value\":" : ",{\"value\":").append(Values.of((long) b * batch + i, 0, valueBytes)).append('}');
            }
            byte[] body = sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
            requests[b] = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        }
        byte[] offsetKey = "\"offset\":".getBytes(StandardCharsets.US_ASCII);
        boolean expectOffsets = !o.acks.equals("none");

        AtomicLong claimed = new AtomicLong();
        Cpu cpu = new Cpu();
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
                HttpClient client = newClient();
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
                        ok = r.statusCode() == expectedStatus && (!expectOffsets || count(r.body(), offsetKey) == batch);
                        if (!ok) {
                            ERRORS.add(where, r);
                        }
                    } catch (IOException e) {
                        ok = false;
                        ERRORS.add(where, e);
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
                    }
                    if (!ok) {
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
        return new Row("produce", String.format(Locale.ROOT, "batch=%d value=%dB conns=%d", batch, valueBytes, connections),
                total, (end - measureFrom) / 1e9, total * valueBytes, -1, all.sorted(), "errors=" + errors + "  " + cpuUse);
    }

    /**
     * Unmeasured load on a scratch topic before any scenario, so that the server's and this
     * process's hot paths are compiled: produce with both batch sizes, then fetch it back.
     */
    static void initialWarmup(Options o, String topic) throws Exception {
        double third = o.initialWarmupSeconds / 3.0;
        Thread small = new Thread(() -> {
            try {
                produceLoad(o, topic, o.batchSizes[0], o.valueBytes, 4, 2 * third, Long.MAX_VALUE);
            } catch (Exception e) {
                ERRORS.add("initial warm-up", e);
            }
        });
        small.start();
        produceLoad(o, topic, o.batchSizes[o.batchSizes.length - 1], o.valueBytes, 1, 2 * third, Long.MAX_VALUE);
        small.join();
        fetch(o, chunks(o, List.of(new ProduceTopic(topic, o.valueBytes))), 2, (long) (third * 1e9), false);
    }

    // ------------------------------------------------------------------------------------------
    // Fetch

    record Chunk(String topic, int partition, long from, long to, int valueBytes) {
    }

    static List<Chunk> chunks(Options o, List<ProduceTopic> topics) throws Exception {
        Http admin = new Http(o.url);
        List<Chunk> chunks = new ArrayList<>();
        for (ProduceTopic t : topics) {
            for (int p = 0; p < o.partitions; p++) {
                long[] off = admin.offsets(t.name(), p);
                for (long from = off[0]; from < off[1]; from += o.fetchChunk) {
                    chunks.add(new Chunk(t.name(), p, from, Math.min(off[1], from + o.fetchChunk), t.valueBytes()));
                }
            }
        }
        return chunks;
    }

    /** Reads every chunk with the given connections until done or the deadline; one Row. */
    static Row fetch(Options o, List<Chunk> chunks, int connections, long boundNanos, boolean report) throws Exception {
        ConcurrentLinkedQueue<Chunk> queue = new ConcurrentLinkedQueue<>(chunks);
        long expected = chunks.stream().mapToLong(c -> c.to() - c.from()).sum();
        byte[] offsetKey = "\"offset\":".getBytes(StandardCharsets.US_ASCII);
        Cpu cpu = new Cpu();
        long start = System.nanoTime();
        long deadline = start + boundNanos;
        Samples[] lat = new Samples[connections];
        long[][] counts = new long[connections][4]; // records, value bytes, wire bytes, errors
        long[] lastEnd = new long[connections];
        Thread[] threads = new Thread[connections];
        for (int w = 0; w < connections; w++) {
            int id = w;
            lat[w] = new Samples();
            threads[w] = new Thread(() -> {
                HttpClient client = newClient();
                Chunk c;
                while (System.nanoTime() < deadline && (c = queue.poll()) != null) {
                    long offset = c.from();
                    String where = "fetch " + c.topic() + "/" + c.partition();
                    while (offset < c.to() && System.nanoTime() < deadline) {
                        int limit = (int) Math.min(o.fetchLimit, c.to() - offset);
                        URI uri = URI.create(o.url + "/topics/" + c.topic() + "/partitions/" + c.partition()
                                + "/records?offset=" + offset + "&limit=" + limit + "&maxBytes=" + o.fetchMaxBytes);
                        long t0 = System.nanoTime();
                        HttpResponse<byte[]> r;
                        try {
                            r = client.send(HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET().build(),
                                    HttpResponse.BodyHandlers.ofByteArray());
                        } catch (IOException e) {
                            ERRORS.add(where, e);
                            counts[id][3]++;
                            break;
                        } catch (InterruptedException e) {
                            return;
                        }
                        long t1 = System.nanoTime();
                        lat[id].add(t1 - t0);
                        lastEnd[id] = t1;
                        long next = r.statusCode() == 200 ? lastNumber(r.body(), "nextOffset") : -1;
                        int n = r.statusCode() == 200 ? count(r.body(), offsetKey) : -1;
                        if (next <= offset || n != next - offset) {
                            ERRORS.add(where + " offset=" + offset, r.statusCode() == 200
                                    ? "inconsistent answer: " + n + " records, nextOffset " + next : "HTTP " + r.statusCode()
                                    + " " + new String(r.body(), 0, Math.min(400, r.body().length), StandardCharsets.UTF_8));
                            counts[id][3]++;
                            break; // give up this chunk rather than loop on it
                        }
                        counts[id][0] += n;
                        counts[id][1] += (long) n * c.valueBytes();
                        counts[id][2] += r.body().length;
                        offset = next;
                    }
                }
            }, "fetch-" + w);
            threads[w].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        Samples all = new Samples();
        long records = 0, valueBytes = 0, wire = 0, errors = 0, end = start;
        for (int w = 0; w < connections; w++) {
            all.addAll(lat[w]);
            records += counts[w][0];
            valueBytes += counts[w][1];
            wire += counts[w][2];
            errors += counts[w][3];
            end = Math.max(end, lastEnd[w]);
        }
        double seconds = (end - start) / 1e9;
        String extra = String.format(Locale.ROOT, "wire %.2f MB/s  %s errors=%d  %s", seconds > 0 ? wire / seconds / 1e6 : 0,
                records == expected ? "read all " + expected : "PARTIAL: read " + records + " of " + expected, errors,
                cpu.since());
        Row row = new Row("fetch", String.format(Locale.ROOT, "limit=%d conns=%d", o.fetchLimit, connections),
                records, seconds, valueBytes, wire, all.sorted(), extra);
        if (report) {
            report(row);
        }
        return row;
    }

    // ------------------------------------------------------------------------------------------
    // Produce -> long-poll latency

    static void latency(Options o, String runId) throws Exception {
        String topic = o.prefix + "-" + runId + "-latency";
        Http admin = new Http(o.url);
        admin.createTopic(topic, 1);
        int warm = o.latencyRate * o.latencyWarmupSeconds;
        int total = warm + o.latencyRate * o.latencySeconds;
        long period = TimeUnit.SECONDS.toNanos(1) / o.latencyRate;
        long[] e2e = new long[total];
        long[] ack = new long[total];
        Arrays.fill(e2e, -1);
        Arrays.fill(ack, -1);
        AtomicLong duplicates = new AtomicLong();
        AtomicLong polls = new AtomicLong();
        AtomicLong emptyPolls = new AtomicLong();
        long producerBound = TimeUnit.SECONDS.toNanos(o.latencyWarmupSeconds + o.latencySeconds);
        long consumerDeadline = System.nanoTime() + producerBound + TimeUnit.SECONDS.toNanos(15);

        Thread consumer = new Thread(() -> {
            HttpClient client = newClient();
            String path = o.url + "/topics/" + topic + "/partitions/0/records?limit=1000&maxBytes=1048576&waitMs=" + o.waitMs
                    + "&offset=";
            String offset = "latest";
            int seen = 0;
            while (seen < total && System.nanoTime() < consumerDeadline) {
                HttpResponse<byte[]> r;
                try {
                    r = client.send(HttpRequest.newBuilder(URI.create(path + offset))
                                    .timeout(Duration.ofMillis(o.waitMs).plusSeconds(15)).GET().build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                } catch (IOException e) {
                    ERRORS.add("long-poll " + topic, e);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                    continue;
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                polls.incrementAndGet();
                if (r.statusCode() != 200) {
                    ERRORS.add("long-poll " + topic, r);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                    continue;
                }
                String s = new String(r.body(), StandardCharsets.UTF_8);
                int at = 0, inThisPoll = 0;
                long[] seq;
                while ((seq = numberAfter(s, "seq", at)) != null) {
                    long[] sent = numberAfter(s, "sent", (int) seq[1]);
                    if (sent == null) {
                        break;
                    }
                    at = (int) sent[1];
                    inThisPoll++;
                    int i = (int) seq[0];
                    if (i < 0 || i >= total || e2e[i] >= 0) {
                        duplicates.incrementAndGet();
                    } else {
                        e2e[i] = now - sent[0];
                        seen++;
                    }
                }
                if (inThisPoll == 0) {
                    emptyPolls.incrementAndGet();
                }
                long next = lastNumber(r.body(), "nextOffset");
                if (next < 0) {
                    ERRORS.add("long-poll " + topic, "no nextOffset in " + s.substring(0, Math.min(200, s.length())));
                    return;
                }
                offset = Long.toString(next);
            }
        }, "long-poll");
        consumer.start();
        Thread.sleep(300); // let the first long poll reach the server and park

        HttpClient producer = newClient();
        URI uri = URI.create(o.url + "/topics/" + topic + "/partitions/0/records?acks=" + o.acks);
        List<CompletableFuture<?>> inFlight = new ArrayList<>(total);
        AtomicInteger outstanding = new AtomicInteger();
        int maxOutstanding = 0;
        long maxLag = 0;
        Cpu cpu = null;
        long t0 = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long target = t0 + i * period;
            long d;
            while ((d = target - System.nanoTime()) > 0) {
                LockSupport.parkNanos(d);
            }
            if (i == warm) {
                cpu = new Cpu();
            }
            long sent = System.nanoTime();
            maxLag = Math.max(maxLag, sent - target);
            int nowOutstanding = outstanding.incrementAndGet();
            if (i >= warm) {
                maxOutstanding = Math.max(maxOutstanding, nowOutstanding);
            }
            String body = "{\"records\":[{\"value\":" + Values.of(i, sent, o.valueBytes) + "}]}";
            int idx = i;
            inFlight.add(producer.sendAsync(HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray())
                    .whenComplete((r, ex) -> {
                        outstanding.decrementAndGet();
                        if (ex != null) {
                            ERRORS.add("latency produce", ex);
                        } else if (r.statusCode() != 200 && r.statusCode() != 202) {
                            ERRORS.add("latency produce", r);
                        } else {
                            ack[idx] = System.nanoTime() - sent;
                        }
                    }));
        }
        try {
            CompletableFuture.allOf(inFlight.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            ERRORS.add("latency produce", e);
        }
        consumer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(consumerDeadline - System.nanoTime()) + 1000));
        if (consumer.isAlive()) {
            consumer.interrupt();
        }
        Samples s = new Samples();
        Samples acks = new Samples();
        int missing = 0;
        for (int i = warm; i < total; i++) {
            if (e2e[i] >= 0) {
                s.add(e2e[i]);
            } else {
                missing++;
            }
            if (ack[i] >= 0) {
                acks.add(ack[i]);
            }
        }
        String extra = String.format(Locale.ROOT,
                "missing=%d duplicates=%d polls=%d (empty %d)  produce ack %s  max send lag %sms, max in flight %d  %s",
                missing, duplicates.get(), polls.get(), emptyPolls.get(), latencies(acks.sorted()), ms(maxLag), maxOutstanding,
                cpu == null ? "" : cpu.since());
        report(new Row("latency", String.format(Locale.ROOT, "rate=%d/s %ds waitMs=%d", o.latencyRate, o.latencySeconds, o.waitMs),
                -1, 0, 0, 0, s.sorted(), extra));
    }

    // ------------------------------------------------------------------------------------------
    // Main

    static String machine() {
        StringBuilder sb = new StringBuilder();
        Runtime rt = Runtime.getRuntime();
        sb.append("cores=").append(rt.availableProcessors());
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    sb.append(" cpu=\"").append(line.substring(line.indexOf(':') + 1).trim()).append('"');
                    break;
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal")) {
                    sb.append(" mem=").append(line.substring(line.indexOf(':') + 1).trim().replace(" ", ""));
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the rest is enough
        }
        sb.append(" os=").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version"))
                .append(' ').append(System.getProperty("os.arch"));
        sb.append(" java=").append(System.getProperty("java.version")).append(" (").append(System.getProperty("java.vm.name"))
                .append(' ').append(System.getProperty("java.vm.version")).append(')');
        return sb.toString();
    }

    /** The 1/5/15-minute load averages, to show whether something else was using the machine. */
    static String loadavg() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("RunnelBench: " + e.getMessage());
            System.err.print(Options.HELP);
            System.exit(2);
            return;
        }
        Cpu.serverPid = o.serverPid;
        String runId = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now())
                + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        System.out.println("# RunnelBench " + DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
                + "  run " + runId);
        System.out.println("# machine: " + machine());
        System.out.println("# load average at start: " + loadavg());
        System.out.println("# settings: " + o.describe());
        Http admin = new Http(o.url);
        try {
            HttpResponse<byte[]> info = admin.get("/actuator/info");
            System.out.println("# server: " + o.url + " " + new String(info.body(), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            System.err.println("RunnelBench: cannot reach " + o.url + ": " + e);
            System.exit(2);
        }
        System.out.flush();
        long started = System.nanoTime();
        List<String> topics = TOPICS;
        try {
            if (o.initialWarmupSeconds > 0) {
                initialWarmup(o, scratchTopic(o, runId));
            }
            if (o.scenarios.contains("produce") || o.scenarios.contains("fetch")) {
                for (int batch : o.batchSizes) {
                    for (int conns : o.connections) {
                        produce(o, runId, batch, o.valueBytes, conns);
                    }
                }
                if (o.largeValueBytes > 0) {
                    produce(o, runId, o.largeBatch, o.largeValueBytes, o.largeConnections);
                }
            }
            if (o.scenarios.contains("fetch")) {
                List<Chunk> chunks = chunks(o, PRODUCED);
                if (o.warmupSeconds > 0) {
                    fetch(o, chunks, 1, TimeUnit.SECONDS.toNanos(o.warmupSeconds), false); // unmeasured warm-up
                }
                int[] fetchConnections = Arrays.stream(o.connections).distinct().toArray();
                for (int conns : fetchConnections) {
                    fetch(o, chunks, conns, TimeUnit.SECONDS.toNanos(o.fetchSeconds), true);
                }
            }
            if (o.scenarios.contains("latency")) {
                topics.add(o.prefix + "-" + runId + "-latency");
                latency(o, runId);
            }
        } finally {
            if (!o.keepTopics) {
                for (String t : topics) {
                    try {
                        HttpResponse<byte[]> r = admin.delete("/topics/" + t);
                        if (r.statusCode() != 204) {
                            System.err.println("# could not delete topic " + t + ": HTTP " + r.statusCode());
                        }
                    } catch (IOException e) {
                        System.err.println("# could not delete topic " + t + ": " + e);
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "# total time %.1fs, errors %d, load average at end: %s%n",
                (System.nanoTime() - started) / 1e9, ERRORS.count.get(), loadavg());
        for (String e : ERRORS.samples) {
            System.out.println("# error: " + e);
        }
        System.out.println();
        System.out.println("| scenario | settings | records/s | MB/s (values) | p50 ms | p99 ms | max ms | notes |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---|");
        for (Row r : ROWS) {
            long[] l = r.latencySorted();
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |%n", r.scenario(), r.settings(),
                    r.records() >= 0 ? String.format(Locale.ROOT, "%,.0f", r.recordsPerSecond()) : "",
                    r.records() >= 0 ? String.format(Locale.ROOT, "%.2f", r.mbPerSecond()) : "",
                    ms(percentile(l, 50)), ms(percentile(l, 99)), ms(l.length == 0 ? -1 : l[l.length - 1]),
                    r.extra() == null ? "" : r.extra());
        }
        System.out.flush();
        System.exit(ERRORS.count.get() == 0 ? 0 : 1);
    }
}
