package io.runnel.connect.mirror;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The headers a mirror adds to every record it copies, and the rule that stops loops. {@value #SOURCE} is the
 * source's alias, {@value #OFFSET} the record's offset in the source partition (what a restart resumes after: the
 * position is committed with the record itself), {@value #CLUSTERS} a comma list of the ids of every cluster the
 * record has been in, the source's appended to what the record carried. A record whose {@value #CLUSTERS} already
 * names the target cluster came from there: copying it back would loop, so it is skipped. Stateless.
 */
final class MirrorHeaders {
    static final String SOURCE = "runnel.mirror.source";
    static final String OFFSET = "runnel.mirror.offset";
    static final String CLUSTERS = "runnel.mirror.clusters";

    private MirrorHeaders() {
    }

    /** Whether a record with {@code headers} has been in the cluster {@code clusterId} already. */
    static boolean hasBeenIn(Map<String, String> headers, String clusterId) {
        String clusters = headers.get(CLUSTERS);
        return clusters != null && Arrays.stream(clusters.split(",")).map(String::strip).anyMatch(clusterId::equals);
    }

    /**
     * The headers of the copy of a record with {@code headers} at {@code offset} of a cluster {@code sourceClusterId}
     * called {@code alias}: the record's own, in their order, with the mirror's set (an earlier mirror's replaced,
     * the cluster list extended). The same input always gives the same output, so a re-sent page is byte-identical.
     */
    static Map<String, String> forCopy(Map<String, String> headers, String alias, long offset, String sourceClusterId) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(SOURCE, alias);
        copy.put(OFFSET, Long.toString(offset));
        String clusters = headers.get(CLUSTERS);
        copy.put(CLUSTERS, clusters == null || clusters.isBlank() ? sourceClusterId : clusters + "," + sourceClusterId);
        return copy;
    }

    /** The source offset a copied record carries; empty when it carries none (not written by a mirror). */
    static java.util.OptionalLong sourceOffset(Map<String, String> headers) {
        String value = headers.get(OFFSET);
        if (value == null) {
            return java.util.OptionalLong.empty();
        }
        try {
            return java.util.OptionalLong.of(Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            return java.util.OptionalLong.empty();
        }
    }
}
