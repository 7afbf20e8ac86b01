package io.runnel.log;

import static io.runnel.log.LogTestSupport.bytes;
import static io.runnel.log.LogTestSupport.config;
import static io.runnel.log.LogTestSupport.files;
import static io.runnel.log.LogTestSupport.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.log.LogTestSupport.MutableClock;
import io.runnel.log.LogTestSupport.Rec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The primitives replication builds on: the leader epoch cache, follower appends, the high
 * watermark cap, reads for followers, truncation and restarting a log at an offset.
 */
class PartitionLogReplicationTest {
    @TempDir
    Path tmp;

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final List<PartitionLog> opened = new ArrayList<>();

    @AfterEach
    void closeLogs() {
        opened.forEach(PartitionLog::close);
    }

    private PartitionLog open(Path dir, LogConfig config, FlushPolicy policy) {
        PartitionLog log = PartitionLog.open(dir, config, policy, clock);
        opened.add(log);
        return log;
    }

    private PartitionLog open(FlushPolicy policy) {
        return open(tmp.resolve("p0"), config(1024, 100), policy);
    }

    private PartitionLog reopen(PartitionLog log) {
        log.close();
        return open(log.dir(), log.config(), FlushPolicy.OS);
    }

    /** A batch of {@code count} records of epoch {@code epoch}, values naming their offset and {@code tag}. */
    private static RecordBatch batch(int epoch, long base, int count, String tag) {
        BatchBuilder builder = new BatchBuilder(epoch, null, 0);
        for (int i = 0; i < count; i++) {
            builder.add(1_000 + base + i, null, bytes(value(tag + "@" + (base + i), 40)), null);
        }
        RecordBatch batch = builder.build();
        batch.setBaseOffset(base);
        return batch;
    }

    private static AppendResult leader(PartitionLog log, int epoch, int count) {
        return log.appendAsLeader(batch(epoch, 0, count, "leader"));
    }

    /** Every record readable up to the durable end, by offset. */
    private static Map<Long, String> contents(PartitionLog log) {
        Map<Long, String> out = new TreeMap<>();
        long offset = log.logStartOffset();
        while (offset < log.durableEnd()) {
            List<RecordBatch> batches = log.readForReplication(offset, 2048).batches();
            assertThat(batches).isNotEmpty();
            for (RecordBatch b : batches) {
                assertThat(b.isValid()).isTrue();
                for (Rec r : LogTestSupport.decode(b)) {
                    out.put(r.offset(), r.value());
                }
                offset = b.nextOffset();
            }
        }
        return out;
    }

    private static List<Long> batchBases(PartitionLog log) {
        List<Long> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.durableEnd()) {
            for (RecordBatch b : log.readForReplication(offset, 1).batches()) {
                out.add(b.baseOffset());
                offset = b.nextOffset();
            }
        }
        return out;
    }

    private static String checkpoint(PartitionLog log) {
        try {
            return Files.readString(log.dir().resolve(LeaderEpochCache.FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path crashCopy(PartitionLog live, Path to) {
        LogTestSupport.copyFiles(live.dir(), to);
        return to;
    }

    // ---- leader epoch cache ----

    @Test
    void theEpochCacheRecordsWhereEachNewEpochStarts() {
        PartitionLog log = open(FlushPolicy.OS);
        assertThat(log.latestEpoch()).isEqualTo(-1);
        assertThat(log.endOffsetForEpoch(0)).isEqualTo(EpochEndOffset.UNDEFINED);

        leader(log, 0, 2);                       // 0..1
        leader(log, 0, 3);                       // 2..4
        long b = leader(log, 1, 1).baseOffset(); // 5
        leader(log, 1, 2);                       // 6..7
        long c = leader(log, 3, 4).baseOffset(); // 8..11

        assertThat(b).isEqualTo(5);
        assertThat(c).isEqualTo(8);
        assertThat(log.latestEpoch()).isEqualTo(3);
        assertThat(checkpoint(log)).isEqualTo("0\n3\n0 0\n1 5\n3 8\n");
        assertThat(log.endOffsetForEpoch(0)).isEqualTo(new EpochEndOffset(0, 5));
        assertThat(log.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 8));
        assertThat(log.endOffsetForEpoch(2)).as("largest known epoch ≤ 2").isEqualTo(new EpochEndOffset(1, 8));
        assertThat(log.endOffsetForEpoch(3)).isEqualTo(new EpochEndOffset(3, 12));
        assertThat(log.endOffsetForEpoch(4)).isEqualTo(new EpochEndOffset(3, 12));
        assertThat(log.endOffsetForEpoch(-1)).isEqualTo(EpochEndOffset.UNDEFINED);
    }

    @Test
    void anEpochBelowTheFirstKnownIsUndefined() {
        PartitionLog log = open(FlushPolicy.OS);
        leader(log, 2, 1);
        leader(log, 4, 1);

        assertThat(log.endOffsetForEpoch(1)).isEqualTo(EpochEndOffset.UNDEFINED);
        assertThat(log.endOffsetForEpoch(1).isUndefined()).isTrue();
        assertThat(log.endOffsetForEpoch(3)).isEqualTo(new EpochEndOffset(2, 1));
        assertThat(log.endOffsetForEpoch(Integer.MAX_VALUE)).isEqualTo(new EpochEndOffset(4, 2));
    }

    @Test
    void aBatchOfALowerEpochIsRefusedAndNothingIsAppended() {
        PartitionLog log = open(FlushPolicy.ALWAYS);
        leader(log, 3, 2);

        assertThatThrownBy(() -> leader(log, 2, 1)).isInstanceOf(LogException.class).hasMessageContaining("epoch 2");
        assertThatThrownBy(() -> log.appendAsFollower(batch(1, 2, 1, "f"))).isInstanceOf(LogException.class);
        assertThat(log.logEndOffset()).isEqualTo(2);
        assertThat(log.latestEpoch()).isEqualTo(3);
        leader(log, 3, 1);
        assertThat(log.logEndOffset()).isEqualTo(3);
    }

    @Test
    void theEpochCacheSurvivesCloseAndOpen() {
        PartitionLog log = open(FlushPolicy.OS);
        leader(log, 0, 2);
        leader(log, 2, 2);
        leader(log, 5, 2);

        PartitionLog reopened = reopen(log);

        assertThat(reopened.latestEpoch()).isEqualTo(5);
        assertThat(reopened.endOffsetForEpoch(0)).isEqualTo(new EpochEndOffset(0, 2));
        assertThat(reopened.endOffsetForEpoch(4)).isEqualTo(new EpochEndOffset(2, 4));
        assertThat(reopened.endOffsetForEpoch(5)).isEqualTo(new EpochEndOffset(5, 6));
        assertThatThrownBy(() -> leader(reopened, 4, 1)).isInstanceOf(LogException.class);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"deleted", "empty", "garbage", "torn", "wrong count", "epochs going back", "bad version"})
    void aMissingOrMalformedCheckpointIsRebuiltFromTheLog(String damage) throws IOException {
        PartitionLog log = open(tmp.resolve("p0"), config(300, 50), FlushPolicy.OS);
        for (int epoch : new int[] {0, 0, 1, 1, 1, 3, 3, 7}) {
            leader(log, epoch, 2);
        }
        assertThat(log.segmentCount()).isGreaterThan(2);
        String expected = checkpoint(log);
        log.close();
        Path file = log.dir().resolve(LeaderEpochCache.FILE);
        switch (damage) {
            case "deleted" -> Files.delete(file);
            case "empty" -> Files.write(file, new byte[0]);
            case "garbage" -> Files.write(file, new byte[] {1, 2, 3, 0, (byte) 0xff});
            case "torn" -> Files.writeString(file, expected.substring(0, expected.length() - 4));
            case "wrong count" -> Files.writeString(file, expected.replaceFirst("\n4\n", "\n5\n"));
            case "epochs going back" -> Files.writeString(file, "0\n2\n3 0\n1 4\n");
            case "bad version" -> Files.writeString(file, expected.replaceFirst("0", "9"));
            default -> throw new IllegalArgumentException(damage);
        }

        PartitionLog reopened = open(log.dir(), log.config(), FlushPolicy.OS);

        assertThat(checkpoint(reopened)).as("rebuilt and rewritten").isEqualTo(expected).isEqualTo("0\n4\n0 0\n1 4\n3 10\n7 14\n");
        assertThat(reopened.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(1, 10));
        assertThat(reopened.latestEpoch()).isEqualTo(7);
    }

    @Test
    void aLogWrittenBeforeEpochCheckpointsExistedGetsOne() throws IOException {
        PartitionLog log = open(FlushPolicy.OS);
        leader(log, 0, 3);
        log.close();
        Files.delete(log.dir().resolve(LeaderEpochCache.FILE));

        PartitionLog reopened = open(log.dir(), log.config(), FlushPolicy.OS);

        assertThat(checkpoint(reopened)).isEqualTo("0\n1\n0 0\n");
    }

    @Test
    void recoveryThatCutsTheTailDropsTheEpochsThatStartedThere() {
        PartitionLog live = open(FlushPolicy.OS);
        leader(live, 0, 3);
        leader(live, 1, 2);
        AppendResult last = leader(live, 4, 3);
        Path crashed = crashCopy(live, tmp.resolve("crashed"));
        List<Path> logs = files(crashed, ".log");
        Path active = logs.get(logs.size() - 1);
        LogTestSupport.flipByte(active, LogTestSupport.sizeOf(active) - 1);

        PartitionLog recovered = open(crashed, live.config(), FlushPolicy.OS);

        assertThat(recovered.logEndOffset()).isEqualTo(last.baseOffset());
        assertThat(recovered.latestEpoch()).isEqualTo(1);
        assertThat(recovered.endOffsetForEpoch(4)).isEqualTo(new EpochEndOffset(1, 5));
        assertThat(checkpoint(recovered)).isEqualTo("0\n2\n0 0\n1 3\n");
        leader(recovered, 2, 1);
        assertThat(recovered.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 5));
    }

    @Test
    void deletingOldSegmentsMovesTheFirstEpochUpToTheNewLogStartAsARebuildWould() throws IOException {
        LogConfig cfg = config(300, 50); // one batch per segment
        PartitionLog log = open(tmp.resolve("p0"), cfg, FlushPolicy.OS);
        for (int epoch : new int[] {0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 5}) {
            leader(log, epoch, 2); // epoch 2 starts at 8, epoch 5 at 20
        }
        assertThat(log.deleteSegmentsBelow(12)).isEqualTo(6);
        long start = log.logStartOffset();
        assertThat(start).isEqualTo(12);

        assertThat(log.endOffsetForEpoch(0)).isEqualTo(EpochEndOffset.UNDEFINED);
        assertThat(log.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(2, 20));
        String kept = checkpoint(log);
        assertThat(kept).isEqualTo("0\n2\n2 " + start + "\n5 20\n");
        log.close();
        Files.delete(log.dir().resolve(LeaderEpochCache.FILE));

        PartitionLog reopened = open(log.dir(), cfg, FlushPolicy.OS);
        assertThat(checkpoint(reopened)).isEqualTo(kept);
    }

    // ---- follower appends ----

    @ParameterizedTest
    @EnumSource(FlushPolicy.class)
    void followerAppendsKeepTheLeadersOffsetsAndEpochs(FlushPolicy policy) {
        PartitionLog leaderLog = open(tmp.resolve("leader"), config(512, 100), FlushPolicy.OS);
        PartitionLog follower = open(tmp.resolve("follower"), config(512, 100), policy);
        leader(leaderLog, 0, 3);
        leader(leaderLog, 0, 1);
        leader(leaderLog, 2, 5);
        leader(leaderLog, 3, 2);

        long offset = 0;
        while (offset < leaderLog.durableEnd()) {
            List<RecordBatch> fetched = leaderLog.readForReplication(offset, 300).batches();
            AppendResult result = follower.appendAsFollower(fetched);
            assertThat(result.baseOffset()).isEqualTo(offset);
            offset = fetched.get(fetched.size() - 1).nextOffset();
            assertThat(result.lastOffset()).isEqualTo(offset - 1);
            assertThat(follower.logEndOffset()).isEqualTo(offset);
            assertThat(follower.durableEnd()).as("durable when it returns").isEqualTo(offset);
        }

        assertThat(contents(follower)).isEqualTo(contents(leaderLog));
        assertThat(batchBases(follower)).isEqualTo(batchBases(leaderLog));
        assertThat(follower.segmentCount()).isGreaterThan(1);
        for (int epoch = -1; epoch <= 4; epoch++) {
            assertThat(follower.endOffsetForEpoch(epoch)).isEqualTo(leaderLog.endOffsetForEpoch(epoch));
        }
        List<RecordBatch> copied = follower.read(0, Integer.MAX_VALUE).batches();
        List<RecordBatch> original = leaderLog.read(0, Integer.MAX_VALUE).batches();
        assertThat(copied).hasSameSizeAs(original);
        for (int i = 0; i < copied.size(); i++) {
            assertThat(copied.get(i).buffer()).as("byte for byte").isEqualTo(original.get(i).buffer());
            assertThat(copied.get(i).leaderEpoch()).isEqualTo(original.get(i).leaderEpoch());
        }
    }

    @Test
    void aFollowerAppendRefusesAGapAnOverlapACorruptBatchAndAnEpochGoingBack() {
        PartitionLog log = open(FlushPolicy.OS);
        log.appendAsFollower(batch(1, 0, 3, "a"));

        assertThatThrownBy(() -> log.appendAsFollower(batch(1, 4, 1, "gap")))
                .isInstanceOf(LogException.class).hasMessageContaining("4").hasMessageContaining("3");
        assertThatThrownBy(() -> log.appendAsFollower(batch(1, 2, 1, "overlap")))
                .isInstanceOf(LogException.class).hasMessageContaining("2").hasMessageContaining("3");
        RecordBatch corrupt = batch(1, 3, 2, "corrupt");
        ByteBuffer raw = corrupt.buffer();
        raw.put(RecordBatch.HEADER_SIZE + 3, (byte) (raw.get(RecordBatch.HEADER_SIZE + 3) ^ 0x10));
        assertThatThrownBy(() -> log.appendAsFollower(corrupt)).isInstanceOf(LogException.class).hasMessageContaining("corrupt");
        RecordBatch badMagic = batch(1, 3, 1, "magic");
        badMagic.buffer().put(16, (byte) 9);
        assertThatThrownBy(() -> log.appendAsFollower(badMagic)).isInstanceOf(LogException.class);
        assertThatThrownBy(() -> log.appendAsFollower(batch(0, 3, 1, "old epoch"))).isInstanceOf(LogException.class);
        assertThatThrownBy(() -> log.appendAsFollower(List.of(batch(1, 3, 1, "x"), batch(1, 5, 1, "y"))))
                .as("not contiguous").isInstanceOf(LogException.class);
        assertThatThrownBy(() -> log.appendAsFollower(List.of(batch(2, 3, 1, "x"), batch(1, 4, 1, "y"))))
                .as("epochs go back inside the list").isInstanceOf(LogException.class);
        assertThatThrownBy(() -> log.appendAsFollower(List.of())).isInstanceOf(IllegalArgumentException.class);

        assertThat(log.logEndOffset()).as("nothing appended").isEqualTo(3);
        assertThat(log.latestEpoch()).isEqualTo(1);
        assertThat(log.appendAsFollower(batch(1, 3, 1, "ok"))).isEqualTo(new AppendResult(3, 3));
    }

    @Test
    void aFollowerAppendOfSeveralBatchesSharesOneFsync() {
        PartitionLog log = open(tmp.resolve("p0"), config(1 << 20, 100), FlushPolicy.ALWAYS);
        AtomicInteger flushes = new AtomicInteger();
        List<Long> notified = new ArrayList<>();
        log.setListener(new LogListener() {
            @Override
            public void onHighWatermark(long highWatermark) {
                notified.add(highWatermark);
            }

            @Override
            public void onFlush(long nanos) {
                flushes.incrementAndGet();
            }
        });

        log.appendAsFollower(List.of(batch(0, 0, 2, "a"), batch(0, 2, 3, "b"), batch(4, 5, 1, "c")));

        assertThat(flushes.get()).isEqualTo(1);
        assertThat(notified).containsExactly(6L);
        assertThat(log.highWatermark()).isEqualTo(6);
        assertThat(log.endOffsetForEpoch(0)).isEqualTo(new EpochEndOffset(0, 5));
    }

    // ---- high watermark cap ----

    @ParameterizedTest
    @EnumSource(FlushPolicy.class)
    void readersNeverSeeAtOrPastTheCapAndRaisingItWakesTheListener(FlushPolicy policy) {
        PartitionLog log = open(policy);
        List<Long> notified = Collections.synchronizedList(new ArrayList<>());
        log.setListener(new LogListener() {
            @Override
            public void onHighWatermark(long highWatermark) {
                notified.add(highWatermark);
            }
        });
        log.setHighWatermarkCap(0);
        assertThat(log.highWatermarkCap()).isZero();

        for (int i = 0; i < 10; i++) {
            leader(log, 0, 3); // batches start at 0, 3, 6, ... 27
        }
        assertThat(notified).as("nothing visible yet").isEmpty();
        assertThat(log.highWatermark()).isZero();
        assertThat(log.durableEnd()).isEqualTo(30);
        assertThat(log.read(0, 1000).batches()).isEmpty();
        assertThatThrownBy(() -> log.read(1, 1000)).isInstanceOf(LogException.OffsetOutOfRange.class);
        assertThat(log.offsetForTimestamp(0)).isZero();

        log.setHighWatermarkCap(9);
        assertThat(log.highWatermark()).isEqualTo(9);
        assertThat(notified).containsExactly(9L);
        List<RecordBatch> visible = log.read(0, Integer.MAX_VALUE).batches();
        assertThat(visible.get(visible.size() - 1).nextOffset()).isEqualTo(9);
        assertThat(log.read(9, 1000).batches()).isEmpty();
        assertThatThrownBy(() -> log.read(10, 1000)).isInstanceOf(LogException.OffsetOutOfRange.class);

        log.setHighWatermarkCap(14);
        assertThat(log.highWatermark()).as("a cap inside a batch shows the batches before it").isEqualTo(12);
        assertThat(log.read(11, 1000).batches()).extracting(RecordBatch::baseOffset).containsExactly(9L);

        log.setHighWatermarkCap(5);
        assertThat(log.highWatermark()).as("lowering is allowed").isEqualTo(3);
        assertThat(notified).containsExactly(9L, 12L);

        leader(log, 0, 3);
        assertThat(log.highWatermark()).isEqualTo(3);

        log.setHighWatermarkCap(1_000);
        assertThat(log.highWatermark()).as("never past the durable end").isEqualTo(33);
        leader(log, 0, 3);
        assertThat(log.highWatermark()).isEqualTo(36);
        log.setHighWatermarkCap(Long.MAX_VALUE);
        assertThat(notified).containsExactly(9L, 12L, 33L, 36L);
        assertThat(log.highWatermark()).isEqualTo(36);
    }

    @Test
    void theCapIsKeptAsTheLogGrowsAndRollsAndRetentionStaysBelowIt() {
        PartitionLog log = open(tmp.resolve("p0"), new LogConfig(400, Long.MAX_VALUE / 4, -1, 0, 0), FlushPolicy.OS);
        log.setHighWatermarkCap(20);
        for (int i = 0; i < 30; i++) {
            leader(log, 0, 2);
            assertThat(log.highWatermark()).isEqualTo(Math.min(20, 2L * (i + 1)));
        }
        assertThat(log.segmentCount()).isGreaterThan(3);
        assertThat(contents(log)).hasSize(60);
        Map<Long, String> visible = new TreeMap<>();
        for (RecordBatch b : log.read(0, Integer.MAX_VALUE).batches()) {
            LogTestSupport.decode(b).forEach(r -> visible.put(r.offset(), r.value()));
        }
        assertThat(visible.keySet()).hasSize(20).allMatch(o -> o < 20);

        assertThat(log.applyRetention()).isPositive();
        assertThat(log.logStartOffset()).isPositive().isLessThanOrEqualTo(20);
        assertThat(contents(log).keySet()).as("nothing at or above the high watermark deleted").containsAll(
                java.util.stream.LongStream.range(20, 60).boxed().toList());
    }

    // ---- reads for followers ----

    @Test
    void readForReplicationGoesPastTheHighWatermarkButNeverPastTheDurableEnd() {
        PartitionLog log = open(FlushPolicy.ALWAYS);
        log.setHighWatermarkCap(2);
        leader(log, 0, 2);
        leader(log, 0, 2);
        leader(log, 0, 2);
        AppendResult pending = log.appendWithoutWaiting(batch(0, 0, 2, "pending"));
        assertThat(log.logEndOffset()).isEqualTo(8);
        assertThat(log.durableEnd()).isEqualTo(6);
        assertThat(log.highWatermark()).isEqualTo(2);

        LogReadResult all = log.readForReplication(0, Integer.MAX_VALUE);
        assertThat(all.batches()).extracting(RecordBatch::baseOffset).containsExactly(0L, 2L, 4L);
        assertThat(all.highWatermark()).isEqualTo(2);
        assertThat(log.readForReplication(3, 1).batches()).extracting(RecordBatch::baseOffset).containsExactly(2L);
        assertThat(log.readForReplication(6, 1000).batches()).isEmpty();
        assertThatThrownBy(() -> log.readForReplication(7, 1000))
                .isInstanceOfSatisfying(LogException.OffsetOutOfRange.class, e -> assertThat(e.highWatermark()).isEqualTo(6));
        assertThatThrownBy(() -> log.readForReplication(-1, 1000)).isInstanceOf(LogException.OffsetOutOfRange.class);

        log.awaitDurable(pending.lastOffset() + 1);
        assertThat(log.durableEnd()).isEqualTo(8);
        assertThat(log.readForReplication(6, 1000).batches()).extracting(RecordBatch::baseOffset).containsExactly(6L);
        assertThat(log.highWatermark()).isEqualTo(2);
    }

    // ---- truncation ----

    @Test
    void truncateToCutsAtTheStartOfTheBatchHoldingTheOffset() {
        PartitionLog log = open(tmp.resolve("p0"), config(400, 50), FlushPolicy.OS);
        for (int i = 0; i < 20; i++) {
            leader(log, i / 5, 3); // epoch e starts at 15 * e
        }
        Map<Long, String> before = contents(log);
        assertThat(log.segmentCount()).isGreaterThan(3);

        assertThat(log.truncateTo(100)).as("at or past the end: nothing to do").isEqualTo(60);
        assertThat(log.truncateTo(60)).isEqualTo(60);
        assertThat(log.truncateTo(40)).as("inside the batch 39..41").isEqualTo(39);

        assertThat(log.logEndOffset()).isEqualTo(39);
        assertThat(log.durableEnd()).isEqualTo(39);
        assertThat(log.highWatermark()).isEqualTo(39);
        assertThat(contents(log)).isEqualTo(new TreeMap<>(before).headMap(39L));
        assertThat(log.latestEpoch()).isEqualTo(2);
        assertThat(log.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(2, 39));
        assertThat(log.endOffsetForEpoch(3)).isEqualTo(new EpochEndOffset(2, 39));
        assertThat(checkpoint(log)).isEqualTo("0\n3\n0 0\n1 15\n2 30\n");
        long onDisk = files(log.dir(), ".log").stream().mapToLong(LogTestSupport::sizeOf).sum();
        assertThat(log.sizeInBytes()).isEqualTo(onDisk);
        assertThat(files(log.dir(), ".log")).hasSize(log.segmentCount());
        assertThatThrownBy(() -> log.read(40, 100)).isInstanceOf(LogException.OffsetOutOfRange.class);

        AppendResult next = log.appendAsFollower(batch(5, 39, 2, "new"));
        assertThat(next).isEqualTo(new AppendResult(39, 40));
        assertThat(contents(log).get(40L)).contains("new@40");
        assertThat(log.endOffsetForEpoch(2)).isEqualTo(new EpochEndOffset(2, 39));
        assertThat(log.endOffsetForEpoch(5)).isEqualTo(new EpochEndOffset(5, 41));

        PartitionLog reopened = reopen(log);
        assertThat(reopened.logEndOffset()).isEqualTo(41);
        assertThat(reopened.endOffsetForEpoch(4)).isEqualTo(new EpochEndOffset(2, 39));
        assertThat(contents(reopened).get(39L)).contains("new@39");
    }

    @Test
    void truncateToZeroEmptiesTheLogAndTruncateAtASegmentStartKeepsItEmpty() {
        PartitionLog log = open(tmp.resolve("p0"), config(300, 50), FlushPolicy.ALWAYS);
        for (int i = 0; i < 12; i++) {
            leader(log, 1, 2);
        }
        List<Path> logs = files(log.dir(), ".log");
        long secondBase = LogTestSupport.baseOffsetOf(logs.get(1));

        assertThat(log.truncateTo(secondBase)).isEqualTo(secondBase);
        assertThat(log.logEndOffset()).isEqualTo(secondBase);
        assertThat(files(log.dir(), ".log")).hasSize(2);
        assertThat(LogTestSupport.sizeOf(files(log.dir(), ".log").get(1))).isZero();

        assertThat(log.truncateTo(0)).isZero();
        assertThat(log.logEndOffset()).isZero();
        assertThat(log.highWatermark()).isZero();
        assertThat(log.latestEpoch()).isEqualTo(-1);
        assertThat(log.read(0, 100).batches()).isEmpty();
        assertThat(log.segmentCount()).isEqualTo(1);
        leader(log, 0, 1);
        assertThat(contents(log)).hasSize(1);
    }

    @Test
    void aTruncationSurvivesACrashAndTheRecoveryPointNeverExceedsTheEnd() throws IOException {
        PartitionLog log = open(tmp.resolve("p0"), config(300, 50), FlushPolicy.OS);
        for (int i = 0; i < 20; i++) {
            leader(log, i / 4, 2);
        }
        log.truncateTo(17);

        assertThat(Long.parseLong(Files.readString(log.dir().resolve(PartitionLog.RECOVERY_POINT)).trim()))
                .isLessThanOrEqualTo(16);
        Path crashed = crashCopy(log, tmp.resolve("crashed"));
        PartitionLog recovered = open(crashed, log.config(), FlushPolicy.OS);
        assertThat(recovered.logEndOffset()).isEqualTo(16);
        assertThat(contents(recovered)).isEqualTo(contents(log));
        assertThat(recovered.endOffsetForEpoch(9)).as("epoch 2 started at 16 and is gone").isEqualTo(new EpochEndOffset(1, 16));
    }

    @Test
    void aCrashBeforeTheSegmentsAboveTheCutWereDeletedLeavesTheCutLog() throws IOException {
        PartitionLog live = open(tmp.resolve("p0"), config(300, 50), FlushPolicy.OS);
        for (int i = 0; i < 20; i++) {
            leader(live, 0, 2);
        }
        Path before = crashCopy(live, tmp.resolve("before"));
        live.truncateTo(13);
        // As if the crash came after the cut segment was cut but before the later ones were deleted.
        Path cutSegment = files(live.dir(), ".log").get(live.segmentCount() - 1);
        Files.copy(cutSegment, before.resolve(cutSegment.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(files(before, ".log")).hasSizeGreaterThan(live.segmentCount());

        PartitionLog recovered = open(before, live.config(), FlushPolicy.OS);

        assertThat(recovered.logEndOffset()).isEqualTo(12);
        assertThat(contents(recovered)).isEqualTo(contents(live));
    }

    @Test
    void aReaderHoldingAViewFromBeforeATruncationNeverGetsTheNewBytes() throws IOException {
        PartitionLog log = open(tmp.resolve("p0"), config(600, 0), FlushPolicy.OS);
        for (int i = 0; i < 30; i++) {
            log.appendAsFollower(batch(0, log.logEndOffset(), 1 + i % 3, "old"));
        }
        Map<Long, String> old = contents(log);
        LogView oldView = log.view();
        long cut = old.size() / 3;

        log.truncateTo(cut);
        while (log.logEndOffset() < old.size() + 10) {
            log.appendAsFollower(batch(1, log.logEndOffset(), 2, "new"));
        }

        int failed = 0;
        int served = 0;
        for (long offset = 0; offset <= old.size(); offset++) {
            for (int maxBytes : new int[] {1, 500, Integer.MAX_VALUE}) {
                try {
                    for (RecordBatch b : oldView.read(offset, maxBytes, Integer.MAX_VALUE).batches()) {
                        assertThat(b.isValid()).isTrue();
                        for (Rec r : LogTestSupport.decode(b)) {
                            assertThat(r.value()).as("offset %d as the old view saw it", r.offset()).isEqualTo(old.get(r.offset()));
                        }
                        served++;
                    }
                } catch (IOException e) {
                    failed++;
                }
                try {
                    oldView.offsetForTimestamp(1_000 + offset);
                } catch (IOException e) {
                    failed++;
                }
            }
        }
        assertThat(served).as("segments below the cut still serve").isPositive();
        assertThat(failed).as("the cut segment and those past it refuse").isPositive();

        log.close();
        assertThatThrownBy(() -> oldView.read(0, 100, 100)).isInstanceOf(IOException.class);
    }

    @Test
    void concurrentReadersSeeOnlyWholeValidBatchesWhileAFollowerTruncatesAndAppends() throws Exception {
        PartitionLog log = open(tmp.resolve("p0"), config(700, 100), FlushPolicy.OS);
        AtomicBoolean done = new AtomicBoolean();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicLong reads = new AtomicLong();
        Thread writer = new Thread(() -> {
            try {
                Random random = new Random(7);
                int epoch = 0;
                for (int round = 0; round < 300; round++) {
                    int action = random.nextInt(10);
                    if (action < 6) {
                        log.appendAsFollower(batch(epoch, log.logEndOffset(), 1 + random.nextInt(4), "e" + epoch));
                    } else if (action < 8) {
                        epoch++;
                        log.truncateTo(log.logStartOffset() + (long) (random.nextDouble() * (log.logEndOffset() - log.logStartOffset())));
                    } else if (action < 9) {
                        log.setHighWatermarkCap(random.nextBoolean() ? Long.MAX_VALUE : random.nextInt(100));
                    } else if (random.nextInt(20) == 0) {
                        epoch++;
                        log.truncateFullyAndStartAt(log.logEndOffset() + random.nextInt(5));
                    }
                }
            } catch (Throwable e) {
                failures.add(e);
            } finally {
                done.set(true);
            }
        });
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            int seed = r;
            readers.add(new Thread(() -> {
                Random random = new Random(seed);
                try {
                    while (!done.get()) {
                        long start = log.logStartOffset();
                        long end = log.durableEnd();
                        long offset = start + (long) (random.nextDouble() * (end - start + 1));
                        LogReadResult result;
                        try {
                            result = random.nextBoolean()
                                    ? log.read(offset, 1 + random.nextInt(2000))
                                    : log.readForReplication(offset, 1 + random.nextInt(2000));
                        } catch (LogException e) {
                            continue; // out of range after a cut, or a segment truncated under a read
                        }
                        long expected = -1;
                        for (RecordBatch b : result.batches()) {
                            assertThat(b.isValid()).as("batch %s", b).isTrue();
                            if (expected >= 0) {
                                assertThat(b.baseOffset()).isEqualTo(expected);
                            }
                            for (Rec rec : LogTestSupport.decode(b)) {
                                assertThat(rec.value()).contains("@" + rec.offset() + ".");
                            }
                            expected = b.nextOffset();
                        }
                        reads.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        readers.forEach(Thread::start);
        writer.start();
        writer.join();
        for (Thread t : readers) {
            t.join();
        }

        assertThat(failures).isEmpty();
        assertThat(reads.get()).isPositive();
        log.setHighWatermarkCap(Long.MAX_VALUE);
        Map<Long, String> all = contents(log);
        assertThat(all.keySet()).allMatch(o -> o >= log.logStartOffset() && o < log.logEndOffset());
        assertThat((long) all.size()).isEqualTo(log.logEndOffset() - log.logStartOffset());
    }

    // ---- restarting at an offset ----

    @Test
    void truncateFullyAndStartAtLeavesAnEmptyLogThereThatTakesAppendsAndSurvivesReopen() {
        PartitionLog log = open(tmp.resolve("p0"), config(300, 50), FlushPolicy.ALWAYS);
        for (int i = 0; i < 20; i++) {
            leader(log, 3, 2);
        }
        List<Long> notified = new ArrayList<>();
        log.setListener(new LogListener() {
            @Override
            public void onHighWatermark(long highWatermark) {
                notified.add(highWatermark);
            }
        });

        log.truncateFullyAndStartAt(1_000);

        assertThat(log.logStartOffset()).isEqualTo(1_000);
        assertThat(log.logEndOffset()).isEqualTo(1_000);
        assertThat(log.durableEnd()).isEqualTo(1_000);
        assertThat(log.highWatermark()).isEqualTo(1_000);
        assertThat(notified).containsExactly(1_000L);
        assertThat(log.latestEpoch()).isEqualTo(-1);
        assertThat(log.endOffsetForEpoch(3)).isEqualTo(EpochEndOffset.UNDEFINED);
        assertThat(log.segmentCount()).isEqualTo(1);
        assertThat(files(log.dir(), ".log")).extracting(LogTestSupport::baseOffsetOf).containsExactly(1_000L);
        assertThat(log.dir().resolve(PartitionLog.RESET_MARKER)).doesNotExist();
        assertThat(log.read(1_000, 100).batches()).isEmpty();
        assertThatThrownBy(() -> log.read(0, 100)).isInstanceOf(LogException.OffsetOutOfRange.class);

        assertThat(log.appendAsFollower(batch(4, 1_000, 3, "f"))).isEqualTo(new AppendResult(1_000, 1_002));
        assertThat(leader(log, 4, 1)).isEqualTo(new AppendResult(1_003, 1_003));
        assertThat(log.endOffsetForEpoch(4)).isEqualTo(new EpochEndOffset(4, 1_004));
        Path crashed = crashCopy(log, tmp.resolve("crashed"));

        PartitionLog reopened = reopen(log);
        assertThat(reopened.logStartOffset()).isEqualTo(1_000);
        assertThat(contents(reopened).keySet()).containsExactly(1_000L, 1_001L, 1_002L, 1_003L);
        assertThat(reopened.endOffsetForEpoch(5)).isEqualTo(new EpochEndOffset(4, 1_004));

        PartitionLog recovered = open(crashed, log.config(), FlushPolicy.OS);
        assertThat(recovered.logStartOffset()).isEqualTo(1_000);
        assertThat(contents(recovered)).isEqualTo(contents(reopened));
    }

    @Test
    void truncateFullyAndStartAtBelowTheOldEndAndAtTheSameBaseWorks() {
        PartitionLog log = open(FlushPolicy.OS);
        leader(log, 0, 5);

        log.truncateFullyAndStartAt(0);
        assertThat(log.logEndOffset()).isZero();
        assertThat(log.read(0, 100).batches()).isEmpty();
        leader(log, 1, 2);
        log.truncateFullyAndStartAt(1);
        assertThat(log.logStartOffset()).isEqualTo(1);
        assertThat(log.truncateTo(0)).as("below the log start: restarts there").isZero();
        assertThat(log.logStartOffset()).isZero();
        leader(log, 1, 1);
        assertThat(reopen(log).logEndOffset()).isEqualTo(1);
    }

    @Test
    void aCrashDuringTruncateFullyAndStartAtIsCompletedAtOpen() throws IOException {
        PartitionLog live = open(tmp.resolve("p0"), config(300, 50), FlushPolicy.OS);
        for (int i = 0; i < 20; i++) {
            leader(live, 2, 2);
        }
        // The marker is the commit point: a crash right after it, with every old file still there,
        // and a crash after the new segment was created, must both end as the new log.
        Path early = crashCopy(live, tmp.resolve("early"));
        Files.writeString(early.resolve(PartitionLog.RESET_MARKER), "500");
        Path late = crashCopy(live, tmp.resolve("late"));
        Files.writeString(late.resolve(PartitionLog.RESET_MARKER), "500");
        for (Path f : files(late, ".log").subList(0, 2)) {
            Files.delete(f);
        }
        Files.createFile(late.resolve(Segment.fileName(500, Segment.LOG_SUFFIX)));

        for (Path dir : new Path[] {early, late}) {
            PartitionLog recovered = open(dir, live.config(), FlushPolicy.OS);
            assertThat(recovered.logStartOffset()).isEqualTo(500);
            assertThat(recovered.logEndOffset()).isEqualTo(500);
            assertThat(recovered.latestEpoch()).isEqualTo(-1);
            assertThat(files(dir, ".log")).extracting(LogTestSupport::baseOffsetOf).containsExactly(500L);
            assertThat(files(dir, "index")).isEmpty();
            assertThat(dir.resolve(PartitionLog.RESET_MARKER)).doesNotExist();
            recovered.appendAsFollower(batch(3, 500, 1, "x"));
            assertThat(recovered.endOffsetForEpoch(3)).isEqualTo(new EpochEndOffset(3, 501));
        }
    }

    @Test
    void aLoneSegmentAtAnOffsetOpensWithTheLogStartThere() throws IOException {
        Path dir = tmp.resolve("lone");
        PartitionLog writer = open(dir, config(1 << 20, 100), FlushPolicy.OS);
        writer.truncateFullyAndStartAt(77);
        writer.appendAsFollower(batch(1, 77, 2, "x"));
        Path copy = crashCopy(writer, tmp.resolve("copy"));
        Files.delete(copy.resolve(PartitionLog.RECOVERY_POINT));
        Files.delete(copy.resolve(LeaderEpochCache.FILE));

        PartitionLog reopened = open(copy, config(1 << 20, 100), FlushPolicy.OS);

        assertThat(reopened.logStartOffset()).isEqualTo(77);
        assertThat(reopened.logEndOffset()).isEqualTo(79);
        assertThat(reopened.endOffsetForEpoch(1)).isEqualTo(new EpochEndOffset(1, 79));
        assertThat(new String(Files.readAllBytes(copy.resolve(LeaderEpochCache.FILE)), StandardCharsets.US_ASCII))
                .isEqualTo("0\n1\n1 77\n");
    }

    @Test
    void truncationAndResetRefuseNegativeOffsetsAndAClosedLog() {
        PartitionLog log = open(FlushPolicy.OS);
        leader(log, 0, 2);

        assertThatThrownBy(() -> log.truncateTo(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> log.truncateFullyAndStartAt(-1)).isInstanceOf(IllegalArgumentException.class);
        log.close();
        assertThatThrownBy(() -> log.truncateTo(0)).isInstanceOf(LogException.class);
        assertThatThrownBy(() -> log.truncateFullyAndStartAt(5)).isInstanceOf(LogException.class);
        assertThatThrownBy(() -> log.appendAsFollower(batch(0, 2, 1, "x"))).isInstanceOf(LogException.class);
    }
}
