package io.runnel.group;

import static io.runnel.TestHttp.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.RunnelApplication;
import io.runnel.TestHttp;
import io.runnel.TestHttp.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * A group across a server restart on the same data directory: committed offsets survive, the
 * members do not (membership lives in memory), and a member of the old process is told to join
 * again, as the contract promises for removed members.
 */
class GroupRestartHttpTest {
    @TempDir
    Path dataDir;

    private ConfigurableApplicationContext start() {
        return new SpringApplicationBuilder(RunnelApplication.class)
                .run("--server.port=0", "--runnel.data-dir=" + dataDir, "--spring.jmx.enabled=false");
    }

    private static TestHttp client(ConfigurableApplicationContext app) {
        return new TestHttp(Integer.parseInt(app.getEnvironment().getRequiredProperty("local.server.port")));
    }

    @Test
    void committedOffsetsSurviveARestartAndAMemberOfTheOldProcessIsToldToJoinAgain() {
        String member;
        try (ConfigurableApplicationContext first = start()) {
            TestHttp http = client(first);
            http.createTopic("orders", 1);
            http.produce("orders", 0, "1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
            JsonNode joined = http.post("/groups/billing/members",
                    Map.of("topics", List.of("orders"), "autoOffsetReset", "earliest")).json();
            member = joined.path("memberId").asString();
            Response read = http.get("/groups/billing/members/" + member + "/records?limit=6");
            assertThat(read.json().path("records")).hasSize(6);
            Response commit = http.put("/groups/billing/offsets", Map.of("memberId", member,
                    "generation", joined.path("generation").asInt(),
                    "offsets", List.of(Map.of("topic", "orders", "partition", 0, "offset", 6))));
            assertThat(commit.status()).as(commit.body()).isEqualTo(200);
        }

        try (ConfigurableApplicationContext second = start()) {
            TestHttp http = client(second);

            JsonNode group = http.get("/groups/billing").json();
            assertThat(group.path("state").asString()).isEqualTo("Empty");
            assertThat(group.path("offsets").get(0).path("committedOffset").asLong()).isEqualTo(6);
            assertThat(group.path("offsets").get(0).path("lag").asLong()).isEqualTo(4);
            assertThat(http.get("/actuator/prometheus").body())
                    .containsPattern("runnel_group_lag\\{[^}]*group=\"billing\"[^}]*\\} 4\\.0");

            assertProblem(http.get("/groups/billing/members/" + member + "/records"), 404, "UNKNOWN_MEMBER");
            assertProblem(http.post("/groups/billing/members/" + member + "/heartbeat", ""), 404, "UNKNOWN_MEMBER");

            String rejoined = http.post("/groups/billing/members", Map.of("topics", List.of("orders"))).json()
                    .path("memberId").asString();
            List<Long> offsets = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                http.get("/groups/billing/members/" + rejoined + "/records?waitMs=200").json().path("records")
                        .forEach(r -> offsets.add(r.path("offset").asLong()));
                return offsets.size() >= 4;
            });
            assertThat(offsets).as("resumes at the committed offset, not at autoOffsetReset=latest").containsExactly(6L, 7L, 8L, 9L);
        }
    }
}
