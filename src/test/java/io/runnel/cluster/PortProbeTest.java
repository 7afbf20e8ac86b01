package io.runnel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The controller's port probe against real loopback sockets. */
class PortProbeTest {
    /** The Raft port each test sets, null when the peer list does not know the instance. */
    private Integer raftPort;
    private final PortProbe probe = new PortProbe(Duration.ofMillis(500),
            id -> Optional.ofNullable(raftPort).map(port -> new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));

    private static InstanceMetadata at(String url) {
        return new InstanceMetadata("n1", url, 1, true);
    }

    @Test
    void aPortWithAListenerIsNotRefusedEvenWhenNothingAcceptsTheConnection() throws IOException {
        // A paused JVM never calls accept(); the kernel completes the connection into the backlog.
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertThat(probe.refusesConnections(at("http://127.0.0.1:" + listening.getLocalPort()))).isFalse();
            assertThat(probe.refusesConnections(at("https://127.0.0.1:" + listening.getLocalPort()))).isFalse();
        }
    }

    @Test
    void aPortNothingListensOnIsRefused() throws IOException {
        int port = closedPort();
        assertThat(probe.refusesConnections(at("http://127.0.0.1:" + port))).isTrue();
    }

    @Test
    void allPortsRefuseOnlyWhenTheRaftPortRefusesToo() throws IOException {
        int http = closedPort();
        assertThat(probe.allPortsRefuse(at("http://127.0.0.1:" + http))).as("Raft port unknown").isFalse();
        try (ServerSocket raft = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            raftPort = raft.getLocalPort();
            assertThat(probe.allPortsRefuse(at("http://127.0.0.1:" + http))).as("Raft port listening").isFalse();
        }
        assertThat(probe.allPortsRefuse(at("http://127.0.0.1:" + http))).as("both closed").isTrue();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket closed = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return closed.getLocalPort();
        }
    }

    @Test
    void anUnknownHostOrAMalformedUrlIsNoEvidence() {
        assertThat(probe.refusesConnections(at("http://no-such-host.invalid:8080"))).isFalse();
        assertThat(probe.refusesConnections(at("not a url"))).isFalse();
    }
}
