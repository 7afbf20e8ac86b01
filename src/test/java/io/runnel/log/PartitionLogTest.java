package io.runnel.log;

import static io.runnel.log.LogTestSupport.config;
import static io.runnel.log.LogTestSupport.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.log.LogTestSupport.In;
import io.runnel.log.LogTestSupport.MutableClock;
import io.runnel.log.LogTestSupport.Oracle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogTest {
    @TempDir
    Path tmp;

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final List<PartitionLog> opened = new ArrayList<>();
    private final Oracle oracle = new Oracle();

    @AfterEach
    void closeLogs() {
        opened.forEach(PartitionLog::close);
    }

    private PartitionLog open(Path dir, LogConfig config, FlushPolicy policy) {
        PartitionLog log = PartitionLog.open(dir, config, policy, clock);
        opened.add(log);
        return log;
    }

    private PartitionLog openSmall(FlushPolicy policy) {
        return open(tmp.resolve("p0"), config(1024, 100), policy);
    }

    /** Appends {@code count} batches of 1–4 records of varied sizes, timestamps from the clock. */
    private void appendBatches(PartitionLog log, int count) {
        for (int i = 0; i < count; i++) {
            List<In> records = new ArrayList<>();
            int n = 1 + i % 4;
            for (int r = 0; r < n; r++) {
                String key = r % 3 == 0 ? null : "\"k" + r + "\"";
                String headers = r % 2 == 0 ? null : "{\"n\":\"" + i + "\"}";
                records.add(new In(clock.millis() + r, key, value("b" + i + "r" + r, 10 + (i * 37) % 120), headers));
            }
            oracle.append(log, records);
            clock.advance(10);
        }
    }

    @Test
    void aNewLogIsEmpty() {
        PartitionLog log = openSmall(FlushPolicy.ALWAYS);

        assertThat(log.logStartOffset()).isZero();
        assertThat(log.highWatermark()).isZero();
        assertThat(log.logEndOffset()).isZero();
        assertThat(log.segmentCount()).isEqualTo(1);
        assertThat(log.sizeInBytes()).isZero();
        assertThat(log.read(0, 1000).batches()).isEmpty();
        assertThat(log.offsetForTimestamp(0)).isZero();
    }

    @Test
    void appendsAssignDenseOffsets() {
        PartitionLog log = openSmall(FlushPolicy.ALWAYS);

        assertThat(oracle.append(log, List.of(In.of(1, "1")))).isEqualTo(new AppendResult(0, 0));
        assertThat(oracle.append(log, List.of(In.of(2, "2"), In.of(3, "3"), In.of(4, "4")))).isEqualTo(new AppendResult(1, 3));
        assertThat(oracle.append(log, List.of(In.of(5, "5")))).isEqualTo(new AppendResult(4, 4));

        assertThat(log.highWatermark()).isEqualTo(5);
        assertThat(log.logEndOffset()).isEqualTo(5);
        oracle.checkAll(log);
    }

    @Test
    void readsReturnExactlyTheRequestedBatchesAcrossManySegments() {
        PartitionLog log = openSmall(FlushPolicy.OS);
        appendBatches(log, 120);

        assertThat(log.segmentCount()).as("small segments force many rolls").isGreaterThan(10);
        assertThat(LogTestSupport.files(log.dir(), ".log")).hasSize(log.segmentCount());
        for (long offset = 0; offset <= oracle.endOffset(); offset++) {
            for (int maxBytes : new int[] {1, 100, 333, 1024, 5000, Integer.MAX_VALUE}) {
                oracle.checkRead(log, offset, maxBytes);
            }
        }
        oracle.checkAll(log);
    }

    @Test
    void indexIntervalZeroIndexesEveryBatch() {
        PartitionLog log = open(tmp.resolve("p0"), config(2048, 0), FlushPolicy.OS);
        appendBatches(log, 60);

        for (long offset = 0; offset <= oracle.endOffset(); offset += 3) {
            oracle.checkRead(log, offset, 200);
        }
    }

    @Test
    void aBatchLargerThanASegmentGetsASegmentOfItsOwn() {
        PartitionLog log = open(tmp.resolve("p0"), config(256, 100), FlushPolicy.OS);

        oracle.append(log, List.of(In.of(1, value("small", 20))));
        oracle.append(log, List.of(In.of(2, value("huge", 1000))));
        oracle.append(log, List.of(In.of(3, value("small", 20))));

        assertThat(log.segmentCount()).isEqualTo(3);
        oracle.checkAll(log);
        oracle.checkRead(log, 1, 10);
    }

    @Test
    void readOutsideTheLogThrowsOffsetOutOfRange() {
        PartitionLog log = openSmall(FlushPolicy.ALWAYS);
        appendBatches(log, 5);
        long hw = log.highWatermark();

        assertThatThrownBy(() -> log.read(hw + 1, 100))
                .isInstanceOfSatisfying(LogException.OffsetOutOfRange.class, e -> {
                    assertThat(e.highWatermark()).isEqualTo(hw);
                    assertThat(e.logStartOffset()).isZero();
                });
        assertThatThrownBy(() -> log.read(-1, 100)).isInstanceOf(LogException.OffsetOutOfRange.class);
        assertThat(log.read(hw, 100).batches()).isEmpty();
        assertThat(log.read(hw, 100).highWatermark()).isEqualTo(hw);
    }

    @Test
    void offsetForTimestampFindsTheFirstRecordAtOrAfterIt() {
        PartitionLog log = open(tmp.resolve("p0"), config(512, 0), FlushPolicy.OS);
        long[][] batches = {{100, 90, 120}, {80}, {130, 125}, {50, 200}, {150}, {10}};
        for (long[] timestamps : batches) {
            List<In> records = new ArrayList<>();
            for (long ts : timestamps) {
                records.add(In.of(ts, value("t" + ts, 150)));
            }
            oracle.append(log, records);
        }
        assertThat(log.segmentCount()).isGreaterThan(1);

        for (long ts = 0; ts <= 210; ts++) {
            assertThat(log.offsetForTimestamp(ts)).as("timestamp %d", ts).isEqualTo(oracle.offsetForTimestamp(ts, 0));
        }
        assertThat(log.offsetForTimestamp(Long.MIN_VALUE)).isZero();
        assertThat(log.offsetForTimestamp(Long.MAX_VALUE)).isEqualTo(log.highWatermark());
    }

    @Test
    void offsetForTimestampFindsRecordsStampedWithTheSmallestLong() {
        PartitionLog log = open(tmp.resolve("p0"), config(4096, 0), FlushPolicy.OS);
        oracle.append(log, List.of(In.of(Long.MIN_VALUE, "\"first\"")));
        oracle.append(log, List.of(In.of(Long.MIN_VALUE, "\"second\"")));
        oracle.append(log, List.of(In.of(5, "\"third\"")));

        assertThat(log.offsetForTimestamp(Long.MIN_VALUE)).isZero();
        assertThat(log.offsetForTimestamp(Long.MIN_VALUE + 1)).isEqualTo(2);
    }

    @Test
    void offsetForTimestampUsesLogAppendTimeWhenTheBatchSaysSo() {
        PartitionLog log = openSmall(FlushPolicy.OS);
        oracle.append(log, List.of(In.of(500, "1"), In.of(600, "2")), 100L);
        oracle.append(log, List.of(In.of(1, "3"), In.of(2, "4")), 200L);

        assertThat(log.offsetForTimestamp(150)).isEqualTo(2);
        assertThat(log.offsetForTimestamp(100)).isZero();
        assertThat(log.offsetForTimestamp(201)).isEqualTo(4);
        assertThat(log.read(0, 1000).batches().get(0).isLogAppendTime()).isTrue();
    }

    @Test
    void cleanCloseAndReopenKeepTheLogAndAppendsContinueDensely() {
        Path dir = tmp.resolve("p0");
        PartitionLog log = open(dir, config(1024, 100), FlushPolicy.ALWAYS);
        appendBatches(log, 40);
        int segments = log.segmentCount();
        long size = log.sizeInBytes();
        log.close();

        assertThat(Files.exists(dir.resolve(PartitionLog.CLEAN_SHUTDOWN))).isTrue();
        assertThatThrownBy(() -> oracle.append(log, List.of(In.of(1, "1")))).isInstanceOf(LogException.class);

        PartitionLog reopened = open(dir, config(1024, 100), FlushPolicy.ALWAYS);
        assertThat(Files.exists(dir.resolve(PartitionLog.CLEAN_SHUTDOWN))).as("marker removed on open").isFalse();
        assertThat(reopened.segmentCount()).isEqualTo(segments);
        assertThat(reopened.sizeInBytes()).isEqualTo(size);
        oracle.checkAll(reopened);
        for (long offset = 0; offset <= oracle.endOffset(); offset += 7) {
            oracle.checkRead(reopened, offset, 300);
        }
        for (long ts = clock.millis() - 500; ts < clock.millis(); ts += 13) {
            assertThat(reopened.offsetForTimestamp(ts)).isEqualTo(oracle.offsetForTimestamp(ts, 0));
        }

        appendBatches(reopened, 40);
        oracle.checkAll(reopened);
        reopened.close();

        PartitionLog again = open(dir, config(1024, 100), FlushPolicy.ALWAYS);
        oracle.checkAll(again);
    }

    @Test
    void readsAfterCloseFailWithALogException() {
        PartitionLog log = openSmall(FlushPolicy.ALWAYS);
        appendBatches(log, 3);
        log.close();

        assertThatThrownBy(() -> log.read(0, 100)).isInstanceOf(LogException.class);
        assertThatThrownBy(() -> log.offsetForTimestamp(0)).isInstanceOf(LogException.class);
    }

    @Test
    void closeIsIdempotent() {
        PartitionLog log = openSmall(FlushPolicy.ALWAYS);
        appendBatches(log, 3);

        log.close();
        log.close();

        PartitionLog reopened = openSmall(FlushPolicy.ALWAYS);
        oracle.checkAll(reopened);
    }

    @Test
    void intervalAndOsPoliciesMakeAppendsVisibleAtOnceAndFlushWorks() {
        for (FlushPolicy policy : new FlushPolicy[] {FlushPolicy.INTERVAL, FlushPolicy.OS}) {
            Oracle o = new Oracle();
            PartitionLog log = open(tmp.resolve(policy.name()), config(1024, 100), policy);
            AtomicLong flushes = new AtomicLong();
            AtomicLong lastHw = new AtomicLong();
            log.setListener(new LogListener() {
                @Override
                public void onHighWatermark(long highWatermark) {
                    lastHw.set(highWatermark);
                }

                @Override
                public void onFlush(long nanos) {
                    flushes.incrementAndGet();
                }
            });
            for (int i = 0; i < 30; i++) {
                o.append(log, List.of(In.of(i, value("v" + i, 60))));
                assertThat(log.highWatermark()).as("visible at once under %s", policy).isEqualTo(i + 1);
                assertThat(lastHw.get()).isEqualTo(i + 1);
                o.checkRead(log, i, 1);
            }
            assertThat(flushes.get()).as("no fsync per append under %s", policy).isZero();

            log.flush();

            assertThat(flushes.get()).isEqualTo(1);
            assertThat(log.highWatermark()).isEqualTo(30);
            o.checkAll(log);
        }
    }

    @Test
    void alwaysPolicyFlushesBeforeAnAppendIsVisible() {
        PartitionLog log = openSmall(FlushPolicy.ALWAYS);
        AtomicLong flushes = new AtomicLong();
        List<Long> seenAtNotification = new ArrayList<>();
        log.setListener(new LogListener() {
            @Override
            public void onHighWatermark(long highWatermark) {
                seenAtNotification.add(flushes.get());
            }

            @Override
            public void onFlush(long nanos) {
                flushes.incrementAndGet();
            }
        });

        appendBatches(log, 5);
        log.flush();

        assertThat(flushes.get()).isEqualTo(5);
        assertThat(seenAtNotification).containsExactly(1L, 2L, 3L, 4L, 5L);
        oracle.checkAll(log);
    }

    @Test
    void concurrentAppendersGetUniqueDenseOffsetsAndEveryRecordIsReadable() throws Exception {
        PartitionLog log = open(tmp.resolve("p0"), config(2048, 200), FlushPolicy.ALWAYS);
        List<Long> notified = Collections.synchronizedList(new ArrayList<>());
        log.setListener(new LogListener() {
            @Override
            public void onHighWatermark(long highWatermark) {
                notified.add(highWatermark);
            }
        });
        int threads = 8;
        int appendsPerThread = 60;
        List<List<AppendResult>> results = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            int thread = t;
            List<AppendResult> mine = new ArrayList<>();
            results.add(mine);
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < appendsPerThread; i++) {
                        List<In> records = new ArrayList<>();
                        for (int r = 0; r <= (thread + i) % 3; r++) {
                            records.add(In.of(i, "\"" + thread + "/" + i + "/" + r + "\""));
                        }
                        AppendResult result = log.appendAsLeader(LogTestSupport.build(records, null));
                        mine.add(result);
                        assertThat(log.highWatermark()).as("visible when acknowledged").isGreaterThan(result.lastOffset());
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        assertThat(failures).isEmpty();

        long total = 0;
        Map<Long, String> expected = new HashMap<>();
        for (int t = 0; t < threads; t++) {
            long previous = -1;
            for (int i = 0; i < appendsPerThread; i++) {
                AppendResult r = results.get(t).get(i);
                assertThat(r.baseOffset()).as("a thread's appends are ordered").isGreaterThan(previous);
                previous = r.lastOffset();
                for (long o = r.baseOffset(); o <= r.lastOffset(); o++) {
                    String before = expected.put(o, "\"" + t + "/" + i + "/" + (o - r.baseOffset()) + "\"");
                    assertThat(before).as("offset %d given twice", o).isNull();
                }
                total += r.lastOffset() - r.baseOffset() + 1;
            }
        }
        assertThat(expected.keySet()).as("dense").allMatch(o -> o >= 0 && o < expected.size());
        assertThat(log.highWatermark()).isEqualTo(total);
        assertThat(log.segmentCount()).isGreaterThan(1);
        assertThat(new ArrayList<>(notified)).as("high watermark notifications only go up").isSorted().doesNotHaveDuplicates();
        assertThat(notified.get(notified.size() - 1)).isEqualTo(total);

        long offset = 0;
        while (offset < log.highWatermark()) {
            List<RecordBatch> batches = log.read(offset, 8192).batches();
            for (RecordBatch b : batches) {
                assertThat(b.isValid()).isTrue();
                for (LogTestSupport.Rec rec : LogTestSupport.decode(b)) {
                    assertThat(rec.value()).as("offset %d", rec.offset()).isEqualTo(expected.get(rec.offset()));
                }
                offset = b.nextOffset();
            }
        }
        assertThat(offset).isEqualTo(total);
    }

    @Test
    void deleteRemovesTheDirectory() {
        PartitionLog log = openSmall(FlushPolicy.ALWAYS);
        appendBatches(log, 30);
        assertThat(log.segmentCount()).isGreaterThan(1);

        log.delete();

        assertThat(Files.exists(log.dir())).isFalse();
        assertThatThrownBy(() -> log.appendAsLeader(LogTestSupport.build(List.of(In.of(1, "1")), null)))
                .isInstanceOf(LogException.class);
    }

    @Test
    void updateConfigChangesTheSegmentSizeForLaterRolls() {
        PartitionLog log = open(tmp.resolve("p0"), config(1 << 20, 100), FlushPolicy.OS);
        appendBatches(log, 20);
        assertThat(log.segmentCount()).isEqualTo(1);

        log.updateConfig(config(512, 100));
        appendBatches(log, 20);

        assertThat(log.config().segmentBytes()).isEqualTo(512);
        assertThat(log.segmentCount()).isGreaterThan(1);
        oracle.checkAll(log);
    }
}
