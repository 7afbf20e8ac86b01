package io.runnel.connect;

import io.runnel.cluster.ConnectorPlanner;
import io.runnel.cluster.ConnectorsState;
import io.runnel.cluster.MetadataCommand.ConnectorCommand;
import io.runnel.cluster.MetadataCommand.PlaceConnectorTask;
import io.runnel.error.RunnelException;
import io.runnel.log.AtomicFile;
import io.runnel.log.LogException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.jackson.databind.json.JsonMapper;

/**
 * The connector definitions of a single node, in one JSON file ({@code <data-dir>/meta/connectors.json},
 * {@code {"version":1,"state":{"connectors":{…}}}}) replaced atomically (temp file, fsync, rename) on every
 * change: a crash leaves the old file or the new one.
 *
 * <p>A change is the same command a cluster would commit, applied to the same {@link ConnectorsState}; then
 * every task is placed on this node ({@link ConnectorPlanner} with one eligible instance), then the result
 * is written, and only then published in memory and told to the listeners: a failed write changes nothing
 * and answers as storage errors do. Mutations are serialized by this object's lock; {@link #state} is
 * lock-free. Task failures are kept across restarts, as in a cluster.
 */
final class LocalConnectorStore implements ConnectorStore {
    /** The file's content. */
    record StoredConnectors(int version, ConnectorsState state) {
    }

    private static final int VERSION = 1;

    private final Path file;
    private final String selfId;
    private final JsonMapper json;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile ConnectorsState state = ConnectorsState.EMPTY;

    LocalConnectorStore(Path file, String selfId, JsonMapper json) throws IOException {
        this.file = file;
        this.selfId = selfId;
        this.json = json;
        if (Files.exists(file)) {
            StoredConnectors stored = json.readValue(Files.readAllBytes(file), StoredConnectors.class);
            if (stored.version() != VERSION) {
                throw new IOException(file + " has unknown version " + stored.version());
            }
            state = placed(stored.state() == null ? ConnectorsState.EMPTY : stored.state());
        }
    }

    @Override
    public ConnectorsState state() {
        return state;
    }

    @Override
    public synchronized void submit(ConnectorCommand command) {
        ConnectorsState.Applied applied = state.apply(command);
        if (!applied.result().ok()) {
            throw new RunnelException(ConnectorStore.errorCode(applied.result().code()), applied.result().message());
        }
        ConnectorsState next = placed(applied.state());
        if (next.equals(state)) {
            return;
        }
        save(next);
        state = next;
        listeners.forEach(Runnable::run);
    }

    /** {@code s} with every task on this node (the data dir may come from a node with another id). */
    private ConnectorsState placed(ConnectorsState s) {
        for (PlaceConnectorTask move : ConnectorPlanner.plan(s, List.of(selfId))) {
            s = s.apply(move).state();
        }
        return s;
    }

    @Override
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    private void save(ConnectorsState next) {
        byte[] content = json.writeValueAsBytes(new StoredConnectors(VERSION, next));
        try {
            Files.createDirectories(file.getParent());
            AtomicFile.write(file, content);
        } catch (IOException e) {
            throw LogException.ofWriteFailure("save of connector definitions", e, file.getParent(), content.length);
        }
    }
}
