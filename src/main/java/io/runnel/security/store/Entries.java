package io.runnel.security.store;

import io.runnel.security.AclBinding;
import io.runnel.security.KafkaPrincipal;
import io.runnel.security.Operation;
import io.runnel.security.PatternType;
import io.runnel.security.Permission;
import io.runnel.security.ResourceType;
import io.runnel.security.StoredApiKey;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The stored forms of keys and ACLs: plain strings and numbers, as the local file and the cluster
 * metadata keep them, so neither needs to know the authorization model's types. Conversions back are
 * validated by the model's constructors.
 */
final class Entries {
    private Entries() {
    }

    /** A stored API key: its SHA-256 in hex, never the key. */
    record KeyEntry(String id, String principal, String description, long createdAtMs, String sha256) {
        static KeyEntry of(StoredApiKey key) {
            return new KeyEntry(key.id(), key.principal().toString(), key.description(), key.createdAt().toEpochMilli(),
                    HexFormat.of().formatHex(key.sha256()));
        }

        StoredApiKey toKey() {
            return new StoredApiKey(id, KafkaPrincipal.parse(principal), description, Instant.ofEpochMilli(createdAtMs),
                    HexFormat.of().parseHex(sha256));
        }
    }

    /** A stored ACL, Kafka's names. */
    record AclEntry(String principal, String resourceType, String resourceName, String patternType, String operation,
                    String permission, String host) {
        static AclEntry of(AclBinding acl) {
            return new AclEntry(acl.principal().toString(), acl.resourceType().name(), acl.resourceName(), acl.patternType().name(),
                    acl.operation().name(), acl.permission().name(), acl.host());
        }

        AclBinding toAcl() {
            return new AclBinding(KafkaPrincipal.parse(principal), ResourceType.valueOf(resourceType), resourceName,
                    PatternType.valueOf(patternType), Operation.valueOf(operation), Permission.valueOf(permission), host);
        }
    }
}
