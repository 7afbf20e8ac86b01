package io.runnel.log;

import static io.runnel.PropertyChecks.qt;
import static io.runnel.log.CompactionTestSupport.kv;
import static io.runnel.log.CompactionTestSupport.readAll;
import static io.runnel.log.LogTestSupport.files;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.log.LogTestSupport.MutableClock;
import io.runnel.log.LogTestSupport.Rec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.generators.SourceDSL;

/**
 * Crashes at every step of a cleaning pass, and between the file operations of a step. The pass
 * copies the log's directory after each step, as a kill -9 would leave it ({@link LogCleaner.StepHook});
 * a crash inside a step is any mix of that step's file operations (renames, deletions, creations,
 * possibly torn) applied to the copy taken before it. Each crashed copy is opened — recovery runs —
 * and must hold every record the pass keeps, nothing it had not, each at its offset, with the log end
 * unchanged; a pass after the restart ends where the uninterrupted pass did.
 */
class LogCleanerCrashTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final CleanerConfig CLEANER = new CleanerConfig(1000, 0, 1 << 16);
    private static final LogConfig CONFIG = LogTestSupport.config(300, 100);

    @TempDir
    Path tmp;

    private final MutableClock clock = new MutableClock(T0);
    private final List<PartitionLog> opened = new ArrayList<>();

    @AfterEach
    void closeLogs() {
        opened.forEach(PartitionLog::close);
    }

    private PartitionLog open(Path dir) {
        PartitionLog log = PartitionLog.open(dir, CONFIG, FlushPolicy.OS, clock);
        opened.add(log);
        return log;
    }

    /** The directory after each step of one pass: index 0 before it, then one per {@link LogCleaner.Step}. */
    private static List<Path> cleanTakingSnapshots(PartitionLog log, Path snapshots) {
        List<Path> taken = new ArrayList<>();
        Path before = snapshots.resolve("0-START");
        LogTestSupport.copyFiles(log.dir(), before);
        taken.add(before);
        log.cleanerHook(step -> {
            Path copy = snapshots.resolve((taken.size()) + "-" + step);
            LogTestSupport.copyFiles(log.dir(), copy);
            taken.add(copy);
        });
        log.clean(CLEANER, log.highWatermark());
        log.cleanerHook(LogCleaner.StepHook.NONE);
        assertThat(taken.size()).as("a pass runs every step, or none when nothing is cleanable")
                .isIn(1, LogCleaner.Step.values().length + 1);
        return taken;
    }

    /**
     * Writes into {@code crashed} a state between {@code from} and {@code to}: each file operation
     * that turns one into the other (rename, deletion, creation, new content) done or not at
     * random, a created file possibly torn.
     */
    static void between(Path from, Path to, Path crashed, Random random) {
        LogTestSupport.copyFiles(from, crashed);
        Set<String> before = names(from);
        Set<String> after = names(to);
        for (String name : before) {
            String renamed = name.endsWith(LogCleaner.CLEANED_SUFFIX) ? swapName(name, LogCleaner.CLEANED_SUFFIX, LogCleaner.SWAP_SUFFIX)
                    : name.endsWith(LogCleaner.SWAP_SUFFIX) ? swapName(name, LogCleaner.SWAP_SUFFIX, Segment.LOG_SUFFIX) : null;
            if (after.contains(name) || !random.nextBoolean()) {
                continue;
            }
            move(crashed.resolve(name), renamed != null && after.contains(renamed) ? crashed.resolve(renamed) : null);
        }
        for (String name : after) {
            boolean renameTarget = before.contains(swapName(name, Segment.LOG_SUFFIX, LogCleaner.SWAP_SUFFIX))
                    || before.contains(swapName(name, LogCleaner.SWAP_SUFFIX, LogCleaner.CLEANED_SUFFIX));
            if (renameTarget || !random.nextBoolean() || (before.contains(name) && sameContent(from.resolve(name), to.resolve(name)))) {
                continue;
            }
            byte[] content = read(to.resolve(name));
            if (name.endsWith(LogCleaner.CLEANED_SUFFIX) && random.nextBoolean()) {
                content = Arrays.copyOf(content, random.nextInt(content.length + 1)); // torn: not yet forced
            }
            LogTestSupport.write(crashed.resolve(name), content);
        }
    }

    private static String swapName(String name, String suffix, String replacement) {
        return name.endsWith(suffix) ? name.substring(0, name.length() - suffix.length()) + replacement : "";
    }

    private static void move(Path file, Path target) {
        try {
            if (target == null) {
                Files.delete(file);
            } else {
                Files.move(file, target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Set<String> names(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return new TreeSet<>(files.map(p -> p.getFileName().toString()).toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean sameContent(Path a, Path b) {
        return Arrays.equals(read(a), read(b));
    }

    /**
     * Opens a crashed copy and checks it against the records before and after the pass; cleaned
     * again, it must hold at least {@code mustKeep} (what the model keeps: a pass after a crash
     * groups segments differently, so where several leader epochs meet it may keep other extra records).
     */
    private void checkRecovered(Path crashed, List<Rec> before, List<Rec> after, List<Rec> mustKeep, long logEnd, String state) {
        PartitionLog recovered = open(crashed);
        List<Rec> got = readAll(recovered);
        assertThat(CompactionModel.between(got, after, before))
                .as("%s: every record the pass keeps, nothing new, in order; got %s", state, got).isTrue();
        assertThat(recovered.logEndOffset()).as(state).isEqualTo(logEnd);
        assertThat(files(crashed, LogCleaner.CLEANED_SUFFIX)).as(state).isEmpty();
        assertThat(files(crashed, LogCleaner.SWAP_SUFFIX)).as(state).isEmpty();
        recovered.clean(CLEANER, recovered.highWatermark());
        List<Rec> again = readAll(recovered);
        assertThat(CompactionModel.between(again, mustKeep, before)).as("%s, cleaned again: %s", state, again).isTrue();
    }

    @Test
    void aCrashAtAnyStepOrBetweenTheFileOperationsOfAStepRecoversAValidLog() {
        qt(15, 100).forAll(LogCleanerPropertiesTest.ops(), SourceDSL.longs().all())
                .checkAssert((ops, seed) -> LogTestSupport.withTempDir(dir -> crashDuringAPass(dir, ops, seed)));
    }

    private static void crashDuringAPass(Path dir, List<LogCleanerPropertiesTest.Op> ops, long seed) {
        LogCleanerCrashTest test = new LogCleanerCrashTest();
        test.tmp = dir;
        try {
            test.crashDuringAPass(ops, seed);
        } finally {
            test.closeLogs();
        }
    }

    private void crashDuringAPass(List<LogCleanerPropertiesTest.Op> ops, long seed) {
        Random random = new Random(seed);
        PartitionLog log = open(tmp.resolve("live"));
        CompactionModel model = new CompactionModel();
        int mapCapacity = new OffsetMap(CLEANER.offsetMapBytes()).capacity();
        int epoch = 0;
        for (LogCleanerPropertiesTest.Op op : ops) {
            if (op.kind() == LogCleanerPropertiesTest.Op.APPEND) {
                epoch += random.nextInt(6) == 0 ? 1 : 0; // a leader change now and then
                model.appended(CompactionTestSupport.append(log, epoch, clock.millis(), op.batch()));
            } else if (op.kind() == LogCleanerPropertiesTest.Op.CLEAN) {
                model.clean(LogCleanerPropertiesTest.activeBase(log), mapCapacity, CLEANER.deleteRetentionMs(), clock.millis());
                log.clean(CLEANER, log.highWatermark()); // a clean history with tombstones in it
            } else if (op.kind() == LogCleanerPropertiesTest.Op.ADVANCE) {
                clock.advance(op.advanceMs());
            }
        }
        // A batch larger than a segment rolls the log, so that the last batches are cleanable too.
        model.appended(CompactionTestSupport.append(log, epoch, clock.millis(), List.of(kv("\"z\"", LogTestSupport.value("big", 400)))));
        List<Rec> before = readAll(log);
        assertThat(CompactionModel.between(before, model.present, model.appended)).isTrue();
        model.clean(LogCleanerPropertiesTest.activeBase(log), mapCapacity, CLEANER.deleteRetentionMs(), clock.millis());
        List<Path> snapshots = cleanTakingSnapshots(log, tmp.resolve("snapshots"));
        List<Rec> after = readAll(log);
        assertThat(CompactionModel.between(after, model.present, before)).as("the pass keeps what the model keeps").isTrue();
        for (int i = 1; i < snapshots.size(); i++) {
            Path afterStep = tmp.resolve("after-" + i);
            LogTestSupport.copyFiles(snapshots.get(i), afterStep); // the snapshots stay as they were
            checkRecovered(afterStep, before, after, model.present, log.logEndOffset(), "crash after " + snapshots.get(i).getFileName());
            Path crashed = tmp.resolve("during-" + i);
            between(snapshots.get(i - 1), snapshots.get(i), crashed, random);
            checkRecovered(crashed, before, after, model.present, log.logEndOffset(), "crash during " + snapshots.get(i).getFileName());
        }
    }

    private PartitionLog logOfSeveralSegments() {
        PartitionLog log = open(tmp.resolve("live"));
        for (int i = 0; i < 30; i++) {
            CompactionTestSupport.append(log, 0, clock.millis(), List.of(kv("\"k" + (i % 4) + "\"", Integer.toString(i))));
        }
        return log;
    }

    @Test
    void aTornCleanedFileIsDeletedAndTheLogIsAsBefore() {
        PartitionLog log = logOfSeveralSegments();
        List<Rec> before = readAll(log);
        List<Path> snapshots = cleanTakingSnapshots(log, tmp.resolve("snapshots"));
        Path written = snapshots.get(LogCleaner.Step.CLEANED_WRITTEN.ordinal() + 1);
        Path cleaned = files(written, LogCleaner.CLEANED_SUFFIX).get(0);
        LogTestSupport.truncate(cleaned, LogTestSupport.sizeOf(cleaned) / 2);

        assertThat(readAll(open(written))).isEqualTo(before);
        assertThat(files(written, LogCleaner.CLEANED_SUFFIX)).isEmpty();
    }

    @Test
    void anInvalidSwapFileIsRolledBackWhileItsFirstSourceIsThere() {
        PartitionLog log = logOfSeveralSegments();
        List<Rec> before = readAll(log);
        List<Path> snapshots = cleanTakingSnapshots(log, tmp.resolve("snapshots"));
        Path renamed = snapshots.get(LogCleaner.Step.RENAMED_TO_SWAP.ordinal() + 1);
        Path swap = files(renamed, LogCleaner.SWAP_SUFFIX).get(0);
        LogTestSupport.flipByte(swap, LogTestSupport.sizeOf(swap) - 1);

        assertThat(readAll(open(renamed))).isEqualTo(before);
    }

    @Test
    void anInvalidSwapFileWhoseSourcesAreGoneStopsTheOpen() {
        PartitionLog log = logOfSeveralSegments();
        List<Path> snapshots = cleanTakingSnapshots(log, tmp.resolve("snapshots"));
        Path deleted = snapshots.get(LogCleaner.Step.OLD_DELETED.ordinal() + 1);
        Path swap = files(deleted, LogCleaner.SWAP_SUFFIX).get(0);
        LogTestSupport.flipByte(swap, LogTestSupport.sizeOf(swap) - 1);

        assertThatThrownBy(() -> open(deleted)).isInstanceOf(LogException.class).hasMessageContaining("cannot recover");
        assertThat(swap).exists();
    }

    @Test
    void aFailureWhileWritingTheCopiesLeavesTheLogAsItWasAndWritable() {
        PartitionLog log = logOfSeveralSegments();
        List<Rec> before = readAll(log);
        log.cleanerHook(step -> {
            throw new IOException("disk full while writing copies");
        });

        assertThatThrownBy(() -> log.clean(CLEANER, log.highWatermark())).isInstanceOf(LogException.class);

        assertThat(readAll(log)).isEqualTo(before);
        assertThat(files(log.dir(), LogCleaner.CLEANED_SUFFIX)).isEmpty();
        CompactionTestSupport.append(log, 0, clock.millis(), List.of(kv("\"x\"", "1")));
        log.cleanerHook(LogCleaner.StepHook.NONE);
        assertThat(log.clean(CLEANER, log.highWatermark()).segmentsCleaned()).isPositive();
    }

    @Test
    void aFailureAfterTheCommitPointTakesTheLogOfflineAndReopeningCompletesTheSwap() {
        PartitionLog log = logOfSeveralSegments();
        log.cleanerHook(step -> {
            if (step == LogCleaner.Step.VIEW_PUBLISHED) {
                throw new IOException("failed after the commit point");
            }
        });

        assertThatThrownBy(() -> log.clean(CLEANER, log.highWatermark())).isInstanceOf(LogException.class);
        List<Rec> cleaned = readAll(log);
        assertThatThrownBy(() -> CompactionTestSupport.append(log, 0, clock.millis(), List.of(kv("\"x\"", "1"))))
                .isInstanceOf(LogException.class).hasMessageContaining("offline");
        log.close();

        PartitionLog reopened = open(tmp.resolve("live"));
        assertThat(readAll(reopened)).isEqualTo(cleaned);
        assertThat(files(reopened.dir(), LogCleaner.SWAP_SUFFIX)).isEmpty();
    }

    @Test
    void aRetentionDuringThePassAbandonsIt() {
        PartitionLog log = logOfSeveralSegments();
        log.updateConfig(new LogConfig(CONFIG.segmentBytes(), CONFIG.segmentMs(), -1, 1, CONFIG.indexIntervalBytes()));
        log.cleanerHook(step -> {
            if (step == LogCleaner.Step.CLEANED_WRITTEN) {
                log.applyRetention();
            }
        });
        List<Rec> retained;

        CleanResult result = log.clean(CLEANER, log.highWatermark());

        retained = readAll(log);
        assertThat(result.segmentsCleaned()).isZero();
        assertThat(retained).isNotEmpty();
        assertThat(files(log.dir(), LogCleaner.CLEANED_SUFFIX)).isEmpty();
        assertThat(files(log.dir(), ".log")).hasSize(log.segmentCount());
    }

    @Test
    void aHighWatermarkThatWentDownIntoTheSourcesDuringThePassAbandonsIt() {
        PartitionLog log = logOfSeveralSegments();
        List<Rec> before = readAll(log);
        long hw = log.highWatermark();
        log.cleanerHook(step -> {
            if (step == LogCleaner.Step.CLEANED_WRITTEN) {
                log.setHighWatermarkCap(log.view().segments()[1].baseOffset() + 1);
            }
        });

        CleanResult result = log.clean(CLEANER, hw);

        assertThat(result.segmentsCleaned()).isZero();
        log.setHighWatermarkCap(Long.MAX_VALUE);
        assertThat(readAll(log)).isEqualTo(before);
    }
}
