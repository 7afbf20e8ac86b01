package io.runnel.security.web;

import io.runnel.config.RunnelExecutors;
import io.runnel.config.RunnelProperties;
import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import io.runnel.partition.HeldRead;
import io.runnel.security.AclAuthorizer;
import io.runnel.security.Access;
import io.runnel.security.RequiredAccess;
import io.runnel.security.store.SecurityMetadata;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The long-lived requests of this instance (Server-Sent Event streams, held long polls), each with its
 * {@link Caller} and what its call needs, so that a revocation ends them within a few seconds: after every
 * change of keys or ACLs ({@link SecurityMetadata#onChange}), and every {@link #BACKSTOP} in case a change
 * was missed, each open request is checked again, in memory:
 * <ul>
 *   <li>its API key was deleted ({@link Caller#apiKeyId()} no longer in the metadata) → ended with
 *       {@code 401 UNAUTHENTICATED};</li>
 *   <li>its access is no longer allowed → ended with the call's {@code 403} problem.</li>
 * </ul>
 * A request is watched from the moment it is held ({@link #watch}, which checks once more at once, so a
 * revocation between the call's first check and the watch is not missed) until it ends; the registry
 * forgets it then. With security off nothing is watched.
 *
 * <p>Threads: no thread per request. Checks run on the one {@code revocation} thread; a change only
 * schedules a check (changes in a burst share one). Ending a request only hands the problem to it (its own
 * sender or the container answers), so a check is bounded by the number of open requests times their
 * requirements. Thread-safe; nothing survives a restart (nor needs to: the requests do not either).
 */
@Component
public class Revocations implements DisposableBean {
    /** How often every open request is checked even without a change. */
    static final Duration BACKSTOP = Duration.ofSeconds(3);

    private final boolean enabled;
    private final SecurityMetadata metadata;
    private final AclAuthorizer authorizer;
    private final ScheduledExecutorService checks;
    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean checkPending = new AtomicBoolean();
    private final ScheduledFuture<?> backstop;

    public Revocations(RunnelProperties props, SecurityMetadata metadata, AclAuthorizer authorizer, RunnelExecutors executors) {
        this.enabled = props.security().enabled();
        this.metadata = metadata;
        this.authorizer = authorizer;
        this.checks = executors.revocation();
        if (enabled) {
            metadata.onChange(this::changed);
            backstop = checks.scheduleWithFixedDelay(this::checkAll, BACKSTOP.toMillis(), BACKSTOP.toMillis(), TimeUnit.MILLISECONDS);
        } else {
            backstop = null;
        }
    }

    /**
     * A {@link HeldRead} that watches the held read of {@code caller}, which needs {@code required}, until
     * it ends.
     */
    public HeldRead heldRead(Caller caller, RequiredAccess required) {
        return endEarly -> watch(caller, required, endEarly);
    }

    /**
     * Watches a long-lived request of {@code caller} that needs {@code required}: {@code end} is called at
     * most once, with the {@code 401} or {@code 403} problem, when that is revoked. Returns what forgets the
     * request; call it when the request ends.
     */
    public Runnable watch(Caller caller, RequiredAccess required, Consumer<RuntimeException> end) {
        if (!enabled) {
            return () -> { };
        }
        Watch watch = new Watch(caller, required, end);
        watches.add(watch);
        check(watch);
        return watch::forget;
    }

    /** How many requests are watched now. */
    public int watched() {
        return watches.size();
    }

    private void changed() {
        if (checkPending.compareAndSet(false, true)) {
            try {
                checks.execute(() -> {
                    checkPending.set(false);
                    checkAll();
                });
            } catch (RejectedExecutionException e) {
                checkPending.set(false); // stopping: the requests end with the instance
            }
        }
    }

    private void checkAll() {
        for (Watch watch : watches) {
            try {
                check(watch);
            } catch (RuntimeException e) {
                // one request's failure to end must not keep the others open; the backstop tries again
            }
        }
    }

    private void check(Watch watch) {
        revoked(watch.caller, watch.required).ifPresent(watch::end);
    }

    /** Why {@code caller} may no longer make a call needing {@code required}, if so. */
    private Optional<RunnelException> revoked(Caller caller, RequiredAccess required) {
        Optional<String> keyId = caller.apiKeyId();
        if (keyId.isPresent() && metadata.apiKey(keyId.get()).isEmpty()) {
            return Optional.of(new RunnelException(ErrorCode.UNAUTHENTICATED, "the API key of this request was deleted"));
        }
        return authorizer.refused(caller.principal(), required).map(Access::refusal);
    }

    @Override
    public void destroy() {
        if (backstop != null) {
            backstop.cancel(false);
        }
    }

    /** One watched request. */
    private final class Watch {
        final Caller caller;
        final RequiredAccess required;
        final Consumer<RuntimeException> end;
        final AtomicBoolean ended = new AtomicBoolean();

        Watch(Caller caller, RequiredAccess required, Consumer<RuntimeException> end) {
            this.caller = caller;
            this.required = required;
            this.end = end;
        }

        void end(RuntimeException problem) {
            if (ended.compareAndSet(false, true)) {
                forget();
                end.accept(problem);
            }
        }

        void forget() {
            watches.remove(this);
        }
    }
}
