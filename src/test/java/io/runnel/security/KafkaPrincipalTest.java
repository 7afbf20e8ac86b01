package io.runnel.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KafkaPrincipalTest {

    @Test
    void parsesAndPrintsTheKafkaForm() {
        KafkaPrincipal alice = KafkaPrincipal.parse("User:alice");
        assertThat(alice.name()).isEqualTo("alice");
        assertThat(alice).hasToString("User:alice").isEqualTo(KafkaPrincipal.user("alice"));
    }

    @Test
    void theNameIsEverythingAfterTheFirstColon() {
        assertThat(KafkaPrincipal.parse("User:CN=svc:8443,O=acme").name()).isEqualTo("CN=svc:8443,O=acme");
    }

    @Test
    void userStarIsTheWildcard() {
        assertThat(KafkaPrincipal.parse("User:*").isWildcard()).isTrue();
        assertThat(KafkaPrincipal.user("alice").isWildcard()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice", "user:alice", "Group:ops", "User:", "User: alice", "User:alice ", "User:a\nb", "User:a\u0000"})
    void refusesAnythingButUserAndAValidName(String text) {
        assertThatThrownBy(() -> KafkaPrincipal.parse(text)).isInstanceOf(RunnelException.class)
                .extracting(e -> ((RunnelException) e).code()).isEqualTo(ErrorCode.INVALID_REQUEST);
    }

    @Test
    void refusesNullAndOverlongNames() {
        assertThatThrownBy(() -> KafkaPrincipal.parse(null)).isInstanceOf(RunnelException.class);
        assertThat(KafkaPrincipal.user("a".repeat(KafkaPrincipal.MAX_NAME_LENGTH)).name()).hasSize(KafkaPrincipal.MAX_NAME_LENGTH);
        assertThatThrownBy(() -> KafkaPrincipal.user("a".repeat(KafkaPrincipal.MAX_NAME_LENGTH + 1))).isInstanceOf(RunnelException.class);
    }
}
