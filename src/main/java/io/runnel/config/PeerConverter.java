package io.runnel.config;

import io.runnel.config.ClusterPeers.Peer;
import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.core.convert.converter.Converter;
import org.springframework.stereotype.Component;

/**
 * Binds one entry of the string form of {@code runnel.cluster.peers}, {@code id@host:httpPort:raftPort}
 * ({@link Peer#parse}). Spring Boot splits a comma-separated value ({@code --runnel.cluster.peers=…},
 * {@code RUNNEL_CLUSTER_PEERS}) into entries, trimmed, and converts each with this; a YAML list of
 * {@code {id, host, http-port, raft-port}} binds without it.
 */
@Component
@ConfigurationPropertiesBinding
class PeerConverter implements Converter<String, Peer> {
    @Override
    public Peer convert(String entry) {
        return Peer.parse(entry.strip());
    }
}
