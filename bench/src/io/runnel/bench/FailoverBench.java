package io.runnel.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Failover benchmark (issue 16, item 5): how long writes to a partition stop when its leader is
 * killed with SIGKILL. Starts three instances of {@code --jar} on 127.0.0.1 itself (free ports, data
 * dirs under {@code --work-dir}, default settings plus {@code --server-args}), so that it can kill
 * and restart them:
 *
 * <pre>
 *   bench/failover.sh [options]          (--help lists them)
 * </pre>
 *
 * <ol>
 *   <li>Creates a topic of {@code --partitions} partitions, replication factor 3,
 *       {@code min.insync.replicas=2}, and starts an open-loop {@code acks=all} producer: every
 *       {@code 1000 / --rate} ms one single-record request per partition
 *       ({@code POST /topics/{t}/partitions/{p}/records?acks=all}), asynchronously (a request that
 *       hangs does not hold the next back), each to an instance that is not the round's victim
 *       (which forwards it to the leader), timing out after {@code --request-timeout-ms}. A
 *       partition with {@code --max-outstanding} requests unanswered skips a send, so that a stall
 *       does not pile up load the cluster must work off afterwards.
 *   <li>Each round waits until the cluster is settled (a controller, every instance online, every
 *       partition led by its preferred replica with an ISR of three), picks a victim, waits
 *       {@code --steady-seconds}, and kills it ({@link Process#destroyForcibly()}, SIGKILL on Linux).
 *       Round kinds alternate: {@code leader}, the leader of a partition that is not the controller;
 *       {@code controller}, the controller, which also leads a partition. The measured partition is
 *       one the victim led.
 *   <li>Failover time = from just before the kill to the first {@code 200} answer of a request
 *       to the measured partition that was <em>sent</em> after the kill (the bench's monotonic clock).
 *       Resolution: the send period. Also printed: the new leader, and the same time for the slowest
 *       of the partitions the victim led and of all partitions (those it followed stop too while
 *       their ISR waits for it), whose medians and maxima are printed as kinds
 *       "{@code <kind>, every partition}".
 *   <li>Restarts the victim on its ports and data dir and waits until it is back (next round).
 * </ol>
 * Prints a line per round, then the median and maximum of each kind. Bounded: each round gives up
 * after {@code --round-timeout-seconds}; the processes are killed at the end, their logs kept under
 * the work dir. Not thread-safe; the producer's answers arrive on the HTTP client's threads.
 * Exit status: 0 when every round measured a failover, 1 otherwise, 2 for bad options.
 */
public final class FailoverBench {
    private static final Map<String, String[]> TABLE = new LinkedHashMap<>();

    static {
        TABLE.put("jar", new String[] {"target/runnel.jar", "the Runnel jar to start"});
        TABLE.put("work-dir", new String[] {"", "where data dirs and logs go (required)"});
        TABLE.put("rounds", new String[] {"6", "rounds, alternating leader and controller kills"});
        TABLE.put("partitions", new String[] {"3", "partitions of the topic"});
        TABLE.put("rate", new String[] {"20", "requests per second per partition"});
        TABLE.put("max-outstanding", new String[] {"40", "a partition's requests unanswered at once; beyond it a send is skipped"});
        TABLE.put("request-timeout-ms", new String[] {"5000", "timeout of each produce request"});
        TABLE.put("steady-seconds", new String[] {"5", "load before each kill, once settled"});
        TABLE.put("round-timeout-seconds", new String[] {"60", "give up on a round after this"});
        TABLE.put("ready-timeout-seconds", new String[] {"180", "give up waiting for an instance to be ready after this"});
        TABLE.put("java-opts", new String[] {"-Xmx512m", "JVM options of each instance, space-separated"});
        TABLE.put("server-args", new String[] {"", "extra arguments of each instance, space-separated (e.g. --runnel.cluster.session-timeout=6s)"});
    }

    private final Map<String, String> o;
    private final Path work;
    private final String[] ids = {"n0", "n1", "n2"};
    private final int[] httpPorts = new int[3];
    private final Process[] processes = new Process[3];
    private final HttpClient admin = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final HttpClient producer = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final String topic = "failover-bench";
    private String peers;
    /** Index of the instance the producer sends to. */
    private volatile int sendTo;
    private final ConcurrentLinkedQueue<long[]> acks = new ConcurrentLinkedQueue<>(); // {partition, sentNanos, answeredNanos}
    private long failedRequests;
    private long skippedSends;
    private final java.util.concurrent.atomic.AtomicIntegerArray outstanding = new java.util.concurrent.atomic.AtomicIntegerArray(64);

    private FailoverBench(Map<String, String> o) {
        this.o = o;
        this.work = Path.of(o.get("work-dir"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        TABLE.forEach((k, v) -> o.put(k, v[0]));
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help")) {
                System.out.println("FailoverBench options:");
                TABLE.forEach((k, v) -> System.out.printf("  --%-24s %s (default: %s)%n", k, v[1], v[0].isEmpty() ? "none" : v[0]));
                return;
            }
            if (!a.startsWith("--") || !TABLE.containsKey(a.substring(2)) || i + 1 >= args.length) {
                System.err.println("FailoverBench: unknown option or missing value: " + a + " (--help lists them)");
                System.exit(2);
            }
            o.put(a.substring(2), args[++i]);
        }
        if (Integer.parseInt(o.get("partitions")) > 64) {
            System.err.println("FailoverBench: at most 64 partitions");
            System.exit(2);
        }
        if (o.get("work-dir").isEmpty()) {
            System.err.println("FailoverBench: --work-dir is required");
            System.exit(2);
        }
        FailoverBench bench = new FailoverBench(o);
        Runtime.getRuntime().addShutdownHook(new Thread(bench::killAll, "failover-bench-reaper"));
        int status;
        try {
            status = bench.run();
        } finally {
            bench.killAll();
        }
        System.exit(status);
    }

    private int num(String key) {
        return Integer.parseInt(o.get(key));
    }

    private int run() throws Exception {
        System.out.printf(Locale.ROOT, "# failover bench: %s rounds, %s partitions RF=3 min.insync.replicas=2, acks=all, %s req/s per partition, "
                + "server args [%s], java opts [%s], %d cores, loadavg %s%n", o.get("rounds"), o.get("partitions"), o.get("rate"),
                o.get("server-args"), o.get("java-opts"), Runtime.getRuntime().availableProcessors(), Machine.loadavg());
        StringBuilder p = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            httpPorts[i] = freePort();
            int raft = freePort();
            p.append(i == 0 ? "" : ",").append(ids[i]).append("@127.0.0.1:").append(httpPorts[i]).append(':').append(raft);
        }
        peers = p.toString();
        for (int i = 0; i < 3; i++) {
            start(i);
        }
        for (int i = 0; i < 3; i++) {
            awaitReady(i);
        }
        createTopic();
        int partitions = num("partitions");
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        long periodMicros = 1_000_000L / num("rate");
        ticker.scheduleAtFixedRate(this::sendAll, 0, periodMicros, TimeUnit.MICROSECONDS);
        Map<String, List<Double>> byKind = new LinkedHashMap<>();
        boolean allMeasured = true;
        try {
            for (int round = 1; round <= num("rounds"); round++) {
                String kind = round % 2 == 1 ? "leader" : "controller";
                Snapshot s = awaitSettled(partitions);
                int victim = -1;
                int measured = -1;
                for (int q = 0; q < partitions && measured < 0; q++) {
                    String leader = s.leaders()[q];
                    boolean isController = leader.equals(s.controller());
                    if (kind.equals("controller") == isController) {
                        victim = index(leader);
                        measured = q;
                    }
                }
                if (victim < 0) {
                    System.out.printf("round %d %-10s: no partition fits (leaders %s, controller %s); skipped%n", round, kind,
                            Arrays.toString(s.leaders()), s.controller());
                    continue;
                }
                List<Integer> led = new ArrayList<>();
                List<Integer> all = new ArrayList<>();
                for (int q = 0; q < partitions; q++) {
                    all.add(q);
                    if (s.leaders()[q].equals(ids[victim])) {
                        led.add(q);
                    }
                }
                sendTo = (victim + 1) % 3;
                sleep(num("steady-seconds") * 1000L);
                acks.clear();
                String killedClock = java.time.Instant.now().toString();
                long killedAt = System.nanoTime();
                processes[victim].destroyForcibly();
                double[] firstAck = awaitFirstAcks(all, killedAt);
                double measuredSeconds = firstAck[measured];
                double slowestLed = led.stream().mapToDouble(q -> firstAck[q]).max().orElse(-1);
                double slowest = Arrays.stream(firstAck).max().orElse(-1);
                if (Arrays.stream(firstAck).anyMatch(x -> x < 0)) {
                    allMeasured = false;
                }
                String newLeader = leaderOf(sendTo, measured);
                System.out.printf(Locale.ROOT, "round %d %-10s: killed %s at %s (controller %s, led %s); partition %d writable again after %s "
                                + "(new leader %s); slowest of the partitions it led %s, of all partitions %s; loadavg %s%n", round, kind,
                        ids[victim], killedClock, s.controller(), led, measured, seconds(measuredSeconds), newLeader, seconds(slowestLed),
                        seconds(slowest), Machine.loadavg());
                if (measuredSeconds >= 0) {
                    byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(measuredSeconds);
                }
                if (slowest >= 0) {
                    byKind.computeIfAbsent(kind + ", every partition", k -> new ArrayList<>()).add(slowest);
                }
                start(victim);
                awaitReady(victim);
            }
        } finally {
            ticker.shutdownNow();
        }
        for (Map.Entry<String, List<Double>> e : byKind.entrySet()) {
            List<Double> v = new ArrayList<>(e.getValue());
            v.sort(Double::compare);
            double median = v.size() % 2 == 1 ? v.get(v.size() / 2) : (v.get(v.size() / 2 - 1) + v.get(v.size() / 2)) / 2;
            System.out.printf(Locale.ROOT, "%-10s kills: %d rounds, median %.2f s, max %.2f s (%s)%n", e.getKey(), v.size(), median,
                    v.get(v.size() - 1), v);
        }
        System.out.printf(Locale.ROOT, "# produce requests not acknowledged (during failovers): %d; sends skipped (%s unanswered): %d; loadavg %s%n",
                failedRequests, o.get("max-outstanding"), skippedSends, Machine.loadavg());
        return allMeasured ? 0 : 1;
    }

    private static String seconds(double s) {
        return s < 0 ? "NOT WITHIN THE ROUND TIMEOUT" : String.format(Locale.ROOT, "%.2f s", s);
    }

    private int index(String id) {
        return Arrays.asList(ids).indexOf(id);
    }

    /** One request per partition, to the instance {@link #sendTo}; answers are collected in {@link #acks}. */
    private void sendAll() {
        int target = sendTo;
        int partitions = num("partitions");
        for (int q = 0; q < partitions; q++) {
            int partition = q;
            if (outstanding.incrementAndGet(q) > num("max-outstanding")) {
                outstanding.decrementAndGet(q);
                synchronized (this) {
                    skippedSends++;
                }
                continue;
            }
            long sent = System.nanoTime();
            HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts[target] + "/topics/" + topic
                            + "/partitions/" + q + "/records?acks=all"))
                    .timeout(Duration.ofMillis(num("request-timeout-ms")))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"records\":[{\"value\":{\"sent\":" + sent + "}}]}")).build();
            producer.sendAsync(r, HttpResponse.BodyHandlers.discarding()).whenComplete((response, e) -> {
                outstanding.decrementAndGet(partition);
                if (e == null && response.statusCode() == 200) {
                    acks.add(new long[] {partition, sent, System.nanoTime()});
                } else {
                    synchronized (this) {
                        failedRequests++;
                    }
                }
            });
        }
    }

    /** Seconds from {@code killedAt} to the first ack of a request sent after it, per partition of {@code led}; -1 if none in time. */
    private double[] awaitFirstAcks(List<Integer> led, long killedAt) throws InterruptedException {
        double[] first = new double[led.size()];
        Arrays.fill(first, -1);
        long deadline = killedAt + TimeUnit.SECONDS.toNanos(num("round-timeout-seconds"));
        while (System.nanoTime() < deadline) {
            for (long[] a : acks) {
                int i = led.indexOf((int) a[0]);
                if (i >= 0 && a[1] > killedAt) {
                    double s = (a[2] - killedAt) / 1e9;
                    if (first[i] < 0 || s < first[i]) {
                        first[i] = s;
                    }
                }
            }
            if (Arrays.stream(first).allMatch(x -> x >= 0)) {
                sleep(200); // an earlier-sent request may still be answered a little later than a later one
                for (long[] a : acks) {
                    int i = led.indexOf((int) a[0]);
                    if (i >= 0 && a[1] > killedAt && (a[2] - killedAt) / 1e9 < first[i]) {
                        first[i] = (a[2] - killedAt) / 1e9;
                    }
                }
                return first;
            }
            sleep(20);
        }
        return first;
    }

    private record Snapshot(String controller, String[] leaders) {
    }

    /** Waits until there is a controller, every instance is online, every partition has a leader and three in sync. */
    private Snapshot awaitSettled(int partitions) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(num("ready-timeout-seconds"));
        while (System.nanoTime() < deadline) {
            try {
                String cluster = get(0, "/cluster");
                String controller = string(cluster, "controller");
                boolean allOnline = !cluster.contains("\"offline\"");
                String[] leaders = new String[partitions];
                boolean allInSync = true;
                for (int q = 0; q < partitions; q++) {
                    String part = get(0, "/topics/" + topic + "/partitions/" + q);
                    leaders[q] = string(part, "leader");
                    Matcher replicas = Pattern.compile("\"replicas\":\\[\"([^\"]*)\"").matcher(part);
                    allInSync &= replicas.find() && replicas.group(1).equals(leaders[q]); // leaderships back at the preferred replicas
                    Matcher isr = Pattern.compile("\"isr\":\\[([^]]*)]").matcher(part);
                    allInSync &= isr.find() && isr.group(1).split(",").length == 3;
                }
                if (controller != null && allOnline && allInSync && Arrays.stream(leaders).allMatch(l -> l != null)) {
                    return new Snapshot(controller, leaders);
                }
            } catch (IOException | RuntimeException e) {
                // not answering yet
            }
            sleep(250);
        }
        throw new IllegalStateException("the cluster did not settle within " + o.get("ready-timeout-seconds") + " s; logs in " + work);
    }

    private String leaderOf(int instance, int partition) {
        try {
            return string(get(instance, "/topics/" + topic + "/partitions/" + partition), "leader");
        } catch (IOException | RuntimeException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    private static String string(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    private String get(int instance, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts[instance] + path))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(path + ": HTTP " + r.statusCode());
        }
        return r.body();
    }

    private void createTopic() throws IOException, InterruptedException {
        String body = "{\"name\":\"" + topic + "\",\"partitions\":" + num("partitions")
                + ",\"replicationFactor\":3,\"configs\":{\"min.insync.replicas\":\"2\"}}";
        HttpResponse<String> r = admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts[0] + "/topics"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("creating " + topic + ": HTTP " + r.statusCode() + " " + r.body());
        }
    }

    private void start(int i) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(words(o.get("java-opts")));
        command.addAll(List.of("-jar", Path.of(o.get("jar")).toAbsolutePath().toString(), "--server.address=127.0.0.1",
                "--server.port=" + httpPorts[i], "--runnel.node.id=" + ids[i], "--runnel.data-dir=" + work.resolve(ids[i]),
                "--runnel.cluster.peers=" + peers));
        command.addAll(words(o.get("server-args")));
        Files.createDirectories(work);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve(ids[i] + ".log").toFile()));
        pb.environment().put("RUNNEL_CLUSTER_SECRET", "bench");
        processes[i] = pb.start();
    }

    private static List<String> words(String s) {
        return s.isBlank() ? List.of() : List.of(s.trim().split("\\s+"));
    }

    private void awaitReady(int i) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(num("ready-timeout-seconds"));
        while (System.nanoTime() < deadline) {
            if (!processes[i].isAlive()) {
                throw new IllegalStateException(ids[i] + " exited; see " + work.resolve(ids[i] + ".log"));
            }
            try {
                get(i, "/actuator/health/readiness");
                return;
            } catch (IOException e) {
                sleep(250);
            }
        }
        throw new IllegalStateException(ids[i] + " not ready within " + o.get("ready-timeout-seconds") + " s");
    }

    private synchronized void killAll() {
        for (Process p : processes) {
            if (p != null) {
                p.destroyForcibly();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) throws InterruptedException {
        Thread.sleep(ms);
    }
}
