package io.runnel.security.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.runnel.cluster.ClusterNode;
import io.runnel.cluster.NodeIdentity;
import io.runnel.config.ClusterPeers;
import io.runnel.config.RunnelProperties;
import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import io.runnel.log.FlushPolicy;
import io.runnel.security.AclAuthorizer;
import io.runnel.security.AclBinding;
import io.runnel.security.AclBindingFilter;
import io.runnel.security.KafkaPrincipal;
import io.runnel.security.Operation;
import io.runnel.security.PatternType;
import io.runnel.security.Permission;
import io.runnel.security.ResourceType;
import io.runnel.storage.DataLayout;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import org.slf4j.LoggerFactory;

/**
 * Keys and ACLs through a real three-member metadata quorum in this JVM: a change made through one
 * instance holds on the others, deletions too, heartbeats do not disturb the listeners, and a restarted
 * instance has them all again.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RaftSecurityMetadataTest {
    private static final List<String> IDS = List.of("n0", "n1", "n2");
    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final KafkaPrincipal ALICE = KafkaPrincipal.user("alice");
    private static final AclBinding ALICE_READS_ORDERS = new AclBinding(ALICE, ResourceType.TOPIC, "orders", PatternType.LITERAL,
            Operation.READ, Permission.ALLOW);

    @TempDir
    Path dir;

    private List<ClusterPeers.Peer> peers;
    private final Map<String, Instance> instances = new TreeMap<>();

    /** One instance: its cluster membership, its authorizer and the metadata under test. */
    record Instance(ClusterNode cluster, AclAuthorizer authorizer, RaftSecurityMetadata metadata, ExecutorService follow,
                    AtomicInteger changes) {
    }

    @BeforeAll
    static void quietRatis() {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.apache.ratis")).setLevel(Level.WARN);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.grpc")).setLevel(Level.WARN);
    }

    @BeforeEach
    void startQuorum() throws Exception {
        List<ServerSocket> held = new ArrayList<>();
        peers = new ArrayList<>();
        try {
            for (String id : IDS) {
                peers.add(ClusterPeers.Peer.parse(id + "@127.0.0.1:" + freePort(held) + ":" + freePort(held)));
            }
        } finally {
            for (ServerSocket socket : held) {
                socket.close();
            }
        }
        for (String id : IDS) {
            instances.put(id, start(id));
        }
        for (Instance instance : instances.values()) {
            instance.cluster().awaitCaughtUp();
        }
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        List<Thread> closing = instances.values().stream().map(i -> new Thread(() -> stop(i))).toList();
        closing.forEach(Thread::start);
        for (Thread t : closing) {
            t.join(PATIENCE.toMillis() * 2);
        }
        instances.clear();
    }

    private static int freePort(List<ServerSocket> held) throws IOException {
        ServerSocket socket = new ServerSocket(0);
        held.add(socket);
        return socket.getLocalPort();
    }

    private Instance start(String id) throws IOException {
        Path dataDir = dir.resolve(id);
        RunnelProperties props = new RunnelProperties(dataDir, new RunnelProperties.Node(id),
                new RunnelProperties.Cluster(peers, "secret", Duration.ofSeconds(6), Duration.ofSeconds(1), Duration.ofSeconds(10)),
                new RunnelProperties.Storage(FlushPolicy.ALWAYS, Duration.ofSeconds(1), Duration.ofMinutes(5)),
                new RunnelProperties.Topics(false, 1, 0),
                new RunnelProperties.Produce(DataSize.ofMegabytes(16), DataSize.ofMegabytes(1), 64, Duration.ofMinutes(10)),
                new RunnelProperties.Fetch(DataSize.ofMegabytes(1), 10_000, Duration.ofMinutes(15), Duration.ofSeconds(15)),
                new RunnelProperties.Replication(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMillis(500),
                        DataSize.ofMegabytes(4), io.runnel.config.FollowerFlush.SYNC));
        DataLayout layout = new DataLayout(dataDir);
        ClusterNode cluster = new ClusterNode(props, new NodeIdentity(props, layout), layout, Clock.systemUTC());
        AclAuthorizer authorizer = new AclAuthorizer(List.of(KafkaPrincipal.user("admin")));
        ExecutorService follow = Executors.newSingleThreadExecutor();
        RaftSecurityMetadata metadata = new RaftSecurityMetadata(cluster, authorizer, Clock.systemUTC(), follow).start();
        AtomicInteger changes = new AtomicInteger();
        metadata.onChange(changes::incrementAndGet);
        return new Instance(cluster, authorizer, metadata, follow, changes);
    }

    private static void stop(Instance instance) {
        instance.metadata().close();
        try {
            instance.cluster().destroy();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        instance.follow().shutdownNow();
    }

    private Instance on(String id) {
        return instances.get(id);
    }

    @Test
    void aKeyMadeOnOneInstanceAuthenticatesOnEveryInstanceUntilItIsDeleted() {
        SecurityMetadata.NewApiKey made = on("n0").metadata().createApiKey(ALICE, "billing");

        assertThat(on("n0").metadata().apiKeyOf(made.key())).as("at once where it was made").hasValue(made.stored());
        for (String id : IDS) {
            await().atMost(PATIENCE).until(() -> on(id).metadata().apiKeyOf(made.key()).isPresent());
            assertThat(on(id).metadata().apiKey(made.stored().id())).hasValue(made.stored());
            assertThat(on(id).metadata().apiKeys()).containsExactly(made.stored());
        }

        on("n1").metadata().deleteApiKey(made.stored().id());

        for (String id : IDS) {
            await().atMost(PATIENCE).until(() -> on(id).metadata().apiKeyOf(made.key()).isEmpty());
        }
        assertThatThrownBy(() -> on("n2").metadata().deleteApiKey(made.stored().id()))
                .isInstanceOfSatisfying(RunnelException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void anAclMadeOnOneInstanceHoldsOnEveryInstanceAndTheirListenersHear() {
        int before = on("n2").changes().get();

        assertThat(on("n1").metadata().createAcl(ALICE_READS_ORDERS)).isEqualTo(ALICE_READS_ORDERS);
        assertThat(on("n1").metadata().createAcl(ALICE_READS_ORDERS)).as("adding it again changes nothing").isEqualTo(ALICE_READS_ORDERS);

        for (String id : IDS) {
            await().atMost(PATIENCE).until(() -> on(id).authorizer().authorize(ALICE, Operation.READ, ResourceType.TOPIC, "orders"));
            assertThat(on(id).metadata().acls(AclBindingFilter.ANY)).containsExactly(ALICE_READS_ORDERS);
        }
        await().atMost(PATIENCE).until(() -> on("n2").changes().get() > before);

        List<AclBinding> deleted = on("n2").metadata().deleteAcls(new AclBindingFilter(ALICE, null, null, null, null, null));

        assertThat(deleted).containsExactly(ALICE_READS_ORDERS);
        for (String id : IDS) {
            await().atMost(PATIENCE).until(() -> !on(id).authorizer().authorize(ALICE, Operation.READ, ResourceType.TOPIC, "orders"));
        }
    }

    @Test
    void metadataChangesThatLeaveKeysAndAclsAloneDoNotTellTheListeners() throws InterruptedException {
        on("n0").metadata().createAcl(ALICE_READS_ORDERS);
        for (String id : IDS) {
            await().atMost(PATIENCE).until(() -> !on(id).metadata().acls(AclBindingFilter.ANY).isEmpty());
        }
        Map<String, Integer> counts = new TreeMap<>();
        IDS.forEach(id -> counts.put(id, on(id).changes().get()));

        for (Instance instance : instances.values()) {
            instance.cluster().awaitCaughtUp(); // commits a heartbeat of each: three new states
        }

        IDS.forEach(id -> assertThat(on(id).changes().get()).as(id).isEqualTo(counts.get(id)));
    }

    @Test
    void aRestartedInstanceHasTheKeysAndAclsAgain() throws Exception {
        SecurityMetadata.NewApiKey made = on("n0").metadata().createApiKey(ALICE, "");
        on("n0").metadata().createAcl(ALICE_READS_ORDERS);
        await().atMost(PATIENCE).until(() -> on("n2").metadata().apiKeyOf(made.key()).isPresent()
                && !on("n2").metadata().acls(AclBindingFilter.ANY).isEmpty());

        stop(instances.remove("n2"));
        instances.put("n2", start("n2"));
        on("n2").cluster().awaitCaughtUp();

        await().atMost(PATIENCE).until(() -> on("n2").metadata().apiKeyOf(made.key()).isPresent());
        await().atMost(PATIENCE).until(() -> on("n2").authorizer().authorize(ALICE, Operation.READ, ResourceType.TOPIC, "orders"));
    }

    @Test
    void badKeysAreRefusedBeforeAnythingIsProposed() {
        assertThatThrownBy(() -> on("n0").metadata().createApiKey(KafkaPrincipal.WILDCARD, ""))
                .isInstanceOfSatisfying(RunnelException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
        assertThatThrownBy(() -> on("n0").metadata().createApiKey(ALICE, "d".repeat(1001)))
                .isInstanceOfSatisfying(RunnelException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
        assertThat(on("n0").cluster().state().security().apiKeys()).isEmpty();
    }
}
