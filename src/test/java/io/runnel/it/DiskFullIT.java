package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.runnel.it.RunnelProcess.FetchPage;
import io.runnel.it.RunnelProcess.FetchedRecord;
import io.runnel.it.RunnelProcess.ProduceAnswer;
import io.runnel.it.RunnelProcess.ProduceResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A full disk refuses produces with {@code 507 STORAGE_FULL} without losing or corrupting anything,
 * and the instance carries on once space is freed, on a real small file system.
 *
 * <p>The test mounts a 16 MiB tmpfs ({@code mount -t tmpfs -o size=16m}; needs root or
 * CAP_SYS_ADMIN, otherwise it is skipped through an assumption), writes a 6 MiB filler file into it
 * and points {@code runnel.data-dir} at a directory beside the filler. A topic with 2 partitions and
 * 1 MiB segments (so segments roll while the disk fills) is then filled by one producer with
 * ~200 KB records, then ever smaller ones, each size until a produce answers 507, until even tiny
 * records find no room. Then:
 * <ul>
 *   <li>every 507 names {@code STORAGE_FULL} for each record it did not write; records of the same
 *       request in another partition that did fit are acknowledged with offsets and count;</li>
 *   <li>every acknowledged record reads back exactly, each partition is dense, and its high
 *       watermark equals the number of acknowledged records (a failed append left nothing behind);</li>
 *   <li>the instance, killed with SIGKILL while the disk is full, restarts, serves the same data,
 *       recognises a replay of an {@code Idempotency-Key} (from the producer state it rebuilds
 *       from the batch headers, writing nothing), and still refuses big produces with 507;</li>
 *   <li>after the filler is deleted, produces succeed again at exactly the old high watermark (no
 *       gap), and after another SIGKILL and restart everything acknowledged is still there.</li>
 * </ul>
 * The tmpfs is unmounted in {@link #unmount()} (lazily if still busy).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DiskFullIT {
    private static final String TOPIC = "full";
    private static final int PARTITIONS = 2;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    private static final int FILLER_BYTES = 6 * 1024 * 1024;

    private static Path workDir;
    private static Path mountPoint;
    private static boolean mounted;
    private static RunnelProcess server;

    /** What the test acknowledged, per partition, in offset order. */
    private final List<List<Acked>> acked = new ArrayList<>();
    private int sequence;

    record Acked(String key, String value, long offset) {
    }

    @BeforeAll
    static void mountSmallFileSystem() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"),
                "DiskFullIT mounts a tmpfs: Linux only");
        workDir = RunnelProcess.newDataDir("diskfull");
        mountPoint = Files.createDirectories(workDir.resolve("mnt"));
        CommandResult mount = run("mount", "-t", "tmpfs", "-o", "size=16m,mode=0755", "runnel-it", mountPoint.toString());
        Assumptions.assumeTrue(mount.exitCode() == 0,
                "cannot mount a 16 MiB tmpfs here (needs root or CAP_SYS_ADMIN): " + mount.output());
        mounted = true;
        Files.write(mountPoint.resolve("filler.bin"), new byte[FILLER_BYTES]);
    }

    @AfterAll
    static void unmount() throws Exception {
        if (server != null) {
            server.close();
        }
        if (mounted) {
            CommandResult umount = run("umount", mountPoint.toString());
            if (umount.exitCode() != 0) {
                run("umount", "-l", mountPoint.toString());
            }
            mounted = false;
            RunnelProcess.deleteRecursively(workDir);
        }
    }

    @Test
    void fullDiskRefusesProducesLosesNothingAndRecovers() throws Exception {
        for (int p = 0; p < PARTITIONS; p++) {
            acked.add(new ArrayList<>());
        }
        Path dataDir = mountPoint.resolve("data");
        server = RunnelProcess.startReady("diskfull", dataDir, READY_TIMEOUT);
        RunnelProcess.Response created = server.createTopic(TOPIC, PARTITIONS, "\"configs\":{\"segment.bytes\":\"1048576\"}");
        assertThat(created.status()).as("create topic: %s", created).isEqualTo(201);
        // A batch written under an Idempotency-Key: producer state the instance must rebuild even on a full disk.
        String idempotentBody = "{\"records\":[{\"key\":\"idem\",\"value\":" + value("idem", 100) + ",\"partition\":0}]}";
        ProduceAnswer idempotent = server.produce(TOPIC, null, idempotentBody, "diskfull-idem-1");
        assertThat(idempotent.status()).as("idempotent produce: %s", idempotent.response()).isEqualTo(200);
        record(0, "\"idem\"", value("idem", 100), idempotent.results().get(0));

        // Fill: big records until the first 507, then smaller and smaller until even tiny ones fail.
        int[] sizes = {200_000, 20_000, 1_000, 30};
        int bigAcked = 0;
        for (int size : sizes) {
            int accepted = fillUntilFull(size);
            if (size == sizes[0]) {
                bigAcked = accepted;
            }
        }
        assertThat(bigAcked).as("~200 KB records acknowledged before the disk was full").isGreaterThan(10);
        System.out.printf("disk full after %s acknowledged records; %s%n", ackedCounts(), df());

        verifyAll("with the disk full");
        assertStillFull("with the disk full");
        // Records in two partitions, one of which cannot take its record: the other's may be written.
        mixedRequest();
        verifyAll("after a mixed request on a full disk");

        server.kill();
        server = RunnelProcess.startReady("diskfull", dataDir, READY_TIMEOUT);
        verifyAll("after kill -9 and restart with the disk full");
        assertStillFull("after restart with the disk full");
        ProduceAnswer replay = server.produce(TOPIC, null, idempotentBody, "diskfull-idem-1");
        assertThat(replay.status()).as("replay: %s", replay.response()).isEqualTo(200);
        assertThat(replay.response().header("Idempotent-Replayed")).as("replay after restart").contains("true");
        assertThat(replay.results()).isEqualTo(idempotent.results());
        verifyAll("after an idempotent replay");

        Files.delete(mountPoint.resolve("filler.bin"));
        System.out.printf("filler deleted; %s%n", df());
        for (int i = 0; i < 6; i++) {
            int p = i % PARTITIONS;
            long expected = partitionHighWatermark(p);
            ProduceResult r = produceOne(p, 200_000, 200);
            assertThat(r.offset()).as("after freeing space, partition %d continues at its high watermark", p).isEqualTo(expected);
        }
        verifyAll("after freeing space");

        server.kill();
        server = RunnelProcess.startReady("diskfull", dataDir, READY_TIMEOUT);
        verifyAll("after kill -9 and restart with space");
        for (int p = 0; p < PARTITIONS; p++) {
            long expected = partitionHighWatermark(p);
            assertThat(produceOne(p, 1_000, 200).offset()).as("partition %d after restart", p).isEqualTo(expected);
        }
        verifyAll("at the end");
        server.stop();
    }

    /** Produces {@code size}-byte records alternating partitions until one answers 507; returns how many were acknowledged. */
    private int fillUntilFull(int size) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int accepted = 0;
        for (int i = 0; i < 2_000 && System.nanoTime() < deadline; i++) {
            int p = sequence % PARTITIONS;
            ProduceAnswer answer = produce(p, size);
            if (answer.status() == 200) {
                accepted++;
                continue;
            }
            assertStorageFull(answer);
            System.out.printf("%d-byte records: %d acknowledged, then %s%n", size, accepted, answer.response());
            return accepted;
        }
        return fail("the disk never filled up with %d-byte records (%d acknowledged)", size, accepted);
    }

    /** A big record to each partition is refused: the disk stays full, and the instance says so. */
    private void assertStillFull(String when) throws IOException {
        for (int p = 0; p < PARTITIONS; p++) {
            long hw = partitionHighWatermark(p);
            ProduceAnswer answer = produce(p, 200_000);
            assertThat(answer.status()).as("%s: a 200 KB produce to partition %d: %s", when, p, answer.response()).isEqualTo(507);
            assertStorageFull(answer);
            assertThat(partitionHighWatermark(p)).as("%s: a refused produce does not move the high watermark", when).isEqualTo(hw);
        }
    }

    /** One request with a big record for partition 0 and a tiny one for partition 1. */
    private void mixedRequest() throws IOException {
        String bigId = "m" + sequence++;
        String big = value(bigId, 200_000);
        String small = value("m" + sequence++, 1);
        ProduceAnswer answer = server.produce(TOPIC, null, "{\"records\":[{\"value\":" + big + ",\"partition\":0},"
                + "{\"value\":" + small + ",\"partition\":1}]}");
        assertThat(answer.status()).as("mixed request: %s", answer.response()).isEqualTo(507);
        assertThat(answer.results()).as("mixed request lists every record: %s", answer.response()).hasSize(2);
        assertThat(answer.results().get(0).offset()).as("the big record has no offset").isNull();
        assertThat(answer.results().get(0).errorCode()).isEqualTo("STORAGE_FULL");
        record(1, "null", small, answer.results().get(1));
    }

    private ProduceResult produceOne(int partition, int size, int expectedStatus) throws IOException {
        ProduceAnswer answer = produce(partition, size);
        assertThat(answer.status()).as("produce %d bytes to partition %d: %s", size, partition, answer.response())
                .isEqualTo(expectedStatus);
        return answer.results().get(0);
    }

    /** Produces one record of about {@code size} bytes to {@code partition}, recording it if acknowledged. */
    private ProduceAnswer produce(int partition, int size) throws IOException {
        String id = "r" + sequence++;
        String value = value(id, size);
        ProduceAnswer answer = server.produce(TOPIC, null, "{\"records\":[{\"key\":\"" + id + "\",\"value\":" + value
                + ",\"partition\":" + partition + "}]}");
        assertThat(answer.status()).as("produce: %s", answer.response()).isIn(200, 507);
        assertThat(answer.results()).as("one result per record: %s", answer.response()).hasSize(1);
        record(partition, "\"" + id + "\"", value, answer.results().get(0));
        return answer;
    }

    private void record(int partition, String key, String value, ProduceResult r) {
        if (r.offset() != null) {
            assertThat(r.partition()).isEqualTo(partition);
            acked.get(partition).add(new Acked(key, value, r.offset()));
        }
    }

    private static String value(String id, int size) {
        // Not all one byte, so a misplaced block would show.
        StringBuilder pad = new StringBuilder(size);
        for (int i = 0; pad.length() < size; i++) {
            pad.append(Integer.toString(i, 36)).append(' ');
        }
        return "{\"id\":\"" + id + "\",\"exact\":0.1000000000000000055511151231257827,\"pad\":\"" + pad.substring(0, size) + "\"}";
    }

    private static void assertStorageFull(ProduceAnswer answer) {
        assertThat(answer.status()).as("answer: %s", answer.response()).isEqualTo(507);
        if (answer.response().contentType().startsWith("application/problem+json")) {
            assertThat(answer.problemCode()).as("problem code: %s", answer.response()).isEqualTo("STORAGE_FULL");
        }
        assertThat(answer.results()).as("a 507 still lists every record: %s", answer.response()).isNotEmpty();
        for (ProduceResult r : answer.results()) {
            if (r.offset() == null) {
                assertThat(r.errorCode()).as("error of an unwritten record: %s", answer.response()).isEqualTo("STORAGE_FULL");
            }
        }
    }

    /** Each partition holds exactly the acknowledged records, densely, byte for byte. */
    private void verifyAll(String when) throws IOException {
        for (int p = 0; p < PARTITIONS; p++) {
            FetchPage log;
            try {
                log = server.fetchAll(TOPIC, p, 0, READ_TIMEOUT);
            } catch (IllegalStateException e) {
                throw new AssertionError(when + ": " + e.getMessage(), e);
            }
            List<Acked> expected = acked.get(p);
            assertThat(log.logStartOffset()).isZero();
            assertThat(log.highWatermark()).as("%s: high watermark of partition %d = acknowledged records", when, p)
                    .isEqualTo(expected.size());
            for (int i = 0; i < expected.size(); i++) {
                Acked a = expected.get(i);
                assertThat(a.offset()).as("%s: acknowledged offsets of partition %d are dense", when, p).isEqualTo(i);
                FetchedRecord r = log.records().get(i);
                if (!RunnelProcess.compactJson(r.value()).equals(a.value())) {
                    fail("%s: partition %d offset %d holds %s…, not the acknowledged %s…", when, p, i,
                            abbreviate(r.value()), abbreviate(a.value()));
                }
                assertThat(r.key()).as("%s: key at %d@%d", when, p, i).isEqualTo(a.key());
            }
        }
    }

    private long partitionHighWatermark(int partition) throws IOException {
        RunnelProcess.Response r = server.get("/topics/" + TOPIC + "/partitions/" + partition);
        assertThat(r.status()).as("partition description: %s", r).isEqualTo(200);
        return RunnelProcess.MAPPER.readTree(r.body()).path("highWatermark").asLong();
    }

    private List<Integer> ackedCounts() {
        return acked.stream().map(List::size).toList();
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) : s;
    }

    private static String df() {
        try {
            var store = Files.getFileStore(mountPoint);
            return "tmpfs usable " + store.getUsableSpace() + " of " + store.getTotalSpace() + " bytes";
        } catch (IOException e) {
            return "df failed: " + e;
        }
    }

    record CommandResult(int exitCode, String output) {
    }

    /** Runs a command (bounded to 20 s); exit code -1 when it could not run or timed out. */
    private static CommandResult run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new CommandResult(-1, String.join(" ", command) + ": timed out");
            }
            return new CommandResult(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return new CommandResult(-1, String.join(" ", command) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new CommandResult(-1, "interrupted");
        }
    }
}
