package io.runnel.security.web;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when a request fails to authenticate, apart from its {@code 401}:
 * <ul>
 *   <li><b>Counted</b>: {@code runnel_auth_failures_total{reason=...}}, one series per {@link FailureReason}
 *       ({@code missing}, {@code malformed}, {@code invalid}, {@code expired}, {@code unmapped},
 *       {@code unavailable}), all registered at zero; {@code runnel_auth_failures_delayed_total} counts the
 *       {@code 401}s that were held back.</li>
 *   <li><b>Logged</b> without the credential (the refusal's detail never contains it): the first failure of
 *       an address in its window at INFO (address, reason, detail, method and path; with the count of its
 *       previous window, if there was one), and the failure that starts slowing it down at WARN; every token
 *       that could not be checked because the identity provider is unreachable at WARN. The rest are only
 *       counted. At most {@value #MAX_LOG_LINES_PER_MINUTE} such lines a minute in all; the first line
 *       after a minute with more says how many were left out. A missing credential is counted, not logged.</li>
 *   <li><b>Slowed down</b>, per client address ({@link FailureThrottle}: from the 6th failure within a
 *       minute, 0.5 s doubling up to 4 s): every reason but {@code missing} (no credential is no guess) and
 *       {@code unavailable} (the identity provider's fault, not the client's).</li>
 * </ul>
 * The client address is the one the container reports: the peer's, or, behind a proxy, what
 * {@code server.forward-headers-strategy} makes of {@code X-Forwarded-For}.
 *
 * <p>Thread-safe.
 */
final class AuthenticationFailures {
    static final String METRIC = "runnel.auth.failures";
    static final String DELAYED_METRIC = "runnel.auth.failures.delayed";
    static final int MAX_LOG_LINES_PER_MINUTE = 100;
    private static final Logger LOG = LoggerFactory.getLogger(AuthenticationFailures.class);

    /** One failed request, as the log describes it. */
    record Failure(String address, FailureReason reason, String detail, String method, String path) {}

    private final Map<FailureReason, Counter> counters = new EnumMap<>(FailureReason.class);
    private final Counter delayed;
    private final FailureThrottle throttle;
    private final LongSupplier clockMillis;
    private final Object logLock = new Object();
    private long logMinuteStart;
    private int logLines;
    private int logSuppressed;

    AuthenticationFailures(MeterRegistry meters, LongSupplier clockMillis) {
        this.clockMillis = clockMillis;
        this.throttle = new FailureThrottle(clockMillis);
        for (FailureReason reason : FailureReason.values()) {
            counters.put(reason, Counter.builder(METRIC).tag("reason", reason.tag())
                    .description("Requests refused with 401 UNAUTHENTICATED, by reason").register(meters));
        }
        this.delayed = Counter.builder(DELAYED_METRIC)
                .description("401 answers held back because their client address kept failing to authenticate").register(meters);
    }

    /** Records a failure; returns how long its {@code 401} should wait ({@link Duration#ZERO}: answer now). */
    Duration failed(Failure failure) {
        counters.get(failure.reason()).increment();
        if (failure.reason() == FailureReason.MISSING) {
            return Duration.ZERO;
        }
        if (failure.reason() == FailureReason.UNAVAILABLE) {
            log(true, "a token from {} could not be checked: {}", failure.address(), failure.detail());
            return Duration.ZERO;
        }
        FailureThrottle.Strike strike = throttle.failed(failure.address());
        if (strike.firstOfWindow()) {
            log(false, "authentication failed from {}: {} ({}) on {} {}{}", failure.address(), failure.reason().tag(),
                    failure.detail(), failure.method(), failure.path(), strike.failuresInPreviousWindow() > 1
                            ? "; " + strike.failuresInPreviousWindow() + " failures from it in its previous minute" : "");
        } else if (strike.firstDelayed()) {
            log(true, "{} failed authentications from {} within {} s (last: {}); its further 401s are delayed, up to {} s",
                    strike.failuresInWindow(), failure.address(), FailureThrottle.WINDOW.toSeconds(), failure.reason().tag(),
                    FailureThrottle.MAX_DELAY.toSeconds());
        }
        if (!strike.delay().isZero()) {
            delayed.increment();
        }
        return strike.delay();
    }

    private void log(boolean warn, String format, Object... arguments) {
        int suppressed;
        synchronized (logLock) {
            long now = clockMillis.getAsLong();
            if (now - logMinuteStart >= 60_000) {
                suppressed = logSuppressed;
                logMinuteStart = now;
                logLines = 0;
                logSuppressed = 0;
            } else {
                suppressed = 0;
            }
            if (++logLines > MAX_LOG_LINES_PER_MINUTE) {
                logSuppressed++;
                return;
            }
        }
        if (suppressed > 0) {
            LOG.warn("{} further lines about failed authentications were left out of the log in the previous minute", suppressed);
        }
        if (warn) {
            LOG.warn(format, arguments);
        } else {
            LOG.info(format, arguments);
        }
    }
}
