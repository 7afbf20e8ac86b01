package io.runnel.cluster;

import io.runnel.config.ClusterPeers;
import io.runnel.config.RunnelProperties;
import io.runnel.log.AtomicFile;
import io.runnel.storage.DataLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Who this instance is: its id ({@code runnel.node.id}, else the host name), its advertised URL,
 * and the cluster id.
 *
 * <p>The URL's scheme is {@code https} when the web server has TLS ({@link InstanceTls}), else
 * {@code http}. On a single node the URL is {@code <scheme>://<host name>:<port>} and the cluster id is generated
 * once and kept in {@link DataLayout#clusterIdFile()}. In a cluster ({@code runnel.cluster.peers}
 * set) the URL is this instance's entry of the peer list, and the cluster id is the one in the cluster
 * metadata ({@link ClusterMembership#clusterId()}): {@code null} until this instance has applied it
 * ({@link ClusterNode} tells it), never derived from the peer list.
 */
@Component
public class NodeIdentity {
    private final String id;
    private volatile String clusterId;
    private volatile String url;

    private final Optional<ClusterPeers> peers;
    private final InstanceTls tls;

    /** Without TLS. */
    public NodeIdentity(RunnelProperties props, DataLayout layout) throws IOException {
        this(props, layout, InstanceTls.OFF);
    }

    @Autowired
    public NodeIdentity(RunnelProperties props, DataLayout layout, InstanceTls tls) throws IOException {
        this.tls = tls;
        this.id = props.node().idOrHostName();
        this.peers = ClusterPeers.of(props.cluster().peers(), id);
        if (peers.isPresent()) {
            this.clusterId = null;
            this.url = tls.urlOf(peers.get().self());
            return;
        }
        Path file = layout.clusterIdFile();
        Files.createDirectories(file.getParent());
        if (Files.exists(file)) {
            clusterId = Files.readString(file, StandardCharsets.US_ASCII).trim();
        } else {
            clusterId = UUID.randomUUID().toString();
            AtomicFile.write(file, clusterId.getBytes(StandardCharsets.US_ASCII));
        }
        this.url = tls.scheme() + "://" + hostName() + ":8080";
    }

    private static String hostName() {
        return RunnelProperties.Node.hostName();
    }

    @EventListener
    void onWebServerStarted(WebServerInitializedEvent event) {
        if (peers.isPresent()) {
            return;
        }
        String address = event.getApplicationContext().getEnvironment().getProperty("server.address", "");
        url = tls.scheme() + "://" + advertisedHost(address) + ":" + event.getWebServer().getPort();
    }

    /**
     * The host other programs can reach this node at: the address it is bound to when that is one
     * address ({@code server.address=127.0.0.1} is reachable only there), else the host name.
     */
    static String advertisedHost(String boundAddress) {
        String a = boundAddress == null ? "" : boundAddress.trim();
        if (a.isEmpty() || a.equals("0.0.0.0") || a.equals("::") || a.equals("[::]") || a.equals("0:0:0:0:0:0:0:0")) {
            return hostName();
        }
        return a.contains(":") && !a.startsWith("[") ? "[" + a + "]" : a;
    }

    public String id() { return id; }
    /** The cluster's id; in a cluster {@code null} until the metadata holding it has been applied here. */
    public String clusterId() { return clusterId; }

    /** In a cluster: the id the metadata holds, once known. */
    void clusterIdKnown(String id) {
        if (peers.isPresent() && id != null) {
            clusterId = id;
        }
    }
    public String url() { return url; }

    /** The URL other instances call {@code peer} at ({@code https} with TLS on). */
    public String urlOf(ClusterPeers.Peer peer) { return tls.urlOf(peer); }

    /** The TLS of calls to other instances. */
    public InstanceTls tls() { return tls; }

    /** The configured peer list (whom to contact; bootstraps a new cluster), or empty on a single node. */
    public Optional<ClusterPeers> peers() { return peers; }
}
