package io.runnel.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

    @Test
    void keysAreUrlSafeAndCarry256RandomBits() {
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            String key = ApiKeys.newKey();
            assertThat(key).matches("[A-Za-z0-9_-]{43}");
            assertThat(Base64.getUrlDecoder().decode(key)).hasSize(32);
            keys.add(key);
        }
        assertThat(keys).hasSize(100);
        assertThat(ApiKeys.newId()).matches("[A-Za-z0-9_-]{22}").isNotEqualTo(ApiKeys.newId());
    }

    @Test
    void theHashIsSha256OfTheUtf8Key() {
        assertThat(HexFormat.of().formatHex(ApiKeys.hash("abc")))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void onlyTheRightKeyMatchesItsHash() {
        String key = ApiKeys.newKey();
        byte[] hash = ApiKeys.hash(key);
        assertThat(ApiKeys.matches(key, hash)).isTrue();
        assertThat(ApiKeys.matches(key + "x", hash)).isFalse();
        assertThat(ApiKeys.matches(ApiKeys.newKey(), hash)).isFalse();
        assertThat(ApiKeys.matches(null, hash)).isFalse();
    }

    @Test
    void aStoredKeyKeepsOnlyTheHashAndCopiesIt() {
        String key = ApiKeys.newKey();
        byte[] hash = ApiKeys.hash(key);
        StoredApiKey stored = new StoredApiKey(ApiKeys.newId(), KafkaPrincipal.user("alice"), "billing service",
                Instant.parse("2026-01-01T00:00:00Z"), hash);
        hash[0] ^= 1;
        assertThat(stored.matches(key)).isTrue();
        stored.sha256()[0] ^= 1;
        assertThat(stored.matches(key)).isTrue();
        assertThat(stored.toString()).doesNotContain(key).doesNotContain(HexFormat.of().formatHex(ApiKeys.hash(key)));
        assertThat(stored).isEqualTo(new StoredApiKey(stored.id(), stored.principal(), stored.description(), stored.createdAt(),
                ApiKeys.hash(key)));
    }
}
