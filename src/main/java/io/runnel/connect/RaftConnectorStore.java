package io.runnel.connect;

import io.runnel.cluster.ClusterNode;
import io.runnel.cluster.ConnectorsState;
import io.runnel.cluster.MetadataCommand.ConnectorCommand;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The connector definitions of a cluster, in the Raft metadata ({@link ConnectorsState} in
 * {@code ClusterState}): a change is proposed as a metadata command through {@link ClusterNode#submit},
 * which returns once it is committed and applied here; the controller places the tasks. Every instance
 * follows the applied states: the listener on the applying thread compares the connector part by reference
 * (heartbeats leave it the same object) and tells {@link #onChange} listeners of a real change.
 *
 * <p>Nothing is kept on this instance's disk besides the Raft log. Thread-safe; reads are lock-free.
 */
final class RaftConnectorStore implements ConnectorStore {
    private final ClusterNode cluster;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile ConnectorsState followed = ConnectorsState.EMPTY;

    RaftConnectorStore(ClusterNode cluster) {
        this.cluster = cluster;
    }

    /** Follows every applied state from now on. */
    RaftConnectorStore start() {
        cluster.onState(state -> {
            if (state.connectors() != followed) {
                followed = state.connectors();
                listeners.forEach(Runnable::run);
            }
        });
        return this;
    }

    @Override
    public ConnectorsState state() {
        return cluster.state().connectors();
    }

    @Override
    public void submit(ConnectorCommand command) {
        cluster.submit(command);
    }

    @Override
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }
}
