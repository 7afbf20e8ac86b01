package io.runnel.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class AclBindingTest {
    private static final KafkaPrincipal ALICE = KafkaPrincipal.user("alice");

    @Test
    void aMissingHostIsEveryHost() {
        AclBinding acl = new AclBinding(ALICE, ResourceType.TOPIC, "orders", PatternType.LITERAL, Operation.READ, Permission.ALLOW, null);
        assertThat(acl.host()).isEqualTo("*");
        assertThat(acl).isEqualTo(new AclBinding(ALICE, ResourceType.TOPIC, "orders", PatternType.LITERAL, Operation.READ, Permission.ALLOW));
    }

    @Test
    void theClusterResourceIsOnlyTheLiteralRunnelCluster() {
        assertThat(new AclBinding(ALICE, ResourceType.CLUSTER, "runnel-cluster", PatternType.LITERAL, Operation.ALTER, Permission.ALLOW)
                .resourceName()).isEqualTo(ResourceType.CLUSTER_NAME);
        assertInvalid(() -> new AclBinding(ALICE, ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, Operation.ALTER,
                Permission.ALLOW));
        assertInvalid(() -> new AclBinding(ALICE, ResourceType.CLUSTER, "runnel-", PatternType.PREFIXED, Operation.ALTER, Permission.ALLOW));
    }

    @Test
    void refusesPrefixedStarEmptyOrControlNames() {
        assertInvalid(() -> new AclBinding(ALICE, ResourceType.TOPIC, "*", PatternType.PREFIXED, Operation.READ, Permission.ALLOW));
        assertInvalid(() -> new AclBinding(ALICE, ResourceType.TOPIC, "", PatternType.LITERAL, Operation.READ, Permission.ALLOW));
        assertInvalid(() -> new AclBinding(ALICE, ResourceType.TOPIC, "a\tb", PatternType.LITERAL, Operation.READ, Permission.ALLOW));
        assertInvalid(() -> new AclBinding(ALICE, ResourceType.TOPIC, "a".repeat(256), PatternType.LITERAL, Operation.READ, Permission.ALLOW));
    }

    @Test
    void refusesOperationsTheResourceTypeNeverChecks() {
        assertInvalid(() -> new AclBinding(ALICE, ResourceType.GROUP, "billing", PatternType.LITERAL, Operation.WRITE, Permission.ALLOW));
        assertInvalid(() -> new AclBinding(ALICE, ResourceType.CLUSTER, "runnel-cluster", PatternType.LITERAL, Operation.READ,
                Permission.ALLOW));
        for (Operation operation : Operation.values()) {
            assertThat(new AclBinding(ALICE, ResourceType.TOPIC, "orders", PatternType.LITERAL, operation, Permission.DENY)).isNotNull();
        }
    }

    @Test
    void refusesHostsOtherThanStarAndMissingMembers() {
        assertInvalid(() -> new AclBinding(ALICE, ResourceType.TOPIC, "orders", PatternType.LITERAL, Operation.READ, Permission.ALLOW,
                "10.0.0.1"));
        assertInvalid(() -> new AclBinding(null, ResourceType.TOPIC, "orders", PatternType.LITERAL, Operation.READ, Permission.ALLOW));
        assertInvalid(() -> new AclBinding(ALICE, ResourceType.TOPIC, "orders", PatternType.LITERAL, null, Permission.ALLOW));
    }

    @Test
    void aFilterComparesTheAclAsWritten() {
        AclBinding star = new AclBinding(ALICE, ResourceType.TOPIC, "*", PatternType.LITERAL, Operation.READ, Permission.ALLOW);
        assertThat(AclBindingFilter.ANY.matches(star)).isTrue();
        assertThat(new AclBindingFilter(null, ResourceType.TOPIC, "orders", null, null, null).matches(star)).isFalse();
        assertThat(new AclBindingFilter(ALICE, ResourceType.TOPIC, "*", PatternType.LITERAL, Operation.READ, Permission.ALLOW)
                .matches(star)).isTrue();
        assertThat(new AclBindingFilter(null, null, null, null, null, Permission.DENY).matches(star)).isFalse();
    }

    private static void assertInvalid(ThrowingCallable construction) {
        assertThatThrownBy(construction).isInstanceOf(RunnelException.class)
                .extracting(e -> ((RunnelException) e).code()).isEqualTo(ErrorCode.INVALID_REQUEST);
    }
}
