package io.runnel.security;

import static io.runnel.security.Operation.ALL;
import static io.runnel.security.Operation.ALTER;
import static io.runnel.security.Operation.ALTER_CONFIGS;
import static io.runnel.security.Operation.DELETE;
import static io.runnel.security.Operation.DESCRIBE;
import static io.runnel.security.Operation.DESCRIBE_CONFIGS;
import static io.runnel.security.Operation.READ;
import static io.runnel.security.Operation.WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OperationTest {

    /** Kafka's implications, written out: each operation implies itself and these. */
    private static final Map<Operation, Set<Operation>> ALSO_IMPLIED = Map.of(
            READ, Set.of(DESCRIBE), WRITE, Set.of(DESCRIBE), DELETE, Set.of(DESCRIBE), ALTER, Set.of(DESCRIBE),
            ALTER_CONFIGS, Set.of(DESCRIBE_CONFIGS), ALL, EnumSet.allOf(Operation.class));

    @Test
    void allowImpliesExactlyKafkasTable() {
        for (Operation granted : Operation.values()) {
            for (Operation requested : Operation.values()) {
                boolean expected = granted == requested || ALSO_IMPLIED.getOrDefault(granted, Set.of()).contains(requested);
                assertThat(granted.implies(requested)).as("%s implies %s", granted, requested).isEqualTo(expected);
            }
        }
    }

    @Test
    void denyForbidsOnlyItselfOrEverythingForAll() {
        for (Operation denied : Operation.values()) {
            for (Operation requested : Operation.values()) {
                assertThat(denied.denies(requested)).as("%s denies %s", denied, requested)
                        .isEqualTo(denied == requested || denied == ALL);
            }
        }
    }
}
