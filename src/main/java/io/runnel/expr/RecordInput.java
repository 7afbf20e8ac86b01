package io.runnel.expr;

import java.util.Map;

/**
 * One record as expressions see it. {@code key} and {@code value} are the record's JSON text exactly
 * as stored ({@code null} for a null key or value); they are parsed only if an expression reads them.
 * In CEL the record is the variables {@code key} and {@code value} (dyn: JSON as maps, lists, strings,
 * numbers, bools and null), {@code headers} ({@code map(string, string)}), {@code timestamp} (epoch
 * milliseconds), {@code partition} and {@code offset} (all {@code int}).
 *
 * <p>The arrays are not copied; callers must not change them while a transform runs.
 *
 * @param key       the key's JSON text, or null
 * @param value     the value's JSON text, or null
 * @param headers   the headers (null is taken as none)
 * @param timestamp the record's timestamp, epoch milliseconds
 * @param partition the partition it was read from
 * @param offset    its offset there
 */
public record RecordInput(byte[] key, byte[] value, Map<String, String> headers, long timestamp, int partition, long offset) {
    public RecordInput {
        headers = headers == null ? Map.of() : headers;
    }
}
