package io.runnel.connect.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC);

    private static Backoff backoff(double random) {
        return new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), () -> random, NOW);
    }

    @Test
    void theNominalDelayDoublesPerAttemptUpToTheBound() {
        Backoff backoff = backoff(0);
        assertThat(backoff.nominalMillis(1)).isEqualTo(100);
        assertThat(backoff.nominalMillis(2)).isEqualTo(200);
        assertThat(backoff.nominalMillis(6)).isEqualTo(3200);
        assertThat(backoff.nominalMillis(7)).isEqualTo(5000);
        assertThat(backoff.nominalMillis(1000)).isEqualTo(5000);
    }

    @Test
    void jitterStaysInTheUpperHalfOfTheNominalDelay() {
        for (int attempt = 1; attempt <= 12; attempt++) {
            long nominal = backoff(0).nominalMillis(attempt);
            assertThat(backoff(0).delay(attempt, Optional.empty())).isEqualTo(Duration.ofMillis(nominal - nominal / 2));
            assertThat(backoff(0.999999).delay(attempt, Optional.empty())).isEqualTo(Duration.ofMillis(nominal));
            assertThat(backoff(0.5).delay(attempt, Optional.empty()).toMillis()).isBetween(nominal - nominal / 2, nominal);
        }
    }

    @Test
    void jitterSpreadsDelays() {
        java.util.Random random = new java.util.Random(42);
        Backoff backoff = new Backoff(Duration.ofMillis(1000), Duration.ofSeconds(5), random::nextDouble, NOW);
        assertThat(java.util.stream.IntStream.range(0, 50).mapToObj(i -> backoff.delay(1, Optional.empty())).distinct().count())
                .isGreaterThan(10);
    }

    @Test
    void retryAfterInSecondsReplacesTheBackoff() {
        assertThat(backoff(0).delay(1, Optional.of("1"))).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff(0).delay(9, Optional.of(" 0 "))).isEqualTo(Duration.ZERO);
        assertThat(backoff(0).delay(1, Optional.of("120"))).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void retryAfterAsAnHttpDateIsAWaitUntilThen() {
        String inThirtySeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.parse("2026-12-07T10:00:30Z"));
        assertThat(backoff(0).delay(1, Optional.of(inThirtySeconds))).isEqualTo(Duration.ofSeconds(30));
        assertThat(backoff(0).delay(1, Optional.of("Mon, 07 Dec 2026 09:00:00 GMT"))).isEqualTo(Duration.ZERO);
    }

    @Test
    void anUnreadableOrHugeRetryAfterIsBounded() {
        assertThat(backoff(0).delay(2, Optional.of("soon"))).isEqualTo(Duration.ofMillis(100));
        assertThat(backoff(0).delay(1, Optional.of("9999999"))).isEqualTo(Backoff.RETRY_AFTER_CAP);
    }
}
