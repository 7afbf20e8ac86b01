package io.runnel.cluster;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Ratis client that survives its own failures. A {@link RaftClient}'s async requests share one
 * ordered window, and the first request that runs out of retries closes that window for good:
 * every later request fails at once with {@code AlreadyClosedException}. So after any outage
 * longer than the retry budget the client would be useless. Here a client one of whose requests
 * failed is closed and replaced, and the next request uses a fresh one (with a new client id, so
 * Ratis's retry cache does not span the two; only a request's own retries are deduplicated).
 *
 * <p>Thread-safe.
 */
final class MetadataClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataClient.class);

    private final Supplier<RaftClient> factory;
    private RaftClient client;
    private int replaced;
    private boolean closed;

    MetadataClient(Supplier<RaftClient> factory) {
        this.factory = factory;
        this.client = factory.get();
    }

    /** Sends one request on the current client, replacing the client if the request fails. */
    CompletableFuture<RaftClientReply> send(Function<RaftClient, CompletableFuture<RaftClientReply>> request) {
        RaftClient used = current();
        CompletableFuture<RaftClientReply> reply = request.apply(used);
        reply.whenComplete((r, e) -> {
            if (e != null) {
                replace(used);
            }
        });
        return reply;
    }

    /** The current client, for blocking administrative calls. */
    synchronized RaftClient current() {
        return client;
    }

    /** How many times a failed client was replaced. */
    synchronized int replaced() {
        return replaced;
    }

    private void replace(RaftClient broken) {
        synchronized (this) {
            if (closed || client != broken) {
                return;
            }
            client = factory.get();
            replaced++;
        }
        LOG.debug("Replaced the metadata client after a failed request");
        closeQuietly(broken);
    }

    private static void closeQuietly(RaftClient client) {
        try {
            client.close();
        } catch (IOException | RuntimeException e) {
            LOG.debug("Closing a metadata client failed", e);
        }
    }

    @Override
    public void close() throws IOException {
        RaftClient last;
        synchronized (this) {
            closed = true;
            last = client;
        }
        last.close();
    }
}
