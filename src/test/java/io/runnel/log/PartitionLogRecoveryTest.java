package io.runnel.log;

import static io.runnel.log.LogTestSupport.baseOffsetOf;
import static io.runnel.log.LogTestSupport.config;
import static io.runnel.log.LogTestSupport.files;
import static io.runnel.log.LogTestSupport.flipByte;
import static io.runnel.log.LogTestSupport.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.log.LogTestSupport.In;
import io.runnel.log.LogTestSupport.MutableClock;
import io.runnel.log.LogTestSupport.Oracle;
import io.runnel.log.LogTestSupport.Oracle.Appended;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Crashes are simulated by copying the files of a log that is still open: the copy has what the
 * page cache holds, no clean-shutdown marker and no saved indexes for the active segment, as after
 * a kill -9. The copy is then damaged the way a power loss or a bad disk would, and reopened.
 */
class PartitionLogRecoveryTest {
    private static final LogConfig CONFIG = config(2048, 150);

    @TempDir
    Path tmp;

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final List<PartitionLog> opened = new ArrayList<>();
    private final Oracle oracle = new Oracle();
    private final Random random = new Random(42);
    private int copies;
    private int misaligned;

    @AfterEach
    void closeLogs() {
        opened.forEach(PartitionLog::close);
    }

    private PartitionLog open(Path dir) {
        PartitionLog log = PartitionLog.open(dir, CONFIG, FlushPolicy.OS, clock);
        opened.add(log);
        return log;
    }

    /** A live log of {@code batches} batches over several segments, timestamps going back and forth. */
    private PartitionLog liveLog(int batches) {
        PartitionLog log = open(tmp.resolve("live"));
        append(log, batches);
        return log;
    }

    private void append(PartitionLog log, int batches) {
        for (int i = 0; i < batches; i++) {
            List<In> records = new ArrayList<>();
            int n = 1 + random.nextInt(3);
            for (int r = 0; r < n; r++) {
                long ts = clock.millis() + random.nextInt(2_000) - 1_000;
                records.add(new In(ts, random.nextBoolean() ? null : "\"k\"", value("o" + oracle.endOffset() + "r" + r,
                        20 + random.nextInt(100)), null));
            }
            oracle.append(log, records);
            clock.advance(100);
        }
    }

    private Path crashCopy(PartitionLog live) {
        Path to = tmp.resolve("crash" + copies++);
        LogTestSupport.copyFiles(live.dir(), to);
        assertThat(Files.exists(to.resolve(PartitionLog.CLEAN_SHUTDOWN))).isFalse();
        return to;
    }

    private static Path activeLogFile(Path dir) {
        List<Path> logs = files(dir, ".log");
        return logs.get(logs.size() - 1);
    }

    /** Batches of the segment whose .log is {@code file}, in order. */
    private List<Appended> batchesOf(Path file) {
        long base = baseOffsetOf(file);
        List<Path> logs = files(file.getParent(), ".log");
        int i = logs.indexOf(file);
        long next = i + 1 < logs.size() ? baseOffsetOf(logs.get(i + 1)) : Long.MAX_VALUE;
        return oracle.batches.stream().filter(b -> b.baseOffset() >= base && b.baseOffset() < next).toList();
    }

    private long positionOf(Path file, Appended batch) {
        return oracle.positionInSegment(baseOffsetOf(file), batch.baseOffset());
    }

    /**
     * Opens the damaged copy and checks it holds exactly the oracle's batches below
     * {@code expectedEnd}, answers reads and timestamp lookups like the oracle, takes appends at
     * the right offsets, and survives a clean close and reopen.
     */
    private void reopenAndCheck(Path dir, long expectedEnd) {
        oracle.truncateTo(expectedEnd);
        PartitionLog log = open(dir);

        assertThat(log.highWatermark()).isEqualTo(expectedEnd);
        oracle.checkAll(log);
        for (long offset = 0; offset <= expectedEnd; offset++) {
            oracle.checkRead(log, offset, 1 + random.nextInt(700));
        }
        checkTimestamps(log);
        long sizeOnDisk = files(dir, ".log").stream().mapToLong(LogTestSupport::sizeOf).sum();
        assertThat(log.sizeInBytes()).isEqualTo(sizeOnDisk);
        assertThat(sizeOnDisk).isEqualTo(oracle.batches.stream().mapToLong(Appended::sizeInBytes).sum());

        append(log, 10);
        oracle.checkAll(log);
        checkTimestamps(log);
        log.close();

        PartitionLog reopened = open(dir);
        oracle.checkAll(reopened);
        checkTimestamps(reopened);
        append(reopened, 3);
        oracle.checkAll(reopened);
    }

    private void checkTimestamps(PartitionLog log) {
        long min = oracle.records().stream().mapToLong(LogTestSupport.Rec::timestamp).min().orElse(0) - 10;
        long max = oracle.records().stream().mapToLong(LogTestSupport.Rec::timestamp).max().orElse(0) + 10;
        for (long ts = min; ts <= max; ts += Math.max(1, (max - min) / 300)) {
            assertThat(log.offsetForTimestamp(ts)).as("offsetForTimestamp(%d)", ts).isEqualTo(oracle.offsetForTimestamp(ts, 0));
        }
    }

    @Test
    void recoveryAfterACrashKeepsEveryCompleteBatch() {
        PartitionLog live = liveLog(30);
        assertThat(live.segmentCount()).isGreaterThan(2);

        Path crashed = crashCopy(live);

        reopenAndCheck(crashed, oracle.endOffset());
    }

    @ParameterizedTest(name = "{0} bytes of the last batch survive")
    @ValueSource(ints = {1, 12, 59, 60, 61, -1})
    void recoveryTruncatesTornTail(int survivingBytes) {
        PartitionLog live = liveLog(30);
        Path crashed = crashCopy(live);
        Path active = activeLogFile(crashed);
        List<Appended> batches = batchesOf(active);
        Appended last = batches.get(batches.size() - 1);
        int keep = survivingBytes >= 0 ? survivingBytes : last.sizeInBytes() + survivingBytes;

        LogTestSupport.truncate(active, positionOf(active, last) + keep);

        reopenAndCheck(crashed, last.baseOffset());
    }

    @ParameterizedTest(name = "byte {0} of the last batch flipped")
    @ValueSource(ints = {0, 8, 12, 16, 17, 22, 33, 56, 60, -1})
    void recoveryDropsALastBatchWithAFlippedByte(int where) {
        PartitionLog live = liveLog(30);
        Path crashed = crashCopy(live);
        Path active = activeLogFile(crashed);
        List<Appended> batches = batchesOf(active);
        Appended last = batches.get(batches.size() - 1);
        int at = where >= 0 ? where : last.sizeInBytes() + where;

        flipByte(active, positionOf(active, last) + at);

        reopenAndCheck(crashed, last.baseOffset());
    }

    @ParameterizedTest(name = "byte {0} of a middle batch flipped")
    @ValueSource(ints = {0, 9, 16, 60, -1})
    void recoveryTruncatesAtACorruptMiddleBatchOfTheActiveSegment(int where) {
        PartitionLog live = open(tmp.resolve("live"));
        do {
            append(live, 1);
        } while (live.segmentCount() < 3 || batchesOf(activeLogFile(live.dir())).size() < 5);
        Path crashed = crashCopy(live);
        Path active = activeLogFile(crashed);
        List<Appended> batches = batchesOf(active);
        Appended middle = batches.get(batches.size() / 2);
        int at = where >= 0 ? where : middle.sizeInBytes() + where;

        flipByte(active, positionOf(active, middle) + at);

        reopenAndCheck(crashed, middle.baseOffset());
    }

    @Test
    void recoveryValidatesEverySegmentAboveAnUnreadableRecoveryPointAndDropsTheSegmentsAfterADamagedOne() {
        PartitionLog live = liveLog(60);
        assertThat(live.segmentCount()).isGreaterThan(3);
        Path crashed = crashCopy(live);
        LogTestSupport.write(crashed.resolve(PartitionLog.RECOVERY_POINT), "garbage".getBytes());
        Path second = files(crashed, ".log").get(1);
        List<Appended> batches = batchesOf(second);
        Appended middle = batches.get(batches.size() / 2);

        flipByte(second, positionOf(second, middle) + 30);

        reopenAndCheck(crashed, middle.baseOffset());
        assertThat(files(crashed, ".log").stream().map(LogTestSupport::baseOffsetOf).filter(b -> b > baseOffsetOf(second)))
                .as("segments after the damaged one are deleted and new ones start at its end")
                .allMatch(b -> b >= middle.baseOffset());
    }

    @Test
    void recoveryOfALogThatLostItsWholeActiveSegmentContinuesAtTheEndOfThePreviousOne() throws IOException {
        PartitionLog live = liveLog(30);
        Path crashed = crashCopy(live);
        Path active = activeLogFile(crashed);

        LogTestSupport.truncate(active, 0);

        reopenAndCheck(crashed, baseOffsetOf(active));
    }

    @Test
    void recoveryCutsZeroesAFileSystemLeftAfterTheLastBatch() throws IOException {
        PartitionLog live = liveLog(30);
        Path crashed = crashCopy(live);

        Files.write(activeLogFile(crashed), new byte[4096], java.nio.file.StandardOpenOption.APPEND);

        reopenAndCheck(crashed, oracle.endOffset());
    }

    @Test
    void recoveryOfAFirstSegmentHoldingOnlyZeroesLeavesAnEmptyLog() {
        PartitionLog live = open(tmp.resolve("live"));
        Path crashed = crashCopy(live);
        LogTestSupport.write(crashed.resolve(Segment.fileName(0, Segment.LOG_SUFFIX)), new byte[1000]);

        reopenAndCheck(crashed, 0);
    }

    @Test
    void anEmptyLogSurvivesACleanClose() {
        PartitionLog live = open(tmp.resolve("live"));
        live.close();

        reopenAndCheck(live.dir(), 0);
    }

    @Test
    void anEmptyLogSurvivesACrash() {
        PartitionLog live = open(tmp.resolve("live"));
        Path crashed = crashCopy(live);

        reopenAndCheck(crashed, 0);
    }

    @Test
    void recoveryTwiceInARowKeepsEverything() {
        PartitionLog live = liveLog(25);
        Path first = crashCopy(live);
        PartitionLog recovered = open(first);
        oracle.checkAll(recovered);
        append(recovered, 25);

        Path second = crashCopy(recovered);
        Path active = activeLogFile(second);
        List<Appended> batches = batchesOf(active);
        Appended last = batches.get(batches.size() - 1);
        LogTestSupport.truncate(active, positionOf(active, last) + 20);

        reopenAndCheck(second, last.baseOffset());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"truncated", "torn", "garbage", "zeroed", "deleted"})
    void aDamagedOffsetIndexAfterACleanCloseIsRebuilt(String damage) {
        PartitionLog live = liveLog(40);
        live.close();
        for (Path index : files(live.dir(), ".index")) {
            damage(index, damage);
        }

        reopenAndCheck(live.dir(), oracle.endOffset());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"truncated", "torn", "garbage", "zeroed", "deleted"})
    void aDamagedTimeIndexAfterACleanCloseIsRebuilt(String damage) {
        PartitionLog live = liveLog(40);
        live.close();
        for (Path index : files(live.dir(), ".timeindex")) {
            damage(index, damage);
        }

        reopenAndCheck(live.dir(), oracle.endOffset());
    }

    /*
     * An index damaged so that it stays well formed (keys and values in order and in range) but
     * pairs keys with the wrong positions or offsets would pass every structural check; the
     * CRC32C trailer of saved index files is what catches it.
     */
    @Test
    void aMisalignedButWellFormedOffsetIndexAfterACleanCloseIsRebuilt() {
        PartitionLog live = liveLog(40);
        live.close();
        for (Path index : files(live.dir(), ".index")) {
            damage(index, "misaligned");
        }
        assertThat(misaligned).as("some index was misaligned").isPositive();

        reopenAndCheck(live.dir(), oracle.endOffset());
    }

    @Test
    void aMisalignedButWellFormedTimeIndexAfterACleanCloseIsRebuilt() {
        PartitionLog live = liveLog(40);
        live.close();
        for (Path index : files(live.dir(), ".timeindex")) {
            damage(index, "misaligned");
        }
        assertThat(misaligned).as("some index was misaligned").isPositive();

        reopenAndCheck(live.dir(), oracle.endOffset());
    }

    @Test
    void deletedIndexesAfterACrashAreRebuilt() throws IOException {
        PartitionLog live = liveLog(40);
        Path crashed = crashCopy(live);
        for (Path index : files(crashed, "index")) {
            Files.delete(index);
        }

        reopenAndCheck(crashed, oracle.endOffset());
    }

    @Test
    void aLeftoverTemporaryFileIsRemovedOnOpen() {
        PartitionLog live = liveLog(10);
        Path crashed = crashCopy(live);
        LogTestSupport.write(crashed.resolve(PartitionLog.RECOVERY_POINT + ".tmp"), "12".getBytes());

        reopenAndCheck(crashed, oracle.endOffset());
        assertThat(files(crashed, ".tmp")).isEmpty();
    }

    private void damage(Path index, String how) {
        try {
            long size = Files.size(index);
            switch (how) {
                case "truncated" -> LogTestSupport.truncate(index, size / 2 / SparseIndex.ENTRY_SIZE * SparseIndex.ENTRY_SIZE);
                case "torn" -> LogTestSupport.truncate(index, Math.max(0, size - 7));
                case "garbage" -> {
                    byte[] junk = new byte[(int) Math.max(size, 64)];
                    random.nextBytes(junk);
                    LogTestSupport.write(index, junk);
                }
                case "zeroed" -> LogTestSupport.write(index, new byte[(int) Math.max(size, 32)]);
                case "misaligned" -> {
                    // Still well-formed (keys increasing, values in order and in range, last entry
                    // right), but every other entry pairs its key with the next entry's value.
                    ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(index));
                    int n = buf.capacity() / SparseIndex.ENTRY_SIZE;
                    if (n <= 2) {
                        return;
                    }
                    misaligned++;
                    for (int i = 0; i < n - 2; i++) {
                        buf.putLong(i * SparseIndex.ENTRY_SIZE + 8, buf.getLong((i + 1) * SparseIndex.ENTRY_SIZE + 8));
                    }
                    LogTestSupport.write(index, buf.array());
                }
                case "deleted" -> Files.delete(index);
                default -> throw new IllegalArgumentException(how);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
