package io.runnel.security;

import java.time.Instant;
import java.util.HexFormat;

/**
 * What the cluster keeps of an API key: its public {@code id}, the principal it authenticates as, a
 * description, when it was made, and the SHA-256 of the secret key ({@link ApiKeys#hash}) — never the key.
 * An immutable value; {@code sha256} is copied in and out.
 */
public record StoredApiKey(String id, KafkaPrincipal principal, String description, Instant createdAt, byte[] sha256) {

    public StoredApiKey {
        if (id == null || principal == null || createdAt == null || sha256 == null || sha256.length != ApiKeys.HASH_BYTES) {
            throw new IllegalArgumentException("a stored key needs an id, a principal, a creation time and a 32-byte SHA-256");
        }
        description = description == null ? "" : description;
        sha256 = sha256.clone();
    }

    @Override
    public byte[] sha256() {
        return sha256.clone();
    }

    /** Whether {@code key} is this key's secret, compared in constant time. */
    public boolean matches(String key) {
        return ApiKeys.matches(key, sha256);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredApiKey k && id.equals(k.id) && principal.equals(k.principal) && description.equals(k.description)
                && createdAt.equals(k.createdAt) && java.util.Arrays.equals(sha256, k.sha256);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    /** Without the hash, which is not a secret but has no place in logs. */
    @Override
    public String toString() {
        return "StoredApiKey[id=" + id + ", principal=" + principal + ", description=" + description + ", createdAt=" + createdAt
                + ", sha256=" + HexFormat.of().formatHex(sha256, 0, 4) + "…]";
    }
}
