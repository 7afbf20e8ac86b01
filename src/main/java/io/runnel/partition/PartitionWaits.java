package io.runnel.partition;

import io.runnel.config.RunnelExecutors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The one long-poll primitive: "call back when one of these partitions grows past its offset, or
 * at the deadline", holding no thread meanwhile. Every held read uses it: public fetches, reads
 * between instances, follower fetches, group reads (whose partitions may be led elsewhere:
 * {@link PartitionReads#beyond}) and Server-Sent Event streams waiting for their next record.
 *
 * <p>A {@link Wait} registers a {@link Condition} per partition and, unless it waits
 * {@linkplain #awaitIndefinitely indefinitely}, a deadline on the wake-up executor. The first of
 * these to happen, or {@link Wait#cancel}, <em>ends</em> the wait: the other registrations and the
 * deadline are cancelled, and the callback runs with the {@link Outcome}. A condition already met
 * when registered ends the wait at once ({@link Outcome#WOKEN}); the callback still runs on the
 * executor, so a caller never answers on its own thread from inside {@link #await}.
 *
 * <p>Thread-safety: a wait ends exactly once, whichever threads race to end it (an appending
 * thread waking it, the deadline, a client going away, the partition's deletion); its callback runs
 * exactly once, on the wake-up executor, never on the appending thread. Only if that executor was
 * already shut down (the application is stopping) does the callback run on the thread that ended
 * the wait, so that no caller is left without an answer. Nothing here survives a restart.
 */
@Component
public final class PartitionWaits {
    /** Why a wait ended. */
    public enum Outcome {
        /** A condition was met: the partition grew past the offset (or the instance is shutting down). */
        WOKEN,
        /** The deadline passed first. */
        TIMED_OUT,
        /** {@link Wait#cancel} was called first: the caller went away and needs no answer. */
        CANCELLED,
        /** A partition waited on was deleted. */
        DELETED
    }

    /**
     * Something a wait can be woken by. {@link #register} calls {@code wake} at most once (possibly on
     * an appending thread, or before returning if the condition is met already) and returns what
     * unregisters it; both must be cheap and must not block.
     */
    @FunctionalInterface
    public interface Condition {
        Runnable register(Consumer<Outcome> wake);
    }

    /**
     * How much longer than a wait's timeout a caller should let its request live before the
     * container times it out: the wait's own deadline answers first unless the wake-up threads are
     * stuck for this long.
     */
    public static final Duration ANSWER_GRACE = Duration.ofSeconds(5);

    private static final Runnable NOTHING = () -> { };

    private final ScheduledExecutorService executor;

    /** @param executor runs the callbacks and the deadlines */
    public PartitionWaits(ScheduledExecutorService executor) {
        this.executor = executor;
    }

    @Autowired
    public PartitionWaits(RunnelExecutors executors) {
        this(executors.wakeups());
    }

    /** Met once the partition's high watermark passes {@code offset}: records beyond it are readable. */
    public static Condition highWatermarkBeyond(Partition partition, long offset) {
        return wake -> {
            Runnable woken = () -> wake.accept(partition.deleted() ? Outcome.DELETED : Outcome.WOKEN);
            if (partition.awaitBeyond(offset, woken)) {
                return () -> partition.cancelWait(woken);
            }
            woken.run();
            return NOTHING;
        };
    }

    /** Met once the partition log's durable end passes {@code offset} (what a follower may fetch). */
    public static Condition durableEndBeyond(Partition partition, long offset) {
        return wake -> {
            Runnable woken = () -> wake.accept(partition.deleted() ? Outcome.DELETED : Outcome.WOKEN);
            if (partition.awaitDurableBeyond(offset, woken)) {
                return () -> partition.cancelDurableWait(woken);
            }
            woken.run();
            return NOTHING;
        };
    }

    /** Waits for the first of {@code conditions}, at most {@code timeout}; then runs {@code callback}. */
    public Wait await(List<Condition> conditions, Duration timeout, Consumer<Outcome> callback) {
        Wait wait = new Wait(callback);
        wait.deadline = executor.schedule(() -> wait.end(Outcome.TIMED_OUT), Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
        wait.register(conditions);
        return wait;
    }

    /** As {@link #await}, with no deadline: until a condition is met or the wait is cancelled. */
    public Wait awaitIndefinitely(List<Condition> conditions, Consumer<Outcome> callback) {
        Wait wait = new Wait(callback);
        wait.register(conditions);
        return wait;
    }

    /** One held read. */
    public final class Wait {
        private final Consumer<Outcome> callback;
        private final AtomicReference<Outcome> outcome = new AtomicReference<>();
        private final List<Runnable> registrations = new ArrayList<>(); // guarded by this
        private volatile ScheduledFuture<?> deadline;

        private Wait(Consumer<Outcome> callback) {
            this.callback = callback;
        }

        private void register(List<Condition> conditions) {
            for (Condition condition : conditions) {
                if (outcome.get() != null) {
                    return;
                }
                Runnable unregister = condition.register(this::end);
                synchronized (this) {
                    if (outcome.get() == null) {
                        registrations.add(unregister);
                        continue;
                    }
                }
                unregister.run(); // ended while it registered: end() has already unregistered the others
            }
        }

        /** Ends the wait with {@link Outcome#CANCELLED} unless it has ended; returns whether this call ended it. */
        public boolean cancel() {
            return end(Outcome.CANCELLED);
        }

        /** Why the wait ended, or null while it has not. */
        public Outcome outcome() {
            return outcome.get();
        }

        private boolean end(Outcome why) {
            if (!outcome.compareAndSet(null, why)) {
                return false;
            }
            List<Runnable> registered;
            synchronized (this) {
                registered = List.copyOf(registrations);
                registrations.clear();
            }
            registered.forEach(Runnable::run);
            ScheduledFuture<?> timer = deadline;
            if (timer != null && why != Outcome.TIMED_OUT) {
                timer.cancel(false);
            }
            try {
                executor.execute(() -> callback.accept(why));
            } catch (RejectedExecutionException stopping) {
                callback.accept(why);
            }
            return true;
        }
    }
}
