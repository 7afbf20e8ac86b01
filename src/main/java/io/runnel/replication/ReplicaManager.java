package io.runnel.replication;

import java.util.concurrent.ScheduledFuture;
import io.runnel.config.RunnelExecutors;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.cluster.ClusterNode;
import io.runnel.cluster.InstanceMetadata;
import io.runnel.cluster.MetadataCommand;
import io.runnel.cluster.PartitionMetadata;
import io.runnel.config.RunnelProperties;
import io.runnel.partition.Partition;
import io.runnel.topic.TopicPartition;
import io.runnel.topic.TopicCatalog;
import io.runnel.partition.PartitionRouter;
import io.runnel.partition.LogManager;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The leader's side of replication, for every partition this instance leads: where each follower
 * is, the high watermark that follows from it, the in-sync replica set, and waiting for
 * {@code acks=all}.
 *
 * <p><b>High watermark.</b> The records a leader shows readers end at the minimum durable log end
 * offset of its in-sync replicas: its own, and each other ISR member's as reported by that
 * member's last fetch (a follower fetches from its durable end, so it holds everything below).
 * The high watermark only grows while this instance leads; a follower not heard from since this
 * instance became leader counts as being at the current high watermark. With the ISR down to the
 * leader alone it is the leader's durable end. It is applied as the log's reader cap
 * ({@code PartitionLog.setHighWatermarkCap}); a waiting consumer or {@code acks=all} producer is
 * woken when it grows.
 *
 * <p><b>ISR.</b> Every second the leader drops from the ISR each follower that has not been caught
 * up for {@code runnel.replication.replica-lag-time-max} (caught up = it fetched from the leader's
 * durable end, or from at least where the leader's end was at its previous fetch), and re-admits a
 * follower once it fetches from at or above the high watermark. Both are
 * {@link MetadataCommand.SetPartitionState} commands at the current epoch, through the controller.
 * A follower being re-admitted counts towards the high watermark from the moment it is proposed
 * (before the metadata says so), so that no record is acknowledged that a newly elected leader
 * from that ISR could lack. A follower whose instance the metadata has offline (the controller would
 * drop it again) or that announced its shutdown is not re-admitted, and once this instance is stopping ({@link #beginShutdown}) it drops nobody: on its way out its
 * followers' fetches fail, and dropping them would leave its partitions with no electable leader.
 *
 * <p><b>Acknowledgements.</b> {@link #awaitReplicated} completes once the high watermark has passed
 * the batch and the ISR still has {@code min.insync.replicas} members; otherwise, after
 * {@code runnel.replication.ack-timeout}, or as soon as this instance is no longer the leader
 * (noticed at the next check, every second, or at once after a controlled shutdown's handover),
 * it fails with {@code 503 NOT_ENOUGH_REPLICAS_AFTER_APPEND}: the records are written here but not
 * acknowledged, and may or may not survive.
 *
 * <p>On a single node, and for partitions whose ISR is the leader alone, nothing here waits: the
 * high watermark is the durable end, as before replication.
 */
@Component
public class ReplicaManager implements DisposableBean {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaManager.class);

    private final TopicCatalog catalog;
    private final PartitionRouter router;
    private final LogManager logs;
    private final ClusterNode cluster;
    private final RunnelProperties.Replication settings;
    private final Clock clock;
    private final Map<TopicPartition, Leadership> led = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> ticking;
    private final Counter shrinks;
    private final Counter expands;
    /** The {@code acks=all} waits in progress, so a lost leadership fails them at once rather than at the ack timeout. */
    private final Map<TopicPartition, Set<AckWait>> ackWaits = new ConcurrentHashMap<>();
    private volatile boolean shuttingDown;
    private long ticks;

    /** An {@code acks=all} produce waiting on a partition led here at {@code epoch}. */
    private record AckWait(int epoch, CompletableFuture<Void> done) {
    }

    /** One follower as its leader sees it. */
    private static final class Follower {
        volatile long logEndOffset;
        volatile long lastCaughtUpMs;
        long leaderEndAtLastFetch = -1;
        long lastFetchMs;

        Follower(long logEndOffset, long sinceMs) {
            this.logEndOffset = logEndOffset;
            this.lastCaughtUpMs = sinceMs;
        }
    }

    /** This instance's leadership of one partition at one epoch. */
    private static final class Leadership {
        final int epoch;
        final long sinceMs;
        final Map<String, Follower> followers = new ConcurrentHashMap<>();
        final PendingIsrChanges joining = PendingIsrChanges.joining();
        final PendingIsrChanges leaving = PendingIsrChanges.leaving();

        Leadership(int epoch, long sinceMs) {
            this.epoch = epoch;
            this.sinceMs = sinceMs;
        }
    }

    public ReplicaManager(TopicCatalog catalog, PartitionRouter router, LogManager logs, ClusterNode cluster, RunnelProperties props, MeterRegistry meters, Clock clock,
                          RunnelExecutors executors) {
        this.catalog = catalog;
        this.router = router;
        this.logs = logs;
        this.cluster = cluster;
        this.settings = props.replication();
        this.clock = clock;
        this.shrinks = Counter.builder("runnel.replication.isr.shrinks").description("Followers dropped from an ISR by this leader")
                .register(meters);
        this.expands = Counter.builder("runnel.replication.isr.expands").description("Followers re-admitted to an ISR by this leader")
                .register(meters);
        Gauge.builder("runnel.replication.under.replicated.partitions", this, ReplicaManager::underReplicated)
                .description("Partitions led here whose ISR is smaller than their replica list").register(meters);
        Gauge.builder("runnel.replication.max.follower.lag", this, ReplicaManager::maxFollowerLag)
                .description("Largest number of records a follower of a partition led here is behind the leader's durable end")
                .baseUnit("records").register(meters);
        ticking = cluster.clustered() ? executors.isr().scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS) : null;
    }

    /**
     * A follower fetched {@code tp} from {@code fetchOffset} at {@code epoch}: remembers where it is,
     * advances the high watermark, and re-admits it to the ISR once caught up.
     *
     * @param leaderEnd this leader's durable end offset when the fetch arrived
     */
    void onFollowerFetch(TopicPartition tp, PartitionMetadata metadata, String followerId, long fetchOffset, long leaderEnd) {
        Leadership leadership = leadership(tp, metadata);
        long now = clock.millis();
        Follower f = leadership.followers.computeIfAbsent(followerId, id -> new Follower(fetchOffset, leadership.sinceMs));
        synchronized (f) {
            if (fetchOffset >= leaderEnd) {
                f.lastCaughtUpMs = now;
            } else if (f.leaderEndAtLastFetch >= 0 && fetchOffset >= f.leaderEndAtLastFetch) {
                f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs);
            }
            f.logEndOffset = fetchOffset;
            f.leaderEndAtLastFetch = leaderEnd;
            f.lastFetchMs = now;
        }
        Partition partition = router.local(tp.topic(), tp.partition());
        leadership.joining.settle(metadata);
        if (!metadata.isr().contains(followerId) && fetchOffset >= partition.log().highWatermark()
                && metadata.replicas().contains(followerId) && mayJoinIsr(followerId)
                && leadership.joining.begin(followerId, metadata.partitionEpoch())) {
            List<String> isr = new ArrayList<>(metadata.isr());
            isr.add(followerId);
            propose(tp, metadata, isr, () -> expands.increment(), () -> leadership.joining.failed(followerId, metadata.partitionEpoch()),
                    "re-admit " + followerId + " (it fetched from " + fetchOffset + ", the high watermark is "
                            + partition.log().highWatermark() + ")");
        }
        updateHighWatermark(tp, metadata, partition);
    }

    /** Recomputes and applies the high watermark of a partition this instance leads. */
    void updateHighWatermark(TopicPartition tp, PartitionMetadata metadata, Partition partition) {
        Leadership leadership = leadership(tp, metadata);
        Set<String> isr = new LinkedHashSet<>(metadata.isr());
        isr.addAll(leadership.joining.ids());
        isr.remove(cluster.selfId());
        if (isr.isEmpty()) {
            partition.log().setHighWatermarkCap(Long.MAX_VALUE);
            return;
        }
        long current = partition.log().highWatermark();
        long cap = Long.MAX_VALUE;
        for (String id : isr) {
            Follower f = leadership.followers.get(id);
            cap = Math.min(cap, f == null ? current : f.logEndOffset);
        }
        partition.log().setHighWatermarkCap(Math.max(current, cap));
    }

    private Leadership leadership(TopicPartition tp, PartitionMetadata metadata) {
        return led.compute(tp, (key, old) -> old != null && old.epoch == metadata.leaderEpoch() ? old
                : new Leadership(metadata.leaderEpoch(), clock.millis()));
    }

    /**
     * Completes once every in-sync replica holds the offsets below {@code nextOffset} of a partition
     * this instance leads (at once on a single node or with the ISR down to the leader), with at
     * least {@code minInsync} of them; else fails with {@code NOT_ENOUGH_REPLICAS_AFTER_APPEND}.
     */
    public CompletableFuture<Void> awaitReplicated(String topic, int partitionId, long nextOffset, int minInsync) {
        if (!cluster.clustered()) {
            return CompletableFuture.completedFuture(null); // the durable append was the whole acknowledgement
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        Partition partition = router.local(topic, partitionId);
        int epoch = catalog.placement(topic, partitionId).leaderEpoch();
        Runnable check = () -> {
            PartitionMetadata now;
            try {
                now = catalog.placement(topic, partitionId);
            } catch (RunnelException e) {
                done.completeExceptionally(afterAppend(topic, partitionId, e.getMessage()));
                return;
            }
            if (!now.leader().equals(cluster.selfId()) || now.leaderEpoch() != epoch) {
                done.completeExceptionally(afterAppend(topic, partitionId, "this instance stopped leading it (now "
                        + now.leader() + " at epoch " + now.leaderEpoch() + ")"));
            } else if (now.isr().size() < minInsync) {
                done.completeExceptionally(afterAppend(topic, partitionId, "the ISR " + now.isr() + " shrank below min.insync.replicas="
                        + minInsync));
            } else {
                done.complete(null);
            }
        };
        // A partition forgets its waiters at every advance of the high watermark, also one that
        // stops short of this batch: then the waiter registers again.
        Runnable wake = new Runnable() {
            @Override
            public void run() {
                if (done.isDone()) {
                    return;
                }
                if (partition.log().highWatermark() >= nextOffset || !partition.awaitBeyond(nextOffset - 1, this)) {
                    check.run();
                }
            }
        };
        if (!partition.awaitBeyond(nextOffset - 1, wake)) {
            check.run();
            return done;
        }
        TopicPartition tp = new TopicPartition(topic, partitionId);
        AckWait ackWait = new AckWait(epoch, done);
        ackWaits.compute(tp, (key, waits) -> {
            Set<AckWait> all = waits == null ? ConcurrentHashMap.newKeySet() : waits;
            all.add(ackWait);
            return all;
        });
        done.orTimeout(settings.ackTimeout().toMillis(), TimeUnit.MILLISECONDS).whenComplete((ok, e) -> {
            partition.cancelWait(wake);
            ackWaits.computeIfPresent(tp, (key, waits) -> {
                waits.remove(ackWait);
                return waits.isEmpty() ? null : waits;
            });
        });
        return done.exceptionally(e -> {
            if (e instanceof java.util.concurrent.TimeoutException) {
                throw afterAppend(topic, partitionId, "the in-sync replicas did not confirm within " + settings.ackTimeout());
            }
            throw e instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(e);
        });
    }

    private static RunnelException afterAppend(String topic, int partition, String why) {
        return new RunnelException(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, "the records were written on the leader but not "
                + "acknowledged: " + why).with("topic", topic).with("partition", partition);
    }

    /**
     * This instance is stopping: from now on it never drops a follower from an ISR (its followers'
     * fetches fail while it stops; dropping them would leave its partitions without an electable
     * leader once it is gone). Called by {@link ControlledShutdown} before the leaderships are handed over.
     */
    void beginShutdown() {
        shuttingDown = true;
    }

    /**
     * Fails with {@code NOT_ENOUGH_REPLICAS_AFTER_APPEND} every {@code acks=all} wait of a partition
     * this instance no longer leads at the epoch the wait began in (its records may or may not
     * survive; the producer retries), instead of letting it run into the ack timeout.
     */
    void failAcksOfLostLeaderships() {
        ackWaits.forEach((tp, waits) -> {
            try {
                PartitionMetadata m = catalog.placement(tp.topic(), tp.partition());
                boolean leading = m.leader().equals(cluster.selfId());
                for (AckWait w : waits) {
                    if (!leading || w.epoch() != m.leaderEpoch()) {
                        w.done().completeExceptionally(afterAppend(tp.topic(), tp.partition(), "this instance stopped leading it (now "
                                + m.leader() + " at epoch " + m.leaderEpoch() + ")"));
                    }
                }
            } catch (RunnelException e) {
                waits.forEach(w -> w.done().completeExceptionally(afterAppend(tp.topic(), tp.partition(), e.getMessage())));
            }
        });
    }

    /**
     * Whether a follower may join an ISR (as Kafka's KIP-841 has it): not while the metadata has its instance
     * offline, since the controller would drop it again at once (and a leader re-admitting it meanwhile
     * fights the controller), nor once it announced its shutdown. An instance the metadata does not list may.
     */
    private boolean mayJoinIsr(String instanceId) {
        return cluster.state().instance(instanceId).map(i -> i.online() && !i.shuttingDown()).orElse(true);
    }

    /** Every second: forget partitions no longer led here, shrink the ISRs of lagging followers, refresh high watermarks. */
    void tick() {
        try {
            failAcksOfLostLeaderships();
            long now = clock.millis();
            boolean checkpoint = ++ticks % 5 == 0;
            Set<TopicPartition> leading = new java.util.HashSet<>();
            for (LogManager.Hosted h : logs.hosted()) {
                PartitionMetadata m = h.metadata();
                TopicPartition tp = new TopicPartition(h.topic().name(), h.partition().id());
                if (checkpoint && m.replicas().size() > 1) {
                    h.partition().checkpointHighWatermark();
                }
                if (!m.leader().equals(cluster.selfId())) {
                    continue;
                }
                leading.add(tp);
                Leadership leadership = leadership(tp, m);
                leadership.joining.settle(m);
                leadership.leaving.settle(m);
                List<String> lagging = new ArrayList<>();
                for (String id : m.isr()) {
                    if (id.equals(cluster.selfId()) || leadership.leaving.contains(id)) {
                        continue;
                    }
                    Follower f = leadership.followers.get(id);
                    long caughtUp = f == null ? leadership.sinceMs : f.lastCaughtUpMs;
                    if (now - caughtUp > settings.replicaLagTimeMax().toMillis()) {
                        lagging.add(id);
                    }
                }
                if (!lagging.isEmpty() && !shuttingDown) {
                    List<String> isr = new ArrayList<>(m.isr());
                    isr.removeAll(lagging);
                    lagging.forEach(id -> leadership.leaving.begin(id, m.partitionEpoch()));
                    propose(tp, m, isr, () -> shrinks.increment(lagging.size()),
                            () -> lagging.forEach(id -> leadership.leaving.failed(id, m.partitionEpoch())),
                            "drop lagging " + lagging);
                }
                updateHighWatermark(tp, m, h.partition());
            }
            led.keySet().retainAll(leading);
        } catch (RuntimeException e) {
            LOG.warn("Replication tick failed", e);
        }
    }

    private void propose(TopicPartition tp, PartitionMetadata m, List<String> isr, Runnable onSuccess, Runnable onFailure,
                         String what) {
        MetadataCommand.SetPartitionState command = new MetadataCommand.SetPartitionState(tp.topic(), tp.partition(),
                cluster.selfId(), m.leaderEpoch(), isr, m.partitionEpoch());
        cluster.submitAsync(command).whenComplete((result, e) -> {
            if (e == null && result.ok()) {
                LOG.info("{}-{}: {}; ISR now {}", tp.topic(), tp.partition(), what, isr);
                onSuccess.run();
            } else {
                LOG.info("{}-{}: could not {}: {}", tp.topic(), tp.partition(), what, e != null ? e.getMessage() : result.message());
                onFailure.run();
            }
        });
    }

    private double maxFollowerLag() {
        long lag = 0;
        for (LogManager.Hosted h : logs.hosted()) {
            Leadership l = led.get(new TopicPartition(h.topic().name(), h.partition().id()));
            if (l == null || !h.metadata().leader().equals(cluster.selfId())) {
                continue;
            }
            long end = h.partition().log().durableEnd();
            for (String id : h.metadata().replicas()) {
                if (!id.equals(cluster.selfId())) {
                    Follower f = l.followers.get(id);
                    lag = Math.max(lag, end - (f == null ? h.partition().log().highWatermark() : f.logEndOffset));
                }
            }
        }
        return lag;
    }

    private double underReplicated() {
        return logs.hosted().stream()
                .filter(h -> h.metadata().leader().equals(cluster.selfId()) && h.metadata().isr().size() < h.metadata().replicas().size())
                .count();
    }

    @Override
    public void destroy() {
        if (ticking != null) {
            ticking.cancel(true);
        }
    }
}
