package io.runnel.log;

import static io.runnel.PropertyChecks.lists;
import static io.runnel.PropertyChecks.orNull;
import static io.runnel.PropertyChecks.qt;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.log.CompactionTestSupport.KV;
import io.runnel.log.LogTestSupport.MutableClock;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;

/**
 * Random keyed logs with updates and tombstones, cleaned, reopened and read from the start,
 * against {@link CompactionModel}.
 */
class LogCleanerPropertiesTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long DELETE_RETENTION_MS = 1000;
    private static final int SHRINK_CYCLES = 300;

    /** One step: append a batch, clean with a map of {@code mapKeys} keys, move the clock, or reopen the log. */
    record Op(int kind, List<KV> batch, int mapKeys, long advanceMs) {
        static final int APPEND = 0;
        static final int CLEAN = 1;
        static final int ADVANCE = 2;
        static final int REOPEN = 3;

        @Override
        public String toString() {
            return switch (kind) {
                case APPEND -> "append " + batch;
                case CLEAN -> "clean(" + mapKeys + " keys)";
                case ADVANCE -> "advance " + advanceMs;
                default -> "reopen";
            };
        }
    }

    @Test
    void aCleanedLogHoldsTheLatestRecordOfEachKeyAndWhatMayNotYetBeDropped() {
        qt(Integer.getInteger("cleanerExamples", 40), SHRINK_CYCLES).forAll(ops(), SourceDSL.integers().between(150, 700), SourceDSL.integers().between(0, 300))
                .checkAssert(LogCleanerPropertiesTest::matchesTheModel);
    }

    private static void matchesTheModel(List<Op> ops, int segmentBytes, int indexIntervalBytes) {
        LogTestSupport.withTempDir(tmp -> {
            Path dir = tmp.resolve("p");
            MutableClock clock = new MutableClock(T0);
            LogConfig config = LogTestSupport.config(segmentBytes, indexIntervalBytes);
            CompactionModel model = new CompactionModel();
            PartitionLog log = PartitionLog.open(dir, config, FlushPolicy.OS, clock);
            try {
                for (Op op : ops) {
                    switch (op.kind()) {
                        case Op.APPEND -> model.appended(CompactionTestSupport.append(log, 0, clock.millis(), op.batch()));
                        case Op.CLEAN -> {
                            long mapBytes = (long) Math.ceil(op.mapKeys() / 0.9 + 1) * OffsetMap.BYTES_PER_ENTRY;
                            int capacity = new OffsetMap(mapBytes).capacity();
                            long expectedEnd = model.clean(activeBase(log), capacity, DELETE_RETENTION_MS, clock.millis());
                            CleanResult result = log.clean(new CleanerConfig(DELETE_RETENTION_MS, 0, mapBytes), log.highWatermark());
                            assertThat(result.cleanedUpTo()).as("end of the pass").isEqualTo(expectedEnd);
                        }
                        case Op.ADVANCE -> clock.advance(op.advanceMs());
                        default -> {
                            log.close();
                            log = PartitionLog.open(dir, config, FlushPolicy.OS, clock);
                        }
                    }
                    assertThat(CompactionTestSupport.readAll(log)).as("after %s", op).isEqualTo(model.present);
                    assertThat(log.logEndOffset()).isEqualTo(model.appended.size());
                }
            } finally {
                log.close();
            }
        });
    }

    static long activeBase(PartitionLog log) {
        Segment[] segments = log.view().segments();
        return segments[segments.length - 1].baseOffset();
    }

    static Gen<List<Op>> ops() {
        Gen<String> keys = orNull(Generate.pick(List.of("\"a\"", "\"b\"", "\"c\"", "\"d\"", "\"e\"", "{\"id\":6}")), 5);
        Gen<String> values = orNull(SourceDSL.integers().between(0, 999).map(i -> "{\"v\":" + i + "}"), 20);
        Gen<List<KV>> batches = lists(keys.zip(values, KV::new), 1, 4);
        Gen<Op> append = batches.map(b -> new Op(Op.APPEND, b, 0, 0));
        Gen<Op> clean = SourceDSL.integers().between(1, 8).map(k -> new Op(Op.CLEAN, List.of(), k, 0));
        Gen<Op> advance = SourceDSL.longs().between(1, 1500).map(ms -> new Op(Op.ADVANCE, List.of(), 0, ms));
        Gen<Op> reopen = Generate.constant(new Op(Op.REOPEN, List.of(), 0, 0));
        Gen<Op> op = Generate.frequency(List.of(org.quicktheories.api.Pair.of(10, append), org.quicktheories.api.Pair.of(3, clean),
                org.quicktheories.api.Pair.of(2, advance), org.quicktheories.api.Pair.of(1, reopen)));
        return lists(op, 1, 60);
    }
}
