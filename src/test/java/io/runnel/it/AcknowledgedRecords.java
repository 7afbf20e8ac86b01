package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.it.RunnelProcess.FetchedRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The records {@code acks=all} producers of a black-box test had acknowledged, by topic, partition and
 * offset, each with its value as compact JSON text, and the check that every one of them is read back
 * at its offset with its value.
 *
 * <p>{@link #add} notes a conflict when one offset is acknowledged for two different values (a replayed
 * {@code Idempotency-Key} answer repeats the same offsets and values, which is no conflict).
 * Thread-safe: any number of producer threads add while the test reads. Lives in memory only.
 */
final class AcknowledgedRecords {
    private final Map<String, Map<Integer, Map<Long, String>>> byTopic = new ConcurrentHashMap<>();
    private final List<String> conflicts = new CopyOnWriteArrayList<>();

    /** Notes that {@code topic-partition@offset} was acknowledged for {@code value} (compact JSON). */
    void add(String topic, int partition, long offset, String value) {
        String previous = byTopic.computeIfAbsent(topic, t -> new ConcurrentHashMap<>())
                .computeIfAbsent(partition, p -> new ConcurrentSkipListMap<>())
                .putIfAbsent(offset, value);
        if (previous != null && !previous.equals(value)) {
            conflicts.add(topic + "-" + partition + "@" + offset + " acknowledged for " + previous + " and " + value);
        }
    }

    /** The acknowledged records of one partition, offset to value (a snapshot). */
    Map<Long, String> of(String topic, int partition) {
        return new TreeMap<>(byTopic.getOrDefault(topic, Map.of()).getOrDefault(partition, Map.of()));
    }

    /** How many records of {@code topic} were acknowledged. */
    int count(String topic) {
        return byTopic.getOrDefault(topic, Map.of()).values().stream().mapToInt(Map::size).sum();
    }

    /** Offsets acknowledged for two different values, described. */
    List<String> conflicts() {
        return List.copyOf(conflicts);
    }

    /** Asserts that every record acknowledged for {@code topic} is read at its offset with its value through each of {@code via}. */
    void assertReadable(LocalCluster cluster, String topic, List<String> via) throws IOException {
        for (Integer partition : new TreeMap<>(byTopic.getOrDefault(topic, Map.of())).keySet()) {
            assertReadable(cluster, topic, partition, of(topic, partition), via);
        }
    }

    /**
     * Asserts that every record of {@code acked} (offset to compact JSON value) is read at its offset with its
     * value in {@code topic-partition} through each of {@code via}.
     */
    static void assertReadable(LocalCluster cluster, String topic, int partition, Map<Long, String> acked, List<String> via)
            throws IOException {
        for (String id : via) {
            Map<Long, String> read = new TreeMap<>();
            for (FetchedRecord r : cluster.node(id).fetchAll(topic, partition, 0, Duration.ofSeconds(60)).records()) {
                read.put(r.offset(), r.value());
            }
            acked.forEach((offset, value) -> {
                assertThat(read.get(offset)).as("%s-%d@%d via %s", topic, partition, offset, id).isNotNull();
                assertThat(RunnelProcess.compactJson(read.get(offset))).as("%s-%d@%d via %s", topic, partition, offset, id)
                        .isEqualTo(value);
            });
        }
    }
}
