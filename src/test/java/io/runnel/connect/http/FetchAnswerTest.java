package io.runnel.connect.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import io.runnel.expr.RecordTransform;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class FetchAnswerTest {
    private static final String FETCHED = "{\"topic\":\"orders\",\"partition\":1,\"records\":["
            + "{\"offset\":50,\"timestamp\":\"2026-11-28T03:46:38.123Z\",\"key\":{\"id\":12345678901234567890123},"
            + "\"value\":{\"amount\":12.50,\"tiny\":1.000000000000000000000000001,\"e\":1E+400,\"s\":\"caf\\u00e9 \\\"q\\\"\",\"a\":[true,false,null]},"
            + "\"headers\":{\"source\":\"web\"}},"
            + "{\"offset\":51,\"timestamp\":\"2026-11-28T03:46:38.124Z\",\"key\":null,\"value\":-0.0,\"headers\":{}}],"
            + "\"nextOffset\":52,\"highWatermark\":57,\"logStartOffset\":0}";

    @Test
    void recordsAreCopiedIntoTheDeliveryShapeWithNumbersAsWritten() {
        FetchAnswer answer = FetchAnswer.parse(FETCHED.getBytes(StandardCharsets.UTF_8), "orders", 1, 50);
        assertThat(answer.count()).isEqualTo(2);
        assertThat(answer.firstOffset()).isEqualTo(50);
        assertThat(answer.nextOffset()).isEqualTo(52);
        assertThat(answer.highWatermark()).isEqualTo(57);
        Batch batch = Batch.of("orders", 1, List.of(answer));
        String body = new String(batch.body(), StandardCharsets.UTF_8);
        assertThat(body).isEqualTo("{\"records\":["
                + "{\"topic\":\"orders\",\"partition\":1,\"offset\":50,\"timestamp\":\"2026-11-28T03:46:38.123Z\","
                + "\"key\":{\"id\":12345678901234567890123},"
                + "\"value\":{\"amount\":12.50,\"tiny\":1.000000000000000000000000001,\"e\":1E+400,\"s\":\"café \\\"q\\\"\",\"a\":[true,false,null]},"
                + "\"headers\":{\"source\":\"web\"}},"
                + "{\"topic\":\"orders\",\"partition\":1,\"offset\":51,\"timestamp\":\"2026-11-28T03:46:38.124Z\",\"key\":null,\"value\":-0.0,\"headers\":{}}]}");
        assertThat(batch.firstOffset()).isEqualTo(50);
        assertThat(batch.nextOffset()).isEqualTo(52);
        assertThat(batch.webhookId()).isEqualTo("orders/1/50");
    }

    @Test
    void anEmptyAnswerHasNoRecordsAndKeepsItsNextOffset() {
        FetchAnswer answer = FetchAnswer.parse(("{\"topic\":\"t\",\"partition\":0,\"records\":[],\"nextOffset\":9,"
                + "\"highWatermark\":9,\"logStartOffset\":0}").getBytes(StandardCharsets.UTF_8), "t", 0, 9);
        assertThat(answer.count()).isZero();
        assertThat(answer.nextOffset()).isEqualTo(9);
        assertThat(answer.records()).isEmpty();
    }

    @Test
    void batchesOfSeveralAnswersJoinTheirRecords() {
        FetchAnswer first = FetchAnswer.parse(FETCHED.getBytes(StandardCharsets.UTF_8), "orders", 1, 50);
        FetchAnswer second = FetchAnswer.parse(("{\"records\":[{\"offset\":52,\"timestamp\":\"2026-11-28T03:46:39.000Z\",\"key\":\"k\","
                + "\"value\":3,\"headers\":{}}],\"nextOffset\":53,\"highWatermark\":57}").getBytes(StandardCharsets.UTF_8), "orders", 1, 52);
        Batch batch = Batch.of("orders", 1, List.of(first, second));
        JsonNode records = FetchAnswer.JSON.readTree(batch.body()).path("records");
        assertThat(records.size()).isEqualTo(3);
        assertThat(records.get(2).path("offset").asLong()).isEqualTo(52);
        assertThat(batch.count()).isEqualTo(3);
        assertThat(batch.nextOffset()).isEqualTo(53);
    }

    @Test
    void aBatchSplitsIntoHalvesThatTogetherHoldItsRecords() {
        Batch batch = Batch.of("orders", 1, List.of(FetchAnswer.parse(FETCHED.getBytes(StandardCharsets.UTF_8), "orders", 1, 50)));
        List<Batch> halves = batch.halves();
        assertThat(halves.get(0)).extracting(Batch::firstOffset, Batch::nextOffset, Batch::count).containsExactly(50L, 51L, 1);
        assertThat(halves.get(1)).extracting(Batch::firstOffset, Batch::nextOffset, Batch::count).containsExactly(51L, 52L, 1);
        String body = new String(batch.body(), StandardCharsets.UTF_8);
        String first = new String(halves.get(0).body(), StandardCharsets.UTF_8);
        String second = new String(halves.get(1).body(), StandardCharsets.UTF_8);
        assertThat(first.substring(0, first.length() - 2) + "," + second.substring("{\"records\":[".length())).isEqualTo(body);
    }

    @Test
    void deadLettersKeepKeyValueTimestampAndHeadersAndSayWhy() {
        Batch batch = Batch.of("orders", 1, List.of(FetchAnswer.parse(FETCHED.getBytes(StandardCharsets.UTF_8), "orders", 1, 50)));
        String body = new String(DeadLetters.produceBody(batch, new DeadLetters.Failure("hook", 400, 1, "HTTP 400: bad")),
                StandardCharsets.UTF_8);
        assertThat(body).startsWith("{\"records\":[{\"timestamp\":\"2026-11-28T03:46:38.123Z\",\"key\":{\"id\":12345678901234567890123},"
                + "\"value\":{\"amount\":12.50,\"tiny\":1.000000000000000000000000001,");
        JsonNode records = FetchAnswer.JSON.readTree(body).path("records");
        assertThat(records.get(0).path("headers").path("source").asString()).isEqualTo("web");
        assertThat(records.get(0).path("headers").path("runnel.dlq.offset").asString()).isEqualTo("50");
        assertThat(records.get(1).path("headers").path("runnel.dlq.offset").asString()).isEqualTo("51");
        assertThat(records.get(1).path("headers").path("runnel.dlq.status").asString()).isEqualTo("400");
        assertThat(records.get(1).path("headers").path("runnel.dlq.attempts").asString()).isEqualTo("1");
        assertThat(records.get(1).path("headers").path("runnel.dlq.error").asString()).isEqualTo("HTTP 400: bad");
        assertThat(records.get(1).path("headers").path("runnel.dlq.topic").asString()).isEqualTo("orders");
        assertThat(records.get(1).path("headers").path("runnel.dlq.partition").asString()).isEqualTo("1");
        assertThat(records.get(1).path("headers").path("runnel.dlq.connector").asString()).isEqualTo("hook");
        assertThat(records.get(1).has("offset")).isFalse();
        assertThat(records.get(1).has("topic")).isFalse();
    }

    @Test
    void aTransformDropsAndMapsRecordsWhileTheirOffsetsStayCovered() {
        RecordTransform transform = RecordTransform.compile("type(value) == map && value.amount > 1 && headers['source'] == 'web'",
                "key.id", "{'amount': value.amount, 'at': timestamp, 'p': partition, 'o': offset}");
        FetchAnswer answer = FetchAnswer.parse(FETCHED.getBytes(StandardCharsets.UTF_8), "orders", 1, 50, transform);
        assertThat(answer.count()).isEqualTo(1);
        assertThat(answer.dropped()).isEqualTo(1);
        assertThat(answer.rejected()).isNull();
        assertThat(answer.firstOffset()).isEqualTo(50);
        assertThat(answer.nextOffset()).isEqualTo(52);
        Batch batch = Batch.of("orders", 1, List.of(answer));
        assertThat(new String(batch.body(), StandardCharsets.UTF_8)).isEqualTo("{\"records\":["
                + "{\"topic\":\"orders\",\"partition\":1,\"offset\":50,\"timestamp\":\"2026-11-28T03:46:38.123Z\","
                + "\"key\":12345678901234567890123,\"value\":{\"amount\":12.50,\"at\":1795837598123,\"p\":1,\"o\":50},"
                + "\"headers\":{\"source\":\"web\"}}]}");
    }

    @Test
    void aRecordWhoseTransformFailsEndsTheAnswerAndIsKeptUntransformed() {
        RecordTransform transform = RecordTransform.compile("value.amount > 1", null, null);
        FetchAnswer answer = FetchAnswer.parse(FETCHED.getBytes(StandardCharsets.UTF_8), "orders", 1, 50, transform);
        assertThat(answer.count()).isEqualTo(1);
        assertThat(answer.nextOffset()).isEqualTo(51);
        assertThat(answer.rejected().offset()).isEqualTo(51);
        assertThat(answer.rejected().error()).contains("'filter'");
        assertThat(answer.highWatermark()).isEqualTo(57);
        Batch rejected = Batch.rejected("orders", 1, answer.rejected());
        assertThat(rejected).extracting(Batch::firstOffset, Batch::nextOffset, Batch::count).containsExactly(51L, 52L, 1);
        assertThat(new String(rejected.body(), StandardCharsets.UTF_8)).isEqualTo("{\"records\":[{\"topic\":\"orders\",\"partition\":1,"
                + "\"offset\":51,\"timestamp\":\"2026-11-28T03:46:38.124Z\",\"key\":null,\"value\":-0.0,\"headers\":{}}]}");
    }
}
