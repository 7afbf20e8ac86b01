package io.runnel.cluster;

import io.runnel.config.ClusterPeers;
import io.runnel.config.ClusterPeers.Peer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;
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
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's member of the metadata quorum: a Ratis server holding one replica of the
 * cluster metadata ({@link MetadataStateMachine}), and a Ratis client to propose commands.
 *
 * <p>Every peer of {@link ClusterPeers} is a voter of one Raft group. Its id is derived from the
 * sorted peer ids only (not their addresses, which may change), so every instance computes the same
 * group and a restart finds its storage again. The Raft leader is the <b>controller</b>.
 *
 * <p>Storage: {@code <data-dir>/raft/<group-id>/} holds the Raft log, term and vote
 * ({@code current/}) and the metadata snapshots ({@code sm/}). A start recovers from it; the
 * first start creates it. Transport: gRPC on the peer's {@code raftPort}, bound to its host; over TLS
 * with the web server's key and trust material when it has TLS ({@link InstanceTls}, the Raft port then
 * requiring the peer's certificate if {@link InstanceTls#mutual()}).
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

    private final ClusterPeers peers;
    private final Settings settings;
    private final RaftGroup group;
    private final MetadataStateMachine stateMachine;
    private final RaftServer server;
    private final MetadataClient client;
    /** Identifies the commands this instance proposes to its own server while it is the controller ({@link #proposeHere}). */
    private final ClientId localClientId = ClientId.randomId();
    private final AtomicLong localCallIds = new AtomicLong();
    private final String selfUrl;

    private MetadataQuorum(ClusterPeers peers, Path storageDir, Settings settings, InstanceTls tls, Consumer<ClusterState> listener)
            throws IOException {
        this.peers = peers;
        this.selfUrl = tls.urlOf(peers.self());
        this.settings = settings;
        this.group = RaftGroup.valueOf(RaftGroupId.valueOf(groupUuid(peers)),
                peers.all().stream().map(MetadataQuorum::raftPeer).toList());
        this.stateMachine = new MetadataStateMachine(listener);
        this.server = RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf(peers.self().id()))
                .setGroup(group)
                .setStateMachine(stateMachine)
                .setProperties(RatisProperties.server(peers.self(), storageDir, settings))
                .setParameters(RatisProperties.parameters(tls))
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        this.client = new MetadataClient(() -> RaftClient.newBuilder()
                .setRaftGroup(group)
                .setProperties(RatisProperties.client(settings))
                .setRetryPolicy(RatisProperties.clientRetry(settings))
                .setParameters(RatisProperties.parameters(tls))
                .build());
    }

    /**
     * Starts this instance's Raft server; it joins the others (or waits for them) in the
     * background, so this returns before a controller is elected.
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
        MetadataQuorum quorum = new MetadataQuorum(peers, storageDir, settings, tls, listener);
        try {
            quorum.server.start();
        } catch (IOException | RuntimeException e) {
            quorum.close();
            throw e;
        }
        LOG.info("Metadata quorum member {} started on {}; group {} of {}", peers.self().id(), peers.self().raftAddress(),
                quorum.groupId(), peers.all().stream().map(Peer::id).toList());
        return quorum;
    }

    /** The Raft group id: the same on every instance given the same peer ids. Also a natural cluster id. */
    static UUID groupUuid(ClusterPeers peers) {
        String ids = peers.all().stream().map(Peer::id).sorted().collect(Collectors.joining(","));
        return UUID.nameUUIDFromBytes(("runnel-metadata:" + ids).getBytes(StandardCharsets.UTF_8));
    }

    private static RaftPeer raftPeer(Peer peer) {
        return RaftPeer.newBuilder().setId(peer.id()).setAddress(peer.raftAddress()).build();
    }

    /**
     * Proposes {@code command} to the controller and completes once it is committed and this
     * instance has applied it, so {@link #state()} then shows its effect: with the result, which
     * may be a failure code (the command was decided against), or exceptionally with
     * {@link QuorumException} if it could not be committed within {@code submitTimeout}. Retries
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
                    return stateMachine.whenApplied(reply.getLogIndex()).thenApplyAsync(applied -> result);
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
        return stateMachine.state();
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

    /** The Raft group's id, the same on every instance: the cluster's id. */
    public UUID groupId() {
        return group.getGroupId().getUuid();
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
        RaftClientReply reply = client.current().getSnapshotManagementApi(RaftPeerId.valueOf(peers.self().id()))
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
        try {
            client.close();
        } finally {
            server.close();
        }
        LOG.info("Metadata quorum member {} stopped", peers.self().id());
    }
}
