package io.runnel.connect;

import io.runnel.cluster.ConnectorsState;
import io.runnel.cluster.MetadataCommand;
import io.runnel.cluster.MetadataCommand.ConnectorCommand;

/**
 * The connector definitions ({@link ConnectorsState}): what {@code /connectors} changes and what every
 * instance's {@link ConnectorWorker} runs. On a single node they live in one local file and every task is
 * placed on the node; in a cluster, in the Raft metadata, where the controller places tasks.
 *
 * <p>Reads take no lock and cost no round trip: {@link #state} is the last applied state. A change
 * returns once it is durable (and, in a cluster, applied on this instance), so a read after it sees it;
 * a refused one throws the {@link io.runnel.error.RunnelException} of its {@code ApplyResult} code
 * ({@code 404 CONNECTOR_NOT_FOUND}, …). Implementations are thread-safe.
 */
public interface ConnectorStore {

    /** The definitions as last applied here. */
    ConnectorsState state();

    /** Applies one change; see {@link MetadataCommand} for what each does. */
    void submit(ConnectorCommand command);

    /** Runs {@code listener} after every change of the definitions, on whichever thread applied it; it must be quick. */
    void onChange(Runnable listener);

    /** Maps an {@code ApplyResult} code to the API code of the same name, else an internal error. */
    static io.runnel.error.ErrorCode errorCode(io.runnel.cluster.ApplyResult.Code code) {
        try {
            return io.runnel.error.ErrorCode.valueOf(code.name());
        } catch (IllegalArgumentException e) {
            return io.runnel.error.ErrorCode.INTERNAL_ERROR;
        }
    }
}
