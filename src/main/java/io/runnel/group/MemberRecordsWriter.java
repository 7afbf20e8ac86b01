package io.runnel.group;

import io.runnel.api.RawJsonWriter;
import io.runnel.log.RecordBatch;
import io.runnel.topic.TopicPartition;
import java.io.IOException;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.HttpOutputMessage;
import org.springframework.http.MediaType;
import org.springframework.http.converter.AbstractHttpMessageConverter;
import org.springframework.http.converter.HttpMessageNotReadableException;

/**
 * Writes {@link MemberRecords} as
 * {@code {"generation":3,"assignment":[{"topic":"t","partition":0}],"records":[{"topic","partition","offset","timestamp","key","value","headers"}]}},
 * copying stored bytes as they are.
 */
final class MemberRecordsWriter extends AbstractHttpMessageConverter<MemberRecords> {

    MemberRecordsWriter() {
        super(MediaType.APPLICATION_JSON);
    }

    @Override
    protected boolean supports(Class<?> clazz) {
        return MemberRecords.class.equals(clazz);
    }

    @Override
    protected boolean canRead(MediaType mediaType) {
        return false;
    }

    @Override
    protected MemberRecords readInternal(Class<? extends MemberRecords> clazz, HttpInputMessage input) {
        throw new HttpMessageNotReadableException("member records are write-only", input);
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
