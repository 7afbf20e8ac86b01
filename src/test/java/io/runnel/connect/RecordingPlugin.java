package io.runnel.connect;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real sink plugin for tests, {@code connector.class=recording}: it records each start and stop, registers a
 * meter per task, and on start calls the API as its creator ({@code GET /topics/<first topic>}) and, when
 * {@code commit.offset} is set, commits that offset of partition 0 to its group. {@code secret} is a secret
 * key; a config with {@code bad} is refused. Not a Spring bean by itself: tests register it in their own
 * context only.
 */
final class RecordingPlugin implements ConnectorPlugin {
    /** One start or stop of a task. */
    record Event(String kind, String connector, int task) {
    }

    final List<Event> events = new CopyOnWriteArrayList<>();
    /** The context of each running task, by {@code connector#task}. */
    final Map<String, TaskContext> contexts = new ConcurrentHashMap<>();
    /** The status of each task's first API call, by {@code connector#task}. */
    final Map<String, Integer> apiStatus = new ConcurrentHashMap<>();

    @Override
    public String className() {
        return "recording";
    }

    @Override
    public ConnectorType type() {
        return ConnectorType.SINK;
    }

    @Override
    public Map<String, String> validate(Map<String, String> config) {
        return config.containsKey("bad") ? Map.of("bad", "a recording connector takes no 'bad'") : Map.of();
    }

    @Override
    public boolean isSecret(String key) {
        return key.equals("secret");
    }

    long starts(String connector, int task) {
        return events.stream().filter(e -> e.kind().equals("start") && e.connector().equals(connector) && e.task() == task).count();
    }

    long stops(String connector) {
        return events.stream().filter(e -> e.kind().equals("stop") && e.connector().equals(connector)).count();
    }

    @Override
    public Task start(TaskContext context) {
        String key = context.connector() + "#" + context.task();
        events.add(new Event("start", context.connector(), context.task()));
        contexts.put(key, context);
        context.meters().counter("recording.task.starts", "connector", context.connector(), "task", String.valueOf(context.task()))
                .increment();
        String topic = ConnectorConfigs.topicsOf(context.config()).get(0);
        CompletableFuture<HttpResponse<byte[]>> call = context.api().get("/topics/" + topic, Duration.ofSeconds(10));
        String offset = context.config().get("commit.offset");
        if (offset != null && context.task() == 0) {
            byte[] body = ("{\"offsets\":[{\"topic\":\"" + topic + "\",\"partition\":0,\"offset\":" + offset + "}]}")
                    .getBytes(StandardCharsets.UTF_8);
            call = call.thenCompose(r -> context.api().send("PUT", "/groups/" + context.group() + "/offsets", body, Duration.ofSeconds(10)));
        }
        call.thenAccept(r -> apiStatus.put(key, r.statusCode()));
        return new Task() {
            @Override
            public CompletableFuture<Void> stop() {
                events.add(new Event("stop", context.connector(), context.task()));
                contexts.remove(key, context);
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public List<PartitionProgress> progress() {
                return List.of(new PartitionProgress(topic, 0, 0, null, "last attempt failed: 503"));
            }
        };
    }
}
