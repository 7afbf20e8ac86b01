package io.runnel.security.web;

import io.runnel.config.RunnelProperties;
import io.runnel.security.AclAuthorizer;
import io.runnel.security.Operation;
import io.runnel.security.RequiredAccess;
import io.runnel.security.ResourceType;
import java.util.Collection;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * Where calls meet the ACLs: each controller asks {@link #check} with what its call needs
 * ({@link RequiredAccess#forCall}) before it looks anything up, so a refusal never reveals whether the
 * resource exists; lists keep only what {@link #visible} says. With security off both let everything through.
 *
 * <p>Checks run in memory ({@link AclAuthorizer}); thread-safe.
 */
@Component
public class Guard {
    private final boolean enabled;
    private final AclAuthorizer authorizer;

    public Guard(RunnelProperties props, AclAuthorizer authorizer) {
        this.enabled = props.security().enabled();
        this.authorizer = authorizer;
    }

    /** Whether security is on. */
    public boolean enabled() {
        return enabled;
    }

    /** Throws the {@code 403} problem of the first requirement {@code caller} does not meet. */
    public void check(Caller caller, RequiredAccess required) {
        if (enabled) {
            authorizer.check(caller.principal(), required);
        }
    }

    /** Whether {@code caller} meets {@code required}. */
    public boolean allows(Caller caller, RequiredAccess required) {
        return !enabled || authorizer.refused(caller.principal(), required).isEmpty();
    }

    /** Those of {@code names} that {@code caller} may {@code DESCRIBE}, in their order. */
    public List<String> visible(Caller caller, ResourceType type, Collection<String> names) {
        return enabled ? authorizer.authorizedNames(caller.principal(), Operation.DESCRIBE, type, names) : List.copyOf(names);
    }

    /** Whether {@code caller} is a super-user (always with security off). */
    public boolean isSuperUser(Caller caller) {
        return !enabled || authorizer.isSuperUser(caller.principal());
    }
}
