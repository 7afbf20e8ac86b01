package io.runnel.bench;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One benchmark run, handed to every scenario: its options and id, the topics it created (deleted
 * at the end unless {@code --keep-topics}), the topics the produce lines filled (for fetch to read
 * back), the figures reported and the errors met.
 *
 * <p>Topic names are {@code <prefix>-<UTC time>-<random>-<suffix>}, so runs never share a topic.
 * Scenarios run one after another on the main thread, which alone touches the topic lists;
 * {@link #errors} is shared with worker threads and is thread-safe.
 */
final class Run {
    final Options options;
    final String id;
    final Errors errors = new Errors();
    final Report report = new Report();
    /** The admin client, for topics and groups. */
    final Http admin;
    /** The produce lines' topics and their value sizes, in the order they were filled. */
    final List<ProduceScenario.Topic> produced = new ArrayList<>();
    private final List<String> topics = new ArrayList<>();
    private final String topicExtras;
    private String scratch;

    Run(Options options) {
        this.options = options;
        this.id = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now())
                + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        this.topicExtras = (options.replicationFactor() > 0 ? ",\"replicationFactor\":" + options.replicationFactor() : "")
                + (options.minInsyncReplicas() > 0
                        ? ",\"configs\":{\"min.insync.replicas\":\"" + options.minInsyncReplicas() + "\"}" : "");
        this.admin = http();
    }

    /** A new admin client (its own connections). */
    Http http() {
        return new Http(options.url(), topicExtras);
    }

    /** A CPU sample now, for a line's "cpu cores:" figures. */
    Cpu cpu() {
        return new Cpu(options.serverPid());
    }

    /** This run's name for a topic: the prefix, the run id, then suffix (which starts with "-"). */
    String topic(String suffix) {
        return options.prefix() + "-" + id + suffix;
    }

    /** Creates a topic (with --replication-factor / --min-insync-replicas) and remembers it for deletion. */
    void createTopic(String name, int partitions) throws IOException, InterruptedException {
        admin.createTopic(name, partitions);
        topics.add(name);
    }

    /** The topic that takes every unmeasured load, created on first use with --partitions partitions. */
    String scratchTopic() throws IOException, InterruptedException {
        if (scratch == null) {
            String name = topic("-warmup");
            createTopic(name, options.partitions());
            scratch = name;
        }
        return scratch;
    }

    /** Deletes every topic this run created; failures are reported on stderr, not counted. */
    void deleteTopics() throws InterruptedException {
        for (String t : topics) {
            try {
                HttpResponse<byte[]> r = admin.delete("/topics/" + t);
                if (r.statusCode() != 204) {
                    System.err.println("# could not delete topic " + t + ": HTTP " + r.statusCode());
                }
            } catch (IOException e) {
                System.err.println("# could not delete topic " + t + ": " + e);
            }
        }
    }
}
