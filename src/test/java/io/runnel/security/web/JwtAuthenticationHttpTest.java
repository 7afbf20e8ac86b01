package io.runnel.security.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.TestDataDirs;
import io.runnel.TestHttp;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * OpenID Connect JWTs over real HTTP: a node whose {@code issuer-uri} is a {@link TestIdentityProvider} on
 * 127.0.0.1 (discovery, then the JWK set), tokens signed with its RSA key or another.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class JwtAuthenticationHttpTest {
    static final Path DATA_DIR = TestDataDirs.create("runnel-jwt-test-");
    static final TestIdentityProvider PROVIDER = new TestIdentityProvider();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", DATA_DIR::toString);
        registry.add("runnel.security.enabled", () -> "true");
        registry.add("runnel.security.oidc.issuer-uri", PROVIDER::issuer);
        registry.add("runnel.security.oidc.audience", () -> TestIdentityProvider.AUDIENCE);
    }

    @AfterAll
    static void stopProvider() {
        PROVIDER.close();
    }

    @LocalServerPort
    int port;

    TestHttp.Response get(String path, String token) {
        TestHttp http = new TestHttp(port);
        return http.send(http.request(path).header("Authorization", "Bearer " + token).GET().build());
    }

    @Test
    void aValidTokenAuthenticatesItsSubject() {
        String token = PROVIDER.token(claims -> {});
        assertThat(get("/topics", token).status()).isEqualTo(200);
        var whoami = get("/whoami", token);
        assertThat(whoami.status()).isEqualTo(200);
        assertThat(whoami.json().path("principal").asString()).isEqualTo("User:alice");
        assertThat(whoami.json().path("superUser").asBoolean()).isFalse();
    }

    @Test
    void anExpiredTokenIsRefused() {
        Instant past = Instant.now().minusSeconds(600);
        var response = get("/topics", PROVIDER.token(claims -> claims.issueTime(Date.from(past.minusSeconds(300)))
                .expirationTime(Date.from(past))));
        assertThat(response.status()).isEqualTo(401);
        assertThat(response.body()).contains("UNAUTHENTICATED").contains("expired");
    }

    @Test
    void aTokenForAnotherAudienceIsRefused() {
        assertThat(get("/topics", PROVIDER.token(claims -> claims.audience("someone-else"))).status()).isEqualTo(401);
    }

    @Test
    void aTokenFromAnotherIssuerIsRefused() {
        assertThat(get("/topics", PROVIDER.token(claims -> claims.issuer("https://elsewhere.example/realm"))).status())
                .isEqualTo(401);
    }

    @Test
    void aTokenSignedWithAnUnknownKeyOrWronglyIsRefused() {
        assertThat(get("/topics", PROVIDER.signWithStrangerKey(PROVIDER.validClaims("alice"), "unknown-kid")).status())
                .isEqualTo(401);
        assertThat(get("/topics", PROVIDER.signWithStrangerKey(PROVIDER.validClaims("alice"), TestIdentityProvider.KEY_ID))
                .status()).isEqualTo(401);
        String valid = PROVIDER.token(claims -> {});
        String tampered = valid.substring(0, valid.lastIndexOf('.') + 1) + "AAAA" + valid.substring(valid.lastIndexOf('.') + 5);
        assertThat(get("/topics", tampered).status()).isEqualTo(401);
    }

    @Test
    void aTokenWithoutThePrincipalClaimIsRefused() {
        var response = get("/topics", PROVIDER.token(claims -> claims.subject(null)));
        assertThat(response.status()).isEqualTo(401);
        assertThat(response.body()).contains("'sub' claim");
    }

    @Test
    void aBearerValueThatIsNoJwtIsStillAnApiKey() {
        assertThat(get("/topics", "not-a-known-key").status()).isEqualTo(401);
        assertThat(get("/topics", "a.b.c").status()).isEqualTo(401);
    }
}
