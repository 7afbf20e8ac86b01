package io.runnel.cluster;

import io.runnel.config.ClusterPeers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.runnel.cluster.ApplyResult.Code;
import io.runnel.cluster.MetadataCommand.CommitOffsets;
import io.runnel.cluster.MetadataCommand.CreateTopic;
import io.runnel.cluster.MetadataCommand.InstanceHeartbeat;
import io.runnel.cluster.MetadataCommand.OffsetCommit;
import io.runnel.cluster.MetadataCommand.UpdateTopic;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Three quorum members in this JVM on loopback ports, each with its own data directory: election,
 * replication of commands, failover, catching up after a restart, and restoring from snapshots,
 * both a member's own and one installed from the leader.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetadataQuorumTest {
    private static final List<String> IDS = List.of("n0", "n1", "n2");
    private static final MetadataQuorum.Settings FAST = new MetadataQuorum.Settings(
            Duration.ofMillis(300), Duration.ofMillis(600), Duration.ofSeconds(10), 10_000, 2, 1 << 20);
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private String spec;
    private MetadataQuorum.Settings settings = FAST;
    private final Map<String, MetadataQuorum> members = new TreeMap<>();
    private final Map<String, ControllerDuties> duties = new TreeMap<>();

    @BeforeAll
    static void quietRatis() {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.apache.ratis")).setLevel(Level.WARN);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.grpc")).setLevel(Level.WARN);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.runnel.cluster")).setLevel(Level.INFO);
    }

    /** Picks distinct free ports: every socket stays open until all are chosen, so none is handed out twice. */
    @BeforeEach
    void choosePorts() throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            List<String> entries = new ArrayList<>();
            for (String id : IDS) {
                entries.add(id + "@127.0.0.1:" + freePort(held) + ":" + freePort(held));
            }
            spec = String.join(",", entries);
        } finally {
            for (ServerSocket socket : held) {
                socket.close();
            }
        }
    }

    private static int freePort(List<ServerSocket> held) throws IOException {
        ServerSocket socket = new ServerSocket(0);
        held.add(socket);
        return socket.getLocalPort();
    }

    /** Stops the members side by side: a Ratis server takes most of a second to close. */
    @AfterEach
    void stopAll() throws InterruptedException {
        duties.values().forEach(ControllerDuties::close);
        duties.clear();
        List<Thread> closing = members.values().stream().map(m -> new Thread(() -> close(m), "close-" + m.self().id())).toList();
        closing.forEach(Thread::start);
        for (Thread t : closing) {
            t.join(PATIENCE.toMillis());
        }
        members.clear();
    }

    private static void close(MetadataQuorum member) {
        try {
            member.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private MetadataQuorum start(String id) {
        try {
            MetadataQuorum quorum = MetadataQuorum.start(ClusterPeers.parse(spec, id).orElseThrow(), dir.resolve(id), settings, s -> {
            });
            members.put(id, quorum);
            return quorum;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void startAll() {
        IDS.forEach(this::start);
    }

    private void stop(String id) {
        Optional.ofNullable(duties.remove(id)).ifPresent(ControllerDuties::close);
        close(members.remove(id));
    }

    /** Waits until every running member names the same controller, and returns it. */
    private String awaitController() {
        return await().atMost(PATIENCE).until(() -> {
            List<Optional<String>> seen = members.values().stream().map(MetadataQuorum::controllerId).distinct().toList();
            return seen.size() == 1 && seen.get(0).isPresent() && members.get(seen.get(0).get()) != null
                    && members.get(seen.get(0).get()).isController() ? seen.get(0).get() : null;
        }, id -> id != null);
    }

    /** Waits until every running member has applied the same state. */
    private ClusterState awaitSameState() {
        return await().atMost(PATIENCE).until(() -> {
            List<ClusterState> states = members.values().stream().map(MetadataQuorum::state).distinct().toList();
            return states.size() == 1 ? states.get(0) : null;
        }, s -> s != null);
    }

    private ApplyResult submit(String via, MetadataCommand command) {
        return members.get(via).submit(command).orTimeout(PATIENCE.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    private void registerInstances(String via) {
        for (String id : IDS) {
            assertThat(submit(via, new InstanceHeartbeat(id, "http://" + id, 1)).ok()).isTrue();
        }
    }

    private String anyOtherThan(String id) {
        return members.keySet().stream().filter(m -> !m.equals(id)).findFirst().orElseThrow();
    }

    @Test
    void threeMembersElectOneControllerAndApplyCommandsSubmittedAnywhereOnAll() {
        startAll();
        String controller = awaitController();
        String follower = anyOtherThan(controller);

        registerInstances(follower);
        ApplyResult created = submit(follower, new CreateTopic("orders", 6, 3, Map.of(), 10));
        ApplyResult again = submit(controller, new CreateTopic("orders", 1, 1, Map.of(), 11));

        assertThat(created.ok()).isTrue();
        assertThat(members.get(follower).state().topic("orders")).as("the submitter sees its own command at once").isPresent();
        assertThat(again.code()).isEqualTo(Code.TOPIC_ALREADY_EXISTS);
        assertThat(members.get(follower).controllerHasTopic("orders").join()).as("read through the controller").isTrue();
        assertThat(members.get(follower).controllerHasTopic("no-such-topic").join()).isFalse();
        ClusterState state = awaitSameState();
        assertThat(state.topic("orders").orElseThrow().partitions()).hasSize(6);
        assertThat(IDS).allSatisfy(id -> assertThat(state.partitionsLedBy(id)).isEqualTo(2));
        assertThat(members.values().stream().map(MetadataQuorum::groupId).distinct().count()).isEqualTo(1);
        // On a slow machine a member may miss heartbeats and call an election: awaited, not assumed stable.
        await().atMost(PATIENCE).untilAsserted(() -> {
            List<MetadataQuorum> controllers = members.values().stream().filter(MetadataQuorum::isController).toList();
            assertThat(controllers).hasSize(1);
            assertThat(members.get(follower).controllerState().join()).isEqualTo(controllers.get(0).state());
        });
    }

    @Test
    void losingTheControllerElectsAnotherAndARestartedMemberCatchesUp() {
        startAll();
        String first = awaitController();
        registerInstances(first);
        assertThat(submit(first, new CreateTopic("orders", 3, 2, Map.of(), 10)).ok()).isTrue();

        stop(first);
        String second = awaitController();
        assertThat(second).isNotEqualTo(first);
        assertThat(submit(anyOtherThan(second), new UpdateTopic("orders", 5, Map.of())).ok()).isTrue();
        assertThat(submit(second, new CreateTopic("payments", 2, 2, Map.of(), 20)).ok()).isTrue();

        start(first);
        ClusterState state = awaitSameState();
        assertThat(state.topic("orders").orElseThrow().partitionCount()).isEqualTo(5);
        assertThat(state.topic("payments")).isPresent();
        assertThat(awaitController()).isIn(IDS);
        assertThat(submit(first, new CommitOffsets("g", List.of(new OffsetCommit("orders", 4, 9, "")))).ok()).isTrue();
    }

    @Test
    void aMemberRestartedAfterItsSnapshotRestoresFromItAndReplaysTheRest() throws IOException {
        startAll();
        String controller = awaitController();
        String member = anyOtherThan(controller);
        registerInstances(member);
        assertThat(submit(member, new CreateTopic("orders", 3, 3, Map.of("retention.ms", "1000"), 10)).ok()).isTrue();
        long snapshotIndex = members.get(member).takeSnapshot();

        MetadataQuorum stopped = members.get(member);
        stop(member);
        long appliedAtStop = stopped.state().appliedIndex();
        assertThat(submit(controller, new UpdateTopic("orders", 4, Map.of())).ok()).isTrue();
        start(member);

        // Ratis also snapshots on stop when the member applied entries after ours (a new leader's
        // first entry, if the machine was slow enough for an election): either may be the latest.
        assertThat(members.get(member).stateMachine().restoredSnapshotIndex()).as("restored from its own snapshot")
                .isBetween(snapshotIndex, appliedAtStop);
        ClusterState state = awaitSameState();
        assertThat(state.topic("orders").orElseThrow().partitionCount()).as("the update it missed, replayed").isEqualTo(4);
    }

    @Test
    void aMemberBehindTheLeadersPurgedLogInstallsTheLeadersSnapshot() {
        settings = new MetadataQuorum.Settings(Duration.ofMillis(300), Duration.ofMillis(600), Duration.ofSeconds(10), 20, 2, 4096);
        startAll();
        String controller = awaitController();
        String member = anyOtherThan(controller);
        registerInstances(controller);
        long stoppedAt = awaitSameState().appliedIndex();
        stop(member);

        String via = members.keySet().iterator().next();
        assertThat(submit(via, new CreateTopic("orders", 1, 2, Map.of(), 10)).ok()).isTrue();
        for (int i = 0; i < 60; i++) {
            assertThat(submit(via, new CommitOffsets("g", List.of(new OffsetCommit("orders", 0, i, ""))))).matches(ApplyResult::ok);
        }
        start(member);

        ClusterState state = awaitSameState();
        assertThat(state.committed("g").get("orders").get(0).offset()).isEqualTo(59);
        assertThat(members.get(member).stateMachine().restoredSnapshotIndex()).as("restored from the leader's snapshot")
                .isGreaterThan(stoppedAt);
    }

    @Test
    void submitFailsWithoutAMajorityAndWorksAgainOnceItIsBack() {
        settings = new MetadataQuorum.Settings(Duration.ofMillis(300), Duration.ofMillis(600), Duration.ofSeconds(2), 10_000, 2, 1 << 20);
        startAll();
        awaitController();
        String via = "n0";
        registerInstances(via);
        List<String> others = IDS.stream().filter(id -> !id.equals(via)).toList();
        others.forEach(this::stop);
        // Alone, it loses any leadership it had (or won meanwhile); from then on it submits through its Ratis
        // client, which a controller does not use for its own commands.
        await().atMost(PATIENCE).until(() -> !members.get(via).isController());

        CompletableFuture<ApplyResult> lost = members.get(via).submit(new CreateTopic("orders", 1, 1, Map.of(), 1));
        assertThatThrownBy(() -> lost.orTimeout(PATIENCE.toMillis(), TimeUnit.MILLISECONDS).join())
                .hasCauseInstanceOf(MetadataQuorum.QuorumException.class);
        // Once the Ratis client has given up retrying, it is replaced (a given-up client refuses everything after).
        await().atMost(PATIENCE).until(() -> members.get(via).clientsReplaced() > 0);
        others.forEach(this::start);

        ApplyResult created = await().atMost(PATIENCE).until(() -> members.get(via).submit(new CreateTopic("payments", 1, 1, Map.of(), 2))
                .handle((r, e) -> r).join(), r -> r != null && r.ok());
        assertThat(created.ok()).isTrue();
    }

    @Test
    void theControllerMarksASilentMemberOfflineAndItComesBackOnline() {
        ControllerDuties.Settings quick = new ControllerDuties.Settings(Duration.ofMillis(100), Duration.ofMillis(100),
                Duration.ofMillis(1500));
        for (String id : IDS) {
            duties.put(id, new ControllerDuties(start(id), quick, Clock.systemUTC(), 1L).start());
        }
        awaitController();
        await().atMost(PATIENCE).until(() -> members.values().stream()
                .allMatch(m -> m.state().liveInstances().equals(IDS)));
        String silent = anyOtherThan(awaitController());

        stop(silent);
        await().atMost(PATIENCE).until(() -> members.values().stream()
                .allMatch(m -> m.state().instance(silent).map(i -> !i.online()).orElse(false)));
        duties.put(silent, new ControllerDuties(start(silent), quick, Clock.systemUTC(), 1L).start());

        await().atMost(PATIENCE).until(() -> members.values().stream()
                .allMatch(m -> m.state().liveInstances().equals(IDS)));
        assertThat(members.values().stream().map(m -> m.state().instance(silent).orElseThrow().url()).collect(Collectors.toSet()))
                .containsExactly(members.get(silent).self().httpUrl());
    }

    @Test
    void theControllerMovesALeadershipBackToItsPreferredReplicaOnceItIsInSync() {
        String controller = startWithDuties(Duration.ofMillis(200));
        assertThat(members.get(controller).submit(new CreateTopic("orders", 1, 3, Map.of(), 1)).join().ok()).isTrue();
        PartitionMetadata created = members.get(controller).state().topic("orders").orElseThrow().partitions().get(0);
        String preferred = created.replicas().get(0);
        String other = created.replicas().get(1);

        // Leadership moves away, as a failover would move it; the preferred replica stays in sync.
        ApplyResult moved = members.get(controller).submit(new MetadataCommand.SetPartitionState("orders", 0, other,
                created.leaderEpoch() + 1, created.isr(), created.partitionEpoch())).join();
        assertThat(moved.ok()).as("%s", moved).isTrue();

        await().atMost(PATIENCE).untilAsserted(() -> {
            PartitionMetadata now = members.get(controller).state().topic("orders").orElseThrow().partitions().get(0);
            assertThat(now.leader()).isEqualTo(preferred);
            assertThat(now.leaderEpoch()).isEqualTo(created.leaderEpoch() + 2);
        });
    }

    @Test
    void theControllerDrivesAReassignmentAndANewControllerFinishesIt() {
        String controller = startWithDuties(Duration.ZERO);
        assertThat(members.get(controller).submit(new CreateTopic("moving", 1, 2, Map.of(), 1)).join().ok()).isTrue();
        PartitionMetadata created = members.get(controller).state().topic("moving").orElseThrow().partitions().get(0);
        String leaving = created.replicas().get(0);
        String staying = created.replicas().get(1);
        String joining = IDS.stream().filter(id -> !created.replicas().contains(id)).findFirst().orElseThrow();
        String via = anyOtherThan(controller);
        assertThat(members.get(via).submit(new MetadataCommand.ReassignPartition("moving", 0, List.of(staying, joining))).join().ok())
                .isTrue();

        // The controller adds the new replica; it waits there until the new replica is in sync.
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(members.get(via).state().topic("moving").orElseThrow().partitions()
                .get(0).addingReplicas()).containsExactly(joining));

        // Another controller takes over (the state is in the metadata), and the new replica catches up.
        stop(controller);
        String next = awaitController();
        await().atMost(PATIENCE).until(() -> {
            PartitionMetadata p = members.get(next).state().topic("moving").orElseThrow().partitions().get(0);
            if (p.isr().contains(joining)) {
                return true;
            }
            List<String> isr = new ArrayList<>(p.isr());
            isr.add(joining);
            members.get(next).submit(new MetadataCommand.SetPartitionState("moving", 0, p.leader(), p.leaderEpoch(), isr,
                    p.partitionEpoch())).join();
            return false;
        });

        await().atMost(PATIENCE).untilAsserted(() -> {
            PartitionMetadata p = members.get(next).state().topic("moving").orElseThrow().partitions().get(0);
            assertThat(p.replicas()).containsExactly(staying, joining);
            assertThat(p.isr()).containsExactlyInAnyOrder(staying, joining);
            assertThat(p.leader()).isIn(staying, joining);
            assertThat(p.reassigning()).isFalse();
        });
        assertThat(leaving).isNotIn(members.get(next).state().topic("moving").orElseThrow().partitions().get(0).replicas());
    }

    @Test
    void theControllerMovesADrainingInstancesLeadershipsAwayAndReassignsItsReplicas() {
        String controller = startWithDuties(Duration.ZERO);
        assertThat(members.get(controller).submit(new CreateTopic("orders", 6, 2, Map.of(), 1)).join().ok()).isTrue();
        String drained = anyOtherThan(controller);
        assertThat(members.get(controller).state().partitionsLedBy(drained)).isPositive();

        ApplyResult accepted = submit(anyOtherThan(drained), new MetadataCommand.DrainInstance(drained));
        assertThat(accepted.ok()).as("%s", accepted).isTrue();

        await().atMost(PATIENCE).untilAsserted(() -> {
            ClusterState state = members.get(controller).state();
            assertThat(state.instance(drained).orElseThrow().draining()).isTrue();
            for (PartitionMetadata p : state.topic("orders").orElseThrow().partitions()) {
                assertThat(p.leader()).as("leader of orders-%d", p.partition()).isNotEqualTo(drained);
                assertThat(ReplicaBalancer.planned(p)).as("where orders-%d goes", p.partition()).hasSize(2)
                        .doesNotContain(drained);
            }
        });
        ApplyResult second = submit(controller, new MetadataCommand.DrainInstance(anyOtherThan(drained)));
        assertThat(second.code()).as("one instance left for replication factor 2").isEqualTo(ApplyResult.Code.CANNOT_DRAIN);
    }

    @Test
    void theControllerPlacesConnectorTasksAndMovesThoseOfADrainingOrOfflineInstance() {
        String controller = startWithDuties(Duration.ZERO);
        ApplyResult put = submit(anyOtherThan(controller), new MetadataCommand.PutConnector("sink", Map.of("connector.class", "x"),
                "User:alice", 3));
        assertThat(put.ok()).as("%s", put).isTrue();
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(placements(controller)).containsExactlyInAnyOrderElementsOf(IDS));

        String drained = anyOtherThan(controller);
        assertThat(submit(controller, new MetadataCommand.DrainInstance(drained)).ok()).isTrue();
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(placements(controller)).doesNotContain(drained).doesNotContainNull());

        String stopped = IDS.stream().filter(id -> !id.equals(controller) && !id.equals(drained)).findFirst().orElseThrow();
        stop(stopped);
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(placements(controller)).containsOnly(controller));
    }

    private List<String> placements(String member) {
        return members.get(member).state().connectors().connector("sink").orElseThrow().tasks().stream()
                .map(ConnectorMetadata.TaskMetadata::instance).toList();
    }

    @Test
    void aMemberRestartedWithAnotherPeerListKeepsItsGroupAndData() throws IOException {
        startAll();
        String controller = awaitController();
        registerInstances(controller);
        UUID group = members.get("n2").groupId();
        stop("n2");

        String longer = spec + ",n9@127.0.0.1:1:2";
        MetadataQuorum restarted = MetadataQuorum.start(ClusterPeers.parse(longer, "n2").orElseThrow(), dir.resolve("n2"), settings, s -> {
        });
        members.put("n2", restarted);

        assertThat(restarted.groupId()).isEqualTo(group);
        assertThat(awaitSameState().instances()).containsOnlyKeys(IDS);
        assertThat(restarted.conf().voters()).containsExactlyElementsOf(IDS);
        try (var dirs = java.nio.file.Files.list(dir.resolve("n2"))) {
            assertThat(dirs.filter(java.nio.file.Files::isDirectory).toList()).as("one group on disk").hasSize(1);
        }
    }

    /** The peers of a new member {@code id} on fresh ports, knowing one existing member to contact. */
    private ClusterPeers newMemberPeers(String id) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        String entry = id + "@127.0.0.1:" + freePort(held) + ":" + freePort(held);
        for (ServerSocket socket : held) {
            socket.close();
        }
        return ClusterPeers.parse(entry + "," + spec.split(",")[0], id).orElseThrow();
    }

    /** Starts a new member of {@code leader}'s group with an empty configuration, as a joining instance does. */
    private MetadataQuorum join(ClusterPeers joinerPeers, MetadataQuorum leader) throws IOException {
        MetadataQuorum joiner = MetadataQuorum.join(joinerPeers, leader.groupId(), dir.resolve(joinerPeers.self().id()), settings,
                InstanceTls.OFF, s -> {
                });
        members.put(joinerPeers.self().id(), joiner);
        return joiner;
    }

    @Test
    void aNewMemberStartsWithAnEmptyGroupIsAddedAsAListenerAndCanBecomeAVoter() throws IOException {
        startAll();
        String controller = awaitController();
        registerInstances(controller);
        MetadataQuorum leader = members.get(controller);
        ClusterPeers joinerPeers = newMemberPeers("n3");
        MetadataQuorum joiner = join(joinerPeers, leader);
        assertThat(joiner.conf()).isEqualTo(QuorumConf.EMPTY);

        QuorumConf before = leader.conf();
        leader.reconfigure(before, before.withListener("n3"), Map.of("n3", joinerPeers.self().raftAddress()));

        await().atMost(PATIENCE).until(() -> joiner.conf().listeners().contains("n3"));
        ClusterState state = awaitSameState();
        assertThat(state.instances()).containsOnlyKeys(IDS);
        assertThat(submit("n3", new InstanceHeartbeat("n3", "http://n3", 1)).ok()).as("a listener submits through the voters").isTrue();

        QuorumConf listening = leader.conf();
        leader.reconfigure(listening, listening.promote("n3"), Map.of());
        await().atMost(PATIENCE).until(() -> joiner.conf().voters().contains("n3"));
        assertThat(leader.conf().voters()).containsExactly("n0", "n1", "n2", "n3");

        QuorumConf stale = before;
        assertThatThrownBy(() -> leader.reconfigure(stale, stale.withListener("n4"), Map.of("n4", "127.0.0.1:1")))
                .as("compare-and-set against a configuration that is no longer current").isInstanceOf(IOException.class);
    }

    /**
     * Ratis gives a running member its configured role only at start: without the restart a promoted listener never
     * votes, so losing the leader afterwards would leave the two other voters without a majority, and a demoted voter
     * would stand for election, find itself no voter and close its member for good.
     */
    @Test
    void aPromotedListenerAndADemotedVoterRestartIntoTheirRolesSoTheQuorumSurvivesLosingItsLeader() throws IOException {
        startAll();
        String controller = awaitController();
        registerInstances(controller);
        MetadataQuorum leader = members.get(controller);
        ClusterPeers joinerPeers = newMemberPeers("n3");
        MetadataQuorum joiner = join(joinerPeers, leader);
        QuorumConf before = leader.conf();
        leader.reconfigure(before, before.withListener("n3"), Map.of("n3", joinerPeers.self().raftAddress()));
        await().atMost(PATIENCE).until(() -> joiner.role().orElse(null) == RaftPeerRole.LISTENER);

        QuorumConf listening = leader.conf();
        leader.reconfigure(listening, listening.promote("n3"), Map.of());
        await().atMost(PATIENCE).until(() -> joiner.role().orElse(null) == RaftPeerRole.FOLLOWER);

        String demoted = IDS.stream().filter(id -> !id.equals(controller)).findFirst().orElseThrow();
        QuorumConf four = leader.conf();
        leader.reconfigure(four, new QuorumConf(four.voters().stream().filter(v -> !v.equals(demoted)).toList(), List.of(demoted)), Map.of());
        await().atMost(PATIENCE).until(() -> members.get(demoted).role().orElse(null) == RaftPeerRole.LISTENER);
        assertThat(members.get(demoted).restarts()).isPositive();

        stop(controller);
        String next = awaitController();
        assertThat(next).isIn("n3", IDS.stream().filter(id -> !id.equals(controller) && !id.equals(demoted)).findFirst().orElseThrow());
        assertThat(submit(demoted, new InstanceHeartbeat("n3", "http://n3", 1)).ok()).as("the listener still takes part").isTrue();
        ClusterState state = awaitSameState();
        assertThat(state.instances()).containsKey("n3");
    }

    @Test
    void aDataDirWithTwoGroupsKeepsTheNewestAndMovesTheOtherAside() throws IOException {
        Path raft = dir.resolve("two").resolve("raft");
        Path older = java.nio.file.Files.createDirectories(raft.resolve(UUID.randomUUID().toString()).resolve("current"));
        java.nio.file.Files.writeString(older.resolve("log"), "old");
        java.nio.file.Files.setLastModifiedTime(older.resolve("log"), java.nio.file.attribute.FileTime.fromMillis(1000));
        java.nio.file.Files.setLastModifiedTime(older, java.nio.file.attribute.FileTime.fromMillis(1000));
        java.nio.file.Files.setLastModifiedTime(older.getParent(), java.nio.file.attribute.FileTime.fromMillis(1000));
        UUID newest = UUID.randomUUID();
        java.nio.file.Files.writeString(java.nio.file.Files.createDirectories(raft.resolve(newest.toString()).resolve("current")).resolve("log"),
                "new");
        Path orphaned = dir.resolve("two").resolve("orphaned");

        LocalRaftGroup.Found found = LocalRaftGroup.find(raft, orphaned, 42).orElseThrow();

        assertThat(found.groupId()).isEqualTo(newest);
        assertThat(found.bootstrappedHere()).isFalse();
        assertThat(orphaned.resolve("raft-" + older.getParent().getFileName() + ".42").resolve("current").resolve("log")).hasContent("old");
        assertThat(raft.resolve(older.getParent().getFileName().toString())).doesNotExist();
    }

    @Test
    void aNewClusterGetsARandomIdAndOneFormedByTheEarlierVersionKeepsItsGroupUuid() throws Exception {
        ControllerDuties.Settings quick = new ControllerDuties.Settings(Duration.ofMillis(100), Duration.ofMillis(100),
                Duration.ofMillis(1500));
        for (String id : IDS) {
            duties.put(id, new ControllerDuties(start(id), quick, Clock.systemUTC(), 1L).start());
        }
        awaitController();
        UUID group = members.get("n0").groupId();
        String random = await().atMost(PATIENCE).until(() -> awaitSameState().membership().clusterId(), java.util.Objects::nonNull);
        assertThat(random).isNotEqualTo(group.toString());

        // the same group as the earlier version left it: no bootstrap record, no cluster id in the metadata
        stopAll();
        java.nio.file.Path upgraded = dir.resolve("upgraded");
        for (String id : IDS) {
            java.nio.file.Files.createDirectories(upgraded.resolve(id));
        }
        dir = upgraded;
        startAll();
        for (String id : IDS) {
            try (var files = java.nio.file.Files.list(dir.resolve(id))) {
                for (java.nio.file.Path f : files.filter(f -> f.toString().endsWith(".bootstrap")).toList()) {
                    java.nio.file.Files.delete(f);
                }
            }
        }
        stopAll();
        for (String id : IDS) {
            duties.put(id, new ControllerDuties(start(id), quick, Clock.systemUTC(), 1L).start());
        }
        awaitController();
        assertThat(members.get("n0").bootstrappedHere()).isFalse();
        assertThat(await().atMost(PATIENCE).until(() -> awaitSameState().membership().clusterId(), java.util.Objects::nonNull))
                .isEqualTo(members.get("n0").groupId().toString());
    }

    /**
     * Starts every member with its duties (100 ms heartbeats and checks, a 5 s session timeout, preferred-leader
     * election every {@code preferredLeaderCheck}, none when zero) and waits until the controller sees them all live.
     */
    private String startWithDuties(Duration preferredLeaderCheck) {
        ControllerDuties.Settings quick = new ControllerDuties.Settings(Duration.ofMillis(100), Duration.ofMillis(100),
                Duration.ofSeconds(5), preferredLeaderCheck);
        for (String id : IDS) {
            duties.put(id, new ControllerDuties(start(id), quick, Clock.systemUTC(), 1L).start());
        }
        String controller = awaitController();
        await().atMost(PATIENCE).until(() -> members.get(controller).state().liveInstances().equals(IDS));
        return controller;
    }
}
