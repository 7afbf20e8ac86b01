package io.runnel.security.store;

import io.runnel.cluster.AclMetadata;
import io.runnel.cluster.ApiKeyMetadata;
import io.runnel.cluster.MetadataCommand;
import io.runnel.cluster.SecurityState;
import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import io.runnel.security.AclBinding;
import io.runnel.security.AclBindingFilter;
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
 * metadata ({@link ApiKeyMetadata}, {@link AclMetadata}) keep them, so neither needs to know the
 * authorization model's types. Conversions back are validated by the model's constructors. Also the rules
 * a new key must meet wherever it is stored.
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

        static KeyEntry of(ApiKeyMetadata key) {
            return new KeyEntry(key.id(), key.principal(), key.description(), key.createdAtMs(), key.sha256());
        }

        StoredApiKey toKey() {
            return new StoredApiKey(id, KafkaPrincipal.parse(principal), description, Instant.ofEpochMilli(createdAtMs),
                    HexFormat.of().parseHex(sha256));
        }

        MetadataCommand.CreateApiKey toCommand() {
            return new MetadataCommand.CreateApiKey(id, principal, description, createdAtMs, sha256);
        }
    }

    /** A stored ACL, Kafka's names. */
    record AclEntry(String principal, String resourceType, String resourceName, String patternType, String operation,
                    String permission, String host) {
        static AclEntry of(AclBinding acl) {
            return new AclEntry(acl.principal().toString(), acl.resourceType().name(), acl.resourceName(), acl.patternType().name(),
                    acl.operation().name(), acl.permission().name(), acl.host());
        }

        static AclEntry of(AclMetadata acl) {
            return new AclEntry(acl.principal(), acl.resourceType(), acl.resourceName(), acl.patternType(), acl.operation(),
                    acl.permission(), acl.host());
        }

        AclMetadata toMetadata() {
            return new AclMetadata(principal, resourceType, resourceName, patternType, operation, permission, host);
        }

        AclBinding toAcl() {
            return new AclBinding(KafkaPrincipal.parse(principal), ResourceType.valueOf(resourceType), resourceName,
                    PatternType.valueOf(patternType), Operation.valueOf(operation), Permission.valueOf(permission), host);
        }
    }

    /** The command deleting what {@code filter} selects, in the metadata's strings. */
    static MetadataCommand.DeleteAcls deleteCommand(AclBindingFilter filter) {
        return new MetadataCommand.DeleteAcls(filter.principal() == null ? null : filter.principal().toString(),
                name(filter.resourceType()), filter.resourceName(), name(filter.patternType()), name(filter.operation()),
                name(filter.permission()));
    }

    private static String name(Enum<?> value) {
        return value == null ? null : value.name();
    }

    /**
     * Checks a key about to be made: {@code 400 INVALID_REQUEST} for the wildcard principal (no credential
     * authenticates as {@code User:*}) or a description over {@link SecurityState#MAX_DESCRIPTION_LENGTH}
     * characters; {@code 409 LIMIT_EXCEEDED} when {@code existing} keys are already the most kept.
     */
    static void checkNewKey(KafkaPrincipal principal, String description, int existing) {
        if (principal.isWildcard()) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "an API key cannot authenticate as the wildcard principal User:*")
                    .with("principal", principal.toString());
        }
        if (description != null && description.length() > SecurityState.MAX_DESCRIPTION_LENGTH) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "a description has at most " + SecurityState.MAX_DESCRIPTION_LENGTH
                    + " characters, got " + description.length());
        }
        if (existing >= SecurityState.MAX_API_KEYS) {
            throw new RunnelException(ErrorCode.LIMIT_EXCEEDED, "there are already " + existing
                    + " API keys, the most a cluster keeps; delete unused ones first");
        }
    }

    /** {@code 409 LIMIT_EXCEEDED} when {@code existing} ACLs are already the most kept. */
    static void checkNewAcl(int existing) {
        if (existing >= SecurityState.MAX_ACLS) {
            throw new RunnelException(ErrorCode.LIMIT_EXCEEDED, "there are already " + existing
                    + " ACLs, the most a cluster keeps; delete unused ones first (a PREFIXED ACL covers many resources)");
        }
    }
}
