package io.runnel.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.runnel.cluster.ApplyResult.Code;
import io.runnel.cluster.MetadataCommand.CommitOffsets;
import io.runnel.cluster.MetadataCommand.CreateTopic;
import io.runnel.cluster.MetadataCommand.InstanceHeartbeat;
import io.runnel.cluster.MetadataCommand.OffsetCommit;
import io.runnel.cluster.MetadataCommand.UpdateTopic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state machine on its own: entries are handed to it as Ratis would, on a real Ratis storage
 * directory, without a server.
 */
class MetadataStateMachineTest {
    @TempDir
    Path dir;

    private final List<MetadataStateMachine> opened = new ArrayList<>();
    private final List<RaftStorage> storages = new ArrayList<>();
    private final List<ClusterState> seen = new ArrayList<>();
    private long term = 1;
    private long index = 0;

    /** Closes every state machine and its storage, as a stopping server would, freeing the directory lock. */
    @AfterEach
    void closeAll() throws IOException {
        opened.forEach(MetadataStateMachine::close);
        opened.clear();
        for (RaftStorage storage : storages) {
            storage.close();
        }
        storages.clear();
    }

    private MetadataStateMachine open() throws IOException {
        MetadataStateMachine sm = new MetadataStateMachine(seen::add);
        RaftStorage storage = RaftStorage.newBuilder().setDirectory(dir.toFile())
                .setOption(RaftStorage.StartupOption.RECOVER)
                .setLogCorruptionPolicy(RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION)
                .setStorageFreeSpaceMin(SizeInBytes.valueOf(0)).build();
        storage.initialize();
        storages.add(storage);
        RaftServer server = mock(RaftServer.class);
        when(server.getId()).thenReturn(RaftPeerId.valueOf("test"));
        sm.initialize(server, RaftGroupId.randomId(), storage);
        opened.add(sm);
        return sm;
    }

    private ApplyResult apply(MetadataStateMachine sm, MetadataCommand command) {
        return apply(sm, MetadataJson.write(command));
    }

    private ApplyResult apply(MetadataStateMachine sm, byte[] data) {
        index++;
        LogEntryProto entry = LogEntryProto.newBuilder().setTerm(term).setIndex(index)
                .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder().setLogData(ByteString.copyFrom(data)))
                .build();
        TransactionContext trx = TransactionContext.newBuilder().setServerRole(RaftPeerRole.FOLLOWER)
                .setStateMachine(sm).setLogEntry(entry).build();
        Message reply = sm.applyTransaction(trx).join();
        return MetadataJson.read(reply.getContent().toByteArray(), ApplyResult.class);
    }

    private void applyHistory(MetadataStateMachine sm) {
        assertThat(apply(sm, new InstanceHeartbeat("a", "http://a:8080", 1)).ok()).isTrue();
        assertThat(apply(sm, new InstanceHeartbeat("b", "http://b:8080", 2)).ok()).isTrue();
        assertThat(apply(sm, new CreateTopic("orders", 4, 2, Map.of("retention.ms", "60000"), 3)).ok()).isTrue();
        assertThat(apply(sm, new CommitOffsets("g", List.of(new OffsetCommit("orders", 3, 17, "m")))).ok()).isTrue();
    }

    @Test
    void appliesCommandsInOrderAndRepliesWithTheirResults() throws IOException {
        MetadataStateMachine sm = open();
        applyHistory(sm);

        ApplyResult again = apply(sm, new CreateTopic("orders", 1, 1, Map.of(), 4));

        assertThat(again.code()).isEqualTo(Code.TOPIC_ALREADY_EXISTS);
        ClusterState state = sm.state();
        assertThat(state.appliedIndex()).isEqualTo(5);
        assertThat(sm.getLastAppliedTermIndex().getIndex()).isEqualTo(5);
        assertThat(state.topic("orders").orElseThrow().partitionCount()).isEqualTo(4);
        assertThat(state.committed("g").get("orders").get(3)).isEqualTo(new CommittedOffset(17, "m"));
        assertThat(seen).hasSize(5).last().isEqualTo(state);
    }

    @Test
    void anEntryThatIsNoCommandIsAppliedAsANoOp() throws IOException {
        MetadataStateMachine sm = open();
        applyHistory(sm);
        ClusterState before = sm.state();

        ApplyResult result = apply(sm, "{\"type\":\"FromTheFuture\"}".getBytes(StandardCharsets.UTF_8));

        assertThat(result.code()).isEqualTo(Code.INVALID_COMMAND);
        assertThat(sm.state()).isEqualTo(before.withAppliedIndex(index));
    }

    @Test
    void entriesWithoutCommandsAdvanceTheAppliedIndexAndWakeWaiters() throws IOException {
        MetadataStateMachine sm = open();
        CompletableFuture<ClusterState> waiter = sm.whenApplied(3);

        sm.notifyTermIndexUpdated(2, 3);

        assertThat(waiter).isCompletedWithValueMatching(s -> s.appliedIndex() == 3);
        assertThat(sm.whenApplied(2)).isCompleted();
        assertThat(sm.getLastAppliedTermIndex().getIndex()).isEqualTo(3);
    }

    @Test
    void restoresTheSnapshotAndAppliesWhatFollows() throws IOException {
        MetadataStateMachine first = open();
        applyHistory(first);
        long snapshotIndex = first.takeSnapshot();
        ClusterState atSnapshot = first.state();
        closeAll();

        MetadataStateMachine restored = open();

        assertThat(snapshotIndex).isEqualTo(index);
        assertThat(restored.state()).isEqualTo(atSnapshot);
        assertThat(restored.restoredSnapshotIndex()).isEqualTo(snapshotIndex);
        assertThat(restored.getLastAppliedTermIndex()).isEqualTo(first.getLastAppliedTermIndex());
        assertThat(restored.getLatestSnapshot().getIndex()).isEqualTo(snapshotIndex);
        assertThat(apply(restored, new UpdateTopic("orders", 6, Map.of())).ok()).isTrue();
        assertThat(restored.state().topic("orders").orElseThrow().partitionCount()).isEqualTo(6);
        assertThat(restored.state().appliedIndex()).isEqualTo(snapshotIndex + 1);
    }

    @Test
    void restoresTheLatestOfSeveralSnapshots() throws IOException {
        MetadataStateMachine first = open();
        applyHistory(first);
        first.takeSnapshot();
        term = 2;
        apply(first, new UpdateTopic("orders", 9, Map.of()));
        long latest = first.takeSnapshot();
        ClusterState expected = first.state();
        closeAll();

        MetadataStateMachine restored = open();

        assertThat(restored.state()).isEqualTo(expected);
        assertThat(restored.getLastAppliedTermIndex().getTerm()).isEqualTo(2);
        assertThat(restored.restoredSnapshotIndex()).isEqualTo(latest);
    }

    @Test
    void reinitializeAfterPauseLoadsASnapshotInstalledFromTheLeader() throws IOException {
        MetadataStateMachine leader = open();
        applyHistory(leader);
        leader.takeSnapshot();
        ClusterState leaderState = leader.state();
        Path smDir = leader.getLatestSnapshot().getFiles().get(0).getPath().getParent();
        Path[] files;
        try (Stream<Path> list = Files.list(smDir)) {
            files = list.toArray(Path[]::new);
        }
        byte[][] contents = new byte[files.length][];
        for (int i = 0; i < files.length; i++) {
            contents[i] = Files.readAllBytes(files[i]);
            Files.delete(files[i]);
        }
        closeAll();
        MetadataStateMachine follower = open();
        assertThat(follower.state()).isEqualTo(ClusterState.EMPTY);

        follower.pause();
        for (int i = 0; i < files.length; i++) {
            Files.write(files[i], contents[i]);
        }
        follower.reinitialize();

        assertThat(follower.state()).isEqualTo(leaderState);
        assertThat(seen).last().isEqualTo(leaderState);
        assertThat(follower.getLifeCycleState().isRunning()).isTrue();
    }

    @Test
    void aSnapshotThatDoesNotMatchItsChecksumIsRefused() throws IOException {
        MetadataStateMachine first = open();
        applyHistory(first);
        first.takeSnapshot();
        Path file = first.getLatestSnapshot().getFiles().get(0).getPath();
        closeAll();
        String json = Files.readString(file);
        Files.writeString(file, json.replace("\"orders\"", "\"ordert\""));

        assertThatThrownBy(this::open).hasMessageContaining("MD5");
    }

    @Test
    void answersQueriesForTheWholeStateAndForOneTopic() throws IOException {
        MetadataStateMachine sm = open();
        applyHistory(sm);

        Message whole = sm.query(Message.valueOf(ByteString.copyFrom(MetadataJson.write(new MetadataQuery.WholeState())))).join();
        Message topic = sm.query(Message.valueOf(ByteString.copyFrom(MetadataJson.write(new MetadataQuery.TopicLookup("orders"))))).join();
        Message missing = sm.query(Message.valueOf(ByteString.copyFrom(MetadataJson.write(new MetadataQuery.TopicLookup("x"))))).join();

        assertThat(MetadataJson.read(whole.getContent().toByteArray(), ClusterState.class)).isEqualTo(sm.state());
        assertThat(MetadataJson.read(topic.getContent().toByteArray(), TopicMetadata.class))
                .isEqualTo(sm.state().topic("orders").orElseThrow());
        assertThat(missing.getContent().toStringUtf8()).isEqualTo("null");
        assertThat(sm.query(Message.valueOf("nonsense"))).isCompletedExceptionally();
    }
}
