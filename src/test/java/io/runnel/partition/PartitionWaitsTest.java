package io.runnel.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.runnel.log.BatchBuilder;
import io.runnel.log.FlushPolicy;
import io.runnel.log.LogConfig;
import io.runnel.log.PartitionLog;
import io.runnel.partition.PartitionWaits.Outcome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The long-poll primitive on real partitions and real threads: a wait ends once, by whichever of
 * an append, its deadline, a cancel or a deletion comes first, and its callback runs exactly once
 * on the wake-up executor, never on the appending thread.
 */
class PartitionWaitsTest {
    private static final Duration LONG = Duration.ofMinutes(5);

    @TempDir
    Path dir;

    private final ScheduledThreadPoolExecutor wakeups = new ScheduledThreadPoolExecutor(2, r -> new Thread(r, "test-wakeup"));
    private final PartitionWaits waits = new PartitionWaits(wakeups);

    {
        wakeups.setRemoveOnCancelPolicy(true); // as the application's wake-up pool
    }
    private final List<PartitionLog> logs = new ArrayList<>();

    @AfterEach
    void stop() {
        wakeups.shutdownNow();
        logs.forEach(PartitionLog::close);
    }

    /** Every run of a callback: its outcome and the thread it ran on. */
    private record Run(Outcome outcome, Thread thread) {
    }

    private final List<Run> runs = new CopyOnWriteArrayList<>();

    private void record(Outcome outcome) {
        runs.add(new Run(outcome, Thread.currentThread()));
    }

    private Partition partition(String name) {
        PartitionLog log = PartitionLog.open(dir.resolve(name), LogConfig.DEFAULT, FlushPolicy.ALWAYS, Clock.systemUTC());
        logs.add(log);
        return new Partition(name, 0, log, Timer.builder("fsync").register(new SimpleMeterRegistry()));
    }

    private static void append(Partition p, String value) {
        p.log().appendAsLeader(new BatchBuilder(0, null, 64).add(1, null, value.getBytes(StandardCharsets.UTF_8), null).build());
    }

    @Test
    void anAppendWakesTheWaitOnAWakeUpThreadNotTheAppendingOne() {
        Partition p = partition("a");
        PartitionWaits.Wait wait = waits.await(List.of(PartitionWaits.highWatermarkBeyond(p, 0)), LONG, this::record);
        assertThat(p.waiterCount()).isEqualTo(1);

        append(p, "\"first\"");

        await().until(() -> runs.size() == 1);
        assertThat(runs.get(0).outcome()).isEqualTo(Outcome.WOKEN);
        assertThat(runs.get(0).thread()).isNotSameAs(Thread.currentThread());
        assertThat(runs.get(0).thread().getName()).isEqualTo("test-wakeup");
        assertThat(wait.outcome()).isEqualTo(Outcome.WOKEN);
        assertThat(p.waiterCount()).isZero();
        assertThat(wait.cancel()).as("an ended wait cannot be cancelled").isFalse();
    }

    @Test
    void aConditionMetAlreadyWakesTheWaitAtOnceStillOnTheExecutor() {
        Partition p = partition("a");
        append(p, "1");

        waits.await(List.of(PartitionWaits.highWatermarkBeyond(p, 0)), LONG, this::record);

        await().until(() -> runs.size() == 1);
        assertThat(runs.get(0)).isEqualTo(new Run(Outcome.WOKEN, runs.get(0).thread()));
        assertThat(runs.get(0).thread()).isNotSameAs(Thread.currentThread());
        assertThat(p.waiterCount()).isZero();
    }

    @Test
    void theDeadlineEndsAWaitNothingWokeAndUnregistersIt() {
        Partition p = partition("a");

        waits.await(List.of(PartitionWaits.highWatermarkBeyond(p, 0)), Duration.ofMillis(20), this::record);

        await().until(() -> runs.size() == 1);
        assertThat(runs.get(0).outcome()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(p.waiterCount()).isZero();
    }

    @Test
    void cancellingRunsTheCallbackWithCancelledAndUnregisters() {
        Partition p = partition("a");
        PartitionWaits.Wait wait = waits.await(List.of(PartitionWaits.highWatermarkBeyond(p, 0)), LONG, this::record);

        assertThat(wait.cancel()).isTrue();
        assertThat(wait.cancel()).isFalse();

        await().until(() -> runs.size() == 1);
        assertThat(runs.get(0).outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(p.waiterCount()).isZero();
        assertThat(wakeups.getQueue()).as("the deadline was cancelled too").isEmpty();
    }

    @Test
    void deletingThePartitionWakesItsWaitsWithDeleted() {
        Partition p = partition("a");
        waits.await(List.of(PartitionWaits.highWatermarkBeyond(p, 0)), LONG, this::record);
        waits.awaitIndefinitely(List.of(PartitionWaits.durableEndBeyond(p, 0)), this::record);

        p.wakeAllDeleted();

        await().until(() -> runs.size() == 2);
        assertThat(runs).extracting(Run::outcome).containsOnly(Outcome.DELETED);
    }

    @Test
    void waitingOnADeletedPartitionEndsAtOnceWithDeleted() {
        Partition p = partition("a");
        p.wakeAllDeleted();

        waits.await(List.of(PartitionWaits.highWatermarkBeyond(p, 5)), LONG, this::record);

        await().until(() -> runs.size() == 1);
        assertThat(runs.get(0).outcome()).isEqualTo(Outcome.DELETED);
        assertThat(p.waiterCount()).isZero();
    }

    @Test
    void theFirstOfSeveralPartitionsToGrowEndsTheWaitAndUnregistersTheOthers() {
        Partition quiet = partition("quiet");
        Partition busy = partition("busy");
        waits.await(List.of(PartitionWaits.highWatermarkBeyond(quiet, 0), PartitionWaits.highWatermarkBeyond(busy, 0)), LONG,
                this::record);
        assertThat(quiet.waiterCount()).isEqualTo(1);

        append(busy, "1");

        await().until(() -> runs.size() == 1);
        assertThat(runs.get(0).outcome()).isEqualTo(Outcome.WOKEN);
        assertThat(quiet.waiterCount()).isZero();
        assertThat(busy.waiterCount()).isZero();
    }

    @Test
    void aWaitOnDurableEndWakesWhenTheLogGrowsDurably() {
        Partition p = partition("a");
        waits.awaitIndefinitely(List.of(PartitionWaits.durableEndBeyond(p, 0)), this::record);

        append(p, "1");

        await().until(() -> runs.size() == 1);
        assertThat(runs.get(0).outcome()).isEqualTo(Outcome.WOKEN);
    }

    /**
     * A condition the test fires by hand, from a thread of its own, and which counts its
     * registrations: the wait must unregister it whoever ends the wait.
     */
    private static final class ManualCondition implements PartitionWaits.Condition {
        final AtomicReference<Consumer<Outcome>> wake = new AtomicReference<>();
        final CountDownLatch unregistered = new CountDownLatch(1);

        @Override
        public Runnable register(Consumer<Outcome> wake) {
            this.wake.set(wake);
            return unregistered::countDown;
        }
    }

    @Test
    void aRaceOfWakeDeadlineAndCancelRunsTheCallbackExactlyOnce() throws Exception {
        for (int round = 0; round < 200; round++) {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(2);
            PartitionWaits racing = new PartitionWaits(executor);
            ManualCondition condition = new ManualCondition();
            List<Outcome> outcomes = new CopyOnWriteArrayList<>();
            CountDownLatch go = new CountDownLatch(1);

            // The deadline is due at once: it races the two threads below.
            PartitionWaits.Wait wait = racing.await(List.of(condition), Duration.ZERO, outcomes::add);
            Thread waker = new Thread(() -> {
                awaitQuietly(go);
                Consumer<Outcome> wake = condition.wake.get();
                if (wake != null) { // null: the deadline ended the wait before it registered the condition
                    wake.accept(Outcome.WOKEN);
                }
            });
            Thread canceller = new Thread(() -> {
                awaitQuietly(go);
                wait.cancel();
            });
            waker.start();
            canceller.start();
            go.countDown();
            waker.join();
            canceller.join();
            // Lets the deadline and any callback already handed over run, then stops the executor.
            executor.shutdown();
            assertThat(executor.awaitTermination(1, TimeUnit.MINUTES)).isTrue();

            assertThat(outcomes).as("round %d", round).hasSize(1);
            assertThat(outcomes.get(0)).isEqualTo(wait.outcome());
            if (condition.wake.get() != null) {
                assertThat(condition.unregistered.getCount()).as("unregistered in round %d", round).isZero();
            }
        }
    }

    @Test
    void aWaitEndedWhileItRegistersUnregistersWhatItRegisteredAfterwards() {
        Partition before = partition("before");
        Partition after = partition("after");
        PartitionWaits.Condition metAtOnce = wake -> {
            wake.accept(Outcome.WOKEN);
            return () -> { };
        };

        waits.await(List.of(PartitionWaits.highWatermarkBeyond(before, 0), metAtOnce, PartitionWaits.highWatermarkBeyond(after, 0)),
                LONG, this::record);

        await().until(() -> runs.size() == 1);
        assertThat(before.waiterCount()).isZero();
        assertThat(after.waiterCount()).as("never registered once the wait had ended").isZero();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
