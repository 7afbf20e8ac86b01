package io.runnel.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.HttpScenarioTest;
import io.runnel.HttpTestClient;
import io.runnel.partition.LogManager;
import io.runnel.partition.Partition;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** A long poll held on a topic that is deleted meanwhile answers 404, not an empty 200 from a log that is gone. */
class LongPollTopicDeletedTest extends HttpScenarioTest {
    @Autowired
    LogManager logs;

    @Test
    void aHeldLongPollOnATopicDeletedMeanwhileAnswers404TopicNotFound() throws Exception {
        createTopic("doomed", 1);
        Partition partition = logs.partition("doomed", 0).orElseThrow();
        CompletableFuture<HttpTestClient.Response> waiting =
                http.sendAsync(http.request("/topics/doomed/partitions/0/records?offset=0&waitMs=20000").GET().build());
        await().atMost(Duration.ofSeconds(10)).until(() -> partition.waiterCount() == 1);

        assertThat(http.delete("/topics/doomed").status()).isEqualTo(204);
        HttpTestClient.Response answer = waiting.get(15, TimeUnit.SECONDS);

        assertThat(answer.status()).as(answer.body()).isEqualTo(404);
        assertThat(answer.json().path("code").asString()).isEqualTo("TOPIC_NOT_FOUND");
        assertThat(answer.json().path("topic").asString()).isEqualTo("doomed");
    }
}
