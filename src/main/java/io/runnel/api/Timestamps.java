package io.runnel.api;

import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Formats epoch millis as ISO-8601 UTC with milliseconds, the API's one timestamp form. */
public final class Timestamps {
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private Timestamps() {
    }

    public static String format(long epochMillis) {
        return FORMAT.format(Instant.ofEpochMilli(epochMillis));
    }

    /**
     * Parses a request timestamp: epoch millis (non-negative) or ISO-8601 with an offset
     * ({@code 2026-11-28T03:00:00.000Z}); anything else is {@code 400 INVALID_PARAMETER} naming {@code parameter}.
     */
    public static long parse(String text, String parameter) {
        try {
            long millis = Long.parseLong(text);
            if (millis >= 0) {
                return millis;
            }
        } catch (NumberFormatException e) {
            try {
                return java.time.OffsetDateTime.parse(text).toInstant().toEpochMilli();
            } catch (java.time.format.DateTimeParseException e2) {
                // fall through
            }
        }
        throw new RunnelException(ErrorCode.INVALID_PARAMETER,
                "'" + parameter + "' must be ISO-8601 (2026-11-28T03:00:00.000Z) or non-negative epoch milliseconds")
                .with("parameter", parameter);
    }
}
