package io.runnel.produce;

import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.config.RunnelExecutors;
import io.runnel.api.Timestamps;
import io.runnel.cluster.InternalClient;
import io.runnel.cluster.PartitionMetadata;
import io.runnel.config.RunnelProperties;
import io.runnel.log.AppendResult;
import io.runnel.log.BatchBuilder;
import io.runnel.log.LogException;
import io.runnel.log.PartitionLog;
import io.runnel.log.RecordBatch;
import io.runnel.replication.ReplicaManager;
import io.runnel.partition.PartitionRouter;
import io.runnel.partition.Route;
import io.runnel.topic.Names;
import io.runnel.topic.NewTopic;
import io.runnel.topic.Partitioner;
import io.runnel.topic.Topic;
import io.runnel.topic.TopicCatalog;
import io.runnel.topic.TrafficMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns a parsed produce request into appends: chooses each record's partition (explicit, Kafka's
 * murmur2 of the key, or round-robin for null keys), frames one batch per partition in request
 * order, appends each, and reports one result per record in request order.
 *
 * <p>All records are validated before any is appended. The records of one partition are appended
 * together or not at all; if one partition fails after validation, the others keep their offsets
 * and the failed ones carry an error, and the answer's status is the failure's.
 *
 * <p>Idempotent requests (an {@link IdempotentProducer}): each partition batch carries the
 * producer, and null-key records are spread from a position derived from it, so a replay on any
 * instance builds the same batches for the same partitions. A partition whose leader finds the
 * batch already appended ({@link AppendResult#duplicate}) answers with the original offsets and
 * the stored records' timestamps, once the stored records are checked to be the same
 * ({@code 422 IDEMPOTENCY_KEY_REUSED} otherwise); a partition that failed the first time is
 * appended now.
 */
@Service
public class ProduceService {
    private final TopicCatalog catalog;
    private final PartitionRouter router;
    private final RunnelProperties props;
    private final TrafficMetrics metrics;
    private final Clock clock;
    private final ProduceRequestParser parser;
    private final Map<String, AtomicInteger> roundRobin = new ConcurrentHashMap<>();
    private final InternalClient internal;
    private final JsonMapper json;
    private final ReplicaManager replicas;
    private final ExecutorService fsyncs;

    public ProduceService(TopicCatalog catalog, PartitionRouter router, RunnelProperties props, TrafficMetrics metrics, Clock clock,
                          InternalClient internal, JsonMapper json, ReplicaManager replicas, RunnelExecutors executors) {
        this.fsyncs = executors.fsync();
        this.catalog = catalog;
        this.router = router;
        this.replicas = replicas;
        this.internal = internal;
        this.json = json;
        this.props = props;
        this.metrics = metrics;
        this.clock = clock;
        this.parser = new ProduceRequestParser(props.produce().maxNestingDepth());
    }

    /** One record's outcome: an offset, or an error. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record RecordResult(int partition, Long offset,
                               @io.swagger.v3.oas.annotations.media.Schema(format = "date-time") String timestamp, RecordError error) {
    }

    public record RecordError(String code, String message) {
    }

    /**
     * The whole answer: the per-record results and, if a partition failed after validation, that
     * failure; {@code replayed} when some results are those of an earlier request with the same
     * {@code Idempotency-Key}.
     */
    public record ProduceOutcome(List<RecordResult> results, RunnelException failure, boolean replayed) {
        public int status() {
            return failure == null ? 200 : failure.code().status();
        }
    }

    /**
     * Produces {@code body} to {@code topicName}, into {@code fixedPartition} if not null. With
     * {@code acksAll}, a partition whose in-sync replicas are fewer than the topic's
     * {@code min.insync.replicas} refuses its records with {@code 503 NOT_ENOUGH_REPLICAS}, writing nothing.
     */
    public ProduceOutcome produce(String topicName, Integer fixedPartition, byte[] body, boolean acksAll) {
        return produce(topicName, fixedPartition, body, acksAll, null);
    }

    /** A compacted topic keeps the latest record of each key, so it refuses a record without one. */
    private static void requireKeysIfCompacted(Topic topic, List<ProducedRecord> records) {
        if (!topic.configs().compacted()) {
            return;
        }
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).key() == null) {
                throw new RunnelException(ErrorCode.INVALID_RECORD, "record " + i + " has no key; topic '" + topic.name()
                        + "' is compacted (cleanup.policy=" + topic.configs().effective(0).get("cleanup.policy")
                        + ") and keeps the latest record of each key").with("record", i);
            }
        }
    }

    /**
     * As {@link #produce(String, Integer, byte[], boolean)}, as {@code producer} when it is not null
     * (a request with an {@code Idempotency-Key}): a replay writes nothing again. When a partition
     * already holds this producer's batch with other records, the outcome's failure is
     * {@code 422 IDEMPOTENCY_KEY_REUSED} and that partition's records carry it.
     */
    ProduceOutcome produce(String topicName, Integer fixedPartition, byte[] body, boolean acksAll, IdempotentProducer producer) {
        long started = System.nanoTime();
        Topic topic = resolveTopic(topicName);
        long defaultMax = props.produce().maxRecordSize().toBytes();
        List<ProducedRecord> records = parser.parse(body, topic.configs().maxMessageBytes(defaultMax));
        requireKeysIfCompacted(topic, records);
        int[] partitionOf = assignPartitions(topic, fixedPartition, records, producer);
        Route[] routes = new Route[topic.partitions()];

        long now = clock.millis();
        boolean appendTime = topic.configs().logAppendTime();
        BatchBuilder[] builders = new BatchBuilder[routes.length];
        long[] timestamps = new long[records.size()];
        int[] indexInBatch = new int[records.size()];
        long bytes = 0;
        for (int i = 0; i < records.size(); i++) {
            ProducedRecord r = records.get(i);
            int p = partitionOf[i];
            if (builders[p] == null) {
                routes[p] = router.route(topic.name(), p);
                builders[p] = new BatchBuilder(routes[p].metadata().leaderEpoch(), appendTime ? now : null,
                        body.length / Math.max(1, routes.length) + 256);
                if (producer != null) {
                    builders[p].producer(producer.producerId(), producer.producerEpoch(), producer.sequence());
                }
            }
            timestamps[i] = appendTime || r.timestamp() < 0 ? now : r.timestamp();
            indexInBatch[i] = builders[p].count();
            builders[p].add(timestamps[i], r.key(), r.value(), r.headers());
            bytes += r.sizeInBytes();
        }

        Appends appends = appendAll(topic, routes, builders, acksAll);
        AppendResult[] appended = appends.results();
        RunnelException[] failed = appends.failures();
        RunnelException failure = appends.first();
        for (RunnelException f : failed) {
            if (f != null && f.code() == ErrorCode.IDEMPOTENCY_KEY_REUSED) {
                failure = f; // the answer's status: the client reused a key, whatever else failed
                break;
            }
        }

        List<RecordResult> results = new ArrayList<>(records.size());
        int written = 0;
        boolean replayed = false;
        for (int i = 0; i < records.size(); i++) {
            int p = partitionOf[i];
            if (appended[p] != null) {
                long[] stored = appends.storedTimestamps()[p];
                String ts = Timestamps.format(stored != null ? stored[indexInBatch[i]] : timestamps[i]);
                results.add(new RecordResult(p, appended[p].baseOffset() + indexInBatch[i], ts, null));
                replayed |= stored != null;
                written += stored != null ? 0 : 1;
            } else {
                results.add(new RecordResult(p, null, null, new RecordError(failed[p].code().name(), failed[p].getMessage())));
            }
        }
        TrafficMetrics.TopicMeters m = metrics.of(topic.name());
        if (written > 0) {
            m.recordsIn().increment(written);
            m.bytesIn().increment(written == records.size() ? bytes : bytes * written / records.size());
        }
        m.produceLatency().record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
        return new ProduceOutcome(results, failure, replayed);
    }

    /**
     * Per partition: where its batch landed, or why it did not; for a batch its leader had already
     * appended, the stored records' timestamps; and the first failure.
     */
    private record Appends(AppendResult[] results, RunnelException[] failures, long[][] storedTimestamps,
                           RunnelException[] firstHolder) {
        Appends(int partitions) {
            this(new AppendResult[partitions], new RunnelException[partitions], new long[partitions][], new RunnelException[1]);
        }

        void fail(int partition, RuntimeException e) {
            RunnelException api = e instanceof RunnelException a ? a : RunnelException.of(e);
            results[partition] = null;
            failures[partition] = api;
            if (firstHolder[0] == null) {
                firstHolder[0] = api;
            }
        }

        RunnelException first() {
            return firstHolder[0];
        }
    }

    /**
     * Writes each partition's batch, then waits for all their fsyncs at once (one on this thread,
     * the others on the fsync pool), so a request spanning partitions pays about one fsync, not one
     * per partition. In a cluster, the batch of a partition another instance leads is sent, framed
     * as it is, to that leader's internal append; those calls run while the local fsyncs do.
     */
    private Appends appendAll(Topic topic, Route[] routes, BatchBuilder[] builders, boolean acksAll) {
        Appends appends = new Appends(builders.length);
        RecordBatch[] batches = new RecordBatch[builders.length];
        List<Integer> written = new ArrayList<>();
        Map<Integer, CompletableFuture<PartitionAppend>> remote = new LinkedHashMap<>();
        for (int p = 0; p < builders.length; p++) {
            if (builders[p] == null) {
                continue;
            }
            try {
                if (routes[p] instanceof Route.Local local) {
                    RecordBatch batch = builders[p].build();
                    checkLeaderAppend(topic, local.metadata(), batch, acksAll);
                    appends.results()[p] = local.partition().log().appendWithoutWaiting(batch);
                    batches[p] = batch;
                    written.add(p);
                } else if (routes[p] instanceof Route.Remote r) {
                    remote.put(p, appendAtLeader(topic.name(), p, r.leader(), builders[p].build(), acksAll));
                } else {
                    throw new RunnelException(ErrorCode.LEADER_NOT_AVAILABLE, ((Route.Unavailable) routes[p]).problem().getMessage()
                            + "; nothing was written").with("topic", topic.name()).with("partition", p)
                            .with("leader", routes[p].metadata().leader());
                }
            } catch (RunnelException | LogException e) {
                appends.fail(p, e);
            }
        }
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        for (int i = 0; i < written.size(); i++) {
            int p = written.get(i);
            PartitionLog log = ((Route.Local) routes[p]).partition().log();
            long next = appends.results()[p].lastOffset() + 1;
            Runnable await = () -> log.awaitDurable(next);
            waits.add(i == written.size() - 1 ? CompletableFuture.completedFuture(null).thenRun(await)
                    : CompletableFuture.runAsync(await, fsyncs));
        }
        for (int i = 0; i < written.size(); i++) {
            int p = written.get(i);
            try {
                waits.get(i).join();
                if (appends.results()[p].duplicate()) {
                    appends.storedTimestamps()[p] = replayOf(topic.name(), ((Route.Local) routes[p]).partition().log(), batches[p],
                            appends.results()[p]);
                }
            } catch (CompletionException e) {
                appends.fail(p, e.getCause() instanceof RuntimeException r ? r : e);
            } catch (RunnelException | LogException e) {
                appends.fail(p, e);
            }
        }
        if (acksAll) {
            Map<Integer, CompletableFuture<Void>> replicated = new LinkedHashMap<>();
            for (int p : written) {
                if (appends.results()[p] != null) {
                    replicated.put(p, replicas.awaitReplicated(topic.name(), p, appends.results()[p].lastOffset() + 1,
                            topic.configs().minInsyncReplicas()));
                }
            }
            replicated.forEach((p, wait) -> {
                try {
                    wait.join();
                } catch (CompletionException e) {
                    appends.fail(p, e.getCause() instanceof RuntimeException r ? r : e);
                }
            });
        }
        remote.forEach((p, call) -> {
            try {
                PartitionAppend answer = call.join();
                appends.results()[p] = answer.result();
                appends.storedTimestamps()[p] = answer.storedTimestamps();
            } catch (CompletionException e) {
                appends.fail(p, e.getCause() instanceof RuntimeException r ? r : e);
            }
        });
        return appends;
    }

    /**
     * Where a partition's batch is: its offsets and, when the leader had already appended it (a
     * replay of an {@code Idempotency-Key}), the stored records' timestamps; null otherwise.
     */
    record PartitionAppend(AppendResult result, long[] storedTimestamps) {
    }

    /**
     * Appends a batch framed by another instance to a partition this instance leads, durably, and
     * with {@code acksAll} waits for the in-sync replicas: the leader's half of
     * {@link #appendAtLeader}. The batch must carry this leader's current epoch: a sender with
     * stale metadata is refused with {@code 503 LEADER_NOT_AVAILABLE} and nothing is written.
     * A batch this partition already holds (same producer and sequence) is not appended again:
     * the answer is the original's, with its timestamps, or {@code 422 IDEMPOTENCY_KEY_REUSED}
     * when its records differ.
     */
    PartitionAppend appendAsLeader(String topicName, int partition, RecordBatch batch, boolean acksAll) {
        Topic topic = catalog.require(topicName);
        Route.Local local = router.localRoute(topicName, partition);
        checkLeaderAppend(topic, local.metadata(), batch, acksAll);
        PartitionLog log = local.partition().log();
        AppendResult result = log.appendAsLeader(batch);
        long[] stored = result.duplicate() ? replayOf(topicName, log, batch, result) : null;
        if (acksAll) {
            try {
                replicas.awaitReplicated(topicName, partition, result.lastOffset() + 1, topic.configs().minInsyncReplicas()).join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        return new PartitionAppend(result, stored);
    }

    /**
     * The timestamps of the stored batch that {@code retry} repeats (at {@code original}'s offsets,
     * durable by now), once its records and acks are checked to be the retry's.
     *
     * @throws RunnelException {@code 422 IDEMPOTENCY_KEY_REUSED} when they differ (nothing was written)
     */
    private static long[] replayOf(String topic, PartitionLog log, RecordBatch retry, AppendResult original) {
        RecordBatch stored = log.readForReplication(original.baseOffset(), 1).batches().get(0);
        if (stored.baseOffset() != original.baseOffset() || stored.producerId() != retry.producerId()
                || stored.producerEpoch() != retry.producerEpoch() || !stored.hasSameRecordsAs(retry)) {
            throw new RunnelException(ErrorCode.IDEMPOTENCY_KEY_REUSED, "this Idempotency-Key was used for a different request "
                    + "within the idempotency window; these records were not written").with("topic", topic);
        }
        return stored.recordTimestamps();
    }

    /** Refuses, before anything is written, a batch stamped with another epoch or an acks=all append the ISR cannot take. */
    private void checkLeaderAppend(Topic topic, PartitionMetadata m, RecordBatch batch, boolean acksAll) {
        int partition = m.partition();
        if (batch.leaderEpoch() != m.leaderEpoch()) {
            throw new RunnelException(ErrorCode.LEADER_NOT_AVAILABLE, topic.name() + "-" + partition + " is at leader epoch "
                    + m.leaderEpoch() + " here; the request was framed for epoch " + batch.leaderEpoch() + "; nothing was written")
                    .with("topic", topic.name()).with("partition", partition);
        }
        checkInSyncReplicas(topic, m.isr().size(), acksAll);
    }

    /** Sends a framed batch to the partition's leader; fails with the leader's problem, or 503 if it is offline. */
    private CompletableFuture<PartitionAppend> appendAtLeader(String topic, int partition, String leader, RecordBatch batch,
                                                           boolean acksAll) {
        byte[] bytes = RecordBatch.toBytes(List.of(batch));
        return internal.send(leader, "POST", "/internal/partitions/" + topic + "/" + partition + "/append?acks="
                        + (acksAll ? "all" : "leader"), bytes,
                        "application/octet-stream", remoteAppendTimeout(acksAll))
                .thenApply(r -> {
                    if (r.statusCode() != 200) {
                        throw InternalClient.problemOf(json, r, "the leader " + leader + " refused the append")
                                .with("topic", topic).with("partition", partition).with("leader", leader);
                    }
                    JsonNode answer = json.readTree(r.body());
                    boolean duplicate = answer.path("duplicate").asBoolean(false);
                    long[] stored = null;
                    if (duplicate) {
                        stored = new long[answer.path("timestamps").size()];
                        for (int i = 0; i < stored.length; i++) {
                            stored[i] = answer.path("timestamps").get(i).asLong();
                        }
                    }
                    return new PartitionAppend(new AppendResult(answer.get("baseOffset").asLong(), answer.get("lastOffset").asLong(),
                            duplicate), stored);
                });
    }

    /**
     * How long an append forwarded to the leader may take: {@code request-timeout}, plus, with
     * {@code acks=all}, the {@code ack-timeout} the leader may wait for its in-sync replicas.
     */
    private Duration remoteAppendTimeout(boolean acksAll) {
        Duration requestTimeout = props.cluster().requestTimeout();
        return acksAll ? props.replication().ackTimeout().plus(requestTimeout) : requestTimeout;
    }

    /** {@code acks=all} needs at least {@code min.insync.replicas} in-sync replicas (on a single node there is one). */
    private static void checkInSyncReplicas(Topic topic, int inSync, boolean acksAll) {
        int required = topic.configs().minInsyncReplicas();
        if (acksAll && inSync < required) {
            throw new RunnelException(ErrorCode.NOT_ENOUGH_REPLICAS, "acks=all needs " + required
                    + " in-sync replicas (min.insync.replicas) but " + inSync + " is in sync; nothing was written")
                    .with("topic", topic.name()).with("minInsyncReplicas", required).with("inSyncReplicas", inSync);
        }
    }

    private Topic resolveTopic(String name) {
        Names.checkTopic(name);
        if (props.topics().autoCreate() && catalog.find(name).isEmpty()) {
            try {
                return catalog.create(NewTopic.withDefaults(name));
            } catch (RunnelException e) {
                if (e.code() != ErrorCode.TOPIC_ALREADY_EXISTS) {
                    throw e;
                }
            }
        }
        return catalog.require(name);
    }

    private int[] assignPartitions(Topic topic, Integer fixedPartition, List<ProducedRecord> records, IdempotentProducer producer) {
        int count = topic.partitions();
        if (fixedPartition != null && (fixedPartition < 0 || fixedPartition >= count)) {
            throw RunnelException.partitionNotFound(topic.name(), fixedPartition);
        }
        int[] partitionOf = new int[records.size()];
        // An idempotent request spreads its null-key records from where its key says, so a replay on any instance does the same.
        AtomicInteger counter = producer != null ? new AtomicInteger(producer.roundRobinStart(count))
                : roundRobin.computeIfAbsent(topic.name(), t -> new AtomicInteger());
        for (int i = 0; i < records.size(); i++) {
            ProducedRecord r = records.get(i);
            int p;
            if (r.partition() >= 0) {
                if (r.partition() >= count) {
                    throw RunnelException.partitionNotFound(topic.name(), r.partition()).with("record", i);
                }
                if (fixedPartition != null && r.partition() != fixedPartition) {
                    throw new RunnelException(ErrorCode.INVALID_RECORD, "record " + i + " names partition " + r.partition()
                            + " but the request is for partition " + fixedPartition).with("record", i);
                }
                p = r.partition();
            } else if (fixedPartition != null) {
                p = fixedPartition;
            } else if (r.keyHash() != null) {
                p = Partitioner.partitionForKey(r.keyHash(), count);
            } else {
                p = (counter.getAndIncrement() & Integer.MAX_VALUE) % count;
            }
            partitionOf[i] = p;
        }
        return partitionOf;
    }
}
