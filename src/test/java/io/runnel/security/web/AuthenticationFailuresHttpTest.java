package io.runnel.security.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.TestDataDirs;
import io.runnel.TestHttp;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Failed authentications over real HTTP: counted by reason in {@code runnel_auth_failures_total}, logged
 * without the credential, and, from one address that keeps failing, answered late but still as proper
 * {@code 401} problems. No durations are asserted; the held-back answers are counted.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class AuthenticationFailuresHttpTest {
    static final String BOOTSTRAP = "bootstrap-key-for-failure-tests-0123";
    static final Path DATA_DIR = TestDataDirs.create("runnel-authn-failures-test-");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", DATA_DIR::toString);
        registry.add("runnel.security.enabled", () -> "true");
        registry.add("runnel.security.bootstrap-key", () -> BOOTSTRAP);
    }

    @LocalServerPort
    int port;

    HttpRequest request(String path, String authorization) {
        HttpRequest.Builder request = new TestHttp(port).request(path).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return request.build();
    }

    TestHttp.Response get(String path, String authorization) {
        return new TestHttp(port).send(request(path, authorization));
    }

    double metric(String name, String reason) {
        String scrape = get("/actuator/prometheus", "Bearer " + BOOTSTRAP).body();
        String labels = reason == null ? "(\\{[^}]*})?" : "\\{[^}]*reason=\"" + reason + "\"[^}]*}";
        Matcher m = Pattern.compile("(?m)^" + name + labels + " (?<value>\\S+)$").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group("value")) : -1;
    }

    @Test
    void failuresAreCountedByReason() {
        double missing = metric("runnel_auth_failures_total", "missing");
        double malformed = metric("runnel_auth_failures_total", "malformed");
        double invalid = metric("runnel_auth_failures_total", "invalid");
        assertThat(metric("runnel_auth_failures_total", "expired")).isGreaterThanOrEqualTo(0);
        assertThat(metric("runnel_auth_failures_total", "unmapped")).isGreaterThanOrEqualTo(0);

        assertThat(get("/topics", null).status()).isEqualTo(401);
        assertThat(get("/topics", "Digest abc").status()).isEqualTo(401);
        assertThat(get("/topics", "Bearer not-a-key").status()).isEqualTo(401);

        assertThat(metric("runnel_auth_failures_total", "missing")).isEqualTo(missing + 1);
        assertThat(metric("runnel_auth_failures_total", "malformed")).isEqualTo(malformed + 1);
        assertThat(metric("runnel_auth_failures_total", "invalid")).isEqualTo(invalid + 1);
    }

    @Test
    void anAddressThatKeepsFailingGetsItsRefusalsLateButIntact(CapturedOutput output) {
        double delayedBefore = metric("runnel_auth_failures_delayed_total", null);
        String guess = "guessed-key-" + "x".repeat(20);
        List<CompletableFuture<java.net.http.HttpResponse<String>>> answers = IntStream.range(0, 8)
                .mapToObj(i -> new TestHttp(port).client().sendAsync(request("/topics", "Bearer " + guess + i),
                        java.net.http.HttpResponse.BodyHandlers.ofString()))
                .toList();
        for (CompletableFuture<java.net.http.HttpResponse<String>> answer : answers) {
            java.net.http.HttpResponse<String> response = answer.join();
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.body()).contains("\"code\":\"UNAUTHENTICATED\"");
            assertThat(response.headers().allValues("WWW-Authenticate")).isNotEmpty();
        }
        assertThat(metric("runnel_auth_failures_delayed_total", null)).isGreaterThanOrEqualTo(delayedBefore + 3);
        assertThat(output.getOut()).contains("failed authentications from").doesNotContain(guess);
    }

    @Test
    void theLogNamesTheFailureButNeverTheSecret(CapturedOutput output) {
        String basic = Base64.getEncoder().encodeToString("some-key-id:the-secret-part-0123456789".getBytes(StandardCharsets.UTF_8));
        assertThat(get("/topics", "Basic " + basic).status()).isEqualTo(401);
        assertThat(output.getOut()).doesNotContain("the-secret-part-0123456789").doesNotContain(basic);
    }
}
