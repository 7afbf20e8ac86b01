package io.runnel.connect.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meters of one partition of one http-sink connector, tagged {@code connector}, {@code topic},
 * {@code partition} (Prometheus names in brackets):
 * <ul>
 *   <li>{@code runnel.connector.delivered.records} [{@code runnel_connector_delivered_records_total}]: records a receiver answered 2xx for;
 *   <li>{@code runnel.connector.failures} [{@code _failures_total}]: failed attempts (no 2xx answer);
 *   <li>{@code runnel.connector.retries} [{@code _retries_total}]: attempts after a batch's first;
 *   <li>{@code runnel.connector.dlq.records} [{@code _dlq_records_total}]: records written to the dead-letter topic;
 *   <li>{@code runnel.connector.skipped.records} [{@code _skipped_records_total}]: records removed by retention before delivery;
 *   <li>{@code runnel.connector.lag} [{@code _lag}]: high watermark of the last fetch minus the committed position;
 *   <li>{@code runnel.connector.last.delivery.latency} [{@code _last_delivery_latency_seconds}]: the last 2xx request's duration.
 * </ul>
 * Thread-safe. {@link #remove} takes them out of the registry when the partition's work ends.
 */
final class PartitionMeters {
    final Counter delivered;
    final Counter failures;
    final Counter retries;
    final Counter deadLettered;
    final Counter skipped;
    private final AtomicLong lag = new AtomicLong(-1);
    private final AtomicLong lastLatencyNanos = new AtomicLong();
    private final MeterRegistry registry;
    private final List<Meter> meters;

    PartitionMeters(MeterRegistry registry, String connector, String topic, int partition) {
        this.registry = registry;
        Tags tags = Tags.of("connector", connector, "topic", topic, "partition", Integer.toString(partition));
        delivered = counter("runnel.connector.delivered.records", "Records delivered (answered 2xx)", tags);
        failures = counter("runnel.connector.failures", "Delivery attempts that failed", tags);
        retries = counter("runnel.connector.retries", "Delivery attempts after a batch's first", tags);
        deadLettered = counter("runnel.connector.dlq.records", "Records written to the dead-letter topic", tags);
        skipped = counter("runnel.connector.skipped.records", "Records removed by retention before they were delivered", tags);
        Gauge lagGauge = Gauge.builder("runnel.connector.lag", lag, l -> l.get() < 0 ? Double.NaN : l.get())
                .description("Records between the committed position and the high watermark").tags(tags).register(registry);
        Gauge latency = Gauge.builder("runnel.connector.last.delivery.latency", lastLatencyNanos, n -> n.get() / 1e9)
                .baseUnit("seconds").description("Duration of the last delivery request that was answered 2xx").tags(tags)
                .register(registry);
        meters = List.of(delivered, failures, retries, deadLettered, skipped, lagGauge, latency);
    }

    void lag(long records) {
        lag.set(Math.max(records, 0));
    }

    void lastLatency(long nanos) {
        lastLatencyNanos.set(nanos);
    }

    void remove() {
        meters.forEach(registry::remove);
    }

    private Counter counter(String name, String description, Tags tags) {
        return Counter.builder(name).description(description).tags(tags).register(registry);
    }
}
