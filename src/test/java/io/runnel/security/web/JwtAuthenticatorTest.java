package io.runnel.security.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.config.RunnelProperties;
import io.runnel.security.KafkaPrincipal;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The decoder is built on first use: an unreachable provider refuses tokens as unavailable, then recovers. */
class JwtAuthenticatorTest {

    @Test
    void anUnreachableProviderRefusesTokensUntilItAnswersTryingAgainAfterAPause() {
        try (TestIdentityProvider provider = new TestIdentityProvider()) {
            provider.down.set(true);
            AtomicLong now = new AtomicLong(-5); // nanoTime may be negative
            JwtAuthenticator jwts = new JwtAuthenticator(new RunnelProperties.Security.Oidc(provider.issuer(), "", "", "sub"), now::get);
            String token = provider.token(claims -> {});

            Verdict whileDown = jwts.authenticate(token);
            assertThat(whileDown.reason()).isEqualTo(FailureReason.UNAVAILABLE);

            provider.down.set(false);
            assertThat(jwts.authenticate(token).reason()).as("no new try within the pause").isEqualTo(FailureReason.UNAVAILABLE);
            now.addAndGet(JwtAuthenticator.RETRY_AFTER.toNanos());
            Verdict onceUp = jwts.authenticate(token);
            assertThat(onceUp.authenticated()).isTrue();
            assertThat(onceUp.caller()).isEqualTo(new Caller(KafkaPrincipal.user("alice"), JwtAuthenticator.CREDENTIAL));
        }
    }

    @Test
    void withOnlyAJwkSetTheIssuerIsNotCheckedButTheClaimIsConfigurable() {
        try (TestIdentityProvider provider = new TestIdentityProvider()) {
            JwtAuthenticator jwts = new JwtAuthenticator(new RunnelProperties.Security.Oidc("", provider.jwkSetUri(), "",
                    "preferred_username"));
            Verdict verdict = jwts.authenticate(provider.token(claims -> claims.issuer("https://anyone.example")
                    .claim("preferred_username", "bob")));
            assertThat(verdict.caller().principal()).isEqualTo(KafkaPrincipal.user("bob"));
            assertThat(jwts.authenticate(provider.token(claims -> {})).reason()).isEqualTo(FailureReason.UNMAPPED);
            assertThat(jwts.authenticate(provider.token(claims -> claims.claim("preferred_username", "*"))).reason())
                    .isEqualTo(FailureReason.UNMAPPED);
        }
    }

    @Test
    void onlyThreeNonEmptyDotSeparatedPartsLookLikeAJwt() {
        assertThat(JwtAuthenticator.looksLikeJwt("a.b.c")).isTrue();
        assertThat(JwtAuthenticator.looksLikeJwt("abc")).isFalse();
        assertThat(JwtAuthenticator.looksLikeJwt("a.b")).isFalse();
        assertThat(JwtAuthenticator.looksLikeJwt("a..c")).isFalse();
        assertThat(JwtAuthenticator.looksLikeJwt(".b.c")).isFalse();
        assertThat(JwtAuthenticator.looksLikeJwt("a.b.")).isFalse();
        assertThat(JwtAuthenticator.looksLikeJwt("a.b.c.d")).isFalse();
    }
}
