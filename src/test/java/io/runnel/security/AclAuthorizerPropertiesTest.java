package io.runnel.security;

import static io.runnel.PropertyChecks.lists;
import static io.runnel.PropertyChecks.qt;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;

/**
 * {@link AclAuthorizer} against a brute-force oracle that reads Kafka's rules straight off every ACL,
 * over random ACL sets and requests in a small universe of names (so prefixes, the literal {@code *}
 * and {@code User:*} collide often).
 */
class AclAuthorizerPropertiesTest {
    private static final KafkaPrincipal ADMIN = KafkaPrincipal.user("admin");
    private static final List<KafkaPrincipal> ACL_PRINCIPALS = List.of(KafkaPrincipal.user("alice"), KafkaPrincipal.user("bob"),
            KafkaPrincipal.WILDCARD);
    private static final List<KafkaPrincipal> REQUESTERS = List.of(KafkaPrincipal.user("alice"), KafkaPrincipal.user("bob"), ADMIN);
    private static final List<String> NAMES = List.of("a", "ab", "abc", "b", "ba", "*");

    @Test
    void authorizeAgreesWithTheOracle() {
        qt(300).forAll(lists(acls(), 0, 12), lists(requests(), 1, 20)).checkAssert((acls, requests) -> {
            AclAuthorizer replaced = new AclAuthorizer(Set.of(ADMIN));
            replaced.replace(acls);
            AclAuthorizer added = new AclAuthorizer(Set.of(ADMIN));
            acls.forEach(added::add);
            for (Request r : requests) {
                boolean expected = oracle(acls, r);
                assertThat(replaced.authorize(r.principal(), r.operation(), r.type(), r.name())).as("%s with %s", r, acls).isEqualTo(expected);
                assertThat(added.authorize(r.principal(), r.operation(), r.type(), r.name())).as("%s with %s", r, acls).isEqualTo(expected);
            }
        });
    }

    @Test
    void removeTakesExactlyWhatTheFilterSelects() {
        qt(200).forAll(lists(acls(), 0, 12), acls()).checkAssert((acls, pick) -> {
            AclAuthorizer authorizer = new AclAuthorizer(Set.of());
            authorizer.replace(acls);
            AclBindingFilter filter = new AclBindingFilter(pick.principal(), pick.resourceType(), null, null, pick.operation(), null);
            List<AclBinding> before = authorizer.acls(AclBindingFilter.ANY);
            List<AclBinding> removed = authorizer.remove(filter);
            assertThat(removed).allMatch(filter::matches);
            assertThat(authorizer.acls(AclBindingFilter.ANY)).noneMatch(filter::matches);
            assertThat(removed.size() + authorizer.acls(AclBindingFilter.ANY).size()).isEqualTo(before.size());
        });
    }

    /** Kafka's rules, read off every ACL with no index. */
    private static boolean oracle(List<AclBinding> acls, Request r) {
        if (r.principal().equals(ADMIN)) {
            return true;
        }
        boolean allowed = false;
        for (AclBinding acl : acls) {
            boolean principalMatches = acl.principal().equals(r.principal()) || acl.principal().name().equals("*");
            boolean resourceMatches = acl.resourceType() == r.type() && (acl.patternType() == PatternType.LITERAL
                    ? acl.resourceName().equals(r.name()) || acl.resourceName().equals("*")
                    : r.name().startsWith(acl.resourceName()));
            if (!principalMatches || !resourceMatches) {
                continue;
            }
            Operation op = acl.operation();
            if (acl.permission() == Permission.DENY && (op == r.operation() || op == Operation.ALL)) {
                return false;
            }
            if (acl.permission() == Permission.ALLOW && (op == r.operation() || op == Operation.ALL
                    || r.operation() == Operation.DESCRIBE && List.of(Operation.READ, Operation.WRITE, Operation.DELETE, Operation.ALTER)
                            .contains(op)
                    || r.operation() == Operation.DESCRIBE_CONFIGS && op == Operation.ALTER_CONFIGS)) {
                allowed = true;
            }
        }
        return allowed;
    }

    private record Request(KafkaPrincipal principal, Operation operation, ResourceType type, String name) {
    }

    private static Gen<Request> requests() {
        return Generate.pick(REQUESTERS).zip(Generate.enumValues(Operation.class), Generate.enumValues(ResourceType.class),
                Generate.pick(NAMES), (p, op, type, name) -> new Request(p, op, type, type == ResourceType.CLUSTER ? ResourceType.CLUSTER_NAME : name));
    }

    private static Gen<AclBinding> acls() {
        Gen<Integer> anyIndex = SourceDSL.integers().between(0, 99);
        return Generate.pick(ACL_PRINCIPALS).zip(Generate.enumValues(ResourceType.class), Generate.pick(NAMES),
                Generate.enumValues(PatternType.class), (p, type, name, pattern) -> new Object[] {p, type, name, pattern})
                .zip(anyIndex, Generate.enumValues(Permission.class), (parts, opIndex, permission) -> {
                    ResourceType type = (ResourceType) parts[1];
                    String name = (String) parts[2];
                    PatternType pattern = (PatternType) parts[3];
                    if (type == ResourceType.CLUSTER) {
                        name = ResourceType.CLUSTER_NAME;
                        pattern = PatternType.LITERAL;
                    } else if (name.equals("*")) {
                        pattern = PatternType.LITERAL;
                    }
                    List<Operation> supported = List.of(Operation.values()).stream().filter(type::supports).toList();
                    return new AclBinding((KafkaPrincipal) parts[0], type, name, pattern, supported.get(opIndex % supported.size()), permission);
                });
    }
}
