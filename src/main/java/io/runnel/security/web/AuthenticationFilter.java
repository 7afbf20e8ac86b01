package io.runnel.security.web;

import io.runnel.api.Problems;
import io.runnel.config.RunnelProperties;
import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import io.runnel.security.KafkaPrincipal;
import io.runnel.security.store.SecurityMetadata;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Finds who a request comes from, once per request (not again on its async or error dispatches, which
 * keep the request's {@link Caller} attribute):
 * <ul>
 *   <li>{@code Authorization: Bearer <key>}: the bootstrap key ({@code User:admin}) or an API key;</li>
 *   <li>{@code Authorization: Basic} with a key id as user name and the key as password ({@value
 *       RunnelProperties.Security#BOOTSTRAP_KEY_ID} for the bootstrap key);</li>
 *   <li>no {@code Authorization}: no caller; the authorization rules then answer {@code 401} unless the
 *       path is open.</li>
 * </ul>
 * A credential that is present but wrong answers {@code 401 UNAUTHENTICATED} at once, with
 * {@code WWW-Authenticate}; it never falls back to no credential. Secrets are compared in constant time
 * and never logged.
 *
 * <p>Thread-safe; holds no state of its own.
 */
final class AuthenticationFilter extends OncePerRequestFilter {
    static final String CHALLENGE_BEARER = "Bearer realm=\"runnel\"";
    static final String CHALLENGE_BASIC = "Basic realm=\"runnel\", charset=\"UTF-8\"";
    private static final KafkaPrincipal ADMIN = KafkaPrincipal.user("admin");

    private final SecurityMetadata metadata;
    private final byte[] bootstrapKey;
    private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();

    AuthenticationFilter(RunnelProperties.Security settings, SecurityMetadata metadata) {
        this.metadata = metadata;
        this.bootstrapKey = settings.bootstrapKey().isEmpty() ? null : settings.bootstrapKey().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String authorization = request.getHeader("Authorization");
        if (authorization == null) {
            chain.doFilter(request, response);
            return;
        }
        Optional<Caller> caller = authenticate(authorization.strip());
        if (caller.isEmpty()) {
            refuse(response, "the credential in the Authorization header is not valid");
            return;
        }
        request.setAttribute(Caller.ATTRIBUTE, caller.get());
        SecurityContext context = contexts.createEmptyContext();
        context.setAuthentication(new CallerAuthentication(caller.get()));
        contexts.setContext(context);
        chain.doFilter(request, response);
    }

    private Optional<Caller> authenticate(String authorization) {
        int space = authorization.indexOf(' ');
        if (space < 0) {
            return Optional.empty();
        }
        String scheme = authorization.substring(0, space);
        String value = authorization.substring(space + 1).strip();
        if (scheme.equalsIgnoreCase("Bearer")) {
            return bearer(value);
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            return basic(value);
        }
        return Optional.empty();
    }

    private Optional<Caller> bearer(String key) {
        if (isBootstrapKey(key)) {
            return Optional.of(new Caller(ADMIN, Caller.BOOTSTRAP_KEY));
        }
        return metadata.apiKeyOf(key).map(k -> Caller.ofApiKey(k.principal(), k.id()));
    }

    private Optional<Caller> basic(String encoded) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return Optional.empty();
        }
        String id = decoded.substring(0, colon);
        String key = decoded.substring(colon + 1);
        if (id.equals(RunnelProperties.Security.BOOTSTRAP_KEY_ID)) {
            return isBootstrapKey(key) ? Optional.of(new Caller(ADMIN, Caller.BOOTSTRAP_KEY)) : Optional.empty();
        }
        return metadata.apiKey(id).filter(k -> k.matches(key)).map(k -> Caller.ofApiKey(k.principal(), k.id()));
    }

    private boolean isBootstrapKey(String key) {
        return bootstrapKey != null && MessageDigest.isEqual(bootstrapKey, key.getBytes(StandardCharsets.UTF_8));
    }

    /** Answers {@code 401 UNAUTHENTICATED} with the challenges this node accepts. */
    static void refuse(HttpServletResponse response, String detail) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.addHeader("WWW-Authenticate", CHALLENGE_BEARER);
        response.addHeader("WWW-Authenticate", CHALLENGE_BASIC);
        Problems.write(response, new RunnelException(ErrorCode.UNAUTHENTICATED, detail));
    }
}
