package io.runnel.bench;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Compaction benchmark (issue 15, item 7): how fast the cleaner compacts one partition of about
 * 1 GB in which 10 % of the records are the latest of their key, and what that does to produce
 * throughput meanwhile. Over the HTTP API, against a node on this machine that
 * {@code bench/compaction.sh} starts with a short {@code runnel.storage.cleaner-interval}:
 *
 * <pre>
 *   bench/compaction.sh [options]          (--help lists them)
 * </pre>
 *
 * <ol>
 *   <li>Creates two compacted topics of one partition ({@code segment.bytes} 64 MiB), both with
 *       {@code min.compaction.lag.ms} of a day so that the cleaner leaves them alone: {@code -compact}
 *       (cleaned) and {@code -produce} (the produce lines' target).
 *   <li>Fills {@code -compact} with {@code keys × rounds} keyed records ({@link KeyedProducer}):
 *       every key written {@code rounds} times, so 1/rounds of the records are live at the end.
 *   <li>Reads the partition's segment files in {@code --data-dir}: the closed segments are what the
 *       cleaner will rewrite (the active one never is).
 *   <li>Produce line "idle": the same producer to {@code -produce} for {@code --line-seconds}.
 *   <li>Sets {@code min.compaction.lag.ms} of {@code -compact} to 0 ({@code PATCH /topics/…}); at
 *       once produce line "cleaning" to {@code -produce} runs until {@code runnel_cleaner_last_clean_time_seconds}
 *       of {@code -compact} (polled every 100 ms in {@code /actuator/prometheus}) turns non-zero.
 *       Cleaning time = that gauge (the node's clock, this machine) minus the time just before the
 *       PATCH; it includes up to one cleaner interval of waiting. MB/s = closed segment bytes
 *       (10^6 bytes) / cleaning time. Also the CPU time of the node's maintenance thread (the
 *       cleaner's) over the same interval, and how long it was runnable but waiting for a CPU
 *       (the rest of the interval it waited for I/O or a lock, or slept), from {@code /proc/<pid>/task}.
 *   <li>Reads the segment files again and {@code runnel_cleaner_bytes_reclaimed_total}; then produce
 *       line "idle again", as step 4.
 * </ol>
 * Topics are deleted at the end unless {@code --keep-topics}. Not thread-safe; main thread only.
 * Exit status: 0 without errors, 1 with errors or when the cleaning did not finish in time,
 * 2 for bad options or an unreachable node.
 */
public final class CompactionBench {
    private static final long DAY_MS = 86_400_000L;
    /** The node's maintenance thread ("runnel-log-maintenance-1") as Linux shows it: 15 characters. */
    private static final String CLEANER_THREAD = "runnel-log-main";

    private CompactionBench() {
    }

    /** The settings: {@code --name value} pairs, defaults below. */
    private static final Map<String, String[]> TABLE = new LinkedHashMap<>();

    static {
        TABLE.put("url", new String[] {"http://127.0.0.1:8080", "Runnel base URL"});
        TABLE.put("data-dir", new String[] {"", "the node's runnel.data-dir (required: segment sizes are read there)"});
        TABLE.put("server-pid", new String[] {"-1", "the node's process id, for its CPU use"});
        TABLE.put("keys", new String[] {"100000", "distinct keys (a multiple of --batch)"});
        TABLE.put("rounds", new String[] {"10", "times each key is written (live share = 1/rounds)"});
        TABLE.put("value-bytes", new String[] {"1000", "record value size, compact JSON"});
        TABLE.put("batch", new String[] {"100", "records per produce request"});
        TABLE.put("connections", new String[] {"8", "produce connections"});
        TABLE.put("segment-bytes", new String[] {"67108864", "segment.bytes of both topics"});
        TABLE.put("line-seconds", new String[] {"10", "measured time of each produce line with the cleaner idle"});
        TABLE.put("clean-timeout-seconds", new String[] {"420", "give up waiting for the cleaning after this"});
        TABLE.put("prefix", new String[] {"runnel-bench", "topic name prefix"});
        TABLE.put("keep-topics", new String[] {"false", "true: do not delete the topics at the end"});
    }

    /** The segment files of a partition directory: closed .log bytes, all .log bytes, all files' bytes. */
    private record Sizes(int segments, long closedLogBytes, long logBytes, long dirBytes) {
        String describe() {
            return String.format(Locale.ROOT, "segments=%d closed-segment-bytes=%,d log-bytes=%,d dir-bytes=%,d",
                    segments, closedLogBytes, logBytes, dirBytes);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        TABLE.forEach((k, v) -> o.put(k, v[0]));
        for (int i = 0; i < args.length; i++) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : "";
            if (name.equals("help") || !o.containsKey(name) || i + 1 >= args.length) {
                System.err.println(name.equals("help") ? "" : "CompactionBench: bad option " + args[i]);
                TABLE.forEach((k, v) -> System.err.printf("  --%-22s %s (default %s)%n", k, v[1], v[0].isEmpty() ? "none" : v[0]));
                System.exit(2);
            }
            o.put(name, args[++i]);
        }
        if (o.get("data-dir").isEmpty()) {
            System.err.println("CompactionBench: --data-dir is required");
            System.exit(2);
        }
        String url = o.get("url");
        long pid = Long.parseLong(o.get("server-pid"));
        int keys = Integer.parseInt(o.get("keys"));
        int rounds = Integer.parseInt(o.get("rounds"));
        double lineSeconds = Double.parseDouble(o.get("line-seconds"));
        Errors errors = new Errors();
        Http admin = new Http(url, "");
        KeyedProducer producer = new KeyedProducer(url, pid, keys, Integer.parseInt(o.get("value-bytes")),
                Integer.parseInt(o.get("batch")), Integer.parseInt(o.get("connections")), errors);

        String id = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now())
                + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        System.out.println("# CompactionBench " + DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.SECONDS))
                + "  run " + id);
        System.out.println("# machine: " + Machine.describe());
        System.out.println("# load average at start: " + Machine.loadavg());
        System.out.println("# settings: " + o);
        try {
            System.out.println("# server: " + url + " " + new String(admin.get("/actuator/info").body(), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            System.err.println("CompactionBench: cannot reach " + url + ": " + e);
            System.exit(2);
        }
        String cleaned = o.get("prefix") + "-" + id + "-compact";
        String target = o.get("prefix") + "-" + id + "-produce";
        List<String> created = new ArrayList<>();
        long started = System.nanoTime();
        Report report = new Report();
        boolean finished = false;
        try {
            for (String t : List.of(cleaned, target)) {
                createTopic(admin, t, o.get("segment-bytes"));
                created.add(t);
            }
            Path dir = Path.of(o.get("data-dir")).resolve(cleaned + "-0");

            long fill = (long) keys * rounds;
            report.add(producer.run("fill", cleaned, fill, () -> false));
            Sizes before = sizes(dir);
            System.out.println("# before cleaning: " + before.describe());

            report.add(producer.run("cleaner idle", target, Long.MAX_VALUE, deadline(lineSeconds)));

            AtomicBoolean done = new AtomicBoolean();
            Row[] during = new Row[1];
            long cleanerTicks = threadTicks(pid, CLEANER_THREAD);
            long[] cleanerSched = schedstat(pid, CLEANER_THREAD);
            long patchedAtMs = System.currentTimeMillis();
            patchLag(admin, cleaned, "0");
            Thread load = new Thread(() -> {
                try {
                    during[0] = producer.run("cleaning", target, Long.MAX_VALUE, done::get);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "produce-while-cleaning");
            load.start();
            double lastClean = 0;
            long giveUp = System.nanoTime() + Long.parseLong(o.get("clean-timeout-seconds")) * 1_000_000_000L;
            while (lastClean <= 0 && System.nanoTime() < giveUp) {
                Thread.sleep(100);
                lastClean = meter(admin, "runnel_cleaner_last_clean_time_seconds", cleaned);
            }
            done.set(true);
            load.join();
            report.add(during[0]);
            if (lastClean <= 0) {
                errors.add("cleaning", "no cleaning of " + cleaned + " within the timeout");
            } else {
                finished = true;
                double seconds = lastClean - patchedAtMs / 1000.0;
                double cleanerCpu = (threadTicks(pid, CLEANER_THREAD) - cleanerTicks) / 100.0;
                long[] sched = schedstat(pid, CLEANER_THREAD);
                double runqueue = (sched[1] - cleanerSched[1]) / 1e9;
                double reclaimed = meter(admin, "runnel_cleaner_bytes_reclaimed_total", cleaned);
                Sizes after = sizes(dir);
                System.out.println("# after cleaning: " + after.describe());
                System.out.printf(Locale.ROOT, "clean    %d keys x %d rounds, %d closed segments  input=%,d bytes in %6.2fs"
                                + "  %7.2f MB/s  reclaimed=%,.0f bytes (%.1f %%)  dirty.ratio after=%s  cleaner thread cpu=%.2fs (%.2f cores)"
                                + " runnable-waiting=%.2fs%n",
                        keys, rounds, before.segments() - 1, before.closedLogBytes(), seconds,
                        before.closedLogBytes() / seconds / 1e6, reclaimed, 100 * reclaimed / before.closedLogBytes(),
                        meter(admin, "runnel_cleaner_dirty_ratio", cleaned), cleanerCpu, cleanerCpu / seconds, runqueue);
            }
            report.add(producer.run("idle again", target, Long.MAX_VALUE, deadline(lineSeconds)));
        } finally {
            if (!Boolean.parseBoolean(o.get("keep-topics"))) {
                for (String t : created) {
                    admin.delete("/topics/" + t);
                }
            }
        }
        System.out.printf(Locale.ROOT, "# total time %.1fs, errors %d, load average at end: %s%n",
                (System.nanoTime() - started) / 1e9, errors.count(), Machine.loadavg());
        for (String e : errors.samples()) {
            System.out.println("# error: " + e);
        }
        System.out.println();
        report.printTable();
        System.out.flush();
        System.exit(errors.count() == 0 && finished ? 0 : 1);
    }

    private static BooleanSupplier deadline(double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        return () -> System.nanoTime() >= end;
    }

    private static void createTopic(Http admin, String name, String segmentBytes) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = admin.postJson("/topics", "{\"name\":\"" + name + "\",\"partitions\":1,\"configs\":{"
                + "\"cleanup.policy\":\"compact\",\"segment.bytes\":\"" + segmentBytes + "\","
                + "\"min.compaction.lag.ms\":\"" + DAY_MS + "\"}}");
        if (r.statusCode() != 201) {
            throw new IllegalStateException("creating topic " + name + ": HTTP " + r.statusCode() + " "
                    + new String(r.body(), StandardCharsets.UTF_8));
        }
    }

    /** Sets the topic's min.compaction.lag.ms, which lets the cleaner at it. */
    private static void patchLag(Http admin, String topic, String lagMs) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = admin.patchJson("/topics/" + topic, "{\"configs\":{\"min.compaction.lag.ms\":\"" + lagMs + "\"}}");
        if (r.statusCode() != 200) {
            throw new IllegalStateException("patching topic " + topic + ": HTTP " + r.statusCode() + " "
                    + new String(r.body(), StandardCharsets.UTF_8));
        }
    }

    /** A cleaner meter of the topic's partition 0 from /actuator/prometheus, or 0 when it is not there (yet). */
    private static double meter(Http admin, String name, String topic) throws IOException, InterruptedException {
        String text = new String(admin.get("/actuator/prometheus").body(), StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "{") && line.contains("topic=\"" + topic + "\"") && line.contains("partition=\"0\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    /** utime+stime ticks (1/100 s) of the process's threads whose name starts with prefix; 0 without /proc. */
    private static long threadTicks(long pid, String prefix) {
        long ticks = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(t.resolve("comm")).trim().startsWith(prefix)) {
                        String stat = Files.readString(t.resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return ticks;
    }

    /**
     * {on-CPU ns, ns runnable but waiting for a CPU} of the first thread of the process whose name
     * starts with prefix, from {@code /proc/<pid>/task/<tid>/schedstat}; zeros without it.
     */
    private static long[] schedstat(long pid, String prefix) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                if (Files.readString(t.resolve("comm")).trim().startsWith(prefix)) {
                    String[] f = Files.readString(t.resolve("schedstat")).trim().split(" ");
                    return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc, or the thread ended
        }
        return new long[2];
    }

    private static Sizes sizes(Path dir) throws IOException {
        List<Path> logs = new ArrayList<>();
        long dirBytes = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(p)) {
                    dirBytes += Files.size(p);
                    if (p.getFileName().toString().endsWith(".log")) {
                        logs.add(p);
                    }
                }
            }
        }
        logs.sort(null); // 20-digit base offsets: name order is offset order
        long all = 0;
        for (Path p : logs) {
            all += Files.size(p);
        }
        long active = logs.isEmpty() ? 0 : Files.size(logs.get(logs.size() - 1));
        return new Sizes(logs.size(), all - active, all, dirBytes);
    }
}
