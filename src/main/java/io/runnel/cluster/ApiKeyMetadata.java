package io.runnel.cluster;

import java.util.Objects;

/**
 * An API key as the cluster metadata keeps it: plain strings, so this package needs nothing of the
 * authorization model ({@code io.runnel.security.store} converts). Never the key itself.
 *
 * @param id          the key's public id (the user name of Basic authentication)
 * @param principal   the principal it authenticates as, {@code User:<name>}
 * @param description the creator's note, {@code ""} when none
 * @param createdAtMs the proposer's clock when the key was made
 * @param sha256      the SHA-256 of the key, in lower-case hex
 */
public record ApiKeyMetadata(String id, String principal, String description, long createdAtMs, String sha256) {
    public ApiKeyMetadata {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(sha256, "sha256");
        description = description == null ? "" : description;
    }
}
