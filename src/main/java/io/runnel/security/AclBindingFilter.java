package io.runnel.security;

/**
 * Which ACLs a listing or a deletion selects ({@code GET /acls?…}, {@code DELETE /acls?…}): each member
 * that is present must equal the ACL's, a {@code null} member matches any value. It compares the ACL as
 * written (a filter for the topic {@code orders} does not select the literal {@code *} ACL), as Kafka's
 * {@code MATCH}-free filters do. An immutable value.
 */
public record AclBindingFilter(KafkaPrincipal principal, ResourceType resourceType, String resourceName, PatternType patternType,
        Operation operation, Permission permission) {
    /** The filter that selects every ACL. */
    public static final AclBindingFilter ANY = new AclBindingFilter(null, null, null, null, null, null);

    public boolean matches(AclBinding acl) {
        return (principal == null || principal.equals(acl.principal()))
                && (resourceType == null || resourceType == acl.resourceType())
                && (resourceName == null || resourceName.equals(acl.resourceName()))
                && (patternType == null || patternType == acl.patternType())
                && (operation == null || operation == acl.operation())
                && (permission == null || permission == acl.permission());
    }
}
