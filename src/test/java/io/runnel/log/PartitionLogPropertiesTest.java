package io.runnel.log;

import static io.runnel.PropertyChecks.LETTERS;
import static io.runnel.PropertyChecks.charsOf;
import static io.runnel.PropertyChecks.lists;
import static io.runnel.PropertyChecks.orNull;
import static io.runnel.PropertyChecks.qt;
import static io.runnel.PropertyChecks.strings;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.log.LogTestSupport.In;
import io.runnel.log.LogTestSupport.MutableClock;
import io.runnel.log.LogTestSupport.Oracle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;

/** Random logs against the oracle: reads, timestamp lookups, reopen and crash recovery. */
class PartitionLogPropertiesTest {
    private static final long T0 = 1_700_000_000_000L;
    /** Every example writes files: shrink in a few hundred attempts rather than thousands. */
    private static final int SHRINK_CYCLES = 300;

    /** One appended batch: its records and, for LogAppendTime, the time the log stamps. */
    record BatchSpec(List<In> records, Long logAppendTime) {
    }

    @Test
    void readsReturnExactlyTheRequestedOffsets() {
        qt(30, SHRINK_CYCLES).forAll(batches(), segmentBytes(), indexIntervalBytes(), SourceDSL.longs().all())
                .checkAssert(PartitionLogPropertiesTest::readsReturnExactlyTheRequestedOffsets);
    }

    private static void readsReturnExactlyTheRequestedOffsets(List<BatchSpec> batches, int segmentBytes,
                                                              int indexIntervalBytes, long seed) {
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

    @Test
    void offsetForTimestampAgreesWithABruteForceSearch() {
        qt(30, SHRINK_CYCLES).forAll(batches(), segmentBytes(), indexIntervalBytes(), lists(timestamp(), 0, 40))
                .checkAssert(PartitionLogPropertiesTest::offsetForTimestampAgreesWithABruteForceSearch);
    }

    private static void offsetForTimestampAgreesWithABruteForceSearch(List<BatchSpec> batches, int segmentBytes,
                                                                      int indexIntervalBytes, List<Long> queries) {
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
    @Test
    void historiesOfAppendsReopensCrashesAndRetentionKeepTheLogConsistent() {
        qt(20, SHRINK_CYCLES).forAll(lists(SourceDSL.integers().between(0, 6), 1, 25), SourceDSL.longs().all())
                .checkAssert(PartitionLogPropertiesTest::runHistory);
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

    /** One to 40 batches of one to six records, a fifth of them stamped with LogAppendTime. */
    private static Gen<List<BatchSpec>> batches() {
        Gen<String> json = orNull(strings(charsOf(LETTERS), 0, 120), 10);
        Gen<String> keys = orNull(strings(charsOf(LETTERS), 0, 10), 50);
        Gen<In> record = timestamp().zip(keys, json, keys.map(k -> k == null ? null : "{\"h\":\"" + k + "\"}"), In::new);
        Gen<Long> appendTime = orNull(SourceDSL.longs().between(0, 2_000), 80);
        return lists(lists(record, 1, 6).zip(appendTime, BatchSpec::new), 1, 40);
    }

    private static Gen<Integer> segmentBytes() {
        return SourceDSL.integers().between(300, 3000);
    }

    private static Gen<Integer> indexIntervalBytes() {
        return SourceDSL.integers().between(0, 400);
    }

    /** Mostly a narrow range, so that batches overlap in time and go back and forth; now and then any long. */
    private static Gen<Long> timestamp() {
        return Generate.frequency(Pair.of(8, SourceDSL.longs().between(0, 2_000)), Pair.of(1, SourceDSL.longs().all()));
    }

    private static long oldestSegmentSize(PartitionLog log) {
        return LogTestSupport.files(log.dir(), ".log").stream().map(LogTestSupport::sizeOf).findFirst().orElse(0L);
    }
}
