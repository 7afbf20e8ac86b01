package io.runnel.cluster;

import io.runnel.config.ClusterPeers;
import io.runnel.config.ClusterPeers.Peer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's member of the metadata quorum: a Ratis server holding one replica of the
 * cluster metadata ({@link MetadataStateMachine}), a Ratis client to propose commands, and another for
 * configuration changes and snapshots.
 *
 * <p>The members of the Raft group are voters (an odd number, at most 5) and listeners (Ratis's
 * non-voting members, which apply the log too); {@link QuorumConf}. The group is bootstrapped once from
 * {@link ClusterPeers} or joined ({@link #join}), and found on disk at every later start
 * ({@link LocalRaftGroup}): the peer list only says whom to contact, never which group this is. The
 * configuration changes one step at a time through {@link #reconfigure}. The Raft leader is the
 * <b>controller</b>.
 *
 * <p>Storage: {@code <data-dir>/raft/<group-id>/} holds the Raft log, term and vote
 * ({@code current/}) and the metadata snapshots ({@code sm/}). A start recovers from it; the
 * first start creates it. Transport: gRPC on the peer's {@code raftPort}, bound to its host; over TLS
 * with the web server's key and trust material when it has TLS ({@link InstanceTls}, the Raft port then
 * requiring the peer's certificate if {@link InstanceTls#mutual()}).
 *
 * <p><b>Role changes.</b> Ratis 3.1.3 gives a running member the role its configuration says only when
 * the member starts: a voter demoted to listener goes on as a follower, stands for election when the
 * leader is lost, finds itself not among the voters and closes its member for good; a listener promoted
 * to voter never votes. So a watch ({@value #ROLE_CHECK_MS} ms) compares this member's role with the
 * configuration and restarts the Ratis server from its storage when they differ, or when the member
 * closed itself while this instance is still in the cluster; the restarted member starts with its
 * configured role and catches up from the leader. The restart never publishes an older state: the
 * listener and {@link #state()} see only states newer than the last one published.
 *
 * <p>Thread-safety: every method may be called from any thread. Futures complete on Ratis or
 * common-pool threads, never on the thread that applies the log.
 */
public final class MetadataQuorum implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataQuorum.class);

    /**
     * Ratis timing and snapshot policy.
     *
     * @param electionTimeoutMin how long a follower waits for the leader before it stands (randomized up to max)
     * @param electionTimeoutMax upper bound of that wait
     * @param submitTimeout      how long {@link #submit} tries (across leader changes) before it fails
     * @param snapshotEvery      log entries between automatic snapshots; the log is purged up to
     *                           each snapshot, and a member that needs older entries gets the snapshot
     * @param snapshotsRetained  snapshot files kept on disk
     * @param logSegmentBytes    size of a Raft log segment file; only whole closed segments are purged
     */
    public record Settings(Duration electionTimeoutMin, Duration electionTimeoutMax, Duration submitTimeout,
                           long snapshotEvery, int snapshotsRetained, long logSegmentBytes) {
        /** Tolerates JVM pauses of a second without an election; a leader is replaced within a few seconds. */
        public static final Settings DEFAULT = new Settings(Duration.ofMillis(1000), Duration.ofMillis(2000),
                Duration.ofSeconds(10), 10_000, 2, 1024 * 1024);
    }

    /** The quorum could not commit a command: no leader reachable, no majority, or closed. */
    public static final class QuorumException extends RuntimeException {
        QuorumException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static final long ROLE_CHECK_MS = 1000;
    /** Restarts closer together than this are not made: a member that keeps closing itself is left closed a while. */
    private static final long MIN_RESTART_INTERVAL_MS = 5000;
    /** How often a wait for an applied index looks again for the state machine of a restarted member. */
    private static final long RESTART_WAIT_MS = 100;

    private final ClusterPeers peers;
    private final Settings settings;
    private final RaftGroup group;
    private final Path storageDir;
    private final InstanceTls tls;
    private final Consumer<ClusterState> listener;
    /** The newest state published: a restarted state machine replays from its snapshot and must not go back. */
    private volatile ClusterState published = ClusterState.EMPTY;
    private volatile MetadataStateMachine stateMachine;
    private volatile RaftServer server;
    private final Object lifecycle = new Object();
    private volatile boolean closed;
    private long lastRestartNanos;
    private volatile int restarts;
    private final ScheduledExecutorService roleWatch;
    private final MetadataClient client;
    /**
     * A second client for the blocking administrative calls ({@link #reconfigure}, {@link #takeSnapshot}). A
     * configuration change the leader refuses (another instance made the same change first: a DELETE of an
     * instance answered by a non-controller races the controller's own reconciliation) fails as an I/O error,
     * and the client then reconnects and tries other servers; on the client that carries commands that held
     * up the instance's heartbeat for seconds, and the controller marked a live instance offline.
     */
    private final MetadataClient admin;
    /** Identifies the commands this instance proposes to its own server while it is the controller ({@link #proposeHere}). */
    private final ClientId localClientId = ClientId.randomId();
    private final AtomicLong localCallIds = new AtomicLong();
    private final String selfUrl;
    private final boolean bootstrappedHere;
    private final List<Peer> bootstrapPeers;

    private MetadataQuorum(ClusterPeers peers, RaftGroup group, boolean bootstrappedHere, List<Peer> bootstrapPeers, Path storageDir, Settings settings,
                           InstanceTls tls, Consumer<ClusterState> listener) throws IOException {
        this.peers = peers;
        this.selfUrl = tls.urlOf(peers.self());
        this.settings = settings;
        this.group = group;
        this.bootstrappedHere = bootstrappedHere;
        this.bootstrapPeers = List.copyOf(bootstrapPeers);
        this.storageDir = storageDir;
        this.tls = tls;
        this.listener = listener;
        this.stateMachine = new MetadataStateMachine(this::publish);
        this.server = newServer(stateMachine);
        this.roleWatch = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "runnel-quorum-roles");
            t.setDaemon(true);
            return t;
        });
        Supplier<RaftClient> clients = () -> RaftClient.newBuilder()
                .setRaftGroup(clientGroup())
                .setProperties(RatisProperties.client(settings))
                .setRetryPolicy(RatisProperties.clientRetry(settings))
                .setParameters(RatisProperties.parameters(tls))
                .build();
        this.client = new MetadataClient(clients);
        this.admin = new MetadataClient(clients);
    }

    private RaftServer newServer(MetadataStateMachine machine) throws IOException {
        return RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf(peers.self().id()))
                .setGroup(group)
                .setStateMachine(machine)
                .setProperties(RatisProperties.server(peers.self(), storageDir, settings))
                .setParameters(RatisProperties.parameters(tls))
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
    }

    /** Tells the listener of {@code next} unless a state as new was published already (a restarted member replaying). */
    private void publish(ClusterState next) {
        synchronized (this) {
            if (next.appliedIndex() <= published.appliedIndex() && published != ClusterState.EMPTY) {
                return;
            }
            published = next;
        }
        listener.accept(next);
    }

    /**
     * The group the Ratis client talks to: the voters of the current configuration, or, before this
     * instance knows any (it is joining), the peers it was configured to contact.
     */
    private RaftGroup clientGroup() {
        List<RaftPeer> voters = raftConf().map(c -> List.copyOf(c.getCurrentPeers(RaftPeerRole.FOLLOWER))).orElse(List.of());
        if (voters.isEmpty()) {
            voters = peers.all().stream().filter(p -> !p.id().equals(peers.self().id())).map(MetadataQuorum::raftPeer).toList();
        }
        if (voters.isEmpty()) {
            voters = List.of(raftPeer(peers.self()));
        }
        return RaftGroup.valueOf(group.getGroupId(), voters);
    }

    /**
     * Starts this instance's Raft server; it joins the others (or waits for them) in the
     * background, so this returns before a controller is elected.
     *
     * <p>The group is the one found in {@code storageDir} ({@link LocalRaftGroup}), whatever
     * {@code peers} says now; only when there is none is a new one bootstrapped from {@code peers}
     * (without asking anyone: for tests and tools that start every member together).
     *
     * @param storageDir where Ratis keeps its storage ({@code DataLayout#raftDir()}): the group's log and
     *                   snapshots go in {@code <storageDir>/<group uuid>/}
     * @param listener   told of every new applied state, on the applying thread; must return quickly
     * @throws IOException if the storage cannot be opened or the Raft port bound
     */
    public static MetadataQuorum start(ClusterPeers peers, Path storageDir, Settings settings, Consumer<ClusterState> listener)
            throws IOException {
        return start(peers, storageDir, settings, InstanceTls.OFF, listener);
    }

    /** As {@link #start(ClusterPeers, Path, Settings, Consumer)}, with Raft over TLS when {@code tls} is on. */
    public static MetadataQuorum start(ClusterPeers peers, Path storageDir, Settings settings, InstanceTls tls,
                                       Consumer<ClusterState> listener) throws IOException {
        Optional<LocalRaftGroup.Found> found = LocalRaftGroup.find(storageDir, storageDir.resolveSibling("orphaned"),
                System.currentTimeMillis());
        if (found.isPresent()) {
            return recover(peers, found.get(), storageDir, settings, tls, listener);
        }
        return bootstrap(peers, storageDir, settings, tls, listener);
    }

    /** Starts the group found on disk. */
    static MetadataQuorum recover(ClusterPeers peers, LocalRaftGroup.Found found, Path storageDir, Settings settings, InstanceTls tls,
                                  Consumer<ClusterState> listener) throws IOException {
        List<Peer> initial = found.bootstrapPeers();
        if (initial.isEmpty() && found.groupId().equals(LocalRaftGroup.bootstrapGroupId(peers))) {
            initial = peers.all(); // made by the version that derived the group from the peer list: that list was its start
        }
        return start(peers, RaftGroup.valueOf(RaftGroupId.valueOf(found.groupId()), initial.stream().map(MetadataQuorum::raftPeer).toList()),
                found.bootstrappedHere(), found.bootstrapPeers(), storageDir, settings, tls, listener);
    }

    /** Bootstraps a new group from {@code peers} (every one a voter), recording it for later starts. */
    static MetadataQuorum bootstrap(ClusterPeers peers, Path storageDir, Settings settings, InstanceTls tls,
                                    Consumer<ClusterState> listener) throws IOException {
        UUID id = LocalRaftGroup.bootstrapGroupId(peers);
        return bootstrap(peers, id, peers.all(), storageDir, settings, tls, listener);
    }

    /** Bootstraps (or, being listed in it, starts as a member of) group {@code id} with {@code initial} as its configuration. */
    static MetadataQuorum bootstrap(ClusterPeers peers, UUID id, List<Peer> initial, Path storageDir, Settings settings, InstanceTls tls,
                                    Consumer<ClusterState> listener) throws IOException {
        LocalRaftGroup.recordBootstrap(storageDir, id, initial);
        return start(peers, RaftGroup.valueOf(RaftGroupId.valueOf(id), initial.stream().map(MetadataQuorum::raftPeer).toList()),
                true, initial, storageDir, settings, tls, listener);
    }

    /**
     * Starts as a new member of the existing group {@code id}: with an empty configuration, as Ratis
     * wants of a server that is to be added; it takes part once the controller added it
     * ({@link #reconfigure}) and the leader's log reached it.
     */
    static MetadataQuorum join(ClusterPeers peers, UUID id, Path storageDir, Settings settings, InstanceTls tls,
                               Consumer<ClusterState> listener) throws IOException {
        return start(peers, RaftGroup.valueOf(RaftGroupId.valueOf(id)), false, List.of(), storageDir, settings, tls, listener);
    }

    private static MetadataQuorum start(ClusterPeers peers, RaftGroup group, boolean bootstrappedHere, List<Peer> bootstrapPeers,
                                        Path storageDir, Settings settings, InstanceTls tls, Consumer<ClusterState> listener)
            throws IOException {
        MetadataQuorum quorum = new MetadataQuorum(peers, group, bootstrappedHere, bootstrapPeers, storageDir, settings, tls, listener);
        try {
            quorum.server.start();
        } catch (IOException | RuntimeException e) {
            quorum.close();
            throw e;
        }
        quorum.roleWatch.scheduleWithFixedDelay(quorum::checkRole, ROLE_CHECK_MS, ROLE_CHECK_MS, TimeUnit.MILLISECONDS);
        LOG.info("Metadata quorum member {} started on {}; group {}, configuration {}", peers.self().id(), peers.self().raftAddress(),
                quorum.groupId(), quorum.conf());
        return quorum;
    }

    private static RaftPeer raftPeer(Peer peer) {
        return RaftPeer.newBuilder().setId(peer.id()).setAddress(peer.raftAddress()).build();
    }

    /**
     * Proposes {@code command} to the controller and completes once it is committed and this
     * instance has applied it, so {@link #state()} then shows its effect: with the result, which
     * may be a failure code (the command was decided against), or exceptionally with
     * {@link QuorumException} if it could not be committed within {@code submitTimeout}. A command refused
     * with {@code INSTANCE_REMOVED} completes without waiting for this instance to apply it (a removed
     * instance no longer receives the log). Retries
     * across leader changes do not apply a command twice (Ratis's retry cache).
     */
    public CompletableFuture<ApplyResult> submit(MetadataCommand command) {
        Message message = Message.valueOf(ByteString.copyFrom(MetadataJson.write(command)));
        long timeoutMs = settings.submitTimeout().toMillis();
        CompletableFuture<RaftClientReply> sent = isController() ? proposeHere(message) : client.send(c -> c.async().send(message));
        return sent
                .thenCompose(reply -> {
                    if (!reply.isSuccess()) {
                        throw new CompletionException(reply.getException());
                    }
                    ApplyResult result = MetadataJson.read(reply.getMessage().getContent().toByteArray(), ApplyResult.class);
                    if (result.code() == ApplyResult.Code.INSTANCE_REMOVED) {
                        // a removed instance is out of the Raft configuration: the log may never reach it again
                        return CompletableFuture.completedFuture(result);
                    }
                    return whenApplied(reply.getLogIndex()).thenApplyAsync(applied -> result);
                })
                .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .exceptionally(e -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    String why = cause instanceof TimeoutException ? "not committed and applied within " + timeoutMs + " ms"
                            : String.valueOf(cause.getMessage());
                    throw new QuorumException("metadata command " + command.getClass().getSimpleName() + " failed: " + why, cause);
                });
    }

    /**
     * On the controller, a command goes straight to this instance's Raft server rather than
     * through the Ratis client: the controller's own duties (marking instances offline, electing
     * leaders, its heartbeats, its shutdown) then never wait on a client that still tries a former
     * leader, which can take the whole submit timeout, again and again, when that leader is paused
     * rather than gone. A leader not ready yet (just elected) has appended nothing, so the command
     * goes through the client then; any other failure is the command's (no second attempt under
     * another client id, which could apply it twice).
     */
    private CompletableFuture<RaftClientReply> proposeHere(Message message) {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(localClientId)
                .setServerId(server.getId())
                .setGroupId(group.getGroupId())
                .setCallId(localCallIds.incrementAndGet())
                .setMessage(message)
                .setType(RaftClientRequest.writeRequestType())
                .build();
        CompletableFuture<RaftClientReply> local;
        try {
            local = server.submitClientRequestAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        return local.thenCompose(reply -> reply.getException() instanceof LeaderNotReadyException
                ? client.send(c -> c.async().send(message)) : CompletableFuture.completedFuture(reply));
    }

    /** The metadata as this instance has applied it; may trail the controller by a few entries. */
    public ClusterState state() {
        ClusterState applied = stateMachine.state();
        ClusterState last = published;
        return applied.appliedIndex() >= last.appliedIndex() ? applied : last;
    }

    /**
     * Completes once this instance has applied {@code index}, across a restart of its member: the closing state
     * machine fails its waiters (on its own thread, while a restart holds {@link #lifecycle}, so this takes no lock),
     * and the wait goes on with the next one. Bounded by the caller's timeout.
     */
    private CompletableFuture<ClusterState> whenApplied(long index) {
        return stateMachine.whenApplied(index).exceptionallyComposeAsync(e -> closed ? CompletableFuture.failedFuture(e) : whenApplied(index),
                CompletableFuture.delayedExecutor(RESTART_WAIT_MS, TimeUnit.MILLISECONDS));
    }

    /**
     * Restarts this member when its role differs from the one the configuration gives it, or when it
     * closed itself while this instance is still a member (see the class comment).
     */
    void checkRole() {
        try {
            String self = peers.self().id();
            if (state().membership().removed().contains(self)) {
                return;
            }
            RaftServer current = server;
            org.apache.ratis.server.RaftServer.Division division;
            try {
                division = current.getDivision(group.getGroupId());
            } catch (IOException gone) {
                if (state().appliedIndex() >= 0) {
                    restart(current, "its Raft member has stopped");
                }
                return;
            }
            DivisionInfo info = division.getInfo();
            RaftConfiguration conf = division.getRaftConf();
            if (!info.isAlive()) {
                restart(current, "its Raft member has stopped");
                return;
            }
            boolean transitional = conf != null
                    && (!conf.getPreviousPeers(RaftPeerRole.FOLLOWER).isEmpty() || !conf.getPreviousPeers(RaftPeerRole.LISTENER).isEmpty());
            if (conf == null || transitional || info.isLeader()) {
                return;
            }
            RaftPeerId id = RaftPeerId.valueOf(self);
            boolean voter = conf.getCurrentPeers(RaftPeerRole.FOLLOWER).stream().anyMatch(p -> p.getId().equals(id));
            boolean listens = conf.getCurrentPeers(RaftPeerRole.LISTENER).stream().anyMatch(p -> p.getId().equals(id));
            if (listens && (info.isFollower() || info.isCandidate())) {
                restart(current, "the configuration made it a listener while it runs as a " + info.getCurrentRole());
            } else if (voter && info.isListener()) {
                restart(current, "the configuration made it a voter while it runs as a listener");
            }
        } catch (RuntimeException e) {
            LOG.warn("Checking the metadata quorum member's role failed", e);
        }
    }

    private void restart(RaftServer current, String why) {
        synchronized (lifecycle) {
            if (closed || server != current || System.nanoTime() - lastRestartNanos < TimeUnit.MILLISECONDS.toNanos(MIN_RESTART_INTERVAL_MS)) {
                return;
            }
            lastRestartNanos = System.nanoTime();
            LOG.warn("Restarting metadata quorum member {}: {}", peers.self().id(), why);
            try {
                current.close();
            } catch (IOException | RuntimeException e) {
                LOG.warn("Closing metadata quorum member {} before its restart failed", peers.self().id(), e);
            }
            MetadataStateMachine machine = new MetadataStateMachine(this::publish);
            try {
                RaftServer next = newServer(machine);
                stateMachine = machine;
                server = next;
                next.start();
                restarts++;
                LOG.info("Metadata quorum member {} restarted; configuration {}", peers.self().id(), conf());
            } catch (IOException | RuntimeException e) {
                LOG.warn("Restarting metadata quorum member {} failed; trying again in {} ms", peers.self().id(),
                        MIN_RESTART_INTERVAL_MS, e);
            }
        }
    }

    /** This member's role as Ratis runs it now; empty while it has no running member. */
    Optional<RaftPeerRole> role() {
        return division().map(DivisionInfo::getCurrentRole);
    }

    /** How many times this member was restarted for its role (tests). */
    int restarts() {
        return restarts;
    }

    /** Whether the controller's metadata holds topic {@code name}: a read through the Raft leader. */
    public CompletableFuture<Boolean> controllerHasTopic(String name) {
        Message query = Message.valueOf(ByteString.copyFrom(MetadataJson.write(new MetadataQuery.TopicLookup(name))));
        return client.send(c -> c.async().sendReadOnly(query)).thenApply(reply -> {
            if (!reply.isSuccess()) {
                throw new CompletionException(new QuorumException("metadata query failed", reply.getException()));
            }
            return MetadataJson.read(reply.getMessage().getContent().toByteArray(), TopicMetadata.class) != null;
        });
    }

    /** The metadata as the controller has applied it, read from the controller. */
    public CompletableFuture<ClusterState> controllerState() {
        Message query = Message.valueOf(ByteString.copyFrom(MetadataJson.write(new MetadataQuery.WholeState())));
        return client.send(c -> c.async().sendReadOnly(query)).thenApply(reply -> {
            if (!reply.isSuccess()) {
                throw new CompletionException(new QuorumException("metadata query failed", reply.getException()));
            }
            return MetadataJson.read(reply.getMessage().getContent().toByteArray(), ClusterState.class);
        });
    }

    /** The current controller (Raft leader) as this instance knows it; empty during an election. */
    public Optional<String> controllerId() {
        return division().map(DivisionInfo::getLeaderId).map(RaftPeerId::toString);
    }

    /** Whether this instance is the controller now. */
    public boolean isController() {
        return division().map(DivisionInfo::isLeader).orElse(false);
    }

    /** The current Raft term as this instance knows it; it grows with every election. */
    public long term() {
        return division().map(DivisionInfo::getCurrentTerm).orElse(0L);
    }

    private Optional<DivisionInfo> division() {
        try {
            return Optional.of(server.getDivision(group.getGroupId()).getInfo());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The Raft group's id, the same on every instance; chosen at the cluster's bootstrap and kept on disk. */
    public UUID groupId() {
        return group.getGroupId().getUuid();
    }

    /** Whether this instance bootstrapped its group (rather than joined it, or a previous version made it). */
    public boolean bootstrappedHere() {
        return bootstrappedHere;
    }

    /** The peers this instance bootstrapped its group with; empty if it joined. */
    List<Peer> bootstrapPeers() {
        return bootstrappedHere ? bootstrapPeers : List.of();
    }

    private Optional<RaftConfiguration> raftConf() {
        try {
            return Optional.ofNullable(server.getDivision(group.getGroupId()).getRaftConf());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The current Raft configuration as this instance knows it: empty while it is joining. */
    public QuorumConf conf() {
        return raftConf().map(c -> new QuorumConf(ids(c.getCurrentPeers(RaftPeerRole.FOLLOWER)), ids(c.getCurrentPeers(RaftPeerRole.LISTENER))))
                .orElse(QuorumConf.EMPTY);
    }

    /** The Raft address of each member of the current configuration, by id. */
    public Map<String, String> addresses() {
        Map<String, String> addresses = new TreeMap<>();
        raftConf().ifPresent(c -> c.getAllPeers().forEach(p -> addresses.put(p.getId().toString(), p.getAddress())));
        raftConf().ifPresent(c -> c.getAllPeers(RaftPeerRole.LISTENER).forEach(p -> addresses.put(p.getId().toString(), p.getAddress())));
        return addresses;
    }

    private static List<String> ids(Collection<RaftPeer> peers) {
        return peers.stream().map(p -> p.getId().toString()).sorted().toList();
    }

    /**
     * Changes the Raft configuration from {@code expected} to {@code next} in one step, if it still is
     * {@code expected} (Ratis's compare-and-set mode). Blocks until the new configuration is committed
     * (the leader first brings new voters up to date) or fails.
     *
     * @param newAddresses Raft addresses of members not in the current configuration, by id
     * @throws IOException if Ratis refused it (the configuration changed meanwhile, another change is
     *                     in progress, no leader) or it did not complete
     */
    public void reconfigure(QuorumConf expected, QuorumConf next, Map<String, String> newAddresses) throws IOException {
        Map<String, String> addresses = new TreeMap<>(addresses());
        addresses.putAll(newAddresses);
        SetConfigurationRequest.Arguments arguments = SetConfigurationRequest.Arguments.newBuilder()
                .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
                .setServersInCurrentConf(peersOf(expected.voters(), addresses))
                .setListenersInCurrentConf(peersOf(expected.listeners(), addresses))
                .setServersInNewConf(peersOf(next.voters(), addresses))
                .setListenersInNewConf(peersOf(next.listeners(), addresses))
                .build();
        LOG.info("Changing the metadata quorum from {} to {}", expected, next);
        RaftClientReply reply = admin.current().admin().setConfiguration(arguments);
        if (!reply.isSuccess()) {
            throw new IOException("the configuration change to " + next + " failed", reply.getException());
        }
    }

    private static List<RaftPeer> peersOf(List<String> ids, Map<String, String> addresses) {
        List<RaftPeer> peers = new ArrayList<>();
        for (String id : ids) {
            String address = addresses.get(id);
            if (address == null) {
                throw new IllegalArgumentException("no Raft address of " + id);
            }
            peers.add(RaftPeer.newBuilder().setId(id).setAddress(address).build());
        }
        return peers;
    }

    public Peer self() {
        return peers.self();
    }

    /** The URL this instance heart-beats: its peer entry with the scheme of {@link InstanceTls}. */
    public String selfUrl() {
        return selfUrl;
    }

    public ClusterPeers peers() {
        return peers;
    }

    /** Writes a snapshot of this instance's applied state now; returns its log index. */
    public long takeSnapshot() throws IOException {
        RaftClientReply reply = admin.current().getSnapshotManagementApi(RaftPeerId.valueOf(peers.self().id()))
                .create(true, settings.submitTimeout().toMillis());
        if (!reply.isSuccess()) {
            throw new IOException("snapshot failed", reply.getException());
        }
        return reply.getLogIndex();
    }

    /** How many times a failed Ratis client was replaced. */
    int clientsReplaced() {
        return client.replaced();
    }

    /** The state machine, for tests that look at what it restored. */
    MetadataStateMachine stateMachine() {
        return stateMachine;
    }

    /** Stops the client and the server; the storage stays for the next start. */
    @Override
    public void close() throws IOException {
        synchronized (lifecycle) {
            closed = true;
        }
        roleWatch.shutdownNow();
        try {
            admin.close();
        } finally {
            try {
                client.close();
            } finally {
                server.close();
            }
        }
        LOG.info("Metadata quorum member {} stopped", peers.self().id());
    }
}
