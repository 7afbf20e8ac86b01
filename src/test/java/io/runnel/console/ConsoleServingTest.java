package io.runnel.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.TestDataDirs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * How the console's files are served with security on: {@code /} and {@code /console} redirect to {@code /console/},
 * the page and its modules load without a credential under a same-origin Content-Security-Policy, and the API
 * behind it still refuses a call without one.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ConsoleServingTest {
    private static final Path DATA_DIR = TestDataDirs.create("runnel-console-serving-test-");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", DATA_DIR::toString);
        registry.add("runnel.security.enabled", () -> "true");
        registry.add("runnel.security.bootstrap-key", () -> "bootstrap-key-for-the-serving-test-0123456789");
    }

    @LocalServerPort
    int port;

    @Test
    void rootAndConsoleWithoutSlashRedirectToTheConsole() throws Exception {
        for (String path : new String[] {"/", "/console"}) {
            HttpResponse<String> answer = get(path);
            assertThat(answer.statusCode()).as(path).isEqualTo(302);
            assertThat(answer.headers().firstValue("Location")).as(path).hasValueSatisfying(l -> assertThat(l).endsWith("/console/"));
        }
    }

    @Test
    void thePageAndItsModulesLoadWithoutACredentialUnderASameOriginPolicy() throws Exception {
        HttpResponse<String> page = get("/console/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.body()).contains("<title>Runnel console</title>", "src=\"app.js\"");
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
                p -> assertThat(p).contains("script-src 'self'", "connect-src 'self'"));
        for (String module : new String[] {"app.js", "api.js", "json.js", "topic.js", "console.css"}) {
            assertThat(get("/console/" + module).statusCode()).as(module).isEqualTo(200);
        }
    }

    @Test
    void theApiBehindTheConsoleStillNeedsACredential() throws Exception {
        HttpResponse<String> topics = get("/topics");
        assertThat(topics.statusCode()).isEqualTo(401);
        assertThat(topics.body()).contains("UNAUTHENTICATED");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
