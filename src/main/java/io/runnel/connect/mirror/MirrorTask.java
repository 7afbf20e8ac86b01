package io.runnel.connect.mirror;

import io.runnel.connect.PartitionProgress;
import io.runnel.connect.Task;
import io.runnel.connect.TaskContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One task of a {@code mirror-source} connector. At start it learns both clusters' ids ({@code GET /cluster}, retried
 * until both answer); then every {@code refresh.topics.interval.seconds} it lists the source's topics, makes sure the
 * copy of each matching one exists on the target with the source's partition count and configs (created, or grown),
 * and starts a {@link PartitionMirror} for each source partition it owns that has none yet; every
 * {@code emit.checkpoints.interval.seconds} it runs {@link Checkpoints}.
 *
 * <p>Ownership: task {@code i} of {@code n} owns the partitions ({@code topic}, {@code p}) with
 * {@code floorMod(31 * topic.hashCode() + p, n) == i}. Unlike an index in a sorted list, this does not change when
 * topics are added, so no partition ever moves between the tasks of one generation (two writers to one target
 * partition would make the tail ambiguous).
 *
 * <p>The target's {@code min.insync.replicas} is not copied (it depends on the target's own replication); the
 * replication factor is the target's default. Thread-safety: refreshes and checkpoint rounds run one at a time on
 * the runtime's scheduler; {@link #progress} reads from any thread. Nothing is kept on disk: every copy resumes from
 * its target partition's tail.
 */
final class MirrorTask implements Task {
    private static final Logger LOG = LoggerFactory.getLogger(MirrorTask.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Configs of the source that say nothing about the data and may not fit the target. */
    private static final List<String> NOT_COPIED = List.of("min.insync.replicas");

    private final TaskContext task;
    private final MirrorConfig config;
    private final MirrorLinks links;
    private final Map<String, PartitionMirror> mirrors = new ConcurrentHashMap<>();
    private final Backoff backoff = new Backoff();
    private volatile MirrorContext ctx;
    private volatile Checkpoints checkpoints;
    private volatile boolean stopped;
    private volatile String error;
    private volatile ScheduledFuture<?> timer;

    MirrorTask(TaskContext task, MirrorConfig config, MirrorLinks links) {
        this.task = task;
        this.config = config;
        this.links = links;
    }

    void start() {
        identify();
    }

    static boolean owns(String topic, int partition, int task, int tasks) {
        return TaskContext.owns(topic, partition, task, tasks);
    }

    @Override
    public CompletableFuture<Void> stop() {
        stopped = true;
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
        }
        return CompletableFuture.allOf(mirrors.values().stream().map(PartitionMirror::stop).toArray(CompletableFuture[]::new));
    }

    @Override
    public List<PartitionProgress> progress() {
        List<PartitionProgress> all = new ArrayList<>();
        mirrors.values().forEach(m -> all.add(m.progress()));
        all.sort(Comparator.comparing(PartitionProgress::topic).thenComparing(PartitionProgress::partition));
        return all;
    }

    /** The error of the task as a whole (a cluster unreachable, a topic not made, a checkpoint not written), if any. */
    @Override
    public String error() {
        Checkpoints c = checkpoints;
        return error != null ? error : c == null ? null : c.lastError();
    }

    private void identify() {
        if (stopped) {
            return;
        }
        CompletableFuture<String> source = links.sourceGet("/cluster", TIMEOUT).thenApply(r -> clusterId(r, "source"));
        CompletableFuture<String> target = links.targetGet("/cluster", TIMEOUT).thenApply(r -> clusterId(r, "target"));
        source.thenCombine(target, (s, t) -> new String[] {s, t}).whenComplete((ids, e) -> {
            if (e != null) {
                retryLater(this::identify, MirrorLinks.reason(e));
                return;
            }
            backoff.reset();
            ctx = new MirrorContext(task.connector(), config, links, ids[0], ids[1], task.meters(), task.scheduler(), java.time.Clock.systemUTC(),
                    io.runnel.connect.Transforms.of(task.config()));
            checkpoints = new Checkpoints(ctx, (topic, p) -> mirrors.get(topic + "/" + p));
            LOG.info("Mirror {} task {}: source cluster {}, target cluster {}", task.connector(), task.task(), ids[0], ids[1]);
            if (ids[0].equals(ids[1])) {
                LOG.warn("Mirror {}: the source and the target are the same cluster {}: every record would loop, none is copied",
                        task.connector(), ids[0]);
            }
            tick(0);
        });
    }

    private String clusterId(java.net.http.HttpResponse<byte[]> r, String which) {
        if (r.statusCode() != 200) {
            throw new IllegalStateException(which + " cluster: " + links.describe(r));
        }
        String id = links.tree(r).path("clusterId").asString("");
        if (id.isEmpty()) {
            throw new IllegalStateException(which + " cluster: no clusterId in GET /cluster");
        }
        return id;
    }

    /**
     * The periodic work: a refresh when due, a checkpoint round when due, then the next tick in a second at most.
     * {@code n} counts seconds since start.
     */
    private void tick(long n) {
        if (stopped) {
            return;
        }
        long refreshEvery = config.refreshInterval().toSeconds();
        long checkpointEvery = config.checkpointInterval().toSeconds();
        CompletableFuture<Void> work = n % refreshEvery == 0 ? refresh() : CompletableFuture.completedFuture(null);
        if (config.groups().isPresent() && n > 0 && n % checkpointEvery == 0) {
            work = work.thenCompose(v -> checkpoints.run());
        }
        work.whenComplete((v, e) -> {
            if (!stopped) {
                timer = task.scheduler().schedule(() -> tick(n + 1), 1, TimeUnit.SECONDS);
            }
        });
    }

    private void retryLater(Runnable step, String why) {
        if (stopped) {
            return;
        }
        Duration delay = backoff.next();
        error = why + ", retrying in " + Math.max(1, (delay.toMillis() + 500) / 1000) + " s";
        LOG.info("Mirror {} task {}: {}", task.connector(), task.task(), error);
        timer = task.scheduler().schedule(step, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Lists the source's topics, makes each matching one's copy, starts the copies of new partitions owned here. */
    CompletableFuture<Void> refresh() {
        return links.sourceGet("/topics", TIMEOUT).thenCompose(r -> {
            if (r.statusCode() != 200) {
                throw new IllegalStateException("listing the source's topics: " + links.describe(r));
            }
            List<CompletableFuture<Void>> topics = new ArrayList<>();
            for (JsonNode t : links.tree(r).path("topics")) {
                String name = t.path("name").asString("");
                if (config.copies(name) && ownsAny(name, t.path("partitions").asInt())) {
                    topics.add(mirrorTopic(name));
                }
            }
            return CompletableFuture.allOf(topics.toArray(CompletableFuture[]::new));
        }).handle((v, e) -> {
            error = e == null ? null : MirrorLinks.reason(e);
            if (e != null) {
                LOG.info("Mirror {} task {}: {}", task.connector(), task.task(), error);
            }
            return null;
        });
    }

    private boolean ownsAny(String topic, int partitions) {
        for (int p = 0; p < partitions; p++) {
            if (owns(topic, p, task.task(), task.tasks())) {
                return true;
            }
        }
        return false;
    }

    private CompletableFuture<Void> mirrorTopic(String topic) {
        return links.sourceGet("/topics/" + topic, TIMEOUT).thenCompose(r -> {
            if (r.statusCode() != 200) {
                throw new IllegalStateException("source topic " + topic + ": " + links.describe(r));
            }
            JsonNode description = links.tree(r);
            int partitions = description.path("partitions").size();
            Map<String, String> configs = new java.util.TreeMap<>();
            description.path("configs").properties().forEach(e -> {
                if (!NOT_COPIED.contains(e.getKey()) && e.getValue().isString()) {
                    configs.put(e.getKey(), e.getValue().asString());
                }
            });
            return ensureTarget(config.targetTopic(topic), partitions, configs).thenRun(() -> startCopies(topic, partitions));
        });
    }

    private CompletableFuture<Void> ensureTarget(String target, int partitions, Map<String, String> configs) {
        ObjectNode body = links.json().createObjectNode().put("name", target).put("partitions", partitions);
        ObjectNode c = body.putObject("configs");
        configs.forEach(c::put);
        byte[] bytes = links.json().writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        return links.targetSend("POST", "/topics", bytes, Map.of(), TIMEOUT).thenCompose(r -> {
            if (r.statusCode() == 201) {
                LOG.info("Mirror {}: created target topic {} with {} partitions", task.connector(), target, partitions);
                return CompletableFuture.completedFuture(null);
            }
            if (r.statusCode() != 409) {
                throw new IllegalStateException("creating target topic " + target + ": " + links.describe(r));
            }
            return links.targetGet("/topics/" + target, TIMEOUT).thenCompose(d -> {
                int has = d.statusCode() == 200 ? links.tree(d).path("partitions").size() : partitions;
                if (has >= partitions) {
                    return CompletableFuture.completedFuture(null);
                }
                byte[] grow = ("{\"partitions\":" + partitions + "}").getBytes(StandardCharsets.UTF_8);
                return links.targetSend("PATCH", "/topics/" + target, grow, Map.of(), TIMEOUT).thenAccept(g -> {
                    if (g.statusCode() != 200) {
                        throw new IllegalStateException("growing target topic " + target + " to " + partitions + " partitions: "
                                + links.describe(g));
                    }
                    LOG.info("Mirror {}: grew target topic {} to {} partitions", task.connector(), target, partitions);
                });
            });
        });
    }

    private void startCopies(String topic, int partitions) {
        for (int p = 0; p < partitions; p++) {
            if (stopped || !owns(topic, p, task.task(), task.tasks())) {
                continue;
            }
            int partition = p;
            mirrors.computeIfAbsent(topic + "/" + p, k -> {
                PartitionMirror m = new PartitionMirror(ctx, topic, partition);
                if (!stopped) {
                    m.start();
                }
                return m;
            });
        }
    }
}
