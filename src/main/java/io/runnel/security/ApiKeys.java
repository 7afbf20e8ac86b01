package io.runnel.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The arithmetic of API keys, without their storage. A key is {@value #KEY_BYTES} random bytes from
 * {@link SecureRandom} (256 bits), written base64url without padding (43 characters); its id is
 * {@value #ID_BYTES} random bytes the same way (22 characters), public, and the user name of Basic
 * authentication. Only the SHA-256 of a key is kept: for random keys of this entropy a fast hash is as
 * safe as a slow one and costs nothing per request. Comparison is constant-time
 * ({@link MessageDigest#isEqual}) so the time taken tells nothing about how much of a hash matched.
 *
 * <p>Stateless apart from the {@link SecureRandom}, which is thread-safe: safe to share.
 */
public final class ApiKeys {
    static final int KEY_BYTES = 32;
    static final int ID_BYTES = 16;
    static final int HASH_BYTES = 32;
    private static final Base64.Encoder URL_SAFE = Base64.getUrlEncoder().withoutPadding();
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {
    }

    /** A new secret key: 256 random bits, base64url without padding. */
    public static String newKey() {
        return randomText(KEY_BYTES);
    }

    /** A new public key id: 128 random bits, base64url without padding. */
    public static String newId() {
        return randomText(ID_BYTES);
    }

    /** The SHA-256 of the key's UTF-8 bytes: what is stored in its place. */
    public static byte[] hash(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** Whether {@code key} hashes to {@code sha256}, in time independent of where they differ. */
    public static boolean matches(String key, byte[] sha256) {
        return key != null && MessageDigest.isEqual(hash(key), sha256);
    }

    private static String randomText(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return URL_SAFE.encodeToString(random);
    }
}
