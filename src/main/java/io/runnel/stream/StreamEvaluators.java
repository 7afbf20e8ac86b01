package io.runnel.stream;

import io.runnel.expr.EvaluationException;
import io.runnel.expr.RecordInput;
import io.runnel.expr.RecordTransform;
import io.runnel.topic.Names;

/**
 * Compiles a stream's expressions ({@link RecordTransform}, CEL) into its {@link StreamEvaluator}: a {@code to} that is a
 * legal topic name is that topic, anything else an expression returning one. Stateless.
 */
final class StreamEvaluators {
    private StreamEvaluators() {
    }

    /** @throws io.runnel.expr.ExpressionException {@code 422 INVALID_EXPRESSION} with the failing field and its line and column */
    static StreamEvaluator compile(StreamDefinition d) {
        RecordTransform transform = RecordTransform.compile(d.filter(), d.mapKey(), d.mapValue(), d.to(), Names::isLegal);
        return (r, partition) -> {
            RecordInput input = new RecordInput(r.key(), r.value(), r.headers(), r.timestampMs(), partition, r.offset());
            try {
                RecordTransform.Result result = transform.apply(input);
                if (result instanceof RecordTransform.Output o) {
                    return new StreamEvaluator.Output(o.key(), o.value(), o.topic());
                }
                return StreamEvaluator.Dropped.INSTANCE;
            } catch (EvaluationException e) {
                return new StreamEvaluator.Failure(e.getMessage(), e.field());
            } catch (RuntimeException e) {
                // an input that is not what the expressions can read (e.g. not JSON): that record's failure, as deterministic
                return new StreamEvaluator.Failure(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), null);
            }
        };
    }
}
