package io.runnel.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.runnel.config.ClusterPeers;
import io.runnel.security.TestCa;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.ssl.DefaultSslBundleRegistry;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;
import org.springframework.mock.env.MockEnvironment;

/**
 * {@link InstanceTls} read from {@code server.ssl.*} as the web server reads it, and its context
 * against a real HTTPS server: the server's certificate and host name are verified, and this
 * instance's certificate is presented when the server asks for one.
 */
class InstanceTlsTest {
    @TempDir
    static Path dir;
    private static TestCa ca;
    private static TestCa.Issued instance;

    private HttpsServer server;

    @BeforeAll
    static void certificates() {
        ca = TestCa.create(dir);
        instance = ca.issue("instance", dir);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static InstanceTls fromProperties(String... keyValues) {
        MockEnvironment env = new MockEnvironment();
        for (int i = 0; i < keyValues.length; i += 2) {
            env.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return new InstanceTls(env, new DefaultListableBeanFactory().getBeanProvider(SslBundles.class));
    }

    private static InstanceTls pem(String clientAuth) {
        return fromProperties("server.ssl.certificate", instance.certificate().toString(),
                "server.ssl.certificate-private-key", instance.privateKey().toString(),
                "server.ssl.trust-certificate", ca.certificate().toString(),
                "server.ssl.client-auth", clientAuth);
    }

    @Test
    void withoutServerSslNothingChanges() {
        InstanceTls tls = fromProperties();
        assertThat(tls.enabled()).isFalse();
        assertThat(tls.sslContext()).isEmpty();
        assertThat(tls.urlOf(ClusterPeers.Peer.parse("n0@10.0.0.1:8080:9080"))).isEqualTo("http://10.0.0.1:8080");
        assertThat(fromProperties("server.ssl.enabled", "false", "server.ssl.certificate", instance.certificate().toString())
                .enabled()).isFalse();
    }

    @Test
    void pemFilesTurnItOnWithHttpsUrls() {
        InstanceTls tls = pem("none");
        assertThat(tls.enabled()).isTrue();
        assertThat(tls.mutual()).isFalse();
        assertThat(tls.urlOf(ClusterPeers.Peer.parse("n0@[::1]:8080:9080"))).isEqualTo("https://[::1]:8080");
        assertThat(pem("want").mutual()).isTrue();
        assertThat(pem("need").mutual()).isTrue();
    }

    @Test
    void callsVerifyTheHostNameAndPresentTheInstanceCertificateWhenAsked() throws Exception {
        TestCa.Issued good = ca.issue("peer", dir, "DNS:localhost", "IP:127.0.0.1");
        int port = start(ca.clientContext(good));
        HttpClient client = pem("need").configure(HttpClient.newBuilder()).connectTimeout(Duration.ofSeconds(5)).build();

        HttpResponse<String> answer = client.send(get("https://127.0.0.1:" + port + "/"), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("CN=instance");

        // Without TLS the JDK's default context does not trust the test CA.
        HttpClient plain = InstanceTls.OFF.configure(HttpClient.newBuilder()).connectTimeout(Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> plain.send(get("https://127.0.0.1:" + port + "/"), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void anSslBundleNamedByServerSslBundleIsUsedLikePemFiles() throws Exception {
        SslBundle bundle = SslBundle.of(new PemSslStoreBundle(
                PemSslStoreDetails.forCertificate(instance.certificate().toString()).withPrivateKey(instance.privateKey().toString()),
                PemSslStoreDetails.forCertificate(ca.certificate().toString())));
        DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
        beans.registerSingleton("sslBundles", new DefaultSslBundleRegistry("peers", bundle));
        MockEnvironment env = new MockEnvironment().withProperty("server.ssl.bundle", "peers").withProperty("server.ssl.client-auth", "want");
        InstanceTls tls = new InstanceTls(env, beans.getBeanProvider(SslBundles.class));
        assertThat(tls.enabled()).isTrue();
        assertThat(tls.mutual()).isTrue();

        int port = start(ca.clientContext(ca.issue("peer", dir)));
        HttpClient client = tls.configure(HttpClient.newBuilder()).connectTimeout(Duration.ofSeconds(5)).build();
        assertThat(client.send(get("https://localhost:" + port + "/"), HttpResponse.BodyHandlers.ofString()).body())
                .isEqualTo("CN=instance");
    }

    @Test
    void aCertificateForAnotherHostIsRefused() throws Exception {
        TestCa.Issued elsewhere = ca.issue("elsewhere", dir, "DNS:elsewhere.example");
        int port = start(ca.clientContext(elsewhere));
        HttpClient client = pem("none").configure(HttpClient.newBuilder()).connectTimeout(Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> client.send(get("https://127.0.0.1:" + port + "/"), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(SSLHandshakeException.class);
    }

    private static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build();
    }

    /** An HTTPS server with {@code context}, requiring client certificates and answering with the client's subject. */
    private int start(SSLContext context) throws Exception {
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters ssl = getSSLContext().getDefaultSSLParameters();
                ssl.setNeedClientAuth(true);
                params.setSSLParameters(ssl);
            }
        });
        server.createContext("/", exchange -> {
            X509Certificate peer = (X509Certificate) ((HttpsExchange) exchange).getSSLSession().getPeerCertificates()[0];
            byte[] body = peer.getSubjectX500Principal().getName().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server.getAddress().getPort();
    }
}
