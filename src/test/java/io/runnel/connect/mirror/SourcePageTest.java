package io.runnel.connect.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.expr.EvaluationException;
import io.runnel.expr.RecordTransform;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class SourcePageTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String PAGE = "{\"topic\":\"orders\",\"partition\":1,\"records\":["
            + "{\"offset\":5,\"timestamp\":\"2026-11-28T03:00:00.000Z\",\"key\":\"k\\\"1\",\"value\":{\"amount\":12.50,\"big\":123456789012345678901234567890,\"s\":\"a,}\\\"]\"},\"headers\":{\"h\":\"v\"}},"
            + "{\"offset\":7,\"timestamp\":\"2026-11-28T03:00:01.000Z\",\"key\":null,\"value\":[1, 2.0e3,{\"x\":[]}],\"headers\":{}},"
            + "{\"offset\":8,\"timestamp\":\"2026-11-28T03:00:02.000Z\",\"key\":{\"id\":1},\"value\":null,"
            + "\"headers\":{\"runnel.mirror.clusters\":\"c-west\",\"runnel.mirror.offset\":\"40\"}}],"
            + "\"nextOffset\":9,\"highWatermark\":12,\"logStartOffset\":3}";

    @Test
    void keysAndValuesKeepTheirExactBytes() {
        SourcePage page = SourcePage.parse(JSON, PAGE.getBytes(StandardCharsets.UTF_8));
        assertThat(page.nextOffset()).isEqualTo(9);
        assertThat(page.highWatermark()).isEqualTo(12);
        assertThat(page.logStartOffset()).isEqualTo(3);
        assertThat(page.records()).extracting(SourcePage.Record::offset).containsExactly(5L, 7L, 8L);
        SourcePage.Record first = page.records().get(0);
        assertThat(new String(first.key(), StandardCharsets.UTF_8)).isEqualTo("\"k\\\"1\"");
        assertThat(new String(first.value(), StandardCharsets.UTF_8))
                .isEqualTo("{\"amount\":12.50,\"big\":123456789012345678901234567890,\"s\":\"a,}\\\"]\"}");
        assertThat(first.headers()).containsExactly(Map.entry("h", "v"));
        assertThat(new String(page.records().get(1).value(), StandardCharsets.UTF_8)).isEqualTo("[1, 2.0e3,{\"x\":[]}]");
        assertThat(new String(page.records().get(1).key(), StandardCharsets.UTF_8)).isEqualTo("null");
        assertThat(new String(page.records().get(2).value(), StandardCharsets.UTF_8)).isEqualTo("null");
    }

    @Test
    void theProduceBodyCopiesRecordsWithTheMirrorsHeadersAndIsDeterministic() {
        SourcePage page = SourcePage.parse(JSON, PAGE.getBytes(StandardCharsets.UTF_8));
        byte[] body = SourcePage.produceBody(page.records(), "east", "c-east");
        assertThat(SourcePage.produceBody(page.records(), "east", "c-east")).isEqualTo(body);
        String text = new String(body, StandardCharsets.UTF_8);
        assertThat(text).contains("\"value\":{\"amount\":12.50,\"big\":123456789012345678901234567890,");
        JsonNode records = JSON.readTree(body).get("records");
        assertThat(records).hasSize(3);
        JsonNode first = records.get(0);
        assertThat(first.get("key").asString()).isEqualTo("k\"1");
        assertThat(first.get("timestamp").asString()).isEqualTo("2026-11-28T03:00:00.000Z");
        assertThat(first.get("headers").properties()).extracting(Map.Entry::getKey)
                .containsExactly("h", MirrorHeaders.SOURCE, MirrorHeaders.OFFSET, MirrorHeaders.CLUSTERS);
        assertThat(first.get("headers").get(MirrorHeaders.OFFSET).asString()).isEqualTo("5");
        assertThat(first.get("headers").get(MirrorHeaders.CLUSTERS).asString()).isEqualTo("c-east");
        JsonNode third = records.get(2);
        assertThat(third.get("headers").get(MirrorHeaders.OFFSET).asString()).isEqualTo("8");
        assertThat(third.get("headers").get(MirrorHeaders.CLUSTERS).asString()).isEqualTo("c-west,c-east");
        assertThat(third.get("value").isNull()).isTrue();
    }

    @Test
    void anEmptyPageHasItsOffsets() {
        SourcePage page = SourcePage.parse(JSON, "{\"topic\":\"t\",\"partition\":0,\"records\":[],\"nextOffset\":4,\"highWatermark\":4,\"logStartOffset\":0}"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(page.records()).isEmpty();
        assertThat(page.nextOffset()).isEqualTo(4);
        assertThat(SourcePage.produceBody(List.of(), "a", "c")).asString(StandardCharsets.UTF_8).isEqualTo("{\"records\":[]}");
    }

    @Test
    void aTransformDropsAndMapsRecordsAndLeavesTheRestAsFetched() {
        SourcePage page = SourcePage.parse(JSON, PAGE.getBytes(StandardCharsets.UTF_8));
        RecordTransform transform = RecordTransform.compile("offset != 7", null, "type(value) == map ? value : {'was': value}");
        List<SourcePage.Record> kept = SourcePage.transform(page.records(), transform, 1);
        assertThat(kept).extracting(SourcePage.Record::offset).containsExactly(5L, 8L);
        assertThat(kept.get(0).value()).asString(StandardCharsets.UTF_8)
                .isEqualTo("{\"amount\":12.50,\"big\":123456789012345678901234567890,\"s\":\"a,}\\\"]\"}");
        assertThat(kept.get(0).key()).isSameAs(page.records().get(0).key());
        assertThat(kept.get(0).headers()).isEqualTo(page.records().get(0).headers());
        assertThat(kept.get(1).value()).asString(StandardCharsets.UTF_8).isEqualTo("{\"was\":null}");
        assertThat(SourcePage.transform(page.records(), RecordTransform.IDENTITY, 1)).isSameAs(page.records());
        RecordTransform failing = RecordTransform.compile("value.amount > 1", null, null);
        assertThatThrownBy(() -> SourcePage.transform(page.records(), failing, 1)).isInstanceOf(EvaluationException.class);
    }
}
