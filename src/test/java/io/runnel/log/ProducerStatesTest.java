package io.runnel.log;

import static io.runnel.log.LogTestSupport.bytes;
import static io.runnel.log.LogTestSupport.copyFiles;
import static io.runnel.log.LogTestSupport.files;
import static io.runnel.log.LogTestSupport.sizeOf;
import static io.runnel.log.LogTestSupport.truncate;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.log.LogTestSupport.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Producer states: a leader appends a producer's batch at most once, across reopens, crashes, truncation and retention. */
class ProducerStatesTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final Duration WINDOW = Duration.ofMinutes(10);

    @TempDir
    Path tmp;

    private final MutableClock clock = new MutableClock(T0);
    private final List<PartitionLog> opened = new ArrayList<>();

    @AfterEach
    void closeLogs() {
        opened.forEach(PartitionLog::close);
    }

    private PartitionLog open(Path dir, LogConfig config) {
        PartitionLog log = PartitionLog.open(dir, config, FlushPolicy.ALWAYS, clock, WINDOW);
        opened.add(log);
        return log;
    }

    private PartitionLog open(Path dir) {
        return open(dir, LogConfig.DEFAULT);
    }

    /** A batch of {@code values} from {@code producerId} at {@code sequence}, stamped with the clock. */
    private RecordBatch batch(long producerId, int sequence, String... values) {
        return batchAt(clock.millis(), producerId, sequence, values);
    }

    private static RecordBatch batchAt(long timestamp, long producerId, int sequence, String... values) {
        BatchBuilder builder = new BatchBuilder(0, null, 0);
        if (producerId >= 0) {
            builder.producer(producerId, (short) 0, sequence);
        }
        for (String v : values) {
            builder.add(timestamp, null, bytes(v), null);
        }
        return builder.build();
    }

    @Test
    void aRepeatedBatchIsNotAppendedAndAnswersWithTheOriginalOffsets() {
        PartitionLog log = open(tmp.resolve("p"));
        log.appendAsLeader(batch(-1, 0, "\"before\""));
        AppendResult first = log.appendAsLeader(batch(42, 0, "1", "2"));
        log.appendAsLeader(batch(-1, 0, "\"after\""));
        long end = log.logEndOffset();
        long bytesBefore = log.sizeInBytes();

        AppendResult again = log.appendAsLeader(batch(42, 0, "1", "2"));

        assertThat(first).isEqualTo(new AppendResult(1, 2, false));
        assertThat(again).isEqualTo(new AppendResult(1, 2, true));
        assertThat(log.logEndOffset()).isEqualTo(end);
        assertThat(log.sizeInBytes()).isEqualTo(bytesBefore);
        assertThat(log.lastBatchOf(42)).get().extracting(ProducerBatch::baseSequence, ProducerBatch::baseOffset,
                ProducerBatch::lastOffset).containsExactly(0, 1L, 2L);
    }

    @Test
    void anotherSequenceOrProducerIsAppended() {
        PartitionLog log = open(tmp.resolve("p"));
        log.appendAsLeader(batch(42, 0, "1"));
        assertThat(log.appendAsLeader(batch(42, 1, "2"))).isEqualTo(new AppendResult(1, 1, false));
        assertThat(log.appendAsLeader(batch(43, 1, "3"))).isEqualTo(new AppendResult(2, 2, false));
        assertThat(log.appendAsLeader(batch(42, 1, "2")).duplicate()).isTrue();
        assertThat(log.lastBatchOf(42)).get().extracting(ProducerBatch::baseSequence).isEqualTo(1);
        assertThat(log.lastBatchOf(44)).isEmpty();
    }

    @Test
    void batchesWithoutAProducerAreNeverDuplicates() {
        PartitionLog log = open(tmp.resolve("p"));
        log.appendAsLeader(batch(-1, 0, "1"));
        assertThat(log.appendAsLeader(batch(-1, 0, "1"))).isEqualTo(new AppendResult(1, 1, false));
    }

    @Test
    void aCleanReopenRebuildsTheStatesFromTheBatchHeaders() {
        Path dir = tmp.resolve("p");
        PartitionLog log = open(dir, LogTestSupport.config(200, 0));
        for (int i = 0; i < 6; i++) {
            log.appendAsLeader(batch(i, 0, "\"value-" + i + "\""));
        }
        assertThat(log.segmentCount()).as("several segments").isGreaterThan(2);
        log.close();

        PartitionLog reopened = open(dir, LogTestSupport.config(200, 0));
        for (int i = 0; i < 6; i++) {
            assertThat(reopened.appendAsLeader(batch(i, 0, "\"value-" + i + "\""))).isEqualTo(new AppendResult(i, i, true));
        }
        assertThat(reopened.logEndOffset()).isEqualTo(6);
    }

    @Test
    void aCrashWithATornTailForgetsOnlyTheTornBatch() {
        PartitionLog live = open(tmp.resolve("live"));
        live.appendAsLeader(batch(1, 0, "\"kept\""));
        live.appendAsLeader(batch(2, 0, "\"torn\""));
        Path crashed = tmp.resolve("crashed");
        copyFiles(live.dir(), crashed);
        Path segment = files(crashed, ".log").get(0);
        truncate(segment, sizeOf(segment) - 3);

        PartitionLog log = open(crashed);
        assertThat(log.logEndOffset()).isEqualTo(1);
        assertThat(log.lastBatchOf(1)).isPresent();
        assertThat(log.lastBatchOf(2)).isEmpty();
        assertThat(log.appendAsLeader(batch(1, 0, "\"kept\""))).isEqualTo(new AppendResult(0, 0, true));
        assertThat(log.appendAsLeader(batch(2, 0, "\"torn\""))).isEqualTo(new AppendResult(1, 1, false));
    }

    @Test
    void truncationForgetsTheBatchesAboveTheCutAndFindsTheOnesBelowAgain() {
        PartitionLog log = open(tmp.resolve("p"), LogTestSupport.config(200, 0));
        log.appendAsLeader(batch(1, 0, "\"a\""));      // 0
        log.appendAsLeader(batch(2, 0, "\"b\""));      // 1
        log.appendAsLeader(batch(1, 1, "\"c\""));      // 2
        log.appendAsLeader(batch(3, 0, "\"d\"", "\"e\"")); // 3-4

        log.truncateTo(2);

        assertThat(log.lastBatchOf(1)).get().extracting(ProducerBatch::baseSequence, ProducerBatch::baseOffset).containsExactly(0, 0L);
        assertThat(log.lastBatchOf(2)).isPresent();
        assertThat(log.lastBatchOf(3)).isEmpty();
        assertThat(log.appendAsLeader(batch(1, 1, "\"c\""))).isEqualTo(new AppendResult(2, 2, false));
    }

    @Test
    void aResetForgetsEveryProducer() {
        PartitionLog log = open(tmp.resolve("p"));
        log.appendAsLeader(batch(1, 0, "\"a\""));
        log.truncateFullyAndStartAt(10);
        assertThat(log.lastBatchOf(1)).isEmpty();
        assertThat(log.appendAsLeader(batch(1, 0, "\"a\""))).isEqualTo(new AppendResult(10, 10, false));
    }

    @Test
    void aBatchIsForgottenOnceItsWindowHasPassed() {
        PartitionLog log = open(tmp.resolve("p"));
        log.appendAsLeader(batch(1, 0, "\"a\""));
        clock.advance(WINDOW.toMillis());
        assertThat(log.appendAsLeader(batch(1, 0, "\"a\"")).duplicate()).as("at the edge of the window").isTrue();
        clock.advance(1);
        assertThat(log.lastBatchOf(1)).isEmpty();
        assertThat(log.appendAsLeader(batch(1, 0, "\"a\""))).isEqualTo(new AppendResult(1, 1, false));
    }

    @Test
    void aReopenRemembersOnlyTheBatchesInsideTheWindow() {
        Path dir = tmp.resolve("p");
        PartitionLog log = open(dir, LogTestSupport.config(200, 0));
        for (int i = 0; i < 5; i++) {
            log.appendAsLeader(batch(i, 0, "\"value-" + i + "\""));
            clock.advance(WINDOW.toMillis() / 4);
        }
        log.close();
        // Now the batches are 5/4, 4/4, 3/4, 2/4 and 1/4 of the window old.
        PartitionLog reopened = open(dir, LogTestSupport.config(200, 0));
        assertThat(reopened.lastBatchOf(0)).isEmpty();
        for (int i = 1; i < 5; i++) {
            assertThat(reopened.lastBatchOf(i)).as("producer %s", i).isPresent();
        }
    }

    @Test
    void recordsWithOldTimestampsAreRememberedFromTheirAppendWhileTheLogIsOpen() {
        Path dir = tmp.resolve("p");
        PartitionLog log = open(dir);
        long old = T0 - 2 * WINDOW.toMillis();
        log.appendAsLeader(batchAt(old, 1, 0, "\"backfill\""));
        assertThat(log.appendAsLeader(batchAt(old, 1, 0, "\"backfill\"")).duplicate()).isTrue();
        log.close();
        assertThat(open(dir).lastBatchOf(1)).as("after a reopen the window counts from the record timestamps").isEmpty();
    }

    @Test
    void retentionForgetsTheBatchesItDeletes() {
        PartitionLog log = open(tmp.resolve("p"), LogTestSupport.config(200, 0));
        for (int i = 0; i < 6; i++) {
            log.appendAsLeader(batch(i, 0, "\"value-" + i + "\""));
        }
        int deleted = log.deleteSegmentsBelow(3);
        assertThat(deleted).isPositive();
        long start = log.logStartOffset();
        for (int i = 0; i < 6; i++) {
            assertThat(log.lastBatchOf(i).isPresent()).as("producer %s (log start %s)", i, start).isEqualTo(i >= start);
        }
    }

    @Test
    void followerAppendsKeepTheStatesSoANewLeaderRecognisesARetry() {
        PartitionLog leader = open(tmp.resolve("leader"));
        PartitionLog follower = open(tmp.resolve("follower"));
        leader.appendAsLeader(batch(7, 0, "\"x\"", "\"y\""));
        leader.appendAsLeader(batch(-1, 0, "\"z\""));
        follower.appendAsFollower(leader.readForReplication(0, 1 << 20).batches());

        assertThat(follower.lastBatchOf(7)).get().extracting(ProducerBatch::baseOffset, ProducerBatch::lastOffset)
                .containsExactly(0L, 1L);
        assertThat(follower.appendAsLeader(batch(7, 0, "\"x\"", "\"y\""))).isEqualTo(new AppendResult(0, 1, true));
        assertThat(follower.logEndOffset()).isEqualTo(3);
    }
}
