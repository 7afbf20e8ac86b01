package io.runnel.cluster;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * The controller's evidence that an instance's process is gone: a TCP connection attempt to the
 * host and port of the URL it heart-beat, closed as soon as it is made (nothing is sent). Only an
 * active refusal ({@code ECONNREFUSED}: the host answered that nothing listens on the port) counts; a
 * connection made, a time-out, an unreachable network or an unknown host do not. A JVM paused by a
 * GC or a signal, or one blocked on its disk, keeps its listening socket and the kernel completes
 * connections to it, so it is never reported.
 *
 * <p>Thread-safe and stateless; each call blocks for at most {@code connectTimeout}.
 */
final class PortProbe implements LivenessTracker.Reachability {
    private final int connectTimeoutMs;

    PortProbe(Duration connectTimeout) {
        this.connectTimeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
    }

    @Override
    public boolean refusesConnections(InstanceMetadata instance) {
        InetSocketAddress address;
        try {
            URI url = URI.create(instance.url());
            int port = url.getPort() >= 0 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
            if (url.getHost() == null) {
                return false;
            }
            address = new InetSocketAddress(url.getHost(), port);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (address.isUnresolved()) {
            return false;
        }
        try (Socket socket = new Socket()) {
            socket.connect(address, connectTimeoutMs);
            return false;
        } catch (ConnectException e) {
            // The JDK also reports an unreachable network as a ConnectException: only a refusal counts.
            return String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("refused");
        } catch (IOException e) {
            return false;
        }
    }
}
