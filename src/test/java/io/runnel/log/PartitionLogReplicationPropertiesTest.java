package io.runnel.log;

import static io.runnel.PropertyChecks.lists;
import static io.runnel.PropertyChecks.qt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.log.LogTestSupport.MutableClock;
import io.runnel.log.LogTestSupport.Rec;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.SourceDSL;

/**
 * Random histories of leader appends, follower appends, refused appends, truncations (to any
 * offset, inside batches too), restarts at an offset, high-watermark caps, segment rolls, clean
 * reopens and crashes (with or without a torn tail), checked after every step against a model:
 * a list of batches (base offset, epoch, values) and a log start offset.
 */
class PartitionLogReplicationPropertiesTest {
    private static final long T0 = 1_700_000_000_000L;

    /** A batch as the model holds it; {@code size} is its size in bytes, for tearing a crashed tail. */
    record ModelBatch(long base, int epoch, List<String> values, int size) {
        long next() {
            return base + values.size();
        }
    }

    /** What the log must hold. */
    static final class Model {
        final List<ModelBatch> batches = new ArrayList<>();
        long start;

        long end() {
            return batches.isEmpty() ? start : batches.get(batches.size() - 1).next();
        }

        /** The epoch entries scanning the batches gives: where each larger epoch starts. */
        List<long[]> entries() {
            List<long[]> out = new ArrayList<>();
            for (ModelBatch b : batches) {
                if (out.isEmpty() || b.epoch() > out.get(out.size() - 1)[0]) {
                    out.add(new long[] {b.epoch(), b.base()});
                }
            }
            return out;
        }

        int latestEpoch() {
            List<long[]> e = entries();
            return e.isEmpty() ? -1 : (int) e.get(e.size() - 1)[0];
        }

        EpochEndOffset endOffsetForEpoch(int epoch) {
            List<long[]> e = entries();
            EpochEndOffset found = EpochEndOffset.UNDEFINED;
            for (int i = 0; i < e.size() && e.get(i)[0] <= epoch; i++) {
                found = new EpochEndOffset((int) e.get(i)[0], i + 1 < e.size() ? e.get(i + 1)[1] : end());
            }
            return found;
        }

        long truncateTo(long offset) {
            if (offset >= end()) {
                return end();
            }
            if (offset < start) {
                reset(offset);
                return offset;
            }
            ModelBatch holding = batches.stream().filter(b -> b.next() > offset).findFirst().orElseThrow();
            batches.removeIf(b -> b.base() >= holding.base());
            return holding.base();
        }

        void reset(long offset) {
            batches.clear();
            start = offset;
        }

        /** The last batch boundary at or below {@code offset}. */
        long boundaryAtOrBelow(long offset) {
            long boundary = start;
            for (ModelBatch b : batches) {
                if (b.next() <= offset) {
                    boundary = b.next();
                }
            }
            return boundary;
        }
    }

    /** The actions are the history's shape (what {@link History#step} does); the seed picks offsets, sizes and epochs. */
    @Test
    void historiesOfAppendsTruncationsResetsReopensAndCrashesMatchTheModel() {
        qt(50, 300).forAll(lists(SourceDSL.integers().between(0, 13), 1, 30), SourceDSL.longs().all())
                .checkAssert((actions, seed) -> LogTestSupport.withTempDir(tmp -> new History(tmp, new Random(seed)).run(actions)));
    }

    private static final class History {
        private final Path tmp;
        private final Random random;
        private final MutableClock clock = new MutableClock(T0);
        private final Model model = new Model();
        private final LogConfig config;
        private final FlushPolicy policy;
        private Path dir;
        private PartitionLog log;
        private int generation;

        History(Path tmp, Random random) {
            this.tmp = tmp;
            this.random = random;
            this.config = LogTestSupport.config(300 + random.nextInt(1200), random.nextInt(300));
            this.policy = random.nextInt(3) == 0 ? FlushPolicy.ALWAYS : FlushPolicy.OS;
            this.dir = tmp.resolve("log0");
        }

        void run(List<Integer> actions) {
            log = PartitionLog.open(dir, config, policy, clock);
            try {
                for (int action : actions) {
                    step(action);
                    check();
                }
            } finally {
                log.close();
            }
        }

        private void step(int action) {
            switch (action) {
                case 0, 1, 2 -> appendAsLeader();
                case 3, 4 -> appendAsFollower();
                case 5 -> refusedAppend();
                case 6, 7 -> truncate();
                case 8 -> {
                    long offset = random.nextInt((int) model.end() + 20);
                    log.truncateFullyAndStartAt(offset);
                    model.reset(offset);
                }
                case 9 -> cap();
                case 10 -> {
                    log.close();
                    log = PartitionLog.open(dir, config, policy, clock);
                }
                default -> crash();
            }
            clock.advance(random.nextInt(100));
        }

        private int nextEpoch() {
            int latest = Math.max(0, model.latestEpoch());
            return random.nextInt(3) == 0 ? latest + 1 + random.nextInt(2) : latest;
        }

        private RecordBatch build(int epoch, long base, List<String> values) {
            BatchBuilder builder = new BatchBuilder(epoch, null, 0);
            for (String v : values) {
                builder.add(clock.millis(), null, LogTestSupport.bytes(v), null);
            }
            RecordBatch batch = builder.build();
            batch.setBaseOffset(base);
            return batch;
        }

        private List<String> values(long base) {
            List<String> values = new ArrayList<>();
            int n = 1 + random.nextInt(4);
            for (int i = 0; i < n; i++) {
                values.add(LogTestSupport.value("g" + generation + "o" + (base + i), random.nextInt(120)));
            }
            return values;
        }

        private void appendAsLeader() {
            int epoch = nextEpoch();
            long base = model.end();
            List<String> values = values(base);
            RecordBatch batch = build(epoch, 0, values);
            AppendResult result = log.appendAsLeader(batch);
            assertThat(result).isEqualTo(new AppendResult(base, base + values.size() - 1));
            model.batches.add(new ModelBatch(base, epoch, values, batch.sizeInBytes()));
            generation++;
        }

        private void appendAsFollower() {
            List<RecordBatch> batches = new ArrayList<>();
            int epoch = nextEpoch();
            long base = model.end();
            for (int i = 1 + random.nextInt(3); i > 0; i--) {
                List<String> values = values(base);
                RecordBatch batch = build(epoch, base, values);
                batches.add(batch);
                model.batches.add(new ModelBatch(base, epoch, values, batch.sizeInBytes()));
                base += values.size();
                if (random.nextInt(4) == 0) {
                    epoch++;
                }
            }
            AppendResult result = log.appendAsFollower(batches);
            assertThat(result.baseOffset()).isEqualTo(batches.get(0).baseOffset());
            assertThat(result.lastOffset()).isEqualTo(base - 1);
            generation++;
        }

        private void refusedAppend() {
            long end = model.end();
            int latest = model.latestEpoch();
            int epoch = Math.max(0, latest);
            switch (random.nextInt(4)) {
                case 0 -> assertThatThrownBy(() -> log.appendAsFollower(build(epoch, end + 1 + random.nextInt(3), values(end))))
                        .as("gap").isInstanceOf(LogException.class);
                case 1 -> assertThatThrownBy(() -> log.appendAsFollower(build(epoch, end - 1 - random.nextInt(3), values(end))))
                        .as("overlap").isInstanceOf(LogException.class);
                case 2 -> {
                    RecordBatch corrupt = build(epoch, end, values(end));
                    ByteBuffer raw = corrupt.buffer();
                    int at = RecordBatch.MAGIC_OFFSET + random.nextInt(raw.limit() - RecordBatch.MAGIC_OFFSET);
                    raw.put(at, (byte) ~raw.get(at));
                    assertThatThrownBy(() -> log.appendAsFollower(corrupt)).as("corrupt").isInstanceOf(LogException.class);
                }
                default -> {
                    if (latest >= 0) {
                        assertThatThrownBy(() -> log.appendAsLeader(build(latest - 1, 0, values(end))))
                                .as("epoch going back").isInstanceOf(LogException.class);
                    }
                }
            }
        }

        private void truncate() {
            long end = model.end();
            long offset = switch (random.nextInt(6)) {
                case 0 -> 0;
                case 1 -> model.start;
                case 2 -> end + random.nextInt(3);
                case 3 -> model.batches.isEmpty() ? end : model.batches.get(random.nextInt(model.batches.size())).base() + 1;
                default -> model.start + (long) (random.nextDouble() * (end - model.start));
            };
            long expected = model.truncateTo(offset);
            assertThat(log.truncateTo(offset)).as("truncateTo(%d)", offset).isEqualTo(expected);
            generation++;
        }

        private void cap() {
            long end = model.end();
            long cap = model.start + (long) (random.nextDouble() * (end - model.start + 2));
            log.setHighWatermarkCap(cap);
            long hw = model.boundaryAtOrBelow(Math.min(cap, end));
            assertThat(log.highWatermark()).as("cap %d", cap).isEqualTo(hw);
            List<ModelBatch> visible = model.batches.stream().filter(b -> b.next() <= hw).toList();
            assertThat(readAll(log, hw, false)).isEqualTo(visible);
            assertThat(readAll(log, end, true)).as("followers read past the high watermark").isEqualTo(model.batches);
            if (hw < end) {
                assertThatThrownBy(() -> log.read(hw + 1, 100)).isInstanceOf(LogException.OffsetOutOfRange.class);
            }
            log.setHighWatermarkCap(Long.MAX_VALUE);
        }

        /** A crash: the files as they are, no clean shutdown; sometimes the active segment's last batch is torn. */
        private void crash() {
            Path crashed = tmp.resolve("log" + ++generation);
            LogTestSupport.copyFiles(dir, crashed);
            log.close();
            List<Path> logs = LogTestSupport.files(crashed, ".log");
            Path active = logs.get(logs.size() - 1);
            long segmentBase = LogTestSupport.baseOffsetOf(active);
            List<ModelBatch> inSegment = model.batches.stream().filter(b -> b.base() >= segmentBase).toList();
            if (!inSegment.isEmpty() && random.nextBoolean()) {
                ModelBatch last = inSegment.get(inSegment.size() - 1);
                long position = inSegment.stream().filter(b -> b.base() < last.base()).mapToLong(ModelBatch::size).sum();
                assertThat(LogTestSupport.sizeOf(active)).isEqualTo(position + last.size());
                LogTestSupport.truncate(active, position + random.nextInt(last.size()));
                model.truncateTo(last.base());
            }
            dir = crashed;
            log = PartitionLog.open(dir, config, policy, clock);
        }

        private void check() {
            long end = model.end();
            assertThat(log.logStartOffset()).as("log start").isEqualTo(model.start);
            assertThat(log.logEndOffset()).as("log end").isEqualTo(end);
            assertThat(log.durableEnd()).isEqualTo(end);
            assertThat(log.highWatermark()).isEqualTo(end);
            assertThat(readAll(log, end, false)).isEqualTo(model.batches);
            for (int i = 0; i < 5 && end > model.start; i++) {
                long offset = model.start + (long) (random.nextDouble() * (end - model.start));
                List<RecordBatch> got = log.read(offset, 1 + random.nextInt(500)).batches();
                assertThat(got).isNotEmpty();
                assertThat(got.get(0).baseOffset()).isLessThanOrEqualTo(offset);
                assertThat(got.get(0).lastOffset()).isGreaterThanOrEqualTo(offset);
            }
            assertThat(log.read(end, 100).batches()).isEmpty();
            assertThat(log.latestEpoch()).as("latest epoch").isEqualTo(model.latestEpoch());
            for (int epoch = -1; epoch <= model.latestEpoch() + 1; epoch++) {
                assertThat(log.endOffsetForEpoch(epoch)).as("endOffsetForEpoch(%d)", epoch).isEqualTo(model.endOffsetForEpoch(epoch));
            }
        }

        /** Every batch from the log start up to {@code until}, in the model's terms. */
        private List<ModelBatch> readAll(PartitionLog log, long until, boolean forReplication) {
            List<ModelBatch> out = new ArrayList<>();
            long offset = log.logStartOffset();
            while (offset < until) {
                int maxBytes = 1 + random.nextInt(800);
                List<RecordBatch> batches = forReplication
                        ? log.readForReplication(offset, maxBytes).batches()
                        : log.read(offset, maxBytes).batches();
                assertThat(batches).as("read at %d below %d", offset, until).isNotEmpty();
                for (RecordBatch b : batches) {
                    assertThat(b.isValid()).isTrue();
                    List<String> values = LogTestSupport.decode(b).stream().map(Rec::value).toList();
                    out.add(new ModelBatch(b.baseOffset(), b.leaderEpoch(), values, b.sizeInBytes()));
                    offset = b.nextOffset();
                }
            }
            return out;
        }
    }
}
