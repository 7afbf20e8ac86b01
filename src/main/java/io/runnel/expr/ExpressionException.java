package io.runnel.expr;

import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;

/**
 * An expression that does not parse or type-check: {@code 422 INVALID_EXPRESSION}, with the problem
 * members {@code field} (which expression: {@code filter}, {@code map.key}, {@code map.value},
 * {@code to}, or a caller's own name for it), {@code expression} (its text), and {@code line} and
 * {@code column} (1-based, in code points) of the first error CEL reports. The detail is CEL's message.
 */
public final class ExpressionException extends RunnelException {
    private final String field;
    private final String expression;
    private final int line;
    private final int column;
    private final String celMessage;

    ExpressionException(String field, String expression, int line, int column, String message) {
        super(ErrorCode.INVALID_EXPRESSION,
                "'" + field + "' is not a valid expression (line " + line + ", column " + column + "): " + message);
        this.field = field;
        this.expression = expression;
        this.line = line;
        this.column = column;
        this.celMessage = message;
        with("field", field).with("expression", expression).with("line", line).with("column", column);
    }

    public String field() {
        return field;
    }

    public String expression() {
        return expression;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    /** CEL's own message for the error, without field or position. */
    public String celMessage() {
        return celMessage;
    }
}
