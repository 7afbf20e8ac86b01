package io.runnel.expr;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.error.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class RecordTransformTest {
    private static final Predicate<String> LEGAL = name -> name.matches("[a-zA-Z0-9._-]{1,249}");

    private static RecordInput record(String key, String value) {
        return new RecordInput(key == null ? null : key.getBytes(UTF_8), value == null ? null : value.getBytes(UTF_8),
                Map.of("source", "web"), 1_700_000_000_000L, 3, 42);
    }

    private static RecordTransform.Output output(RecordTransform t, RecordInput r) {
        RecordTransform.Result result = t.apply(r);
        assertThat(result.dropped()).isFalse();
        return result.output().orElseThrow();
    }

    private static String text(byte[] json) {
        return json == null ? null : new String(json, UTF_8);
    }

    @Test
    void filterKeepsOrDropsAndAKeptRecordIsTheInputBytes() {
        RecordTransform t = RecordTransform.compile("value.amount > 10 && headers['source'] == 'web'", null, null);
        RecordInput big = record("\"k\"", "{\"amount\": 12.50, \"id\": 12345678901234567890}");
        RecordTransform.Output out = output(t, big);
        assertThat(out.value()).isSameAs(big.value());
        assertThat(out.key()).isSameAs(big.key());
        assertThat(out.topic()).isNull();
        assertThat(t.apply(record("\"k\"", "{\"amount\": 3}")).dropped()).isTrue();
    }

    @Test
    void mappedValuesKeepTheOriginalTextOfWhatPassesThrough() {
        RecordTransform t = RecordTransform.compile(null, "value.id", "{'id': value.id, 'price': value.price, 'name': value.name,"
                + " 'tags': value.tags, 'n': value.n + 1, 'big': value.big, 'nothing': null}");
        RecordInput r = record(null, "{\"id\":12345678901234567890,\"price\":1.10,\"name\":\"caf\\u00e9\",\"tags\":[1, 2.50],"
                + "\"n\":41,\"big\":-0}");
        RecordTransform.Output out = output(t, r);
        assertThat(text(out.value())).isEqualTo("{\"id\":12345678901234567890,\"price\":1.10,\"name\":\"caf\\u00e9\","
                + "\"tags\":[1, 2.50],\"n\":42,\"big\":-0,\"nothing\":null}");
        assertThat(text(out.key())).isEqualTo("12345678901234567890");
    }

    @Test
    void aValueIsNotParsedWhenNoExpressionReadsIt() {
        RecordTransform t = RecordTransform.compile("key == 'a' && partition == 3 && offset == 42 && timestamp > 0", null, null);
        RecordInput notJson = record("\"a\"", "this is not json");
        assertThat(output(t, notJson).value()).isSameAs(notJson.value());
        RecordTransform readsValue = RecordTransform.compile("value.x == 1", null, null);
        assertThatThrownBy(() -> readsValue.apply(notJson)).isInstanceOf(EvaluationException.class)
                .hasMessageContaining("'filter'").hasMessageContaining("not JSON");
    }

    @Test
    void nullKeysAndValuesAreCelNull() {
        RecordTransform t = RecordTransform.compile("key == null", null, "value");
        RecordTransform.Output out = output(t, record(null, null));
        assertThat(out.value()).isNull();
        assertThat(t.apply(record("1", null)).dropped()).isTrue();
    }

    @Test
    void toIsALiteralTopicWhenLegalElseAnExpression() {
        assertThat(output(RecordTransform.compile(null, null, null, "orders.eu", LEGAL), record(null, "{}")).topic())
                .isEqualTo("orders.eu");
        RecordTransform routed = RecordTransform.compile(null, null, null, "'orders-' + value.region", LEGAL);
        assertThat(output(routed, record(null, "{\"region\":\"eu\"}")).topic()).isEqualTo("orders-eu");
        assertThatThrownBy(() -> routed.apply(record(null, "{\"region\":\"e u\"}"))).isInstanceOf(EvaluationException.class)
                .hasMessageContaining("'to'").hasMessageContaining("not a legal topic name");
        RecordTransform dynamic = RecordTransform.compile(null, null, null, "value['dest']", LEGAL);
        assertThat(output(dynamic, record(null, "{\"dest\":\"audit\"}")).topic()).isEqualTo("audit");
        assertThatThrownBy(() -> dynamic.apply(record(null, "{\"dest\":7}"))).isInstanceOf(EvaluationException.class)
                .hasMessageContaining("'to'").hasMessageContaining("not string");
    }

    @Test
    void aParseErrorIs422WithItsPosition() {
        assertThatThrownBy(() -> RecordTransform.compile("value.amount >\n  (1 +", null, null))
                .isInstanceOfSatisfying(ExpressionException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_EXPRESSION);
                    assertThat(e.code().status()).isEqualTo(422);
                    assertThat(e.field()).isEqualTo("filter");
                    assertThat(e.line()).isEqualTo(2);
                    assertThat(e.column()).isEqualTo(7);
                    assertThat(e.context()).containsEntry("field", "filter").containsEntry("line", 2).containsEntry("column", 7);
                });
    }

    @Test
    void aTypeErrorIs422WithItsPosition() {
        assertThatThrownBy(() -> RecordTransform.compile(null, null, "timestamp + 'x'"))
                .isInstanceOfSatisfying(ExpressionException.class, e -> {
                    assertThat(e.field()).isEqualTo("map.value");
                    assertThat(e.line()).isEqualTo(1);
                    assertThat(e.column()).isEqualTo(11);
                    assertThat(e.getMessage()).contains("no matching overload");
                });
        assertThatThrownBy(() -> RecordTransform.compile("offset", null, null))
                .isInstanceOfSatisfying(ExpressionException.class, e -> assertThat(e.field()).isEqualTo("filter"));
        assertThatThrownBy(() -> RecordTransform.compile(null, null, null, "1 + 2", LEGAL))
                .isInstanceOfSatisfying(ExpressionException.class, e -> assertThat(e.field()).isEqualTo("to"));
        assertThatThrownBy(() -> RecordTransform.compile("nosuch > 1", null, null))
                .isInstanceOfSatisfying(ExpressionException.class, e -> assertThat(e.getMessage()).contains("nosuch"));
    }

    @Test
    void runTimeErrorsNameTheField() {
        RecordTransform t = RecordTransform.compile("value.amount + 'x' == 'x'", null, null);
        assertThatThrownBy(() -> t.apply(record(null, "{\"amount\": 1}"))).isInstanceOf(EvaluationException.class)
                .hasMessageContaining("'filter'");
        assertThatThrownBy(() -> t.apply(record(null, "{}"))).isInstanceOf(EvaluationException.class)
                .hasMessageContaining("amount");
        RecordTransform notBool = RecordTransform.compile("value.flag", null, null);
        assertThatThrownBy(() -> notBool.apply(record(null, "{\"flag\":\"yes\"}"))).isInstanceOf(EvaluationException.class)
                .hasMessageContaining("not bool");
        RecordTransform bytes = RecordTransform.compile(null, null, "b'abc'");
        assertThatThrownBy(() -> bytes.apply(record(null, "{}"))).isInstanceOf(EvaluationException.class)
                .hasMessageContaining("'map.value'").hasMessageContaining("no JSON form");
    }

    @Test
    void anExpressionThatWouldRunForeverIsStopped() {
        StringBuilder list = new StringBuilder("[");
        for (int i = 0; i < 500; i++) {
            list.append(i == 0 ? "" : ",").append(i);
        }
        RecordInput r = record(null, "{\"l\":" + list + "]}");
        RecordTransform nested = RecordTransform.compile(
                "value.l.all(a, value.l.all(b, value.l.all(c, value.l.all(d, a + b + c + d >= 0))))", null, null);
        assertThatThrownBy(() -> nested.apply(r)).isInstanceOf(EvaluationException.class).hasMessageContaining("'filter'");
        RecordTransform growing = RecordTransform.compile(null, null,
                "value.l.map(a, value.l.map(b, value.l.map(c, string(a) + string(b) + string(c))))");
        assertThatThrownBy(() -> growing.apply(r)).isInstanceOf(EvaluationException.class).hasMessageContaining("'map.value'");
    }

    @Test
    void repeatingStringsOrListsInALoopIsStoppedWhileMappingABigListIsNot() {
        StringBuilder list = new StringBuilder("[");
        for (int i = 0; i < 5000; i++) {
            list.append(i == 0 ? "" : ",").append(i);
        }
        String s = "x".repeat(10_000);
        RecordInput r = record(null, "{\"l\":" + list + "],\"s\":\"" + s + "\"}");
        RecordTransform strings = RecordTransform.compile(null, null, "value.l.map(a, value.s + value.s)");
        assertThatThrownBy(() -> strings.apply(r)).isInstanceOf(EvaluationException.class).hasMessageContaining("made");
        RecordTransform lists = RecordTransform.compile(null, null, "value.l.map(a, value.l + value.l)");
        assertThatThrownBy(() -> lists.apply(r)).isInstanceOf(EvaluationException.class).hasMessageContaining("made");
        RecordTransform plain = RecordTransform.compile("value.l.all(a, a >= 0) && size(value.s) == 10000", null,
                "{'l': value.l.map(a, a * 2), 's': value.s}");
        assertThat(text(output(plain, r).value())).startsWith("{\"l\":[0,2,4,").endsWith(",9998],\"s\":\"" + s + "\"}");
    }

    @Test
    void oneTransformServesManyThreadsAtOnce() throws Exception {
        RecordTransform t = RecordTransform.compile("value.n % 3 != 0", null, "{'n': value.n, 'twice': value.n * 2, 'p': value.p}");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Boolean>> checks = new java.util.ArrayList<>();
            for (int thread = 0; thread < 4; thread++) {
                checks.add(pool.submit(() -> {
                    for (int n = 0; n < 2000; n++) {
                        RecordTransform.Result r = t.apply(record(null, "{\"n\":" + n + ",\"p\":1.10}"));
                        boolean right = n % 3 == 0 ? r.dropped()
                                : text(r.output().orElseThrow().value()).equals("{\"n\":" + n + ",\"twice\":" + 2 * n + ",\"p\":1.10}");
                        if (!right) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (java.util.concurrent.Future<Boolean> check : checks) {
                assertThat(check.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anOverlongExpressionIsRefusedAtCompileTime() {
        String longOne = "1 == 1" + " && 1 == 1".repeat(1000);
        assertThatThrownBy(() -> RecordTransform.compile(longOne, null, null)).isInstanceOf(ExpressionException.class);
        String deep = "(".repeat(100) + "true" + ")".repeat(100);
        assertThatThrownBy(() -> RecordTransform.compile(deep, null, null)).isInstanceOf(ExpressionException.class);
    }
}
