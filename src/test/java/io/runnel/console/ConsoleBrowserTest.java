package io.runnel.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.TestDataDirs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The console as a new user meets it, in headless Chromium against a real node (its own application context and data
 * directory, security off): the flow — create a topic, produce from the form, see the record in the message
 * browser and in the live tail, join a group from outside the browser and watch its lag move (and reset its offsets
 * once it is empty), delete the topic —
 * then keyboard-only use, then a topic list of 1,000 topics.
 *
 * <p>The group is joined and committed with the JDK's HTTP client, as a user would with curl. Every wait is for a
 * condition the page shows; nothing is timed. With {@code -Drunnel.console.screenshots=true} each page is saved to
 * {@code docs/console/} for the README. Skipped, with the reason, where Chromium or its driver is not installed.
 *
 * <p>The context is closed after the class ({@code @DirtiesContext}), not at the JVM's exit: closing the logs of
 * a thousand topics takes longer than the test runner allows a JVM to exit, and nothing else shares this context.
 */
@EnabledIf(value = "io.runnel.console.ConsoleBrowser#installed", disabledReason = ConsoleBrowser.SKIPPED)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    private static final Path DATA_DIR = TestDataDirs.create("runnel-console-test-");
    private static final String TOPIC = "console-orders";
    private static final String GROUP = "console-billing";
    private static final String VALUE = "{\"amount\":12.50,\"id\":12345678901234567890,\"note\":\"<b>not bold</b>\"}";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static ConsoleBrowser browser;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", DATA_DIR::toString);
        registry.add("runnel.node.id", () -> "runnel-console");
    }

    @LocalServerPort
    int port;

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    private ConsoleBrowser browser() throws IOException {
        if (browser == null) {
            browser = new ConsoleBrowser(port);
        }
        return browser;
    }

    @Test
    @Order(1)
    void createProduceBrowseTailJoinWatchLagAndDelete() throws Exception {
        ConsoleBrowser b = browser();
        try {
            b.open("");
            b.awaitText("#instances", "runnel-console (controller)", "online");
            assertThat(b.driver().getCurrentUrl()).endsWith("/console/#/cluster");
            b.awaitText("#urp-count", "0 under-replicated partitions");
            b.screenshot("cluster");

            b.open("#/topics");
            b.find("#create-topic summary").click();
            b.type("#create-form input[name=topicName]", TOPIC);
            b.type("#create-form input[name=partitions]", "2");
            b.find("#create-button").click();
            b.awaitText("#partitions-table", "runnel-console");
            assertThat(b.driver().getCurrentUrl()).endsWith("#/topics/" + TOPIC);

            b.find("#tail-start").click();
            b.awaitText("#tail-status", "waiting for records");
            b.type("#produce-key", "customer-42");
            b.type("#produce-value", VALUE);
            b.type("#produce-headers", "source: console");
            b.find("#produce-partition option[value='0']").click();
            b.find("#produce-button").click();
            b.awaitText("#produce-result", "Produced to partition 0 at offset 0.");

            String tailed = b.awaitText("#tail-table tbody", "\"customer-42\"", "source", "console");
            assertThat(tailed).contains("\"amount\": 12.50", "\"id\": 12345678901234567890", "<b>not bold</b>");
            b.awaitText("#tail-status", "1 record received");

            b.find("#browse-button").click();
            String browsed = b.awaitText("#browse-table tbody", "\"customer-42\"");
            assertThat(browsed).contains("\"amount\": 12.50", "\"id\": 12345678901234567890", "<b>not bold</b>", "source", "console");
            assertThat(b.driver().findElements(By.cssSelector("#browse-table b"))).as("a value is text, never markup").isEmpty();
            b.find("#refresh").click();
            b.awaitText("#partitions-table tbody tr:first-child .hw", "1");
            b.screenshot("topic");
            b.screenshot("topic-messages", "#h-browse");

            b.type("#grow-partitions", "3");
            b.find("#grow-button").click();
            b.await("three partitions", d -> d.findElements(By.cssSelector("#partitions-table tbody tr")).size() == 3);
            b.type("#config-retention\\.ms", "86400000");
            b.find("#configs-button").click();
            b.awaitText("#configs-result", "Configs saved.");
            assertThat(api("GET", "/topics/" + TOPIC, null).body()).contains("\"retention.ms\":\"86400000\"", "\"partition\":2");

            b.open("#/topics");
            b.awaitText("#topics-table", TOPIC);
            b.awaitText("#metrics-note", "refreshed every 5 s");
            b.screenshot("topics");

            Member member = join();
            commit(member, 0);
            b.open("#/groups/" + GROUP);
            b.awaitText("#group-lag", "1");
            b.awaitText("#lag-table", TOPIC);
            api("POST", "/topics/" + TOPIC + "/partitions/0/records", "{\"records\":[{\"value\":1},{\"value\":2}]}");
            b.await("the lag to move from 1 to 3", d -> d.findElement(By.id("group-lag")).getText().equals("3"));
            commit(member, 3);
            b.await("the lag to fall to 0", d -> d.findElement(By.id("group-lag")).getText().equals("0"));
            b.screenshot("group");
            api("DELETE", "/groups/" + GROUP + "/members/" + member.id(), null);
            b.awaitText("#group-state", "Empty");
            b.find("#reset-form select[name=to] option[value=earliest]").click();
            b.find("#reset-button").click();
            b.awaitText("#reset-result", "Offsets reset.");
            b.await("the lag back to 3 after a reset to earliest", d -> d.findElement(By.id("group-lag")).getText().equals("3"));

            b.open("#/groups");
            b.awaitText("#groups-table", GROUP);
            b.screenshot("groups");
            String hook = TOPIC + "-hook";
            assertThat(api("PUT", "/connectors/" + hook + "/config", "{\"connector.class\":\"http-sink\",\"topics\":\"" + TOPIC
                    + "\",\"http.url\":\"http://127.0.0.1:9/hook\",\"webhook.secret\":\"s3cret\"}").statusCode()).isEqualTo(201);
            b.open("#/connectors");
            b.awaitText("#ext-body", hook);
            b.awaitText("#ext-body", "RUNNING");
            b.find("#ext-body button[data-act=pause]").click();
            b.awaitText("#ext-result", "pause requested");
            b.awaitText("#ext-body", "PAUSED");
            b.screenshot("connectors");
            b.find("#ext-body button[data-act=resume]").click();
            b.awaitText("#ext-body", "RUNNING");
            assertThat(b.find("#ext-body").getText()).doesNotContain("s3cret");
            assertThat(api("DELETE", "/connectors/" + hook, null).statusCode()).isEqualTo(204);
            String big = TOPIC + "-big";
            assertThat(api("POST", "/topics", "{\"name\":\"" + big + "\",\"partitions\":1}").statusCode()).isEqualTo(201);
            String stream = TOPIC + "-over-100";
            assertThat(api("PUT", "/streams/" + stream, "{\"from\":\"" + TOPIC + "\",\"to\":\"" + big
                    + "\",\"filter\":\"value.amount > 100\",\"startFrom\":\"latest\"}").statusCode()).isEqualTo(201);
            b.open("#/streams");
            b.awaitText("#ext-body", stream);
            b.awaitText("#ext-body", "value.amount > 100");
            b.awaitText("#ext-body", "RUNNING");
            b.find("#ext-body button[data-act=pause]").click();
            b.awaitText("#ext-result", "pause requested");
            b.awaitText("#ext-body", "PAUSED");
            b.screenshot("streams");
            b.find("#ext-body button[data-act=resume]").click();
            b.awaitText("#ext-body", "RUNNING");
            assertThat(api("DELETE", "/streams/" + stream, null).statusCode()).isEqualTo(204);
            assertThat(api("DELETE", "/topics/" + big, null).statusCode()).isEqualTo(204);

            b.open("#/topics/" + TOPIC);
            b.find("#delete-button").click();
            b.type("#delete-confirm", "not-" + TOPIC);
            b.find("#delete-confirm-button").click();
            b.awaitText("#delete-result", "Not confirmed");
            assertThat(api("GET", "/topics/" + TOPIC, null).statusCode()).isEqualTo(200);
            b.type("#delete-confirm", TOPIC);
            b.find("#delete-confirm-button").click();
            b.await("the topic list without the deleted topic", d -> d.getCurrentUrl().endsWith("#/topics")
                    && !d.findElements(By.id("topics-table")).isEmpty() && !d.findElement(By.id("topics-table")).getText().contains(TOPIC));
            assertThat(api("GET", "/topics/" + TOPIC, null).statusCode()).isEqualTo(404);
            assertThat(b.scriptErrors()).as("script errors or CSP violations").isEmpty();
        } catch (AssertionError | RuntimeException e) {
            b.keepEvidence("flow", e);
            throw e;
        }
    }

    @Test
    @Order(2)
    void keyboardAloneReachesNavigationCreateAndProduce() throws Exception {
        ConsoleBrowser b = browser();
        try {
            b.open("#/topics");
            b.driver().navigate().refresh();
            b.find("#topics-table");
            WebElement topicsLink = tabTo(b, "a[href='#/topics']");
            assertThat(topicsLink.getAttribute("aria-current")).isEqualTo("page");
            tabTo(b, "#create-topic summary").sendKeys(Keys.ENTER);
            tabTo(b, "#create-form input[name=topicName]").sendKeys("keyboard-topic");
            tabTo(b, "#create-button").sendKeys(Keys.ENTER);
            b.awaitText("#partitions-table", "runnel-console");
            tabTo(b, "#produce-value");
            tabTo(b, "#produce-button").sendKeys(Keys.ENTER);
            b.awaitText("#produce-result", "at offset 0");
            tabTo(b, "#browse-button").sendKeys(Keys.ENTER);
            b.awaitText("#browse-table tbody", "\"hello\": \"world\"");
            assertThat(b.scriptErrors()).as("script errors or CSP violations").isEmpty();
        } catch (AssertionError | RuntimeException e) {
            b.keepEvidence("keyboard", e);
            throw e;
        }
    }

    @Test
    @Order(3)
    void topicListRendersAThousandTopics() throws Exception {
        ConsoleBrowser b = browser();
        try {
            Semaphore inFlight = new Semaphore(8);
            List<CompletableFuture<HttpResponse<String>>> creates = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                inFlight.acquire();
                String body = "{\"name\":\"bulk-%04d\",\"partitions\":1,\"replicationFactor\":1}".formatted(i);
                creates.add(HTTP.sendAsync(request("POST", "/topics", body), HttpResponse.BodyHandlers.ofString())
                        .whenComplete((r, e) -> inFlight.release()));
            }
            for (CompletableFuture<HttpResponse<String>> create : creates) {
                assertThat(create.join().statusCode()).as(create.join().body()).isEqualTo(201);
            }
            int listed = count(api("GET", "/topics", null).body(), "\"name\":");
            assertThat(listed).isGreaterThanOrEqualTo(1000);

            b.open("#/topics");
            b.await(listed + " rows", d -> d.findElements(By.cssSelector("#topics-table tbody tr")).size() == listed);
            String renderMs = b.find("#topics-table").getAttribute("data-render-ms");
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target", "console-topics-render.txt"), listed + " topics rendered in " + renderMs + " ms\n");
            System.out.println("Console topic list: " + listed + " topics rendered in " + renderMs + " ms (request included)");
            assertThat(b.scriptErrors()).as("script errors or CSP violations").isEmpty();
        } catch (AssertionError | RuntimeException e) {
            b.keepEvidence("thousand-topics", e);
            throw e;
        }
    }

    /** Tabs forward from where the focus is until the element matching css has it (at most 60 presses). */
    private static WebElement tabTo(ConsoleBrowser b, String css) {
        WebElement target = b.find(css);
        for (int i = 0; i < 60; i++) {
            if (target.equals(b.driver().switchTo().activeElement())) {
                return target;
            }
            new Actions(b.driver()).sendKeys(Keys.TAB).perform();
        }
        throw new AssertionError("Tab never reached " + css + "; focus is on "
                + b.driver().switchTo().activeElement().getAttribute("outerHTML"));
    }

    record Member(String id, int generation) {
    }

    private Member join() throws Exception {
        HttpResponse<String> joined = api("POST", "/groups/" + GROUP + "/members", "{\"topics\":[\"" + TOPIC + "\"],\"sessionTimeoutMs\":60000}");
        assertThat(joined.statusCode()).as(joined.body()).isEqualTo(201);
        return new Member(field(joined.body(), "memberId"), Integer.parseInt(field(joined.body(), "generation")));
    }

    private void commit(Member member, long offset) throws Exception {
        String body = "{\"memberId\":\"%s\",\"generation\":%d,\"offsets\":[{\"topic\":\"%s\",\"partition\":0,\"offset\":%d}]}"
                .formatted(member.id(), member.generation(), TOPIC, offset);
        HttpResponse<String> committed = api("PUT", "/groups/" + GROUP + "/offsets", body);
        assertThat(committed.statusCode()).as(committed.body()).isEqualTo(200);
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"?([^\",}]*)").matcher(json);
        assertThat(m.find()).as("%s in %s", name, json).isTrue();
        return m.group(1);
    }

    private static int count(String text, String fragment) {
        return text.split(Pattern.quote(fragment), -1).length - 1;
    }

    private HttpRequest request(String method, String path, String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).header("Accept", "application/json");
        if (body != null) {
            builder.header("Content-Type", "application/json");
        }
        return builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private HttpResponse<String> api(String method, String path, String body) throws IOException, InterruptedException {
        return HTTP.send(request(method, path, body), HttpResponse.BodyHandlers.ofString());
    }
}
