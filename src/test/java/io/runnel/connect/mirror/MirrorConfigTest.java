package io.runnel.connect.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MirrorConfigTest {
    private static Map<String, String> config(String... pairs) {
        Map<String, String> c = new HashMap<>(Map.of("connector.class", "mirror-source", "source.url", "http://10.0.0.5:8080",
                "source.alias", "east", "topics", "orders,payments"));
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] == null) {
                c.remove(pairs[i]);
            } else {
                c.put(pairs[i], pairs[i + 1]);
            }
        }
        return c;
    }

    @Test
    void aMinimalConfigIsValidWithMirrorMakersDefaults() {
        assertThat(MirrorConfig.validate(config())).isEmpty();
        MirrorConfig c = MirrorConfig.parse(config());
        assertThat(c.topics()).containsExactly("orders", "payments");
        assertThat(c.targetTopic("orders")).isEqualTo("east.orders");
        assertThat(c.refreshInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.checkpointInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.copies("orders")).isTrue();
        assertThat(c.copies("other")).isFalse();
        assertThat(c.translates("any")).isFalse();
        assertThat(c.apiKey()).isEmpty();
    }

    @Test
    void identityPolicyKeepsNamesAndARegexMatchesWholeNames() {
        MirrorConfig c = MirrorConfig.parse(config("topics", null, "topics.regex", "orders.*", "replication.policy", "identity",
                "groups", "billing-.*", "source.api-key", "k"));
        assertThat(c.targetTopic("orders")).isEqualTo("orders");
        assertThat(c.copies("orders-eu")).isTrue();
        assertThat(c.copies("old-orders")).isFalse();
        assertThat(c.translates("billing-1")).isTrue();
        assertThat(c.apiKey()).contains("k");
        assertThat(c.toString()).doesNotContain("=k");
    }

    @Test
    void everyProblemIsReportedByKey() {
        Map<String, String> errors = MirrorConfig.validate(config("topics", null, "source.url", "ftp:/x", "source.alias", "a.b",
                "replication.policy", "mirror", "refresh.topics.interval.seconds", "0", "emit.checkpoints.interval.seconds", "soon",
                "groups", "("));
        assertThat(errors).containsOnlyKeys("topics", "source.url", "source.alias", "replication.policy",
                "refresh.topics.interval.seconds", "emit.checkpoints.interval.seconds", "groups");
    }

    @Test
    void topicsAndTopicsRegexTogetherAreRefusedAsAreMissingRequiredKeys() {
        assertThat(MirrorConfig.validate(config("topics.regex", ".*"))).containsOnlyKeys("topics");
        assertThat(MirrorConfig.validate(config("source.url", null, "source.alias", null))).containsOnlyKeys("source.url", "source.alias");
        assertThat(MirrorConfig.validate(config("topics.regex", "[", "topics", null))).containsOnlyKeys("topics.regex");
        assertThat(MirrorConfig.validate(config("topics", "ok,bad name"))).containsOnlyKeys("topics");
    }

    @Test
    void theApiKeyIsTheOnlySecret() {
        MirrorSourcePlugin plugin = new MirrorSourcePlugin(tools.jackson.databind.json.JsonMapper.builder().build());
        assertThat(plugin.isSecret("source.api-key")).isTrue();
        assertThat(plugin.isSecret("source.url")).isFalse();
        assertThat(plugin.requiredAccess("m", config())).extracting(a -> a.resourceName()).containsExactly("east.orders", "east.payments");
    }
}
