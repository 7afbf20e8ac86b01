package io.runnel.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * An immutable snapshot of the ACL set, indexed for the question "which ACLs match this resource?".
 *
 * <p>Layout, per resource type: the LITERAL ACLs in a hash map by name (the literal {@code *} among
 * them, looked up for every name); the PREFIXED ACLs in a hash map by prefix, with the sorted distinct
 * prefix lengths, so a lookup probes one map entry per distinct length no longer than the name. Building
 * one costs a pass over all ACLs; ACL changes are rare and reads are every request.
 *
 * <p>Immutable once built, so any number of threads may read it without locks.
 */
final class AclIndex {
    static final AclIndex EMPTY = new AclIndex(List.of());

    private final List<AclBinding> all;
    private final Map<ResourceType, Map<String, List<AclBinding>>> literal = new EnumMap<>(ResourceType.class);
    private final Map<ResourceType, Map<String, List<AclBinding>>> prefixed = new EnumMap<>(ResourceType.class);
    private final Map<ResourceType, int[]> prefixLengths = new EnumMap<>(ResourceType.class);

    private AclIndex(Collection<AclBinding> acls) {
        this.all = List.copyOf(new LinkedHashSet<>(acls));
        Map<ResourceType, Set<Integer>> lengths = new EnumMap<>(ResourceType.class);
        for (AclBinding acl : all) {
            Map<ResourceType, Map<String, List<AclBinding>>> byType = acl.patternType() == PatternType.LITERAL ? literal : prefixed;
            byType.computeIfAbsent(acl.resourceType(), t -> new HashMap<>())
                    .computeIfAbsent(acl.resourceName(), n -> new ArrayList<>()).add(acl);
            if (acl.patternType() == PatternType.PREFIXED) {
                lengths.computeIfAbsent(acl.resourceType(), t -> new TreeSet<>()).add(acl.resourceName().length());
            }
        }
        lengths.forEach((type, set) -> prefixLengths.put(type, set.stream().mapToInt(Integer::intValue).toArray()));
    }

    /** The index of {@code acls}, each held once, in their first order. */
    static AclIndex of(Collection<AclBinding> acls) {
        return acls.isEmpty() ? EMPTY : new AclIndex(acls);
    }

    /** Every ACL, each once, in the order they were added. */
    List<AclBinding> all() {
        return all;
    }

    /** The ACLs, of any principal, whose pattern matches the resource {@code type}/{@code name}. */
    List<AclBinding> matching(ResourceType type, String name) {
        List<AclBinding> found = new ArrayList<>();
        Map<String, List<AclBinding>> literals = literal.getOrDefault(type, Map.of());
        found.addAll(literals.getOrDefault(name, List.of()));
        if (!name.equals(AclBinding.WILDCARD_NAME)) {
            found.addAll(literals.getOrDefault(AclBinding.WILDCARD_NAME, List.of()));
        }
        Map<String, List<AclBinding>> prefixes = prefixed.getOrDefault(type, Map.of());
        for (int length : prefixLengths.getOrDefault(type, new int[0])) {
            if (length > name.length()) {
                break;
            }
            found.addAll(prefixes.getOrDefault(name.substring(0, length), List.of()));
        }
        return found;
    }
}
