package io.runnel.cluster;

import io.runnel.config.RunnelProperties;
import io.runnel.log.AtomicFile;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Who this instance is: its id ({@code runnel.node.id}, else the host name), its advertised URL,
 * and the cluster id, generated once and kept in {@code <data-dir>/meta/cluster-id}.
 */
@Component
public class NodeIdentity {
    private final String id;
    private final String clusterId;
    private volatile String url;

    public NodeIdentity(RunnelProperties props) throws IOException {
        this.id = props.node().id().isBlank() ? hostName() : props.node().id();
        Path file = props.dataDir().toAbsolutePath().resolve("meta").resolve("cluster-id");
        Files.createDirectories(file.getParent());
        if (Files.exists(file)) {
            clusterId = Files.readString(file, StandardCharsets.US_ASCII).trim();
        } else {
            clusterId = UUID.randomUUID().toString();
            AtomicFile.write(file, clusterId.getBytes(StandardCharsets.US_ASCII));
        }
        this.url = "http://" + hostName() + ":8080";
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    @EventListener
    void onWebServerStarted(WebServerInitializedEvent event) {
        url = "http://" + hostName() + ":" + event.getWebServer().getPort();
    }

    public String id() { return id; }
    public String clusterId() { return clusterId; }
    public String url() { return url; }
}
