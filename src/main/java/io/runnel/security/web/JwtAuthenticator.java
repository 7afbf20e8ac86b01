package io.runnel.security.web;

import io.runnel.config.RunnelProperties;
import io.runnel.error.RunnelException;
import io.runnel.security.KafkaPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtAudienceValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.web.client.RestTemplate;

/**
 * Checks OpenID Connect JWTs ({@code runnel.security.oidc.*}) with Spring Security's {@link NimbusJwtDecoder}:
 * the signature against the identity provider's JWK set (fetched on first use, cached, fetched again for an
 * unknown key id), then the validators:
 * <ul>
 *   <li>{@code exp} and {@code nbf}, with {@value #CLOCK_SKEW_SECONDS} s of clock skew;</li>
 *   <li>{@code iss} equal to {@code issuer-uri}, when that is set (with only {@code jwk-set-uri} there is no
 *       issuer to compare with);</li>
 *   <li>{@code aud} containing {@code audience}, when that is set.</li>
 * </ul>
 * The principal is {@code User:<value of principal-claim>}; a token without that claim (or with a value no
 * principal can have, such as {@code *}) is refused.
 *
 * <p>The decoder is built on first use, not at boot, so an instance starts while the issuer is unreachable
 * (its discovery document is read when the first token arrives, each fetch bounded by
 * {@link #PROVIDER_TIMEOUT}). Until it is reachable, tokens are refused as {@link FailureReason#UNAVAILABLE}:
 * one request at a time tries to build the decoder, the others meanwhile are refused at once rather than
 * queue behind it, and after a failed try the next one waits {@link #RETRY_AFTER}, so an unreachable
 * provider never holds more than one request thread.
 *
 * <p>Thread-safe: the decoder, once built, is immutable and published through a volatile field.
 */
final class JwtAuthenticator {
    static final long CLOCK_SKEW_SECONDS = 30;
    static final String CREDENTIAL = "jwt";
    /** Bound on connecting to and reading from the identity provider (discovery document, JWK set). */
    static final Duration PROVIDER_TIMEOUT = Duration.ofSeconds(3);

    /** How long after a failed try to build the decoder the next try waits. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    private final RunnelProperties.Security.Oidc oidc;
    private final String principalClaim;
    private final LongSupplier nanoTime;
    private final ReentrantLock building = new ReentrantLock();
    private volatile JwtDecoder decoder;
    /** {@link System#nanoTime} before which no new try is made; guarded by {@link #building} for writes. */
    private volatile long nextTryNanos;

    JwtAuthenticator(RunnelProperties.Security.Oidc oidc) {
        this(oidc, System::nanoTime);
    }

    JwtAuthenticator(RunnelProperties.Security.Oidc oidc, LongSupplier nanoTime) {
        if (!oidc.enabled()) {
            throw new IllegalArgumentException("OpenID Connect needs runnel.security.oidc.issuer-uri or jwk-set-uri");
        }
        this.oidc = oidc;
        this.principalClaim = oidc.principalClaim();
        this.nanoTime = nanoTime;
        this.nextTryNanos = nanoTime.getAsLong();
    }

    /** The decoder, building it if no other request is and the last failed try is long enough ago. */
    private Optional<JwtDecoder> decoder() {
        JwtDecoder built = decoder;
        if (built != null) {
            return Optional.of(built);
        }
        if (nanoTime.getAsLong() - nextTryNanos < 0 || !building.tryLock()) {
            return Optional.empty();
        }
        try {
            if (decoder == null) {
                decoder = decoder(oidc);
            }
            return Optional.of(decoder);
        } catch (RuntimeException unreachable) { // discovery failed: no answer, an error status, a document without keys
            nextTryNanos = nanoTime.getAsLong() + RETRY_AFTER.toNanos();
            return Optional.empty();
        } finally {
            building.unlock();
        }
    }

    /** Whether a Bearer value has the shape of a JWT: three non-empty dot-separated parts (API keys have no dots). */
    static boolean looksLikeJwt(String token) {
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        return first > 0 && second > first + 1 && second < token.length() - 1 && token.indexOf('.', second + 1) < 0;
    }

    Verdict authenticate(String token) {
        Optional<JwtDecoder> decoder = decoder();
        if (decoder.isEmpty()) {
            return unavailable();
        }
        Jwt jwt;
        try {
            jwt = decoder.get().decode(token);
        } catch (JwtValidationException e) {
            boolean expired = e.getErrors().stream().anyMatch(error -> error.getDescription() != null
                    && error.getDescription().toLowerCase(Locale.ROOT).contains("expired"));
            return expired ? Verdict.refused(FailureReason.EXPIRED, "the token has expired")
                    : Verdict.refused(FailureReason.INVALID, "the token is not valid here: " + describe(e));
        } catch (BadJwtException e) {
            return Verdict.refused(FailureReason.INVALID, "the token is not valid: its signature or its form is wrong");
        } catch (JwtException e) { // the key set could not be fetched
            return unavailable();
        }
        Object claim = jwt.getClaims().get(principalClaim);
        if (!(claim instanceof String name) || name.isBlank()) {
            return Verdict.refused(FailureReason.UNMAPPED, "the token has no '" + principalClaim + "' claim naming the principal");
        }
        try {
            KafkaPrincipal principal = KafkaPrincipal.user(name);
            if (principal.isWildcard()) {
                return Verdict.refused(FailureReason.UNMAPPED, "the token's '" + principalClaim + "' claim is not a principal name");
            }
            return Verdict.of(new Caller(principal, CREDENTIAL));
        } catch (RunnelException notAName) {
            return Verdict.refused(FailureReason.UNMAPPED, "the token's '" + principalClaim + "' claim is not a principal name");
        }
    }

    private static Verdict unavailable() {
        return Verdict.refused(FailureReason.UNAVAILABLE, "the token cannot be checked now: the identity provider is unreachable");
    }

    /** The validators' complaints, which name claims and never the token. */
    private static String describe(JwtValidationException e) {
        return String.join("; ", e.getErrors().stream().map(error -> error.getDescription() == null ? error.getErrorCode()
                : error.getDescription()).toList());
    }

    private static JwtDecoder decoder(RunnelProperties.Security.Oidc oidc) {
        SimpleClientHttpRequestFactory requests = new SimpleClientHttpRequestFactory();
        requests.setConnectTimeout(PROVIDER_TIMEOUT);
        requests.setReadTimeout(PROVIDER_TIMEOUT);
        RestTemplate provider = new RestTemplate(requests);
        NimbusJwtDecoder decoder = (oidc.jwkSetUri().isBlank() ? NimbusJwtDecoder.withIssuerLocation(oidc.issuerUri())
                : NimbusJwtDecoder.withJwkSetUri(oidc.jwkSetUri())).restOperations(provider).discoverJwsAlgorithms().build();
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        validators.add(new JwtTimestampValidator(Duration.ofSeconds(CLOCK_SKEW_SECONDS)));
        if (!oidc.issuerUri().isBlank()) {
            validators.add(new JwtIssuerValidator(oidc.issuerUri()));
        }
        if (!oidc.audience().isBlank()) {
            validators.add(new JwtAudienceValidator(oidc.audience()));
        }
        decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(validators));
        return decoder;
    }
}
