package io.runnel.security.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-address slow-down: free failures, the growing and capped delay, the window, the bounded table. */
class FailureThrottleTest {
    final AtomicLong now = new AtomicLong(1_000_000);
    final FailureThrottle throttle = new FailureThrottle(now::get);

    @Test
    void fiveFailuresAreFreeThenTheDelayDoublesUpToItsCap() {
        for (int i = 1; i <= 5; i++) {
            assertThat(throttle.failed("10.0.0.1").delay()).isZero();
        }
        assertThat(throttle.failed("10.0.0.1").delay()).isEqualTo(Duration.ofMillis(500));
        assertThat(throttle.failed("10.0.0.1").delay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(throttle.failed("10.0.0.1").delay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(throttle.failed("10.0.0.1").delay()).isEqualTo(Duration.ofSeconds(4));
        for (int i = 0; i < 100; i++) {
            assertThat(throttle.failed("10.0.0.1").delay()).isEqualTo(FailureThrottle.MAX_DELAY);
        }
    }

    @Test
    void addressesAreCountedApart() {
        for (int i = 1; i <= 6; i++) {
            throttle.failed("10.0.0.1");
        }
        assertThat(throttle.failed("10.0.0.2").delay()).isZero();
        assertThat(throttle.failed("10.0.0.1").delay()).isPositive();
    }

    @Test
    void aNewWindowStartsAMinuteAfterTheFirstFailureAndRemembersThePrevious() {
        for (int i = 1; i <= 8; i++) {
            throttle.failed("10.0.0.1");
        }
        now.addAndGet(FailureThrottle.WINDOW.toMillis() - 1);
        assertThat(throttle.failed("10.0.0.1").failuresInWindow()).isEqualTo(9);
        now.addAndGet(1);
        FailureThrottle.Strike strike = throttle.failed("10.0.0.1");
        assertThat(strike.failuresInWindow()).isEqualTo(1);
        assertThat(strike.firstOfWindow()).isTrue();
        assertThat(strike.failuresInPreviousWindow()).isEqualTo(9);
        assertThat(strike.delay()).isZero();
    }

    @Test
    void theTableForgetsTheAddressThatFailedLongestAgo() {
        FailureThrottle small = new FailureThrottle(now::get, 3);
        for (int i = 1; i <= 6; i++) {
            small.failed("a");
        }
        small.failed("b");
        small.failed("c");
        small.failed("a"); // a failed most recently: b is the eldest
        small.failed("d");
        assertThat(small.addresses()).isEqualTo(3);
        assertThat(small.failed("a").failuresInWindow()).isEqualTo(8);
        assertThat(small.failed("b").failuresInWindow()).isEqualTo(1);
    }

    @Test
    void aFloodFromManyAddressesStaysWithinTheBound() {
        for (int i = 0; i < FailureThrottle.MAX_ADDRESSES + 5_000; i++) {
            throttle.failed("10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255));
        }
        assertThat(throttle.addresses()).isEqualTo(FailureThrottle.MAX_ADDRESSES);
    }
}
