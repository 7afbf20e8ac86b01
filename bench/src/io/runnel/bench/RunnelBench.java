package io.runnel.bench;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * Runnel benchmark: a Java 17 program with no dependencies beyond the JDK, compiled and started by
 * {@code bench/runnel-bench.sh} (which {@code bench/run.sh}, {@code compare.sh}, {@code cluster.sh}
 * and {@code restart.sh} use). It is not a test and the Maven build never runs it.
 *
 * <pre>
 *   bench/runnel-bench.sh --url http://127.0.0.1:8080 [options]      (--help lists them)
 * </pre>
 *
 * <p>It talks to a running Runnel over HTTP/1.1 and prints one line of figures per scenario, in
 * this order (each selected by {@code --scenarios}):
 * <ul>
 *   <li>an unmeasured initial warm-up ({@link ProduceScenario#initialWarmup});
 *   <li>{@code produce}: closed-loop batches ({@link ProduceScenario});
 *   <li>{@code fetch}: reads back what produce wrote, by offset ({@link FetchScenario});
 *   <li>{@code latency}: produce → long-poll latency at a fixed rate ({@link LatencyScenario});
 *   <li>{@code group}: consume through consumer groups ({@link GroupScenario});
 *   <li>{@code sse}: the latency scenario over an SSE stream;
 *   <li>{@code sse-idle}: many idle SSE streams ({@link IdleStreamsScenario}).
 * </ul>
 * then the error samples and a Markdown table of every line ({@link Report}). Every run uses fresh
 * topics named {@code <prefix>-<run id>-…}, deleted at the end unless {@code --keep-topics}. MB means
 * 10^6 bytes. Exit status: 0 without errors, 1 with errors, 2 for bad options or an unreachable node.
 */
public final class RunnelBench {
    private RunnelBench() {
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("RunnelBench: " + e.getMessage());
            System.err.print(Options.help());
            System.exit(2);
            return;
        }
        Run run = new Run(o);
        System.out.println("# RunnelBench " + DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.SECONDS))
                + "  run " + run.id);
        System.out.println("# machine: " + Machine.describe());
        System.out.println("# load average at start: " + Machine.loadavg());
        System.out.println("# settings: " + o.describe());
        try {
            HttpResponse<byte[]> info = run.admin.get("/actuator/info");
            System.out.println("# server: " + o.url() + " " + new String(info.body(), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            System.err.println("RunnelBench: cannot reach " + o.url() + ": " + e);
            System.exit(2);
        }
        System.out.flush();
        long started = System.nanoTime();
        try {
            scenarios(run);
        } finally {
            GroupScenario.cleanUp(run.admin);
            if (!o.keepTopics()) {
                run.deleteTopics();
            }
        }
        System.out.printf(Locale.ROOT, "# total time %.1fs, errors %d, load average at end: %s%n",
                (System.nanoTime() - started) / 1e9, run.errors.count(), Machine.loadavg());
        for (String e : run.errors.samples()) {
            System.out.println("# error: " + e);
        }
        System.out.println();
        run.report.printTable();
        System.out.flush();
        System.exit(run.errors.count() == 0 ? 0 : 1);
    }

    private static void scenarios(Run run) throws Exception {
        Options o = run.options;
        if (o.initialWarmupSeconds() > 0) {
            ProduceScenario.initialWarmup(run);
        }
        if (o.scenarios().contains("produce") || o.scenarios().contains("fetch")) {
            ProduceScenario.run(run);
        }
        if (o.scenarios().contains("fetch")) {
            FetchScenario.run(run);
        }
        if (o.scenarios().contains("latency")) {
            LatencyScenario.run(run, false);
        }
        if (o.scenarios().contains("group")) {
            GroupScenario.run(run);
        }
        if (o.scenarios().contains("sse")) {
            LatencyScenario.run(run, true);
        }
        if (o.scenarios().contains("sse-idle")) {
            IdleStreamsScenario.run(run);
        }
    }
}
