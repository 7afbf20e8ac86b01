package io.runnel.security.store;

import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import io.runnel.log.AtomicFile;
import io.runnel.log.LogException;
import io.runnel.security.AclAuthorizer;
import io.runnel.security.AclBinding;
import io.runnel.security.AclBindingFilter;
import io.runnel.security.ApiKeys;
import io.runnel.security.KafkaPrincipal;
import io.runnel.security.StoredApiKey;
import io.runnel.security.store.Entries.AclEntry;
import io.runnel.security.store.Entries.KeyEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.jackson.databind.json.JsonMapper;

/**
 * The keys and ACLs of a single node, in one JSON file ({@code <data-dir>/meta/security.json}) replaced
 * atomically (temp file, fsync, rename) on every change: a crash leaves the old file or the new one.
 *
 * <p>A change is written first and applied in memory after: a failed write changes nothing and answers
 * as storage errors do ({@code 507} when the disk is full). Mutations are serialized by this object's lock; reads
 * use the last published {@link KeyIndex} and the authorizer, lock-free.
 */
final class LocalSecurityMetadata implements SecurityMetadata {
    /** The file's content. */
    record StoredSecurity(int version, List<KeyEntry> apiKeys, List<AclEntry> acls) {
        StoredSecurity {
            apiKeys = apiKeys == null ? List.of() : List.copyOf(apiKeys);
            acls = acls == null ? List.of() : List.copyOf(acls);
        }
    }

    private static final int VERSION = 1;

    private final Path file;
    private final AclAuthorizer authorizer;
    private final JsonMapper json;
    private final Clock clock;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile KeyIndex keys = KeyIndex.EMPTY;

    LocalSecurityMetadata(Path file, AclAuthorizer authorizer, JsonMapper json, Clock clock) throws IOException {
        this.file = file;
        this.authorizer = authorizer;
        this.json = json;
        this.clock = clock;
        if (Files.exists(file)) {
            StoredSecurity stored = json.readValue(Files.readAllBytes(file), StoredSecurity.class);
            if (stored.version() != VERSION) {
                throw new IOException(file + " has unknown version " + stored.version());
            }
            keys = new KeyIndex(stored.apiKeys().stream().map(KeyEntry::toKey).toList());
            authorizer.replace(stored.acls().stream().map(AclEntry::toAcl).toList());
        }
    }

    @Override
    public synchronized NewApiKey createApiKey(KafkaPrincipal principal, String description) {
        Entries.checkNewKey(principal, description, keys.all().size());
        String key = ApiKeys.newKey();
        StoredApiKey stored = new StoredApiKey(ApiKeys.newId(), principal, description,
                clock.instant().truncatedTo(ChronoUnit.MILLIS), ApiKeys.hash(key));
        List<StoredApiKey> next = new ArrayList<>(keys.all());
        next.add(stored);
        save(next, authorizer.acls(AclBindingFilter.ANY));
        keys = new KeyIndex(next);
        changed();
        return new NewApiKey(stored, key);
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
    public synchronized void deleteApiKey(String id) {
        if (keys.byId(id).isEmpty()) {
            throw new RunnelException(ErrorCode.NOT_FOUND, "no API key with id '" + id + "'").with("apiKey", id);
        }
        List<StoredApiKey> next = keys.all().stream().filter(k -> !k.id().equals(id)).toList();
        save(next, authorizer.acls(AclBindingFilter.ANY));
        keys = new KeyIndex(next);
        changed();
    }

    @Override
    public synchronized AclBinding createAcl(AclBinding acl) {
        List<AclBinding> current = authorizer.acls(AclBindingFilter.ANY);
        if (!current.contains(acl)) {
            Entries.checkNewAcl(current.size());
            List<AclBinding> next = new ArrayList<>(current);
            next.add(acl);
            save(keys.all(), next);
            authorizer.replace(next);
            changed();
        }
        return acl;
    }

    @Override
    public List<AclBinding> acls(AclBindingFilter filter) {
        return authorizer.acls(filter);
    }

    @Override
    public synchronized List<AclBinding> deleteAcls(AclBindingFilter filter) {
        List<AclBinding> current = authorizer.acls(AclBindingFilter.ANY);
        List<AclBinding> removed = current.stream().filter(filter::matches).toList();
        if (!removed.isEmpty()) {
            List<AclBinding> next = current.stream().filter(acl -> !filter.matches(acl)).toList();
            save(keys.all(), next);
            authorizer.replace(next);
            changed();
        }
        return removed;
    }

    @Override
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    private void save(List<StoredApiKey> apiKeys, List<AclBinding> acls) {
        StoredSecurity stored = new StoredSecurity(VERSION, apiKeys.stream().map(KeyEntry::of).toList(),
                acls.stream().map(AclEntry::of).toList());
        byte[] content = json.writeValueAsBytes(stored);
        try {
            Files.createDirectories(file.getParent());
            AtomicFile.write(file, content);
        } catch (IOException e) {
            throw LogException.ofWriteFailure("save of security metadata", e, file.getParent(), content.length);
        }
    }

    private void changed() {
        listeners.forEach(Runnable::run);
    }
}
