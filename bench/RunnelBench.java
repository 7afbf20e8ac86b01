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
        long groupRecords = 1_000_000;
        int groupPartitions = 6;
        int[] groupMembers = {1, 3};
        List<String> groupCommit = List.of("manual", "auto");
        int groupLimit = 1000;
        int latencyConnections = 8;
        String latencyClient = "raw";
        int groupWaitMs = 500;
        int groupSeconds = 60;
        int idleStreams = 5000;
        int idleHoldSeconds = 20;
        String prefix = "runnel-bench";
        int replicationFactor;
        int minInsyncReplicas;
        boolean keepTopics;
        long serverPid = -1;

        static final String HELP = """
                usage: java bench/RunnelBench.java [options]
                  --url URL                   Runnel base URL (default http://127.0.0.1:8080)
                  --quick                     short run (~30-40 s): initial warmup 3 s, warmup 1 s, produce 2 s,
                                              fetch <= 6 s per level, latency 4 s
                  --scenarios LIST            any of produce,fetch,latency,group,sse,sse-idle (default produce,fetch,latency;
                                              fetch reads what produce wrote)
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
                  --latency-connections N     latency/sse: the producer's connections (sender threads), as a client
                                              library keeps a few; 0 = a new request whenever one is due, as many
                                              connections as requests in flight (the first sessions' figures) (default 8)
                  --latency-client raw|jdk    latency: the long-poll consumer and the pooled producer speak HTTP/1.1 over
                                              plain sockets (raw: a small probe that leaves the CPU to the node) or
                                              through java.net.http.HttpClient (jdk, the figures before 2026-11-28 10:50)
                                              (default raw)
                  --group-records N           group: records produced (batches of 1000, 4 conns) and then consumed through
                                              each group (default 1000000; quick 200000)
                  --group-partitions N        group: partitions of its topic (default 6)
                  --group-members LIST        group: members per group, one connection and thread each (default 1,3)
                  --group-commit LIST         group: manual (PUT /groups/{g}/offsets after each read) and/or auto
                                              (commit=auto on the read) (default manual,auto)
                  --group-limit N             group: limit of each member read (default 1000)
                  --group-wait-ms N           group: waitMs of each member read (default 500)
                  --group-seconds N           group: upper bound of each consume line (default 60; quick 20)
                  (sse: an SSE stream from offset=latest instead of the long poll, with the latency-* settings)
                  --idle-streams N            sse-idle: SSE streams held open on one partition (default 5000; quick 1000)
                  --idle-hold-seconds N       sse-idle: how long they are held before measuring; 15 s or more includes one
                                              round of the server's keep-alive comments (default 20; quick 3)
                  --replication-factor N      replication factor of the topics it creates (default: the server's)
                  --min-insync-replicas N     min.insync.replicas of the topics it creates (default: the server's)
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
                o.groupRecords = 200_000;
                o.groupSeconds = 20;
                o.idleStreams = 1000;
                o.idleHoldSeconds = 3;
            }
            for (Map.Entry<String, String> e : given.entrySet()) {
                String v = e.getValue();
                switch (e.getKey()) {
                    case "quick" -> { }
                    case "url" -> o.url = v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
                    case "scenarios" -> o.scenarios = new LinkedHashSet<>(List.of(v.split(",")));
                    case "partitions" -> o.partitions = positive(e);
                    case "latency-connections" -> o.latencyConnections = nonNegative(e);
                    case "latency-client" -> {
                        if (!Set.of("raw", "jdk").contains(v)) {
                            throw new IllegalArgumentException("--latency-client must be raw or jdk");
                        }
                        o.latencyClient = v;
                    }
                    case "replication-factor" -> o.replicationFactor = positive(e);
                    case "min-insync-replicas" -> o.minInsyncReplicas = positive(e);
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
                    case "group-records" -> o.groupRecords = Long.parseLong(v);
                    case "group-partitions" -> o.groupPartitions = positive(e);
                    case "group-members" -> o.groupMembers = list(e);
                    case "group-commit" -> o.groupCommit = List.of(v.split(","));
                    case "group-limit" -> o.groupLimit = positive(e);
                    case "group-wait-ms" -> o.groupWaitMs = nonNegative(e);
                    case "group-seconds" -> o.groupSeconds = positive(e);
                    case "idle-streams" -> o.idleStreams = positive(e);
                    case "idle-hold-seconds" -> o.idleHoldSeconds = nonNegative(e);
                    case "prefix" -> o.prefix = v;
                    case "keep-topics" -> o.keepTopics = Boolean.parseBoolean(v);
                    case "server-pid" -> o.serverPid = Long.parseLong(v);
                    default -> throw new IllegalArgumentException("unknown option --" + e.getKey() + " (see --help)");
                }
            }
            for (String s : o.scenarios) {
                if (!Set.of("produce", "fetch", "latency", "group", "sse", "sse-idle").contains(s)) {
                    throw new IllegalArgumentException("unknown scenario " + s);
                }
            }
            for (String c : o.groupCommit) {
                if (!c.equals("manual") && !c.equals("auto")) {
                    throw new IllegalArgumentException("--group-commit takes manual and/or auto");
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
                    "url=%s mode=%s scenarios=%s partitions=%d rf=%s minIsr=%s acks=%s initial warmup=%ds warmup=%ds produce=%ds/%d records connections=%s batches=%s "
                            + "value=%dB large=%s fetch: limit=%d maxBytes=%d chunk=%d bound=%ds "
                            + "latency/sse: rate=%d/s for %ds (+%ds warmup) waitMs=%d conns=%s client=%s "
                            + "group: records=%d partitions=%d members=%s commit=%s limit=%d waitMs=%d bound=%ds "
                            + "sse-idle: streams=%d hold=%ds",
                    url, quick ? "quick" : "full", String.join(",", scenarios), partitions,
                    replicationFactor > 0 ? replicationFactor : "default", minInsyncReplicas > 0 ? minInsyncReplicas : "default",
                    acks, initialWarmupSeconds, warmupSeconds,
                    produceSeconds, produceMaxRecords, Arrays.toString(connections), Arrays.toString(batchSizes), valueBytes,
                    largeValueBytes == 0 ? "off" : largeValueBytes + "B x" + largeBatch + " @" + largeConnections + "conn",
                    fetchLimit, fetchMaxBytes, fetchChunk, fetchSeconds, latencyRate, latencySeconds,
                    latencyWarmupSeconds, waitMs, latencyConnections == 0 ? "unbounded" : latencyConnections, latencyClient, groupRecords, groupPartitions, Arrays.toString(groupMembers),
                    String.join(",", groupCommit), groupLimit, groupWaitMs, groupSeconds, idleStreams, idleHoldSeconds);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Small helpers: HTTP, byte scanning, latency samples, errors

    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    /** A status and body read by {@link RawHttp}. */
    record RawResponse(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * The latency probe's HTTP/1.1 client: one kept-alive socket, a request written in one call, the
     * answer read with Content-Length or chunked framing. It does a small part of what
     * java.net.http.HttpClient does, and costs a small part of its CPU, so that on a 2-core machine
     * the probe does not take the cores the node needs. Not thread-safe: one per thread.
     */
    static final class RawHttp implements java.io.Closeable {
        private final String host;
        private final int port;
        private final int readTimeoutMs;
        private java.net.Socket socket;
        private java.io.BufferedInputStream in;
        private java.io.OutputStream out;

        RawHttp(String baseUrl, Duration readTimeout) {
            URI u = URI.create(baseUrl);
            this.host = u.getHost();
            this.port = u.getPort() < 0 ? 80 : u.getPort();
            this.readTimeoutMs = (int) readTimeout.toMillis();
        }

        RawResponse get(String pathAndQuery) throws IOException {
            return exchange("GET", pathAndQuery, null);
        }

        RawResponse postJson(String pathAndQuery, byte[] body) throws IOException {
            return exchange("POST", pathAndQuery, body);
        }

        private RawResponse exchange(String method, String pathAndQuery, byte[] body) throws IOException {
            StringBuilder head = new StringBuilder(160).append(method).append(' ').append(pathAndQuery)
                    .append(" HTTP/1.1\r\nHost: ").append(host).append(':').append(port).append("\r\n");
            if (body != null) {
                head.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
            }
            byte[] h = head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
            byte[] request = h;
            if (body != null) {
                request = Arrays.copyOf(h, h.length + body.length);
                System.arraycopy(body, 0, request, h.length, body.length);
            }
            boolean fresh = socket == null;
            try {
                connectIfNeeded();
                out.write(request);
                out.flush();
                return readResponse();
            } catch (IOException e) {
                close();
                if (fresh || body != null) {
                    throw e; // a POST is never sent twice: the first one may have been written
                }
                // a GET on a kept-alive connection the server had closed: one retry on a new one
                connectIfNeeded();
                out.write(request);
                out.flush();
                return readResponse();
            }
        }

        private void connectIfNeeded() throws IOException {
            if (socket == null) {
                socket = new java.net.Socket();
                socket.setTcpNoDelay(true);
                socket.connect(new java.net.InetSocketAddress(host, port), 10_000);
                socket.setSoTimeout(readTimeoutMs);
                in = new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024);
                out = socket.getOutputStream();
            }
        }

        private RawResponse readResponse() throws IOException {
            String status = line();
            if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
                throw new IOException("bad status line: " + status);
            }
            int code = Integer.parseInt(status.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            boolean close = false;
            for (String l = line(); !l.isEmpty(); l = line()) {
                int colon = l.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = l.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = l.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> close = value.equalsIgnoreCase("close");
                    default -> { }
                }
            }
            byte[] body;
            if (code == 204 || code == 304 || code < 200) {
                body = new byte[0];
            } else if (chunked) {
                java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
                for (int size = chunkSize(); size > 0; size = chunkSize()) {
                    b.write(in.readNBytes(size));
                    line(); // the CRLF after the chunk
                }
                for (String l = line(); !l.isEmpty(); l = line()) {
                    // trailers: none expected
                }
                body = b.toByteArray();
            } else if (length >= 0) {
                body = in.readNBytes((int) length);
                if (body.length < length) {
                    throw new IOException("connection closed after " + body.length + " of " + length + " body bytes");
                }
            } else {
                body = in.readAllBytes();
                close = true;
            }
            if (close) {
                close();
            }
            return new RawResponse(code, body);
        }

        private int chunkSize() throws IOException {
            String l = line();
            int semi = l.indexOf(';');
            return Integer.parseInt((semi < 0 ? l : l.substring(0, semi)).trim(), 16);
        }

        /** One header line without its CRLF; EOF before it is an error. */
        private String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            for (int c = in.read(); ; c = in.read()) {
                if (c < 0) {
                    throw new IOException("connection closed by the server");
                }
                if (c == '\n') {
                    int n = sb.length();
                    return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
                }
                sb.append((char) c);
            }
        }

        @Override
        public void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            socket = null;
        }
    }

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

        /** Members added to every topic this program creates ({@code --replication-factor}, {@code --min-insync-replicas}). */
        static String topicExtras = "";

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

    static void latency(Options o, String runId, boolean sse) throws Exception {
        String topic = o.prefix + "-" + runId + (sse ? "-sse" : "-latency");
        TOPICS.add(topic);
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

        java.util.concurrent.CountDownLatch streamOpen = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<java.util.stream.Stream<String>> stream = new java.util.concurrent.atomic.AtomicReference<>();
        AtomicLong comments = new AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
        Thread consumer = sse ? new Thread(() -> {
            // One SSE stream from the tail; each data line is one record, timed when the line has been read.
            HttpClient client = newClient();
            try {
                HttpResponse<java.util.stream.Stream<String>> r = client.send(HttpRequest.newBuilder(
                                URI.create(o.url + "/topics/" + topic + "/partitions/0/records?offset=latest"))
                        .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofLines());
                stream.set(r.body());
                if (r.statusCode() != 200) {
                    ERRORS.add("sse " + topic, "HTTP " + r.statusCode());
                    return;
                }
                streamOpen.countDown();
                int seen = 0;
                java.util.Iterator<String> lines = r.body().iterator();
                while (seen < total && System.nanoTime() < consumerDeadline && lines.hasNext()) {
                    String line = lines.next();
                    long now = System.nanoTime();
                    if (line.startsWith(":")) {
                        comments.incrementAndGet();
                        continue;
                    }
                    if (!line.startsWith("data:")) {
                        continue; // id:, event:, blank separator
                    }
                    polls.incrementAndGet(); // here: events
                    long[] seq = numberAfter(line, "seq", 0);
                    long[] sent = seq == null ? null : numberAfter(line, "sent", (int) seq[1]);
                    if (sent == null) {
                        ERRORS.add("sse " + topic, "unexpected data line " + line.substring(0, Math.min(200, line.length())));
                        continue;
                    }
                    int i = (int) seq[0];
                    if (i < 0 || i >= total || e2e[i] >= 0) {
                        duplicates.incrementAndGet();
                    } else {
                        e2e[i] = now - sent[0];
                        seen++;
                    }
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                if (!stopping.get()) {
                    ERRORS.add("sse " + topic, e);
                }
            } catch (InterruptedException e) {
                // stop
            } finally {
                streamOpen.countDown();
                java.util.stream.Stream<String> st = stream.get();
                if (st != null) {
                    st.close();
                }
            }
        }, "sse") : new Thread(() -> {
            HttpClient client = o.latencyClient.equals("jdk") ? newClient() : null;
            RawHttp raw = client == null ? new RawHttp(o.url, Duration.ofMillis(o.waitMs).plusSeconds(15)) : null;
            String path = "/topics/" + topic + "/partitions/0/records?limit=1000&maxBytes=1048576&waitMs=" + o.waitMs
                    + "&offset=";
            String offset = "latest";
            int seen = 0;
            while (seen < total && System.nanoTime() < consumerDeadline) {
                int status;
                byte[] body;
                try {
                    if (raw != null) {
                        RawResponse r = raw.get(path + offset);
                        status = r.status();
                        body = r.body();
                    } else {
                        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(o.url + path + offset))
                                        .timeout(Duration.ofMillis(o.waitMs).plusSeconds(15)).GET().build(),
                                HttpResponse.BodyHandlers.ofByteArray());
                        status = r.statusCode();
                        body = r.body();
                    }
                } catch (IOException e) {
                    ERRORS.add("long-poll " + topic, e);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                    continue;
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                polls.incrementAndGet();
                if (status != 200) {
                    ERRORS.add("long-poll " + topic, "HTTP " + status + " " + new String(body, 0, Math.min(body.length, 400), StandardCharsets.UTF_8));
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                    continue;
                }
                String s = new String(body, StandardCharsets.UTF_8);
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
                long next = lastNumber(body, "nextOffset");
                if (next < 0) {
                    ERRORS.add("long-poll " + topic, "no nextOffset in " + s.substring(0, Math.min(200, s.length())));
                    return;
                }
                offset = Long.toString(next);
            }
        }, "long-poll");
        consumer.setDaemon(true);
        consumer.start();
        if (sse) {
            if (!streamOpen.await(15, TimeUnit.SECONDS)) {
                ERRORS.add("sse " + topic, "the stream did not open within 15 s");
            }
        } else {
            Thread.sleep(300); // let the first long poll reach the server and park
        }

        HttpClient producer = newClient();
        URI uri = URI.create(o.url + "/topics/" + topic + "/partitions/0/records?acks=" + o.acks);
        if (o.latencyConnections > 0) {
            PooledSends pooled = pooledSends(o, producer, uri, total, warm, period, ack);
            finishLatency(o, topic, sse, warm, total, e2e, ack, duplicates, polls, emptyPolls, comments, consumer, consumerDeadline,
                    stopping, stream, pooled.maxLag(), pooled.maxOutstanding(), pooled.cpu());
            return;
        }
        List<CompletableFuture<?>> inFlight = new ArrayList<>(total);
        AtomicInteger outstanding = new AtomicInteger();
        int maxOutstanding = 0;
        long maxLag = 0;
        Cpu cpu = null;
        long t0 = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long target = t0 + i * period;
            parkUntil(target);
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
        finishLatency(o, topic, sse, warm, total, e2e, ack, duplicates, polls, emptyPolls, comments, consumer, consumerDeadline,
                stopping, stream, maxLag, maxOutstanding, cpu);
    }

    /** Parks until {@code System.nanoTime()} reaches {@code target}: the open-loop schedule's clock. */
    static void parkUntil(long target) {
        long d;
        while ((d = target - System.nanoTime()) > 0) {
            LockSupport.parkNanos(d);
        }
    }

    /** What the pooled producer measured besides the acknowledgement times. */
    record PooledSends(long maxLag, int maxOutstanding, Cpu cpu) {
    }

    /**
     * The latency producer over a fixed number of connections, as a client library's producer
     * works: the schedule releases record {@code i} at {@code t0 + i * period}; one of
     * {@code --latency-connections} sender threads sends it as soon as it is free. The record
     * carries its scheduled time, and both latencies count from it, so time spent waiting for a
     * free connection is measured (no coordinated omission).
     */
    static PooledSends pooledSends(Options o, HttpClient producer, URI uri, int total, int warm, long period, long[] ack)
            throws InterruptedException {
        java.util.concurrent.BlockingQueue<Integer> due = new java.util.concurrent.LinkedBlockingQueue<>();
        long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        AtomicInteger outstanding = new AtomicInteger();
        AtomicInteger maxOutstanding = new AtomicInteger();
        List<Thread> senders = new ArrayList<>();
        for (int c = 0; c < o.latencyConnections; c++) {
            Thread t = new Thread(() -> {
                RawHttp raw = o.latencyClient.equals("jdk") ? null : new RawHttp(o.url, REQUEST_TIMEOUT);
                String pathAndQuery = uri.getRawPath() + "?" + uri.getRawQuery();
                while (true) {
                    int i;
                    try {
                        i = due.take();
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (i < 0) {
                        return;
                    }
                    long scheduled = t0 + i * period;
                    String body = "{\"records\":[{\"value\":" + Values.of(i, scheduled, o.valueBytes) + "}]}";
                    try {
                        int status;
                        String answer;
                        if (raw != null) {
                            RawResponse r = raw.postJson(pathAndQuery, body.getBytes(StandardCharsets.UTF_8));
                            status = r.status();
                            answer = status == 200 || status == 202 ? "" : r.text();
                        } else {
                            HttpResponse<byte[]> r = producer.send(HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
                            status = r.statusCode();
                            answer = new String(r.body(), StandardCharsets.UTF_8);
                        }
                        if (status != 200 && status != 202) {
                            ERRORS.add("latency produce", "HTTP " + status + " " + answer.substring(0, Math.min(400, answer.length())));
                        } else {
                            ack[i] = System.nanoTime() - scheduled;
                        }
                    } catch (IOException e) {
                        ERRORS.add("latency produce", e);
                    } catch (InterruptedException e) {
                        return;
                    } finally {
                        outstanding.decrementAndGet();
                    }
                }
            }, "latency-sender-" + c);
            t.setDaemon(true);
            t.start();
            senders.add(t);
        }
        Cpu cpu = null;
        long maxLag = 0;
        for (int i = 0; i < total; i++) {
            long target = t0 + i * period;
            parkUntil(target);
            if (i == warm) {
                cpu = new Cpu();
            }
            maxLag = Math.max(maxLag, System.nanoTime() - target);
            int now = outstanding.incrementAndGet();
            if (i >= warm) {
                maxOutstanding.accumulateAndGet(now, Math::max);
            }
            due.add(i);
        }
        for (int c = 0; c < senders.size(); c++) {
            due.add(-1);
        }
        for (Thread t : senders) {
            t.join(60_000);
        }
        return new PooledSends(maxLag, maxOutstanding.get(), cpu);
    }

    static void finishLatency(Options o, String topic, boolean sse, int warm, int total, long[] e2e, long[] ack, AtomicLong duplicates,
                              AtomicLong polls, AtomicLong emptyPolls, AtomicLong comments, Thread consumer, long consumerDeadline,
                              java.util.concurrent.atomic.AtomicBoolean stopping,
                              java.util.concurrent.atomic.AtomicReference<java.util.stream.Stream<String>> stream,
                              long maxLag, int maxOutstanding, Cpu cpu) throws InterruptedException {
        consumer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(consumerDeadline - System.nanoTime()) + 1000));
        if (consumer.isAlive()) {
            consumer.interrupt();
            stopping.set(true);
            java.util.stream.Stream<String> st = stream.get();
            if (st != null) {
                st.close(); // unblocks the SSE reader, which has no other way out
            }
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
        String reads = sse ? String.format(Locale.ROOT, "events=%d comments=%d", polls.get(), comments.get())
                : String.format(Locale.ROOT, "polls=%d (empty %d)", polls.get(), emptyPolls.get());
        String extra = String.format(Locale.ROOT,
                "missing=%d duplicates=%d %s  produce ack %s  max send lag %sms, max in flight %d  %s",
                missing, duplicates.get(), reads, latencies(acks.sorted()), ms(maxLag), maxOutstanding,
                cpu == null ? "" : cpu.since());
        if (sse && (missing > 0 || duplicates.get() > 0)) {
            ERRORS.add(sse ? "sse" : "latency", missing + " records missing, " + duplicates.get() + " duplicates");
        }
        report(new Row(sse ? "sse" : "latency", sse ? String.format(Locale.ROOT, "rate=%d/s %ds", o.latencyRate, o.latencySeconds)
                : String.format(Locale.ROOT, "rate=%d/s %ds waitMs=%d", o.latencyRate, o.latencySeconds, o.waitMs),
                -1, 0, 0, 0, s.sorted(), extra));
    }

    // ------------------------------------------------------------------------------------------
    // Consumer groups: produce once, then consume everything through fresh groups

    static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from), last = hay.length - needle.length; i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The non-negative integer at b[p...]: {value, index after it}, or null. */
    static long[] numberAt(byte[] b, int p) {
        long v = 0;
        int start = p;
        while (p < b.length && b[p] >= '0' && b[p] <= '9') {
            v = v * 10 + (b[p++] - '0');
        }
        return p == start ? null : new long[] {v, p};
    }

    /** The string value after the first "key":" in body, or null. */
    static String stringAfter(byte[] body, String key) {
        byte[] k = ("\"" + key + "\":\"").getBytes(StandardCharsets.US_ASCII);
        int i = indexOf(body, k, 0);
        if (i < 0) {
            return null;
        }
        int from = i + k.length;
        int to = from;
        while (to < body.length && body[to] != '"') {
            to++;
        }
        return new String(body, from, to - from, StandardCharsets.UTF_8);
    }

    static final class Groups {
        static final byte[] RECORDS = "\"records\":[".getBytes(StandardCharsets.US_ASCII);
        static final byte[] PARTITION = "\"partition\":".getBytes(StandardCharsets.US_ASCII);
        static final byte[] OFFSET = ",\"offset\":".getBytes(StandardCharsets.US_ASCII);
        static final byte[] GENERATION = "\"generation\":".getBytes(StandardCharsets.US_ASCII);
        /** Groups this run created and has not deleted yet, with their members still joined. */
        static final Map<String, List<String>> LIVE = new java.util.concurrent.ConcurrentHashMap<>();

        static void run(Options o, String runId) throws Exception {
            String topic = o.prefix + "-" + runId + "-group";
            Http admin = new Http(o.url);
            admin.createTopic(topic, o.groupPartitions);
            TOPICS.add(topic);
            int batch = 1000;
            long n = Math.max(batch, o.groupRecords / batch * batch);
            Row produced = produceLoad(o, topic, batch, o.valueBytes, 4, 300, n);
            System.out.printf(Locale.ROOT, "# group: produced %,d records of %d B to %d partitions in %.2fs (batch %d, 4 conns, %,.0f rec/s)%n",
                    produced.records(), o.valueBytes, o.groupPartitions, produced.seconds(), batch, produced.recordsPerSecond());
            long[] from = new long[o.groupPartitions];
            long[] to = new long[o.groupPartitions];
            for (int p = 0; p < o.groupPartitions; p++) {
                long[] off = admin.offsets(topic, p);
                from[p] = off[0];
                to[p] = off[1];
            }
            if (o.warmupSeconds > 0) { // unmeasured: compiles the group read and commit paths of both JVMs
                consume(o, topic, o.prefix + "-" + runId + "-gwarm", 1, false, from, to, TimeUnit.SECONDS.toNanos(o.warmupSeconds), false);
            }
            for (String commit : o.groupCommit) {
                for (int members : o.groupMembers) {
                    consume(o, topic, o.prefix + "-" + runId + "-g-" + commit + "-m" + members, members, commit.equals("auto"),
                            from, to, TimeUnit.SECONDS.toNanos(o.groupSeconds), true);
                }
            }
        }

        static Row consume(Options o, String topic, String group, int members, boolean autoCommit, long[] from, long[] to,
                           long boundNanos, boolean report) throws Exception {
            Http admin = new Http(o.url);
            int partitions = from.length;
            long expected = 0;
            for (int p = 0; p < partitions; p++) {
                expected += to[p] - from[p];
            }
            // Every member joins before any reads; the assignment is made by the server at each join.
            String[] ids = new String[members];
            List<String> joined = new java.util.concurrent.CopyOnWriteArrayList<>();
            LIVE.put(group, joined);
            for (int m = 0; m < members; m++) {
                HttpResponse<byte[]> r = admin.postJson("/groups/" + group + "/members",
                        "{\"topics\":[\"" + topic + "\"],\"sessionTimeoutMs\":30000,\"autoOffsetReset\":\"earliest\"}");
                ids[m] = r.statusCode() == 201 ? stringAfter(r.body(), "memberId") : null;
                if (ids[m] == null) {
                    throw new IllegalStateException("joining " + group + ": HTTP " + r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8));
                }
                joined.add(ids[m]);
            }
            String stateAfterJoins = stringAfter(admin.get("/groups/" + group).body(), "state");

            java.util.BitSet[] seen = new java.util.BitSet[partitions];
            for (int p = 0; p < partitions; p++) {
                seen[p] = new java.util.BitSet();
            }
            long expectedTotal = expected;
            AtomicLong unique = new AtomicLong();
            AtomicLong duplicates = new AtomicLong();
            AtomicLong foreign = new AtomicLong();
            AtomicLong doneAt = new AtomicLong();
            AtomicLong commitConflicts = new AtomicLong();
            Samples[] readLat = new Samples[members];
            Samples[] commitLat = new Samples[members];
            long[][] counts = new long[members][4]; // records, reads, empty reads, errors
            long[] lastEnd = new long[members];
            long[] emptyMax = new long[members];
            int[][] generations = new int[members][2];
            Cpu cpu = new Cpu();
            long start = System.nanoTime();
            long deadline = start + boundNanos;
            Thread[] threads = new Thread[members];
            String where = (report ? "group " : "group warm-up ") + group;
            for (int m = 0; m < members; m++) {
                int id = m;
                readLat[m] = new Samples();
                commitLat[m] = new Samples();
                generations[m][0] = -1;
                threads[m] = new Thread(() -> {
                    HttpClient client = newClient();
                    HttpRequest read = HttpRequest.newBuilder(URI.create(o.url + "/groups/" + group + "/members/" + ids[id]
                                    + "/records?limit=" + o.groupLimit + "&waitMs=" + o.groupWaitMs + (autoCommit ? "&commit=auto" : "")))
                            .timeout(REQUEST_TIMEOUT).GET().build();
                    URI commitUri = URI.create(o.url + "/groups/" + group + "/offsets");
                    long[] next = new long[partitions];
                    while (unique.get() < expectedTotal && System.nanoTime() < deadline) {
                        long t0 = System.nanoTime();
                        HttpResponse<byte[]> r;
                        try {
                            r = client.send(read, HttpResponse.BodyHandlers.ofByteArray());
                        } catch (IOException e) {
                            ERRORS.add(where, e);
                            counts[id][3]++;
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                            continue;
                        } catch (InterruptedException e) {
                            return;
                        }
                        long t1 = System.nanoTime();
                        lastEnd[id] = t1;
                        counts[id][1]++;
                        if (r.statusCode() != 200) {
                            ERRORS.add(where, r);
                            counts[id][3]++;
                            if (r.statusCode() == 404) {
                                return; // UNKNOWN_MEMBER: this member is gone
                            }
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                            continue;
                        }
                        byte[] b = r.body();
                        int gi = indexOf(b, GENERATION, 0);
                        long[] gen = gi < 0 ? null : numberAt(b, gi + GENERATION.length);
                        int generation = gen == null ? -1 : (int) gen[0];
                        if (generations[id][0] < 0) {
                            generations[id][0] = generation;
                        }
                        generations[id][1] = generation;
                        Arrays.fill(next, -1);
                        int at = indexOf(b, RECORDS, 0);
                        int records = 0;
                        long fresh = 0;
                        while (at >= 0 && (at = indexOf(b, PARTITION, at)) >= 0) {
                            long[] p = numberAt(b, at + PARTITION.length);
                            if (p == null || indexOf(b, OFFSET, (int) p[1]) != (int) p[1]) {
                                ERRORS.add(where, "cannot parse the record at byte " + at);
                                break;
                            }
                            long[] off = numberAt(b, (int) p[1] + OFFSET.length);
                            at = (int) off[1];
                            records++;
                            int part = (int) p[0];
                            long offset = off[0];
                            if (part < 0 || part >= partitions || offset < from[part] || offset >= to[part]) {
                                foreign.incrementAndGet();
                                continue;
                            }
                            next[part] = Math.max(next[part], offset + 1);
                            boolean dup;
                            synchronized (seen[part]) {
                                int bit = (int) (offset - from[part]);
                                dup = seen[part].get(bit);
                                seen[part].set(bit);
                            }
                            if (dup) {
                                duplicates.incrementAndGet();
                            } else {
                                fresh++;
                            }
                        }
                        counts[id][0] += records;
                        if (records == 0) {
                            counts[id][2]++; // a long poll that timed out: its time is waitMs, not work
                            emptyMax[id] = Math.max(emptyMax[id], t1 - t0);
                        } else {
                            readLat[id].add(t1 - t0);
                        }
                        boolean completes = fresh > 0 && unique.addAndGet(fresh) == expectedTotal;
                        if (!autoCommit && records > 0) {
                            StringBuilder body = new StringBuilder(200).append("{\"memberId\":\"").append(ids[id])
                                    .append("\",\"generation\":").append(generation).append(",\"offsets\":[");
                            boolean first = true;
                            for (int p = 0; p < partitions; p++) {
                                if (next[p] >= 0) {
                                    body.append(first ? "" : ",").append("{\"topic\":\"").append(topic).append("\",\"partition\":")
                                            .append(p).append(",\"offset\":").append(next[p]).append('}');
                                    first = false;
                                }
                            }
                            body.append("]}");
                            long c0 = System.nanoTime();
                            try {
                                HttpResponse<byte[]> c = client.send(HttpRequest.newBuilder(commitUri).timeout(REQUEST_TIMEOUT)
                                        .header("Content-Type", "application/json")
                                        .PUT(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                                        HttpResponse.BodyHandlers.ofByteArray());
                                if (c.statusCode() == 409) {
                                    commitConflicts.incrementAndGet(); // a rebalance between the read and the commit
                                } else if (c.statusCode() != 200) {
                                    ERRORS.add(where + " commit", c);
                                    counts[id][3]++;
                                }
                            } catch (IOException e) {
                                ERRORS.add(where + " commit", e);
                                counts[id][3]++;
                            } catch (InterruptedException e) {
                                return;
                            }
                            long c1 = System.nanoTime();
                            commitLat[id].add(c1 - c0);
                            lastEnd[id] = c1;
                        }
                        if (completes) {
                            doneAt.set(System.nanoTime());
                        }
                    }
                }, "member-" + m);
                threads[m].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            String cpuUse = cpu.since();
            long end = doneAt.get();
            if (end == 0) {
                for (long e : lastEnd) {
                    end = Math.max(end, e);
                }
            }
            Samples reads = new Samples();
            Samples commits = new Samples();
            long records = 0, requests = 0, empty = 0, errors = 0, emptyLongest = 0;
            StringBuilder perMember = new StringBuilder();
            StringBuilder gens = new StringBuilder();
            for (int m = 0; m < members; m++) {
                reads.addAll(readLat[m]);
                commits.addAll(commitLat[m]);
                records += counts[m][0];
                requests += counts[m][1];
                empty += counts[m][2];
                errors += counts[m][3];
                emptyLongest = Math.max(emptyLongest, emptyMax[m]);
                perMember.append(m == 0 ? "" : "/").append(String.format(Locale.ROOT, "%,d", counts[m][0]));
                gens.append(m == 0 ? "" : "/").append(generations[m][0]).append(generations[m][0] == generations[m][1] ? "" : "-" + generations[m][1]);
            }
            // What the group committed: the lag of every partition should be 0 now.
            HttpResponse<byte[]> d = admin.get("/groups/" + group);
            long lag = 0;
            int committedPartitions = 0;
            byte[] lagKey = "\"lag\":".getBytes(StandardCharsets.US_ASCII);
            for (int at = indexOf(d.body(), lagKey, 0); at >= 0; at = indexOf(d.body(), lagKey, at + 1)) {
                long[] v = numberAt(d.body(), at + lagKey.length);
                lag += v == null ? 0 : v[0];
                committedPartitions++;
            }
            for (String id : ids) {
                HttpResponse<byte[]> r = admin.delete("/groups/" + group + "/members/" + id);
                if (r.statusCode() != 204) {
                    ERRORS.add(where + " leave", r);
                }
                joined.remove(id);
            }
            HttpResponse<byte[]> del = admin.delete("/groups/" + group);
            if (del.statusCode() != 204) {
                ERRORS.add(where + " delete group", del);
            } else {
                LIVE.remove(group);
            }
            long missing = expected - unique.get();
            if (report && (missing != 0 || duplicates.get() != 0 || foreign.get() != 0)) {
                ERRORS.add(where, missing + " records missing, " + duplicates.get() + " duplicates, " + foreign.get()
                        + " records outside the produced ranges");
            }
            if (report && (committedPartitions != partitions || lag != 0)) {
                ERRORS.add(where, "after consuming everything: committed offsets on " + committedPartitions + " of " + partitions
                        + " partitions, total lag " + lag);
            }
            long[] commitSorted = commits.sorted();
            String extra = String.format(Locale.ROOT,
                    "%s  missing=%d duplicates=%d  reads=%d (empty %d, longest %sms; latency figures are of non-empty reads) errors=%d  %s  per member %s  generation %s (state after joins %s)"
                            + "  committed lag after=%d on %d partitions  %s",
                    missing == 0 ? "read all " + expected : "PARTIAL: read " + unique.get() + " of " + expected, missing,
                    duplicates.get(), requests, empty, ms(emptyLongest), errors,
                    autoCommit ? "commit=auto" : "commits: " + latencies(commitSorted) + " (n=" + commitSorted.length + ", 409s "
                            + commitConflicts.get() + ")",
                    perMember, gens, stateAfterJoins, lag, committedPartitions, cpuUse);
            Row row = new Row("group", String.format(Locale.ROOT, "members=%d commit=%s limit=%d", members,
                    autoCommit ? "auto" : "manual", o.groupLimit), unique.get(), (end - start) / 1e9, unique.get() * o.valueBytes, -1,
                    reads.sorted(), extra);
            if (report) {
                report(row);
            }
            return row;
        }

        /** Leaves and deletes what an interrupted run left behind. */
        static void cleanUp(Http admin) {
            for (Map.Entry<String, List<String>> e : LIVE.entrySet()) {
                try {
                    for (String id : e.getValue()) {
                        admin.delete("/groups/" + e.getKey() + "/members/" + id);
                    }
                    admin.delete("/groups/" + e.getKey());
                } catch (IOException | InterruptedException | RuntimeException ex) {
                    System.err.println("# could not delete group " + e.getKey() + ": " + ex);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Many idle SSE streams: the node's memory, threads and responsiveness while they are open

    static final class IdleStreams {
        static final byte[] HEADER_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        static final byte[] RECORD_EVENT = "event:record".getBytes(StandardCharsets.US_ASCII);
        static final byte[] KEEP_ALIVE = ":keep-alive".getBytes(StandardCharsets.US_ASCII);

        /** One raw HTTP/1.1 connection holding one stream; touched only by the selector thread after registration. */
        static final class Conn {
            final java.nio.channels.SocketChannel ch;
            byte[] head = new byte[0];
            boolean headerDone;
            int status = -1;
            volatile long openedAt;
            volatile long recordAt = -1;
            volatile int keepAlives;
            volatile boolean closedByServer;
            byte[] tail = new byte[0];

            Conn(java.nio.channels.SocketChannel ch) {
                this.ch = ch;
            }
        }

        static byte[] concat(byte[] a, byte[] b, int n) {
            byte[] r = Arrays.copyOf(a, a.length + n);
            System.arraycopy(b, 0, r, a.length, n);
            return r;
        }

        /** Node figures from /proc: {VmRSS kB, threads, open fds}, -1 where unknown. */
        static long[] node(long pid) {
            long rss = -1, threads = -1, fds = -1;
            if (pid > 0) {
                try {
                    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                        if (line.startsWith("VmRSS:")) {
                            rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
                        } else if (line.startsWith("Threads:")) {
                            threads = Long.parseLong(line.replaceAll("[^0-9]", ""));
                        }
                    }
                    try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
                        fds = s.count();
                    }
                } catch (IOException | RuntimeException e) {
                    // not Linux, or not ours
                }
            }
            return new long[] {rss, threads, fds};
        }

        static String jcmd(long pid, String command) {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            if (pid <= 0 || !Files.isExecutable(jcmd)) {
                return null;
            }
            try {
                Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroy();
                    return null;
                }
                return new String(out, StandardCharsets.UTF_8);
            } catch (IOException | InterruptedException e) {
                return null;
            }
        }

        /**
         * The node's figures: {VmRSS kB, threads, open fds, then after a full GC (jcmd GC.run): heap used kB, heap
         * committed kB, VmRSS kB}, -1 where unknown.
         */
        static long[] sample(long pid) {
            long[] n = node(pid);
            long used = -1, total = -1;
            if (jcmd(pid, "GC.run") != null) {
                String info = jcmd(pid, "GC.heap_info");
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("total (\\d+)K, used (\\d+)K").matcher(info == null ? "" : info);
                if (m.find()) {
                    total = Long.parseLong(m.group(1));
                    used = Long.parseLong(m.group(2));
                }
            }
            return new long[] {n[0], n[1], n[2], used, total, node(pid)[0]};
        }

        static String mb(long kb) {
            return kb < 0 ? "?" : String.format(Locale.ROOT, "%.1f", kb / 1024.0);
        }

        static String describe(long[] n) {
            return String.format(Locale.ROOT, "rss %s MB, threads %d, open fds %d; after a full GC: heap used %s MB of %s MB committed, rss %s MB",
                    mb(n[0]), n[1], n[2], mb(n[3]), mb(n[4]), mb(n[5]));
        }

        static void run(Options o, String runId) throws Exception {
            String topic = o.prefix + "-" + runId + "-sse-idle";
            Http admin = new Http(o.url);
            admin.createTopic(topic, 1);
            TOPICS.add(topic);
            URI base = URI.create(o.url);
            java.net.InetSocketAddress address = new java.net.InetSocketAddress(base.getHost(), base.getPort());
            byte[] request = ("GET /topics/" + topic + "/partitions/0/records?offset=latest HTTP/1.1\r\nHost: " + base.getHost() + ":"
                    + base.getPort() + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            long pid = o.serverPid;

            jcmd(pid, "VM.uptime"); // starts the node's Attach Listener thread now, so that it is in every thread count
            long[] before = sample(pid);
            System.out.printf(Locale.ROOT, "# sse-idle: before: %s%n", describe(before));

            java.nio.channels.Selector selector = java.nio.channels.Selector.open();
            ConcurrentLinkedQueue<Conn> toRegister = new ConcurrentLinkedQueue<>();
            List<Conn> conns = new ArrayList<>(o.idleStreams);
            AtomicInteger opened = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(64 * 1024);
            Thread reader = new Thread(() -> {
                try {
                    while (running.get()) {
                        selector.select(100);
                        Conn c;
                        while ((c = toRegister.poll()) != null) {
                            c.ch.register(selector, java.nio.channels.SelectionKey.OP_READ, c);
                        }
                        for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                            var key = it.next();
                            it.remove();
                            Conn k = (Conn) key.attachment();
                            buf.clear();
                            int n;
                            try {
                                n = k.ch.read(buf);
                            } catch (IOException e) {
                                n = -1;
                            }
                            if (n < 0) {
                                k.closedByServer = true;
                                key.cancel();
                                continue;
                            }
                            byte[] data = buf.array();
                            int bodyFrom = 0;
                            if (!k.headerDone) {
                                k.head = concat(k.head, data, n);
                                int e = indexOf(k.head, HEADER_END, 0);
                                if (e < 0) {
                                    continue;
                                }
                                k.headerDone = true;
                                String statusLine = new String(k.head, 0, Math.min(k.head.length, 16), StandardCharsets.US_ASCII);
                                k.status = statusLine.startsWith("HTTP/1.1 ") ? Integer.parseInt(statusLine.substring(9, 12)) : 0;
                                byte[] rest = Arrays.copyOfRange(k.head, e + HEADER_END.length, k.head.length);
                                k.head = null;
                                if (k.status == 200) {
                                    k.openedAt = System.nanoTime();
                                    opened.incrementAndGet();
                                } else {
                                    refused.incrementAndGet();
                                }
                                data = rest;
                                n = rest.length;
                            }
                            // Search the body, including the end of the previous read, for the markers.
                            byte[] window = concat(k.tail, data, n);
                            int old = k.tail.length;
                            if (k.recordAt < 0 && indexOf(window, RECORD_EVENT, 0) >= 0) {
                                k.recordAt = System.nanoTime();
                            }
                            for (int at = indexOf(window, KEEP_ALIVE, 0); at >= 0; at = indexOf(window, KEEP_ALIVE, at + 1)) {
                                if (at + KEEP_ALIVE.length > old) {
                                    k.keepAlives++;
                                }
                            }
                            k.tail = Arrays.copyOfRange(window, Math.max(0, window.length - 16), window.length);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    ERRORS.add("sse-idle reader", e);
                }
            }, "sse-idle-reader");
            reader.setDaemon(true);
            reader.start();

            // Open the streams one connection each, from this thread; the reader thread takes the answers.
            long t0 = System.nanoTime();
            String connectError = null;
            for (int i = 0; i < o.idleStreams; i++) {
                try {
                    java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(address);
                    ch.write(java.nio.ByteBuffer.wrap(request));
                    ch.configureBlocking(false);
                    Conn c = new Conn(ch);
                    conns.add(c);
                    toRegister.add(c);
                } catch (IOException e) {
                    connectError = "connection " + i + ": " + e;
                    ERRORS.add("sse-idle open", connectError);
                    break;
                }
                if (i % 100 == 99) {
                    selector.wakeup();
                }
            }
            selector.wakeup();
            long openDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (opened.get() + refused.get() < conns.size() && System.nanoTime() < openDeadline) {
                Thread.sleep(10);
            }
            long openNanos = System.nanoTime() - t0;
            System.out.printf(Locale.ROOT, "# sse-idle: %d streams open (status 200) of %d connections in %.2fs; refused %d%s%n",
                    opened.get(), conns.size(), openNanos / 1e9, refused.get(), connectError == null ? "" : "; " + connectError);

            Thread.sleep(TimeUnit.SECONDS.toMillis(o.idleHoldSeconds));
            Cpu idleCpu = new Cpu();
            Thread.sleep(2000);
            String idleCpuUse = idleCpu.since(); // what the open streams cost while nothing happens (2 s)
            Samples health = new Samples();
            int healthFailures = 0;
            for (int i = 0; i < 5; i++) {
                long h0 = System.nanoTime();
                try {
                    HttpResponse<byte[]> h = new Http(o.url).get("/actuator/health"); // a new connection each time
                    if (h.statusCode() != 200) {
                        healthFailures++;
                        ERRORS.add("sse-idle health", h);
                    }
                } catch (IOException e) {
                    healthFailures++;
                    ERRORS.add("sse-idle health", e);
                }
                health.add(System.nanoTime() - h0);
            }
            long[] with = sample(pid);
            long closedEarly = conns.stream().filter(c -> c.closedByServer).count();
            long withKeepAlive = conns.stream().filter(c -> c.keepAlives > 0).count();
            System.out.printf(Locale.ROOT, "# sse-idle: with %d streams open after %d s: %s; /actuator/health (new connection each) %s, "
                            + "failures %d; streams closed by the server %d; streams that got a keep-alive comment %d; idle %s%n",
                    opened.get(), o.idleHoldSeconds + 2, describe(with), latencies(health.sorted()), healthFailures,
                    closedEarly, withKeepAlive, idleCpuUse);

            // One record: every open stream should get it.
            long sent = System.nanoTime();
            HttpResponse<byte[]> p = admin.postJson("/topics/" + topic + "/partitions/0/records",
                    "{\"records\":[{\"value\":" + Values.of(0, sent, o.valueBytes) + "}]}");
            long ackNanos = System.nanoTime() - sent;
            if (p.statusCode() != 200) {
                ERRORS.add("sse-idle produce", p);
            }
            Cpu fanOutCpu = new Cpu();
            long fanDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            long open200 = conns.stream().filter(c -> c.openedAt > 0).count();
            while (System.nanoTime() < fanDeadline && conns.stream().filter(c -> c.recordAt > 0).count() < open200) {
                Thread.sleep(5);
            }
            String fanOutCpuUse = fanOutCpu.since();
            Samples delivery = new Samples();
            for (Conn c : conns) {
                if (c.recordAt > 0) {
                    delivery.add(c.recordAt - sent);
                }
            }
            long got = delivery.n;
            if (got < open200) {
                ERRORS.add("sse-idle", (open200 - got) + " of " + open200 + " open streams did not get the record within 20 s");
            }
            if (opened.get() < o.idleStreams) {
                ERRORS.add("sse-idle", "only " + opened.get() + " of " + o.idleStreams + " streams opened");
            }

            // Close every stream from this side; the node notices at its next write (keep-alive comments, every 15 s).
            running.set(false);
            selector.wakeup();
            reader.join(5000);
            for (Conn c : conns) {
                try {
                    c.ch.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
            selector.close();
            long closedAt = System.nanoTime();
            long[] now = node(pid);
            // The node keeps a closed stream's connection until a write to it fails; wait up to 3 keep-alive rounds.
            long releaseDeadline = closedAt + TimeUnit.SECONDS.toNanos(50);
            while (before[2] >= 0 && now[2] > before[2] + 20 && System.nanoTime() < releaseDeadline) {
                Thread.sleep(250);
                now = node(pid);
            }
            double releaseSeconds = (System.nanoTime() - closedAt) / 1e9;
            boolean released = before[2] < 0 || now[2] <= before[2] + 20;
            long[] after = sample(pid);
            System.out.printf(Locale.ROOT, "# sse-idle: after closing them: connections %s %.1f s after closing; %s%n",
                    released ? "released" : "STILL OPEN", releaseSeconds, describe(after));
            if (!released) {
                ERRORS.add("sse-idle", "the node still had " + now[2] + " open fds " + releaseSeconds + " s after the client closed "
                        + conns.size() + " streams (" + before[2] + " before they were opened)");
            }

            int k = Math.max(1, opened.get());
            String extra = String.format(Locale.ROOT,
                    "streams=%d opened in %.2fs  record delivered to %d of %d (ack %sms)  node before: %s  with streams: %s  "
                            + "per stream: rss %.1f kB (after GC %.1f kB), heap %.1f kB, threads %+d  health %s  closed by server %d  "
                            + "idle %s  fan-out %s  after closing: %s",
                    opened.get(), openNanos / 1e9, got, open200, ms(ackNanos), describe(before), describe(with),
                    (with[0] - before[0]) / (double) k, (with[5] - before[5]) / (double) k, (with[3] - before[3]) / (double) k,
                    with[1] - before[1], latencies(health.sorted()), closedEarly, idleCpuUse, fanOutCpuUse, describe(after));
            report(new Row("sse-idle", String.format(Locale.ROOT, "streams=%d hold=%ds", o.idleStreams, o.idleHoldSeconds), -1, 0, 0, 0,
                    delivery.sorted(), extra));
        }
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
        Http.topicExtras = (o.replicationFactor > 0 ? ",\"replicationFactor\":" + o.replicationFactor : "")
                + (o.minInsyncReplicas > 0 ? ",\"configs\":{\"min.insync.replicas\":\"" + o.minInsyncReplicas + "\"}" : "");
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
                latency(o, runId, false);
            }
            if (o.scenarios.contains("group")) {
                Groups.run(o, runId);
            }
            if (o.scenarios.contains("sse")) {
                latency(o, runId, true);
            }
            if (o.scenarios.contains("sse-idle")) {
                IdleStreams.run(o, runId);
            }
        } finally {
            Groups.cleanUp(admin);
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
