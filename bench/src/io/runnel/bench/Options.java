package io.runnel.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The settings of one run, parsed from the command line. Every option is declared once, in
 * {@link #TABLE} (name, defaults, help); {@link #parse} turns the table and the arguments into this
 * record, and {@link #help()} prints the table. {@link #describe()} is the "# settings:" line.
 *
 * <p>A value: immutable once parsed (the arrays are never written), thread-safe.
 */
record Options(String url, boolean quick, Set<String> scenarios, int partitions, int initialWarmupSeconds,
               int warmupSeconds, int produceSeconds, long produceMaxRecords, int[] connections, int[] batchSizes,
               int valueBytes, int largeValueBytes, int largeBatch, int largeConnections, String acks,
               int fetchLimit, int fetchMaxBytes, int fetchSeconds, int fetchChunk,
               int latencyRate, int latencySeconds, int latencyWarmupSeconds, int waitMs, int latencyConnections,
               String latencyClient, long groupRecords, int groupPartitions, int[] groupMembers, List<String> groupCommit,
               int groupLimit, int groupWaitMs, int groupSeconds, int idleStreams, int idleHoldSeconds,
               int replicationFactor, int minInsyncReplicas, String prefix, boolean keepTopics, long serverPid) {

    static final Set<String> SCENARIOS = Set.of("produce", "fetch", "latency", "group", "sse", "sse-idle");

    static final List<Option> TABLE = List.of(
            Option.of("url", "URL", "http://127.0.0.1:8080", "Runnel base URL"),
            Option.flag("quick", "short run (~30-40 s): initial warmup 3 s, warmup 1 s, produce 2 s, fetch <= 6 s per level,"
                    + " latency 4 s"),
            Option.of("scenarios", "LIST", "produce,fetch,latency", "any of produce,fetch,latency,group,sse,sse-idle (fetch"
                    + " reads what produce wrote; sse is the latency scenario with an SSE stream from offset=latest instead"
                    + " of the long poll, with the latency-* settings)"),
            Option.of("partitions", "N", "3", "partitions of each produce topic"),
            Option.quick("initial-warmup-seconds", "N", "10", "3", "unmeasured produce+fetch load on the scratch topic"
                    + " before everything, so that both JVMs have compiled their hot paths"),
            Option.quick("warmup-seconds", "N", "3", "1", "unmeasured load of the same shape (to the scratch topic) before"
                    + " each produce scenario, and unmeasured reading before fetch"),
            Option.quick("produce-seconds", "N", "10", "2", "measured time of each produce scenario"),
            Option.quick("produce-max-records", "N", "2000000", "300000", "... and at most this many records, which"
                    + " bounds what the fetch scenario has to read back"),
            Option.of("connections", "LIST", "1,8", "produce concurrency levels"),
            Option.of("batch-sizes", "LIST", "100,1000", "records per produce request"),
            Option.of("value-bytes", "N", "100", "size of each record value, compact JSON"),
            Option.of("large-value-bytes", "N", "1024", "value size of the extra large-value scenario (0 = skip it)"),
            Option.of("large-batch", "N", "100", "batch of the large-value scenario"),
            Option.of("large-connections", "N", "8", "connections of the large-value scenario"),
            Option.of("acks", "all|leader|none", "all", "produce acks"),
            Option.of("fetch-limit", "N", "2000", "records per fetch request"),
            Option.of("fetch-max-bytes", "N", "16777216", "maxBytes per fetch request"),
            Option.quick("fetch-seconds", "N", "60", "6", "upper bound of each fetch scenario"),
            Option.of("fetch-chunk", "N", "50000", "offsets per unit of work handed to a fetch connection"),
            Option.of("latency-rate", "N", "200", "records/s sent in the latency scenario"),
            Option.quick("latency-seconds", "N", "10", "4", "measured time of the latency scenario"),
            Option.of("latency-warmup-seconds", "N", "1", "unmeasured first part of the latency scenario"),
            Option.of("wait-ms", "N", "5000", "long-poll waitMs of the latency consumer"),
            Option.of("latency-connections", "N", "8", "latency/sse: the producer's connections (sender threads), as a"
                    + " client library keeps a few; 0 = a new request whenever one is due, as many connections as requests"
                    + " in flight (the first sessions' figures)"),
            Option.of("latency-client", "raw|jdk", "raw", "latency: the long-poll consumer and the pooled producer speak"
                    + " HTTP/1.1 over plain sockets (raw: a small probe that leaves the CPU to the node) or through"
                    + " java.net.http.HttpClient (jdk, the figures before 2026-11-28 10:50)"),
            Option.quick("group-records", "N", "1000000", "200000", "group: records produced (batches of 1000, 4 conns)"
                    + " and then consumed through each group"),
            Option.of("group-partitions", "N", "6", "group: partitions of its topic"),
            Option.of("group-members", "LIST", "1,3", "group: members per group, one connection and thread each"),
            Option.of("group-commit", "LIST", "manual,auto", "group: manual (PUT /groups/{g}/offsets after each read)"
                    + " and/or auto (commit=auto on the read)"),
            Option.of("group-limit", "N", "1000", "group: limit of each member read"),
            Option.of("group-wait-ms", "N", "500", "group: waitMs of each member read"),
            Option.quick("group-seconds", "N", "60", "20", "group: upper bound of each consume line"),
            Option.quick("idle-streams", "N", "5000", "1000", "sse-idle: SSE streams held open on one partition"),
            Option.quick("idle-hold-seconds", "N", "20", "3", "sse-idle: how long they are held before measuring; 15 s"
                    + " or more includes one round of the server's keep-alive comments"),
            Option.of("replication-factor", "N", "0", "replication factor of the topics it creates")
                    .showing("the server's"),
            Option.of("min-insync-replicas", "N", "0", "min.insync.replicas of the topics it creates")
                    .showing("the server's"),
            Option.of("prefix", "NAME", "runnel-bench", "topic name prefix"),
            Option.flag("keep-topics", "do not delete the topics at the end"),
            Option.of("server-pid", "PID", "-1", "the node's process id, if on this machine (Linux): each line then"
                    + " shows the CPU used by the node, by this program and by everything else").showing(""));

    /** The {@code --help} text, generated from {@link #TABLE}. */
    static String help() {
        StringBuilder sb = new StringBuilder("usage: bench/runnel-bench.sh [options]   (compiles bench/src, then runs"
                + " io.runnel.bench.RunnelBench)\n");
        for (Option o : TABLE) {
            for (String line : o.helpLines()) {
                sb.append(line).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * Parses the arguments ({@code --name value} or {@code --name=value}); prints the help and exits
     * on {@code --help}. Throws IllegalArgumentException, with a message for the user, on anything else wrong.
     */
    static Options parse(String[] args) {
        Given g = new Given(given(args));
        Options o = new Options(trimSlash(g.text("url")), g.quick,
                Collections.unmodifiableSet(new LinkedHashSet<>(g.words("scenarios"))),
                g.atLeast("partitions", 1), g.atLeast("initial-warmup-seconds", 0), g.atLeast("warmup-seconds", 0),
                g.atLeast("produce-seconds", 1), g.number("produce-max-records"), g.counts("connections"),
                g.counts("batch-sizes"), g.atLeast("value-bytes", Values.MIN_SIZE), (int) g.number("large-value-bytes"),
                g.atLeast("large-batch", 1), g.atLeast("large-connections", 1), g.text("acks"),
                g.atLeast("fetch-limit", 1), g.atLeast("fetch-max-bytes", 1), g.atLeast("fetch-seconds", 1),
                g.atLeast("fetch-chunk", 1), g.atLeast("latency-rate", 1), g.atLeast("latency-seconds", 1),
                g.atLeast("latency-warmup-seconds", 0), g.atLeast("wait-ms", 1), g.atLeast("latency-connections", 0),
                g.text("latency-client"), g.number("group-records"), g.atLeast("group-partitions", 1),
                g.counts("group-members"), g.words("group-commit"), g.atLeast("group-limit", 1),
                g.atLeast("group-wait-ms", 0), g.atLeast("group-seconds", 1), g.atLeast("idle-streams", 1),
                g.atLeast("idle-hold-seconds", 0), g.atLeast("replication-factor", g.given("replication-factor") ? 1 : 0),
                g.atLeast("min-insync-replicas", g.given("min-insync-replicas") ? 1 : 0), g.text("prefix"),
                g.flag("keep-topics"), g.number("server-pid"));
        o.check();
        return o;
    }

    /** The checks that span more than one number. */
    private void check() {
        for (String s : scenarios) {
            if (!SCENARIOS.contains(s)) {
                throw new IllegalArgumentException("unknown scenario " + s);
            }
        }
        if (!Set.of("raw", "jdk").contains(latencyClient)) {
            throw new IllegalArgumentException("--latency-client must be raw or jdk");
        }
        for (String c : groupCommit) {
            if (!c.equals("manual") && !c.equals("auto")) {
                throw new IllegalArgumentException("--group-commit takes manual and/or auto");
            }
        }
        if (largeValueBytes != 0 && largeValueBytes < Values.MIN_SIZE) {
            throw new IllegalArgumentException("--large-value-bytes must be 0 or at least " + Values.MIN_SIZE);
        }
    }

    /** The options given, by name, without their {@code --}; flags map to "true". */
    private static Map<String, String> given(String[] args) {
        Map<String, String> given = new TreeMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.print(help());
                System.exit(0);
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + a);
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Option option = option(name);
            if (option == null) {
                throw new IllegalArgumentException("unknown option --" + name + " (see --help)");
            }
            if (value == null && option.arg() == null) {
                value = "true";
            } else if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--" + name + " needs a value");
                }
                value = args[++i];
            }
            given.put(name, value);
        }
        return given;
    }

    private static Option option(String name) {
        return TABLE.stream().filter(o -> o.name().equals(name)).findFirst().orElse(null);
    }

    private static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** The given values over the table's defaults (the quick ones under {@code --quick}), converted and checked. */
    private static final class Given {
        final Map<String, String> given;
        final boolean quick;

        Given(Map<String, String> given) {
            this.given = given;
            this.quick = Boolean.parseBoolean(given.getOrDefault("quick", "false"));
        }

        boolean given(String name) {
            return given.containsKey(name);
        }

        String text(String name) {
            Option o = option(name);
            if (o == null) {
                throw new IllegalStateException("no option --" + name + " in Options.TABLE");
            }
            return given.getOrDefault(name, o.defaultValue(quick));
        }

        boolean flag(String name) {
            return Boolean.parseBoolean(text(name));
        }

        long number(String name) {
            return Long.parseLong(text(name));
        }

        int atLeast(String name, int min) {
            int v = Integer.parseInt(text(name));
            if (v < min) {
                throw new IllegalArgumentException("--" + name + " must be at least " + min);
            }
            return v;
        }

        List<String> words(String name) {
            return Collections.unmodifiableList(new ArrayList<>(List.of(text(name).split(","))));
        }

        int[] counts(String name) {
            int[] r = Arrays.stream(text(name).split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
            if (r.length == 0 || Arrays.stream(r).anyMatch(x -> x < 1)) {
                throw new IllegalArgumentException("--" + name + " must be a list of positive numbers");
            }
            return r;
        }
    }

    /** The "# settings:" line. */
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
                latencyWarmupSeconds, waitMs, latencyConnections == 0 ? "unbounded" : latencyConnections, latencyClient,
                groupRecords, groupPartitions, Arrays.toString(groupMembers),
                String.join(",", groupCommit), groupLimit, groupWaitMs, groupSeconds, idleStreams, idleHoldSeconds);
    }
}
