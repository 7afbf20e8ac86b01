package io.runnel.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each row of the contract's "What each call needs", allowed with exactly its ACL and refused without it. */
class RequiredAccessTest {
    private static final KafkaPrincipal ALICE = KafkaPrincipal.user("alice");

    /** The contract's table, written out independently of {@link ApiCall}. */
    private static final String[] TABLE = {
        "PRODUCE, WRITE, TOPIC", "FETCH, READ, TOPIC", "STREAM, READ, TOPIC", "LOOKUP_OFFSETS, READ, TOPIC",
        "CREATE_TOPIC, CREATE, TOPIC", "DELETE_TOPIC, DELETE, TOPIC", "ADD_PARTITIONS, ALTER, TOPIC",
        "ALTER_TOPIC_CONFIGS, ALTER_CONFIGS, TOPIC", "DESCRIBE_TOPIC, DESCRIBE, TOPIC", "LIST_TOPICS, DESCRIBE, TOPIC",
        "JOIN_GROUP, READ, GROUP", "READ_AS_MEMBER, READ, GROUP", "HEARTBEAT, READ, GROUP", "COMMIT_OFFSETS, READ, GROUP",
        "LEAVE_GROUP, READ, GROUP", "DESCRIBE_GROUP, DESCRIBE, GROUP", "LIST_GROUPS, DESCRIBE, GROUP",
        "RESET_GROUP_OFFSETS, DELETE, GROUP", "DELETE_GROUP, DELETE, GROUP", "DESCRIBE_CLUSTER, DESCRIBE, CLUSTER",
        "ALTER_PARTITION_REASSIGNMENTS, ALTER, CLUSTER", "DESCRIBE_PARTITION_REASSIGNMENTS, DESCRIBE, CLUSTER",
        "DRAIN_INSTANCE, ALTER, CLUSTER", "REBALANCE_CLUSTER, ALTER, CLUSTER", "REMOVE_INSTANCE, ALTER, CLUSTER",
        "SCRAPE_METRICS, DESCRIBE, CLUSTER", "MANAGE_API_KEYS, ALTER, CLUSTER", "MANAGE_ACLS, ALTER, CLUSTER",
        "MANAGE_CONNECTORS, ALTER, CLUSTER", "DESCRIBE_CONNECTORS, DESCRIBE, CLUSTER", "MANAGE_STREAMS, ALTER, CLUSTER",
        "DESCRIBE_STREAMS, DESCRIBE, CLUSTER",
    };

    @Test
    void theTableCoversEveryCall() {
        Set<String> rows = Arrays.stream(TABLE).map(row -> row.split(",")[0]).collect(Collectors.toSet());
        assertThat(rows).isEqualTo(EnumSet.allOf(ApiCall.class).stream().map(Enum::name).collect(Collectors.toSet()));
    }

    /** The rows that are checked rather than filtered. */
    static Stream<Arguments> checkedRows() {
        return Arrays.stream(TABLE).map(row -> row.split(",\\s*")).filter(row -> !row[0].startsWith("LIST_"))
                .map(row -> Arguments.of(ApiCall.valueOf(row[0]), Operation.valueOf(row[1]), ResourceType.valueOf(row[2])));
    }

    @ParameterizedTest
    @MethodSource("checkedRows")
    void eachCallIsAllowedWithItsAclAndRefusedWithout(ApiCall call, Operation operation, ResourceType type) {
        assertThat(call.operation()).isEqualTo(operation);
        assertThat(call.resourceType()).isEqualTo(type);
        String name = switch (type) {
            case TOPIC -> "orders";
            case GROUP -> "billing";
            case CLUSTER -> ResourceType.CLUSTER_NAME;
        };
        List<String> topics = call.readsTopicsAsMember() ? List.of("orders", "payments") : List.of();
        RequiredAccess required = RequiredAccess.forCall(call, name, topics);
        assertThat(required.allOf().get(0).reported()).isEqualTo(new Access(operation, type, name));

        AclAuthorizer authorizer = new AclAuthorizer(Set.of());
        assertThat(authorizer.refused(ALICE, required)).contains(new Access(operation, type, name));
        topics.forEach(topic -> authorizer.add(new AclBinding(ALICE, ResourceType.TOPIC, topic, PatternType.LITERAL, Operation.READ,
                Permission.ALLOW)));
        for (Operation other : Operation.values()) {
            if (type.supports(other) && !other.implies(operation)) {
                authorizer.add(new AclBinding(ALICE, type, name, PatternType.LITERAL, other, Permission.ALLOW));
            }
        }
        assertThat(authorizer.refused(ALICE, required)).as("every other operation granted").contains(new Access(operation, type, name));

        authorizer.add(new AclBinding(ALICE, type, name, PatternType.LITERAL, operation, Permission.ALLOW));
        assertThat(authorizer.refused(ALICE, required)).isEmpty();
        assertThat(authorizer.refused(KafkaPrincipal.user("bob"), required)).isPresent();
    }

    @Test
    void createTopicIsAllowedByCreateOnTheTopicOrOnTheCluster() {
        RequiredAccess required = RequiredAccess.forCall(ApiCall.CREATE_TOPIC, "orders");
        AclAuthorizer onCluster = new AclAuthorizer(Set.of());
        onCluster.add(new AclBinding(ALICE, ResourceType.CLUSTER, ResourceType.CLUSTER_NAME, PatternType.LITERAL, Operation.CREATE,
                Permission.ALLOW));
        assertThat(onCluster.refused(ALICE, required)).isEmpty();
        AclAuthorizer onPrefix = new AclAuthorizer(Set.of());
        onPrefix.add(new AclBinding(ALICE, ResourceType.TOPIC, "ord", PatternType.PREFIXED, Operation.CREATE, Permission.ALLOW));
        assertThat(onPrefix.refused(ALICE, required)).isEmpty();
        assertThat(new AclAuthorizer(Set.of()).refused(ALICE, required)).contains(Access.topic(Operation.CREATE, "orders"));
    }

    @Test
    void aMemberCallNeedsReadOnEveryTopicAndNamesTheFirstItLacks() {
        RequiredAccess required = RequiredAccess.forCall(ApiCall.JOIN_GROUP, "billing", List.of("orders", "payments", "orders"));
        assertThat(required.allOf()).hasSize(3);
        AclAuthorizer authorizer = new AclAuthorizer(Set.of());
        authorizer.add(new AclBinding(ALICE, ResourceType.GROUP, "billing", PatternType.LITERAL, Operation.READ, Permission.ALLOW));
        authorizer.add(new AclBinding(ALICE, ResourceType.TOPIC, "orders", PatternType.LITERAL, Operation.READ, Permission.ALLOW));
        assertThat(authorizer.refused(ALICE, required)).contains(Access.topic(Operation.READ, "payments"));
    }

    @Test
    void listsNeedNothingAndAreFilteredInstead() {
        assertThat(RequiredAccess.forCall(ApiCall.LIST_TOPICS).allOf()).isEmpty();
        assertThat(RequiredAccess.forCall(ApiCall.LIST_GROUPS).allOf()).isEmpty();
        assertThat(ApiCall.LIST_TOPICS.isList()).isTrue();
    }

    @Test
    void aPatchThatGrowsAndReconfiguresNeedsBoth() {
        RequiredAccess both = RequiredAccess.forCall(ApiCall.ADD_PARTITIONS, "orders")
                .and(RequiredAccess.forCall(ApiCall.ALTER_TOPIC_CONFIGS, "orders"));
        AclAuthorizer authorizer = new AclAuthorizer(Set.of());
        authorizer.add(new AclBinding(ALICE, ResourceType.TOPIC, "orders", PatternType.LITERAL, Operation.ALTER, Permission.ALLOW));
        assertThat(authorizer.refused(ALICE, both)).contains(Access.topic(Operation.ALTER_CONFIGS, "orders"));
    }

    @Test
    void onlyMemberCallsTakeTopics() {
        assertThatThrownBy(() -> RequiredAccess.forCall(ApiCall.PRODUCE, "orders", List.of("payments")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
