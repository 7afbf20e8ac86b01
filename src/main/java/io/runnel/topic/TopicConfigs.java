package io.runnel.topic;

import io.runnel.error.RunnelException;
import io.runnel.error.ErrorCode;
import io.runnel.log.CleanerConfig;
import io.runnel.log.LogConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A topic's configuration overrides (Kafka names, string values) and the effective values they
 * give with the server defaults. Unknown keys and bad values are refused with
 * {@code 422 INVALID_CONFIG}; an accepted override is stored as given.
 *
 * @param overrides the keys the topic sets, sorted
 */
public record TopicConfigs(Map<String, String> overrides) {
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    /** Same key as {@code cluster.LeaderElection#UNCLEAN_CONFIG}, which reads it from the metadata. */
    public static final String UNCLEAN_LEADER_ELECTION = "unclean.leader.election.enable";
    public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
    public static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
    public static final String MAX_COMPACTION_LAG_MS = "max.compaction.lag.ms";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";

    /** A known key: its default and what a value must satisfy. */
    private record Definition(String defaultValue, String rule, Predicate<String> valid) {
    }

    private static final long WEEK_MS = 7L * 24 * 3600 * 1000;
    private static final Map<String, Definition> DEFINITIONS = Map.ofEntries(
            Map.entry(RETENTION_MS, new Definition(Long.toString(WEEK_MS), "a whole number ≥ -1 (-1 keeps forever)", longAtLeast(-1))),
            Map.entry(RETENTION_BYTES, new Definition("-1", "a whole number ≥ -1 (-1 = no size limit)", longAtLeast(-1))),
            Map.entry(SEGMENT_BYTES, new Definition(Integer.toString(1 << 30), "a whole number from 1024 to 1073741824",
                    v -> longAtLeast(1024).test(v) && Long.parseLong(v) <= (1 << 30))),
            Map.entry(SEGMENT_MS, new Definition(Long.toString(WEEK_MS), "a whole number ≥ 1", longAtLeast(1))),
            Map.entry(CLEANUP_POLICY, new Definition("delete", "'delete', 'compact' or 'compact,delete'", TopicConfigs::validPolicy)),
            Map.entry(MIN_CLEANABLE_DIRTY_RATIO, new Definition("0.5", "a number from 0 to 1", TopicConfigs::validRatio)),
            Map.entry(MIN_COMPACTION_LAG_MS, new Definition("0", "a whole number ≥ 0", longAtLeast(0))),
            Map.entry(MAX_COMPACTION_LAG_MS, new Definition(Long.toString(Long.MAX_VALUE), "a whole number ≥ 1", longAtLeast(1))),
            Map.entry(DELETE_RETENTION_MS, new Definition("86400000", "a whole number ≥ 0", longAtLeast(0))),
            Map.entry(MIN_INSYNC_REPLICAS, new Definition("1", "a whole number ≥ 1", longAtLeast(1))),
            Map.entry(MAX_MESSAGE_BYTES, new Definition(null, "a whole number from 1 to 2147483647",
                    v -> longAtLeast(1).test(v) && Long.parseLong(v) <= Integer.MAX_VALUE)),
            Map.entry(TIMESTAMP_TYPE, new Definition("CreateTime", "'CreateTime' or 'LogAppendTime'",
                    v -> v.equals("CreateTime") || v.equals("LogAppendTime"))),
            Map.entry(INDEX_INTERVAL_BYTES, new Definition("4096", "a whole number from 0 to 1048576",
                    v -> longAtLeast(0).test(v) && Long.parseLong(v) <= (1 << 20))),
            Map.entry(UNCLEAN_LEADER_ELECTION, new Definition("false", "'true' or 'false'", v -> v.equals("true") || v.equals("false"))));

    public static final TopicConfigs NONE = new TopicConfigs(Map.of());

    public TopicConfigs {
        overrides = Map.copyOf(new TreeMap<>(overrides));
    }

    private static Predicate<String> longAtLeast(long min) {
        return v -> {
            try {
                return Long.parseLong(v) >= min;
            } catch (NumberFormatException e) {
                return false;
            }
        };
    }

    /** Kafka's list syntax: {@code delete}, {@code compact}, or both in either order. */
    private static boolean validPolicy(String v) {
        return switch (v.replace(" ", "")) {
            case "delete", "compact", "compact,delete", "delete,compact" -> true;
            default -> false;
        };
    }

    private static boolean validRatio(String v) {
        try {
            double d = Double.parseDouble(v);
            return d >= 0 && d <= 1;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Validates {@code changes} and applies them: a {@code null} value removes the override. */
    public TopicConfigs with(Map<String, String> changes) {
        Map<String, String> next = new TreeMap<>(overrides);
        changes.forEach((key, value) -> {
            Definition def = DEFINITIONS.get(key);
            if (def == null) {
                throw new RunnelException(ErrorCode.INVALID_CONFIG, "unknown topic config '" + key + "'; known: "
                        + new TreeMap<>(DEFINITIONS).keySet()).with("config", key);
            }
            if (value == null) {
                next.remove(key);
            } else if (!def.valid().test(value)) {
                throw new RunnelException(ErrorCode.INVALID_CONFIG, "'" + key + "' must be " + def.rule() + ", got '" + value + "'")
                        .with("config", key);
            } else {
                next.put(key, value);
            }
        });
        return new TopicConfigs(next);
    }

    /** Every known key with its effective value, overrides applied over the defaults. */
    public Map<String, String> effective(long defaultMaxMessageBytes) {
        Map<String, String> all = new LinkedHashMap<>();
        new TreeMap<>(DEFINITIONS).forEach((key, def) -> all.put(key,
                overrides.getOrDefault(key, key.equals(MAX_MESSAGE_BYTES) ? Long.toString(defaultMaxMessageBytes) : def.defaultValue())));
        return all;
    }

    private long longValue(String key) {
        return Long.parseLong(overrides.getOrDefault(key, DEFINITIONS.get(key).defaultValue()));
    }

    /**
     * The log's settings; a compacted topic rolls its active segment by
     * {@code min(segment.ms, max.compaction.lag.ms)} so old dirty data becomes cleanable.
     */
    public LogConfig logConfig() {
        long segmentMs = compacted() ? Math.min(longValue(SEGMENT_MS), maxCompactionLagMs()) : longValue(SEGMENT_MS);
        return new LogConfig((int) longValue(SEGMENT_BYTES), segmentMs, longValue(RETENTION_MS),
                longValue(RETENTION_BYTES), (int) longValue(INDEX_INTERVAL_BYTES));
    }

    public int maxMessageBytes(long defaultMaxMessageBytes) {
        String v = overrides.get(MAX_MESSAGE_BYTES);
        return (int) Math.min(Integer.MAX_VALUE, v == null ? defaultMaxMessageBytes : Long.parseLong(v));
    }

    public int minInsyncReplicas() {
        return (int) Math.min(Integer.MAX_VALUE, longValue(MIN_INSYNC_REPLICAS));
    }

    /** Whether {@code cleanup.policy} includes {@code compact}: keys are required and the cleaner runs. */
    public boolean compacted() {
        return policy().contains("compact");
    }

    /** Whether {@code cleanup.policy} includes {@code delete}: time and size retention apply. */
    public boolean deletes() {
        return policy().contains("delete");
    }

    private String policy() {
        return overrides.getOrDefault(CLEANUP_POLICY, "delete");
    }

    /** {@code min.cleanable.dirty.ratio}. */
    public double minCleanableDirtyRatio() {
        return Double.parseDouble(overrides.getOrDefault(MIN_CLEANABLE_DIRTY_RATIO, DEFINITIONS.get(MIN_CLEANABLE_DIRTY_RATIO).defaultValue()));
    }

    /** {@code max.compaction.lag.ms}; {@link Long#MAX_VALUE} when unbounded. */
    public long maxCompactionLagMs() {
        return longValue(MAX_COMPACTION_LAG_MS);
    }

    /** The cleaner's settings for this topic, with a key map of {@code offsetMapBytes}. */
    public CleanerConfig cleanerConfig(long offsetMapBytes) {
        return new CleanerConfig(longValue(DELETE_RETENTION_MS), longValue(MIN_COMPACTION_LAG_MS), offsetMapBytes);
    }

    public boolean logAppendTime() {
        return "LogAppendTime".equals(overrides.get(TIMESTAMP_TYPE));
    }
}
