package io.runnel.group;

import io.runnel.api.RawJsonWriter;
import io.runnel.api.WriteOnlyJsonConverter;
import io.runnel.log.RecordBatch;
import io.runnel.topic.TopicPartition;
import java.io.IOException;
import org.springframework.http.HttpOutputMessage;

/**
 * Writes {@link MemberRecords} as
 * {@code {"generation":3,"assignment":[{"topic":"t","partition":0}],"records":[{"topic","partition","offset","timestamp","key","value","headers"}]}},
 * copying stored bytes as they are.
 */
final class MemberRecordsWriter extends WriteOnlyJsonConverter<MemberRecords> {
    MemberRecordsWriter() {
        super(MemberRecords.class);
    }

    @Override
    protected void writeInternal(MemberRecords response, HttpOutputMessage output) throws IOException {
        RawJsonWriter json = new RawJsonWriter(output.getBody());
        json.ascii("{\"generation\":").number(response.membership().generation()).ascii(",\"assignment\":[");
        boolean first = true;
        for (TopicPartition tp : response.membership().assignment()) {
            json.ascii(first ? "{\"topic\":\"" : ",{\"topic\":\"").ascii(tp.topic()).ascii("\",\"partition\":").number(tp.partition()).ascii("}");
            first = false;
        }
        json.ascii("],\"records\":[");
        boolean[] firstRecord = {true};
        for (MemberRecords.Slice slice : response.slices()) {
            for (RecordBatch batch : slice.batches()) {
                batch.forEachRecord(slice.from(), (offset, timestamp, key, value, headers) -> {
                    if (offset >= slice.until()) {
                        return false;
                    }
                    if (!firstRecord[0]) {
                        json.ascii(",");
                    }
                    firstRecord[0] = false;
                    json.record(slice.topic(), slice.partition(), offset, timestamp, key, value, headers);
                    return true;
                });
            }
        }
        json.ascii("]}");
        json.flush();
    }
}
