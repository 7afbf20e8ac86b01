package io.runnel.cluster;

import io.runnel.cluster.ApplyResult.Code;
import io.runnel.log.AtomicFile;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of the cluster metadata: applies {@link MetadataCommand}s from the Raft
 * log to a {@link ClusterState}, answers {@link MetadataQuery}s, and snapshots.
 *
 * <p>Log entries are command JSON ({@link MetadataJson}); the reply to each is its
 * {@link ApplyResult} as JSON. A leader refuses an entry it cannot parse before it is logged; an
 * entry that still cannot be parsed when applied (written by another version), or that the state
 * cannot apply (a bug), is applied as a no-op with {@code INVALID_COMMAND}, the same on every
 * replica, rather than stopping the server.
 *
 * <p>Snapshots: one file per snapshot in Ratis's state machine directory, named as
 * {@link SimpleStateMachineStorage} expects ({@code snapshot.<term>_<index>}), holding
 * {@code {"version":1,"state":<ClusterState>}}, with an MD5 sidecar ({@code .md5}) that Ratis
 * checks and sends to followers that install it. The sidecar is written first and the snapshot
 * atomically after ({@link AtomicFile}), so a crash leaves either a whole snapshot or none; Ratis
 * deletes old ones past its retention setting. {@link #initialize} and {@link #reinitialize}
 * (after a follower installed a snapshot from the leader) load the latest one; the log entries
 * after it are applied again.
 *
 * <p>Thread-safety: Ratis calls apply, snapshot and reload methods from one thread; they also
 * hold this object's lock so that {@link #state()} and a snapshot always see a state with its
 * matching term-index. {@link #state()} takes no lock. The listener runs on the applying thread
 * after each change and must return quickly; waiters of {@link #whenApplied} complete there too.
 */
final class MetadataStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataStateMachine.class);
    private static final int SNAPSHOT_VERSION = 1;

    /** The snapshot file's content. */
    record Snapshot(int version, ClusterState state) {
    }

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final Consumer<ClusterState> listener;
    private final TreeMap<Long, List<CompletableFuture<ClusterState>>> waiters = new TreeMap<>();
    private volatile ClusterState state = ClusterState.EMPTY;
    private volatile long restoredSnapshotIndex = RaftLog.INVALID_LOG_INDEX;

    /** @param listener told of every new state, on the applying thread */
    MetadataStateMachine(Consumer<ClusterState> listener) {
        this.listener = listener;
    }

    /** The latest applied state of this replica. */
    ClusterState state() {
        return state;
    }

    /** The index of the snapshot the state was last loaded from, -1 if none. */
    long restoredSnapshotIndex() {
        return restoredSnapshotIndex;
    }

    /** Completes with the state once this replica has applied {@code index} (at once if it has); fails once closed. */
    CompletableFuture<ClusterState> whenApplied(long index) {
        synchronized (waiters) {
            ClusterState current = state;
            if (current.appliedIndex() >= index) {
                return CompletableFuture.completedFuture(current);
            }
            if (getLifeCycle().getCurrentState().isClosingOrClosed()) {
                return CompletableFuture.failedFuture(new IOException("metadata state machine closed"));
            }
            CompletableFuture<ClusterState> waiter = new CompletableFuture<>();
            waiters.computeIfAbsent(index, i -> new ArrayList<>()).add(waiter);
            return waiter;
        }
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        getLifeCycle().startAndTransition(() -> {
            super.initialize(server, groupId, raftStorage);
            storage.init(raftStorage);
            load(storage.loadLatestSnapshot());
        });
    }

    /**
     * Ratis pauses the state machine before a follower installs a snapshot from the leader, and
     * checks that the life cycle says PAUSED before it reloads; {@link BaseStateMachine}'s pause does
     * nothing, so without this an installed snapshot would stop the server.
     */
    @Override
    public void pause() {
        if (getLifeCycle().compareAndTransition(LifeCycle.State.RUNNING, LifeCycle.State.PAUSING)) {
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    @Override
    public void reinitialize() throws IOException {
        load(storage.loadLatestSnapshot());
        if (getLifeCycle().compareAndTransition(LifeCycle.State.PAUSED, LifeCycle.State.STARTING)) {
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        TransactionContext trx = super.startTransaction(request);
        try {
            MetadataJson.read(request.getMessage().getContent().toByteArray(), MetadataCommand.class);
        } catch (RuntimeException e) {
            trx.setException(new IllegalArgumentException("not a metadata command: " + e.getMessage(), e));
        }
        return trx;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        TermIndex termIndex = TermIndex.valueOf(entry);
        byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
        ApplyResult result;
        ClusterState next;
        synchronized (this) {
            ClusterState.Applied applied = applyCommand(data);
            result = applied.result();
            next = applied.state().withAppliedIndex(termIndex.getIndex());
            state = next;
            updateLastAppliedTermIndex(termIndex);
        }
        if (!result.ok()) {
            LOG.debug("Metadata entry {} not applied: {} {}", termIndex, result.code(), result.message());
        }
        publish(next);
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(MetadataJson.write(result))));
    }

    private ClusterState.Applied applyCommand(byte[] data) {
        MetadataCommand command;
        try {
            command = MetadataJson.read(data, MetadataCommand.class);
        } catch (RuntimeException e) {
            return new ClusterState.Applied(state, ApplyResult.failure(Code.INVALID_COMMAND, String.valueOf(e.getMessage())));
        }
        try {
            return state.apply(command);
        } catch (RuntimeException e) {
            // A bug, not a bad request; but it is the same bug on every replica, so every replica
            // skips the entry alike instead of stopping.
            LOG.error("Metadata command {} could not be applied", command, e);
            return new ClusterState.Applied(state, ApplyResult.failure(Code.INVALID_COMMAND, "cannot apply: " + e));
        }
    }

    /** Entries that are not commands (leader no-ops, configuration changes) advance the index only. */
    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        ClusterState next;
        synchronized (this) {
            next = state.withAppliedIndex(index);
            state = next;
            updateLastAppliedTermIndex(term, index);
        }
        completeWaiters(next);
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        try {
            MetadataQuery query = MetadataJson.read(request.getContent().toByteArray(), MetadataQuery.class);
            ClusterState current = state;
            Object answer = query instanceof MetadataQuery.TopicLookup lookup ? current.topic(lookup.name()).orElse(null) : current;
            return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(MetadataJson.write(answer))));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("not a metadata query: " + e.getMessage(), e));
        }
    }

    @Override
    public long takeSnapshot() throws IOException {
        ClusterState current;
        TermIndex termIndex;
        synchronized (this) {
            current = state;
            termIndex = getLastAppliedTermIndex();
        }
        if (termIndex == null || termIndex.getIndex() < 0) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        File file = storage.getSnapshotFile(termIndex.getTerm(), termIndex.getIndex());
        byte[] content = MetadataJson.write(new Snapshot(SNAPSHOT_VERSION, current));
        MD5Hash md5 = MD5Hash.digest(content);
        MD5FileUtil.saveMD5File(file, md5);
        AtomicFile.write(file.toPath(), content);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), termIndex));
        LOG.debug("Wrote metadata snapshot {}", file);
        return termIndex.getIndex();
    }

    private void load(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) {
            return;
        }
        File file = snapshot.getFile().getPath().toFile();
        if (!file.exists()) {
            LOG.warn("Metadata snapshot {} is listed but missing", file);
            return;
        }
        byte[] content = Files.readAllBytes(file.toPath());
        MD5Hash expected = snapshot.getFile().getFileDigest();
        if (expected != null && !expected.equals(MD5Hash.digest(content))) {
            throw new IOException("metadata snapshot " + file + " does not match its MD5 checksum");
        }
        Snapshot read = MetadataJson.read(content, Snapshot.class);
        if (read.version() != SNAPSHOT_VERSION) {
            throw new IOException("metadata snapshot " + file + " has unknown version " + read.version());
        }
        TermIndex termIndex = snapshot.getTermIndex();
        ClusterState loaded = read.state().withAppliedIndex(termIndex.getIndex());
        synchronized (this) {
            state = loaded;
            setLastAppliedTermIndex(termIndex);
            restoredSnapshotIndex = termIndex.getIndex();
        }
        LOG.info("Loaded metadata snapshot at {}: {} topics, {} instances", termIndex, loaded.topics().size(),
                loaded.instances().size());
        publish(loaded);
    }

    private void publish(ClusterState next) {
        try {
            listener.accept(next);
        } catch (RuntimeException e) {
            LOG.warn("Metadata listener failed at index {}", next.appliedIndex(), e);
        }
        completeWaiters(next);
    }

    private void completeWaiters(ClusterState next) {
        List<CompletableFuture<ClusterState>> ready = new ArrayList<>();
        synchronized (waiters) {
            Map<Long, List<CompletableFuture<ClusterState>>> head = waiters.headMap(next.appliedIndex(), true);
            head.values().forEach(ready::addAll);
            head.clear();
        }
        ready.forEach(w -> w.complete(next));
    }

    @Override
    public void close() {
        getLifeCycle().checkStateAndClose(() -> {
            List<CompletableFuture<ClusterState>> pending = new ArrayList<>();
            synchronized (waiters) {
                waiters.values().forEach(pending::addAll);
                waiters.clear();
            }
            pending.forEach(w -> w.completeExceptionally(new IOException("metadata state machine closed")));
        });
    }
}
