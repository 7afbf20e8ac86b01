package io.runnel.stream;

/**
 * What one input record becomes under a stream's expressions: nothing (filtered out), one output record, or a run-time
 * failure. Pure and deterministic: the same record always gives the same outcome, so a replayed chunk produces the
 * same bytes. Thread-safe (one evaluator serves every partition of a stream).
 */
interface StreamEvaluator {

    Outcome evaluate(InputPage.Input record, int partition);

    /** An evaluation's result. */
    sealed interface Outcome permits Dropped, Output, Failure {
    }

    /** The filter refused the record. */
    record Dropped() implements Outcome {
        static final Dropped INSTANCE = new Dropped();
    }

    /** The record to write: raw JSON key and value, and the topic. */
    record Output(byte[] key, byte[] value, String topic) implements Outcome {
    }

    /**
     * An expression failed on the record.
     *
     * @param field which expression ({@code filter}, {@code map.key}, {@code map.value}, {@code to}); {@code null} when unknown
     */
    record Failure(String message, String field) implements Outcome {
    }
}
