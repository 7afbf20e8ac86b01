package io.runnel.security.store;

import io.runnel.security.ApiKeys;
import io.runnel.security.StoredApiKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The API keys of one metadata state, indexed by id and by hash, for authentication without a scan.
 * Finding a key by its secret hashes the secret and looks the hash up; the lookup leaks nothing useful
 * (the secret has 256 random bits), and the match is then confirmed in constant time. Immutable.
 */
final class KeyIndex {
    static final KeyIndex EMPTY = new KeyIndex(List.of());

    private final List<StoredApiKey> keys;
    private final Map<String, StoredApiKey> byId = new HashMap<>();
    private final Map<String, StoredApiKey> byHash = new HashMap<>();

    KeyIndex(Collection<StoredApiKey> keys) {
        List<StoredApiKey> sorted = new ArrayList<>(keys);
        sorted.sort(java.util.Comparator.comparing(StoredApiKey::createdAt).thenComparing(StoredApiKey::id));
        this.keys = List.copyOf(sorted);
        for (StoredApiKey key : this.keys) {
            byId.put(key.id(), key);
            byHash.put(HexFormat.of().formatHex(key.sha256()), key);
        }
    }

    List<StoredApiKey> all() {
        return keys;
    }

    Optional<StoredApiKey> byId(String id) {
        return Optional.ofNullable(id == null ? null : byId.get(id));
    }

    Optional<StoredApiKey> bySecret(String key) {
        if (key == null) {
            return Optional.empty();
        }
        StoredApiKey found = byHash.get(HexFormat.of().formatHex(ApiKeys.hash(key)));
        return found != null && found.matches(key) ? Optional.of(found) : Optional.empty();
    }
}
