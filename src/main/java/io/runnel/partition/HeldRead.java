package io.runnel.partition;

import java.util.function.Consumer;

/**
 * Who is told when a read is held open (a long poll that found nothing yet, a Server-Sent Event stream):
 * {@link #held} receives a way to end the read early with a failure, answered to the client as a problem
 * (a held poll answers it, a stream sends it as its last event), and returns what to run once the read has
 * ended, however it ended. The web edge uses it to end the reads of a caller whose key or ACL was revoked;
 * the read paths stay unaware of security. Implementations must be quick and thread-safe: {@code endEarly}
 * may be called on any thread, at most once matters, and also before {@link #held} returns.
 */
@FunctionalInterface
public interface HeldRead {
    /** Nobody is told: reads end only by themselves. */
    HeldRead NONE = endEarly -> () -> { };

    /** A read is now held; returns what to run when it ends. */
    Runnable held(Consumer<RuntimeException> endEarly);
}
