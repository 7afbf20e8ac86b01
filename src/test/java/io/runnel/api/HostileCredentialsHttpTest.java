package io.runnel.api;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.TestDataDirs;
import io.runnel.TestHttp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With security on, credentials are one more thing a hostile client sends: broken {@code Authorization}
 * headers (schemes, base64, separators, sizes, bytes outside ASCII, JWT-shaped garbage, several headers)
 * and forged forwarding headers never get a 5xx, never authenticate, never write a record, and never put
 * a secret or a stack trace in the log. Each case comes from its own loopback address (127.0.x.y), so the
 * slow-down of repeated failures from one address does not stretch the run; the seed is printed
 * ({@code -Drunnel.fuzz.seed=} replays a run).
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HostileCredentialsHttpTest {
    static final String BOOTSTRAP = "bootstrap-key-for-hostile-tests-0123456789";
    static final Path DATA_DIR = TestDataDirs.create("runnel-hostile-credentials-");
    static final long SEED = 0x14_07_2L;
    static final int CASES = 300;
    static final String BODY = "{\"records\":[{\"value\":\"hostile\"}]}";

    @DynamicPropertySource
    static void securityOn(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", DATA_DIR::toString);
        registry.add("runnel.security.enabled", () -> "true");
        registry.add("runnel.security.bootstrap-key", () -> BOOTSTRAP);
    }

    @LocalServerPort
    int port;

    @Test
    void brokenCredentialsNeverGetA5xxNorAuthenticate(CapturedOutput output) throws IOException {
        TestHttp admin = new TestHttp(port);
        TestHttp.Response created = admin.send(admin.request("/topics").header("Authorization", "Bearer " + BOOTSTRAP)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"hostile-auth\"}")).build());
        assertThat(created.status()).as(created.body()).isEqualTo(201);

        long seed = Long.getLong("runnel.fuzz.seed", SEED);
        System.out.println("hostile-credentials fuzz: seed " + seed + ", " + CASES + " cases");
        Random random = new Random(seed);
        List<String> failures = new ArrayList<>();
        Map<String, SortedMap<Integer, Integer>> statuses = new TreeMap<>();
        for (int i = 0; i < CASES; i++) {
            String[] target = TARGETS[random.nextInt(TARGETS.length)];
            List<String> headers = new ArrayList<>(List.of("Accept: " + target[2]));
            String kind = credentials(random, headers);
            byte[] body = target[0].equals("POST") ? BODY.getBytes(UTF_8) : new byte[0];
            if (body.length > 0) {
                headers.add("Content-Type: application/json");
                headers.add("Content-Length: " + body.length);
            }
            InetAddress from = InetAddress.getByAddress(new byte[] {127, 0, (byte) (1 + i / 250), (byte) (1 + i % 250)});
            RawHttp.Answer answer = RawHttp.exchange(from, port, HostileClientHttpTest.request(target[0] + " " + target[1] + " HTTP/1.1",
                    headers, body));
            statuses.computeIfAbsent(kind, k -> new TreeMap<>()).merge(answer.status(), 1, Integer::sum);
            if (answer.status() >= 500 || answer.status() >= 200 && answer.status() < 300 || answer.closedWithoutAnswer()) {
                failures.add("#" + i + " " + kind + " " + String.join(" | ", headers) + " → " + answer);
            }
        }
        statuses.forEach((kind, counts) -> System.out.println("  " + kind + ": " + counts));
        assertThat(failures).as("seed " + seed).isEmpty();
        int refused = statuses.values().stream().mapToInt(counts -> counts.getOrDefault(401, 0)).sum();
        assertThat(refused).as("cases that reached authentication and were refused with 401, seed " + seed).isGreaterThan(CASES / 2);

        TestHttp.Response described = admin.send(admin.request("/topics/hostile-auth").header("Authorization", "Bearer " + BOOTSTRAP).GET().build());
        assertThat(described.json().at("/partitions/0/highWatermark").asLong()).as("records written").isZero();
        assertThat(output.getAll()).doesNotContain(" ERROR ").doesNotContain("\n\tat ").doesNotContain(BOOTSTRAP.substring(0, 20));
    }

    /** Method, path, Accept: every kind of call the credentials guard. */
    private static final String[][] TARGETS = {
            {"POST", "/topics/hostile-auth/records", "application/json"},
            {"GET", "/topics/hostile-auth/partitions/0/records?offset=0", "application/json"},
            {"GET", "/topics/hostile-auth/partitions/0/records", "text/event-stream"},
            {"GET", "/topics", "application/json"},
            {"GET", "/whoami", "application/json"},
            {"GET", "/actuator/prometheus", "text/plain"},
            {"POST", "/api-keys", "application/json"}};

    /** Adds broken credentials to {@code headers}; returns what kind they are. */
    private static String credentials(Random random, List<String> headers) {
        String near = BOOTSTRAP.substring(0, BOOTSTRAP.length() - 1) + "X";
        String[] values = {"", " ", "Bearer", "Bearer ", "Bearer  ", "bearer x", "Basic", "Basic ", "Basic =", "Basic !!!!",
                "Basic " + b64("bootstrap"), "Basic " + b64(":"), "Basic " + b64("bootstrap:"), "Basic " + b64(":" + BOOTSTRAP),
                "Basic " + b64("bootstrap:" + near), "Basic " + b64("\u0000:\u0000"), "Bearer " + near, "Bearer " + BOOTSTRAP + "\u0000",
                "Bearer a.b.c", "Bearer ..", "Bearer e30.e30.", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.",
                "Bearer " + "x".repeat(8_000), "Digest username=\"admin\"", "Negotiate YII=", "Bearer \u00e9\u00e8", "Bearer\t" + near,
                "Basic " + b64("bootstrap:" + BOOTSTRAP).substring(1), BOOTSTRAP};
        int pick = random.nextInt(values.length + 3);
        if (pick < values.length) {
            headers.add("Authorization: " + values[pick]);
            return "fixed";
        }
        if (pick == values.length) {
            headers.add("Authorization: Bearer " + near);
            headers.add("Authorization: Bearer " + near.toLowerCase());
            return "two-headers";
        }
        if (pick == values.length + 1) {
            headers.add("Runnel-Forwarded-Principal: User:admin");
            headers.add("Runnel-Forwarded-Credential: bootstrap-key");
            headers.add("Runnel-Forwarded-By: other");
            if (random.nextBoolean()) {
                headers.add("Runnel-Cluster-Secret: " + near);
            }
            return "forged-forwarding";
        }
        StringBuilder s = new StringBuilder(random.nextBoolean() ? "Bearer " : "Basic ");
        int length = 1 + random.nextInt(60);
        for (int i = 0; i < length; i++) {
            char c = (char) (0x20 + random.nextInt(0xe0));
            s.append(c == 0x7f ? '~' : c);
        }
        headers.add("Authorization: " + new String(s.toString().getBytes(ISO_8859_1), ISO_8859_1));
        return "random";
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(UTF_8));
    }
}
