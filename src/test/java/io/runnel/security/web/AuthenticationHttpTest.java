package io.runnel.security.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.TestDataDirs;
import io.runnel.TestHttp;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Authentication over real HTTP with security on: the bootstrap key, Bearer and Basic, open paths, 401s; the
 * configured identity provider is unreachable, which neither stops the node nor affects keys.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AuthenticationHttpTest {
    static final String BOOTSTRAP = "bootstrap-key-for-tests-0123456789";
    static final Path DATA_DIR = TestDataDirs.create("runnel-authn-test-");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", DATA_DIR::toString);
        registry.add("runnel.security.enabled", () -> "true");
        registry.add("runnel.security.bootstrap-key", () -> BOOTSTRAP);
        // an identity provider nobody answers for: the node boots all the same (the decoder is built on first use)
        registry.add("runnel.security.oidc.issuer-uri", () -> "http://127.0.0.1:9/unreachable");
    }

    @LocalServerPort
    int port;

    TestHttp.Response get(String path, String authorization) {
        TestHttp http = new TestHttp(port);
        HttpRequest.Builder request = http.request(path).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build());
    }

    @Test
    void aCallWithoutCredentialsIsRefusedWithAChallenge() throws Exception {
        TestHttp http = new TestHttp(port);
        var response = http.client().send(http.request("/topics").GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.body()).contains("\"code\":\"UNAUTHENTICATED\"");
        assertThat(response.headers().allValues("WWW-Authenticate")).anyMatch(v -> v.startsWith("Bearer"))
                .anyMatch(v -> v.startsWith("Basic"));
    }

    @Test
    void aBrowserPagesScriptIsNotChallengedToBasicSoNoLoginDialogOpens() throws Exception {
        TestHttp http = new TestHttp(port);
        for (String[] header : new String[][] {{"Sec-Fetch-Mode", "cors"}, {"X-Requested-With", "XMLHttpRequest"}}) {
            var response = http.client().send(http.request("/topics").header(header[0], header[1]).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly(AuthenticationFilter.CHALLENGE_BEARER);
        }
        var navigation = http.client().send(http.request("/topics").header("Sec-Fetch-Mode", "navigate").GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(navigation.headers().allValues("WWW-Authenticate"))
                .containsExactly(AuthenticationFilter.CHALLENGE_BEARER, AuthenticationFilter.CHALLENGE_BASIC);
    }

    @Test
    void theBootstrapKeyAuthenticatesAsBearerAndAsBasic() {
        assertThat(get("/topics", "Bearer " + BOOTSTRAP).status()).isEqualTo(200);
        String basic = Base64.getEncoder().encodeToString(("bootstrap:" + BOOTSTRAP).getBytes(StandardCharsets.UTF_8));
        assertThat(get("/topics", "Basic " + basic).status()).isEqualTo(200);
    }

    @Test
    void whoamiNamesTheCallerAndWhetherItIsASuperUser() {
        var whoami = get("/whoami", "Bearer " + BOOTSTRAP);
        assertThat(whoami.status()).isEqualTo(200);
        assertThat(whoami.body()).isEqualTo("{\"principal\":\"User:admin\",\"superUser\":true}");
        assertThat(get("/whoami", null).status()).isEqualTo(401);
    }

    @Test
    void aWrongCredentialIsRefusedEvenOnAnOpenPath() {
        assertThat(get("/topics", "Bearer " + BOOTSTRAP + "x").status()).isEqualTo(401);
        assertThat(get("/topics", "Basic !!!").status()).isEqualTo(401);
        assertThat(get("/topics", "Basic " + Base64.getEncoder().encodeToString("bootstrap:nope".getBytes(StandardCharsets.UTF_8)))
                .status()).isEqualTo(401);
        assertThat(get("/topics", "Digest x").status()).isEqualTo(401);
        assertThat(get("/actuator/health", "Bearer wrong").status()).isEqualTo(401);
        assertThat(get("/topics", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln").status()).isEqualTo(401);
    }

    @Test
    void probesAndDocsAreOpen() {
        assertThat(get("/actuator/health", null).status()).isEqualTo(200);
        assertThat(get("/actuator/health/liveness", null).status()).isEqualTo(200);
        assertThat(get("/actuator/info", null).status()).isEqualTo(200);
        assertThat(get("/v3/api-docs", null).status()).isEqualTo(200);
    }

    @Test
    void metricsNeedDescribeOnTheCluster() {
        assertThat(get("/actuator/prometheus", null).status()).isEqualTo(401);
        assertThat(get("/actuator/prometheus", "Bearer " + BOOTSTRAP).status()).isEqualTo(200);
    }
}
