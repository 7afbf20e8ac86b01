package io.runnel.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.log.LogTestSupport.In;
import io.runnel.log.LogTestSupport.MutableClock;
import io.runnel.log.LogTestSupport.Rec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Lock-free readers against a log that is appended to, rolled and trimmed by retention at the same
 * time. Every record's value and timestamp are its own offset, so a reader can check what it got
 * on its own. No timing is asserted: the threads only race.
 */
class PartitionLogConcurrencyTest {
    @TempDir
    Path tmp;

    private static String valueFor(long offset) {
        return "\"" + offset + "\"";
    }

    @ParameterizedTest
    @EnumSource(FlushPolicy.class)
    void readersSeeOnlyWholeValidBatchesWhileTheLogIsAppendedRolledAndTrimmed(FlushPolicy policy) throws Exception {
        MutableClock clock = new MutableClock(1_700_000_000_000L);
        LogConfig config = new LogConfig(1024, Long.MAX_VALUE / 4, -1, 6_000, 100);
        int appends = 600;
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean done = new AtomicBoolean();
        List<Long> notified = Collections.synchronizedList(new ArrayList<>());

        try (PartitionLog log = PartitionLog.open(tmp.resolve(policy.name()), config, policy, clock)) {
            log.setListener(new LogListener() {
                @Override
                public void onHighWatermark(long highWatermark) {
                    notified.add(highWatermark);
                }
            });
            Thread appender = new Thread(() -> {
                try {
                    Random random = new Random(1);
                    long next = 0;
                    for (int i = 0; i < appends; i++) {
                        List<In> records = new ArrayList<>();
                        int n = 1 + random.nextInt(4);
                        for (int r = 0; r < n; r++) {
                            records.add(In.of(next + r, valueFor(next + r)));
                        }
                        AppendResult result = log.appendAsLeader(LogTestSupport.build(records, null));
                        assertThat(result.baseOffset()).isEqualTo(next);
                        next += n;
                    }
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    done.set(true);
                }
            });
            List<Thread> others = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                int seed = r;
                others.add(new Thread(() -> read(log, done, new Random(seed), failures)));
            }
            others.add(new Thread(() -> {
                try {
                    while (!done.get()) {
                        log.applyRetention();
                        if (policy != FlushPolicy.ALWAYS) {
                            log.flush();
                        }
                        Thread.yield();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
            others.forEach(Thread::start);
            appender.start();
            appender.join();
            for (Thread t : others) {
                t.join();
            }

            assertThat(failures).isEmpty();
            assertThat(log.highWatermark()).isEqualTo(log.logEndOffset());
            log.applyRetention();
            // retention.bytes as in Kafka: at least the limit is kept, and less than one more segment.
            assertThat(log.sizeInBytes()).isLessThan(6_000 + 1024);
            List<Long> seen = new ArrayList<>(notified);
            assertThat(seen).as("high watermark notifications only go up").isSorted().doesNotHaveDuplicates();
            assertThat(seen.get(seen.size() - 1)).isEqualTo(log.highWatermark());
        }
    }

    private static void read(PartitionLog log, AtomicBoolean done, Random random, List<Throwable> failures) {
        try {
            while (!done.get()) {
                long start = log.logStartOffset();
                long hw = log.highWatermark();
                long offset = start + (long) (random.nextDouble() * (hw - start + 1));
                LogReadResult result;
                try {
                    result = log.read(offset, 1 + random.nextInt(3_000));
                } catch (LogException.OffsetOutOfRange e) {
                    assertThat(offset).as("only retention may take an offset away").isLessThan(e.logStartOffset());
                    continue;
                }
                assertThat(result.highWatermark()).isGreaterThanOrEqualTo(hw);
                List<RecordBatch> batches = result.batches();
                if (offset == result.highWatermark()) {
                    assertThat(batches).isEmpty();
                    continue;
                }
                assertThat(batches).isNotEmpty();
                assertThat(batches.get(0).baseOffset()).isLessThanOrEqualTo(offset);
                assertThat(batches.get(0).lastOffset()).isGreaterThanOrEqualTo(offset);
                long expected = batches.get(0).baseOffset();
                for (RecordBatch b : batches) {
                    assertThat(b.isValid()).as("batch %s", b).isTrue();
                    assertThat(b.baseOffset()).isEqualTo(expected);
                    for (Rec rec : LogTestSupport.decode(b)) {
                        assertThat(rec.value()).isEqualTo(valueFor(rec.offset()));
                    }
                    expected = b.nextOffset();
                }
                assertThat(expected).isLessThanOrEqualTo(result.highWatermark());
                // Each record's timestamp is its offset: the answer is the record itself, or the
                // log start if retention has taken that record away meanwhile.
                long ts = start + (long) (random.nextDouble() * (result.highWatermark() - start));
                long startBefore = log.logStartOffset();
                long found = log.offsetForTimestamp(ts);
                long startAfter = log.logStartOffset();
                if (found != ts) {
                    // The log start at some moment of the call: retention may move it on meanwhile.
                    assertThat(found).as("offsetForTimestamp(%d)", ts).isGreaterThan(ts)
                            .isBetween(startBefore, startAfter);
                }
            }
        } catch (Throwable e) {
            failures.add(e);
        }
    }
}
