package io.runnel.connect.http;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs requests as the Standard Webhooks specification says: {@code webhook-signature} is
 * {@code v1,} followed by the base64 HMAC-SHA256, under the secret's key, of
 * {@code <webhook-id>.<webhook-timestamp>.<body>}. A secret {@code whsec_<base64>} stands for the key
 * bytes that base64 decodes to (the form Standard Webhooks libraries take); any other secret's key is
 * its UTF-8 bytes. Immutable and thread-safe; {@link #toString} never shows the key.
 */
final class WebhookSigner {
    static final String PREFIX = "whsec_";
    private final SecretKeySpec key;

    WebhookSigner(String secret) {
        this.key = new SecretKeySpec(keyBytes(secret), "HmacSHA256");
    }

    /** What is wrong with {@code secret}, if anything; the message never repeats the secret. */
    static Optional<String> problem(String secret) {
        if (secret == null || secret.isEmpty()) {
            return Optional.of("expected a non-empty secret, e.g. whsec_ followed by the base64 of 24 to 64 random bytes");
        }
        if (secret.startsWith(PREFIX)) {
            try {
                if (Base64.getDecoder().decode(secret.substring(PREFIX.length())).length == 0) {
                    return Optional.of("a whsec_ secret must have key bytes after the prefix");
                }
            } catch (IllegalArgumentException e) {
                return Optional.of("a secret starting with whsec_ must continue with standard base64 (A-Z, a-z, 0-9, +, /, = padding)");
            }
        }
        return Optional.empty();
    }

    /** The {@code webhook-signature} value for one attempt. */
    String sign(String id, long epochSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update((id + "." + epochSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    private static byte[] keyBytes(String secret) {
        return secret.startsWith(PREFIX) ? Base64.getDecoder().decode(secret.substring(PREFIX.length()))
                : secret.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "WebhookSigner[****]";
    }
}
