package io.runnel.cluster;

import io.runnel.cluster.MetadataCommand.InstanceHeartbeat;
import io.runnel.cluster.MetadataCommand.MarkInstanceOffline;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The periodic work of a quorum member. Every instance heart-beats through the quorum
 * ({@link InstanceHeartbeat} every {@code heartbeatInterval}); the one that is the controller
 * also checks liveness every {@code checkInterval} and marks offline the instances silent for
 * {@code sessionTimeout}, and those silent for {@code unreachableTimeout} whose HTTP port refuses
 * connections ({@link LivenessTracker}, {@link PortProbe}: a killed or crashed process, never a
 * paused one); a new controller, during its first {@code unreachableTimeout}, also those whose HTTP
 * and Raft ports both refuse connections (typically the controller that died). Whether this
 * instance is the controller is asked at every check, so duties follow leadership without any
 * hand-over.
 *
 * <p>The controller also moves the leadership of partitions whose leader is offline to an online
 * in-sync replica, at the next leader epoch, and takes offline followers out of ISRs
 * ({@link LeaderElection}), at every check and as soon as it has marked an instance offline: within
 * {@code unreachableTimeout} (a process gone) or {@code sessionTimeout} (silent but reachable) plus
 * one check interval of the leader falling silent. Every
 * {@code preferredLeaderCheck} (when set, {@value #PREFERRED_LEADER_CHECK_SECONDS} s by default) it
 * moves leaderships back to preferred replicas that are in sync again ({@link PreferredLeaderElection}),
 * at most {@value PreferredLeaderElection#MAX_MOVES_PER_CHECK} per check; an instance shutting down
 * gets none. At every check it also takes the next step of each partition reassignment
 * ({@link ReassignmentPlanner}), at most {@code maxConcurrentReassignments} started at once. A partition with
 * a move of any kind (election or reassignment step) in flight gets no other until it is applied.
 *
 * <p>At every liveness check the controller also drains the instances marked draining: their
 * leaderships first, then their replicas, as reassignments ({@link ReplicaBalancer#drain}); and places
 * connector tasks that are unplaced or whose instance went offline, drains or was removed
 * ({@link ConnectorPlanner}), one command per task, each proposed once until applied.
 *
 * <p>The controller also commits the cluster id when the metadata has none, and keeps the metadata
 * quorum's voters odd and at most 5 ({@link QuorumPlanner}), one configuration change at a time on a
 * thread of its own, since a change waits for new voters to catch up.
 *
 * <p>Thread-safety: one thread runs both duties (a single-thread scheduler it is given, or its
 * own); at most one heartbeat is in flight.
 */
public final class ControllerDuties implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerDuties.class);

    static final int PREFERRED_LEADER_CHECK_SECONDS = 5;

    /** How often the controller brings leaderships back to preferred replicas, when it does ({@code runnel.cluster.auto-leader-rebalance}). */
    public static final Duration PREFERRED_LEADER_CHECK_INTERVAL = Duration.ofSeconds(PREFERRED_LEADER_CHECK_SECONDS);

    /**
     * @param heartbeatInterval     how often this instance heart-beats
     * @param checkInterval         how often the controller looks for silent instances
     * @param sessionTimeout        silence after which an instance is offline ({@code runnel.cluster.session-timeout})
     * @param preferredLeaderCheck  how often the controller moves leaderships back to preferred replicas
     *                              ({@link PreferredLeaderElection}); {@link Duration#ZERO} never
     * @param unreachableTimeout    silence after which an instance whose HTTP port refuses connections is
     *                              offline ({@link PortProbe}); {@link Duration#ZERO} never probes
     * @param maxConcurrentReassignments how many partition reassignments may be started at once
     *                              ({@code runnel.cluster.max-concurrent-reassignments}); the rest wait queued
     */
    public record Settings(Duration heartbeatInterval, Duration checkInterval, Duration sessionTimeout, Duration preferredLeaderCheck,
                           Duration unreachableTimeout, int maxConcurrentReassignments) {
        /** Heart-beats missed before the controller asks whether a silent instance's port still accepts connections. */
        public static final int UNREACHABLE_AFTER_HEARTBEATS = 2;

        /** The default of {@code runnel.cluster.max-concurrent-reassignments}. */
        public static final int MAX_CONCURRENT_REASSIGNMENTS = 10;

        public static final Settings DEFAULT = of(Duration.ofMillis(500), Duration.ofSeconds(6), PREFERRED_LEADER_CHECK_INTERVAL,
                MAX_CONCURRENT_REASSIGNMENTS);

        /** Without preferred-leader election nor port probes. */
    public Settings(Duration heartbeatInterval, Duration checkInterval, Duration sessionTimeout) {
            this(heartbeatInterval, checkInterval, sessionTimeout, Duration.ZERO);
        }

        /** Without port probes, with the default cap of concurrent reassignments. */
        public Settings(Duration heartbeatInterval, Duration checkInterval, Duration sessionTimeout, Duration preferredLeaderCheck) {
            this(heartbeatInterval, checkInterval, sessionTimeout, preferredLeaderCheck, Duration.ZERO, MAX_CONCURRENT_REASSIGNMENTS);
        }

        /**
         * What an instance runs with: liveness checked twice per heartbeat interval, and a silent
         * instance's port probed after {@value #UNREACHABLE_AFTER_HEARTBEATS} missed heartbeats.
         */
        public static Settings of(Duration heartbeatInterval, Duration sessionTimeout, Duration preferredLeaderCheck,
                                  int maxConcurrentReassignments) {
            Duration check = heartbeatInterval.dividedBy(2);
            return new Settings(heartbeatInterval, check.isZero() ? heartbeatInterval : check, sessionTimeout, preferredLeaderCheck,
                    heartbeatInterval.multipliedBy(UNREACHABLE_AFTER_HEARTBEATS), maxConcurrentReassignments);
        }

        /**
         * The most one gap between two liveness checks counts for: a longer gap means the controller
         * itself was paused or starved, and the heartbeats of that time may not be applied yet.
         */
        Duration maxCheckGap() {
            Duration twoBeats = heartbeatInterval.multipliedBy(2);
            Duration fourChecks = checkInterval.multipliedBy(4);
            return twoBeats.compareTo(fourChecks) >= 0 ? twoBeats : fourChecks;
        }
    }

    private final MetadataQuorum quorum;
    private final Settings settings;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final LivenessTracker liveness;
    private final ScheduledExecutorService scheduler;
    private final boolean ownScheduler;
    private final List<ScheduledFuture<?>> scheduled = new CopyOnWriteArrayList<>();
    private final AtomicBoolean heartbeatInFlight = new AtomicBoolean();
    /** Partitions ({@code topic-partition}) with an election of either kind proposed and not yet applied. */
    private final java.util.Set<String> electionsInFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Partitions ({@code topic-partition}) with a drain's reassignment proposed and not yet applied. */
    private final java.util.Set<String> reassignmentsInFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Connector tasks ({@code name#task}) with a placement proposed and not yet applied. */
    private final java.util.Set<String> placementsInFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Verdicts ({@code id@lastHeartbeatMs}) proposed and not yet applied: each is proposed once. */
    private final java.util.Set<String> marksInFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AtomicBoolean initializing = new AtomicBoolean();
    private final AtomicBoolean reconfiguring = new AtomicBoolean();
    /** Runs the controller's Raft configuration changes, which block until committed. */
    private final java.util.concurrent.ExecutorService reconfigurer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "runnel-quorum-reconfigure");
        t.setDaemon(true);
        return t;
    });
    private long lastHeartbeatMs;
    private boolean wasController;
    private final long incarnation;

    /** @param incarnation this process's start identity, sent with every heartbeat ({@link InstanceHeartbeat}) */
    public ControllerDuties(MetadataQuorum quorum, Settings settings, Clock clock, long incarnation) {
        this(quorum, settings, clock, System::nanoTime, incarnation, null);
    }

    /**
     * @param scheduler a single-thread scheduler to run the duties on, which {@link #close} leaves running
     */
    public ControllerDuties(MetadataQuorum quorum, Settings settings, Clock clock, long incarnation,
                            ScheduledExecutorService scheduler) {
        this(quorum, settings, clock, System::nanoTime, incarnation, scheduler);
    }

    ControllerDuties(MetadataQuorum quorum, Settings settings, Clock clock, LongSupplier nanoTime) {
        this(quorum, settings, clock, nanoTime, 0, null);
    }

    private ControllerDuties(MetadataQuorum quorum, Settings settings, Clock clock, LongSupplier nanoTime, long incarnation,
                             ScheduledExecutorService scheduler) {
        this.incarnation = incarnation;
        this.quorum = quorum;
        this.settings = settings;
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.liveness = settings.unreachableTimeout().isZero() ? new LivenessTracker(settings.sessionTimeout())
                : new LivenessTracker(settings.sessionTimeout(), settings.unreachableTimeout(), settings.maxCheckGap(),
                        new PortProbe(settings.checkInterval(), id -> raftAddress(quorum, id)));
        this.ownScheduler = scheduler == null;
        this.scheduler = scheduler != null ? scheduler : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "runnel-controller-duties");
            t.setDaemon(true);
            return t;
        });
    }

    /** The Raft address of a member of the quorum's configuration (joined members are in no peer list), else its peer entry's. */
    private static java.util.Optional<java.net.InetSocketAddress> raftAddress(MetadataQuorum quorum, String id) {
        String address = quorum.addresses().get(id);
        int colon = address == null ? -1 : address.lastIndexOf(':');
        if (colon > 0) {
            String host = address.substring(0, colon).replace("[", "").replace("]", "");
            try {
                return java.util.Optional.of(new java.net.InetSocketAddress(host, Integer.parseInt(address.substring(colon + 1))));
            } catch (IllegalArgumentException e) {
                // not host:port; fall back to the peer list
            }
        }
        return quorum.peers().find(id).map(peer -> new java.net.InetSocketAddress(peer.host(), peer.raftPort()));
    }

    /** Starts heart-beating at once, checking liveness, and (if set) bringing leaderships back to preferred replicas. */
    public ControllerDuties start() {
        scheduled.add(scheduler.scheduleWithFixedDelay(this::heartbeat, 0, settings.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS));
        long check = settings.checkInterval().toMillis();
        scheduled.add(scheduler.scheduleWithFixedDelay(this::checkLiveness, check, check, TimeUnit.MILLISECONDS));
        long preferred = settings.preferredLeaderCheck().toMillis();
        if (preferred > 0) {
            scheduled.add(scheduler.scheduleWithFixedDelay(this::electPreferredLeaders, preferred, preferred, TimeUnit.MILLISECONDS));
        }
        return this;
    }

    /** Sends one heartbeat unless the previous one is still on its way. */
    void heartbeat() {
        if (!heartbeatInFlight.compareAndSet(false, true)) {
            return;
        }
        // Strictly increasing, so the controller can tell every heartbeat from the one before.
        lastHeartbeatMs = Math.max(clock.millis(), lastHeartbeatMs + 1);
        InstanceHeartbeat beat = new InstanceHeartbeat(quorum.self().id(), quorum.selfUrl(), lastHeartbeatMs, incarnation);
        try {
            quorum.submit(beat).whenComplete((result, e) -> {
                heartbeatInFlight.set(false);
                if (e != null) {
                    LOG.debug("Heartbeat of {} failed: {}", beat.id(), e.getMessage());
                }
            });
        } catch (RuntimeException e) {
            heartbeatInFlight.set(false);
            LOG.warn("Heartbeat of {} failed", beat.id(), e);
        }
    }

    /** On the controller: marks silent instances offline. Elsewhere: forgets what it had seen. */
    void checkLiveness() {
        try {
            boolean controller = quorum.isController();
            if (controller && !wasController) {
                liveness.reset();
                LOG.info("{} is the controller", quorum.self().id());
            }
            wasController = controller;
            if (!controller) {
                return;
            }
            electLeaders();
            driveReassignments();
            drainInstances();
            placeConnectorTasks();
            initializeClusterId();
            reconcileQuorum();
            for (MarkInstanceOffline mark : liveness.check(quorum.state(), nanoTime.getAsLong())) {
                if (!marksInFlight.add(mark.id() + "@" + mark.lastHeartbeatMs())) {
                    continue; // proposed at an earlier check, not applied yet
                }
                LOG.warn("Instance {} has not heart-beaten for {}, or for {} with its port refusing connections; marking it offline",
                        mark.id(), settings.sessionTimeout(), settings.unreachableTimeout());
                submitMark(mark);
            }
        } catch (RuntimeException e) {
            LOG.warn("Liveness check failed", e);
        }
    }

    private void submitMark(MarkInstanceOffline mark) {
        try {
            quorum.submit(mark).whenComplete((result, e) -> {
                marksInFlight.remove(mark.id() + "@" + mark.lastHeartbeatMs());
                if (e != null || !result.ok()) {
                    LOG.info("Instance {} not marked offline: {}", mark.id(), e != null ? e.getMessage() : result.message());
                } else {
                    checkSoon(); // elect new leaders for its partitions now rather than at the next check
                }
            });
        } catch (RuntimeException e) {
            marksInFlight.remove(mark.id() + "@" + mark.lastHeartbeatMs());
            throw e;
        }
    }

    /**
     * On the controller of a cluster whose metadata has no cluster id: commits one. A random UUID when
     * this instance bootstrapped the group (a new cluster); else the group's uuid, which was the cluster
     * id of clusters formed by the version that derived it from the peer list, so they keep their id.
     */
    private void initializeClusterId() {
        if (quorum.state().membership().clusterId() != null || !initializing.compareAndSet(false, true)) {
            return;
        }
        String id = quorum.bootstrappedHere() ? java.util.UUID.randomUUID().toString() : quorum.groupId().toString();
        try {
            quorum.submit(new MetadataCommand.InitializeCluster(id)).whenComplete((result, e) -> {
                initializing.set(false);
                if (e == null && result.ok()) {
                    LOG.info("Cluster id is {}", quorum.state().membership().clusterId());
                }
            });
        } catch (RuntimeException e) {
            initializing.set(false);
            throw e;
        }
    }

    private void checkSoon() {
        try {
            scheduler.execute(this::checkLiveness);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    /**
     * On the controller: takes the next step of {@link QuorumPlanner}, if any, on the reconfiguring
     * thread (a configuration change waits for new voters to catch up); one step in flight at a time.
     */
    private void reconcileQuorum() {
        if (reconfiguring.get()) {
            return;
        }
        QuorumConf current = quorum.conf();
        ClusterState state = quorum.state();
        java.util.Set<String> online = new java.util.HashSet<>(state.liveInstances());
        java.util.Set<String> removed = new java.util.HashSet<>(state.membership().removed());
        java.util.Optional<QuorumConf> next = QuorumPlanner.next(current, online, removed, quorum.self().id());
        if (next.isEmpty() || !reconfiguring.compareAndSet(false, true)) {
            return;
        }
        try {
            reconfigurer.execute(() -> {
                try {
                    quorum.reconfigure(current, next.get(), java.util.Map.of());
                    LOG.info("Metadata quorum now: voters {}, listeners {}", next.get().voters(), next.get().listeners());
                } catch (java.io.IOException | RuntimeException e) {
                    LOG.info("Metadata quorum change to {} not made: {}", next.get(), e.getMessage());
                } finally {
                    reconfiguring.set(false);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            reconfiguring.set(false);
        }
    }

    private void electLeaders() {
        for (MetadataCommand.SetPartitionState move : LeaderElection.elect(quorum.state())) {
            if (!electionsInFlight.add(move.topic() + "-" + move.partition())) {
                continue;
            }
            LOG.warn("{}-{}: leader offline; electing {} at epoch {} (ISR {})", move.topic(), move.partition(), move.leader(),
                    move.leaderEpoch(), move.isr());
            submitElection(move);
        }
        for (MetadataCommand.SetPartitionState drop : LeaderElection.dropOfflineFollowers(quorum.state())) {
            if (!electionsInFlight.add(drop.topic() + "-" + drop.partition())) {
                continue;
            }
            LOG.info("{}-{}: dropping offline followers from the ISR; ISR now {}", drop.topic(), drop.partition(), drop.isr());
            submitElection(drop);
        }
    }

    /** On the controller: proposes the next step of each reassignment that can take one ({@link ReassignmentPlanner}). */
    void driveReassignments() {
        for (MetadataCommand step : ReassignmentPlanner.plan(quorum.state(), settings.maxConcurrentReassignments())) {
            String partition = ReassignmentPlanner.partitionOf(step);
            if (!electionsInFlight.add(partition)) {
                continue;
            }
            LOG.info("{}: reassignment step {}", partition, step);
            try {
                quorum.submit(step).whenComplete((result, e) -> {
                    electionsInFlight.remove(partition);
                    if (e != null || !result.ok()) {
                        LOG.info("{}: reassignment step not applied: {}", partition, e != null ? e.getMessage() : result.message());
                    }
                });
            } catch (RuntimeException e) {
                electionsInFlight.remove(partition);
                throw e;
            }
        }
    }

    /**
     * On the controller: for each draining instance, moves its leaderships to in-sync peers
     * ({@link ReplicaBalancer#leadershipsAway}), then submits a reassignment for each partition it holds
     * ({@link ReplicaBalancer#drain}) once the partition is led elsewhere (or cannot be), at most
     * {@value ReplicaBalancer#MAX_MOVES_PER_PLAN} in flight; the reassignment engine queues what it cannot start yet.
     * A partition already being reassigned is planned again once that reassignment completes.
     */
    private void drainInstances() {
        ClusterState state = quorum.state();
        for (InstanceMetadata instance : state.instances().values()) {
            if (!instance.draining()) {
                continue;
            }
            java.util.Set<String> leadershipMoving = new java.util.HashSet<>();
            for (MetadataCommand.SetPartitionState move : ReplicaBalancer.leadershipsAway(state, instance.id())) {
                String key = move.topic() + "-" + move.partition();
                leadershipMoving.add(key);
                if (electionsInFlight.add(key)) {
                    LOG.info("{}: leadership away from the draining {} to {} at epoch {}", key, instance.id(), move.leader(),
                            move.leaderEpoch());
                    submitElection(move);
                }
            }
            ReplicaBalancer.Plan plan = ReplicaBalancer.drain(state, instance.id());
            if (plan.isRefused()) {
                LOG.debug("Draining {} waits: {}", instance.id(), plan.refusal());
                continue;
            }
            for (ReplicaBalancer.Move move : plan.moves()) {
                String key = move.topic() + "-" + move.partition();
                if (leadershipMoving.contains(key) || reassignmentsInFlight.size() >= ReplicaBalancer.MAX_MOVES_PER_PLAN
                        || !reassignmentsInFlight.add(key)) {
                    continue;
                }
                LOG.info("{}: draining {}; reassigning {} → {}", key, instance.id(), move.from(), move.to());
                submitReassignment(key, new MetadataCommand.ReassignPartition(move.topic(), move.partition(), move.to()));
            }
        }
    }

    /** On the controller: proposes the moves of {@link ConnectorPlanner}, each task's once until it is applied. */
    void placeConnectorTasks() {
        for (MetadataCommand.PlaceConnectorTask move : ConnectorPlanner.plan(quorum.state())) {
            String key = move.name() + "#" + move.task();
            if (!placementsInFlight.add(key)) {
                continue;
            }
            LOG.info("Connector {} task {}: placing on {} (was {})", move.name(), move.task(), move.to(), move.from());
            try {
                quorum.submit(move).whenComplete((result, e) -> {
                    placementsInFlight.remove(key);
                    if (e != null || !result.ok()) {
                        LOG.info("Connector {} task {}: placement not applied: {}", move.name(), move.task(),
                                e != null ? e.getMessage() : result.message());
                    }
                });
            } catch (RuntimeException e) {
                placementsInFlight.remove(key);
                throw e;
            }
        }
    }

    private void submitReassignment(String key, MetadataCommand.ReassignPartition command) {
        try {
            quorum.submit(command).whenComplete((result, e) -> {
                reassignmentsInFlight.remove(key);
                if (e != null || !result.ok()) {
                    LOG.info("{}: reassignment not applied: {}", key, e != null ? e.getMessage() : result.message());
                }
            });
        } catch (RuntimeException e) {
            reassignmentsInFlight.remove(key);
            throw e;
        }
    }

    /** On the controller: moves leaderships back to preferred replicas that are in sync, a capped number at a time. */
    void electPreferredLeaders() {
        try {
            if (!quorum.isController()) {
                return;
            }
            for (MetadataCommand.SetPartitionState move : PreferredLeaderElection.plan(quorum.state(),
                    PreferredLeaderElection.MAX_MOVES_PER_CHECK)) {
                if (!electionsInFlight.add(move.topic() + "-" + move.partition())) {
                    continue;
                }
                LOG.info("{}-{}: leadership back to the preferred replica {} at epoch {}", move.topic(), move.partition(), move.leader(),
                        move.leaderEpoch());
                submitElection(move);
            }
        } catch (RuntimeException e) {
            LOG.warn("Preferred-leader election failed", e);
        }
    }

    private void submitElection(MetadataCommand.SetPartitionState move) {
        try {
            quorum.submit(move).whenComplete((result, e) -> {
                electionsInFlight.remove(move.topic() + "-" + move.partition());
                if (e != null || !result.ok()) {
                    LOG.info("{}-{}: election not applied: {}", move.topic(), move.partition(), e != null ? e.getMessage() : result.message());
                }
            });
        } catch (RuntimeException e) {
            electionsInFlight.remove(move.topic() + "-" + move.partition());
            throw e;
        }
    }

    /** Stops both duties; the quorum stays open. */
    @Override
    public void close() {
        scheduled.forEach(f -> f.cancel(true));
        reconfigurer.shutdownNow();
        if (ownScheduler) {
            scheduler.shutdownNow();
        }
    }
}
