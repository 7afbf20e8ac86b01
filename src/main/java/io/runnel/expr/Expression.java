package io.runnel.expr;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelSourceLocation;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelEvaluationListener;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelVariableResolver;
import java.util.Collection;
import java.util.Map;

/**
 * One CEL expression over a record, parsed, type-checked and planned once; immutable and
 * thread-safe (CEL programs keep no state between evaluations; the cost counter is per call).
 *
 * <p><b>Environment.</b> Variables {@code key} and {@code value} ({@code dyn}), {@code headers}
 * ({@code map(string, string)}), {@code timestamp}, {@code partition}, {@code offset} ({@code int});
 * CEL's standard functions and macros ({@code has}, {@code all}, {@code exists}, {@code exists_one},
 * {@code map}, {@code filter}); numbers of different types compare by value ({@code 1 == 1.0}).
 *
 * <p><b>Limits</b> (so that no expression can hold an instance): an expression is at most
 * {@value #MAX_CODE_POINTS} code points and nests at most {@value #MAX_DEPTH} deep (checked when it
 * is compiled); one evaluation runs at most {@value #MAX_ITERATIONS} comprehension iterations in all
 * (nested {@code map}/{@code all}/… count each inner step), at most {@value #MAX_STEPS}
 * evaluation steps (one per sub-expression evaluated, counted by an evaluation listener) and makes
 * at most {@value #MAX_MADE} characters of new strings and elements of lists or maps concatenated
 * with {@code +} (string and list repetition in a loop); regular expressions compile to at most
 * {@value #MAX_REGEX_PROGRAM} RE2 instructions (RE2 runs in linear time). Exceeding a run-time limit
 * is an {@link EvaluationException} for that record. CEL has no loops or recursion beyond its
 * macros, so these bound both the time and the memory of one evaluation.
 */
final class Expression {
    static final int MAX_CODE_POINTS = 4096;
    static final int MAX_DEPTH = 32;
    static final int MAX_ITERATIONS = 10_000;
    static final int MAX_STEPS = 100_000;
    static final int MAX_REGEX_PROGRAM = 1000;
    static final int MAX_MADE = 10_000_000;

    private static final CelOptions OPTIONS = CelOptions.current()
            .enableHeterogeneousNumericComparisons(true)
            .maxExpressionCodePointSize(MAX_CODE_POINTS)
            .maxParseRecursionDepth(MAX_DEPTH)
            .comprehensionMaxIterations(MAX_ITERATIONS)
            .maxRegexProgramSize(MAX_REGEX_PROGRAM)
            .build();

    private static final Cel CEL_ANY = CelFactory.standardCelBuilder()
            .setOptions(OPTIONS)
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("key", SimpleType.DYN)
            .addVar("value", SimpleType.DYN)
            .addVar("headers", MapType.create(SimpleType.STRING, SimpleType.STRING))
            .addVar("timestamp", SimpleType.INT)
            .addVar("partition", SimpleType.INT)
            .addVar("offset", SimpleType.INT)
            .build();
    private static final Cel CEL_BOOL = CEL_ANY.toCelBuilder().setResultType(SimpleType.BOOL).build();
    private static final Cel CEL_STRING = CEL_ANY.toCelBuilder().setResultType(SimpleType.STRING).build();

    /** What an expression must evaluate to, checked at compile time where the types say it. */
    enum Kind {
        BOOL(CEL_BOOL), STRING(CEL_STRING), ANY(CEL_ANY);

        private final Cel cel;

        Kind(Cel cel) {
            this.cel = cel;
        }
    }

    private final String field;
    private final String text;
    private final CelRuntime.Program program;

    private Expression(String field, String text, CelRuntime.Program program) {
        this.field = field;
        this.text = text;
        this.program = program;
    }

    /**
     * Parses, checks and plans {@code text}.
     *
     * @throws ExpressionException naming {@code field} and the position of the first error
     */
    static Expression compile(String field, String text, Kind kind) {
        CelValidationResult result = kind.cel.compile(text);
        if (result.hasError()) {
            CelIssue first = result.getErrors().get(0);
            CelSourceLocation at = first.getSourceLocation();
            int line = Math.max(1, at.getLine());
            int column = Math.max(0, at.getColumn()) + 1;
            throw new ExpressionException(field, text, line, column, first.getMessage());
        }
        try {
            return new Expression(field, text, kind.cel.createProgram(result.getAst()));
        } catch (CelValidationException | CelEvaluationException e) {
            throw new ExpressionException(field, text, 1, 1, e.getMessage());
        }
    }

    String field() {
        return field;
    }

    String text() {
        return text;
    }

    /** Evaluates against {@code variables} within the limits; {@code inputs} are the objects made from the record. */
    Object evaluate(CelVariableResolver variables, Map<Object, ?> inputs) {
        StepBudget budget = new StepBudget(inputs);
        try {
            return program.trace(variables, budget);
        } catch (CelEvaluationException e) {
            if (e.getCause() instanceof StepBudget.Exceeded exceeded) {
                throw new EvaluationException(field, exceeded.getMessage(), null);
            }
            if (e.getCause() instanceof UnreadableInput unreadable) {
                throw new EvaluationException(field, unreadable.getMessage(), unreadable.getCause());
            }
            throw new EvaluationException(field, e.getMessage(), e);
        } catch (StepBudget.Exceeded e) {
            throw new EvaluationException(field, e.getMessage(), null);
        } catch (UnreadableInput e) {
            throw new EvaluationException(field, e.getMessage(), e.getCause());
        } catch (RuntimeException e) {
            throw new EvaluationException(field, String.valueOf(e.getMessage()), e);
        }
    }

    /**
     * Counts the evaluation steps of one call and what they made, and stops it past {@link #MAX_STEPS} steps or
     * {@link #MAX_MADE} made: the characters of every string made (not one taken from the record) and the
     * elements of every list or map a {@code +} made (not a comprehension's own accumulator, which CEL grows in
     * place). So repeating or concatenating strings and lists in a loop is bounded in memory, not only in time.
     */
    private static final class StepBudget implements CelEvaluationListener {
        private final Map<Object, ?> inputs;
        private long steps;
        private long made;

        StepBudget(Map<Object, ?> inputs) {
            this.inputs = inputs;
        }

        @Override
        public void callback(CelExpr expr, Object result) {
            if (++steps > MAX_STEPS) {
                throw new Exceeded("cost limit exceeded (more than " + MAX_STEPS + " evaluation steps)");
            }
            if (result instanceof String s && !inputs.containsKey(s)) {
                made += s.length();
            } else if ((result instanceof Collection<?> || result instanceof Map<?, ?>) && isConcatenation(expr)) {
                made += result instanceof Collection<?> c ? c.size() : ((Map<?, ?>) result).size();
            }
            if (made > MAX_MADE) {
                throw new Exceeded("cost limit exceeded (more than " + MAX_MADE + " characters or elements made)");
            }
        }

        private static boolean isConcatenation(CelExpr expr) {
            if (expr.getKind() != CelExpr.ExprKind.Kind.CALL || !expr.call().function().equals("_+_")) {
                return false;
            }
            for (CelExpr arg : expr.call().args()) {
                if (arg.getKind() == CelExpr.ExprKind.Kind.IDENT
                        && (arg.ident().name().startsWith("@") || arg.ident().name().startsWith("__"))) {
                    return false; // a macro's accumulator
                }
            }
            return true;
        }

        /** Thrown through CEL to abort; carries no stack trace. */
        static final class Exceeded extends RuntimeException {
            Exceeded(String message) {
                super(message, null, false, false);
            }
        }
    }

    /** A variable's JSON text that does not parse; thrown through CEL by a variable resolver. */
    static final class UnreadableInput extends RuntimeException {
        UnreadableInput(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public String toString() {
        return field + ": " + text;
    }
}
