package io.runnel.cluster;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The controller's evidence that an instance's process is gone: a TCP connection attempt to the
 * host and port of the URL it heart-beat (and, for {@link #allPortsRefuse}, to its Raft port from
 * the peer list as well), closed as soon as it is made (nothing is sent). Only an
 * active refusal ({@code ECONNREFUSED}: the host answered that nothing listens on the port) counts; a
 * connection made, a time-out, an unreachable network or an unknown host do not. A JVM paused by a
 * GC or a signal, or one blocked on its disk, keeps its listening socket and the kernel completes
 * connections to it, so it is never reported.
 *
 * <p>Thread-safe and stateless; each call blocks for at most {@code connectTimeout}.
 */
final class PortProbe implements LivenessTracker.Reachability {
    private final int connectTimeoutMs;
    private final Function<String, Optional<InetSocketAddress>> raftAddress;

    /** @param raftAddress an instance's Raft address by id (from the peer list); empty when unknown */
    PortProbe(Duration connectTimeout, Function<String, Optional<InetSocketAddress>> raftAddress) {
        this.connectTimeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
        this.raftAddress = raftAddress;
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
        return refuses(address);
    }

    @Override
    public boolean allPortsRefuse(InstanceMetadata instance) {
        Optional<InetSocketAddress> raft = raftAddress.apply(instance.id());
        return raft.isPresent() && refuses(raft.get()) && refusesConnections(instance);
    }

    private boolean refuses(InetSocketAddress address) {
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
