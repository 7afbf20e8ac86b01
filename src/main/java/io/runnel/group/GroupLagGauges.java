package io.runnel.group;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.runnel.topic.TopicPartition;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The {@code runnel.group.lag} gauges: for each group and partition with a committed offset, the
 * records between that offset and the partition's high watermark, computed when scraped. A gauge
 * is registered when an offset is first committed (or found at start), and removed with its group
 * or when its partition no longer exists, so no gauge is left saying {@code NaN}.
 *
 * <p>Thread-safety: safe from any thread; the map of gauges is concurrent.
 */
final class GroupLagGauges {
    private final MeterRegistry meters;
    private final OffsetStore offsets;
    private final Function<TopicPartition, Optional<Long>> highWatermark;
    private final Map<String, Map<TopicPartition, Meter>> gauges = new ConcurrentHashMap<>();

    /**
     * @param highWatermark the partition's high watermark, empty if it does not exist or cannot be read now
     */
    GroupLagGauges(MeterRegistry meters, OffsetStore offsets, Function<TopicPartition, Optional<Long>> highWatermark) {
        this.meters = meters;
        this.offsets = offsets;
        this.highWatermark = highWatermark;
    }

    void register(String group, TopicPartition tp) {
        gauges.computeIfAbsent(group, g -> new ConcurrentHashMap<>()).computeIfAbsent(tp, key ->
                Gauge.builder("runnel.group.lag", () -> lag(group, key))
                        .description("Records between a group's committed offset and the high watermark")
                        .tag("group", group).tag("topic", key.topic()).tag("partition", Integer.toString(key.partition()))
                        .register(meters));
    }

    void removeGroup(String group) {
        Map<TopicPartition, Meter> removed = gauges.remove(group);
        if (removed != null) {
            removed.values().forEach(meters::remove);
        }
    }

    /** Removes the gauges of partitions {@code exists} denies (their topic was deleted). */
    void removeUnless(Predicate<TopicPartition> exists) {
        gauges.forEach((group, byPartition) -> byPartition.entrySet().removeIf(e -> {
            if (exists.test(e.getKey())) {
                return false;
            }
            meters.remove(e.getValue());
            return true;
        }));
    }

    private double lag(String group, TopicPartition tp) {
        OffsetStore.Committed c = offsets.committed(group).get(tp);
        Optional<Long> hw = c == null ? Optional.empty() : highWatermark.apply(tp);
        if (hw.isEmpty()) {
            return Double.NaN;
        }
        return Math.max(0, hw.get() - c.offset());
    }
}
