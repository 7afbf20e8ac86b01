package io.runnel.topic;

import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.cluster.PartitionMetadata;
import io.runnel.log.AtomicFile;
import io.runnel.log.LogException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The catalog of a single node: the topic list lives in one JSON file ({@code <data-dir>/meta/topics.json}),
 * replaced atomically (temp file, fsync, rename) on every change. Every partition is placed on
 * this instance, which leads it at epoch 0.
 *
 * <p>Crash safety: creation has the follower open the logs before the list is saved, deletion saves
 * the list before the follower removes the logs; a crash in between leaves only directories no
 * topic names, which the next start removes. A failed save puts the previous set back (the
 * follower deletes the logs it had just opened). Mutations are serialized by this object's lock.
 */
final class LocalTopicCatalog implements TopicCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(LocalTopicCatalog.class);

    private final Path topicsFile;
    private final String selfId;
    private final TopicRules rules;
    private final JsonMapper json;
    private final Clock clock;
    private volatile Map<String, Topic> topics = Map.of();
    private volatile boolean started;
    private Consumer<Map<String, Topic>> follower = t -> { };

    /** The persisted form of the topic list. */
    record StoredTopics(List<StoredTopic> topics) {
    }

    record StoredTopic(String name, int partitions, int replicationFactor, Map<String, String> configs, long createdAtMs) {
    }

    LocalTopicCatalog(Path topicsFile, String selfId, TopicRules rules, JsonMapper json, Clock clock) {
        this.topicsFile = topicsFile;
        this.selfId = selfId;
        this.rules = rules;
        this.json = json;
        this.clock = clock;
    }

    @Override
    public synchronized void start(Consumer<Map<String, Topic>> follower) throws IOException {
        Files.createDirectories(topicsFile.getParent());
        Map<String, Topic> loaded = new HashMap<>();
        if (Files.exists(topicsFile)) {
            for (StoredTopic s : json.readValue(topicsFile.toFile(), StoredTopics.class).topics()) {
                loaded.put(s.name(), topic(s.name(), s.partitions(), s.replicationFactor(), new TopicConfigs(s.configs()),
                        Instant.ofEpochMilli(s.createdAtMs())));
            }
        }
        this.follower = follower;
        follower.accept(Map.copyOf(loaded));
        topics = Map.copyOf(loaded);
        started = true;
    }

    @Override
    public boolean loaded() {
        return started;
    }

    @Override
    public Map<String, Topic> topics() {
        return topics;
    }

    @Override
    public int liveInstances() {
        return 1;
    }

    @Override
    public synchronized Topic create(NewTopic request) {
        TopicRules.Valid valid = rules.check(request, 1);
        if (topics.containsKey(valid.name())) {
            throw new RunnelException(ErrorCode.TOPIC_ALREADY_EXISTS, "topic '" + valid.name() + "' already exists")
                    .with("topic", valid.name());
        }
        Topic topic = topic(valid.name(), valid.partitions(), valid.replicationFactor(), valid.configs(),
                clock.instant().truncatedTo(ChronoUnit.MILLIS));
        change(with(topic));
        LOG.info("Created topic {} with {} partitions", topic.name(), topic.partitions());
        return topic;
    }

    @Override
    public synchronized Topic update(String name, Integer partitions, Map<String, String> configChanges) {
        Topic old = require(name);
        TopicRules.checkGrowth(old, partitions);
        TopicConfigs configs = configChanges == null ? old.configs() : old.configs().with(configChanges);
        Topic updated = topic(name, partitions == null ? old.partitions() : partitions, old.replicationFactor(), configs,
                old.createdAt());
        change(with(updated));
        return updated;
    }

    @Override
    public synchronized void delete(String name) {
        require(name);
        Map<String, Topic> next = new HashMap<>(topics);
        next.remove(name);
        save(next);
        topics = Map.copyOf(next);
        follower.accept(topics);
        LOG.info("Deleted topic {}", name);
    }

    private Map<String, Topic> with(Topic topic) {
        Map<String, Topic> next = new HashMap<>(topics);
        next.put(topic.name(), topic);
        return Map.copyOf(next);
    }

    /** Opens the logs of {@code next} (through the follower), then saves it; puts the old set back if either fails. */
    private void change(Map<String, Topic> next) {
        Map<String, Topic> previous = topics;
        try {
            follower.accept(next);
            save(next);
        } catch (RuntimeException e) {
            try {
                follower.accept(previous);
            } catch (RuntimeException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        }
        topics = next;
    }

    private Topic topic(String name, int partitions, int replicationFactor, TopicConfigs configs, Instant createdAt) {
        List<String> self = List.of(selfId);
        List<PartitionMetadata> placement = IntStream.range(0, partitions)
                .mapToObj(p -> new PartitionMetadata(p, self, selfId, 0, self)).toList();
        return new Topic(name, partitions, replicationFactor, configs, createdAt, placement);
    }

    private void save(Map<String, Topic> next) {
        List<StoredTopic> stored = next.values().stream().sorted(Comparator.comparing(Topic::name))
                .map(t -> new StoredTopic(t.name(), t.partitions(), t.replicationFactor(), t.configs().overrides(),
                        t.createdAt().toEpochMilli()))
                .toList();
        byte[] content = json.writeValueAsBytes(new StoredTopics(stored));
        try {
            AtomicFile.write(topicsFile, content);
        } catch (IOException e) {
            throw LogException.ofWriteFailure("save of topic metadata", e, topicsFile.getParent(), content.length);
        }
    }
}
