package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Soak: no failover without a failure. Three instances with the <em>default</em> cluster timing, a
 * topic of six partitions with replication factor 3 and {@code min.insync.replicas=2}, four
 * {@code acks=all} producers (one per instance, the fourth on {@code n0}) for
 * {@code runnel.soak.minutes}; then no partition may have changed leader and no instance may have
 * been marked offline ({@code runnel_leader_changes_total} and
 * {@code runnel_instances_marked_offline_total} of every instance, read before and after, and each
 * partition's leader).
 *
 * <p>With {@code -Drunnel.soak.side-load=true} the test JVM also burns every core (one busy thread
 * per core), fsyncs 8 MB files in a loop next to the instances' data, and pauses one instance at a
 * time with SIGSTOP for {@code runnel.soak.pause-ms} (2000 by default) every 30 s, as a long GC
 * or a stalled disk would: none of that is a failure either.
 *
 * <p>Runs only when {@code runnel.soak.minutes} is above 0: {@code ./mvnw verify -Psoak} sets it to 10;
 * a plain {@code ./mvnw verify} skips it. E.g.
 * {@code ./mvnw -B verify -Psoak -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=SpuriousFailoverIT}.
 * It prints one line {@code SOAK: …} with the figures.
 */
class SpuriousFailoverIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration READY = Duration.ofSeconds(180);
    private static final String TOPIC = "soak";
    private static final int PARTITIONS = 6;

    @Test
    void steadyAcksAllLoadCausesNoLeaderChangeAndMarksNoInstanceOffline() throws Exception {
        double minutes = Double.parseDouble(System.getProperty("runnel.soak.minutes", "0").isBlank() ? "0"
                : System.getProperty("runnel.soak.minutes", "0"));
        assumeTrue(minutes > 0, "soak only: -Drunnel.soak.minutes=N (the soak profile sets 10)");
        boolean sideLoad = Boolean.getBoolean("runnel.soak.side-load");
        long pauseMs = Long.getLong("runnel.soak.pause-ms", 2000);
        try (LocalCluster cluster = LocalCluster.start("soak", 3, READY)) {
            RunnelProcess.Response created = cluster.node("n0").createTopic(TOPIC, PARTITIONS,
                    "\"replicationFactor\":3,\"configs\":{\"min.insync.replicas\":\"2\"}");
            assertThat(created.status()).as("%s", created).isEqualTo(201);
            await().atMost(READY).pollInterval(Duration.ofMillis(500)).until(() -> settled(cluster));
            Map<String, String> leadersBefore = leaders(cluster);
            Map<String, double[]> countersBefore = counters(cluster);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong acked = new AtomicLong();
            AtomicLong refused = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                String via = "n" + (t % 3);
                threads.add(start("producer-" + t, () -> produce(cluster.node(via), stop, acked, refused)));
            }
            Path scratch = cluster.dataDir("n0").getParent().resolve("soak-disk-writer");
            if (sideLoad) {
                for (int c = 0; c < Runtime.getRuntime().availableProcessors(); c++) {
                    threads.add(start("cpu-burner-" + c, () -> burn(stop)));
                }
                threads.add(start("disk-writer", () -> writeAndSync(scratch, stop)));
            }
            long end = System.nanoTime() + (long) (minutes * 60e9);
            int pauses = 0;
            long nextPause = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() < end) {
                if (sideLoad && pauseMs > 0 && System.nanoTime() >= nextPause) {
                    String id = "n" + (pauses % 3);
                    cluster.signal(id, "STOP");
                    try {
                        Thread.sleep(pauseMs); // the pause itself is what is tested: a stopped JVM for this long
                    } finally {
                        cluster.signal(id, "CONT");
                    }
                    pauses++;
                    nextPause = System.nanoTime() + 30_000_000_000L;
                }
                Thread.sleep(200);
            }
            stop.set(true);
            for (Thread t : threads) {
                t.join(30_000);
            }
            Map<String, double[]> countersAfter = counters(cluster);
            Map<String, String> leadersAfter = leaders(cluster);
            double leaderChanges = 0;
            double markedOffline = 0;
            for (String id : cluster.ids()) {
                leaderChanges = Math.max(leaderChanges, countersAfter.get(id)[0] - countersBefore.get(id)[0]);
                markedOffline = Math.max(markedOffline, countersAfter.get(id)[1] - countersBefore.get(id)[1]);
            }
            System.out.printf("SOAK: %.1f min, side load %s, %d pauses of %d ms, %d records acknowledged, %d requests refused, "
                            + "leader changes %.0f, instances marked offline %.0f, leaders before %s after %s%n", minutes, sideLoad, pauses,
                    pauseMs, acked.get(), refused.get(), leaderChanges, markedOffline, leadersBefore, leadersAfter);
            assertThat(acked.get()).as("records acknowledged").isPositive();
            assertThat(leaderChanges).as("leader changes (runnel_leader_changes_total, most of any instance)").isZero();
            assertThat(markedOffline).as("instances marked offline (runnel_instances_marked_offline_total)").isZero();
            assertThat(leadersAfter).isEqualTo(leadersBefore);
            Files.deleteIfExists(scratch);
            cluster.passed();
        }
    }

    private static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** A closed loop of 10-record acks=all requests; a refused one is counted and retried after a short wait. */
    private static void produce(RunnelProcess via, AtomicBoolean stop, AtomicLong acked, AtomicLong refused) {
        StringBuilder body = new StringBuilder("{\"records\":[");
        for (int i = 0; i < 10; i++) {
            body.append(i == 0 ? "" : ",").append("{\"key\":\"k").append(i).append("\",\"value\":{\"n\":").append(i).append("}}");
        }
        String records = body.append("]}").toString();
        while (!stop.get()) {
            try {
                RunnelProcess.Response r = via.postJson("/topics/" + TOPIC + "/records?acks=all", records);
                if (r.status() == 200) {
                    acked.addAndGet(10);
                    continue;
                }
                refused.incrementAndGet();
            } catch (IOException e) {
                refused.incrementAndGet();
            }
            try {
                Thread.sleep(100); // not acknowledged: back off a little rather than spin
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void burn(AtomicBoolean stop) {
        long x = 0;
        while (!stop.get()) {
            for (int i = 0; i < 1_000_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
        }
        if (x == 42) {
            System.out.println(x); // keeps the loop from being optimised away
        }
    }

    /** Writes 8 MB and fsyncs it, over and over, in one file next to the instances' data. */
    private static void writeAndSync(Path file, AtomicBoolean stop) {
        ByteBuffer block = ByteBuffer.allocate(1 << 20);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (!stop.get()) {
                channel.position(0);
                for (int i = 0; i < 8; i++) {
                    block.clear();
                    channel.write(block);
                }
                channel.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every instance online and every partition with three replicas in sync, as n0 sees it. */
    private static boolean settled(LocalCluster cluster) throws IOException {
        JsonNode view = JSON.readTree(cluster.node("n0").get("/cluster").body());
        for (JsonNode instance : view.get("instances")) {
            if (!"online".equals(instance.get("status").asString())) {
                return false;
            }
        }
        for (int p = 0; p < PARTITIONS; p++) {
            RunnelProcess.Response r = cluster.node("n0").get("/topics/" + TOPIC + "/partitions/" + p);
            if (r.status() != 200 || JSON.readTree(r.body()).get("isr").size() != 3) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, String> leaders(LocalCluster cluster) throws IOException {
        Map<String, String> leaders = new TreeMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            leaders.put(TOPIC + "-" + p, JSON.readTree(cluster.node("n0").get("/topics/" + TOPIC + "/partitions/" + p).body())
                    .get("leader").asString());
        }
        return leaders;
    }

    /** Per instance: {runnel_leader_changes_total, runnel_instances_marked_offline_total}. */
    private static Map<String, double[]> counters(LocalCluster cluster) throws IOException {
        Map<String, double[]> counters = new TreeMap<>();
        for (String id : cluster.ids()) {
            String text = cluster.node(id).get("/actuator/prometheus").text();
            counters.put(id, new double[] {meter(text, "runnel_leader_changes_total"), meter(text, "runnel_instances_marked_offline_total")});
        }
        return counters;
    }

    private static double meter(String prometheus, String name) {
        for (String line : prometheus.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError(name + " not in /actuator/prometheus");
    }
}
