package io.runnel.connect.mirror;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * MirrorMaker's checkpoints: the committed offsets of the source's consumer groups that match {@code groups},
 * translated to target offsets and committed on the target under the same group names, so a group can move to the
 * target and resume without a gap. A committed source offset S (the next record the group reads) becomes the
 * target offset of the first copied record whose source offset is ≥ S ({@link OffsetMap#translate}, or a search of
 * the target, {@link TargetSearch}); a partition not copied up to S yet waits for a later round. Only the partitions
 * this task copies are translated, and an offset is written only when it changed. The target refuses a commit
 * without a member id while the group has members there (the group already moved): that group is skipped and the
 * reason shown in {@link #lastError}.
 *
 * <p>Thread-safety: one round at a time (the task's timer runs {@link #run} and waits for it); {@link #lastError} is
 * read from any thread.
 */
final class Checkpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final MirrorContext ctx;
    /** The copies of this task, by source topic and partition. */
    private final BiFunction<String, Integer, PartitionMirror> mirrors;
    /** What was last written, by group → "targetTopic-partition". */
    private final Map<String, Map<String, Long>> written = new ConcurrentHashMap<>();
    private volatile String lastError;

    Checkpoints(MirrorContext ctx, BiFunction<String, Integer, PartitionMirror> mirrors) {
        this.ctx = ctx;
        this.mirrors = mirrors;
    }

    String lastError() {
        return lastError;
    }

    /** One round over every matching group; completes when it is done (never exceptionally). */
    CompletableFuture<Void> run() {
        lastError = null;
        return ctx.links().sourceGet("/groups", TIMEOUT).thenCompose(r -> {
            if (r.statusCode() != 200) {
                throw new IllegalStateException("listing the source's groups: " + ctx.links().describe(r));
            }
            List<CompletableFuture<Void>> rounds = new ArrayList<>();
            for (JsonNode g : ctx.links().tree(r).path("groups")) {
                String group = g.path("group").asString("");
                if (ctx.config().translates(group)) {
                    rounds.add(group(group));
                }
            }
            return CompletableFuture.allOf(rounds.toArray(CompletableFuture[]::new));
        }).handle((v, e) -> {
            if (e != null) {
                note("checkpoints: " + MirrorLinks.reason(e));
            }
            return null;
        });
    }

    private CompletableFuture<Void> group(String group) {
        return ctx.links().sourceGet("/groups/" + MirrorLinks.encode(group), TIMEOUT).thenCompose(r -> {
            if (r.statusCode() != 200) {
                throw new IllegalStateException("source group " + group + ": " + ctx.links().describe(r));
            }
            List<CompletableFuture<Map.Entry<PartitionMirror, Long>>> translated = new ArrayList<>();
            for (JsonNode o : ctx.links().tree(r).path("offsets")) {
                PartitionMirror m = mirrors.apply(o.path("topic").asString(""), o.path("partition").asInt());
                JsonNode committed = o.get("committedOffset");
                if (m != null && committed != null && committed.isNumber()) {
                    translated.add(translate(m, committed.asLong()).thenApply(t -> t == null ? null : Map.entry(m, t)));
                }
            }
            return CompletableFuture.allOf(translated.toArray(CompletableFuture[]::new))
                    .thenCompose(v -> commit(group, translated.stream().map(CompletableFuture::join).filter(java.util.Objects::nonNull).toList()));
        }).handle((v, e) -> {
            if (e != null) {
                note(MirrorLinks.reason(e));
            }
            return null;
        });
    }

    /** The target offset for source offset {@code s}; null when the copy has not reached it yet. */
    private CompletableFuture<Long> translate(PartitionMirror m, long s) {
        OptionalLong known = m.translate(s);
        if (known.isPresent()) {
            return CompletableFuture.completedFuture(known.getAsLong());
        }
        if (s >= m.progress().position()) {
            return CompletableFuture.completedFuture(null);
        }
        return TargetSearch.inTarget(ctx.links(), m.targetTopic(), m.partition(), s);
    }

    private CompletableFuture<Void> commit(String group, List<Map.Entry<PartitionMirror, Long>> offsets) {
        Map<String, Long> before = written.getOrDefault(group, Map.of());
        List<Map.Entry<PartitionMirror, Long>> changed = offsets.stream()
                .filter(e -> !e.getValue().equals(before.get(e.getKey().targetTopic() + "-" + e.getKey().partition()))).toList();
        if (changed.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        ObjectNode body = ctx.links().json().createObjectNode();
        ArrayNode list = body.putArray("offsets");
        changed.forEach(e -> list.addObject().put("topic", e.getKey().targetTopic()).put("partition", e.getKey().partition())
                .put("offset", e.getValue()));
        byte[] bytes = ctx.links().json().writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        return ctx.links().targetSend("PUT", "/groups/" + MirrorLinks.encode(group) + "/offsets", bytes, Map.of(), TIMEOUT).thenAccept(r -> {
            if (r.statusCode() == 200) {
                Map<String, Long> now = written.computeIfAbsent(group, g -> new ConcurrentHashMap<>());
                changed.forEach(e -> now.put(e.getKey().targetTopic() + "-" + e.getKey().partition(), e.getValue()));
                LOG.info("Mirror {}: group {} checkpointed on the target: {}", ctx.connector(), group, now);
            } else {
                throw new IllegalStateException("group " + group + " not checkpointed on the target: " + ctx.links().describe(r));
            }
        });
    }

    private void note(String error) {
        lastError = error;
        LOG.info("Mirror {}: {}", ctx.connector(), error);
    }
}
