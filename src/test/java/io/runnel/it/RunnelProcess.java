package io.runnel.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One Runnel instance run from the packaged jar ({@code target/runnel.jar}, system property
 * {@code runnel.jar}) as a child process, for black-box integration tests.
 *
 * <p>Children run the jar as the container image does, extracted and with a class data sharing archive
 * ({@link StartArchive}), which halves the CPU a start costs. Each start picks a free loopback port, logs the child's stdout and stderr (merged) to
 * {@code target/it-logs/<name>-<n>.log}, and {@link #awaitReady} polls
 * {@code /actuator/health/readiness} with a bounded timeout. {@link #kill()} is
 * {@link Process#destroyForcibly()}, which on Linux is SIGKILL: no shutdown hook runs, nothing is
 * flushed or closed. {@link #stop()} is SIGTERM: Spring's graceful shutdown closes the logs cleanly.
 * Every child still alive when the test JVM exits is killed by a shutdown hook.
 *
 * <p>The HTTP helpers never throw for an HTTP status; they throw {@link IOException} when no answer
 * arrived (refused, reset, timed out), which tests treat as "not acknowledged".
 *
 * <p>A {@link Launch} adds environment variables and arguments, e.g. those a Kubernetes pod spec
 * gives the container. The child always gets {@code --server.port}, {@code --server.address} and
 * {@code --runnel.data-dir} on its command line, which Spring ranks above environment variables,
 * so a test's loopback port and data directory win over {@code SERVER_PORT} and
 * {@code RUNNEL_DATA_DIR}.
 */
public final class RunnelProcess implements AutoCloseable {
    /** JVM options for children: quick start, modest heap (CI machines are small). */
    private static final List<String> JVM_OPTIONS = List.of("-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger STARTS = new AtomicInteger();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "runnel-it-reaper"));
    }

    private final String name;
    private final Path dataDir;
    private final int port;
    private final Path logFile;
    private final Process process;
    private final HttpClient http;

    private final boolean tls;

    private RunnelProcess(String name, Path dataDir, int port, Path logFile, Process process, SSLContext tls) {
        this.name = name;
        this.dataDir = dataDir;
        this.port = port;
        this.logFile = logFile;
        this.process = process;
        this.tls = tls != null;
        HttpClient.Builder http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1);
        this.http = (tls == null ? http : http.sslContext(tls)).build();
    }

    /** The packaged jar under test. */
    public static Path jar() {
        Path jar = Paths.get(System.getProperty("runnel.jar", "target/runnel.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no runnel jar at " + jar.toAbsolutePath() + ": run `./mvnw package` first");
        }
        return jar;
    }

    /** The Maven build directory ({@code target/}), next to the jar. */
    public static Path buildDir() {
        return jar().toAbsolutePath().getParent();
    }

    /** A fresh, empty directory under {@code target/it-data/} (kept after a run, for diagnosis). */
    public static Path newDataDir(String name) {
        try {
            Path root = buildDir().resolve("it-data");
            Files.createDirectories(root);
            return Files.createTempDirectory(root, name + "-" + timestamp() + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a directory tree (best effort; for a test's own data after it passed). */
    public static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }

    /**
     * What to start: the instance's name (log file, and its node id unless {@code env} or
     * {@code args} set one), data directory, loopback HTTP port, environment variables added to
     * this JVM's, extra {@code --key=value} arguments, and the client TLS context the test talks
     * to it with ({@code null}: plain HTTP; else {@code https://127.0.0.1:port} with that context,
     * for an instance given {@code server.ssl.*}).
     */
    public record Launch(String name, Path dataDir, int port, Map<String, String> env, List<String> args, SSLContext tls) {
        public Launch {
            env = Map.copyOf(env);
            args = List.copyOf(args);
        }

        /** Over plain HTTP. */
        public Launch(String name, Path dataDir, int port, Map<String, String> env, List<String> args) {
            this(name, dataDir, port, env, args, null);
        }

        /** On a free loopback port, with no extra environment or arguments. */
        public static Launch of(String name, Path dataDir) {
            try {
                return new Launch(name, dataDir, freePort(), Map.of(), List.of());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public Launch withPort(int port) {
            return new Launch(name, dataDir, port, env, args, tls);
        }

        public Launch withEnv(Map<String, String> env) {
            return new Launch(name, dataDir, port, env, args, tls);
        }

        public Launch withArgs(List<String> args) {
            return new Launch(name, dataDir, port, env, args, tls);
        }

        public Launch withTls(SSLContext tls) {
            return new Launch(name, dataDir, port, env, args, tls);
        }

        private boolean setsNodeId() {
            return env.containsKey("RUNNEL_NODE_ID") || args.stream().anyMatch(a -> a.startsWith("--runnel.node.id="));
        }
    }

    /**
     * Starts the jar on a free loopback port with {@code --runnel.data-dir=dataDir} and the extra
     * {@code --key=value} arguments. Does not wait for readiness; see {@link #awaitReady}.
     */
    public static RunnelProcess start(String name, Path dataDir, String... args) {
        return start(Launch.of(name, dataDir).withArgs(List.of(args)));
    }

    /** Starts the jar as {@code launch} says. Does not wait for readiness; see {@link #awaitReady}. */
    public static RunnelProcess start(Launch launch) {
        try {
            Path logs = buildDir().resolve("it-logs");
            Files.createDirectories(logs);
            Path logFile = logs.resolve(launch.name() + "-" + timestamp() + "-" + STARTS.incrementAndGet() + ".log");
            List<String> command = StartArchive.command(JVM_OPTIONS);
            command.add("--server.port=" + launch.port());
            command.add("--server.address=127.0.0.1");
            command.add("--runnel.data-dir=" + launch.dataDir().toAbsolutePath());
            if (!launch.setsNodeId()) {
                command.add("--runnel.node.id=" + launch.name());
            }
            command.addAll(launch.args());
            StringBuilder header = new StringBuilder();
            new TreeMap<>(launch.env()).forEach((k, v) -> header.append("# ").append(k).append('=')
                    .append(k.contains("SECRET") || k.contains("KEY") ? "(hidden)" : v).append(System.lineSeparator()));
            header.append("# ").append(String.join(" ", command)).append(System.lineSeparator());
            Files.writeString(logFile, header);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            builder.environment().putAll(launch.env());
            Process process = builder.start();
            LIVE.add(process);
            return new RunnelProcess(launch.name(), launch.dataDir(), launch.port(), logFile, process, launch.tls());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + launch.name(), e);
        }
    }

    /** Starts the jar and waits until it reports itself ready (at most {@code timeout}). */
    public static RunnelProcess startReady(String name, Path dataDir, Duration timeout, String... args) {
        return startReady(Launch.of(name, dataDir).withArgs(List.of(args)), timeout);
    }

    /** Starts the jar as {@code launch} says and waits until it reports itself ready (at most {@code timeout}). */
    public static RunnelProcess startReady(Launch launch, Duration timeout) {
        RunnelProcess p = start(launch);
        try {
            p.awaitReady(timeout);
        } catch (RuntimeException e) {
            p.kill();
            throw e;
        }
        return p;
    }

    /** A loopback port nobody listens on right now. */
    public static int freePort() throws IOException {
        return freePorts(1)[0];
    }

    /**
     * {@code count} distinct loopback ports nobody listens on right now. All are held open until the
     * last is chosen, so the system cannot hand out one twice (choosing them one by one could give an
     * instance's Raft port to the next instance's HTTP port).
     */
    public static int[] freePorts(int count) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                socket.setReuseAddress(true);
                held.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : held) {
                socket.close();
            }
        }
    }

    /**
     * Polls {@code /actuator/health/readiness} until it answers {@code 200 {"status":"UP"}}; fails
     * with the log's tail when the child dies or the time is up.
     */
    public void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it was ready; log "
                        + logFile + ":\n" + logTail(60));
            }
            try {
                Response r = get("/actuator/health/readiness", Duration.ofSeconds(2));
                if (r.status() == 200 && r.text().contains("\"UP\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            sleep(100);
        }
        throw new IllegalStateException(name + " was not ready within " + timeout + "; log " + logFile + ":\n" + logTail(60));
    }

    /** SIGKILL (on Linux) and wait for the process to be gone. */
    public void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /** SIGTERM: a graceful shutdown that closes the logs cleanly; waits for it (bounded). */
    public void stop() {
        stopWithin(Duration.ofSeconds(40));
    }

    /**
     * SIGTERM, then waits up to {@code timeout} for the process to exit by itself; if it has not,
     * SIGKILL. Returns whether it exited by itself in time.
     */
    public boolean stopWithin(Duration timeout) {
        process.destroy();
        if (awaitExit(timeout)) {
            return true;
        }
        kill();
        return false;
    }

    private boolean awaitExit(Duration timeout) {
        try {
            boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (exited) {
                LIVE.remove(process);
            }
            return exited;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    public boolean isAlive() { return process.isAlive(); }
    public String name() { return name; }
    public Path dataDir() { return dataDir; }
    public int port() { return port; }
    public Path logFile() { return logFile; }
    public long pid() { return process.pid(); }
    public URI baseUri() { return URI.create((tls ? "https" : "http") + "://127.0.0.1:" + port); }

    /** The last {@code lines} lines of the child's log. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
    }

    // ---- HTTP ----

    /** An HTTP answer: status, content type, body bytes and all headers. */
    public record Response(int status, String contentType, byte[] body, HttpHeaders headers) {
        public Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            String t = text();
            return status + " " + contentType + " " + (t.length() > 500 ? t.substring(0, 500) + "…" : t);
        }
    }

    public Response get(String path) throws IOException {
        return get(path, REQUEST_TIMEOUT);
    }

    public Response get(String path, Duration timeout) throws IOException {
        return send(HttpRequest.newBuilder(baseUri().resolve(path)).timeout(timeout).GET().build());
    }

    /** POSTs a JSON body (UTF-8). */
    public Response postJson(String path, String json) throws IOException {
        return postJson(path, json.getBytes(StandardCharsets.UTF_8));
    }

    public Response postJson(String path, byte[] json) throws IOException {
        return send(jsonPost(path, json).build());
    }

    /** A JSON POST to {@code path}, for callers that add headers. */
    public HttpRequest.Builder jsonPost(String path, byte[] json) {
        return HttpRequest.newBuilder(baseUri().resolve(path)).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json));
    }

    public Response send(HttpRequest request) throws IOException {
        try {
            HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(), r.headers());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    // ---- Runnel resources ----

    /** {@code POST /topics} with {@code {"name":..,"partitions":..}} plus any extra members (raw JSON, may be empty). */
    public Response createTopic(String topic, int partitions, String extraMembers) throws IOException {
        String extra = extraMembers == null || extraMembers.isEmpty() ? "" : "," + extraMembers;
        return postJson("/topics", "{\"name\":\"" + topic + "\",\"partitions\":" + partitions + extra + "}");
    }

    /** {@code POST /topics/{topic}/records} (or {@code /partitions/{p}/records} when partition is not null). */
    public ProduceAnswer produce(String topic, Integer partition, String body) throws IOException {
        return produce(topic, partition, body, null);
    }

    /** As {@link #produce(String, Integer, String)}, with an {@code Idempotency-Key} header unless it is null. */
    public ProduceAnswer produce(String topic, Integer partition, String body, String idempotencyKey) throws IOException {
        String path = partition == null ? "/topics/" + topic + "/records" : "/topics/" + topic + "/partitions/" + partition + "/records";
        HttpRequest.Builder request = jsonPost(path, body.getBytes(StandardCharsets.UTF_8));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return ProduceAnswer.of(send(request.build()));
    }

    /**
     * Reads a whole partition from {@code from} up to the high watermark of the first answer, page by
     * page; fails on any non-200 answer, a gap or a reordering in offsets, or when it takes longer
     * than {@code timeout}.
     */
    public FetchPage fetchAll(String topic, int partition, long from, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<FetchedRecord> all = new ArrayList<>();
        long next = from;
        FetchPage first = null;
        while (true) {
            Response r = get("/topics/" + topic + "/partitions/" + partition + "/records?offset=" + next
                    + "&limit=10000&maxBytes=8388608");
            if (r.status() != 200) {
                throw new IllegalStateException("fetch of " + topic + "-" + partition + " at " + next + " answered " + r);
            }
            FetchPage page = FetchPage.parse(r.body());
            if (first == null) {
                first = page;
            }
            for (FetchedRecord rec : page.records()) {
                if (rec.offset() != next) {
                    throw new IllegalStateException(topic + "-" + partition + ": expected offset " + next + " but got "
                            + rec.offset() + " (offsets must be dense)");
                }
                all.add(rec);
                next++;
            }
            if (page.nextOffset() != next) {
                throw new IllegalStateException(topic + "-" + partition + ": nextOffset " + page.nextOffset()
                        + " after the last record returned, " + (next - 1));
            }
            if (next >= first.highWatermark()) {
                return new FetchPage(all, next, first.highWatermark(), first.logStartOffset());
            }
            if (page.records().isEmpty()) {
                throw new IllegalStateException(topic + "-" + partition + ": empty page at " + next + " below the high watermark "
                        + first.highWatermark());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("reading " + topic + "-" + partition + " took longer than " + timeout);
            }
        }
    }

    /** One record's outcome in a produce answer: an offset, or an error code. */
    public record ProduceResult(int partition, Long offset, String errorCode) {
    }

    /** A produce answer: the HTTP answer plus its parsed {@code results} (empty if it had none). */
    public record ProduceAnswer(Response response, List<ProduceResult> results) {
        static ProduceAnswer of(Response r) {
            List<ProduceResult> results = new ArrayList<>();
            if (r.contentType().contains("json") && r.body().length > 0) {
                JsonNode root = MAPPER.readTree(r.body());
                for (JsonNode result : root.path("results")) {
                    JsonNode offset = result.path("offset");
                    results.add(new ProduceResult(result.path("partition").asInt(-1),
                            offset.isIntegralNumber() ? offset.asLong() : null,
                            result.path("error").path("code").asString(null)));
                }
            }
            return new ProduceAnswer(r, results);
        }

        public int status() {
            return response.status();
        }

        /** The problem's {@code code} member, or null when the body is not a problem. */
        public String problemCode() {
            if (!response.contentType().contains("json") || response.body().length == 0) {
                return null;
            }
            return MAPPER.readTree(response.body()).path("code").asString(null);
        }
    }

    /**
     * A fetched record with its key, value and headers as the raw JSON text the server sent (no
     * parsing and printing again, so number text and member order are exactly as served).
     */
    public record FetchedRecord(long offset, String timestamp, String key, String value, String headers) {
    }

    /** A fetch answer. */
    public record FetchPage(List<FetchedRecord> records, long nextOffset, long highWatermark, long logStartOffset) {
        /** Parses a fetch answer with Jackson's streaming parser, cutting key/value/headers out of the body by byte offsets. */
        public static FetchPage parse(byte[] body) {
            List<FetchedRecord> records = new ArrayList<>();
            long nextOffset = -1;
            long highWatermark = -1;
            long logStartOffset = -1;
            try (JsonParser p = JSON_FACTORY.createParser(ObjectReadContext.empty(), body)) {
                expect(p.nextToken() == JsonToken.START_OBJECT, body);
                String name;
                while ((name = p.nextName()) != null) {
                    JsonToken token = p.nextToken();
                    switch (name) {
                        case "records" -> {
                            expect(token == JsonToken.START_ARRAY, body);
                            while (p.nextToken() == JsonToken.START_OBJECT) {
                                records.add(parseRecord(p, body));
                            }
                        }
                        case "nextOffset" -> nextOffset = p.getLongValue();
                        case "highWatermark" -> highWatermark = p.getLongValue();
                        case "logStartOffset" -> logStartOffset = p.getLongValue();
                        default -> p.skipChildren();
                    }
                }
            }
            return new FetchPage(records, nextOffset, highWatermark, logStartOffset);
        }

        private static FetchedRecord parseRecord(JsonParser p, byte[] body) {
            long offset = -1;
            String timestamp = null;
            String key = null;
            String value = null;
            String headers = null;
            String name;
            while ((name = p.nextName()) != null) {
                p.nextToken();
                switch (name) {
                    case "offset" -> offset = p.getLongValue();
                    case "timestamp" -> timestamp = p.getString();
                    case "key" -> key = raw(p, body);
                    case "value" -> value = raw(p, body);
                    case "headers" -> headers = raw(p, body);
                    default -> p.skipChildren();
                }
            }
            return new FetchedRecord(offset, timestamp, key, value, headers);
        }

        private static String raw(JsonParser p, byte[] body) {
            int start = (int) p.currentTokenLocation().getByteOffset();
            if (p.currentToken().isStructStart()) {
                p.skipChildren();
            } else {
                p.finishToken();
            }
            int end = (int) p.currentLocation().getByteOffset();
            return new String(body, start, end - start, StandardCharsets.UTF_8);
        }

        private static void expect(boolean condition, byte[] body) {
            if (!condition) {
                throw new IllegalStateException("not a fetch answer: " + new String(body, StandardCharsets.UTF_8));
            }
        }
    }

    /** Shared Jackson mapper for answers (not for record values, which are compared as raw text). */
    public static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final JsonFactory JSON_FACTORY = JsonFactory.builder().build();

    /** JSON text without insignificant whitespace (strings untouched), to compare values "modulo whitespace". */
    public static String compactJson(String json) {
        StringBuilder out = new StringBuilder(json.length());
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                out.append(c);
                if (c == '\\' && i + 1 < json.length()) {
                    out.append(json.charAt(++i));
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
                out.append(c);
            } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String timestamp() {
        return LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    }

    @Override
    public String toString() {
        return "RunnelProcess[" + name + ", pid=" + process.pid() + ", port=" + port + ", data=" + dataDir + "]";
    }
}
