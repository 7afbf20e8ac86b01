package io.runnel.security.web;

import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;

/** A {@link Caller} as Spring Security's authentication of the request: authenticated, no authorities (ACLs decide). */
final class CallerAuthentication extends AbstractAuthenticationToken {
    private final Caller caller;

    CallerAuthentication(Caller caller) {
        super(List.of());
        this.caller = caller;
        setAuthenticated(true);
    }

    Caller caller() {
        return caller;
    }

    @Override
    public Object getCredentials() {
        return "";
    }

    @Override
    public Object getPrincipal() {
        return caller;
    }

    @Override
    public String getName() {
        return caller.principal().toString();
    }
}
