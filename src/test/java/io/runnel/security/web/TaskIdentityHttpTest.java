package io.runnel.security.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.TestHttp;
import io.runnel.cluster.HttpForwarder;
import io.runnel.security.KafkaPrincipal;
import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A server-side task's calls ({@link TaskIdentity}) with security on: authenticated as the task's principal
 * with this process's token and checked against that principal's ACLs on every call; refused {@code 401}
 * with any other token.
 */
class TaskIdentityHttpTest extends SecuredHttpTest {
    @Autowired
    TaskIdentity tasks;

    private TestHttp.Response get(String path, Map<String, String> headers) {
        TestHttp http = new TestHttp(port);
        HttpRequest.Builder request = http.request(path).GET();
        headers.forEach(request::header);
        return http.send(request.build());
    }

    @Test
    void aTaskActsAsItsPrincipalWithItsRights() {
        KafkaPrincipal owner = KafkaPrincipal.user(unique("task-owner"));
        Map<String, String> headers = tasks.headersFor(owner);

        TestHttp.Response whoami = get("/whoami", headers);
        assertThat(whoami.status()).as(whoami.body()).isEqualTo(200);
        assertThat(whoami.body()).contains("\"" + owner + "\"");
        assertThat(get("/connectors", headers).status()).as("no ACL").isEqualTo(403);
    }

    @Test
    void aWrongTaskTokenIsRefusedLikeAWrongKey() {
        Map<String, String> forged = Map.of(HttpForwarder.TASK_PRINCIPAL, "User%3Aadmin", HttpForwarder.TASK_TOKEN, "guessed");

        TestHttp.Response refused = get("/whoami", forged);

        assertThat(refused.status()).as(refused.body()).isEqualTo(401);
        assertThat(tasks.toString()).doesNotContain(tasks.headersFor(KafkaPrincipal.user("x")).get(HttpForwarder.TASK_TOKEN));
    }
}
