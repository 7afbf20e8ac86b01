package io.runnel.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.log.LogTestSupport.In;
import io.runnel.log.LogTestSupport.MutableClock;
import io.runnel.log.LogTestSupport.Oracle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/** Random logs against the oracle: reads, timestamp lookups, reopen and crash recovery. */
class PartitionLogPropertiesTest {
    private static final long T0 = 1_700_000_000_000L;

    /** One appended batch: its records and, for LogAppendTime, the time the log stamps. */
    record BatchSpec(List<In> records, Long logAppendTime) {
    }

    @Property(tries = 30)
    void readsReturnExactlyTheRequestedOffsets(@ForAll("batches") List<BatchSpec> batches,
                                               @ForAll @IntRange(min = 300, max = 3000) int segmentBytes,
                                               @ForAll @IntRange(min = 0, max = 400) int indexIntervalBytes,
                                               @ForAll long seed) {
        LogTestSupport.withTempDir(tmp -> {
            Oracle oracle = new Oracle();
            MutableClock clock = new MutableClock(T0);
            LogConfig config = LogTestSupport.config(segmentBytes, indexIntervalBytes);
            try (PartitionLog log = PartitionLog.open(tmp.resolve("p"), config, FlushPolicy.OS, clock)) {
                batches.forEach(b -> oracle.append(log, b.records(), b.logAppendTime()));
                checkRandomReads(log, oracle, new Random(seed));
                oracle.checkAll(log);
            }
            try (PartitionLog reopened = PartitionLog.open(tmp.resolve("p"), config, FlushPolicy.OS, clock)) {
                checkRandomReads(reopened, oracle, new Random(seed + 1));
            }
        });
    }

    @Property(tries = 30)
    void offsetForTimestampAgreesWithABruteForceSearch(@ForAll("batches") List<BatchSpec> batches,
                                                       @ForAll @IntRange(min = 300, max = 3000) int segmentBytes,
                                                       @ForAll @IntRange(min = 0, max = 400) int indexIntervalBytes,
                                                       @ForAll("timestamps") List<Long> queries) {
        LogTestSupport.withTempDir(tmp -> {
            Oracle oracle = new Oracle();
            MutableClock clock = new MutableClock(T0);
            LogConfig config = LogTestSupport.config(segmentBytes, indexIntervalBytes);
            Path live = tmp.resolve("live");
            try (PartitionLog log = PartitionLog.open(live, config, FlushPolicy.OS, clock)) {
                batches.forEach(b -> oracle.append(log, b.records(), b.logAppendTime()));
                checkTimestamps(log, oracle, queries);
                LogTestSupport.copyFiles(live, tmp.resolve("crashed"));
            }
            try (PartitionLog reopened = PartitionLog.open(live, config, FlushPolicy.OS, clock)) {
                checkTimestamps(reopened, oracle, queries);
            }
            try (PartitionLog recovered = PartitionLog.open(tmp.resolve("crashed"), config, FlushPolicy.OS, clock)) {
                checkTimestamps(recovered, oracle, queries);
            }
        });
    }

    /**
     * A random history of appends, clean reopens, crashes that tear the active segment's tail and
     * retention runs; after each step the log must match the oracle.
     */
    @Property(tries = 20)
    void historiesOfAppendsReopensCrashesAndRetentionKeepTheLogConsistent(
            @ForAll("steps") List<Integer> steps, @ForAll long seed) {
        runHistory(steps, seed);
    }

    private static void runHistory(List<Integer> steps, long seed) {
        LogTestSupport.withTempDir(tmp -> {
            Random random = new Random(seed);
            Oracle oracle = new Oracle();
            MutableClock clock = new MutableClock(T0);
            LogConfig config = new LogConfig(1000, 50_000, 20_000, 5_000, random.nextInt(300));
            Path dir = tmp.resolve("log0");
            int generation = 0;
            PartitionLog log = PartitionLog.open(dir, config, FlushPolicy.OS, clock);
            try {
                for (int step : steps) {
                    switch (step) {
                        case 0, 1, 2, 3 -> {
                            for (int i = random.nextInt(8); i >= 0; i--) {
                                oracle.append(log, randomRecords(random, clock), null);
                                clock.advance(random.nextInt(1_000));
                            }
                        }
                        case 4 -> {
                            log.close();
                            log = PartitionLog.open(dir, config, FlushPolicy.OS, clock);
                        }
                        case 5 -> {
                            Path crashed = tmp.resolve("log" + ++generation);
                            LogTestSupport.copyFiles(dir, crashed);
                            log.close();
                            long lostFrom = tearTail(crashed, oracle, random);
                            oracle.truncateTo(lostFrom);
                            dir = crashed;
                            log = PartitionLog.open(dir, config, FlushPolicy.OS, clock);
                        }
                        default -> {
                            clock.advance(random.nextInt(30_000));
                            log.applyRetention();
                            oracle.dropBelow(log.logStartOffset());
                            assertThat(log.sizeInBytes() - oldestSegmentSize(log) < config.retentionBytes() || log.segmentCount() == 1)
                                    .as("retention.bytes: no further segment could go and leave the limit kept").isTrue();
                        }
                    }
                    oracle.checkAll(log);
                    checkRandomReads(log, oracle, random);
                    for (int i = 0; i < 5; i++) {
                        long ts = clock.millis() - random.nextInt(60_000);
                        assertThat(log.offsetForTimestamp(ts)).as("offsetForTimestamp(%d)", ts)
                                .isEqualTo(oracle.offsetForTimestamp(ts, log.logStartOffset()));
                    }
                }
            } finally {
                log.close();
            }
        });
    }

    /** Cuts the active segment of a crashed copy somewhere in its last batch; returns the first lost offset. */
    private static long tearTail(Path dir, Oracle oracle, Random random) {
        List<Path> logs = LogTestSupport.files(dir, ".log");
        Path active = logs.get(logs.size() - 1);
        long base = LogTestSupport.baseOffsetOf(active);
        List<Oracle.Appended> inSegment = oracle.batches.stream().filter(b -> b.baseOffset() >= base).toList();
        if (inSegment.isEmpty() || random.nextBoolean()) {
            return oracle.endOffset();
        }
        Oracle.Appended last = inSegment.get(inSegment.size() - 1);
        long position = oracle.positionInSegment(base, last.baseOffset());
        LogTestSupport.truncate(active, position + random.nextInt(last.sizeInBytes()));
        return last.baseOffset();
    }

    private static List<In> randomRecords(Random random, MutableClock clock) {
        int n = 1 + random.nextInt(4);
        List<In> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(new In(clock.millis() - random.nextInt(5_000), random.nextBoolean() ? null : "\"k\"",
                    LogTestSupport.value("r" + random.nextInt(1000), random.nextInt(150)), null));
        }
        return records;
    }

    private static void checkRandomReads(PartitionLog log, Oracle oracle, Random random) {
        long start = log.logStartOffset();
        long end = oracle.endOffset();
        for (int i = 0; i < 30; i++) {
            long offset = start + (long) (random.nextDouble() * (end - start + 1));
            int maxBytes = random.nextInt(4) == 0 ? Integer.MAX_VALUE : 1 + random.nextInt(2_000);
            oracle.checkRead(log, Math.min(offset, end), maxBytes);
        }
    }

    private static void checkTimestamps(PartitionLog log, Oracle oracle, List<Long> queries) {
        for (long ts : queries) {
            assertThat(log.offsetForTimestamp(ts)).as("offsetForTimestamp(%d)", ts).isEqualTo(oracle.offsetForTimestamp(ts, 0));
        }
        for (LogTestSupport.Rec r : oracle.records()) {
            assertThat(log.offsetForTimestamp(r.timestamp())).isEqualTo(oracle.offsetForTimestamp(r.timestamp(), 0));
        }
    }

    @Provide
    Arbitrary<List<BatchSpec>> batches() {
        Arbitrary<String> json = Arbitraries.strings().alpha().ofMaxLength(120).injectNull(0.1);
        Arbitrary<String> keys = Arbitraries.strings().alpha().ofMaxLength(10).injectNull(0.5);
        Arbitrary<In> record = Combinators.combine(timestamp(), keys, json,
                keys.map(k -> k == null ? null : "{\"h\":\"" + k + "\"}")).as(In::new);
        Arbitrary<Long> appendTime = Arbitraries.longs().between(0, 2_000).injectNull(0.8);
        return Combinators.combine(record.list().ofMinSize(1).ofMaxSize(6), appendTime).as(BatchSpec::new)
                .list().ofMinSize(1).ofMaxSize(40);
    }

    @Provide
    Arbitrary<List<Long>> timestamps() {
        return timestamp().list().ofMaxSize(40);
    }

    /** Mostly a narrow range, so that batches overlap in time and go back and forth; now and then any long. */
    private static Arbitrary<Long> timestamp() {
        return Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.longs().between(0, 2_000)),
                Tuple.of(1, Arbitraries.longs()));
    }

    @Provide
    Arbitrary<List<Integer>> steps() {
        return Arbitraries.integers().between(0, 6).list().ofMinSize(1).ofMaxSize(25);
    }

    private static long oldestSegmentSize(PartitionLog log) {
        return LogTestSupport.files(log.dir(), ".log").stream().map(LogTestSupport::sizeOf).findFirst().orElse(0L);
    }
}
