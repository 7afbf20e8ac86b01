package io.runnel.produce;

import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads a produce body, {@code {"records":[{"key":…,"value":…,"headers":{…},"partition":n,"timestamp":…}]}},
 * with Jackson's streaming parser, copying each key, value and headers object as the client's
 * bytes (never parsed into objects and printed again, so no number or string changes). Only
 * insignificant whitespace is dropped, which keeps every stored value on one line (SSE needs that).
 *
 * <p>Everything is checked before anything is written: malformed JSON or a wrong shape is
 * {@code 400}, nesting beyond the limit {@code 400 NESTING_TOO_DEEP}, a semantically bad record
 * {@code 422 INVALID_RECORD}, an oversized one {@code 413 RECORD_TOO_LARGE}. Thread-safe.
 */
final class ProduceRequestParser {
    private final JsonFactory factory;

    ProduceRequestParser(int maxNestingDepth) {
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxNestingDepth).build())
                .build();
    }

    /** Parses {@code body}; each record's key+value+headers must fit in {@code maxRecordBytes}. */
    List<ProducedRecord> parse(byte[] body, int maxRecordBytes) {
        try (JsonParser p = factory.createParser(ObjectReadContext.empty(), body)) {
            expect(p.nextToken() == JsonToken.START_OBJECT, "the body must be a JSON object with a 'records' array");
            List<ProducedRecord> records = null;
            String name;
            while ((name = p.nextName()) != null) {
                if (name.equals("records")) {
                    expect(p.nextToken() == JsonToken.START_ARRAY, "'records' must be an array");
                    records = new ArrayList<>();
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        records.add(parseRecord(p, body, records.size(), maxRecordBytes));
                    }
                } else {
                    throw new RunnelException(ErrorCode.INVALID_REQUEST, "unknown member '" + name + "'; the body holds 'records'");
                }
            }
            expect(p.nextToken() == null, "trailing content after the body's object");
            expect(records != null, "the body must have a 'records' array");
            expect(!records.isEmpty(), "'records' must hold at least one record");
            return records;
        } catch (StreamConstraintsException e) {
            throw new RunnelException(ErrorCode.NESTING_TOO_DEEP, firstLine(e.getOriginalMessage()));
        } catch (JacksonException e) {
            throw new RunnelException(ErrorCode.MALFORMED_JSON, "the body is not valid JSON: " + firstLine(e.getOriginalMessage()));
        }
    }

    private ProducedRecord parseRecord(JsonParser p, byte[] body, int index, int maxRecordBytes) {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw invalid(index, "each record must be a JSON object");
        }
        int partition = -1;
        byte[] key = null;
        byte[] keyHash = null;
        byte[] value = null;
        boolean hasValue = false;
        byte[] headers = null;
        long timestamp = -1;
        String name;
        while ((name = p.nextName()) != null) {
            JsonToken token = p.nextToken();
            switch (name) {
                case "key" -> {
                    if (token == JsonToken.VALUE_STRING) {
                        keyHash = p.getString().getBytes(StandardCharsets.UTF_8);
                        key = copyValue(p, body);
                    } else if (token != JsonToken.VALUE_NULL) {
                        key = compact(copyValue(p, body));
                        keyHash = key;
                    }
                }
                case "value" -> {
                    hasValue = true;
                    value = token == JsonToken.VALUE_NULL ? null : compact(copyValue(p, body));
                }
                case "headers" -> headers = token == JsonToken.VALUE_NULL ? null : parseHeaders(p, body, index);
                case "partition" -> partition = parsePartition(p, token, index);
                case "timestamp" -> timestamp = parseTimestamp(p, token, index);
                default -> throw new RunnelException(ErrorCode.INVALID_REQUEST, "record " + index + " has an unknown member '" + name
                        + "'; records hold key, value, headers, partition and timestamp").with("record", index);
            }
        }
        if (!hasValue) {
            throw invalid(index, "record " + index + " has no 'value' (send null for a tombstone)");
        }
        ProducedRecord record = new ProducedRecord(partition, key, keyHash, value, headers, timestamp);
        if (record.sizeInBytes() > maxRecordBytes) {
            throw new RunnelException(ErrorCode.RECORD_TOO_LARGE, "record " + index + " is " + record.sizeInBytes()
                    + " bytes; the topic's max.message.bytes is " + maxRecordBytes)
                    .with("record", index).with("maxRecordBytes", maxRecordBytes);
        }
        return record;
    }

    /** The current value's bytes, from its first token to the end of its last. */
    private static byte[] copyValue(JsonParser p, byte[] body) {
        int start = (int) p.currentTokenLocation().getByteOffset();
        if (p.currentToken().isStructStart()) {
            p.skipChildren();
        } else {
            p.finishToken();
        }
        int end = (int) p.currentLocation().getByteOffset();
        return Arrays.copyOfRange(body, start, end);
    }

    private static byte[] parseHeaders(JsonParser p, byte[] body, int index) {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw invalid(index, "record " + index + " 'headers' must be an object of strings");
        }
        int start = (int) p.currentTokenLocation().getByteOffset();
        while (p.nextName() != null) {
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw invalid(index, "record " + index + " header '" + p.currentName() + "' must be a string");
            }
            p.finishToken();
        }
        int end = (int) p.currentLocation().getByteOffset();
        return compact(Arrays.copyOfRange(body, start, end));
    }

    private static int parsePartition(JsonParser p, JsonToken token, int index) {
        if (token != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT || p.getIntValue() < 0) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "record " + index + " 'partition' must be a whole number from 0 to "
                    + Integer.MAX_VALUE).with("record", index);
        }
        return p.getIntValue();
    }

    private static long parseTimestamp(JsonParser p, JsonToken token, int index) {
        if (token == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER && p.getLongValue() >= 0) {
            return p.getLongValue();
        }
        if (token == JsonToken.VALUE_STRING) {
            String text = p.getString();
            try {
                return Instant.parse(text).toEpochMilli();
            } catch (DateTimeParseException e) {
                try {
                    return OffsetDateTime.parse(text).toInstant().toEpochMilli();
                } catch (DateTimeParseException e2) {
                    // fall through to the error below
                }
            }
        }
        throw new RunnelException(ErrorCode.INVALID_REQUEST, "record " + index
                + " 'timestamp' must be ISO-8601 (2026-11-28T03:00:00.000Z) or non-negative epoch milliseconds").with("record", index);
    }

    /** Removes insignificant whitespace from JSON text, leaving strings untouched. */
    static byte[] compact(byte[] json) {
        byte[] out = new byte[json.length];
        int n = 0;
        boolean inString = false;
        for (int i = 0; i < json.length; i++) {
            byte b = json[i];
            if (inString) {
                out[n++] = b;
                if (b == '\\') {
                    out[n++] = json[++i];
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
                out[n++] = b;
            } else if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                out[n++] = b;
            }
        }
        return n == json.length ? json : Arrays.copyOf(out, n);
    }

    private static void expect(boolean condition, String detail) {
        if (!condition) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, detail);
        }
    }

    private static RunnelException invalid(int index, String detail) {
        return new RunnelException(ErrorCode.INVALID_RECORD, detail).with("record", index);
    }

    private static String firstLine(String message) {
        String m = String.valueOf(message);
        int newline = m.indexOf('\n');
        return newline > 0 ? m.substring(0, newline) : m;
    }
}
