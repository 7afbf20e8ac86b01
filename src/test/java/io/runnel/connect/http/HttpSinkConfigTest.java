package io.runnel.connect.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpSinkConfigTest {
    private static Map<String, String> minimal() {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "http-sink");
        config.put("name", "orders-webhook");
        config.put("tasks.max", "2");
        config.put("topics", "orders, payments");
        config.put("http.url", "https://example.com/hook");
        return config;
    }

    private static Map<String, String> with(String key, String value) {
        Map<String, String> config = minimal();
        config.put(key, value);
        return config;
    }

    @Test
    void aMinimalConfigIsValidAndTakesTheDefaults() {
        assertThat(HttpSinkConfig.validate(minimal())).isEmpty();
        HttpSinkConfig config = HttpSinkConfig.parse(minimal());
        assertThat(config.topics()).containsExactly("orders", "payments");
        assertThat(config.batchMaxRecords()).isEqualTo(500);
        assertThat(config.linger()).isEqualTo(Duration.ZERO);
        assertThat(config.maxAttempts()).isEqualTo(10);
        assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.topicsRefresh()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.deadLetterTopic()).isEmpty();
        assertThat(config.signer()).isEmpty();
    }

    @Test
    void everyKeyIsReadWithItsValue() {
        Map<String, String> map = minimal();
        map.putAll(Map.of("batch.max.records", "1", "batch.linger.ms", "25", "retry.max.attempts", "3", "retry.backoff.ms", "10",
                "retry.backoff.max.ms", "100", "http.timeout.ms", "2000", "errors.deadletterqueue.topic.name", "orders.dlq",
                "http.headers.Authorization", "Bearer abc", "webhook.secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "topics.refresh.ms", "500"));
        map.put("transforms.filter", "value.amount > 10");
        assertThat(HttpSinkConfig.validate(map)).isEmpty();
        HttpSinkConfig config = HttpSinkConfig.parse(map);
        assertThat(config.batchMaxRecords()).isEqualTo(1);
        assertThat(config.linger()).isEqualTo(Duration.ofMillis(25));
        assertThat(config.maxAttempts()).isEqualTo(3);
        assertThat(config.backoff()).isEqualTo(Duration.ofMillis(10));
        assertThat(config.backoffMax()).isEqualTo(Duration.ofMillis(100));
        assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.deadLetterTopic()).contains("orders.dlq");
        assertThat(config.headers()).containsExactly(Map.entry("Authorization", "Bearer abc"));
        assertThat(config.signer()).isPresent();
        assertThat(config.topicsRefresh()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void missingTopicsAndUrlAreNamed() {
        Map<String, String> config = minimal();
        config.remove("topics");
        config.remove("http.url");
        assertThat(HttpSinkConfig.validate(config)).containsOnlyKeys("topics", "http.url");
    }

    @Test
    void theUrlMustBeAbsoluteHttpOrHttpsWithoutCredentials() {
        assertThat(HttpSinkConfig.validate(with("http.url", "ftp://example.com/x"))).containsKey("http.url");
        assertThat(HttpSinkConfig.validate(with("http.url", "/relative"))).containsKey("http.url");
        assertThat(HttpSinkConfig.validate(with("http.url", "http://exa mple.com"))).containsKey("http.url");
        assertThat(HttpSinkConfig.validate(with("http.url", "https://user:pw@example.com/"))).containsKey("http.url")
                .extractingByKey("http.url").asString().doesNotContain("pw");
        assertThat(HttpSinkConfig.validate(with("http.url", "http://127.0.0.1:8000/hook?x=1"))).isEmpty();
    }

    @Test
    void numbersOutOfRangeOrNotNumbersSayWhatIsExpected() {
        assertThat(HttpSinkConfig.validate(with("batch.max.records", "0")))
                .containsEntry("batch.max.records", "expected an integer from 1 to 10000, got 0");
        assertThat(HttpSinkConfig.validate(with("retry.max.attempts", "many")))
                .containsEntry("retry.max.attempts", "expected an integer from 1 to 1000, got 'many'");
        assertThat(HttpSinkConfig.validate(with("http.timeout.ms", "-1"))).containsKey("http.timeout.ms");
        assertThat(HttpSinkConfig.validate(with("batch.linger.ms", "60001"))).containsKey("batch.linger.ms");
        assertThat(HttpSinkConfig.validate(with("topics.refresh.ms", "10"))).containsKey("topics.refresh.ms");
    }

    @Test
    void theBackoffBoundMayNotBeBelowTheBackoff() {
        Map<String, String> config = with("retry.backoff.ms", "1000");
        config.put("retry.backoff.max.ms", "999");
        assertThat(HttpSinkConfig.validate(config)).containsOnlyKeys("retry.backoff.max.ms");
    }

    @Test
    void unknownKeysAreRefusedButRuntimeKeysAndTransformsAreNot() {
        assertThat(HttpSinkConfig.validate(with("http.ur", "x"))).containsOnlyKeys("http.ur")
                .extractingByKey("http.ur").asString().contains("unknown key").contains("http.url");
        assertThat(HttpSinkConfig.validate(with("transforms.map", "value"))).isEmpty();
    }

    @Test
    void topicNamesAndHeaderNamesAreChecked() {
        assertThat(HttpSinkConfig.validate(with("topics", "good,bad topic"))).containsKey("topics");
        assertThat(HttpSinkConfig.validate(with("topics", " , "))).containsKey("topics");
        assertThat(HttpSinkConfig.validate(with("errors.deadletterqueue.topic.name", ".."))).containsKey("errors.deadletterqueue.topic.name");
        assertThat(HttpSinkConfig.validate(with("http.headers.Bad Name", "x"))).containsKey("http.headers.Bad Name");
        assertThat(HttpSinkConfig.validate(with("http.headers.X-Split", "a\r\nInjected: 1"))).containsKey("http.headers.X-Split");
        assertThat(HttpSinkConfig.validate(with("http.headers.Host", "evil"))).containsKey("http.headers.Host");
        assertThat(HttpSinkConfig.validate(with("http.headers.Transfer-Encoding", "chunked"))).containsKey("http.headers.Transfer-Encoding");
        assertThat(HttpSinkConfig.validate(with("http.headers.webhook-id", "x"))).containsKey("http.headers.webhook-id");
        assertThat(HttpSinkConfig.validate(with("http.headers.X-Trace", "abc"))).isEmpty();
    }

    @Test
    void aWhsecSecretMustBeBase64AndTheProblemNeverShowsIt() {
        Map<String, String> problems = HttpSinkConfig.validate(with("webhook.secret", "whsec_not*base64!"));
        assertThat(problems).containsKey("webhook.secret");
        assertThat(problems.get("webhook.secret")).doesNotContain("not*base64!");
        assertThat(HttpSinkConfig.validate(with("webhook.secret", ""))).containsKey("webhook.secret");
        assertThat(HttpSinkConfig.validate(with("webhook.secret", "a plain passphrase"))).isEmpty();
    }

    @Test
    void secretsAreTheWebhookSecretAndCredentialHeaders() {
        assertThat(HttpSinkConfig.isSecret("webhook.secret")).isTrue();
        assertThat(HttpSinkConfig.isSecret("http.headers.Authorization")).isTrue();
        assertThat(HttpSinkConfig.isSecret("http.headers.cookie")).isTrue();
        assertThat(HttpSinkConfig.isSecret("http.headers.X-Api-Key")).isTrue();
        assertThat(HttpSinkConfig.isSecret("http.headers.X-Auth-TOKEN")).isTrue();
        assertThat(HttpSinkConfig.isSecret("http.headers.X-Client-Secret")).isTrue();
        assertThat(HttpSinkConfig.isSecret("http.headers.DB-Password")).isTrue();
        assertThat(HttpSinkConfig.isSecret("http.headers.X-Trace")).isFalse();
        assertThat(HttpSinkConfig.isSecret("http.url")).isFalse();
        assertThat(HttpSinkConfig.isSecret("topics")).isFalse();
    }
}
