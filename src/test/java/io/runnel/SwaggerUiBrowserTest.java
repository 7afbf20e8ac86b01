package io.runnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.FileSystemUtils;

/**
 * Swagger UI as a new user meets it: headless Chromium opens {@code /swagger-ui/index.html} and,
 * with "Try it out" and the values the API document fills in (nothing typed), creates a topic,
 * produces to it, reads it back and joins a group, checking the status and a fragment of the body
 * Swagger UI shows for each.
 *
 * <p>The document's examples name the topic {@code orders}, so this class runs its own application
 * context on its own data directory (not the one {@link HttpScenarioTest} shares) and the create is
 * always a 201. The browser and its driver are the system's ({@value #CHROMIUM}, {@value #CHROMEDRIVER};
 * Debian packages {@code chromium} and {@code chromium-driver}, which the CI script installs); where
 * either is missing the class is skipped with that reason, and Selenium never downloads one. On
 * failure a screenshot and the page source are written to {@code target/swagger-ui-failure.*}.
 */
@EnabledIf(value = "browserInstalled", disabledReason = "Swagger UI browser test skipped: needs " + SwaggerUiBrowserTest.CHROMIUM
        + " and " + SwaggerUiBrowserTest.CHROMEDRIVER + " (Debian: apt-get install chromium chromium-driver; .ci/run installs them)")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SwaggerUiBrowserTest {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final Path DATA_DIR = TestDataDirs.create("runnel-swagger-ui-test-");
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static ChromeDriverService service;
    private static ChromeDriver browser;
    private static Path profile;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", DATA_DIR::toString);
        registry.add("runnel.node.id", () -> "runnel-swagger-ui");
    }

    @LocalServerPort
    int port;

    /**
     * Checked before the application context starts, so a machine without a browser pays nothing. A class-level
     * condition rather than an assumption in {@code @BeforeAll}: Surefire reports the latter as no test at all,
     * without its message; a disabled class is reported as skipped with the reason.
     */
    static boolean browserInstalled() {
        return Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(CHROMEDRIVER));
    }

    @BeforeAll
    static void startBrowser() throws IOException {
        profile = Files.createTempDirectory("runnel-chromium-");
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER);
        service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments(
                // No network here beyond the node under test: background services would only retry refused connections.
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1600", "--user-data-dir=" + profile);
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.stop();
        }
        if (profile != null) {
            FileSystemUtils.deleteRecursively(profile.toFile());
        }
    }

    @Test
    void tryItOutWithTheDocumentedValuesCreatesProducesReadsAndJoins() {
        try {
            browser.get("http://localhost:" + port + "/swagger-ui/index.html");

            Answer created = tryItOut("operations-Topics-createTopic");
            assertThat(created.status()).as(created.body()).isEqualTo("201");
            assertThat(created.body()).contains("\"name\":\"orders\"", "\"partition\":2");

            Answer produced = tryItOut("operations-Produce-produce");
            assertThat(produced.status()).as(produced.body()).isEqualTo("200");
            assertThat(produced.body()).contains("\"results\":[", "\"offset\":0");

            Answer read = tryItOut("operations-Fetch-fetchRecords");
            assertThat(read.status()).as(read.body()).isEqualTo("200");
            assertThat(read.body()).contains("\"records\":[", "\"key\":\"x\"");

            Answer joined = tryItOut("operations-Consumer_groups-joinGroup");
            assertThat(joined.status()).as(joined.body()).isEqualTo("201");
            assertThat(joined.body()).contains("\"memberId\":", "\"topic\":\"orders\"");
        } catch (AssertionError | RuntimeException e) {
            keepEvidence(e);
            throw e;
        }
    }

    /** What Swagger UI shows as the server's response: its status, and its body without white space. */
    record Answer(String status, String body) {
    }

    /** Expands the operation, presses "Try it out" and "Execute" without changing a value, and reads the answer. */
    private Answer tryItOut(String operationId) {
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        WebElement operation = wait.until(ExpectedConditions.presenceOfElementLocated(By.id(operationId)));
        operation.findElement(By.cssSelector(".opblock-summary-control")).click();
        wait.until(ExpectedConditions.elementToBeClickable(operation.findElement(By.cssSelector(".try-out__btn")))).click();
        wait.until(ExpectedConditions.elementToBeClickable(operation.findElement(By.cssSelector(".execute")))).click();
        By status = By.cssSelector(".live-responses-table tr.response .response-col_status");
        By refused = By.cssSelector(".validation-errors");
        wait.withMessage(() -> operationId + ": no server response shown")
                .until(d -> !operation.findElements(status).isEmpty() || !operation.findElements(refused).isEmpty());
        assertThat(operation.findElements(refused)).as("%s: Swagger UI refused to send the request with the document's values",
                operationId).extracting(WebElement::getText).isEmpty();
        String body = operation.findElements(By.cssSelector(".live-responses-table tr.response .highlight-code .microlight"))
                .stream().findFirst().map(WebElement::getText).orElse("");
        // The highlighter's line breaks are not kept faithfully in the text; compare without white space.
        return new Answer(operation.findElement(status).getText().trim(), body.replaceAll("\\s", ""));
    }

    /** Keeps what the browser showed; a failure to do so is attached to the test's failure, never hides it. */
    private static void keepEvidence(Throwable failure) {
        try {
            Path target = Path.of("target");
            Files.createDirectories(target);
            Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), target.resolve("swagger-ui-failure.png"),
                    StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(target.resolve("swagger-ui-failure.html"), browser.getPageSource());
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
