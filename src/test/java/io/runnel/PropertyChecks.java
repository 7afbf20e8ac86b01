package io.runnel;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.quicktheories.QuickTheory;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;

/**
 * How the property tests run (QuickTheories), and the few generators they share.
 *
 * <p>Each property is a JUnit test that calls {@code qt(examples).forAll(generators).checkAssert(body)}.
 * QuickTheories draws every example from one seed; when the body throws, it shrinks the example and
 * fails the test with an {@code AssertionError} that gives the smallest falsifying value(s), the
 * cause, and the line {@code Seed was N}.
 *
 * <p><b>Replaying a failure.</b> Run the one test again with that seed:
 * <pre>
 * ./mvnw -B -q test -Dtest='PartitionLogPropertiesTest#readsReturnExactlyTheRequestedOffsets' -DQT_SEED=N
 * </pre>
 * QuickTheories reads the {@code QT_SEED} system property itself (Maven hands {@code -D} properties on
 * to the forked test JVM); without it each property takes a fresh seed from {@code System.nanoTime()},
 * so successive builds try different examples. The same seed with the same number of examples gives
 * the same examples, the same failure and the same shrinking, which is why the number of examples is
 * fixed in the test rather than taken from {@code QT_EXAMPLES}. {@code QT_SHRINKS} overrides the shrink
 * budget given here (QuickTheories' own default, 100,000 attempts, is far too many for properties that
 * write files).
 */
public final class PropertyChecks {
    /** ASCII letters, lower and upper case, as an alphabet for {@link #charsOf}. */
    public static final String LETTERS = charRange('a', 'z') + charRange('A', 'Z');

    /** Shrink attempts for properties that are cheap to run; repeated candidates are not run again. */
    private static final int DEFAULT_SHRINK_CYCLES = 2_000;

    private PropertyChecks() {
    }

    /** A theory that tries {@code examples} examples and shrinks a failure in a few thousand attempts. */
    public static QuickTheory qt(int examples) {
        return qt(examples, DEFAULT_SHRINK_CYCLES);
    }

    /** A theory with its own shrink budget, for properties whose every run costs milliseconds. */
    public static QuickTheory qt(int examples, int shrinkCycles) {
        QuickTheory theory = QuickTheory.qt().withExamples(examples);
        return System.getProperty("QT_SHRINKS") == null ? theory.withShrinkCycles(shrinkCycles) : theory;
    }

    /** {@code null} in about {@code percent} per cent of the examples, otherwise a value of {@code gen}; shrinks to {@code null}. */
    public static <T> Gen<T> orNull(Gen<T> gen, int percent) {
        return gen.toOptionals(percent).map(o -> o.orElse(null));
    }

    /** Lists of {@code min} to {@code max} elements. */
    public static <T> Gen<List<T>> lists(Gen<T> elements, int min, int max) {
        return SourceDSL.lists().of(elements).ofSizeBetween(min, max);
    }

    /** Sets of at most {@code max} elements, kept in the order drawn (duplicates drawn make them smaller). */
    public static <T> Gen<Set<T>> sets(Gen<T> elements, int max) {
        return lists(elements, 0, max).map(list -> new LinkedHashSet<>(list));
    }

    /** Strings of {@code minLength} to {@code maxLength} characters drawn from {@code chars}. */
    public static Gen<String> strings(Gen<Character> chars, int minLength, int maxLength) {
        return lists(chars, minLength, maxLength).map(cs -> cs.stream().map(String::valueOf).collect(Collectors.joining()));
    }

    /** One of the characters of {@code alphabet}; shrinks towards its first. */
    public static Gen<Character> charsOf(String alphabet) {
        return Generate.pick(alphabet.chars().mapToObj(c -> (char) c).toList());
    }

    /** The characters from {@code first} to {@code last}, both included, as an alphabet for {@link #charsOf}. */
    public static String charRange(char first, char last) {
        StringBuilder sb = new StringBuilder();
        for (char c = first; c <= last; c++) {
            sb.append(c);
        }
        return sb.toString();
    }
}
