package io.runnel.cluster;

import java.util.List;

/**
 * What an instance says about its membership, answering {@code GET /internal/cluster/membership}: the
 * Raft group it belongs to ({@code null} while it has none: it is itself still finding or bootstrapping
 * its cluster), the cluster id once known, the current voters and listeners, and, if it bootstrapped
 * the group, the peer entries the group started with ({@code id@host:httpPort:raftPort}).
 */
record MembershipView(String groupId, String clusterId, List<String> voters, List<String> listeners, List<String> bootstrapPeers) {
    static final MembershipView NONE = new MembershipView(null, null, List.of(), List.of(), List.of());

    MembershipView {
        voters = voters == null ? List.of() : List.copyOf(voters);
        listeners = listeners == null ? List.of() : List.copyOf(listeners);
        bootstrapPeers = bootstrapPeers == null ? List.of() : List.copyOf(bootstrapPeers);
    }
}
