package io.runnel.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The security part of {@link ClusterState}: the API keys by id (their hashes, never the keys) and the
 * ACLs in the order they were added, each once. Plain strings throughout; what they mean is the
 * business of {@code io.runnel.security}.
 *
 * <p>Immutable. The limits ({@link #MAX_API_KEYS}, {@link #MAX_ACLS}, {@link #MAX_TEXT_LENGTH}) hold on
 * every replica whatever a proposer sends, so no command can exhaust the memory of every instance.
 * A snapshot written before this part existed has none: it reads as {@link #EMPTY}.
 */
public record SecurityState(Map<String, ApiKeyMetadata> apiKeys, List<AclMetadata> acls) {
    public static final SecurityState EMPTY = new SecurityState(Map.of(), List.of());
    /** Most API keys a cluster keeps. */
    public static final int MAX_API_KEYS = 10_000;
    /** Most ACLs a cluster keeps. */
    public static final int MAX_ACLS = 100_000;
    /** Longest key description. */
    public static final int MAX_DESCRIPTION_LENGTH = 1_000;
    /** Longest of any other string of a key or an ACL (principals and resource names are 255 at most). */
    public static final int MAX_TEXT_LENGTH = 1_000;

    public SecurityState {
        apiKeys = SortedMaps.freeze(apiKeys == null ? Map.of() : apiKeys);
        acls = acls == null ? List.of() : List.copyOf(acls);
    }

    public java.util.Optional<ApiKeyMetadata> apiKey(String id) {
        return java.util.Optional.ofNullable(apiKeys.get(id));
    }

    SecurityState withApiKey(ApiKeyMetadata key) {
        return new SecurityState(SortedMaps.with(apiKeys, key.id(), key), acls);
    }

    SecurityState withoutApiKey(String id) {
        return new SecurityState(SortedMaps.without(apiKeys, id), acls);
    }

    SecurityState withAcl(AclMetadata acl) {
        List<AclMetadata> next = new ArrayList<>(acls.size() + 1);
        next.addAll(acls);
        next.add(acl);
        return new SecurityState(apiKeys, next);
    }

    SecurityState withAcls(List<AclMetadata> next) {
        return new SecurityState(apiKeys, next);
    }

    /**
     * Which ACLs a {@code DeleteAcls} selects: each member that is not {@code null} must equal the ACL's.
     */
    public record AclFilter(String principal, String resourceType, String resourceName, String patternType, String operation,
                            String permission) {
        public boolean matches(AclMetadata acl) {
            return (principal == null || principal.equals(acl.principal()))
                    && (resourceType == null || resourceType.equals(acl.resourceType()))
                    && (resourceName == null || resourceName.equals(acl.resourceName()))
                    && (patternType == null || patternType.equals(acl.patternType()))
                    && (operation == null || operation.equals(acl.operation()))
                    && (permission == null || permission.equals(acl.permission()));
        }
    }

    static boolean tooLong(String... texts) {
        for (String text : texts) {
            if (text != null && text.length() > MAX_TEXT_LENGTH) {
                return true;
            }
        }
        return false;
    }
}
