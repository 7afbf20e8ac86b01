package io.runnel.connect.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The checked config of one {@code http-sink} connector, read from the flat string map of
 * {@code PUT /connectors/{name}/config}. {@link #validate} names every problem by key; {@link #parse}
 * reads a map that {@link #validate} accepted. An immutable value.
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code topics}</td><td>(required)</td><td>comma-separated topics to deliver</td></tr>
 *   <tr><td>{@code http.url}</td><td>(required)</td><td>absolute {@code http} or {@code https} URL to {@code POST} batches to</td></tr>
 *   <tr><td>{@code batch.max.records}</td><td>500</td><td>records per request, 1–10000</td></tr>
 *   <tr><td>{@code batch.linger.ms}</td><td>0</td><td>how long to wait for a batch to fill once it has a record, 0–60000</td></tr>
 *   <tr><td>{@code retry.max.attempts}</td><td>10</td><td>attempts per batch, the first included, 1–1000</td></tr>
 *   <tr><td>{@code retry.backoff.ms}</td><td>500</td><td>delay before the second attempt, doubled per attempt, 1–3600000</td></tr>
 *   <tr><td>{@code retry.backoff.max.ms}</td><td>30000</td><td>bound on that delay, ≥ {@code retry.backoff.ms}</td></tr>
 *   <tr><td>{@code http.timeout.ms}</td><td>30000</td><td>bound on one request, 1–600000</td></tr>
 *   <tr><td>{@code errors.deadletterqueue.topic.name}</td><td>(none)</td><td>topic that receives batches whose last attempt failed</td></tr>
 *   <tr><td>{@code http.headers.<Name>}</td><td></td><td>a request header sent with every batch</td></tr>
 *   <tr><td>{@code webhook.secret}</td><td>(none)</td><td>signs requests with Standard Webhooks headers</td></tr>
 *   <tr><td>{@code topics.refresh.ms}</td><td>30000</td><td>how often partitions are listed again, 100–3600000</td></tr>
 * </table>
 */
record HttpSinkConfig(List<String> topics, URI url, int batchMaxRecords, Duration linger, int maxAttempts,
                      Duration backoff, Duration backoffMax, Duration timeout, Optional<String> deadLetterTopic,
                      Map<String, String> headers, Optional<WebhookSigner> signer, Duration topicsRefresh) {

    static final String TOPICS = "topics";
    static final String URL = "http.url";
    static final String BATCH_MAX_RECORDS = "batch.max.records";
    static final String BATCH_LINGER_MS = "batch.linger.ms";
    static final String RETRY_MAX_ATTEMPTS = "retry.max.attempts";
    static final String RETRY_BACKOFF_MS = "retry.backoff.ms";
    static final String RETRY_BACKOFF_MAX_MS = "retry.backoff.max.ms";
    static final String HTTP_TIMEOUT_MS = "http.timeout.ms";
    static final String DLQ_TOPIC = "errors.deadletterqueue.topic.name";
    static final String HEADER_PREFIX = "http.headers.";
    static final String WEBHOOK_SECRET = "webhook.secret";
    static final String TOPICS_REFRESH_MS = "topics.refresh.ms";

    /** Keys the runtime owns: accepted here without a check of their value (the runtime checks them). */
    private static final Set<String> RUNTIME_KEYS = Set.of("name", "connector.class", "tasks.max");
    private static final Pattern TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    /** RFC 9110 token characters, the only ones a header name may have. */
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** Headers that frame the message (the HTTP client sets them), or that the sink owns. */
    private static final Set<String> RESERVED_HEADERS = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "transfer-encoding", "te", "trailer", "keep-alive", "proxy-connection",
            "content-type", "webhook-id", "webhook-timestamp", "webhook-signature");
    private static final String[] SECRET_WORDS = {"token", "secret", "key", "password"};

    HttpSinkConfig {
        topics = List.copyOf(topics);
        headers = Map.copyOf(headers);
    }

    /**
     * Whether {@code key}'s value is a secret: the webhook secret and request headers that carry
     * credentials ({@code Authorization}, {@code Cookie}, or a name containing token, secret, key or
     * password, in any case).
     */
    static boolean isSecret(String key) {
        if (key.equals(WEBHOOK_SECRET)) {
            return true;
        }
        if (!key.startsWith(HEADER_PREFIX)) {
            return false;
        }
        String name = key.substring(HEADER_PREFIX.length()).toLowerCase(Locale.ROOT);
        if (name.equals("authorization") || name.equals("proxy-authorization") || name.equals("cookie")) {
            return true;
        }
        for (String word : SECRET_WORDS) {
            if (name.contains(word)) {
                return true;
            }
        }
        return false;
    }

    /** Every problem of {@code config}, by key, in key order; empty when it is valid. Never echoes a value of a secret key. */
    static Map<String, String> validate(Map<String, String> config) {
        Map<String, String> problems = new TreeMap<>();
        Checker check = new Checker(config, problems);
        check.topics();
        check.url();
        check.integer(BATCH_MAX_RECORDS, 1, 10_000);
        check.integer(BATCH_LINGER_MS, 0, 60_000);
        check.integer(RETRY_MAX_ATTEMPTS, 1, 1000);
        check.integer(RETRY_BACKOFF_MS, 1, 3_600_000);
        check.integer(RETRY_BACKOFF_MAX_MS, 1, 3_600_000);
        check.integer(HTTP_TIMEOUT_MS, 1, 600_000);
        check.integer(TOPICS_REFRESH_MS, 100, 3_600_000);
        if (!problems.containsKey(RETRY_BACKOFF_MS) && !problems.containsKey(RETRY_BACKOFF_MAX_MS)
                && longOr(config, RETRY_BACKOFF_MAX_MS, 30_000) < longOr(config, RETRY_BACKOFF_MS, 500)) {
            problems.put(RETRY_BACKOFF_MAX_MS, "must be at least retry.backoff.ms (" + longOr(config, RETRY_BACKOFF_MS, 500) + ")");
        }
        if (config.containsKey(DLQ_TOPIC) && !isTopicName(config.get(DLQ_TOPIC))) {
            problems.put(DLQ_TOPIC, "expected a topic name: 1-249 characters of [a-zA-Z0-9._-], not '.' or '..'");
        }
        if (config.containsKey(WEBHOOK_SECRET)) {
            WebhookSigner.problem(config.get(WEBHOOK_SECRET)).ifPresent(p -> problems.put(WEBHOOK_SECRET, p));
        }
        for (Map.Entry<String, String> e : config.entrySet()) {
            check.other(e.getKey(), e.getValue());
        }
        return problems;
    }

    /** Reads a config that {@link #validate} accepted. */
    static HttpSinkConfig parse(Map<String, String> config) {
        Map<String, String> problems = validate(config);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid http-sink config: " + problems);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        new TreeMap<>(config).forEach((key, value) -> {
            if (key.startsWith(HEADER_PREFIX)) {
                headers.put(key.substring(HEADER_PREFIX.length()), value);
            }
        });
        return new HttpSinkConfig(topicList(config.get(TOPICS)), URI.create(config.get(URL).trim()),
                (int) longOr(config, BATCH_MAX_RECORDS, 500), millis(config, BATCH_LINGER_MS, 0),
                (int) longOr(config, RETRY_MAX_ATTEMPTS, 10), millis(config, RETRY_BACKOFF_MS, 500),
                millis(config, RETRY_BACKOFF_MAX_MS, 30_000), millis(config, HTTP_TIMEOUT_MS, 30_000),
                Optional.ofNullable(config.get(DLQ_TOPIC)), headers,
                Optional.ofNullable(config.get(WEBHOOK_SECRET)).map(WebhookSigner::new), millis(config, TOPICS_REFRESH_MS, 30_000));
    }

    static List<String> topicList(String topics) {
        List<String> list = new ArrayList<>();
        for (String t : topics.split(",")) {
            if (!t.isBlank() && !list.contains(t.trim())) {
                list.add(t.trim());
            }
        }
        return list;
    }

    private static boolean isTopicName(String name) {
        return name != null && TOPIC_NAME.matcher(name).matches() && !name.equals(".") && !name.equals("..");
    }

    private static long longOr(Map<String, String> config, String key, long fallback) {
        String value = config.get(key);
        return value == null ? fallback : Long.parseLong(value.trim());
    }

    private static Duration millis(Map<String, String> config, String key, long fallback) {
        return Duration.ofMillis(longOr(config, key, fallback));
    }

    /** The checks of single keys, each adding at most one problem. */
    private record Checker(Map<String, String> config, Map<String, String> problems) {
        void topics() {
            String topics = config.get(TOPICS);
            if (topics == null || topicList(topics).isEmpty()) {
                problems.put(TOPICS, "required: a comma-separated list of topic names");
                return;
            }
            for (String topic : topicList(topics)) {
                if (!isTopicName(topic)) {
                    problems.put(TOPICS, "'" + topic + "' is not a topic name: expected 1-249 characters of [a-zA-Z0-9._-], not '.' or '..'");
                    return;
                }
            }
        }

        void url() {
            String url = config.get(URL);
            if (url == null || url.isBlank()) {
                problems.put(URL, "required: an absolute http:// or https:// URL");
                return;
            }
            try {
                URI uri = new URI(url.trim());
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                    problems.put(URL, "expected an absolute http:// or https:// URL with a host");
                } else if (uri.getUserInfo() != null) {
                    problems.put(URL, "must not carry credentials: put them in http.headers.Authorization, which is kept secret");
                } else if (uri.getFragment() != null) {
                    problems.put(URL, "must not have a fragment (#...)");
                }
            } catch (URISyntaxException e) {
                problems.put(URL, "expected an absolute http:// or https:// URL; not a URL: " + e.getReason());
            }
        }

        void integer(String key, long min, long max) {
            String value = config.get(key);
            if (value == null) {
                return;
            }
            try {
                long n = Long.parseLong(value.trim());
                if (n < min || n > max) {
                    problems.put(key, "expected an integer from " + min + " to " + max + ", got " + n);
                }
            } catch (NumberFormatException e) {
                problems.put(key, "expected an integer from " + min + " to " + max + ", got '" + value + "'");
            }
        }

        /** Header keys, and keys that are neither the sink's nor the runtime's. */
        void other(String key, String value) {
            if (key.startsWith(HEADER_PREFIX)) {
                header(key, value);
            } else if (!known(key)) {
                problems.put(key, "unknown key: an http-sink takes " + String.join(", ", List.of(TOPICS, URL, BATCH_MAX_RECORDS,
                        BATCH_LINGER_MS, RETRY_MAX_ATTEMPTS, RETRY_BACKOFF_MS, RETRY_BACKOFF_MAX_MS, HTTP_TIMEOUT_MS, DLQ_TOPIC,
                        HEADER_PREFIX + "<Name>", WEBHOOK_SECRET, TOPICS_REFRESH_MS)) + ", and name, connector.class, tasks.max, transforms.*");
            }
        }

        private void header(String key, String value) {
            String name = key.substring(HEADER_PREFIX.length());
            if (!HEADER_NAME.matcher(name).matches()) {
                problems.put(key, "expected an HTTP header name (letters, digits and !#$%&'*+.^_`|~-) after http.headers.");
            } else if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                problems.put(key, "the sink sets " + name + " itself; it cannot be configured");
            } else if (value == null || value.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
                problems.put(key, "expected a header value on one line (no CR, LF or NUL)");
            }
        }

        private static boolean known(String key) {
            return RUNTIME_KEYS.contains(key) || key.startsWith("transforms.") || key.equals("transforms")
                    || Set.of(TOPICS, URL, BATCH_MAX_RECORDS, BATCH_LINGER_MS, RETRY_MAX_ATTEMPTS, RETRY_BACKOFF_MS,
                    RETRY_BACKOFF_MAX_MS, HTTP_TIMEOUT_MS, DLQ_TOPIC, WEBHOOK_SECRET, TOPICS_REFRESH_MS).contains(key);
        }
    }
}
