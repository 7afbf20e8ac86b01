package io.runnel.stream;

import io.runnel.error.ErrorCode;
import io.runnel.error.RunnelException;

/** Compiles a stream's expressions into its {@link StreamEvaluator}. */
final class StreamEvaluators {
    private StreamEvaluators() {
    }

    /** @throws RunnelException {@code 422 INVALID_EXPRESSION} with the failing field and its position */
    static StreamEvaluator compile(StreamDefinition d) {
        if (d.filter() != null || d.mapKey() != null || d.mapValue() != null || !d.literalTo()) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "expressions are not supported yet");
        }
        return (r, p) -> new StreamEvaluator.Output(r.key(), r.value(), d.to());
    }
}
