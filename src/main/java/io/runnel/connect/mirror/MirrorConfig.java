package io.runnel.connect.mirror;

import io.runnel.topic.Names;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A {@code mirror-source} connector's config, checked: which source topics to copy ({@code topics}, a comma list, or
 * {@code topics.regex}, matched against whole names), where from ({@code source.url}, {@code source.api-key}), what
 * the copies are called ({@code source.alias}, {@code replication.policy} {@code prefix} | {@code identity}), how
 * often topics are listed again ({@code refresh.topics.interval.seconds}, default 30) and which consumer groups'
 * offsets are translated, how often ({@code groups}, a regex; {@code emit.checkpoints.interval.seconds}, default 30).
 * An immutable value.
 */
record MirrorConfig(List<String> topics, Optional<Pattern> topicsRegex, URI sourceUrl, Optional<String> apiKey, String alias,
                    boolean identity, Duration refreshInterval, Optional<Pattern> groups, Duration checkpointInterval) {
    static final String TOPICS = "topics";
    static final String TOPICS_REGEX = "topics.regex";
    static final String SOURCE_URL = "source.url";
    static final String API_KEY = "source.api-key";
    static final String ALIAS = "source.alias";
    static final String POLICY = "replication.policy";
    static final String REFRESH = "refresh.topics.interval.seconds";
    static final String GROUPS = "groups";
    static final String CHECKPOINTS = "emit.checkpoints.interval.seconds";
    private static final long MAX_INTERVAL_SECONDS = 86_400;

    /** Problems by config key; empty when {@link #parse} will succeed. Does no I/O. */
    static Map<String, String> validate(Map<String, String> config) {
        Map<String, String> errors = new TreeMap<>();
        String topics = config.get(TOPICS);
        String regex = config.get(TOPICS_REGEX);
        if (isBlank(topics) == isBlank(regex)) {
            errors.put(TOPICS, "give exactly one of topics (a comma-separated list) and topics.regex");
        } else if (!isBlank(topics) && !list(topics).stream().allMatch(Names::isLegal)) {
            errors.put(TOPICS, "each topic name is 1-249 characters of [a-zA-Z0-9._-], and not '.' or '..'");
        }
        checkRegex(config, TOPICS_REGEX, errors);
        checkRegex(config, GROUPS, errors);
        String url = config.get(SOURCE_URL);
        if (isBlank(url)) {
            errors.put(SOURCE_URL, "required: the base URL of any instance of the source cluster, e.g. http://10.0.0.5:8080");
        } else if (!validUrl(url)) {
            errors.put(SOURCE_URL, "must be an absolute http or https URL with a host, got '" + url + "'");
        }
        String alias = config.get(ALIAS);
        if (isBlank(alias)) {
            errors.put(ALIAS, "required: a short name of the source cluster, e.g. us-east (prefix of the copies' names)");
        } else if (!Names.isLegal(alias.strip()) || alias.contains(".")) {
            errors.put(ALIAS, "1-200 characters of [a-zA-Z0-9_-], got '" + alias + "'");
        }
        String policy = config.getOrDefault(POLICY, "prefix").strip();
        if (!policy.equals("prefix") && !policy.equals("identity")) {
            errors.put(POLICY, "prefix (copies named <source.alias>.<topic>) or identity (the same names), got '" + policy + "'");
        }
        checkSeconds(config, REFRESH, errors);
        checkSeconds(config, CHECKPOINTS, errors);
        return errors;
    }

    /** The config, which {@link #validate} accepted. */
    static MirrorConfig parse(Map<String, String> config) {
        Map<String, String> errors = validate(config);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid mirror-source config: " + errors);
        }
        String regex = config.get(TOPICS_REGEX);
        String groups = config.get(GROUPS);
        String key = config.get(API_KEY);
        return new MirrorConfig(isBlank(regex) ? list(config.get(TOPICS)) : List.of(),
                isBlank(regex) ? Optional.empty() : Optional.of(Pattern.compile(regex.strip())),
                URI.create(config.get(SOURCE_URL).strip().replaceAll("/+$", "")), isBlank(key) ? Optional.empty() : Optional.of(key.strip()),
                config.get(ALIAS).strip(), config.getOrDefault(POLICY, "prefix").strip().equals("identity"),
                Duration.ofSeconds(seconds(config, REFRESH)), isBlank(groups) ? Optional.empty() : Optional.of(Pattern.compile(groups.strip())),
                Duration.ofSeconds(seconds(config, CHECKPOINTS)));
    }

    /** Whether the source topic {@code topic} is one to copy. */
    boolean copies(String topic) {
        return topicsRegex.map(p -> p.matcher(topic).matches()).orElse(topics.contains(topic));
    }

    /** The name of the copy of source topic {@code topic} on the target. */
    String targetTopic(String topic) {
        return identity ? topic : alias + "." + topic;
    }

    /** Whether the consumer group {@code group} has its offsets translated. */
    boolean translates(String group) {
        return groups.map(p -> p.matcher(group).matches()).orElse(false);
    }

    private static long seconds(Map<String, String> config, String key) {
        String value = config.get(key);
        return isBlank(value) ? 30 : Long.parseLong(value.strip());
    }

    private static void checkSeconds(Map<String, String> config, String key, Map<String, String> errors) {
        String value = config.get(key);
        if (isBlank(value)) {
            return;
        }
        try {
            long s = Long.parseLong(value.strip());
            if (s >= 1 && s <= MAX_INTERVAL_SECONDS) {
                return;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        errors.put(key, "a whole number of seconds from 1 to " + MAX_INTERVAL_SECONDS + ", got '" + value + "'");
    }

    private static void checkRegex(Map<String, String> config, String key, Map<String, String> errors) {
        String value = config.get(key);
        if (isBlank(value)) {
            return;
        }
        try {
            Pattern.compile(value.strip());
        } catch (PatternSyntaxException e) {
            errors.put(key, "not a valid regular expression: " + e.getDescription());
        }
    }

    private static boolean validUrl(String url) {
        try {
            URI uri = new URI(url.strip());
            return uri.isAbsolute() && uri.getHost() != null && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()));
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private static List<String> list(String value) {
        return value == null ? List.of() : Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    @Override
    public String toString() {
        return "MirrorConfig[source=" + sourceUrl + ", alias=" + alias + ", topics=" + topicsRegex.map(Pattern::pattern).orElse(topics.toString())
                + ", apiKey=" + (apiKey.isPresent() ? "********" : "none") + "]";
    }
}
