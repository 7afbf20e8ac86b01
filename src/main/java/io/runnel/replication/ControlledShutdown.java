package io.runnel.replication;

import io.runnel.cluster.ClusterNode;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Kafka's controlled shutdown: on SIGTERM, before the web server stops taking requests and
 * before any log is closed, this instance hands each of its leaderships to an in-sync follower,
 * so its partitions stay writable while it stops instead of answering 503 until the controller
 * finds it silent.
 *
 * <p>Order, in {@link #stop}: (1) {@link ReplicaManager#beginShutdown}, so no ISR is shrunk from
 * here on; (2) a {@code BeginShutdown} metadata command through the quorum
 * ({@link ClusterNode#announceShutdown}; on the controller too, which is a Raft leader proposing
 * to itself), which in one step marks this instance shutting down (no election, failover or
 * preferred, gives it a leadership again until it restarts), takes it out of every ISR of two or
 * more and moves each partition it leads to the first other in-sync replica that can lead; waits
 * at most {@link #HANDOVER_TIMEOUT} until that is applied here; (3) fails the {@code acks=all}
 * waits of the partitions it no longer leads, so their producers retry on the new leaders
 * at once. Then Spring's graceful shutdown of the web server and the rest go on. If the quorum does
 * not answer in time the instance stops anyway, and its partitions fail over as after a crash. When
 * the metadata names no other instance that can lead (the last of a cluster being stopped), step
 * (2) is skipped: there is nobody to hand anything to, and most likely no quorum to ask.
 *
 * <p>Runs in the highest lifecycle phase ({@link SmartLifecycle#DEFAULT_PHASE}), above the web
 * server's graceful shutdown, so Spring stops it first. Nothing happens on a single node.
 */
@Component
class ControlledShutdown implements SmartLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(ControlledShutdown.class);

    /** The longest a stopping instance waits for its leaderships to be handed over. */
    static final Duration HANDOVER_TIMEOUT = Duration.ofSeconds(10);

    private final ClusterNode cluster;
    private final ReplicaManager replicas;
    private volatile boolean running;

    ControlledShutdown(ClusterNode cluster, ReplicaManager replicas) {
        this.cluster = cluster;
        this.replicas = replicas;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        if (!cluster.clustered()) {
            return;
        }
        replicas.beginShutdown();
        if (!cluster.caughtUp()) {
            LOG.info("Stopping before the metadata caught up: nothing to hand over");
            return;
        }
        String self = cluster.selfId();
        if (cluster.state().instances().values().stream().noneMatch(i -> !i.id().equals(self) && i.canLead())) {
            // The last of a cluster being stopped: nobody to hand anything to, and likely no quorum to ask.
            LOG.info("Controlled shutdown: no other instance can lead; nothing to hand over");
            return;
        }
        int leading = cluster.state().partitionsLedBy(self);
        long started = System.nanoTime();
        boolean handedOver = cluster.announceShutdown(HANDOVER_TIMEOUT);
        replicas.failAcksOfLostLeaderships();
        int left = cluster.state().partitionsLedBy(self);
        long ms = (System.nanoTime() - started) / 1_000_000;
        if (!handedOver) {
            LOG.warn("Controlled shutdown: the metadata quorum did not apply the handover within {}; stopping with {} leaderships",
                    HANDOVER_TIMEOUT, left);
        } else if (left > 0) {
            LOG.warn("Controlled shutdown: handed {} of {} leaderships over in {} ms; {} stay here, with no other in-sync replica "
                    + "that can lead", leading - left, leading, ms, left);
        } else {
            LOG.info("Controlled shutdown: handed {} leaderships over in {} ms", leading, ms);
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return DEFAULT_PHASE;
    }
}
