package io.runnel.consume;

import io.runnel.api.RawJsonWriter;
import io.runnel.api.WriteOnlyJsonConverter;
import io.runnel.log.RecordBatch;
import java.io.IOException;
import java.io.OutputStream;
import org.springframework.http.HttpOutputMessage;

/**
 * Writes a {@link FetchResponse} as JSON by copying each stored key, value and headers object's
 * bytes into the output: no record is parsed or re-printed, so values come back exactly as
 * written. Topic names need no escaping (their alphabet is {@code [a-zA-Z0-9._-]}).
 *
 * <pre>{"topic":"t","partition":0,"records":[{"offset":5,"timestamp":"…","key":…,"value":…,"headers":{…}}],
 *  "nextOffset":6,"highWatermark":9,"logStartOffset":0}</pre>
 */
final class FetchResponseWriter extends WriteOnlyJsonConverter<FetchResponse> {
    FetchResponseWriter() {
        super(FetchResponse.class);
    }

    @Override
    protected void writeInternal(FetchResponse response, HttpOutputMessage output) throws IOException {
        long[] written = write(response, output.getBody());
        if (response.meters() != null) {
            response.meters().recordsOut().increment(written[0]);
            response.meters().bytesOut().increment(written[1]);
        }
    }

    /** Writes the response; returns the records and key/value/header bytes written, for metrics. */
    static long[] write(FetchResponse response, OutputStream out) throws IOException {
        RawJsonWriter json = new RawJsonWriter(out);
        json.ascii("{\"topic\":\"").ascii(response.topic()).ascii("\",\"partition\":").number(response.partition())
                .ascii(",\"records\":[");
        long[] next = {response.fromOffset()};
        long[] written = {0, 0};
        for (RecordBatch batch : response.batches()) {
            if (written[0] >= response.limit()) {
                break;
            }
            batch.forEachRecord(response.fromOffset(), (offset, timestamp, key, value, headers) -> {
                if (written[0] > 0) {
                    json.ascii(",");
                }
                json.record(null, 0, offset, timestamp, key, value, headers);
                next[0] = offset + 1;
                written[0]++;
                written[1] += RawJsonWriter.size(key) + RawJsonWriter.size(value) + RawJsonWriter.size(headers);
                return written[0] < response.limit();
            });
        }
        json.ascii("],\"nextOffset\":").number(next[0]).ascii(",\"highWatermark\":").number(response.highWatermark())
                .ascii(",\"logStartOffset\":").number(response.logStartOffset()).ascii("}");
        json.flush();
        return written;
    }
}
