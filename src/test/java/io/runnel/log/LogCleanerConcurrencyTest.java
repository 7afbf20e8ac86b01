package io.runnel.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.log.LogTestSupport.MutableClock;
import io.runnel.log.LogTestSupport.Rec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Lock-free readers against a log that is appended to and compacted at the same time. Every
 * record's value is its own offset, so a reader checks on its own that what it got is whole and
 * where it was appended. No timing is asserted: the threads only race.
 */
class LogCleanerConcurrencyTest {
    private static final int KEYS = 7;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(value = FlushPolicy.class, names = {"ALWAYS", "OS"})
    void readersSeeValidRecordsAtTheirOffsetsWhileTheLogIsAppendedAndCompacted(FlushPolicy policy) throws Exception {
        MutableClock clock = new MutableClock(1_700_000_000_000L);
        CleanerConfig cleaner = new CleanerConfig(0, 0, 1 << 12);
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean done = new AtomicBoolean();
        int appends = 1500;
        try (PartitionLog log = PartitionLog.open(tmp.resolve(policy.name()), LogTestSupport.config(1024, 100), policy, clock)) {
            Thread appender = new Thread(() -> {
                try {
                    for (long offset = 0; offset < appends; offset++) {
                        String key = "\"k" + offset % KEYS + "\"";
                        CompactionTestSupport.append(log, 0, clock.millis(),
                                List.of(CompactionTestSupport.kv(key, offset % 11 == 0 ? null : "\"" + offset + "\"")));
                    }
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    done.set(true);
                }
            });
            List<Thread> others = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                others.add(new Thread(() -> {
                    try {
                        while (!done.get()) {
                            checkRead(log);
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            others.add(new Thread(() -> {
                try {
                    while (!done.get()) {
                        log.clean(cleaner, log.highWatermark());
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
            log.clean(cleaner, log.highWatermark());
            List<Rec> all = checkRead(log);
            Map<String, Long> latest = new HashMap<>();
            all.forEach(r -> latest.merge(r.key(), r.offset(), Math::max));
            for (long offset = appends - KEYS; offset < appends; offset++) {
                Long kept = latest.get("\"k" + offset % KEYS + "\"");
                if (offset % 11 == 0) {
                    assertThat(kept).as("a last tombstone, kept or dropped, and nothing before it").isIn(null, offset);
                } else {
                    assertThat(kept).as("the last record of each key").isEqualTo(offset);
                }
            }
        }
    }

    /** Reads everything as a consumer does and checks every record against its offset. */
    private static List<Rec> checkRead(PartitionLog log) {
        List<Rec> all = CompactionTestSupport.readAll(log, 300);
        for (Rec r : all) {
            long offset = r.offset();
            assertThat(r.key()).isEqualTo("\"k" + offset % KEYS + "\"");
            assertThat(r.value()).isEqualTo(offset % 11 == 0 ? null : "\"" + offset + "\"");
        }
        return all;
    }
}
