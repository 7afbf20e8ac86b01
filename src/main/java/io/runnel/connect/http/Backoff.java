package io.runnel.connect.http;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * The wait before the next attempt of a batch: exponential ({@code base × 2^(failed attempts − 1)},
 * at most {@code max}) with "equal jitter" — a uniformly random point in the upper half of that
 * delay, so many tasks failing together spread out but none retries sooner than half the nominal
 * delay. A receiver's {@code Retry-After} (delay-seconds or an HTTP-date) replaces it, bounded by
 * {@link #RETRY_AFTER_CAP}. Immutable and thread-safe.
 */
final class Backoff {
    /** The longest Retry-After honoured: a receiver cannot park a partition for longer than this per attempt. */
    static final Duration RETRY_AFTER_CAP = Duration.ofHours(1);
    private final Duration base;
    private final Duration max;
    private final DoubleSupplier random;
    private final Clock clock;

    /** @param random uniform in [0, 1) */
    Backoff(Duration base, Duration max, DoubleSupplier random, Clock clock) {
        this.base = base;
        this.max = max;
        this.random = random;
        this.clock = clock;
    }

    /**
     * @param failedAttempts attempts made so far, at least 1
     * @param retryAfter     the failed answer's {@code Retry-After} header, if any
     */
    Duration delay(int failedAttempts, Optional<String> retryAfter) {
        Optional<Duration> asked = retryAfter.flatMap(this::parseRetryAfter);
        if (asked.isPresent()) {
            return asked.get().compareTo(RETRY_AFTER_CAP) > 0 ? RETRY_AFTER_CAP : asked.get();
        }
        long nominal = nominalMillis(failedAttempts);
        long half = nominal / 2;
        return Duration.ofMillis(nominal - half + (long) (random.getAsDouble() * (half + 1)));
    }

    /** The delay before jitter: {@code base × 2^(failedAttempts − 1)}, at most {@code max}. */
    long nominalMillis(int failedAttempts) {
        int doublings = Math.min(Math.max(failedAttempts - 1, 0), 40);
        long nominal = base.toMillis() << doublings;
        return nominal <= 0 || nominal > max.toMillis() ? max.toMillis() : nominal;
    }

    /** {@code Retry-After} as a wait from now: seconds, or an HTTP-date (a past date means no wait). */
    Optional<Duration> parseRetryAfter(String value) {
        String v = value.trim();
        if (v.matches("\\d{1,10}")) {
            return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
        }
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration wait = Duration.between(clock.instant(), at);
            return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
