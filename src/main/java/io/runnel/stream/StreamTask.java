package io.runnel.stream;

import io.runnel.connect.PartitionProgress;
import io.runnel.connect.Task;
import io.runnel.connect.TaskContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * One task of a stream: a {@link PartitionStream} for each partition of the input topic that the task
 * {@linkplain TaskContext#owns owns}, started as the partitions are found: at start and every
 * {@value #REFRESH_SECONDS} s (so partitions added to the input are picked up). While the input topic cannot be
 * described the task retries and says why in {@link #error}.
 *
 * <p>Thread-safety: the partition map is concurrent; the refresh runs on the scheduler, one at a time.
 */
final class StreamTask implements Task {
    static final int REFRESH_SECONDS = 30;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final TaskContext task;
    private final StreamContext ctx;
    private final Map<Integer, PartitionStream> partitions = new ConcurrentSkipListMap<>();
    private volatile boolean stopped;
    private volatile String error;
    private volatile ScheduledFuture<?> refresh;

    StreamTask(TaskContext task, StreamContext ctx) {
        this.task = task;
        this.ctx = ctx;
    }

    void start() {
        refresh = task.scheduler().scheduleWithFixedDelay(this::findPartitions, 0, REFRESH_SECONDS, TimeUnit.SECONDS);
    }

    /** Lists the input's partitions (asynchronously: the scheduler never waits) and starts the new ones owned here. */
    private void findPartitions() {
        if (stopped) {
            return;
        }
        String from = ctx.definition().from();
        ctx.api().get("/topics/" + from, TIMEOUT).whenComplete((r, e) -> {
            if (stopped) {
                return;
            }
            try {
                if (e != null || r.statusCode() != 200) {
                    String why = e != null ? e.toString() : r.statusCode() + " " + ctx.json().readTree(r.body()).path("detail").asString("");
                    error = "input topic '" + from + "': " + why + "; looking again in " + REFRESH_SECONDS + " s";
                    return;
                }
                error = null;
                for (JsonNode p : ctx.json().readTree(r.body()).path("partitions")) {
                    startIfNew(p.path("partition").asInt());
                }
            } catch (RuntimeException unreadable) {
                error = "input topic '" + from + "' could not be described: " + unreadable + "; looking again in " + REFRESH_SECONDS + " s";
            }
        });
    }

    private synchronized void startIfNew(int partition) {
        if (stopped || !task.owns(ctx.definition().from(), partition) || partitions.containsKey(partition)) {
            return;
        }
        PartitionStream stream = new PartitionStream(ctx, partition);
        partitions.put(partition, stream);
        stream.start();
    }

    @Override
    public synchronized CompletableFuture<Void> stop() {
        stopped = true;
        ScheduledFuture<?> r = refresh;
        if (r != null) {
            r.cancel(false);
        }
        List<CompletableFuture<Void>> stopping = new ArrayList<>();
        partitions.values().forEach(p -> stopping.add(p.stop()));
        return CompletableFuture.allOf(stopping.toArray(CompletableFuture[]::new));
    }

    @Override
    public List<PartitionProgress> progress() {
        return partitions.values().stream().map(PartitionStream::progress).toList();
    }

    @Override
    public String error() {
        return error;
    }
}
