package io.runnel.cluster;

import io.runnel.config.ClusterPeers;
import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.config.RunnelExecutors;
import io.runnel.config.RunnelProperties;
import io.runnel.storage.DataLayout;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * This instance's membership of the cluster, the one place the rest of the application asks
 * "am I clustered, what does the metadata say, who is the controller".
 *
 * <p>On a single node ({@code runnel.cluster.peers} empty) there is no quorum: {@link #clustered()}
 * is false and callers keep their single-node behaviour. In a cluster this bean starts this
 * instance's {@link MetadataQuorum} member when it is created (binding the Raft port) if the data
 * dir holds its Raft group ({@link LocalRaftGroup}); without one, {@link #awaitCaughtUp} first finds
 * the cluster through the peer list ({@link PeerDiscovery}: join it, or bootstrap a new one), which
 * needs the web server up, so until then {@link #state()} is empty and commands fail with
 * {@code 503 CONTROLLER_NOT_AVAILABLE}. Once the application is ready it starts its
 * {@link ControllerDuties} (heartbeats; liveness, cluster id and voter reconciliation while it is
 * the controller). {@code runnel.cluster.secret} is required then; the configuration checks that
 * at binding, so the boot fails without it before this is made.
 *
 * <p>Listeners ({@link #onState}) hear of every applied metadata state on the applying thread
 * and must only hand work off. {@link #submit} blocks the caller until the command is committed
 * and applied here, and turns failures into the API's problem codes.
 */
@Component
public class ClusterNode implements DisposableBean {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

    private final RunnelProperties.Cluster settings;
    private final NodeIdentity identity;
    private final Clock clock;
    private final List<Consumer<ClusterState>> listeners = new CopyOnWriteArrayList<>();
    private final Optional<ClusterPeers> peers;
    private final DataLayout layout;
    private final MetadataQuorum.Settings quorumSettings;
    /** Asks the peers whether a cluster exists when there is no Raft storage; null: bootstrap from the peer list at once. */
    private final PeerDiscovery discovery;
    private volatile MetadataQuorum quorum;
    private volatile ControllerDuties duties;
    private final RunnelExecutors executors;
    private volatile boolean caughtUp;
    private final boolean newMetadataStorage;
    /** Chosen at each start, so the metadata can tell a restart from a heartbeat of the same process. */
    private final long incarnation = java.util.concurrent.ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);

    /**
     * Without discovery: an instance with no Raft storage bootstraps a group from its peer list at once,
     * without asking the others (for tests that run several instances in one process, with no web server).
     */
    public ClusterNode(RunnelProperties props, NodeIdentity identity, DataLayout layout, Clock clock) throws IOException {
        this(props, identity, layout, clock, null, false);
    }

    /** @param executors where the controller duties run; null for a thread of their own */
    @Autowired
    public ClusterNode(RunnelProperties props, NodeIdentity identity, DataLayout layout, Clock clock, RunnelExecutors executors)
            throws IOException {
        this(props, identity, layout, clock, executors, true);
    }

    private ClusterNode(RunnelProperties props, NodeIdentity identity, DataLayout layout, Clock clock, RunnelExecutors executors,
                        boolean discover) throws IOException {
        this.executors = executors;
        this.settings = props.cluster();
        this.identity = identity;
        this.clock = clock;
        this.layout = layout;
        this.peers = identity.peers();
        if (peers.isEmpty()) {
            this.quorumSettings = null;
            this.discovery = null;
            this.newMetadataStorage = false;
            return;
        }
        this.quorumSettings = new MetadataQuorum.Settings(
                MetadataQuorum.Settings.DEFAULT.electionTimeoutMin(), MetadataQuorum.Settings.DEFAULT.electionTimeoutMax(),
                settings.requestTimeout(), MetadataQuorum.Settings.DEFAULT.snapshotEvery(),
                MetadataQuorum.Settings.DEFAULT.snapshotsRetained(), MetadataQuorum.Settings.DEFAULT.logSegmentBytes());
        this.discovery = discover ? new PeerDiscovery(peers.get(), identity.tls(), settings.secret(), settings.connectTimeout()) : null;
        Optional<LocalRaftGroup.Found> found = LocalRaftGroup.find(layout.raftDir(), layout.orphanedDir(), clock.millis());
        this.newMetadataStorage = found.isEmpty();
        if (found.isPresent()) {
            this.quorum = MetadataQuorum.recover(peers.get(), found.get(), layout.raftDir(), quorumSettings, identity.tls(), this::publish);
        } else if (discovery == null) {
            this.quorum = MetadataQuorum.bootstrap(peers.get(), layout.raftDir(), quorumSettings, identity.tls(), this::publish);
        }
    }

    /**
     * Starts the quorum member if it is not started yet (no Raft storage at start): asks the peers
     * ({@link PeerDiscovery}) until it can bootstrap or join, then, when joining, asks to be added until
     * the Raft configuration includes this instance. Blocks meanwhile; interruptible.
     */
    private synchronized MetadataQuorum ensureQuorum() throws InterruptedException, IOException {
        if (quorum != null) {
            return quorum;
        }
        PeerDiscovery.Decision decision = discovery.await();
        if (decision instanceof PeerDiscovery.Decision.Bootstrap b) {
            quorum = MetadataQuorum.bootstrap(peers.get(), b.groupId(), b.peers(), layout.raftDir(), quorumSettings, identity.tls(),
                    this::publish);
            return quorum;
        }
        PeerDiscovery.Decision.Join join = (PeerDiscovery.Decision.Join) decision;
        MetadataQuorum joined = MetadataQuorum.join(peers.get(), join.groupId(), layout.raftDir(), quorumSettings, identity.tls(),
                this::publish);
        quorum = joined;
        long backoffMs = 500;
        while (!joined.conf().contains(identity.id())) {
            if (discovery.requestJoin(join.via())) {
                LOG.info("The controller added {} to the metadata quorum; waiting for the configuration to reach it", identity.id());
            }
            Thread.sleep(backoffMs);
            backoffMs = Math.min(5000, backoffMs * 2);
        }
        LOG.info("Joined the metadata quorum {} as {}", joined.groupId(), joined.conf().voters().contains(identity.id()) ? "a voter" : "a listener");
        return joined;
    }

    private void publish(ClusterState state) {
        identity.clusterIdKnown(state.membership().clusterId());
        for (Consumer<ClusterState> listener : listeners) {
            try {
                listener.accept(state);
            } catch (RuntimeException e) {
                LOG.warn("A metadata listener failed", e);
            }
        }
    }

    /** Whether this instance is one of several (peers configured). */
    public boolean clustered() {
        return peers.isPresent();
    }

    public String selfId() {
        return identity.id();
    }

    /** The metadata as applied here; {@link ClusterState#EMPTY} on a single node. */
    public ClusterState state() {
        MetadataQuorum q = quorum;
        return q == null ? ClusterState.EMPTY : q.state();
    }

    /**
     * Whether the controller knows topic {@code name} (a read through the Raft leader, at most {@code timeout}); false
     * on a single node, and when the controller cannot answer in time.
     */
    public boolean controllerHasTopic(String name, Duration timeout) {
        MetadataQuorum q = quorum;
        if (q == null) {
            return false;
        }
        try {
            return q.controllerHasTopic(name).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return false;
        }
    }

    /** Registers a listener of every newly applied state and tells it the current one at once. */
    public void onState(Consumer<ClusterState> listener) {
        listeners.add(listener);
        MetadataQuorum q = quorum;
        if (q != null) {
            listener.accept(q.state());
        }
    }

    /** The controller's id: this instance on a single node, empty during an election. */
    public Optional<String> controllerId() {
        if (!clustered()) {
            return Optional.of(identity.id());
        }
        MetadataQuorum q = quorum;
        return q == null ? Optional.empty() : q.controllerId();
    }

    public boolean isController() {
        if (!clustered()) {
            return true;
        }
        MetadataQuorum q = quorum;
        return q != null && q.isController();
    }

    /** The metadata quorum's current configuration (voters and listeners); empty on a single node or before it started. */
    public QuorumConf quorumConf() {
        MetadataQuorum q = quorum;
        return q == null ? QuorumConf.EMPTY : q.conf();
    }

    /** The URL other instances reach {@code instanceId} at: what it heart-beat, else its peer entry. */
    public Optional<String> urlOf(String instanceId) {
        Optional<String> heartbeatUrl = state().instance(instanceId).map(InstanceMetadata::url);
        if (heartbeatUrl.isPresent()) {
            return heartbeatUrl;
        }
        return identity.peers().flatMap(p -> p.find(instanceId)).map(identity::urlOf);
    }

    /** Whether the metadata says {@code instanceId} is online (true for this instance on a single node). */
    public boolean isOnline(String instanceId) {
        if (!clustered()) {
            return instanceId.equals(identity.id());
        }
        return state().instance(instanceId).map(InstanceMetadata::online).orElse(false);
    }

    /** This process's incarnation, sent with its heartbeats and follower fetches. */
    public long incarnation() {
        return incarnation;
    }

    public String secret() {
        return settings.secret();
    }

    /**
     * Commits {@code command} and waits until this instance has applied it.
     *
     * @throws RunnelException with the command's failure code ({@code TOPIC_ALREADY_EXISTS}, ...), or
     *                      {@code 503 CONTROLLER_NOT_AVAILABLE} when the quorum cannot commit it in time
     */
    public void submit(MetadataCommand command) {
        ApplyResult result;
        try {
            result = quorum().submit(command).get(settings.requestTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw controllerNotAvailable("interrupted");
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw controllerNotAvailable(String.valueOf(cause.getMessage()));
        }
        if (!result.ok()) {
            throw new RunnelException(errorCode(result.code()), result.message());
        }
    }

    /**
     * Proposes {@code command} without waiting: completes with its result once applied here, or
     * exceptionally when the quorum cannot commit it. For background duties (ISR changes).
     */
    public java.util.concurrent.CompletableFuture<ApplyResult> submitAsync(MetadataCommand command) {
        return quorum().submit(command);
    }

    /**
     * Announces that this instance is stopping ({@link MetadataCommand.BeginShutdown}): marks it
     * shutting down and hands its leaderships to in-sync peers. Waits at most {@code timeout} until
     * that is applied here.
     *
     * @return whether it was applied in time
     */
    public boolean announceShutdown(java.time.Duration timeout) {
        try {
            ApplyResult result = quorum().submit(new MetadataCommand.BeginShutdown(identity.id(), incarnation))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!result.ok()) {
                LOG.warn("The metadata refused this instance's shutdown announcement: {}", result.message());
            }
            return result.ok();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("This instance's shutdown announcement was not applied: {}", String.valueOf(e.getMessage()));
            return false;
        }
    }

    /** The API code of a failed command: the one with the same name, else an internal error. */
    static ErrorCode errorCode(ApplyResult.Code code) {
        try {
            return ErrorCode.valueOf(code.name());
        } catch (IllegalArgumentException e) {
            return ErrorCode.INTERNAL_ERROR;
        }
    }

    private static RunnelException controllerNotAvailable(String why) {
        return new RunnelException(ErrorCode.CONTROLLER_NOT_AVAILABLE, "the metadata quorum did not commit the change: " + why
                + "; a majority of instances must be up. Retry shortly");
    }

    /**
     * Blocks until this instance's metadata has caught up with the quorum: commits a heartbeat
     * of this instance and waits until it is applied here, so every earlier entry is too. Retries
     * until it succeeds (a quorum may still be forming) or the thread is interrupted.
     */
    public void awaitCaughtUp() throws InterruptedException {
        try {
            ensureQuorum();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot start the metadata quorum member", e);
        }
        long attempt = 0;
        while (true) {
            try {
                heartbeatOrRefuse();
                LOG.info("Metadata caught up at index {}; controller {}", state().appliedIndex(), controllerId().orElse("?"));
                caughtUp = true;
                return;
            } catch (RunnelException e) {
                if (++attempt % 5 == 1) {
                    LOG.info("Waiting for the metadata quorum: {}", e.getMessage());
                }
                Thread.sleep(500);
            }
        }
    }

    /**
     * Commits a heartbeat of this instance, failing for good if the cluster removed it: a removed
     * instance restarted with its old data dir does not rejoin by itself.
     */
    private void heartbeatOrRefuse() {
        ApplyResult result;
        try {
            result = quorum().submit(new MetadataCommand.InstanceHeartbeat(identity.id(), identity.url(), clock.millis(), incarnation))
                    .get(settings.requestTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw controllerNotAvailable("interrupted");
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw controllerNotAvailable(String.valueOf(cause.getMessage()));
        }
        if (result.code() == ApplyResult.Code.INSTANCE_REMOVED) {
            throw new IllegalStateException("This instance (" + identity.id() + ") was removed from the cluster "
                    + identity.clusterId() + " and does not rejoin with its old data: to join again as a new member, start it "
                    + "with an empty data dir (move " + layout.root() + " aside)");
        }
        if (!result.ok()) {
            throw new RunnelException(errorCode(result.code()), result.message());
        }
    }

    /**
     * Whether this instance started without any metadata storage: a first start, or a new member
     * joining. Partition directories found then are not known to be garbage and must not be deleted.
     */
    public boolean newMetadataStorage() {
        return newMetadataStorage;
    }

    /** Whether this instance's metadata has caught up with the quorum since it started ({@link #awaitCaughtUp}). */
    public boolean caughtUp() {
        return caughtUp;
    }

    private MetadataQuorum quorum() {
        if (!clustered()) {
            throw new IllegalStateException("no metadata quorum on a single node");
        }
        MetadataQuorum q = quorum;
        if (q == null) {
            throw controllerNotAvailable("this instance has not found its cluster yet");
        }
        return q;
    }

    /** What this instance says about its membership ({@code GET /internal/cluster/membership}). */
    MembershipView membershipView() {
        MetadataQuorum q = quorum;
        if (q == null) {
            return MembershipView.NONE;
        }
        QuorumConf conf = q.conf();
        return new MembershipView(q.groupId().toString(), q.state().membership().clusterId(), conf.voters(), conf.listeners(),
                q.bootstrapPeers().stream().map(ClusterPeers.Peer::toString).toList());
    }

    /**
     * On the controller: admits a joining instance ({@link MetadataCommand.AdmitInstance}) and adds it
     * to the quorum as a listener (one compare-and-set configuration change); the controller's duties
     * promote listeners to voters as the voter count allows. Nothing to do if it is a member already.
     *
     * @throws RunnelException {@code 503 CONTROLLER_NOT_AVAILABLE} if this is not the controller or the
     *                         configuration could not be changed now (the joiner asks again)
     */
    void admit(JoinRequest request) {
        MetadataQuorum q = quorum();
        if (!q.isController()) {
            throw new RunnelException(ErrorCode.CONTROLLER_NOT_AVAILABLE, "not the controller");
        }
        submit(new MetadataCommand.AdmitInstance(request.id()));
        QuorumConf conf = q.conf();
        if (conf.contains(request.id())) {
            return;
        }
        try {
            q.reconfigure(conf, conf.withListener(request.id()), java.util.Map.of(request.id(), request.raftAddress()));
            LOG.info("Added {} at {} to the metadata quorum as a listener", request.id(), request.raftAddress());
        } catch (IOException | RuntimeException e) {
            throw controllerNotAvailable("could not add " + request.id() + " now: " + e.getMessage());
        }
    }

    /**
     * Removes {@code instanceId} from the cluster: from the metadata ({@link MetadataCommand.RemoveInstance},
     * refused while it holds replicas) and then from the Raft configuration. If the configuration change
     * does not go through now, the controller's duties finish it (a removed member is taken out first).
     *
     * @throws RunnelException {@code 404 INSTANCE_NOT_FOUND}, {@code 409 INSTANCE_NOT_EMPTY}, or
     *                         {@code 503 CONTROLLER_NOT_AVAILABLE}
     */
    public void removeInstance(String instanceId) {
        if (!clustered()) {
            if (instanceId.equals(identity.id())) {
                throw new RunnelException(ErrorCode.INSTANCE_NOT_EMPTY, "a single node cannot leave its own cluster");
            }
            throw new RunnelException(ErrorCode.INSTANCE_NOT_FOUND, "no instance '" + instanceId + "' in the cluster");
        }
        MetadataQuorum q = quorum();
        submit(new MetadataCommand.RemoveInstance(instanceId, q.conf().contains(instanceId)));
        for (int attempt = 0; attempt < 3; attempt++) {
            QuorumConf conf = q.conf();
            if (!conf.contains(instanceId)) {
                return;
            }
            try {
                q.reconfigure(conf, conf.without(instanceId), java.util.Map.of());
                LOG.info("Removed {} from the metadata quorum", instanceId);
                return;
            } catch (IOException | RuntimeException e) {
                LOG.info("Removing {} from the metadata quorum failed ({}); the controller will retry", instanceId, e.getMessage());
            }
        }
    }

    @EventListener(ApplicationReadyEvent.class)
    void startDuties() {
        MetadataQuorum quorum = this.quorum;
        if (quorum != null && duties == null) {
            duties = new ControllerDuties(quorum, ControllerDuties.Settings.of(settings.heartbeatInterval(), settings.sessionTimeout(),
                    settings.autoLeaderRebalance() ? ControllerDuties.PREFERRED_LEADER_CHECK_INTERVAL : java.time.Duration.ZERO,
                    settings.maxConcurrentReassignments()),
                    clock, incarnation,
                    executors == null ? null : executors.controllerDuties()).start();
        }
    }

    @Override
    public void destroy() throws IOException {
        if (duties != null) {
            duties.close();
        }
        MetadataQuorum q = quorum;
        if (q != null) {
            q.close();
        }
    }
}
