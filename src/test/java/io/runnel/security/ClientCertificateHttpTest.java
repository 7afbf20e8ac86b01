package io.runnel.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.TestHttp;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * TLS client certificates as credentials, end to end over real HTTPS: a node with security on and
 * {@code client-auth=want} maps a certificate's subject to a principal with Kafka's rules
 * ({@code RULE:^CN=([^,]+),OU=ServiceUsers,.*$/$1/L}); a certificate no rule maps, and no certificate at
 * all, get {@code 401}; an {@code Authorization} header wins over a certificate.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ClientCertificateHttpTest {
    static final String BOOTSTRAP = "bootstrap-key-for-certificate-tests-0123";
    @TempDir
    static Path dir;
    private static TestCa ca;
    private static TestCa.Issued server;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", () -> dir.resolve("data").toString());
        registry.add("server.ssl.certificate", () -> server().certificate().toString());
        registry.add("server.ssl.certificate-private-key", () -> server().privateKey().toString());
        registry.add("server.ssl.trust-certificate", () -> ca().certificate().toString());
        registry.add("server.ssl.client-auth", () -> "want");
        registry.add("runnel.security.enabled", () -> "true");
        registry.add("runnel.security.bootstrap-key", () -> BOOTSTRAP);
        registry.add("runnel.security.ssl-principal-mapping-rules", () -> "RULE:^CN=([^,]+),OU=ServiceUsers,.*$/$1/L");
    }

    private static synchronized TestCa ca() {
        if (ca == null) {
            ca = TestCa.create(dir.resolve("tls"));
        }
        return ca;
    }

    private static synchronized TestCa.Issued server() {
        if (server == null) {
            server = ca().issue("runnel-0", dir.resolve("tls"));
        }
        return server;
    }

    @LocalServerPort
    int port;

    @Test
    void aMappedCertificateIsItsPrincipal() {
        TestCa.Issued billing = ca().issueClient("CN=Billing,OU=ServiceUsers,O=Acme", dir.resolve("billing"));
        TestHttp https = new TestHttp(port, ca().clientContext(billing));
        TestHttp.Response whoami = https.get("/whoami");
        assertThat(whoami.status()).as(whoami.body()).isEqualTo(200);
        assertThat(whoami.json().path("principal").asString()).isEqualTo("User:billing");
        assertThat(whoami.json().path("superUser").asBoolean()).isFalse();
        TestHttp.Response topics = https.get("/topics");
        assertThat(topics.status()).as("authenticated, and lists only what it may describe").isEqualTo(200);
    }

    @Test
    void aCertificateNoRuleMapsAndNoCertificateAreRefused() {
        TestCa.Issued other = ca().issueClient("CN=mallory,OU=Elsewhere,O=Acme", dir.resolve("other"));
        TestHttp.Response unmapped = new TestHttp(port, ca().clientContext(other)).get("/whoami");
        assertThat(unmapped.status()).as(unmapped.body()).isEqualTo(401);
        assertThat(unmapped.json().path("code").asString()).isEqualTo("UNAUTHENTICATED");
        TestHttp.Response none = new TestHttp(port, ca().clientContext()).get("/whoami");
        assertThat(none.status()).as(none.body()).isEqualTo(401);
    }

    @Test
    void anAuthorizationHeaderWinsOverACertificate() {
        TestCa.Issued billing = ca().issueClient("CN=Billing,OU=ServiceUsers,O=Acme", dir.resolve("billing-2"));
        TestHttp https = new TestHttp(port, ca().clientContext(billing));
        TestHttp.Response whoami = https.send(https.request("/whoami").header("Authorization", "Bearer " + BOOTSTRAP).GET().build());
        assertThat(whoami.json().path("principal").asString()).isEqualTo("User:admin");
    }
}
