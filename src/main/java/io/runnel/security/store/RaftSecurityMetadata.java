package io.runnel.security.store;

import io.runnel.cluster.ClusterNode;
import io.runnel.cluster.MetadataCommand;
import io.runnel.cluster.SecurityState;
import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import io.runnel.security.AclAuthorizer;
import io.runnel.security.AclBinding;
import io.runnel.security.AclBindingFilter;
import io.runnel.security.ApiKeys;
import io.runnel.security.KafkaPrincipal;
import io.runnel.security.StoredApiKey;
import io.runnel.security.store.Entries.AclEntry;
import io.runnel.security.store.Entries.KeyEntry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys and ACLs of a cluster, in the Raft metadata ({@link SecurityState}): a change is proposed as a
 * metadata command through {@link ClusterNode#submit}, which returns once it is committed and applied on
 * this instance; every instance follows the applied states and so holds the same keys and ACLs within the
 * time a commit takes to reach it, and again after a restart (the Raft log and snapshots keep them).
 *
 * <p>Following: the metadata changes every second without touching keys or ACLs (heartbeats), so the
 * listener on the applying thread only compares the security part by reference, which unchanged states
 * share, and hands a real change to {@code follow} (one thread). There, under this object's lock, the
 * latest applied state is converted: a new {@link KeyIndex}, {@link AclAuthorizer#replace}, then the
 * {@link #onChange} listeners. A mutation follows once more on the calling thread before it returns, so a
 * read after it sees it. Reading the state under the lock keeps what is followed moving forward only.
 *
 * <p>Reads are lock-free (the last published {@link KeyIndex} and the authorizer). Nothing is kept on
 * this instance's disk besides the Raft log: a crash loses nothing that was acknowledged.
 */
final class RaftSecurityMetadata implements SecurityMetadata, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftSecurityMetadata.class);

    private final ClusterNode cluster;
    private final AclAuthorizer authorizer;
    private final Clock clock;
    private final Executor follow;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile SecurityState followed;
    private volatile KeyIndex keys = KeyIndex.EMPTY;
    private volatile boolean closed;

    /** @param follow runs the conversions of changed states, one at a time; its owner shuts it down */
    RaftSecurityMetadata(ClusterNode cluster, AclAuthorizer authorizer, Clock clock, Executor follow) {
        this.cluster = cluster;
        this.authorizer = authorizer;
        this.clock = clock;
        this.follow = follow;
    }

    /** Takes the keys and ACLs applied so far and follows every later change. */
    RaftSecurityMetadata start() {
        follow();
        cluster.onState(state -> {
            if (closed || state.security() == followed) {
                return;
            }
            try {
                follow.execute(this::follow);
            } catch (RejectedExecutionException e) {
                // shutting down: nothing more to follow
            }
        });
        return this;
    }

    private synchronized void follow() {
        SecurityState state = cluster.state().security();
        if (state.equals(followed)) {
            followed = state;
            return;
        }
        List<StoredApiKey> stored = new ArrayList<>(state.apiKeys().size());
        state.apiKeys().values().forEach(key -> convert(() -> stored.add(KeyEntry.of(key).toKey()), key.id()));
        List<AclBinding> acls = new ArrayList<>(state.acls().size());
        state.acls().forEach(acl -> convert(() -> acls.add(AclEntry.of(acl).toAcl()), acl.toString()));
        keys = new KeyIndex(stored);
        authorizer.replace(acls);
        followed = state;
        listeners.forEach(Runnable::run);
    }

    /** A key or ACL this version cannot read (written by a newer one) is left out rather than stopping all of them. */
    private static void convert(Runnable conversion, String what) {
        try {
            conversion.run();
        } catch (RuntimeException e) {
            LOG.warn("Ignoring a key or ACL of the metadata that this version cannot read ({}): {}", what, e.getMessage());
        }
    }

    @Override
    public NewApiKey createApiKey(KafkaPrincipal principal, String description) {
        Entries.checkNewKey(principal, description, keys.all().size());
        String key = ApiKeys.newKey();
        KeyEntry entry = new KeyEntry(ApiKeys.newId(), principal.toString(), description == null ? "" : description, clock.millis(),
                HexFormat.of().formatHex(ApiKeys.hash(key)));
        cluster.submit(entry.toCommand());
        follow();
        return new NewApiKey(entry.toKey(), key);
    }

    @Override
    public List<StoredApiKey> apiKeys() {
        return keys.all();
    }

    @Override
    public Optional<StoredApiKey> apiKey(String id) {
        return keys.byId(id);
    }

    @Override
    public Optional<StoredApiKey> apiKeyOf(String key) {
        return keys.bySecret(key);
    }

    @Override
    public void deleteApiKey(String id) {
        if (keys.byId(id).isEmpty()) {
            throw new RunnelException(ErrorCode.NOT_FOUND, "no API key with id '" + id + "'").with("apiKey", id);
        }
        try {
            cluster.submit(new MetadataCommand.DeleteApiKey(id));
        } catch (RunnelException e) {
            throw e.code() == ErrorCode.NOT_FOUND ? e.with("apiKey", id) : e;
        }
        follow();
    }

    @Override
    public AclBinding createAcl(AclBinding acl) {
        List<AclBinding> current = authorizer.acls(AclBindingFilter.ANY);
        if (!current.contains(acl)) {
            Entries.checkNewAcl(current.size());
        }
        cluster.submit(new MetadataCommand.CreateAcl(AclEntry.of(acl).toMetadata()));
        follow();
        return acl;
    }

    @Override
    public List<AclBinding> acls(AclBindingFilter filter) {
        return authorizer.acls(filter);
    }

    /**
     * Deletes what {@code filter} selects when the command is applied, and returns the ACLs it selected on
     * this instance just before: a matching ACL added elsewhere at the same moment is deleted too but not
     * listed.
     */
    @Override
    public List<AclBinding> deleteAcls(AclBindingFilter filter) {
        List<AclBinding> selected = authorizer.acls(filter);
        cluster.submit(Entries.deleteCommand(filter));
        follow();
        return selected;
    }

    @Override
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {
        closed = true;
    }
}
