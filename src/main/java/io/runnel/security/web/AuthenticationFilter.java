package io.runnel.security.web;

import io.runnel.api.Problems;
import io.runnel.cluster.HttpForwarder;
import io.runnel.config.RunnelProperties;
import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import io.runnel.security.KafkaPrincipal;
import io.runnel.security.store.SecurityMetadata;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Finds who a request comes from, once per request (not again on its async or error dispatches, which
 * keep the request's {@link Caller} attribute):
 * <ul>
 *   <li>{@code Authorization: Bearer <key>}: the bootstrap key ({@code User:admin}) or an API key;</li>
 *   <li>{@code Authorization: Bearer <jwt>}, when OpenID Connect is configured: a value with the shape of a JWT
 *       (three dot-separated parts) is checked by {@link JwtAuthenticator}; any other value is an API key;</li>
 *   <li>{@code Authorization: Basic} with a key id as user name and the key as password ({@value
 *       RunnelProperties.Security#BOOTSTRAP_KEY_ID} for the bootstrap key);</li>
 *   <li>no {@code Authorization} but a TLS client certificate: {@code User:<mapped subject>}
 *       ({@link CertificateAuthenticator}); a certificate that no rule maps is refused;</li>
 *   <li>neither: no caller; the authorization rules then answer {@code 401} unless the path is open.</li>
 * </ul>
 * An {@code Authorization} header wins over a certificate. {@code /internal/**} is not looked at: the cluster
 * secret guards it, and instances calling each other over mutual TLS present their own certificates there.
 *
 * <p>A call another instance forwarded ({@link HttpForwarder}) is answered for the caller that instance
 * authenticated: {@value HttpForwarder#FORWARDED_PRINCIPAL} (and {@value HttpForwarder#FORWARDED_CREDENTIAL})
 * are believed only together with {@value HttpForwarder#FORWARDED_BY} and the cluster secret in
 * {@value HttpForwarder#CLUSTER_SECRET} (compared in constant time), and then no other credential is needed.
 * Without them those headers are ignored, as if absent (the forwarder never relays a client's copy).
 * A server-side task's call ({@link TaskIdentity}: {@value HttpForwarder#TASK_PRINCIPAL} with this process's
 * {@value HttpForwarder#TASK_TOKEN}) is answered for the task's principal, credential {@code task}; a wrong
 * token is refused like a wrong key. Every
 * authenticated caller is also left on the request, as text, for the forwarder
 * ({@link HttpForwarder#PRINCIPAL_ATTRIBUTE}).
 *
 * <p>A credential that is present but wrong answers {@code 401 UNAUTHENTICATED}, with {@code WWW-Authenticate};
 * it never falls back to no credential. Secrets are compared in constant time and never logged. Every refusal
 * is counted and logged sparingly, and for a client address that keeps failing it is answered late, without
 * holding a thread ({@link AuthenticationFailures}).
 *
 * <p>Thread-safe; its only state is the number of {@code 401}s it holds back.
 */
final class AuthenticationFilter extends OncePerRequestFilter {
    static final String CHALLENGE_BEARER = "Bearer realm=\"runnel\"";
    static final String CHALLENGE_BASIC = "Basic realm=\"runnel\", charset=\"UTF-8\"";
    private static final KafkaPrincipal ADMIN = KafkaPrincipal.user("admin");
    /** The credential of a forwarded caller whose instance did not name one. */
    static final String FORWARDED = "forwarded";
    /** Most {@code 401}s held back at once. */
    static final int MAX_DELAYED_ANSWERS = 1_000;
    /** How much longer than its delay a held-back {@code 401} may stay async before the container's timeout answers it. */
    private static final Duration ASYNC_MARGIN = Duration.ofSeconds(10);

    private final SecurityMetadata metadata;
    private final TaskIdentity tasks;
    private final byte[] bootstrapKey;
    private final JwtAuthenticator jwts;
    private final CertificateAuthenticator certificates;
    private final byte[] clusterSecret;
    private final AuthenticationFailures failures;
    private final ScheduledExecutorService delays;
    private final AtomicInteger delayedAnswers = new AtomicInteger();
    private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();

    /**
     * @param clusterSecret {@code runnel.cluster.secret}; empty = forwarded principals are never believed
     * @param failures      counts, logs and slows down failures
     * @param delays        where held-back {@code 401}s are answered from
     */
    AuthenticationFilter(RunnelProperties.Security settings, SecurityMetadata metadata, String clusterSecret,
                         AuthenticationFailures failures, ScheduledExecutorService delays) {
        this(settings, metadata, clusterSecret, failures, delays, new TaskIdentity());
    }

    /** @param tasks this process's task identity: requests of its tasks are authenticated as their principal */
    AuthenticationFilter(RunnelProperties.Security settings, SecurityMetadata metadata, String clusterSecret,
                         AuthenticationFailures failures, ScheduledExecutorService delays, TaskIdentity tasks) {
        this.metadata = metadata;
        this.tasks = tasks;
        this.failures = failures;
        this.delays = delays;
        this.clusterSecret = clusterSecret.getBytes(StandardCharsets.UTF_8);
        this.bootstrapKey = settings.bootstrapKey().isEmpty() ? null : settings.bootstrapKey().getBytes(StandardCharsets.UTF_8);
        this.jwts = settings.oidc().enabled() ? new JwtAuthenticator(settings.oidc()) : null;
        this.certificates = new CertificateAuthenticator(settings.sslPrincipalMappingRules());
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return request.getRequestURI().startsWith("/internal/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String authorization = request.getHeader("Authorization");
        Optional<Verdict> found = forwarded(request);
        if (found.isEmpty()) {
            found = task(request);
        }
        if (found.isEmpty()) {
            found = authorization == null
                    ? certificates.authenticate(request.getAttribute(CertificateAuthenticator.CERTIFICATES_ATTRIBUTE))
                    : Optional.of(authenticate(authorization.strip()));
        }
        if (found.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        Verdict verdict = found.get();
        if (!verdict.authenticated()) {
            refuse(request, response, verdict);
            return;
        }
        authenticated(request, verdict.caller());
        chain.doFilter(request, response);
    }

    private void authenticated(HttpServletRequest request, Caller caller) {
        request.setAttribute(Caller.ATTRIBUTE, caller);
        request.setAttribute(HttpForwarder.PRINCIPAL_ATTRIBUTE, caller.principal().toString());
        request.setAttribute(HttpForwarder.CREDENTIAL_ATTRIBUTE, caller.credential());
        SecurityContext context = contexts.createEmptyContext();
        context.setAuthentication(new CallerAuthentication(caller));
        contexts.setContext(context);
    }

    /** The caller another instance of the cluster vouches for; empty when the request does not come from one. */
    private Optional<Verdict> forwarded(HttpServletRequest request) {
        String principal = request.getHeader(HttpForwarder.FORWARDED_PRINCIPAL);
        if (principal == null || !fromAnInstance(request)) {
            return Optional.empty();
        }
        String credential = request.getHeader(HttpForwarder.FORWARDED_CREDENTIAL);
        try {
            KafkaPrincipal forwarded = KafkaPrincipal.parse(HttpForwarder.textOf(principal));
            return Optional.of(Verdict.of(new Caller(forwarded, credential == null ? FORWARDED : HttpForwarder.textOf(credential))));
        } catch (IllegalArgumentException | RunnelException e) {
            return Optional.of(malformed("the forwarded principal is not 'User:<name>'"));
        }
    }

    /** The principal of a task of this process ({@link TaskIdentity}); empty when the request carries no task token. */
    private Optional<Verdict> task(HttpServletRequest request) {
        String token = request.getHeader(HttpForwarder.TASK_TOKEN);
        if (token == null) {
            return Optional.empty();
        }
        String principal = request.getHeader(HttpForwarder.TASK_PRINCIPAL);
        if (!tasks.matches(token) || principal == null) {
            return Optional.of(invalid("the task credential is not valid"));
        }
        try {
            return Optional.of(Verdict.of(new Caller(KafkaPrincipal.parse(HttpForwarder.textOf(principal)), TaskIdentity.CREDENTIAL)));
        } catch (IllegalArgumentException | RunnelException e) {
            return Optional.of(malformed("the task principal is not 'User:<name>'"));
        }
    }

    private boolean fromAnInstance(HttpServletRequest request) {
        String secret = request.getHeader(HttpForwarder.CLUSTER_SECRET);
        return clusterSecret.length > 0 && secret != null && request.getHeader(HttpForwarder.FORWARDED_BY) != null
                && MessageDigest.isEqual(clusterSecret, secret.getBytes(StandardCharsets.UTF_8));
    }

    private Verdict authenticate(String authorization) {
        int space = authorization.indexOf(' ');
        if (space < 0) {
            return malformed("the Authorization header is not '<scheme> <credential>'");
        }
        String scheme = authorization.substring(0, space);
        String value = authorization.substring(space + 1).strip();
        if (scheme.equalsIgnoreCase("Bearer")) {
            return bearer(value);
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            return basic(value);
        }
        return malformed("the Authorization scheme is neither Bearer nor Basic");
    }

    private Verdict bearer(String token) {
        if (isBootstrapKey(token)) {
            return Verdict.of(new Caller(ADMIN, Caller.BOOTSTRAP_KEY));
        }
        if (jwts != null && JwtAuthenticator.looksLikeJwt(token)) {
            return jwts.authenticate(token);
        }
        return metadata.apiKeyOf(token).map(k -> Verdict.of(Caller.ofApiKey(k.principal(), k.id())))
                .orElseGet(() -> invalid("the Bearer credential is not a valid API key"));
    }

    private Verdict basic(String encoded) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return malformed("the Basic credential is not Base64");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return malformed("the Basic credential is not '<key id>:<key>'");
        }
        String id = decoded.substring(0, colon);
        String key = decoded.substring(colon + 1);
        if (id.equals(RunnelProperties.Security.BOOTSTRAP_KEY_ID)) {
            return isBootstrapKey(key) ? Verdict.of(new Caller(ADMIN, Caller.BOOTSTRAP_KEY))
                    : invalid("the Basic credential is not valid");
        }
        Optional<Caller> caller = metadata.apiKey(id).filter(k -> k.matches(key)).map(k -> Caller.ofApiKey(k.principal(), k.id()));
        return caller.map(Verdict::of).orElseGet(() -> invalid("the Basic credential is not valid"));
    }

    private static Verdict malformed(String detail) {
        return Verdict.refused(FailureReason.MALFORMED, detail);
    }

    private static Verdict invalid(String detail) {
        return Verdict.refused(FailureReason.INVALID, detail);
    }

    private boolean isBootstrapKey(String key) {
        return bootstrapKey != null && MessageDigest.isEqual(bootstrapKey, key.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Answers {@code 401} now, or, for an address that keeps failing, later: the request goes async (no thread
     * waits) and a scheduled task answers it. At most {@value #MAX_DELAYED_ANSWERS} answers wait at a time;
     * beyond that they are given at once, so held connections stay bounded too.
     */
    private void refuse(HttpServletRequest request, HttpServletResponse response, Verdict verdict) throws IOException {
        Duration delay = failures.failed(new AuthenticationFailures.Failure(request.getRemoteAddr(), verdict.reason(),
                verdict.detail(), request.getMethod(), request.getRequestURI()));
        if (delay.isZero() || !request.isAsyncSupported() || !reserveDelayedAnswer()) {
            refuse(request, response, verdict.detail());
            return;
        }
        challenge(request, response);
        AsyncContext async = request.startAsync();
        async.setTimeout(delay.toMillis() + ASYNC_MARGIN.toMillis());
        DelayedRefusal answer = new DelayedRefusal(async, response, verdict.detail());
        async.addListener(answer);
        try {
            delays.schedule(answer::run, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            answer.run();
        }
    }

    private boolean reserveDelayedAnswer() {
        if (delayedAnswers.incrementAndGet() <= MAX_DELAYED_ANSWERS) {
            return true;
        }
        delayedAnswers.decrementAndGet();
        return false;
    }

    /** A {@code 401} answered once, by the scheduled task or, should it never run, by the async timeout. */
    private final class DelayedRefusal implements AsyncListener {
        private final AsyncContext async;
        private final HttpServletResponse response;
        private final String detail;
        private final AtomicBoolean done = new AtomicBoolean();

        DelayedRefusal(AsyncContext async, HttpServletResponse response, String detail) {
            this.async = async;
            this.response = response;
            this.detail = detail;
        }

        void run() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            delayedAnswers.decrementAndGet();
            try {
                unauthenticated(response, detail);
            } catch (IOException | RuntimeException clientGone) {
                // nothing to answer to
            }
            try {
                async.complete();
            } catch (IllegalStateException alreadyCompleted) {
                // the container ended it (client gone)
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            run();
        }

        @Override
        public void onError(AsyncEvent event) {
            run();
        }

        @Override
        public void onComplete(AsyncEvent event) {
            if (done.compareAndSet(false, true)) {
                delayedAnswers.decrementAndGet();
            }
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // not restarted
        }
    }

    /** Answers {@code 401 UNAUTHENTICATED} with the challenges this node accepts. */
    static void refuse(HttpServletRequest request, HttpServletResponse response, String detail) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        challenge(request, response);
        unauthenticated(response, detail);
    }

    /**
     * The {@code WWW-Authenticate} challenges: Bearer always; Basic too, except for a browser page's script
     * ({@code fetch} or {@code XMLHttpRequest}: {@code Sec-Fetch-Mode} other than {@code navigate}, or
     * {@code X-Requested-With: XMLHttpRequest}), for which a Basic challenge makes the browser open its own
     * login dialog over the page: Swagger UI's "Try it out" would hang behind it instead of showing the 401.
     */
    private static void challenge(HttpServletRequest request, HttpServletResponse response) {
        response.addHeader("WWW-Authenticate", CHALLENGE_BEARER);
        String fetchMode = request.getHeader("Sec-Fetch-Mode");
        boolean fromScript = (fetchMode != null && !fetchMode.equalsIgnoreCase("navigate"))
                || "XMLHttpRequest".equalsIgnoreCase(request.getHeader("X-Requested-With"));
        if (!fromScript) {
            response.addHeader("WWW-Authenticate", CHALLENGE_BASIC);
        }
    }

    private static void unauthenticated(HttpServletResponse response, String detail) throws IOException {
        if (!response.isCommitted()) {
            Problems.write(response, new RunnelException(ErrorCode.UNAUTHENTICATED, detail));
        }
    }
}
