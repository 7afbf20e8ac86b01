package io.runnel.topic;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * Per-topic traffic meters: records and bytes in and out, produce and fetch latency. Meters are
 * looked up once per topic and cached, so the hot paths pay a map lookup, not a registry search.
 *
 * <p>Meters of a deleted topic are removed ({@link #retainOnly}).
 *
 * <p>The byte counters name their unit already and so declare no base unit: with one, Prometheus
 * would show them as {@code runnel_bytes_in_bytes_total}.
 */
@Component
public class TrafficMetrics {
    private final MeterRegistry registry;
    private final Map<String, TopicMeters> byTopic = new ConcurrentHashMap<>();

    /** The meters of one topic. */
    public record TopicMeters(Counter recordsIn, Counter bytesIn, Counter recordsOut, Counter bytesOut,
                              Timer produceLatency, Timer fetchLatency) {
    }

    public TrafficMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Removes the meters of every topic not in {@code topics} (deleted topics), so a scrape shows
     * only topics that exist. Called with each new set of topics the catalog has.
     */
    public void retainOnly(java.util.Set<String> topics) {
        for (String topic : java.util.List.copyOf(byTopic.keySet())) {
            if (!topics.contains(topic)) {
                TopicMeters m = byTopic.remove(topic);
                if (m != null) {
                    java.util.List.of(m.recordsIn(), m.bytesIn(), m.recordsOut(), m.bytesOut(), m.produceLatency(), m.fetchLatency())
                            .forEach(registry::remove);
                }
            }
        }
    }

    public TopicMeters of(String topic) {
        return byTopic.computeIfAbsent(topic, t -> new TopicMeters(
                Counter.builder("runnel.records.in").description("Records appended").tag("topic", t).register(registry),
                Counter.builder("runnel.bytes.in").description("Key, value and header bytes appended").tag("topic", t).register(registry),
                Counter.builder("runnel.records.out").description("Records served by fetches").tag("topic", t).register(registry),
                Counter.builder("runnel.bytes.out").description("Key, value and header bytes served").tag("topic", t).register(registry),
                Timer.builder("runnel.produce.latency").description("Produce request time, parse to acknowledgement")
                        .tag("topic", t).publishPercentileHistogram().maximumExpectedValue(Duration.ofSeconds(10)).register(registry),
                Timer.builder("runnel.fetch.latency").description("Fetch time spent reading and writing, excluding long-poll wait")
                        .tag("topic", t).publishPercentileHistogram().maximumExpectedValue(Duration.ofSeconds(10)).register(registry)));
    }
}
