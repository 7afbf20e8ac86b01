package io.runnel.log;

import static io.runnel.log.LogTestSupport.config;
import static io.runnel.log.LogTestSupport.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.runnel.log.LogTestSupport.In;
import io.runnel.log.LogTestSupport.MutableClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lock hierarchy of {@link PartitionLog} (append lock → flush lock → view lock) as its
 * assertions check it: what a {@link LogListener} may do from its callbacks while appends, group
 * commits and truncations run, and what breaks the order. Needs assertions enabled (Surefire's default).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PartitionLogLockOrderTest {
    @TempDir
    Path tmp;

    private final MutableClock clock = new MutableClock(1_700_000_000_000L);

    private static RecordBatch batch(String tag) {
        return LogTestSupport.build(List.of(In.of(1_000, value(tag, 40))), null);
    }

    @Test
    void listenersMayReadAndSetTheCapFromCallbacksWhileAppendsFlushesAndTruncationsRun() throws Exception {
        assumeTrue(PartitionLog.class.desiredAssertionStatus(), "the lock order is checked by assertions");
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean done = new AtomicBoolean();
        try (PartitionLog log = PartitionLog.open(tmp.resolve("p0"), config(1024, 100), FlushPolicy.ALWAYS, clock)) {
            log.setListener(new LogListener() {
                @Override
                public void onDurableEnd(long durableEnd) {
                    log.setHighWatermarkCap(durableEnd); // takes the view lock inside the flush lock
                }

                @Override
                public void onHighWatermark(long highWatermark) {
                    long start = log.logStartOffset();
                    if (highWatermark > start && highWatermark <= log.highWatermark()) {
                        log.read(start, 100);
                    }
                    log.highWatermarkCap();
                }
            });
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                threads.add(new Thread(() -> {
                    try {
                        for (int i = 0; i < 150; i++) {
                            log.appendAsLeader(batch("a" + i));
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            Thread truncator = new Thread(() -> {
                try {
                    while (!done.get()) {
                        long end = log.logEndOffset();
                        if (end > 5) {
                            log.truncateTo(end - 3);
                        }
                        log.endOffsetForEpoch(0);
                        Thread.yield();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.forEach(Thread::start);
            truncator.start();
            for (Thread t : threads) {
                t.join();
            }
            done.set(true);
            truncator.join();

            assertThat(failures).isEmpty();
            assertThat(log.highWatermark()).isEqualTo(log.logEndOffset());
        }
    }

    @Test
    void aListenerAppendingFromAFlushCallbackBreaksTheOrderAndIsStopped() {
        assumeTrue(PartitionLog.class.desiredAssertionStatus(), "the lock order is checked by assertions");
        try (PartitionLog log = PartitionLog.open(tmp.resolve("p0"), config(1024, 100), FlushPolicy.ALWAYS, clock)) {
            AtomicBoolean nested = new AtomicBoolean();
            log.setListener(new LogListener() {
                @Override
                public void onFlush(long nanos) {
                    if (nested.compareAndSet(false, true)) {
                        log.appendAsLeader(batch("nested")); // append lock under the flush lock
                    }
                }
            });

            assertThatThrownBy(() -> log.appendAsLeader(batch("outer")))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("lock order");
        }
    }
}
