package io.runnel.cluster;

import java.util.Objects;

/**
 * {@code POST /internal/cluster/members}: an instance asks to be added to the metadata quorum.
 *
 * @param id          its {@code runnel.node.id}
 * @param raftAddress {@code host:raftPort}, from its own entry of its peer list
 */
record JoinRequest(String id, String raftAddress) {
    JoinRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(raftAddress, "raftAddress");
    }
}
