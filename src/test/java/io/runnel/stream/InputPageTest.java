package io.runnel.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** A fetch answer read without re-printing keys and values, and timestamps read as {@link Instant#parse} would. */
class InputPageTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void keysAndValuesKeepTheirBytesAndTimestampsTheirInstant() {
        String[] stamps = {"2026-11-28T03:46:38.123Z", "2026-11-28T03:46:38.999Z", "2026-11-28T03:46:39.000Z", "1969-12-31T23:59:59.001Z",
                "2026-11-28T03:46:39Z"};
        StringBuilder b = new StringBuilder("{\"records\":[");
        for (int i = 0; i < stamps.length; i++) {
            b.append(i == 0 ? "" : ",").append("{\"offset\":").append(i).append(",\"timestamp\":\"").append(stamps[i])
                    .append("\",\"key\":null,\"value\":{\"n\":1.10, \"big\":12345678901234567890,\"s\":\"\\u00e9\"},\"headers\":{\"h\":\"v\"}}");
        }
        byte[] body = b.append("],\"nextOffset\":5,\"highWatermark\":9,\"logStartOffset\":2}").toString().getBytes(StandardCharsets.UTF_8);

        InputPage page = InputPage.parse(JSON, body);

        assertThat(page.nextOffset()).isEqualTo(5);
        assertThat(page.highWatermark()).isEqualTo(9);
        assertThat(page.logStartOffset()).isEqualTo(2);
        for (int i = 0; i < stamps.length; i++) {
            InputPage.Input r = page.records().get(i);
            assertThat(r.timestampMs()).as(stamps[i]).isEqualTo(Instant.parse(stamps[i]).toEpochMilli());
            assertThat(r.timestamp()).isEqualTo(stamps[i]);
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("null");
            assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":1.10, \"big\":12345678901234567890,\"s\":\"\\u00e9\"}");
            assertThat(r.headers()).containsEntry("h", "v");
        }
    }
}
