package io.runnel.security.web;

import static io.runnel.security.Operation.ALTER;
import static io.runnel.security.Operation.READ;
import static io.runnel.security.Operation.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.TestHttp;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Streams act with their creator's rights: a definition whose literal output (or dead-letter topic) the creator may not
 * write is refused at create with {@code 403}; one allowed writes; a routed output is checked by the API at each
 * write, so a refused one stops the stream {@code FAILED} with that refusal.
 */
class StreamSecurityHttpTest extends SecuredHttpTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private Client streamManager(String in, String stream) {
        Client creator = newPrincipal("streams");
        allowCluster(creator, ALTER);
        allowTopic(creator, in, READ);
        allowGroup(creator, "connect-stream." + stream, READ);
        return creator;
    }

    @Test
    void aCreatorWhoMayNotWriteTheOutputIsRefusedAtCreate() {
        String in = unique("sin");
        String out = unique("sout");
        admin().createTopic(in);
        admin().createTopic(out);
        String stream = unique("refused");
        Client creator = streamManager(in, stream);

        TestHttp.Response refused = creator.put("/streams/" + stream, "{\"from\":\"" + in + "\",\"to\":\"" + out + "\"}");
        TestHttp.assertProblem(refused, 403, "TOPIC_AUTHORIZATION_FAILED");
        assertThat(refused.json().path("topic").asString()).isEqualTo(out);
        TestHttp.assertProblem(admin().get("/streams/" + stream), 404, "STREAM_NOT_FOUND");

        TestHttp.Response noDeadLetters = creator.put("/streams/" + stream, "{\"from\":\"" + in + "\",\"to\":\"'x-' + value.side\","
                + "\"errors.deadletterqueue.topic.name\":\"" + out + "\"}");
        TestHttp.assertProblem(noDeadLetters, 403, "TOPIC_AUTHORIZATION_FAILED");
    }

    @Test
    void anAllowedCreatorsStreamWritesAndARefusedRoutedWriteFailsIt() {
        String in = unique("sin");
        String out = unique("sout");
        admin().createTopic(in);
        admin().createTopic(out);
        admin().produce(in);

        String allowed = unique("allowed");
        Client creator = streamManager(in, allowed);
        allowTopic(creator, out, WRITE);
        TestHttp.Response created = creator.put("/streams/" + allowed, "{\"from\":\"" + in + "\",\"to\":\"" + out + "\",\"startFrom\":\"earliest\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(admin().get("/topics/" + out + "/partitions/0").json().path("highWatermark").asLong()).isEqualTo(1));

        String routed = unique("routed");
        Client router = streamManager(in, routed);
        TestHttp.Response routing = router.put("/streams/" + routed, "{\"from\":\"" + in + "\",\"to\":\"'" + out + "' + ''\","
                + "\"startFrom\":\"earliest\"}");
        assertThat(routing.status()).as(routing.body()).isEqualTo(201);
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(admin().get("/streams/" + routed).json().path("state").asString()).isEqualTo("FAILED"));
        assertThat(admin().get("/streams/" + routed).json().path("error").asString()).contains("403").contains(out);
        assertThat(admin().get("/topics/" + out + "/partitions/0").json().path("highWatermark").asLong()).isEqualTo(1);
    }
}
