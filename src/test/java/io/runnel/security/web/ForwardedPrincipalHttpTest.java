package io.runnel.security.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.TestDataDirs;
import io.runnel.TestHttp;
import io.runnel.cluster.HttpForwarder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.runnel.config.RunnelExecutors;
import io.runnel.config.RunnelProperties;
import io.runnel.security.KafkaPrincipal;
import io.runnel.security.store.SecurityMetadata;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Where a caller comes from besides the {@code Authorization} header: a forwarding instance's
 * {@code Runnel-Forwarded-Principal} (over real HTTP; believed only with the cluster secret), and a client
 * certificate (the filter with the node's own beans, the certificate put where Jetty puts it). Which
 * principal was taken shows in {@code /actuator/prometheus}, which only {@code User:admin} (a super-user)
 * may read here.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ForwardedPrincipalHttpTest {
    static final String SECRET = "cluster-secret-for-tests";
    static final Path DATA_DIR = TestDataDirs.create("runnel-forwarded-test-");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", DATA_DIR::toString);
        registry.add("runnel.security.enabled", () -> "true");
        registry.add("runnel.cluster.secret", () -> SECRET);
        registry.add("runnel.security.ssl-principal-mapping-rules", () -> "RULE:^CN=([^,]+),OU=eng,.*$/$1/");
    }

    @LocalServerPort
    int port;
    @Autowired
    SecurityMetadata metadata;
    @Autowired
    RunnelProperties props;
    @Autowired
    RunnelExecutors executors;

    int status(String path, Map<String, String> headers) {
        TestHttp http = new TestHttp(port);
        HttpRequest.Builder request = http.request(path).GET();
        headers.forEach(request::header);
        return http.send(request.build()).status();
    }

    static Map<String, String> fromAnInstance(String principal, String secret) {
        return Map.of(HttpForwarder.FORWARDED_BY, "runnel-1", HttpForwarder.CLUSTER_SECRET, secret,
                HttpForwarder.FORWARDED_PRINCIPAL, HttpForwarder.headerValue(principal),
                HttpForwarder.FORWARDED_CREDENTIAL, "api-key%3Aabc");
    }

    @Test
    void anInstanceWithTheClusterSecretVouchesForItsCaller() {
        assertThat(status("/actuator/prometheus", fromAnInstance("User:admin", SECRET))).isEqualTo(200);
        assertThat(status("/actuator/prometheus", fromAnInstance("User:bob", SECRET))).isEqualTo(403);
        assertThat(status("/topics", fromAnInstance("User:bob", SECRET))).isEqualTo(200);
        assertThat(whoami(fromAnInstance("User:bob", SECRET))).isEqualTo("{\"principal\":\"User:bob\",\"superUser\":false}");
        assertThat(whoami(fromAnInstance("User:José Ünïcode", SECRET))).contains("\"User:José Ünïcode\"");
    }

    String whoami(Map<String, String> headers) {
        TestHttp http = new TestHttp(port);
        HttpRequest.Builder request = http.request("/whoami").GET();
        headers.forEach(request::header);
        return http.send(request.build()).body();
    }

    @Test
    void aClientsOwnForwardedPrincipalIsIgnored() {
        assertThat(status("/topics", Map.of(HttpForwarder.FORWARDED_PRINCIPAL, "User:admin"))).isEqualTo(401);
        assertThat(status("/topics", Map.of(HttpForwarder.FORWARDED_PRINCIPAL, "User:admin", HttpForwarder.FORWARDED_BY, "runnel-1")))
                .isEqualTo(401);
        assertThat(status("/topics", fromAnInstance("User:admin", SECRET + "x"))).isEqualTo(401);
        assertThat(status("/topics", Map.of(HttpForwarder.FORWARDED_PRINCIPAL, "User:admin", HttpForwarder.CLUSTER_SECRET, SECRET)))
                .isEqualTo(401);

        String bobsKey = metadata.createApiKey(KafkaPrincipal.user("bob"), "forwarded principal test").key();
        Map<String, String> bobClaimingAdmin = Map.of("Authorization", "Bearer " + bobsKey,
                HttpForwarder.FORWARDED_PRINCIPAL, "User:admin", HttpForwarder.FORWARDED_BY, "runnel-1",
                HttpForwarder.CLUSTER_SECRET, "a guess");
        assertThat(status("/topics", bobClaimingAdmin)).isEqualTo(200);
        assertThat(status("/actuator/prometheus", bobClaimingAdmin)).isEqualTo(403); // answered as bob, not admin
        assertThat(whoami(bobClaimingAdmin)).contains("\"User:bob\"");
    }

    @Test
    void aForwardedPrincipalThatIsNoPrincipalIsRefused() {
        assertThat(status("/topics", fromAnInstance("alice", SECRET))).isEqualTo(401);
    }

    AuthenticationFilter filter() {
        return new AuthenticationFilter(props.security(), metadata, props.cluster().secret(),
                new AuthenticationFailures(new SimpleMeterRegistry(), System::currentTimeMillis), executors.wakeups());
    }

    @Test
    void aClientCertificateIsTheCallerWhenThereIsNoAuthorizationHeader() throws Exception {
        X509Certificate alice = SelfSignedCertificate.withSubject("CN=alice,OU=eng,O=Acme");
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/topics");
        request.setAttribute(CertificateAuthenticator.CERTIFICATES_ATTRIBUTE, new X509Certificate[] {alice});
        MockFilterChain chain = new MockFilterChain();

        filter().doFilter(request, new MockHttpServletResponse(), chain);

        assertThat(chain.getRequest()).isNotNull();
        assertThat(request.getAttribute(Caller.ATTRIBUTE))
                .isEqualTo(new Caller(KafkaPrincipal.user("alice"), CertificateAuthenticator.CREDENTIAL));
        assertThat(request.getAttribute(HttpForwarder.PRINCIPAL_ATTRIBUTE)).isEqualTo("User:alice");
    }

    @Test
    void aCertificateNoRuleMapsIsRefusedAndAnAuthorizationHeaderWins() throws Exception {
        X509Certificate mallory = SelfSignedCertificate.withSubject("CN=mallory,OU=elsewhere,O=Other");
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/topics");
        request.setAttribute(CertificateAuthenticator.CERTIFICATES_ATTRIBUTE, new X509Certificate[] {mallory});
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();

        filter().doFilter(request, response, chain);

        assertThat(response.getStatus()).isEqualTo(401);
        assertThat(response.getContentAsString()).contains("UNAUTHENTICATED").contains("CN=mallory");
        assertThat(chain.getRequest()).isNull();

        String key = metadata.createApiKey(KafkaPrincipal.user("carol"), "certificate test").key();
        MockHttpServletRequest withKey = new MockHttpServletRequest("GET", "/topics");
        withKey.setAttribute(CertificateAuthenticator.CERTIFICATES_ATTRIBUTE, new X509Certificate[] {mallory});
        withKey.addHeader("Authorization", "Bearer " + key);
        filter().doFilter(withKey, new MockHttpServletResponse(), new MockFilterChain());
        assertThat(((Caller) withKey.getAttribute(Caller.ATTRIBUTE)).principal()).isEqualTo(KafkaPrincipal.user("carol"));
    }
}
