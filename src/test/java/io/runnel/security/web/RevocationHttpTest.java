package io.runnel.security.web;

import static io.runnel.TestHttp.assertProblem;
import static io.runnel.security.Operation.READ;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.TestHttp;
import io.runnel.security.Access;
import io.runnel.security.AclBindingFilter;
import io.runnel.security.ResourceType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * A revoked key or ACL ends that principal's long-lived requests within a few seconds, over real HTTP:
 * an open Server-Sent Event stream ends with an {@code error} event carrying the {@code 401} or {@code 403}
 * problem, a held long poll (a fetch with {@code waitMs}, a member's read with {@code waitMs}) answers that
 * problem at once instead of at its 30 s deadline. Each wait is bounded; nothing sleeps. Shares the secured
 * node of {@link SecuredHttpTest}.
 */
class RevocationHttpTest extends SecuredHttpTest {
    /** Far beyond "a few seconds", well below the 30 s a held poll would otherwise wait. */
    private static final Duration BOUND = Duration.ofSeconds(15);

    @Autowired
    Revocations revocations;

    private final List<InputStream> openStreams = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeStreams() throws IOException {
        for (InputStream in : openStreams) {
            in.close();
        }
    }

    /** A stream read on its own thread: its lines, and whether the server ended it. */
    final class Stream {
        final List<String> lines = new CopyOnWriteArrayList<>();
        volatile boolean ended;

        Stream(Client caller, String topic) throws Exception {
            HttpResponse<InputStream> r = caller.http().client().send(caller.request("/topics/" + topic + "/partitions/0/stream")
                    .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            openStreams.add(r.body());
            assertThat(r.statusCode()).isEqualTo(200);
            Thread reader = new Thread(() -> read(r.body()), "revocation-test-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void read(InputStream body) {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
                ended = true;
            } catch (IOException e) {
                // closed by the test
            }
        }

        /** The problem of the stream's last event, which must be an {@code error} event. */
        JsonNode lastError() {
            int event = lines.lastIndexOf("event:error");
            assertThat(event).as("an error event in %s", lines).isNotNegative();
            String data = lines.subList(event, lines.size()).stream().filter(l -> l.startsWith("data:")).findFirst().orElseThrow();
            return TestHttp.JSON.readTree(data.substring("data:".length()));
        }
    }

    /** A principal allowed to READ a new topic that has one record, and that topic. */
    private record Reader(Client client, String topic) {
    }

    private Reader reader(String prefix) {
        String topic = unique("revoke-t");
        admin().createTopic(topic);
        admin().produce(topic);
        Client client = newPrincipal(prefix);
        allowTopic(client, topic, READ);
        return new Reader(client, topic);
    }

    private Stream openStream(Reader reader) throws Exception {
        Stream stream = new Stream(reader.client(), reader.topic());
        await().atMost(BOUND).until(() -> stream.lines.contains("event:record"));
        return stream;
    }

    private void revokeReadAcls(Client client) {
        metadata.deleteAcls(new AclBindingFilter(client.principal(), null, null, null, null, null));
    }

    @Test
    void deletingTheKeyEndsAnOpenStream() throws Exception {
        Reader reader = reader("stream-key");
        Stream stream = openStream(reader);

        metadata.deleteApiKey(reader.client().keyId());

        await().atMost(BOUND).until(() -> stream.ended);
        assertThat(stream.lastError().path("code").asString()).isEqualTo("UNAUTHENTICATED");
    }

    @Test
    void deletingTheAclEndsAnOpenStream() throws Exception {
        Reader reader = reader("stream-acl");
        Stream stream = openStream(reader);

        revokeReadAcls(reader.client());

        await().atMost(BOUND).until(() -> stream.ended);
        JsonNode problem = stream.lastError();
        assertThat(problem.path("code").asString()).isEqualTo("TOPIC_AUTHORIZATION_FAILED");
        assertThat(problem.path("resourceName").asString()).isEqualTo(reader.topic());
        assertThat(problem.path("operation").asString()).isEqualTo("READ");
    }

    /** The {@code WWW-Authenticate} of the last held poll's answer, empty when it had none. */
    private final java.util.concurrent.atomic.AtomicReference<String> lastChallenge = new java.util.concurrent.atomic.AtomicReference<>("");

    /** Requests watched before the poll (streams of other tests whose clients left may linger until a keep-alive). */
    private int watchedBefore;

    /** Starts a long poll that waits 30 s for a record after the last one, and returns once the server holds it. */
    private CompletableFuture<TestHttp.Response> heldPoll(Client client, String path) {
        int before = revocations.watched();
        watchedBefore = before;
        CompletableFuture<TestHttp.Response> poll = client.http().client()
                .sendAsync(client.request(path).GET().build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> {
                    lastChallenge.set(r.headers().firstValue("WWW-Authenticate").orElse(""));
                    return new TestHttp.Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
                });
        await().atMost(BOUND).until(() -> revocations.watched() > before || poll.isDone());
        assertThat(poll).as("the poll is held, not answered").isNotDone();
        return poll;
    }

    @Test
    void deletingTheKeyAnswersAHeldFetchAtOnce() throws Exception {
        Reader reader = reader("poll-key");
        CompletableFuture<TestHttp.Response> poll = heldPoll(reader.client(),
                "/topics/" + reader.topic() + "/partitions/0/records?offset=latest&waitMs=30000");

        metadata.deleteApiKey(reader.client().keyId());

        assertProblem(poll.get(BOUND.toSeconds(), TimeUnit.SECONDS), 401, "UNAUTHENTICATED");
        assertThat(lastChallenge.get()).as("a 401 carries its challenge").startsWith("Bearer");
        await().atMost(BOUND).until(() -> revocations.watched() <= watchedBefore);
    }

    @Test
    void deletingTheAclAnswersAHeldFetchAtOnce() throws Exception {
        Reader reader = reader("poll-acl");
        CompletableFuture<TestHttp.Response> poll = heldPoll(reader.client(),
                "/topics/" + reader.topic() + "/partitions/0/records?offset=latest&waitMs=30000");

        revokeReadAcls(reader.client());

        AuthorizationHttpTest.assertRefused(poll.get(BOUND.toSeconds(), TimeUnit.SECONDS), Access.topic(READ, reader.topic()));
    }

    @Test
    void deletingTheGroupAclAnswersAHeldMemberReadAtOnce() throws Exception {
        Reader reader = reader("member-acl");
        String group = unique("revoke-g");
        allowGroup(reader.client(), group, READ);
        TestHttp.Response joined = reader.client().join(group, reader.topic());
        assertThat(joined.status()).as(joined.body()).isEqualTo(201);
        String records = "/groups/" + group + "/members/" + joined.json().path("memberId").asString() + "/records";
        assertThat(reader.client().get(records).json().path("records").size()).as("the record there").isEqualTo(1);
        CompletableFuture<TestHttp.Response> poll = heldPoll(reader.client(), records + "?waitMs=30000");

        metadata.deleteAcls(new AclBindingFilter(reader.client().principal(), ResourceType.GROUP, null, null, null, null));

        AuthorizationHttpTest.assertRefused(poll.get(BOUND.toSeconds(), TimeUnit.SECONDS), Access.group(READ, group));
    }

    @Test
    void finishedRequestsAreForgotten() throws Exception {
        Reader reader = reader("forgotten");
        CompletableFuture<TestHttp.Response> poll = heldPoll(reader.client(),
                "/topics/" + reader.topic() + "/partitions/0/records?offset=latest&waitMs=30000");
        admin().produce(reader.topic());

        assertThat(poll.get(BOUND.toSeconds(), TimeUnit.SECONDS).status()).isEqualTo(200);
        await().atMost(BOUND).until(() -> revocations.watched() <= watchedBefore);
    }
}
