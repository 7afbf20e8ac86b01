package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.runnel.it.RunnelProcess.FetchPage;
import io.runnel.it.RunnelProcess.FetchedRecord;
import io.runnel.it.RunnelProcess.ProduceAnswer;
import io.runnel.it.RunnelProcess.ProduceResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Acknowledged records survive {@code kill -9}: the durability promise of
 * {@code runnel.storage.flush=always} (the default), checked from outside on the packaged jar.
 *
 * <p>Each cycle: {@value #PRODUCERS} producer threads post batches (keyed, object-keyed, null-keyed
 * and explicitly partitioned records; values with unique ids and exact-text numbers and strings)
 * to a {@value #PARTITIONS}-partition topic; after a random few hundred milliseconds to ~2 s the
 * process is SIGKILLed mid-stream and restarted on the same data directory. Only records whose
 * offset came back in an answer count as acknowledged; a request that failed or got no answer
 * may or may not have been written. After each restart:
 * <ul>
 *   <li>every partition reads back densely from 0 to {@code highWatermark - 1};</li>
 *   <li>every acknowledged record (of this and every earlier cycle) is at exactly its partition
 *       and offset with the same key, value and headers, compared as JSON text without
 *       insignificant whitespace, so no number or string may differ in any digit or escape;</li>
 *   <li>every record in the log is one the test sent, byte for byte, and no record id appears twice;</li>
 *   <li>per producer thread and partition, acknowledged offsets grow in acknowledgement order;</li>
 *   <li>a produce to each partition after the restart gets offset {@code highWatermark}.</li>
 * </ul>
 * The cycles run {@code runnel.crash.cycles} times (3; 25 with {@code -Psoak}) on the same data,
 * then one graceful stop (SIGTERM) and restart checks the clean-shutdown path the same way.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class CrashRecoveryIT {
    private static final String TOPIC = "crash";
    private static final int PARTITIONS = 3;
    private static final int PRODUCERS = 4;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    /** JSON members with number and string text that a parse-and-print round trip would change. */
    private static final String[] TRICKY = {
            "\"x\":0.1000000000000000055511151231257827",
            "\"big\":123456789012345678901234567890",
            "\"neg\":-123456789012345678901234567890.000000000000000000001",
            "\"exp\":1.5E-300",
            "\"huge\":1e400",
            "\"negzero\":-0.0",
            "\"trailing\":2.50",
            "\"s\":\"caf\\u00e9 \\\"quoted\\\" \\/slash\\n\\ttab\"",
            "\"utf8\":\"€ ünïcødé 😀\"",
            "\"order\":{\"z\":1,\"a\":2,\"m\":[3,{\"y\":null,\"b\":true}]}",
            "\"empty\":[{},[],\"\"]",
    };

    /** A record the test put in a request; {@code key} and {@code headers} are raw JSON or null. */
    record Sent(String id, int producer, String key, String value, String headers) {
    }

    /** An acknowledged record: the server answered with this partition and offset. */
    record Ack(Sent sent, int partition, long offset, int cycle) {
    }

    private final Map<String, Sent> attempted = new ConcurrentHashMap<>();
    /** Per producer (index {@value #PRODUCERS} is the post-restart probe), acknowledgements in order. */
    private final List<List<Ack>> acks = new ArrayList<>();
    /** Unexpected answers seen by producer threads; the test fails if any. */
    private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();

    @Test
    void acknowledgedRecordsSurviveKillNine() throws Exception {
        int cycles = Integer.getInteger("runnel.crash.cycles", 3);
        long seed = Long.getLong("runnel.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        System.out.printf("CrashRecoveryIT: %d cycles, seed %d (-Drunnel.crash.seed=%d)%n", cycles, seed, seed);
        for (int i = 0; i <= PRODUCERS; i++) {
            acks.add(Collections.synchronizedList(new ArrayList<>()));
        }
        Path dataDir = RunnelProcess.newDataDir("crash");
        RunnelProcess server = RunnelProcess.startReady("crash", dataDir, READY_TIMEOUT);
        try {
            RunnelProcess.Response created = server.createTopic(TOPIC, PARTITIONS, "");
            assertThat(created.status()).as("create topic: %s", created).isEqualTo(201);

            for (int cycle = 1; cycle <= cycles; cycle++) {
                long started = System.nanoTime();
                int before = ackCount();
                produceAndKill(server, cycle, 300 + random.nextInt(1700), random.nextLong());
                int acknowledged = ackCount() - before;

                server = RunnelProcess.startReady("crash", dataDir, READY_TIMEOUT);
                Map<Integer, FetchPage> logs = verify(server, "after kill -9 #" + cycle);
                probe(server, logs, cycle);
                System.out.printf("cycle %d: %d acknowledged (%d in total), %d attempted in total, high watermarks %s, %d ms%n",
                        cycle, acknowledged, ackCount(), attempted.size(), highWatermarks(logs),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            }

            // A graceful stop writes the clean-shutdown marker and saved indexes: the other open path.
            server.stop();
            server = RunnelProcess.startReady("crash", dataDir, READY_TIMEOUT);
            Map<Integer, FetchPage> logs = verify(server, "after a clean stop");
            probe(server, logs, cycles + 1);
            verify(server, "after the last probe");
            server.stop();
        } finally {
            server.close();
        }
        RunnelProcess.deleteRecursively(dataDir); // kept when the test failed, for diagnosis
    }

    /** Runs the producers, kills the server after {@code killAfterMs} (once something was acknowledged), stops them. */
    private void produceAndKill(RunnelProcess server, int cycle, int killAfterMs, long seed) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger inFlight = new AtomicInteger();
        int acksBefore = ackCount();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < PRODUCERS; t++) {
            int producer = t;
            Random random = new Random(seed + t);
            Thread thread = new Thread(() -> produceLoop(server, cycle, producer, random, stop, inFlight), "producer-" + t);
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Thread.sleep(killAfterMs);
        // Kill mid-stream: wait (bounded) until at least one answer came back this cycle.
        while (ackCount() == acksBefore && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        int inFlightAtKill = inFlight.get();
        server.kill();
        stop.set(true);
        for (Thread thread : threads) {
            thread.join(30_000);
            assertThat(thread.isAlive()).as("%s still running 30 s after the kill", thread.getName()).isFalse();
        }
        assertThat(problems).as("unexpected answers while producing").isEmpty();
        assertThat(ackCount()).as("acknowledged records in cycle %d", cycle).isGreaterThan(acksBefore);
        System.out.printf("cycle %d: killed after %d ms with %d requests in flight%n", cycle, killAfterMs, inFlightAtKill);
    }

    private void produceLoop(RunnelProcess server, int cycle, int producer, Random random, AtomicBoolean stop, AtomicInteger inFlight) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long seq = 0;
        while (!stop.get() && System.nanoTime() < deadline) {
            int count = 1 + random.nextInt(random.nextInt(10) == 0 ? 200 : 20);
            List<Sent> batch = new ArrayList<>(count);
            StringBuilder body = new StringBuilder("{\"records\":[");
            for (int i = 0; i < count; i++) {
                String id = "c" + cycle + "-p" + producer + "-" + seq++;
                Sent sent = newRecord(id, producer, seq, random);
                attempted.put(id, sent);
                batch.add(sent);
                body.append(i == 0 ? "" : ",").append("{\"key\":").append(sent.key() == null ? "null" : sent.key())
                        .append(",\"value\":").append(sent.value());
                if (sent.headers() != null) {
                    body.append(",\"headers\":").append(sent.headers());
                }
                int explicit = random.nextInt(10) == 0 ? random.nextInt(PARTITIONS) : -1;
                if (explicit >= 0) {
                    body.append(",\"partition\":").append(explicit);
                }
                body.append('}');
            }
            body.append("]}");
            ProduceAnswer answer;
            inFlight.incrementAndGet();
            try {
                answer = server.produce(TOPIC, null, body.toString());
            } catch (IOException | RuntimeException e) {
                continue; // no answer: not acknowledged (the server was killed, or is being)
            } finally {
                inFlight.decrementAndGet();
            }
            if (answer.status() != 200 || answer.results().size() != count) {
                problems.add("producer " + producer + " got " + answer.response());
            }
            for (int i = 0; i < Math.min(count, answer.results().size()); i++) {
                ProduceResult r = answer.results().get(i);
                if (r.offset() != null) {
                    acks.get(producer).add(new Ack(batch.get(i), r.partition(), r.offset(), cycle));
                }
            }
        }
    }

    private static Sent newRecord(String id, int producer, long seq, Random random) {
        String key = switch (random.nextInt(10)) {
            case 0, 1, 2 -> null;                                                   // round-robin
            case 3 -> "{\"producer\":" + producer + ",\"k\":[" + random.nextInt(5) + ",1.10]}"; // non-string key
            default -> "\"p" + producer + "-k" + random.nextInt(12) + "\"";
        };
        StringBuilder value = new StringBuilder("{\"id\":\"").append(id).append("\",\"n\":").append(seq);
        int tricky = random.nextInt(4);
        for (int i = 0; i < tricky; i++) {
            // Prefix the member name so one object never repeats a name.
            value.append(",\"t").append(i).append('_').append(TRICKY[random.nextInt(TRICKY.length)].substring(1));
        }
        if (random.nextInt(25) == 0) {
            // Now and then a larger value, so batches straddle pages and a kill can tear one.
            value.append(",\"pad\":\"").append("x".repeat(2_000 + random.nextInt(30_000))).append('"');
        }
        value.append('}');
        String headers = random.nextInt(4) == 0 ? "{\"source\":\"crash-it\",\"seq\":\"" + seq + "\"}" : null;
        return new Sent(id, producer, key, value.toString(), headers);
    }

    /** Reads every partition and checks the log against what was sent and acknowledged. */
    private Map<Integer, FetchPage> verify(RunnelProcess server, String when) throws IOException {
        Map<Integer, FetchPage> logs = new HashMap<>();
        Map<String, String> seenAt = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            FetchPage log;
            try {
                log = server.fetchAll(TOPIC, p, 0, READ_TIMEOUT);
            } catch (IllegalStateException e) {
                throw new AssertionError(when + ": " + e.getMessage(), e);
            }
            assertThat(log.logStartOffset()).as("%s: logStartOffset of partition %d", when, p).isZero();
            assertThat((long) log.records().size()).as("%s: partition %d is dense from 0 to highWatermark-1", when, p)
                    .isEqualTo(log.highWatermark());
            logs.put(p, log);
            for (FetchedRecord r : log.records()) {
                String where = p + "@" + r.offset();
                String id = RunnelProcess.MAPPER.readTree(r.value()).path("id").asString(null);
                assertThat(id).as("%s: record %s has an id: %s", when, where, r.value()).isNotNull();
                String previous = seenAt.put(id, where);
                assertThat(previous).as("%s: record id %s appears at %s and at %s", when, id, previous, where).isNull();
                Sent sent = attempted.get(id);
                assertThat(sent).as("%s: record %s (id %s) was never sent", when, where, id).isNotNull();
                assertSame(when, where, sent, r);
            }
        }
        for (List<Ack> producerAcks : acks) {
            List<Ack> copy;
            synchronized (producerAcks) {
                copy = new ArrayList<>(producerAcks);
            }
            Map<Integer, Long> lastOffset = new HashMap<>();
            for (Ack ack : copy) {
                String where = ack.partition() + "@" + ack.offset();
                FetchPage log = logs.get(ack.partition());
                if (ack.offset() >= log.records().size()) {
                    fail("%s: acknowledged record %s (cycle %d) is missing: partition %d ends at high watermark %d",
                            when, ack.sent().id(), ack.cycle(), ack.partition(), log.highWatermark());
                }
                FetchedRecord r = log.records().get((int) ack.offset());
                String id = RunnelProcess.MAPPER.readTree(r.value()).path("id").asString(null);
                assertThat(id).as("%s: acknowledged at %s (cycle %d)", when, where, ack.cycle()).isEqualTo(ack.sent().id());
                assertSame(when, where, ack.sent(), r);
                Long last = lastOffset.put(ack.partition(), ack.offset());
                if (last != null) {
                    assertThat(ack.offset()).as("%s: producer %d's acknowledgements in partition %d are in order",
                            when, ack.sent().producer(), ack.partition()).isGreaterThan(last);
                }
            }
        }
        return logs;
    }

    private static void assertSame(String when, String where, Sent sent, FetchedRecord r) {
        assertThat(RunnelProcess.compactJson(r.value())).as("%s: value at %s", when, where).isEqualTo(sent.value());
        assertThat(RunnelProcess.compactJson(r.key())).as("%s: key at %s", when, where)
                .isEqualTo(sent.key() == null ? "null" : sent.key());
        assertThat(RunnelProcess.compactJson(r.headers())).as("%s: headers at %s", when, where)
                .isEqualTo(sent.headers() == null ? "{}" : sent.headers());
    }

    /** After a restart, a produce to each partition lands exactly at its high watermark. */
    private void probe(RunnelProcess server, Map<Integer, FetchPage> logs, int cycle) throws IOException {
        for (int p = 0; p < PARTITIONS; p++) {
            String id = "probe-" + cycle + "-" + p;
            Sent sent = new Sent(id, PRODUCERS, "\"probe\"", "{\"id\":\"" + id + "\",\"n\":0.30000000000000004441}", null);
            attempted.put(id, sent);
            ProduceAnswer answer = server.produce(TOPIC, p,
                    "{\"records\":[{\"key\":" + sent.key() + ",\"value\":" + sent.value() + "}]}");
            assertThat(answer.status()).as("probe produce: %s", answer.response()).isEqualTo(200);
            ProduceResult r = answer.results().get(0);
            assertThat(r.partition()).isEqualTo(p);
            assertThat(r.offset()).as("after restart, partition %d continues at its high watermark", p)
                    .isEqualTo(logs.get(p).highWatermark());
            acks.get(PRODUCERS).add(new Ack(sent, p, r.offset(), cycle));
        }
    }

    private int ackCount() {
        int n = 0;
        for (List<Ack> a : acks) {
            n += a.size();
        }
        return n;
    }

    private static List<Long> highWatermarks(Map<Integer, FetchPage> logs) {
        List<Long> hw = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            hw.add(logs.get(p).highWatermark());
        }
        return hw;
    }
}
