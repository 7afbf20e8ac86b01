package io.runnel.connect;

import io.runnel.cluster.ConnectorMetadata;
import io.runnel.cluster.InternalClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the running tasks of a connector report (per-partition progress, a task's passing error), wherever in the
 * cluster they run: this instance's worker for its own tasks, and {@code GET /internal/connectors/{name}/tasks} on
 * each other instance a task is placed on, all asked at once and bounded by {@link #PEER_TIMEOUT}. An instance that
 * does not answer in time (down, partitioned, its task not started yet) is left out: status and offsets then show
 * what the metadata and the group say, without that task's live part. Thread-safe.
 */
final class TaskReports {
    static final Duration PEER_TIMEOUT = Duration.ofSeconds(2);
    private static final TypeReference<List<TaskReport>> REPORTS = new TypeReference<>() {
    };

    /** One running task's report. */
    record TaskReport(int task, String error, List<PartitionProgress> partitions) {
    }

    private final ConnectorWorker worker;
    private final InternalClient internal;
    private final String selfId;
    private final JsonMapper json;

    TaskReports(ConnectorWorker worker, InternalClient internal, String selfId, JsonMapper json) {
        this.worker = worker;
        this.internal = internal;
        this.selfId = selfId;
        this.json = json;
    }

    /** The reports of the connector's tasks running on this instance. */
    List<TaskReport> local(String connector, int tasks) {
        List<TaskReport> reports = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            int task = i;
            worker.progress(connector, i).ifPresent(progress ->
                    reports.add(new TaskReport(task, worker.error(connector, task).orElse(null), progress)));
        }
        return reports;
    }

    /** The reports of every running task of {@code c}, by task number. */
    Map<Integer, TaskReport> all(ConnectorMetadata c) {
        Map<Integer, TaskReport> byTask = new TreeMap<>();
        local(c.name(), c.tasks().size()).forEach(r -> byTask.put(r.task(), r));
        Set<String> others = new LinkedHashSet<>();
        c.tasks().forEach(t -> {
            if (t.instance() != null && !t.instance().equals(selfId)) {
                others.add(t.instance());
            }
        });
        List<CompletableFuture<List<TaskReport>>> asked = others.stream().map(instance -> ask(instance, c.name())).toList();
        for (CompletableFuture<List<TaskReport>> answer : asked) {
            answer.join().forEach(r -> byTask.putIfAbsent(r.task(), r));
        }
        return byTask;
    }

    private CompletableFuture<List<TaskReport>> ask(String instance, String connector) {
        try {
            return internal.send(instance, "GET", "/internal/connectors/" + connector + "/tasks", null, null, PEER_TIMEOUT)
                    .thenApply(this::reports)
                    .completeOnTimeout(List.of(), PEER_TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS)
                    .exceptionally(e -> List.of());
        } catch (RuntimeException unknownInstance) {
            return CompletableFuture.completedFuture(List.of());
        }
    }

    private List<TaskReport> reports(HttpResponse<byte[]> answer) {
        return answer.statusCode() == 200 ? json.readValue(answer.body(), REPORTS) : List.of();
    }
}
