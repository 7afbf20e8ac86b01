package io.runnel.log;

import static io.runnel.log.CompactionTestSupport.append;
import static io.runnel.log.CompactionTestSupport.kv;
import static io.runnel.log.CompactionTestSupport.readAll;
import static io.runnel.log.LogTestSupport.config;
import static io.runnel.log.LogTestSupport.decode;
import static io.runnel.log.LogTestSupport.files;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.log.CompactionTestSupport.KV;
import io.runnel.log.LogTestSupport.MutableClock;
import io.runnel.log.LogTestSupport.Rec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One cleaning pass of a log, on real files: what it keeps, what it drops, and the offsets it keeps. */
class LogCleanerTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long DAY = 86_400_000L;
    private static final CleanerConfig CLEANER = new CleanerConfig(DAY, 0, 1 << 20);
    /** About two single-record batches per segment. */
    private static final LogConfig SMALL_SEGMENTS = config(200, 0);
    private static final long ROLL_MS = 1000;
    /** Rolls when the clock has moved on by {@link #ROLL_MS} since the segment's first batch. */
    private static final LogConfig ROLL_BY_TIME = new LogConfig(1 << 20, ROLL_MS, -1, -1, 0);

    @TempDir
    Path tmp;

    private final MutableClock clock = new MutableClock(T0);
    private final List<PartitionLog> opened = new ArrayList<>();
    private final List<Rec> appended = new ArrayList<>();

    @AfterEach
    void closeLogs() {
        opened.forEach(PartitionLog::close);
    }

    private PartitionLog open(LogConfig config) {
        PartitionLog log = PartitionLog.open(tmp.resolve("p0"), config, FlushPolicy.OS, clock);
        opened.add(log);
        return log;
    }

    private void put(PartitionLog log, String key, String value) {
        putBatch(log, 0, kv(key, value));
    }

    private void putBatch(PartitionLog log, int epoch, KV... records) {
        appended.addAll(append(log, epoch, clock.millis(), List.of(records)));
    }

    private Rec at(long offset) {
        return appended.stream().filter(r -> r.offset() == offset).findFirst().orElseThrow();
    }

    private List<Rec> at(long... offsets) {
        List<Rec> out = new ArrayList<>();
        for (long o : offsets) {
            out.add(at(o));
        }
        return out;
    }

    private static long activeBase(PartitionLog log) {
        Segment[] segments = log.view().segments();
        return segments[segments.length - 1].baseOffset();
    }

    @Test
    void keepsTheLatestRecordOfEachKeyWithItsOffsetAndNeverTouchesTheActiveSegment() {
        PartitionLog log = open(SMALL_SEGMENTS);
        String[] keys = {"\"a\"", "\"b\"", "\"a\"", "\"c\"", "\"b\"", "\"a\"", "\"d\"", "\"c\"", "\"a\"", "\"b\""};
        for (int i = 0; i < keys.length; i++) {
            put(log, keys[i], Integer.toString(i));
        }
        long activeBase = activeBase(log);
        assertThat(activeBase).isEqualTo(8);

        CleanResult result = log.clean(CLEANER, log.highWatermark());

        // Below the active segment (offsets 0-7): a@5, d@6, c@7 are the latest; b@4 is superseded
        // only by b@9 in the active segment, which this pass does not see.
        assertThat(readAll(log)).isEqualTo(at(4, 5, 6, 7, 8, 9));
        assertThat(result.cleanedUpTo()).isEqualTo(activeBase);
        assertThat(result.recordsRemoved()).isEqualTo(4);
        assertThat(result.bytesReclaimed()).isPositive();
        assertThat(log.logStartOffset()).isZero();
        assertThat(log.logEndOffset()).isEqualTo(10);
        assertThat(activeBase(log)).isEqualTo(activeBase);
    }

    @Test
    void aReadAtARemovedOffsetAnswersFromTheNextOneThatRemains() {
        PartitionLog log = open(SMALL_SEGMENTS);
        for (int i = 0; i < 8; i++) {
            put(log, "\"k" + (i % 2) + "\"", Integer.toString(i));
        }
        put(log, "\"x\"", "1");
        log.clean(CLEANER, log.highWatermark());

        for (long offset = 0; offset < 6; offset++) {
            List<Rec> got = decode(log.read(offset, 1).batches()).stream().filter(r -> r.offset() >= 0).toList();
            long from = offset;
            assertThat(got.stream().filter(r -> r.offset() >= from).findFirst().orElseThrow())
                    .as("read at %d", offset).isEqualTo(at(6));
        }
        assertThat(readAll(log, 1)).isEqualTo(at(6, 7, 8));
    }

    @Test
    void aReadWithARecordLimitCountsRecordsNotOffsets() {
        PartitionLog log = open(ROLL_BY_TIME);
        putBatch(log, 0, kv("\"a\"", "0"), kv("\"b\"", "1"), kv("\"a\"", "2"), kv("\"b\"", "3"), kv("\"c\"", "4"));
        putBatch(log, 0, kv("\"d\"", "5"));
        clock.advance(ROLL_MS); // the next append rolls
        putBatch(log, 0, kv("\"z\"", "6"));
        log.clean(CLEANER, log.highWatermark());

        LogReadResult read = log.read(0, 1 << 20, 3);

        assertThat(decode(read.batches())).isEqualTo(at(2, 3, 4));
        assertThat(read.batches().get(0).recordCount()).isEqualTo(3);
        assertThat(read.batches().get(0).lastOffset()).isEqualTo(4);
    }

    @Test
    void aTombstoneStaysUntilItHasBeenCleanForDeleteRetention() {
        PartitionLog log = open(SMALL_SEGMENTS);
        put(log, "\"a\"", "1");
        put(log, "\"a\"", null);
        put(log, "\"b\"", "2");
        put(log, "\"c\"", "3");
        log.clean(CLEANER, log.highWatermark());
        assertThat(readAll(log)).as("the tombstone was dirty: kept").isEqualTo(at(1, 2, 3));

        clock.advance(DAY - 1);
        put(log, "\"c\"", "4");
        put(log, "\"d\"", "5");
        log.clean(CLEANER, log.highWatermark());
        assertThat(readAll(log)).as("clean for less than a day: kept").isEqualTo(at(1, 2, 3, 4, 5));

        clock.advance(1);
        put(log, "\"d\"", "6");
        put(log, "\"e\"", "7");
        log.clean(CLEANER, log.highWatermark());
        assertThat(readAll(log)).as("clean for a day: dropped").isEqualTo(at(2, 4, 5, 6, 7));
    }

    @Test
    void recordsYoungerThanTheCompactionLagAreNotCompacted() {
        PartitionLog log = open(SMALL_SEGMENTS);
        put(log, "\"a\"", "1");
        put(log, "\"a\"", "2");
        clock.advance(1000);
        put(log, "\"a\"", "3");
        put(log, "\"a\"", "4");
        put(log, "\"b\"", "5");

        log.clean(new CleanerConfig(DAY, 500, 1 << 20), log.highWatermark());

        assertThat(readAll(log)).as("only the first segment is old enough").isEqualTo(at(1, 2, 3, 4));
    }

    @Test
    void nothingAtOrAboveTheBoundIsCompacted() {
        PartitionLog log = open(SMALL_SEGMENTS);
        for (int i = 0; i < 8; i++) {
            put(log, "\"a\"", Integer.toString(i));
        }
        log.clean(CLEANER, 4);

        assertThat(readAll(log)).isEqualTo(at(3, 4, 5, 6, 7));
    }

    @Test
    void aFullKeyMapMakesAPartialPassAndTheNextPassGoesOn() {
        PartitionLog log = open(SMALL_SEGMENTS);
        String[] keys = {"\"a\"", "\"b\"", "\"c\"", "\"a\"", "\"b\"", "\"c\"", "\"a\"", "\"z\""};
        for (int i = 0; i < keys.length; i++) {
            put(log, keys[i], Integer.toString(i));
        }
        CleanerConfig twoKeys = new CleanerConfig(DAY, 0, 3 * OffsetMap.BYTES_PER_ENTRY);

        CleanResult first = log.clean(twoKeys, log.highWatermark());
        assertThat(first.partial()).isTrue();
        assertThat(first.cleanedUpTo()).isEqualTo(2);
        assertThat(readAll(log)).as("only below offset 2 is covered").isEqualTo(at(0, 1, 2, 3, 4, 5, 6, 7));

        CleanResult second = log.clean(twoKeys, log.highWatermark());
        assertThat(second.cleanedUpTo()).isEqualTo(4);
        assertThat(readAll(log)).isEqualTo(at(1, 2, 3, 4, 5, 6, 7));

        while (log.clean(twoKeys, log.highWatermark()).segmentsCleaned() > 0) {
            // until the dirty range is done
        }
        assertThat(readAll(log)).as("a@6 is in the active segment").isEqualTo(at(3, 4, 5, 6, 7));
    }

    @Test
    void batchesKeepTheirHeaderFieldsAndEmptiedOnesJoinANeighbourOfTheSameEpoch() {
        PartitionLog log = open(ROLL_BY_TIME);
        putBatch(log, 1, kv("\"a\"", "0"), kv("\"b\"", "1"));
        putBatch(log, 1, kv("\"a\"", "2"));
        putBatch(log, 2, kv("\"c\"", "3"));
        putBatch(log, 2, kv("\"b\"", "4"), kv("\"c\"", "5"));
        putBatch(log, 3, kv("\"d\"", "6"));
        clock.advance(ROLL_MS); // the next append rolls
        putBatch(log, 3, kv("\"e\"", "7"));
        log.clean(CLEANER, log.highWatermark());

        List<RecordBatch> batches = log.read(0, 1 << 20).batches();
        // [0,1] epoch 1 keeps nothing, joins [2] of epoch 1; [3] of epoch 2 is emptied and taken by [4,5].
        assertThat(batches).extracting(RecordBatch::baseOffset).containsExactly(0L, 3L, 6L, 7L);
        assertThat(batches).extracting(RecordBatch::lastOffset).containsExactly(2L, 5L, 6L, 7L);
        assertThat(batches).extracting(RecordBatch::leaderEpoch).containsExactly(1, 2, 3, 3);
        assertThat(decode(batches)).isEqualTo(at(2, 4, 5, 6, 7));
        assertThat(batches).allMatch(RecordBatch::isValid);
        assertThat(log.latestEpoch()).isEqualTo(3);
    }

    @Test
    void anEmptiedBatchBetweenTwoOtherEpochsKeepsItsLastRecord() {
        PartitionLog log = open(ROLL_BY_TIME);
        putBatch(log, 1, kv("\"a\"", "0"));
        putBatch(log, 2, kv("\"b\"", "1"));
        putBatch(log, 3, kv("\"b\"", "2"), kv("\"a\"", "3"));
        clock.advance(ROLL_MS); // the next append rolls
        putBatch(log, 3, kv("\"x\"", "4"));
        log.clean(CLEANER, log.highWatermark());

        List<RecordBatch> batches = log.read(0, 1 << 20).batches();
        assertThat(batches).extracting(RecordBatch::leaderEpoch).containsExactly(1, 2, 3, 3);
        assertThat(decode(batches)).as("offset 1 stays: no neighbour of epoch 2 can take it").isEqualTo(at(0, 1, 2, 3, 4));
    }

    @Test
    void smallCleanedSegmentsAreGroupedIntoOne() {
        PartitionLog log = open(SMALL_SEGMENTS);
        for (int i = 0; i < 12; i++) {
            put(log, "\"a\"", Integer.toString(i));
        }
        int before = log.segmentCount();

        CleanResult result = log.clean(CLEANER, log.highWatermark());

        assertThat(result.segmentsWritten()).isLessThan(result.segmentsCleaned());
        assertThat(log.segmentCount()).isEqualTo(before - result.segmentsCleaned() + result.segmentsWritten());
        assertThat(files(log.dir(), ".log")).hasSize(log.segmentCount());
        assertThat(readAll(log)).isEqualTo(at(9, 10, 11));
    }

    @Test
    void aReaderHoldingTheOldViewReadsTheOldSegmentsToTheEnd() {
        PartitionLog log = open(SMALL_SEGMENTS);
        for (int i = 0; i < 8; i++) {
            put(log, "\"a\"", Integer.toString(i));
        }
        LogView old = log.view();

        log.clean(CLEANER, log.highWatermark());

        List<Rec> got = new ArrayList<>();
        for (long offset = 0; offset < old.highWatermark(); ) {
            LogReadResult r;
            try {
                r = old.read(offset, 100, Integer.MAX_VALUE);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            got.addAll(decode(r.batches()));
            offset = r.batches().get(r.batches().size() - 1).nextOffset();
        }
        assertThat(got).isEqualTo(appended);
        assertThat(readAll(log)).isEqualTo(at(5, 6, 7));
    }

    @Test
    void theCleanedLogSurvivesCloseAndOpenAndACrash() {
        PartitionLog log = open(SMALL_SEGMENTS);
        for (int i = 0; i < 9; i++) {
            put(log, "\"k" + (i % 3) + "\"", Integer.toString(i));
        }
        log.clean(CLEANER, log.highWatermark());
        List<Rec> cleaned = readAll(log);
        LogTestSupport.copyFiles(log.dir(), tmp.resolve("crashed"));
        log.close();

        PartitionLog reopened = open(SMALL_SEGMENTS);
        assertThat(readAll(reopened)).isEqualTo(cleaned);
        PartitionLog crashed = PartitionLog.open(tmp.resolve("crashed"), SMALL_SEGMENTS, FlushPolicy.OS, clock);
        opened.add(crashed);
        assertThat(readAll(crashed)).isEqualTo(cleaned);
        assertThat(crashed.logEndOffset()).isEqualTo(9);
    }

    @Test
    void theDirtyRatioIsTheShareOfClosedSegmentBytesNoPassCleaned() {
        PartitionLog log = open(SMALL_SEGMENTS);
        assertThat(log.dirtyRatio()).isZero();
        for (int i = 0; i < 8; i++) {
            put(log, "\"a\"", Integer.toString(i));
        }
        assertThat(log.dirtyRatio()).isEqualTo(1.0);
        log.clean(CLEANER, log.highWatermark());
        assertThat(log.dirtyRatio()).isZero();
        for (int i = 0; i < 4; i++) {
            put(log, "\"b\"", Integer.toString(i));
        }
        assertThat(log.dirtyRatio()).isBetween(0.01, 0.99);
    }

    @Test
    void theCleanerPicksTheDirtiestLogAboveItsMinimumRatio() {
        PartitionLog clean = open(SMALL_SEGMENTS);
        for (int i = 0; i < 8; i++) {
            put(clean, "\"a\"", Integer.toString(i));
        }
        clean.clean(CLEANER, clean.highWatermark());
        put(clean, "\"a\"", "8");
        put(clean, "\"a\"", "9");
        PartitionLog dirty = PartitionLog.open(tmp.resolve("p1"), SMALL_SEGMENTS, FlushPolicy.OS, clock);
        opened.add(dirty);
        for (int i = 0; i < 8; i++) {
            appended.addAll(append(dirty, 0, clock.millis(), List.of(kv("\"a\"", Integer.toString(i)))));
        }
        java.util.Map<String, PartitionLog> logs = java.util.Map.of("clean", clean, "dirty", dirty);

        assertThat(CleanerChoice.dirtiest(logs, name -> 0.5)).contains("dirty");
        assertThat(CleanerChoice.dirtiest(java.util.Map.of("clean", clean), name -> 0.99)).isEmpty();
        assertThat(CleanerChoice.dirtiest(java.util.Map.of("clean", clean), name -> 0.01)).contains("clean");
        dirty.clean(CLEANER, dirty.highWatermark());
        assertThat(CleanerChoice.dirtiest(logs, name -> 0.5)).as("the other one, now").contains("clean");
        assertThat(CleanerChoice.dirtiest(logs, name -> 0.99)).isEmpty();
    }

    @Test
    void aFollowerCopiesACompactedLogAsItIsAndEndsWithTheSameRecordsAndEpochs() {
        PartitionLog leader = open(ROLL_BY_TIME);
        putBatch(leader, 1, kv("\"a\"", "0"), kv("\"b\"", "1"));
        putBatch(leader, 1, kv("\"a\"", "2"));
        putBatch(leader, 2, kv("\"b\"", "3"));
        putBatch(leader, 2, kv("\"c\"", "4"));
        clock.advance(ROLL_MS);
        putBatch(leader, 3, kv("\"a\"", "5"));
        leader.clean(CLEANER, leader.highWatermark());
        PartitionLog follower = PartitionLog.open(tmp.resolve("follower"), ROLL_BY_TIME, FlushPolicy.OS, clock);
        opened.add(follower);

        for (long offset = 0; offset < leader.durableEnd(); ) {
            List<RecordBatch> batches = leader.readForReplication(offset, 100).batches();
            follower.appendAsFollower(batches);
            offset = batches.get(batches.size() - 1).nextOffset();
        }

        assertThat(readAll(follower)).isEqualTo(readAll(leader)).isEqualTo(at(2, 3, 4, 5));
        assertThat(follower.logEndOffset()).isEqualTo(leader.logEndOffset());
        for (int epoch = 0; epoch <= 4; epoch++) {
            assertThat(follower.endOffsetForEpoch(epoch)).as("epoch %d", epoch).isEqualTo(leader.endOffsetForEpoch(epoch));
        }
    }

    @Test
    void aProducersBatchInsideTheProducerWindowKeepsItsLastRecordSoARetryIsStillADuplicate() {
        PartitionLog log = open(ROLL_BY_TIME);
        RecordBatch produced = new BatchBuilder(0, null, 0).producer(7, (short) 0, 0)
                .add(clock.millis(), LogTestSupport.bytes("\"a\""), LogTestSupport.bytes("1"), null).build();
        log.appendAsLeader(produced);
        putBatch(log, 0, kv("\"a\"", "2"));
        clock.advance(ROLL_MS);
        putBatch(log, 0, kv("\"b\"", "3"));
        log.clean(CLEANER, log.highWatermark());
        log.close();

        PartitionLog reopened = open(ROLL_BY_TIME);
        RecordBatch retry = new BatchBuilder(0, null, 0).producer(7, (short) 0, 0)
                .add(clock.millis(), LogTestSupport.bytes("\"a\""), LogTestSupport.bytes("1"), null).build();
        assertThat(reopened.appendAsLeader(retry).duplicate()).isTrue();
        assertThat(decode(reopened.read(0, 1 << 20).batches()).get(0).value()).isEqualTo("1");
    }

    @Test
    void aProducersBatchOutsideTheProducerWindowIsRemovedLikeAnyOther() {
        PartitionLog log = open(ROLL_BY_TIME);
        log.appendAsLeader(new BatchBuilder(0, null, 0).producer(7, (short) 0, 0)
                .add(clock.millis(), LogTestSupport.bytes("\"a\""), LogTestSupport.bytes("1"), null).build());
        putBatch(log, 0, kv("\"a\"", "2"));
        clock.advance(PartitionLog.DEFAULT_PRODUCER_WINDOW.toMillis() + ROLL_MS);
        putBatch(log, 0, kv("\"b\"", "3"));

        log.clean(CLEANER, log.highWatermark());

        assertThat(readAll(log)).extracting(Rec::value).containsExactly("2", "3");
    }

    @Test
    void offsetForTimestampFindsTheFirstRemainingRecord() {
        PartitionLog log = open(SMALL_SEGMENTS);
        for (int i = 0; i < 8; i++) {
            put(log, "\"k" + (i % 2) + "\"", Integer.toString(i));
            clock.advance(10);
        }
        log.clean(CLEANER, log.highWatermark());

        assertThat(log.offsetForTimestamp(T0)).isEqualTo(4);
        assertThat(log.offsetForTimestamp(T0 + 45)).isEqualTo(5);
        assertThat(log.offsetForTimestamp(T0 + 70)).isEqualTo(7);
    }

    @Test
    void aLeaderAppendRefusesABatchWithFewerRecordsThanOffsets() {
        PartitionLog log = open(SMALL_SEGMENTS);
        RecordBatch original = new BatchBuilder(0, null, 0).add(T0, LogTestSupport.bytes("\"a\""), LogTestSupport.bytes("1"), null)
                .add(T0, LogTestSupport.bytes("\"b\""), LogTestSupport.bytes("2"), null).build();
        CompactedBatch compacted = new CompactedBatch(original);
        compacted.keepLastRecordOnly();

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.appendAsLeader(compacted.build()))
                .isInstanceOf(LogException.class).hasMessageContaining("one record per offset");
        assertThat(log.logEndOffset()).isZero();
    }
}
