package io.runnel.connect;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.function.Predicate;

/** Stack traces fit to be stored and shown: a connector's secret values masked, the length bounded. */
final class Traces {
    /** Secret values shorter than this are not searched for: masking "1" would garble a trace and hide nothing. */
    static final int MIN_MASKED_LENGTH = 4;

    private Traces() {
    }

    /**
     * {@code error}'s stack trace with every value of {@code config} whose key {@code isSecret} replaced by
     * {@value ConnectorWorker#MASK}, cut to {@code maxLength} characters.
     */
    static String masked(Throwable error, Map<String, String> config, Predicate<String> isSecret, int maxLength) {
        StringWriter out = new StringWriter();
        error.printStackTrace(new PrintWriter(out));
        String trace = out.toString();
        for (Map.Entry<String, String> e : config.entrySet()) {
            if (e.getValue() != null && e.getValue().length() >= MIN_MASKED_LENGTH && isSecret.test(e.getKey())) {
                trace = trace.replace(e.getValue(), ConnectorWorker.MASK);
            }
        }
        return trace.length() <= maxLength ? trace : trace.substring(0, maxLength - 3) + "...";
    }
}
