package io.runnel.stream;

import io.runnel.connect.FetchedPage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * One answer of {@code GET /topics/{from}/partitions/{p}/records}, read without re-printing any key or value: each
 * record keeps the exact bytes of its key and value, so an output that does not map them carries them unchanged
 * (no number loses precision, no string is re-escaped). Immutable (the arrays are never changed after parsing).
 */
record InputPage(List<Input> records, long nextOffset, long highWatermark, long logStartOffset) {

    /**
     * One input record. {@code key} and {@code value} are raw JSON text ({@code null} as the 4 bytes {@code null});
     * {@code timestamp} is the text the server answered, {@code timestampMs} its epoch milliseconds.
     */
    record Input(long offset, String timestamp, long timestampMs, byte[] key, byte[] value, Map<String, String> headers) {
    }

    static final byte[] NULL = FetchedPage.NULL;

    static InputPage parse(JsonMapper json, byte[] body) {
        FetchedPage page = FetchedPage.parse(json, body);
        List<Input> records = new ArrayList<>(page.records().size());
        for (FetchedPage.Fetched r : page.records()) {
            records.add(new Input(r.offset(), r.timestamp(), r.timestampMs(), r.key(), r.value(), r.headers()));
        }
        return new InputPage(List.copyOf(records), page.nextOffset(), page.highWatermark(), page.logStartOffset());
    }
}
