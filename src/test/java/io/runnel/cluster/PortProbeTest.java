package io.runnel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The controller's port probe against real loopback sockets. */
class PortProbeTest {
    private final PortProbe probe = new PortProbe(Duration.ofMillis(500));

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
        int port;
        try (ServerSocket closed = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        assertThat(probe.refusesConnections(at("http://127.0.0.1:" + port))).isTrue();
    }

    @Test
    void anUnknownHostOrAMalformedUrlIsNoEvidence() {
        assertThat(probe.refusesConnections(at("http://no-such-host.invalid:8080"))).isFalse();
        assertThat(probe.refusesConnections(at("not a url"))).isFalse();
    }
}
