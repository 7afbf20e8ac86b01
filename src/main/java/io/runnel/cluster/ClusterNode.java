package io.runnel.cluster;

import io.runnel.config.ClusterPeers;
import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.config.RunnelExecutors;
import io.runnel.config.RunnelProperties;
import io.runnel.storage.DataLayout;
import java.io.IOException;
import java.time.Clock;
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
 * instance's {@link MetadataQuorum} member when it is created (binding the Raft port), and, once
 * the application is ready, its {@link ControllerDuties} (heartbeats, and liveness checks while it
 * is the controller). {@code runnel.cluster.secret} is required then; the configuration checks that
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
    private final MetadataQuorum quorum;
    private volatile ControllerDuties duties;
    private final RunnelExecutors executors;
    private volatile boolean caughtUp;
    private final boolean newMetadataStorage;
    /** Chosen at each start, so the metadata can tell a restart from a heartbeat of the same process. */
    private final long incarnation = java.util.concurrent.ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);

    public ClusterNode(RunnelProperties props, NodeIdentity identity, DataLayout layout, Clock clock) throws IOException {
        this(props, identity, layout, clock, null);
    }

    /** @param executors where the controller duties run; null for a thread of their own */
    @Autowired
    public ClusterNode(RunnelProperties props, NodeIdentity identity, DataLayout layout, Clock clock, RunnelExecutors executors)
            throws IOException {
        this.executors = executors;
        this.settings = props.cluster();
        this.identity = identity;
        this.clock = clock;
        Optional<ClusterPeers> peers = identity.peers();
        if (peers.isEmpty()) {
            this.quorum = null;
            this.newMetadataStorage = false;
            return;
        }
        MetadataQuorum.Settings quorumSettings = new MetadataQuorum.Settings(
                MetadataQuorum.Settings.DEFAULT.electionTimeoutMin(), MetadataQuorum.Settings.DEFAULT.electionTimeoutMax(),
                settings.requestTimeout(), MetadataQuorum.Settings.DEFAULT.snapshotEvery(),
                MetadataQuorum.Settings.DEFAULT.snapshotsRetained(), MetadataQuorum.Settings.DEFAULT.logSegmentBytes());
        this.newMetadataStorage = !java.nio.file.Files.isDirectory(layout.raftGroupDir(MetadataQuorum.groupUuid(peers.get())));
        this.quorum = MetadataQuorum.start(peers.get(), layout.raftDir(), quorumSettings, identity.tls(), this::publish);
    }

    private void publish(ClusterState state) {
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
        return quorum != null;
    }

    public String selfId() {
        return identity.id();
    }

    /** The metadata as applied here; {@link ClusterState#EMPTY} on a single node. */
    public ClusterState state() {
        return quorum == null ? ClusterState.EMPTY : quorum.state();
    }

    /** Registers a listener of every newly applied state and tells it the current one at once. */
    public void onState(Consumer<ClusterState> listener) {
        listeners.add(listener);
        if (quorum != null) {
            listener.accept(quorum.state());
        }
    }

    /** The controller's id: this instance on a single node, empty during an election. */
    public Optional<String> controllerId() {
        return quorum == null ? Optional.of(identity.id()) : quorum.controllerId();
    }

    public boolean isController() {
        return quorum == null || quorum.isController();
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
        if (quorum == null) {
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
        long attempt = 0;
        while (true) {
            try {
                submit(new MetadataCommand.InstanceHeartbeat(identity.id(), identity.url(), clock.millis(), incarnation));
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
     * Whether this instance started without any metadata storage of its cluster: a first start, or
     * a changed peer list (which makes a new Raft group). Partition directories found then are not
     * known to be garbage and must not be deleted.
     */
    public boolean newMetadataStorage() {
        return newMetadataStorage;
    }

    /** Whether this instance's metadata has caught up with the quorum since it started ({@link #awaitCaughtUp}). */
    public boolean caughtUp() {
        return caughtUp;
    }

    private MetadataQuorum quorum() {
        if (quorum == null) {
            throw new IllegalStateException("no metadata quorum on a single node");
        }
        return quorum;
    }

    @EventListener(ApplicationReadyEvent.class)
    void startDuties() {
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
        if (quorum != null) {
            quorum.close();
        }
    }
}
