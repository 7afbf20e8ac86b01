package io.runnel.security.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.security.AclAuthorizer;
import io.runnel.security.AclBinding;
import io.runnel.security.AclBindingFilter;
import io.runnel.security.KafkaPrincipal;
import io.runnel.security.Operation;
import io.runnel.security.PatternType;
import io.runnel.security.Permission;
import io.runnel.security.ResourceType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** The single node's keys and ACLs: they survive a restart, and a failed write changes nothing. */
class LocalSecurityMetadataTest {
    private static final KafkaPrincipal ALICE = KafkaPrincipal.user("alice");
    private static final AclBinding ALICE_READS_ORDERS = new AclBinding(ALICE, ResourceType.TOPIC, "orders", PatternType.LITERAL,
            Operation.READ, Permission.ALLOW);
    private static final AclBinding BOB_WRITES_ORDERS = new AclBinding(KafkaPrincipal.user("bob"), ResourceType.TOPIC, "orders.",
            PatternType.PREFIXED, Operation.WRITE, Permission.ALLOW);

    @TempDir
    Path dataDir;

    private Path file() {
        return dataDir.resolve("meta").resolve("security.json");
    }

    private LocalSecurityMetadata open(AclAuthorizer authorizer) throws IOException {
        return new LocalSecurityMetadata(file(), authorizer, JsonMapper.builder().build(), Clock.systemUTC());
    }

    private static AclAuthorizer authorizer() {
        return new AclAuthorizer(List.of(KafkaPrincipal.user("admin")));
    }

    @Test
    void keysAndAclsSurviveARestart() throws IOException {
        LocalSecurityMetadata first = open(authorizer());
        SecurityMetadata.NewApiKey kept = first.createApiKey(ALICE, "kept");
        SecurityMetadata.NewApiKey deleted = first.createApiKey(ALICE, "deleted");
        first.deleteApiKey(deleted.stored().id());
        first.createAcl(ALICE_READS_ORDERS);
        first.createAcl(BOB_WRITES_ORDERS);

        AclAuthorizer authorizer = authorizer();
        LocalSecurityMetadata restarted = open(authorizer);

        assertThat(restarted.apiKeys()).containsExactly(kept.stored());
        assertThat(restarted.apiKeyOf(kept.key())).hasValue(kept.stored());
        assertThat(restarted.apiKeyOf(deleted.key())).isEmpty();
        assertThat(restarted.acls(AclBindingFilter.ANY)).containsExactly(ALICE_READS_ORDERS, BOB_WRITES_ORDERS);
        assertThat(authorizer.authorize(ALICE, Operation.READ, ResourceType.TOPIC, "orders")).isTrue();
        assertThat(Files.readString(file())).as("only the hash is stored").doesNotContain(kept.key());
    }

    @Test
    void aFailedWriteChangesNothingAndTellsNoListener() throws IOException {
        LocalSecurityMetadata metadata = open(authorizer());
        SecurityMetadata.NewApiKey kept = metadata.createApiKey(ALICE, "");
        metadata.createAcl(ALICE_READS_ORDERS);
        AtomicInteger changes = new AtomicInteger();
        metadata.onChange(changes::incrementAndGet);
        byte[] before = Files.readAllBytes(file());
        Path meta = file().getParent();
        Path aside = dataDir.resolve("meta-aside");
        Files.move(meta, aside);
        Files.writeString(meta, "a file where the directory was: every write fails");

        assertThatThrownBy(() -> metadata.createApiKey(ALICE, "lost")).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> metadata.deleteApiKey(kept.stored().id())).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> metadata.createAcl(BOB_WRITES_ORDERS)).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> metadata.deleteAcls(AclBindingFilter.ANY)).isInstanceOf(RuntimeException.class);

        assertThat(metadata.apiKeys()).containsExactly(kept.stored());
        assertThat(metadata.apiKeyOf(kept.key())).isPresent();
        assertThat(metadata.acls(AclBindingFilter.ANY)).containsExactly(ALICE_READS_ORDERS);
        assertThat(changes).hasValue(0);

        Files.delete(meta);
        Files.move(aside, meta);
        assertThat(Files.readAllBytes(file())).isEqualTo(before);
        assertThat(open(authorizer()).apiKeys()).containsExactly(kept.stored());
    }

    @Test
    void aKeyForEveryoneOrWithAnOverlongDescriptionIsRefused() throws IOException {
        LocalSecurityMetadata metadata = open(authorizer());

        assertThatThrownBy(() -> metadata.createApiKey(KafkaPrincipal.WILDCARD, "")).hasMessageContaining("wildcard");
        assertThatThrownBy(() -> metadata.createApiKey(ALICE, "d".repeat(1001))).hasMessageContaining("description");
        assertThat(metadata.apiKeys()).isEmpty();
        assertThat(Files.exists(file())).isFalse();
    }
}
