package io.runnel.log;

import static io.runnel.log.LogTestSupport.baseOffsetOf;
import static io.runnel.log.LogTestSupport.files;
import static io.runnel.log.LogTestSupport.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.log.LogTestSupport.In;
import io.runnel.log.LogTestSupport.MutableClock;
import io.runnel.log.LogTestSupport.Oracle;
import io.runnel.log.LogTestSupport.Rec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention (retention.ms, retention.bytes) and time-based rolling (segment.ms), on a hand-moved clock. */
class PartitionLogRetentionTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long NEVER = Long.MAX_VALUE / 4;

    @TempDir
    Path tmp;

    private final MutableClock clock = new MutableClock(T0);
    private final List<PartitionLog> opened = new ArrayList<>();
    private final Oracle oracle = new Oracle();

    @AfterEach
    void closeLogs() {
        opened.forEach(PartitionLog::close);
    }

    private PartitionLog open(LogConfig config) {
        PartitionLog log = PartitionLog.open(tmp.resolve("p0"), config, FlushPolicy.ALWAYS, clock);
        opened.add(log);
        return log;
    }

    /** One record stamped with the clock, then the clock moves on by {@code step}. */
    private void appendOne(PartitionLog log, int size, long step) {
        oracle.append(log, List.of(In.of(clock.millis(), value("at" + clock.millis(), size))));
        clock.advance(step);
    }

    private List<Long> segmentBases(PartitionLog log) {
        return files(log.dir(), ".log").stream().map(LogTestSupport::baseOffsetOf).toList();
    }

    /** Largest record timestamp of each segment on disk, per the oracle. */
    private List<Long> segmentMaxTimestamps(PartitionLog log) {
        List<Long> bases = segmentBases(log);
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < bases.size(); i++) {
            long from = bases.get(i);
            long to = i + 1 < bases.size() ? bases.get(i + 1) : Long.MAX_VALUE;
            out.add(oracle.records().stream().filter(r -> r.offset() >= from && r.offset() < to)
                    .mapToLong(Rec::timestamp).max().orElse(Long.MIN_VALUE));
        }
        return out;
    }

    private void checkRetained(PartitionLog log, List<Long> basesBefore, int dropped) {
        long start = basesBefore.get(dropped);
        assertThat(log.logStartOffset()).isEqualTo(start);
        assertThat(segmentBases(log)).isEqualTo(basesBefore.subList(dropped, basesBefore.size()));
        for (long base : basesBefore.subList(0, dropped)) {
            for (String suffix : new String[] {".log", ".index", ".timeindex"}) {
                assertThat(log.dir().resolve(Segment.fileName(base, suffix))).doesNotExist();
            }
        }
        oracle.dropBelow(start);
        oracle.checkAll(log);
        if (start > 0) {
            assertThatThrownBy(() -> log.read(start - 1, 100))
                    .isInstanceOfSatisfying(LogException.OffsetOutOfRange.class,
                            e -> assertThat(e.logStartOffset()).isEqualTo(start));
        }
        assertThat(log.read(start, 100).logStartOffset()).isEqualTo(start);
        assertThat(log.offsetForTimestamp(Long.MIN_VALUE)).isEqualTo(start);
        long onDisk = files(log.dir(), ".log").stream().mapToLong(LogTestSupport::sizeOf).sum();
        assertThat(log.sizeInBytes()).isEqualTo(onDisk);
    }

    @Test
    void retentionMsDeletesOldClosedSegmentsAndAdvancesTheLogStart() {
        long retentionMs = 10_000;
        PartitionLog log = open(new LogConfig(1024, NEVER, retentionMs, -1, 100));
        for (int i = 0; i < 40; i++) {
            appendOne(log, 200, 1_000);
        }
        List<Long> bases = segmentBases(log);
        List<Long> maxTimestamps = segmentMaxTimestamps(log);
        assertThat(bases.size()).isGreaterThan(5);

        int expired = 0;
        while (expired < bases.size() - 1 && clock.millis() - maxTimestamps.get(expired) > retentionMs) {
            expired++;
        }
        assertThat(expired).as("the test expects some old and some young segments").isBetween(1, bases.size() - 2);

        assertThat(log.applyRetention()).isEqualTo(expired);
        checkRetained(log, bases, expired);
        assertThat(log.applyRetention()).as("nothing more to do").isZero();
    }

    @Test
    void retentionMsNeverDeletesTheActiveSegment() {
        PartitionLog log = open(new LogConfig(1024, NEVER, 1_000, -1, 100));
        for (int i = 0; i < 20; i++) {
            appendOne(log, 200, 10);
        }
        List<Long> bases = segmentBases(log);
        clock.advance(1_000_000);

        assertThat(log.applyRetention()).isEqualTo(bases.size() - 1);

        assertThat(log.segmentCount()).isEqualTo(1);
        checkRetained(log, bases, bases.size() - 1);
        appendOne(log, 200, 10);
        oracle.checkAll(log);
    }

    @Test
    void retentionIsKeptAcrossACleanReopenAndACrash() {
        PartitionLog log = open(new LogConfig(1024, NEVER, 1_000, -1, 100));
        for (int i = 0; i < 20; i++) {
            appendOne(log, 200, 10);
        }
        clock.advance(1_000_000);
        log.applyRetention();
        long start = log.logStartOffset();
        assertThat(start).isPositive();
        Path crashed = tmp.resolve("crashed");
        LogTestSupport.copyFiles(log.dir(), crashed);
        log.close();

        PartitionLog reopened = open(new LogConfig(1024, NEVER, 1_000, -1, 100));
        assertThat(reopened.logStartOffset()).isEqualTo(start);
        oracle.dropBelow(start);
        oracle.checkAll(reopened);

        PartitionLog recovered = PartitionLog.open(crashed, LogConfig.DEFAULT, FlushPolicy.ALWAYS, clock);
        opened.add(recovered);
        assertThat(recovered.logStartOffset()).isEqualTo(start);
        oracle.checkAll(recovered);
    }

    @Test
    void retentionBytesDeletesOldestSegmentsButKeepsAtLeastTheLimitAsKafkaDoes() {
        long limit = 3_000;
        PartitionLog log = open(new LogConfig(1024, NEVER, -1, limit, 100));
        for (int i = 0; i < 60; i++) {
            appendOne(log, 100 + (i * 53) % 150, 10);
        }
        List<Long> bases = segmentBases(log);
        List<Long> sizes = files(log.dir(), ".log").stream().map(LogTestSupport::sizeOf).toList();
        assertThat(log.sizeInBytes()).isGreaterThan(2 * limit);

        int dropped = log.applyRetention();

        assertThat(dropped).isPositive();
        assertThat(log.sizeInBytes()).as("keeps at least retention.bytes").isGreaterThanOrEqualTo(limit);
        assertThat(log.sizeInBytes() - sizes.get(dropped))
                .as("deletes all it may: dropping the next oldest segment too would go below the limit")
                .isLessThan(limit);
        checkRetained(log, bases, dropped);
        assertThat(log.applyRetention()).isZero();
    }

    @Test
    void retentionBytesLeavesALogUnderTheLimitAlone() {
        PartitionLog log = open(new LogConfig(1024, NEVER, -1, 1_000_000, 100));
        for (int i = 0; i < 30; i++) {
            appendOne(log, 200, 10);
        }
        List<Long> bases = segmentBases(log);

        assertThat(log.applyRetention()).isZero();

        checkRetained(log, bases, 0);
    }

    @Test
    void retentionBytesNeverDeletesTheActiveSegment() {
        PartitionLog log = open(new LogConfig(1024, NEVER, -1, 0, 100));
        for (int i = 0; i < 20; i++) {
            appendOne(log, 200, 10);
        }
        List<Long> bases = segmentBases(log);

        assertThat(log.applyRetention()).isEqualTo(bases.size() - 1);

        checkRetained(log, bases, bases.size() - 1);
    }

    @Test
    void retentionOnAClosedLogDoesNothing() {
        PartitionLog log = open(new LogConfig(1024, NEVER, 1, 0, 100));
        for (int i = 0; i < 20; i++) {
            appendOne(log, 200, 10);
        }
        log.close();
        clock.advance(1_000_000);

        assertThat(log.applyRetention()).isZero();
        assertThat(files(log.dir(), ".log")).hasSizeGreaterThan(1);
    }

    @Test
    void segmentMsRollsTheActiveSegmentOnceItsFirstBatchIsThatOld() {
        PartitionLog log = open(new LogConfig(1 << 20, 1_000, -1, -1, 100));

        appendOne(log, 50, 999);
        appendOne(log, 50, 1);
        assertThat(log.segmentCount()).isEqualTo(1);

        appendOne(log, 50, 999);
        assertThat(log.segmentCount()).as("first batch 1000 ms old").isEqualTo(2);
        assertThat(segmentBases(log)).containsExactly(0L, 2L);

        appendOne(log, 50, 1);
        assertThat(log.segmentCount()).isEqualTo(2);
        appendOne(log, 50, 0);
        assertThat(log.segmentCount()).isEqualTo(3);
        oracle.checkAll(log);
    }

    @Test
    void segmentAgeCountsFromItsFirstBatchNotFromWhenItWasCreated() {
        PartitionLog log = open(new LogConfig(1 << 20, 1_000, -1, -1, 100));
        clock.advance(5_000);

        appendOne(log, 50, 0);
        appendOne(log, 50, 0);

        assertThat(log.segmentCount()).as("the first batch is 0 ms old").isEqualTo(1);
        oracle.checkAll(log);
    }

    @Test
    void segmentMsCountsFromTheFirstBatchAfterAReopen() {
        PartitionLog log = open(new LogConfig(1 << 20, 1_000, -1, -1, 100));
        appendOne(log, 50, 500);
        log.close();

        PartitionLog reopened = open(new LogConfig(1 << 20, 1_000, -1, -1, 100));
        appendOne(reopened, 50, 499);
        appendOne(reopened, 50, 1);
        assertThat(reopened.segmentCount()).as("first batch 999 ms old").isEqualTo(1);
        appendOne(reopened, 50, 0);
        assertThat(reopened.segmentCount()).as("first batch 1000 ms old").isEqualTo(2);
        oracle.checkAll(reopened);
    }

    @Test
    void anEmptyActiveSegmentIsNeverRolled() {
        PartitionLog log = open(new LogConfig(1 << 20, 1, 1, 0, 100));
        clock.advance(1_000_000);

        assertThat(log.applyRetention()).isZero();
        appendOne(log, 50, 0);

        assertThat(log.segmentCount()).isEqualTo(1);
        assertThat(Files.exists(log.dir().resolve(Segment.fileName(0, ".log")))).isTrue();
        assertThat(baseOffsetOf(files(log.dir(), ".log").get(0))).isZero();
    }
}
