package io.runnel.security.store;

import io.runnel.security.AclBinding;
import io.runnel.security.AclBindingFilter;
import io.runnel.security.KafkaPrincipal;
import io.runnel.security.StoredApiKey;
import java.util.List;
import java.util.Optional;

/**
 * The API keys and ACLs of the cluster: what {@code /api-keys} and {@code /acls} change, and what
 * authentication and the {@link io.runnel.security.AclAuthorizer} read.
 *
 * <p>On a single node they live in one local file; in a cluster, in the Raft metadata, so a change made
 * on any instance is applied on every instance (within a second) and survives restarts. Every
 * implementation keeps the authorizer it was given in step: after each change, on every instance, it
 * {@link io.runnel.security.AclAuthorizer#replace replaces} the authorizer's ACLs and then tells the
 * {@link #onChange listeners} (which end the long-lived requests a change revoked).
 *
 * <p>Reads take no lock and cost no round trip: they answer from the last applied state. A mutation returns
 * once it is durable (and, in a cluster, applied on this instance), so a read after it sees it.
 * Implementations are thread-safe.
 */
public interface SecurityMetadata {

    /** A key just made: what is stored, and the secret, which is shown once and kept nowhere. */
    record NewApiKey(StoredApiKey stored, String key) {
        @Override
        public String toString() {
            return "NewApiKey[" + stored + "]";
        }
    }

    /** Makes a key that authenticates as {@code principal}. */
    NewApiKey createApiKey(KafkaPrincipal principal, String description);

    /** Every key, oldest first. */
    List<StoredApiKey> apiKeys();

    /** The key with this public id. */
    Optional<StoredApiKey> apiKey(String id);

    /** The key whose secret is {@code key} (looked up by its hash, compared in constant time). */
    Optional<StoredApiKey> apiKeyOf(String key);

    /** Deletes a key; {@code 404 NOT_FOUND} when there is none with this id. */
    void deleteApiKey(String id);

    /** Adds an ACL (adding one that exists changes nothing) and returns it. */
    AclBinding createAcl(AclBinding acl);

    /** The ACLs {@code filter} selects, in the order they were added. */
    List<AclBinding> acls(AclBindingFilter filter);

    /** Deletes the ACLs {@code filter} selects and returns them. */
    List<AclBinding> deleteAcls(AclBindingFilter filter);

    /** Runs {@code listener} after every change of keys or ACLs, on whichever thread applied it; it must be quick. */
    void onChange(Runnable listener);
}
