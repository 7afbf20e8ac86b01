package io.runnel.security;

import static io.runnel.security.Operation.ALL;
import static io.runnel.security.Operation.DESCRIBE;
import static io.runnel.security.Operation.READ;
import static io.runnel.security.Operation.WRITE;
import static io.runnel.security.Permission.ALLOW;
import static io.runnel.security.Permission.DENY;
import static io.runnel.security.ResourceType.GROUP;
import static io.runnel.security.ResourceType.TOPIC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class AclAuthorizerTest {
    private static final KafkaPrincipal ADMIN = KafkaPrincipal.user("admin");
    private static final KafkaPrincipal ALICE = KafkaPrincipal.user("alice");
    private static final KafkaPrincipal BOB = KafkaPrincipal.user("bob");

    private final AclAuthorizer authorizer = new AclAuthorizer(Set.of(ADMIN));

    private static AclBinding acl(KafkaPrincipal who, ResourceType type, String name, PatternType pattern, Operation op, Permission p) {
        return new AclBinding(who, type, name, pattern, op, p);
    }

    @Test
    void noMatchingAllowIsDenied() {
        assertThat(authorizer.authorize(ALICE, READ, TOPIC, "orders")).isFalse();
        authorizer.add(acl(ALICE, TOPIC, "payments", PatternType.LITERAL, READ, ALLOW));
        assertThat(authorizer.authorize(ALICE, READ, TOPIC, "orders")).isFalse();
        assertThat(authorizer.authorize(ALICE, READ, TOPIC, "payments")).isTrue();
        assertThat(authorizer.authorize(ALICE, WRITE, TOPIC, "payments")).isFalse();
    }

    @Test
    void superUsersMayDoEverythingEvenWhenDenied() {
        authorizer.add(acl(KafkaPrincipal.WILDCARD, TOPIC, "*", PatternType.LITERAL, ALL, DENY));
        assertThat(authorizer.authorize(ADMIN, Operation.DELETE, TOPIC, "orders")).isTrue();
        assertThat(authorizer.isSuperUser(ADMIN)).isTrue();
        assertThat(authorizer.isSuperUser(ALICE)).isFalse();
        assertThatThrownBy(() -> new AclAuthorizer(Set.of(KafkaPrincipal.WILDCARD))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void denyWinsOverAllow() {
        authorizer.add(acl(ALICE, TOPIC, "orders", PatternType.PREFIXED, ALL, ALLOW));
        authorizer.add(acl(ALICE, TOPIC, "orders.secret", PatternType.LITERAL, READ, DENY));
        assertThat(authorizer.authorize(ALICE, READ, TOPIC, "orders.public")).isTrue();
        assertThat(authorizer.authorize(ALICE, READ, TOPIC, "orders.secret")).isFalse();
        assertThat(authorizer.authorize(ALICE, WRITE, TOPIC, "orders.secret")).isTrue();
    }

    @Test
    void denyingAnOperationDoesNotDenyWhatItImplies() {
        authorizer.add(acl(ALICE, TOPIC, "orders", PatternType.LITERAL, ALL, ALLOW));
        authorizer.add(acl(ALICE, TOPIC, "orders", PatternType.LITERAL, READ, DENY));
        assertThat(authorizer.authorize(ALICE, DESCRIBE, TOPIC, "orders")).isTrue();
        authorizer.add(acl(ALICE, TOPIC, "orders", PatternType.LITERAL, ALL, DENY));
        assertThat(authorizer.authorize(ALICE, DESCRIBE, TOPIC, "orders")).isFalse();
    }

    @Test
    void impliedDescribeAndDescribeConfigs() {
        authorizer.add(acl(ALICE, TOPIC, "orders", PatternType.LITERAL, WRITE, ALLOW));
        authorizer.add(acl(ALICE, TOPIC, "orders", PatternType.LITERAL, Operation.ALTER_CONFIGS, ALLOW));
        assertThat(authorizer.authorize(ALICE, DESCRIBE, TOPIC, "orders")).isTrue();
        assertThat(authorizer.authorize(ALICE, Operation.DESCRIBE_CONFIGS, TOPIC, "orders")).isTrue();
        assertThat(authorizer.authorize(ALICE, READ, TOPIC, "orders")).isFalse();
    }

    @Test
    void literalStarMatchesEveryResourceOfItsTypeOnly() {
        authorizer.add(acl(ALICE, TOPIC, "*", PatternType.LITERAL, READ, ALLOW));
        assertThat(authorizer.authorize(ALICE, READ, TOPIC, "anything")).isTrue();
        assertThat(authorizer.authorize(ALICE, READ, TOPIC, "*")).isTrue();
        assertThat(authorizer.authorize(ALICE, READ, GROUP, "anything")).isFalse();
    }

    @Test
    void prefixedMatchesNamesStartingWithThePrefix() {
        authorizer.add(acl(ALICE, TOPIC, "orders.", PatternType.PREFIXED, WRITE, ALLOW));
        assertThat(authorizer.authorize(ALICE, WRITE, TOPIC, "orders.eu")).isTrue();
        assertThat(authorizer.authorize(ALICE, WRITE, TOPIC, "orders.")).isTrue();
        assertThat(authorizer.authorize(ALICE, WRITE, TOPIC, "orders")).isFalse();
        assertThat(authorizer.authorize(ALICE, WRITE, TOPIC, "xorders.eu")).isFalse();
    }

    @Test
    void wildcardPrincipalAppliesToEveryoneAndOthersAclsToNobodyElse() {
        authorizer.add(acl(KafkaPrincipal.WILDCARD, TOPIC, "public", PatternType.LITERAL, READ, ALLOW));
        authorizer.add(acl(BOB, TOPIC, "orders", PatternType.LITERAL, READ, ALLOW));
        assertThat(authorizer.authorize(ALICE, READ, TOPIC, "public")).isTrue();
        assertThat(authorizer.authorize(ALICE, READ, TOPIC, "orders")).isFalse();
        authorizer.add(acl(KafkaPrincipal.WILDCARD, TOPIC, "orders", PatternType.LITERAL, READ, DENY));
        assertThat(authorizer.authorize(BOB, READ, TOPIC, "orders")).isFalse();
    }

    @Test
    void listsKeepOnlyWhatTheCallerMayDescribe() {
        authorizer.add(acl(ALICE, TOPIC, "orders", PatternType.PREFIXED, READ, ALLOW));
        assertThat(authorizer.authorizedNames(ALICE, DESCRIBE, TOPIC, List.of("payments", "orders.eu", "orders", "audit")))
                .containsExactly("orders.eu", "orders");
        assertThat(authorizer.authorizedNames(ADMIN, DESCRIBE, TOPIC, List.of("payments", "audit"))).containsExactly("payments", "audit");
    }

    @Test
    void addIsIdempotentAndRemoveReturnsWhatItRemoved() {
        AclBinding read = acl(ALICE, TOPIC, "orders", PatternType.LITERAL, READ, ALLOW);
        AclBinding write = acl(ALICE, TOPIC, "orders", PatternType.LITERAL, WRITE, ALLOW);
        AclBinding bobs = acl(BOB, GROUP, "billing", PatternType.LITERAL, READ, ALLOW);
        assertThat(authorizer.add(read)).isTrue();
        assertThat(authorizer.add(read)).isFalse();
        authorizer.add(write);
        authorizer.add(bobs);
        assertThat(authorizer.acls(new AclBindingFilter(ALICE, null, null, null, null, null))).containsExactly(read, write);

        assertThat(authorizer.remove(new AclBindingFilter(ALICE, TOPIC, "orders", null, null, null))).containsExactly(read, write);
        assertThat(authorizer.authorize(ALICE, READ, TOPIC, "orders")).isFalse();
        assertThat(authorizer.remove(new AclBindingFilter(ALICE, null, null, null, null, null))).isEmpty();
        assertThat(authorizer.acls(AclBindingFilter.ANY)).containsExactly(bobs);
    }

    @Test
    void concurrentWritersLoseNoAclWhileReadersAuthorize() throws Exception {
        int writers = 4;
        int perWriter = 200;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                String prefix = "w" + w + ".";
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perWriter; i++) {
                        authorizer.add(acl(ALICE, TOPIC, prefix + i, PatternType.LITERAL, READ, ALLOW));
                        assertThat(authorizer.authorize(ALICE, READ, TOPIC, prefix + i)).isTrue();
                    }
                }));
            }
            for (Future<?> writer : done) {
                writer.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(authorizer.acls(AclBindingFilter.ANY)).hasSize(writers * perWriter);
    }

    @Test
    void replaceSwapsTheWholeSet() {
        authorizer.add(acl(ALICE, TOPIC, "orders", PatternType.LITERAL, READ, ALLOW));
        AclBinding bobs = acl(BOB, TOPIC, "orders", PatternType.LITERAL, READ, ALLOW);
        authorizer.replace(List.of(bobs, bobs));
        assertThat(authorizer.acls(AclBindingFilter.ANY)).containsExactly(bobs);
        assertThat(authorizer.authorize(ALICE, READ, TOPIC, "orders")).isFalse();
        assertThat(authorizer.authorize(BOB, READ, TOPIC, "orders")).isTrue();
    }

    @Test
    void aRefusalIsThe403OfItsResourceTypeNamingResourceAndOperation() {
        assertThatThrownBy(() -> authorizer.check(ALICE, RequiredAccess.forCall(ApiCall.PRODUCE, "orders")))
                .isInstanceOfSatisfying(RunnelException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
                    assertThat(e.code().status()).isEqualTo(403);
                    assertThat(e.getMessage()).isEqualTo("not authorized to WRITE topic 'orders'");
                    assertThat(e.context()).containsEntry("resourceType", "TOPIC").containsEntry("resourceName", "orders")
                            .containsEntry("operation", "WRITE").containsEntry("topic", "orders");
                });
        assertThatThrownBy(() -> authorizer.check(ALICE, RequiredAccess.forCall(ApiCall.DELETE_GROUP, "billing")))
                .extracting(e -> ((RunnelException) e).code()).isEqualTo(ErrorCode.GROUP_AUTHORIZATION_FAILED);
        assertThatThrownBy(() -> authorizer.check(ALICE, RequiredAccess.forCall(ApiCall.MANAGE_ACLS)))
                .extracting(e -> ((RunnelException) e).code()).isEqualTo(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
        assertThat(ErrorCode.UNAUTHENTICATED.status()).isEqualTo(401);
    }
}
