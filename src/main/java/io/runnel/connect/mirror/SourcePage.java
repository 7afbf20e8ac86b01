package io.runnel.connect.mirror;

import io.runnel.connect.FetchedPage;
import io.runnel.expr.RecordInput;
import io.runnel.expr.RecordTransform;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import tools.jackson.core.io.JsonStringEncoder;
import tools.jackson.databind.json.JsonMapper;

/**
 * One answer of {@code GET /topics/{t}/partitions/{p}/records}, read without re-printing any key or value: each
 * record keeps the exact bytes of its key and value as the source sent them (so no number loses precision and no
 * string changes), its headers, and its timestamp text. {@link #produceBody} makes the body of the produce request
 * that copies the page: the same records with the mirror's headers ({@link MirrorHeaders}), minus those that would
 * loop. An immutable value (the byte arrays are never changed after parsing).
 */
record SourcePage(List<Record> records, long nextOffset, long highWatermark, long logStartOffset) {

    /** One source record. {@code key} and {@code value} are raw JSON text. */
    record Record(long offset, String timestamp, byte[] key, byte[] value, Map<String, String> headers) {
        int size() {
            return key.length + value.length;
        }
    }

    private static final byte[] NULL = FetchedPage.NULL;

    static SourcePage parse(JsonMapper json, byte[] body) {
        FetchedPage page = FetchedPage.parse(json, body);
        List<Record> records = new ArrayList<>(page.records().size());
        for (FetchedPage.Fetched r : page.records()) {
            records.add(new Record(r.offset(), r.timestamp(), r.key(), r.value(), r.headers()));
        }
        return new SourcePage(List.copyOf(records), page.nextOffset(), page.highWatermark(), page.logStartOffset());
    }

    /**
     * The records {@code transform} keeps, in order, with their mapped keys and values (raw JSON text again;
     * {@code null} for a null key or value); headers, offsets and timestamps unchanged. Deterministic: the same
     * records give the same result, which the copy's idempotency key relies on.
     *
     * @throws io.runnel.expr.EvaluationException when the transform fails on a record (naming the expression)
     */
    static List<Record> transform(List<Record> records, RecordTransform transform, int partition) {
        if (transform.isIdentity()) {
            return records;
        }
        List<Record> kept = new ArrayList<>(records.size());
        for (Record r : records) {
            long timestamp = r.timestamp() == null ? 0 : Instant.parse(r.timestamp()).toEpochMilli();
            RecordInput input = new RecordInput(nullable(r.key()), nullable(r.value()), r.headers(), timestamp, partition, r.offset());
            transform.apply(input).output().ifPresent(out -> kept.add(new Record(r.offset(), r.timestamp(),
                    out.key() == null ? NULL : out.key(), out.value() == null ? NULL : out.value(), r.headers())));
        }
        return kept;
    }

    private static byte[] nullable(byte[] json) {
        return Arrays.equals(json, NULL) ? null : json;
    }


    /**
     * The produce body copying {@code records}: {@code {"records":[{"key":…,"value":…,"headers":{…},"timestamp":"…"}]}}.
     * Deterministic: the same records always give the same bytes.
     */
    static byte[] produceBody(List<Record> records, String alias, String sourceClusterId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(records.stream().mapToInt(Record::size).sum() + records.size() * 160 + 16);
        out.writeBytes(ascii("{\"records\":["));
        for (int i = 0; i < records.size(); i++) {
            Record r = records.get(i);
            out.writeBytes(ascii(i == 0 ? "{\"key\":" : ",{\"key\":"));
            out.writeBytes(r.key());
            out.writeBytes(ascii(",\"value\":"));
            out.writeBytes(r.value());
            out.writeBytes(ascii(",\"headers\":{"));
            boolean first = true;
            for (Map.Entry<String, String> h : MirrorHeaders.forCopy(r.headers(), alias, r.offset(), sourceClusterId).entrySet()) {
                if (!first) {
                    out.write(',');
                }
                first = false;
                string(out, h.getKey());
                out.write(':');
                string(out, h.getValue());
            }
            out.write('}');
            if (r.timestamp() != null) {
                out.writeBytes(ascii(",\"timestamp\":"));
                string(out, r.timestamp());
            }
            out.write('}');
        }
        out.writeBytes(ascii("]}"));
        return out.toByteArray();
    }

    private static void string(ByteArrayOutputStream out, String s) {
        out.write('"');
        out.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(s));
        out.write('"');
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
