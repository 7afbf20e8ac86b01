package io.runnel.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides, in memory, whether a principal may do an operation on a resource, by Kafka's rules:
 * <ol>
 *   <li>a super-user may do everything (no ACL is consulted, not even a DENY);</li>
 *   <li>otherwise the ACLs that apply are those of the principal or of {@code User:*} whose pattern matches
 *       the resource (LITERAL: the name, or the literal {@code *}; PREFIXED: a prefix of the name);</li>
 *   <li>a DENY among them for the operation (or for {@code ALL}) refuses it, whatever ALLOWs there are;</li>
 *   <li>else an ALLOW for the operation or for one that {@link Operation#implies implies} it allows it;</li>
 *   <li>else it is refused: no ACL means no access.</li>
 * </ol>
 * Host is always {@code *}, so it takes no part.
 *
 * <p>Thread-safety: the ACL set is an immutable {@link AclIndex} behind a volatile reference. Reads
 * ({@link #authorize}, {@link #acls}) take no lock and see one whole snapshot; writes ({@link #replace},
 * {@link #add}, {@link #remove}) are serialized on a lock, build a new index, and publish it with one
 * volatile write. Nothing survives a restart: the owner (the metadata state machine) replays the ACLs
 * into it with {@link #replace}.
 */
public final class AclAuthorizer {
    private final Set<KafkaPrincipal> superUsers;
    private final Object writeLock = new Object();
    private volatile AclIndex index = AclIndex.EMPTY;

    /** An authorizer with no ACLs whose super-users are {@code superUsers} (never {@code User:*}). */
    public AclAuthorizer(Collection<KafkaPrincipal> superUsers) {
        if (superUsers.contains(KafkaPrincipal.WILDCARD)) {
            throw new IllegalArgumentException("User:* cannot be a super-user: it would make everyone one");
        }
        this.superUsers = Set.copyOf(superUsers);
    }

    public boolean isSuperUser(KafkaPrincipal principal) {
        return superUsers.contains(principal);
    }

    public Set<KafkaPrincipal> superUsers() {
        return superUsers;
    }

    /** Whether {@code principal} may do {@code operation} on the resource {@code type}/{@code name}. */
    public boolean authorize(KafkaPrincipal principal, Operation operation, ResourceType type, String name) {
        if (isSuperUser(principal)) {
            return true;
        }
        boolean allowed = false;
        for (AclBinding acl : index.matching(type, name)) {
            if (!acl.principal().equals(principal) && !acl.principal().isWildcard()) {
                continue;
            }
            if (acl.permission() == Permission.DENY && acl.operation().denies(operation)) {
                return false;
            }
            allowed |= acl.permission() == Permission.ALLOW && acl.operation().implies(operation);
        }
        return allowed;
    }

    public boolean authorize(KafkaPrincipal principal, Access access) {
        return authorize(principal, access.operation(), access.resourceType(), access.resourceName());
    }

    /**
     * The first requirement of {@code required} that {@code principal} does not meet, named by the access a
     * refusal reports ({@link RequiredAccess.Requirement#reported()}); empty when the call is allowed.
     */
    public Optional<Access> refused(KafkaPrincipal principal, RequiredAccess required) {
        for (RequiredAccess.Requirement requirement : required.allOf()) {
            if (requirement.anyOf().stream().noneMatch(access -> authorize(principal, access))) {
                return Optional.of(requirement.reported());
            }
        }
        return Optional.empty();
    }

    /** Throws the {@code 403} problem of the first unmet requirement of {@code required}, if any. */
    public void check(KafkaPrincipal principal, RequiredAccess required) {
        Optional<Access> refused = refused(principal, required);
        if (refused.isPresent()) {
            throw refused.get().refusal();
        }
    }

    /**
     * Those of {@code names} (resources of {@code type}) that {@code principal} may do {@code operation} on,
     * in their order: {@code GET /topics} and {@code GET /groups} list what the caller may {@code DESCRIBE}.
     */
    public List<String> authorizedNames(KafkaPrincipal principal, Operation operation, ResourceType type, Collection<String> names) {
        return names.stream().filter(name -> authorize(principal, operation, type, name)).toList();
    }

    /** The ACLs {@code filter} selects, in the order they were added. */
    public List<AclBinding> acls(AclBindingFilter filter) {
        return index.all().stream().filter(filter::matches).toList();
    }

    /** Makes {@code acls} the whole ACL set (the metadata replayed after a start or a snapshot install). */
    public void replace(Collection<AclBinding> acls) {
        synchronized (writeLock) {
            index = AclIndex.of(acls);
        }
    }

    /** Adds {@code acl}; false when the same ACL was already there (adding is idempotent). */
    public boolean add(AclBinding acl) {
        synchronized (writeLock) {
            List<AclBinding> current = index.all();
            if (current.contains(acl)) {
                return false;
            }
            List<AclBinding> next = new ArrayList<>(current);
            next.add(acl);
            index = AclIndex.of(next);
            return true;
        }
    }

    /** Removes every ACL {@code filter} selects and returns them, in the order they were added. */
    public List<AclBinding> remove(AclBindingFilter filter) {
        synchronized (writeLock) {
            List<AclBinding> removed = acls(filter);
            if (!removed.isEmpty()) {
                index = AclIndex.of(index.all().stream().filter(acl -> !filter.matches(acl)).toList());
            }
            return removed;
        }
    }
}
