package io.runnel.partition;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.runnel.log.CleanResult;
import io.runnel.log.PartitionLog;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Meters of the compacted partitions open here, tagged {@code topic} and {@code partition}: the
 * dirty ratio ({@code runnel.cleaner.dirty.ratio}), bytes reclaimed
 * ({@code runnel.cleaner.bytes.reclaimed}), the time of the last cleaning
 * ({@code runnel.cleaner.last.clean.time}, epoch seconds, 0 before the first) and failed cleanings
 * ({@code runnel.cleaner.errors}). Meters of a log no longer open here are removed.
 *
 * <p>Used by the maintenance thread only (not thread-safe); the registry reads the gauges from any
 * thread. Memory only.
 */
final class CleanerMetrics {
    private final MeterRegistry registry;
    private final Map<PartitionLog, Meters> byLog = new IdentityHashMap<>();

    private record Meters(Gauge dirtyRatio, Counter bytesReclaimed, Gauge lastClean, AtomicLong lastCleanMs, Counter errors) {
    }

    CleanerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Registers meters for the logs of {@code logs} that have none and removes those of logs not in it. */
    void retainOnly(Map<LogManager.Hosted, PartitionLog> logs) {
        Map<PartitionLog, LogManager.Hosted> current = new IdentityHashMap<>();
        logs.forEach((h, log) -> current.put(log, h));
        for (PartitionLog log : List.copyOf(byLog.keySet())) {
            if (!current.containsKey(log)) {
                Meters m = byLog.remove(log);
                List.of(m.dirtyRatio(), m.bytesReclaimed(), m.lastClean(), m.errors()).forEach(registry::remove);
            }
        }
        current.forEach((log, h) -> byLog.computeIfAbsent(log, l -> register(h, l)));
    }

    private Meters register(LogManager.Hosted h, PartitionLog log) {
        Tags tags = Tags.of("topic", h.topic().name(), "partition", Integer.toString(h.partition().id()));
        AtomicLong lastCleanMs = new AtomicLong();
        return new Meters(
                Gauge.builder("runnel.cleaner.dirty.ratio", log, PartitionLog::dirtyRatio)
                        .description("Share of a compacted partition's closed segment bytes not yet cleaned").tags(tags).register(registry),
                Counter.builder("runnel.cleaner.bytes.reclaimed").description("Bytes compaction removed from a partition's log")
                        .tags(tags).register(registry),
                Gauge.builder("runnel.cleaner.last.clean.time", lastCleanMs, ms -> ms.get() / 1000.0)
                        .description("When a partition's log was last cleaned, epoch seconds (0: not since start)")
                        .baseUnit("seconds").tags(tags).register(registry),
                lastCleanMs,
                Counter.builder("runnel.cleaner.errors").description("Cleanings of a partition that failed").tags(tags).register(registry));
    }

    void cleaned(PartitionLog log, CleanResult result, long nowMs) {
        Meters m = byLog.get(log);
        if (m != null) {
            m.bytesReclaimed().increment(Math.max(0, result.bytesReclaimed()));
            m.lastCleanMs().set(nowMs);
        }
    }

    void failed(PartitionLog log) {
        Meters m = byLog.get(log);
        if (m != null) {
            m.errors().increment();
        }
    }
}
