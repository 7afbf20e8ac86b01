package io.runnel.expr;

/**
 * An expression that failed on one record at run time: a missing map key, a type error only dyn
 * values could reveal, the cost limit, a result of the wrong type, a result with no JSON form, or a
 * {@code to} that is not a legal topic name. The message names the field ({@code filter},
 * {@code map.key}, {@code map.value}, {@code to}) and says what went wrong. It is a failure of that
 * record, not of the transform: the next record may evaluate fine.
 */
public final class EvaluationException extends RuntimeException {
    private final String field;

    EvaluationException(String field, String message, Throwable cause) {
        super("'" + field + "' failed: " + message, cause);
        this.field = field;
    }

    /** Which expression failed. */
    public String field() {
        return field;
    }
}
