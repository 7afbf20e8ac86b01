package io.runnel.security.web;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Slows down clients that keep failing to authenticate, per client address:
 * <ul>
 *   <li>an address's failures are counted in a window of {@link #WINDOW} from its first failure; the next
 *       failure after the window starts a new one;</li>
 *   <li>the first {@value #FREE_FAILURES} failures of a window are answered at once; the 6th waits
 *       {@link #FIRST_DELAY}, and each further one twice as long as the one before, up to {@link #MAX_DELAY}
 *       (0.5 s, 1 s, 2 s, then 4 s for every failure until the window ends);</li>
 *   <li>at most {@value #MAX_ADDRESSES} addresses are remembered; when one more fails, the address whose last
 *       failure is the oldest is forgotten, so a flood from many addresses costs bounded memory (and at worst
 *       lets an address start again at zero).</li>
 * </ul>
 * Only failures are recorded; a successful request neither reads nor resets the table. The delay is a
 * number: the caller answers late without holding a thread.
 *
 * <p>Thread-safe: one lock around the table, taken only by failed authentications.
 */
final class FailureThrottle {
    static final Duration WINDOW = Duration.ofMinutes(1);
    static final int FREE_FAILURES = 5;
    static final Duration FIRST_DELAY = Duration.ofMillis(500);
    static final Duration MAX_DELAY = Duration.ofSeconds(4);
    static final int MAX_ADDRESSES = 10_000;

    /** One failure as the table saw it: its number in the address's window, how long to wait, and the window before. */
    record Strike(int failuresInWindow, Duration delay, int failuresInPreviousWindow) {
        boolean firstOfWindow() {
            return failuresInWindow == 1;
        }

        boolean firstDelayed() {
            return failuresInWindow == FREE_FAILURES + 1;
        }
    }

    /** Mutable, guarded by the table's lock. */
    private static final class Window {
        long startMillis;
        int failures;
    }

    private final LongSupplier clockMillis;
    private final int maxAddresses;
    private final LinkedHashMap<String, Window> windows;

    FailureThrottle(LongSupplier clockMillis) {
        this(clockMillis, MAX_ADDRESSES);
    }

    FailureThrottle(LongSupplier clockMillis, int maxAddresses) {
        this.clockMillis = clockMillis;
        this.maxAddresses = maxAddresses;
        this.windows = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
                return size() > FailureThrottle.this.maxAddresses;
            }
        };
    }

    /** Records a failed authentication from {@code address}. */
    Strike failed(String address) {
        long now = clockMillis.getAsLong();
        int previous = 0;
        int failures;
        synchronized (windows) {
            Window window = windows.computeIfAbsent(address, a -> new Window());
            if (window.failures > 0 && now - window.startMillis >= WINDOW.toMillis()) {
                previous = window.failures;
                window.failures = 0;
            }
            if (window.failures == 0) {
                window.startMillis = now;
            }
            failures = ++window.failures;
        }
        return new Strike(failures, delayOf(failures), previous);
    }

    static Duration delayOf(int failuresInWindow) {
        if (failuresInWindow <= FREE_FAILURES) {
            return Duration.ZERO;
        }
        int doublings = Math.min(failuresInWindow - FREE_FAILURES - 1, 16);
        Duration delay = FIRST_DELAY.multipliedBy(1L << doublings);
        return delay.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : delay;
    }

    /** How many addresses are remembered. */
    int addresses() {
        synchronized (windows) {
            return windows.size();
        }
    }
}
