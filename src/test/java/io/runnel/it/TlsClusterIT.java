package io.runnel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.runnel.it.RunnelProcess.FetchedRecord;
import io.runnel.it.RunnelProcess.ProduceAnswer;
import io.runnel.it.RunnelProcess.Response;
import io.runnel.security.TestCa;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Three real instances with TLS between them, configured exactly as the Helm chart does
 * ({@code SERVER_SSL_CERTIFICATE}, {@code SERVER_SSL_CERTIFICATEPRIVATEKEY},
 * {@code SERVER_SSL_TRUSTCERTIFICATE}, {@code SERVER_SSL_CLIENTAUTH=need}, PEM files of a CA made
 * for the test): the metadata quorum forms over Raft with TLS, instances advertise {@code https}
 * URLs, a produce through an instance that does not lead the partition reaches the leader over
 * HTTPS, a fetch through it is forwarded over HTTPS, the followers replicate over HTTPS, the Raft
 * port presents the instance certificate and requires the peer's, and a client without a
 * certificate is refused.
 */
class TlsClusterIT {
    private static final Duration READY = Duration.ofSeconds(120);
    private static final Duration SETTLE = Duration.ofSeconds(60);

    private LocalCluster cluster;

    @AfterEach
    void stopAll() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static JsonNode json(Response r) {
        return RunnelProcess.MAPPER.readTree(r.body());
    }

    @Test
    void instancesCallEachOtherOverVerifiedTlsWithClientCertificatesRequired() throws Exception {
        Path certs = RunnelProcess.newDataDir("tls-certs");
        TestCa ca = TestCa.create(certs);
        TestCa.Issued instance = ca.issue("instance", certs);
        TestCa.Issued client = ca.issueClient("CN=it-client,O=Runnel", certs);
        Map<String, String> env = Map.of(
                "SERVER_SSL_CERTIFICATE", instance.certificate().toAbsolutePath().toString(),
                "SERVER_SSL_CERTIFICATEPRIVATEKEY", instance.privateKey().toAbsolutePath().toString(),
                "SERVER_SSL_TRUSTCERTIFICATE", ca.certificate().toAbsolutePath().toString(),
                "SERVER_SSL_CLIENTAUTH", "need");
        cluster = LocalCluster.start("tls", 3, READY, env, ca.clientContext(client));

        // --- the quorum forms (Raft over TLS) and every instance advertises an https URL
        await().atMost(SETTLE).untilAsserted(() -> {
            for (String id : cluster.ids()) {
                JsonNode c = json(cluster.node(id).get("/cluster"));
                assertThat(c.get("controller").isNull()).as("%s", c).isFalse();
                List<String> online = new ArrayList<>();
                for (JsonNode i : c.get("instances")) {
                    assertThat(i.get("url").asString()).startsWith("https://127.0.0.1:");
                    if (i.get("status").asString().equals("online")) {
                        online.add(i.get("id").asString());
                    }
                }
                assertThat(online).containsExactly("n0", "n1", "n2");
            }
        });

        // --- produce through an instance that does not lead the partition: the batch goes to the leader over HTTPS
        Response created = cluster.node("n0").createTopic("orders", 3, "\"replicationFactor\":3");
        assertThat(created.status()).as("%s", created).isEqualTo(201);
        String leader = json(created).get("partitions").get(0).get("leader").asString();
        String notLeader = cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
        StringBuilder body = new StringBuilder("{\"records\":[");
        for (int i = 0; i < 20; i++) {
            body.append(i == 0 ? "" : ",").append("{\"value\":{\"i\":").append(i).append("}}");
        }
        ProduceAnswer produced = cluster.node(notLeader).produce("orders", 0, body.append("]}").toString());
        assertThat(produced.status()).as("%s", produced.response()).isEqualTo(200);
        assertThat(produced.results()).extracting(RunnelProcess.ProduceResult::offset).doesNotContainNull();

        // --- a fetch through it is forwarded to the leader over HTTPS
        List<FetchedRecord> records = cluster.node(notLeader).fetchAll("orders", 0, 0, Duration.ofSeconds(30)).records();
        assertThat(records).hasSize(20);
        assertThat(json(cluster.node(notLeader).get("/topics/orders/partitions/0/records?offset=19")).get("records").get(0)
                .get("value").get("i").asInt()).isEqualTo(19);

        // --- the followers replicate over HTTPS: the leader's high watermark covers every record with all three in sync
        await().atMost(SETTLE).untilAsserted(() -> {
            JsonNode p = cluster.partition("orders", 0, List.of(leader));
            assertThat(p.get("isr")).as("%s", p).hasSize(3);
            assertThat(p.get("highWatermark").asLong()).as("%s", p).isEqualTo(20);
        });

        // --- the Raft port speaks TLS with the instance certificate, and requires the peer's certificate
        int raftPort = cluster.raftPort(leader);
        try (SSLSocket raft = raftSocket(ca.clientContext(client), raftPort)) {
            raft.startHandshake();
            X509Certificate presented = (X509Certificate) raft.getSession().getPeerCertificates()[0];
            assertThat(presented.getSubjectX500Principal().getName()).isEqualTo("CN=instance");
        }
        try (SSLSocket raft = raftSocket(ca.clientContext(), raftPort)) {
            assertThatThrownBy(() -> {
                raft.startHandshake();
                raft.getInputStream().read(); // TLS 1.3: the refusal of the missing certificate arrives after the client's Finished
            }).isInstanceOf(SSLException.class);
        }

        // --- with client-auth=need, an HTTPS client without a certificate is refused
        HttpClient anonymous = HttpClient.newBuilder().sslContext(ca.clientContext()).connectTimeout(Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> anonymous.send(HttpRequest.newBuilder(cluster.node(notLeader).baseUri().resolve("/topics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);

        cluster.passed();
    }

    private static SSLSocket raftSocket(SSLContext context, int port) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
        SSLParameters params = socket.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        params.setApplicationProtocols(new String[] {"h2"});
        socket.setSSLParameters(params);
        socket.setSoTimeout(10_000);
        return socket;
    }
}
