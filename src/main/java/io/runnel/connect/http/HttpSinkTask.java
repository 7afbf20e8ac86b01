package io.runnel.connect.http;

import io.runnel.connect.PartitionProgress;
import io.runnel.connect.Task;
import io.runnel.connect.TaskContext;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * One task of an http-sink connector: finds its partitions and runs a {@link PartitionSink} for each.
 *
 * <p>Its partitions are those of the connector's topics it {@linkplain TaskContext#owns owns} (a hash of
 * topic and partition, so a new partition never moves another). It lists them every
 * {@code topics.refresh.ms} to follow new partitions; one that is no longer its own (the connector's
 * task count changed) is stopped here, uncommitted work included, and resent by its owner from the
 * committed position. A new partition starts at the group's committed offset, or at
 * the partition's log start offset when the group has none.
 *
 * <p>Thread-safety: {@link #stop} and the start of partitions hold the monitor; {@link #progress} reads
 * a concurrent map.
 */
final class HttpSinkTask implements Task {
    private static final Logger log = LoggerFactory.getLogger(HttpSinkTask.class);
    private static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration RETRY_LISTING = Duration.ofSeconds(2);

    private final SinkSetup setup;
    private final Map<Partition, PartitionSink> sinks = new java.util.concurrent.ConcurrentHashMap<>();
    private boolean stopped;
    private Future<?> nextRefresh;

    /** A partition of one of the connector's topics. */
    private record Partition(String topic, int partition) {
        static final Comparator<Partition> ORDER = Comparator.comparing(Partition::topic).thenComparingInt(Partition::partition);
    }

    HttpSinkTask(SinkSetup setup) {
        this.setup = setup;
    }

    void start() {
        log.info("Connector {}: task {} of {} delivers {} to the configured http.url", setup.context().connector(),
                setup.context().task(), setup.context().tasks(), setup.config().topics());
        refresh();
    }

    @Override
    public CompletableFuture<Void> stop() {
        synchronized (this) {
            stopped = true;
            if (nextRefresh != null) {
                nextRefresh.cancel(false);
            }
        }
        CompletableFuture<?>[] stops = sinks.values().stream().map(PartitionSink::stop).toArray(CompletableFuture[]::new);
        sinks.clear();
        return CompletableFuture.allOf(stops);
    }

    @Override
    public List<PartitionProgress> progress() {
        return sinks.values().stream().map(PartitionSink::progress)
                .sorted(Comparator.comparing(PartitionProgress::topic).thenComparingInt(PartitionProgress::partition)).toList();
    }

    private void refresh() {
        TaskContext context = setup.context();
        List<CompletableFuture<Map<Partition, Long>>> listings = setup.config().topics().stream().map(this::listPartitions).toList();
        CompletableFuture.allOf(listings.toArray(CompletableFuture[]::new)).thenCompose(done -> {
            Map<Partition, Long> logStarts = new HashMap<>();
            listings.forEach(l -> logStarts.putAll(l.join()));
            List<Partition> assigned = logStarts.keySet().stream().filter(p -> context.owns(p.topic(), p.partition()))
                    .sorted(Partition.ORDER).toList();
            boolean anyNew = assigned.stream().anyMatch(p -> !sinks.containsKey(p));
            return (anyNew ? committedOffsets() : CompletableFuture.completedFuture(Map.<Partition, Long>of()))
                    .thenAccept(committed -> assign(assigned, logStarts, committed));
        }).whenComplete((done, error) -> {
            if (error != null && (error instanceof HttpSinkException || error.getCause() instanceof HttpSinkException)) {
                HttpSinkException refused = error instanceof HttpSinkException e ? e : (HttpSinkException) error.getCause();
                log.error(refused.getMessage());
                context.reporter().failed(refused);
                return;
            }
            if (error != null) {
                log.warn("Connector {}: task {} could not list its partitions, trying again in {} s: {}", context.connector(),
                        context.task(), RETRY_LISTING.toSeconds(), PartitionSink.describe(null, error));
            }
            scheduleRefresh(error == null ? setup.config().topicsRefresh() : RETRY_LISTING);
        });
    }

    private synchronized void scheduleRefresh(Duration delay) {
        if (!stopped) {
            nextRefresh = setup.context().scheduler().schedule(this::refresh, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void assign(List<Partition> assigned, Map<Partition, Long> logStarts, Map<Partition, Long> committed) {
        if (stopped) {
            return;
        }
        for (Partition p : List.copyOf(sinks.keySet())) {
            if (!assigned.contains(p)) {
                log.info("Connector {}: task {} no longer delivers {}/{}", setup.context().connector(), setup.context().task(),
                        p.topic(), p.partition());
                sinks.remove(p).stop();
            }
        }
        for (Partition p : assigned) {
            if (!sinks.containsKey(p)) {
                long start = committed.getOrDefault(p, logStarts.get(p));
                PartitionSink sink = new PartitionSink(setup, p.topic(), p.partition(), start);
                sinks.put(p, sink);
                log.info("Connector {}: task {} delivers {}/{} from offset {}", setup.context().connector(), setup.context().task(),
                        p.topic(), p.partition(), start);
                sink.start();
            }
        }
    }

    /** The topic's partitions with their log start offsets; none when the topic does not exist (yet). */
    private CompletableFuture<Map<Partition, Long>> listPartitions(String topic) {
        return setup.context().api().get("/topics/" + topic, CLUSTER_TIMEOUT).thenApply(answer -> {
            if (answer.statusCode() == 404) {
                log.warn("Connector {}: topic {} does not exist; looking again in {} ms", setup.context().connector(), topic,
                        setup.config().topicsRefresh().toMillis());
                return Map.of();
            }
            JsonNode description = ok(answer, "GET /topics/" + topic);
            Map<Partition, Long> partitions = new LinkedHashMap<>();
            for (JsonNode p : description.path("partitions")) {
                partitions.put(new Partition(topic, p.path("partition").asInt()), p.path("logStartOffset").asLong(0));
            }
            return partitions;
        });
    }

    /** The group's committed offsets; none when the group does not exist yet. */
    private CompletableFuture<Map<Partition, Long>> committedOffsets() {
        String group = setup.context().group();
        return setup.context().api().get("/groups/" + group, CLUSTER_TIMEOUT).thenApply(answer -> {
            Map<Partition, Long> committed = new HashMap<>();
            if (answer.statusCode() == 404) {
                return committed;
            }
            for (JsonNode o : ok(answer, "GET /groups/" + group).path("offsets")) {
                if (o.path("committedOffset").isNumber()) {
                    committed.put(new Partition(o.path("topic").asString(), o.path("partition").asInt()), o.path("committedOffset").asLong());
                }
            }
            return committed;
        });
    }

    /** The answer's JSON; a refusal (401, 403) fails the task, another status is thrown to be tried again later. */
    private JsonNode ok(HttpResponse<byte[]> answer, String call) {
        if (answer.statusCode() == 401 || answer.statusCode() == 403) {
            throw new HttpSinkException("Connector " + setup.context().connector() + " may not " + call + ": "
                    + PartitionSink.describe(answer, null) + ". Its creator needs the rights to read its topics and group;"
                    + " restart the connector once granted");
        }
        if (answer.statusCode() != 200) {
            throw new IllegalStateException(call + ": " + PartitionSink.describe(answer, null));
        }
        return FetchAnswer.JSON.readTree(answer.body());
    }
}
