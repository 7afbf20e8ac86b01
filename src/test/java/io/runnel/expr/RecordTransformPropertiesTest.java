package io.runnel.expr;

import static io.runnel.PropertyChecks.qt;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;
import org.quicktheories.impl.Constraint;

/**
 * {@link RecordTransform} against a small model: random JSON records (fields of every JSON type,
 * numbers CEL cannot hold exactly, escaped strings, spaced lists) and random filters and value maps
 * from a small grammar, evaluated by a Java model of CEL-Java's semantics for that grammar
 * ({@code &&}/{@code ||} that absorb an error on either side but fail at once on a non-bool operand,
 * heterogeneous numeric comparison, equality across types false, ordering across types an error). Checks that a kept record's value is its input bytes when
 * only filtered, and that a mapped value writes each passed-through field as its original text.
 */
class RecordTransformPropertiesTest {
    private static final String[] FIELDS = {"a", "b", "c", "d"};
    private static final String[] OPS = {"==", "!=", "<", "<=", ">", ">="};
    private static final String[] DECIMALS = {"1.10", "0.5", "-2.25", "3e0", "2.0", "-0", "1E+2"};
    private static final String[] BIG = {"12345678901234567890", "-98765432109876543210"};
    private static final Object ERROR = new Object() {
        @Override
        public String toString() {
            return "ERROR";
        }
    };
    /** A direct operand of {@code &&}/{@code ||} that is a value but not a bool: CEL-Java fails on it at once. */
    private static final Object NONBOOL = new Object() {
        @Override
        public String toString() {
            return "NONBOOL";
        }
    };
    private static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** A field of the generated record: its model value and its JSON text. */
    record Field(Object model, String text) {
    }

    /** A generated record value (a JSON object) with its fields. */
    record Doc(Map<String, Field> fields, String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** A boolean expression of the grammar: its CEL text and its model value (Boolean or ERROR). */
    interface Bool {
        String cel();

        Object eval(Doc doc);
    }

    /** A value map of the grammar: its CEL text and the JSON text it must produce (null: null value; ERROR). */
    interface ValueMap {
        String cel();

        Object expected(Doc doc);
    }

    record Case(Doc doc, Bool filter, ValueMap map) {
        @Override
        public String toString() {
            return "value=" + doc + " filter=" + (filter == null ? null : filter.cel()) + " map.value=" + (map == null ? null : map.cel());
        }
    }

    @Test
    void transformsAgreeWithTheModel() {
        qt(400).forAll(cases()).checkAssert(c -> {
            RecordTransform t = RecordTransform.compile(c.filter() == null ? null : c.filter().cel(), null,
                    c.map() == null ? null : c.map().cel());
            RecordInput input = new RecordInput(null, c.doc().text().getBytes(UTF_8), Map.of(), 0, 0, 0);
            Object kept = c.filter() == null ? Boolean.TRUE : c.filter().eval(c.doc());
            kept = kept == NONBOOL ? ERROR : kept;
            if (kept == ERROR) {
                assertThatThrownBy(() -> t.apply(input)).isInstanceOf(EvaluationException.class).hasMessageContaining("'filter'");
                return;
            }
            if (kept == Boolean.FALSE) {
                assertThat(t.apply(input).dropped()).isTrue();
                return;
            }
            if (c.map() == null) {
                assertThat(t.apply(input).output().orElseThrow().value()).isEqualTo(input.value());
                return;
            }
            Object expected = c.map().expected(c.doc());
            if (expected == ERROR) {
                assertThatThrownBy(() -> t.apply(input)).isInstanceOf(EvaluationException.class).hasMessageContaining("'map.value'");
                return;
            }
            byte[] value = t.apply(input).output().orElseThrow().value();
            assertThat(value == null ? null : new String(value, UTF_8)).isEqualTo(expected);
        });
    }

    private static Gen<Case> cases() {
        return in -> {
            Doc doc = doc(in);
            Bool filter = pick(in, 4) == 0 ? null : bool(in, 3);
            ValueMap map = pick(in, 3) == 0 ? null : valueMap(in);
            return new Case(doc, filter, map);
        };
    }

    private static int pick(RandomnessSource in, int n) {
        return (int) in.next(Constraint.between(0, n - 1));
    }

    private static String anyField(RandomnessSource in) {
        return FIELDS[pick(in, FIELDS.length)];
    }

    // --- records --------------------------------------------------------------------------

    private static Doc doc(RandomnessSource in) {
        Map<String, Field> fields = new LinkedHashMap<>();
        String separator = pick(in, 2) == 0 ? "," : ", ";
        StringBuilder text = new StringBuilder("{");
        for (String name : FIELDS) {
            if (pick(in, 4) == 0) {
                continue;
            }
            Field f = field(in);
            fields.put(name, f);
            text.append(text.length() == 1 ? "" : separator).append('"').append(name).append("\":").append(f.text());
        }
        return new Doc(fields, text.append('}').toString());
    }

    private static Field field(RandomnessSource in) {
        switch (pick(in, 8)) {
            case 0: {
                long n = in.next(Constraint.between(-5, 5));
                return new Field(n, Long.toString(n));
            }
            case 1: {
                String t = DECIMALS[pick(in, DECIMALS.length)];
                return new Field(Double.parseDouble(t), t);
            }
            case 2: {
                String t = BIG[pick(in, BIG.length)];
                return new Field(Double.parseDouble(t), t);
            }
            case 3: {
                StringBuilder s = new StringBuilder();
                StringBuilder t = new StringBuilder("\"");
                int length = pick(in, 4);
                for (int i = 0; i < length; i++) {
                    char ch = "ab".charAt(pick(in, 2));
                    s.append(ch);
                    t.append(ch == 'a' && pick(in, 2) == 0 ? "\\u0061" : String.valueOf(ch));
                }
                return new Field(s.toString(), t.append('"').toString());
            }
            case 4: {
                boolean b = pick(in, 2) == 0;
                return new Field(b, Boolean.toString(b));
            }
            case 5:
                return new Field(NULL, "null");
            case 6: {
                List<Object> list = new ArrayList<>();
                StringBuilder t = new StringBuilder("[");
                int size = pick(in, 3);
                for (int i = 0; i < size; i++) {
                    long n = in.next(Constraint.between(0, 9));
                    list.add(n);
                    t.append(i == 0 ? "" : ", ").append(n);
                }
                return new Field(list, t.append(']').toString());
            }
            default: {
                long n = in.next(Constraint.between(0, 9));
                return new Field(Map.of("x", n), "{\"x\": " + n + "}");
            }
        }
    }

    // --- expressions ----------------------------------------------------------------------

    private static Bool bool(RandomnessSource in, int depth) {
        int choice = pick(in, depth == 0 ? 4 : 7);
        switch (choice) {
            case 0:
                return comparison(in);
            case 1: {
                String f = anyField(in);
                return bool("has(value." + f + ")", d -> d.fields().containsKey(f));
            }
            case 2: {
                String f = anyField(in);
                String op = OPS[pick(in, OPS.length)];
                long n = in.next(Constraint.between(0, 3));
                return bool("size(value." + f + ") " + op + " " + n, d -> {
                    Object v = select(d, f);
                    Object size = v instanceof String s ? (Object) (long) s.codePointCount(0, s.length())
                            : v instanceof List<?> l ? (Object) (long) l.size() : v instanceof Map<?, ?> m ? (Object) (long) m.size() : ERROR;
                    return size == ERROR ? ERROR : compare(size, op, n);
                });
            }
            case 3: {
                String f = anyField(in);
                return bool("value." + f, d -> {
                    Object v = select(d, f);
                    return v == ERROR || v instanceof Boolean ? v : NONBOOL;
                });
            }
            case 4: {
                Bool a = bool(in, depth - 1);
                Bool b = bool(in, depth - 1);
                return bool("(" + a.cel() + " && " + b.cel() + ")", d -> and(a.eval(d), b.eval(d)));
            }
            case 5: {
                Bool a = bool(in, depth - 1);
                Bool b = bool(in, depth - 1);
                return bool("(" + a.cel() + " || " + b.cel() + ")", d -> or(a.eval(d), b.eval(d)));
            }
            default: {
                Bool a = bool(in, depth - 1);
                return bool("!(" + a.cel() + ")", d -> {
                    Object v = a.eval(d);
                    return v instanceof Boolean b ? !b : ERROR;
                });
            }
        }
    }

    private static Bool comparison(RandomnessSource in) {
        String f = anyField(in);
        String op = OPS[pick(in, OPS.length)];
        Object literal;
        String text;
        switch (pick(in, 3)) {
            case 0 -> {
                long n = in.next(Constraint.between(-3, 3));
                literal = n;
                text = Long.toString(n);
            }
            case 1 -> {
                double x = in.next(Constraint.between(-3, 3)) + 0.5;
                literal = x;
                text = Double.toString(x);
            }
            default -> {
                String s = "ab".substring(0, pick(in, 3));
                literal = s;
                text = "'" + s + "'";
            }
        }
        return bool("value." + f + " " + op + " " + text, d -> {
            Object v = select(d, f);
            return v == ERROR ? ERROR : compare(v, op, literal);
        });
    }

    private static Bool bool(String cel, java.util.function.Function<Doc, Object> eval) {
        return new Bool() {
            @Override
            public String cel() {
                return cel;
            }

            @Override
            public Object eval(Doc doc) {
                return eval.apply(doc);
            }
        };
    }

    private static ValueMap valueMap(RandomnessSource in) {
        switch (pick(in, 4)) {
            case 0:
                return valueMap("value", Doc::text);
            case 1: {
                String f = anyField(in);
                return valueMap("value." + f, d -> {
                    Field field = d.fields().get(f);
                    return field == null ? ERROR : field.model() == NULL ? null : field.text();
                });
            }
            case 2: {
                String f = anyField(in);
                String g = anyField(in);
                return valueMap("{'p': value." + f + ", 'q': value." + g + "}", d -> {
                    Field p = d.fields().get(f);
                    Field q = d.fields().get(g);
                    return p == null || q == null ? ERROR : "{\"p\":" + p.text() + ",\"q\":" + q.text() + "}";
                });
            }
            default: {
                String f = anyField(in);
                return valueMap("[value." + f + ", 1]", d -> {
                    Field p = d.fields().get(f);
                    return p == null ? ERROR : "[" + p.text() + ",1]";
                });
            }
        }
    }

    private static ValueMap valueMap(String cel, java.util.function.Function<Doc, Object> expected) {
        return new ValueMap() {
            @Override
            public String cel() {
                return cel;
            }

            @Override
            public Object expected(Doc doc) {
                return expected.apply(doc);
            }
        };
    }

    // --- the model of CEL --------------------------------------------------------------------

    private static Object select(Doc doc, String field) {
        Field f = doc.fields().get(field);
        return f == null ? ERROR : f.model();
    }

    /** CEL-Java's {@code &&}: left first; an error on one side is absorbed by false on the other, a non-bool is not. */
    private static Object and(Object a, Object b) {
        return logical(a, b, Boolean.FALSE);
    }

    private static Object or(Object a, Object b) {
        return logical(a, b, Boolean.TRUE);
    }

    private static Object logical(Object a, Object b, Boolean absorbing) {
        if (a == absorbing) {
            return absorbing;
        }
        if (a == NONBOOL) {
            return ERROR;
        }
        if (b == absorbing) {
            return absorbing;
        }
        if (b == NONBOOL || a == ERROR || b == ERROR) {
            return ERROR;
        }
        return !absorbing;
    }

    private static Object compare(Object v, String op, Object literal) {
        boolean numbers = v instanceof Number && literal instanceof Number;
        boolean strings = v instanceof String && literal instanceof String;
        if (op.equals("==") || op.equals("!=")) {
            boolean equal = numbers ? ((Number) v).doubleValue() == ((Number) literal).doubleValue() : v.equals(literal);
            return op.equals("==") == equal;
        }
        if (!numbers && !strings) {
            return ERROR;
        }
        int sign = numbers ? Double.compare(((Number) v).doubleValue() + 0.0, ((Number) literal).doubleValue() + 0.0)
                : Integer.signum(((String) v).compareTo((String) literal));
        return switch (op) {
            case "<" -> sign < 0;
            case "<=" -> sign <= 0;
            case ">" -> sign > 0;
            default -> sign >= 0;
        };
    }
}
