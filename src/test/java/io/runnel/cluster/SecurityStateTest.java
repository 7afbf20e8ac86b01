package io.runnel.cluster;

import static io.runnel.cluster.ClusterStateTest.applyAll;
import static io.runnel.cluster.ClusterStateTest.failure;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cluster.ApplyResult.Code;
import io.runnel.cluster.MetadataCommand.CreateAcl;
import io.runnel.cluster.MetadataCommand.CreateApiKey;
import io.runnel.cluster.MetadataCommand.CreateTopic;
import io.runnel.cluster.MetadataCommand.DeleteAcls;
import io.runnel.cluster.MetadataCommand.DeleteApiKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The keys and ACLs of the cluster metadata: applying each command, the limits, JSON and snapshots. */
class SecurityStateTest {
    static final String HASH = "ab".repeat(32);

    static CreateApiKey key(String id, String principal) {
        return new CreateApiKey(id, principal, "note", 1234, HASH);
    }

    static AclMetadata acl(String principal, String topic, String operation) {
        return new AclMetadata(principal, "TOPIC", topic, "LITERAL", operation, "ALLOW", "*");
    }

    @Test
    void createApiKeyStoresTheHashAndDeleteApiKeyRemovesIt() {
        ClusterState state = applyAll(ClusterState.EMPTY, key("k1", "User:alice"), key("k2", "User:bob"));

        assertThat(state.security().apiKeys()).containsOnlyKeys("k1", "k2");
        assertThat(state.security().apiKey("k1")).hasValue(new ApiKeyMetadata("k1", "User:alice", "note", 1234, HASH));

        ClusterState after = applyAll(state, new DeleteApiKey("k1"));
        assertThat(after.security().apiKeys()).containsOnlyKeys("k2");
        assertThat(failure(after, new DeleteApiKey("k1")).code()).isEqualTo(Code.NOT_FOUND);
    }

    @Test
    void createApiKeyRefusesATakenIdAndTooLongTexts() {
        ClusterState state = applyAll(ClusterState.EMPTY, key("k1", "User:alice"));

        assertThat(failure(state, key("k1", "User:bob")).code()).isEqualTo(Code.INVALID_REQUEST);
        String longest = "d".repeat(SecurityState.MAX_DESCRIPTION_LENGTH);
        assertThat(applyAll(state, new CreateApiKey("k2", "User:a", longest, 1, HASH)).security().apiKeys()).hasSize(2);
        assertThat(failure(state, new CreateApiKey("k2", "User:a", longest + "d", 1, HASH)).code()).isEqualTo(Code.INVALID_REQUEST);
        assertThat(failure(state, new CreateApiKey("k2", "User:" + "a".repeat(SecurityState.MAX_TEXT_LENGTH), "", 1, HASH)).code())
                .isEqualTo(Code.INVALID_REQUEST);
    }

    @Test
    void theNumberOfKeysIsBounded() {
        Map<String, ApiKeyMetadata> keys = new LinkedHashMap<>();
        for (int i = 0; i < SecurityState.MAX_API_KEYS - 1; i++) {
            keys.put("k" + i, new ApiKeyMetadata("k" + i, "User:u", "", 0, HASH));
        }
        ClusterState almostFull = new ClusterState(-1, Map.of(), Map.of(), Map.of(), new SecurityState(keys, List.of()));

        ClusterState full = applyAll(almostFull, key("last", "User:u"));
        ApplyResult refused = failure(full, key("one-more", "User:u"));
        assertThat(refused.code()).isEqualTo(Code.LIMIT_EXCEEDED);
        assertThat(refused.message()).contains(String.valueOf(SecurityState.MAX_API_KEYS));
        assertThat(ClusterNode.errorCode(refused.code()).status()).as("a client's 4xx").isEqualTo(409);
    }

    @Test
    void theNumberOfAclsIsBoundedButAddingOneThatExistsStillSucceeds() {
        List<AclMetadata> acls = new ArrayList<>();
        for (int i = 0; i < SecurityState.MAX_ACLS; i++) {
            acls.add(acl("User:u", "t" + i, "READ"));
        }
        ClusterState full = new ClusterState(-1, Map.of(), Map.of(), Map.of(), new SecurityState(Map.of(), acls));

        assertThat(failure(full, new CreateAcl(acl("User:u", "new", "READ"))).code()).isEqualTo(Code.LIMIT_EXCEEDED);
        ClusterState.Applied again = full.apply(new CreateAcl(acl("User:u", "t7", "READ")));
        assertThat(again.result().ok()).isTrue();
        assertThat(again.state()).isSameAs(full);
    }

    @Test
    void aclsKeepTheOrderTheyWereAddedInAndAddingAnExistingOneChangesNothing() {
        AclMetadata first = acl("User:alice", "orders", "READ");
        AclMetadata second = acl("User:bob", "orders", "WRITE");
        ClusterState state = applyAll(ClusterState.EMPTY, new CreateAcl(first), new CreateAcl(second), new CreateAcl(first));

        assertThat(state.security().acls()).containsExactly(first, second);
        assertThat(failure(state, new CreateAcl(new AclMetadata("User:a", "TOPIC", "x".repeat(SecurityState.MAX_TEXT_LENGTH + 1),
                "LITERAL", "READ", "ALLOW", "*"))).code()).isEqualTo(Code.INVALID_REQUEST);
    }

    @Test
    void deleteAclsRemovesWhatTheFilterSelectsAndKeepsTheRestInOrder() {
        AclMetadata aliceOrders = acl("User:alice", "orders", "READ");
        AclMetadata bobOrders = acl("User:bob", "orders", "WRITE");
        AclMetadata alicePayments = acl("User:alice", "payments", "READ");
        AclMetadata aliceDeny = new AclMetadata("User:alice", "TOPIC", "orders", "LITERAL", "WRITE", "DENY", "*");
        ClusterState state = applyAll(ClusterState.EMPTY, new CreateAcl(aliceOrders), new CreateAcl(bobOrders),
                new CreateAcl(alicePayments), new CreateAcl(aliceDeny));

        ClusterState noMatch = applyAll(state, new DeleteAcls("User:carol", null, null, null, null, null));
        assertThat(noMatch.security()).isSameAs(state.security());
        ClusterState aliceOnOrders = applyAll(state, new DeleteAcls("User:alice", "TOPIC", "orders", null, null, null));
        assertThat(aliceOnOrders.security().acls()).containsExactly(bobOrders, alicePayments);
        ClusterState denies = applyAll(state, new DeleteAcls(null, null, null, "LITERAL", "WRITE", "DENY"));
        assertThat(denies.security().acls()).containsExactly(aliceOrders, bobOrders, alicePayments);
        assertThat(applyAll(state, new DeleteAcls(null, null, null, null, null, null)).security().acls()).isEmpty();
    }

    @Test
    void otherCommandsKeepTheSecurityPart() {
        ClusterState state = applyAll(ClusterStateTest.threeInstances(), key("k1", "User:alice"),
                new CreateAcl(acl("User:alice", "orders", "READ")));

        ClusterState after = applyAll(state, new CreateTopic("orders", 1, 1, Map.of(), 0), new MetadataCommand.DeleteTopic("orders"),
                ClusterStateTest.heartbeat("a", 2000), new MetadataCommand.DeleteGroup("g"));
        assertThat(after.security()).isSameAs(state.security());
        assertThat(after.withAppliedIndex(9).security()).isSameAs(state.security());
    }

    @Test
    void securityCommandsSurviveAJsonRoundTripUnderTheirTypeNames() {
        List<MetadataCommand> commands = List.of(key("k1", "User:alice"), new DeleteApiKey("k1"),
                new CreateAcl(acl("User:alice", "orders", "READ")), new DeleteAcls("User:alice", "TOPIC", null, null, null, "ALLOW"),
                new DeleteAcls(null, null, null, null, null, null));
        for (MetadataCommand c : commands) {
            assertThat(MetadataJson.read(MetadataJson.write(c), MetadataCommand.class)).isEqualTo(c);
        }
        assertThat(new String(MetadataJson.write(new DeleteApiKey("k1")), StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"DeleteApiKey\",\"id\":\"k1\"}");
        assertThat(new String(MetadataJson.write(key("k1", "User:a")), StandardCharsets.UTF_8)).startsWith("{\"type\":\"CreateApiKey\"");
        assertThat(new String(MetadataJson.write(new CreateAcl(acl("User:a", "t", "READ"))), StandardCharsets.UTF_8))
                .startsWith("{\"type\":\"CreateAcl\"");
        assertThat(new String(MetadataJson.write(new DeleteAcls(null, null, null, null, null, null)), StandardCharsets.UTF_8))
                .startsWith("{\"type\":\"DeleteAcls\"");
    }

    @Test
    void aSnapshotKeepsKeysAndAcls() {
        ClusterState state = applyAll(ClusterStateTest.threeInstances(), key("k1", "User:alice"),
                new CreateAcl(acl("User:alice", "orders", "READ")), new CreateAcl(acl("User:bob", "orders", "WRITE")))
                .withAppliedIndex(7);

        MetadataStateMachine.Snapshot read = MetadataJson.read(MetadataJson.write(new MetadataStateMachine.Snapshot(1, state)),
                MetadataStateMachine.Snapshot.class);

        assertThat(read.state()).isEqualTo(state);
        assertThat(read.state().security().acls()).containsExactlyElementsOf(state.security().acls());
    }

    @Test
    void aSnapshotFromBeforeTheSecurityPartLoadsWithNoKeysAndNoAcls() {
        String old = "{\"version\":1,\"state\":{\"appliedIndex\":5,\"topics\":{},\"instances\":{\"a\":{\"id\":\"a\","
                + "\"url\":\"http://a:8080\",\"lastHeartbeatMs\":1000,\"online\":true,\"incarnation\":0}},\"offsets\":{}}}";

        MetadataStateMachine.Snapshot read = MetadataJson.read(old.getBytes(StandardCharsets.UTF_8), MetadataStateMachine.Snapshot.class);

        assertThat(read.state().appliedIndex()).isEqualTo(5);
        assertThat(read.state().instances()).containsOnlyKeys("a");
        assertThat(read.state().security()).isEqualTo(SecurityState.EMPTY);
        assertThat(applyAll(read.state(), key("k1", "User:alice")).security().apiKeys()).containsOnlyKeys("k1");
    }
}
