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
 * Swagger UI with security on: the page and the document load without credentials, "Try it out" of
 * {@code whoami} is refused with {@code 401} until "Authorize" is given the bootstrap key, and then answers
 * as {@code User:admin}. Same browser setup and skip rule as {@link SwaggerUiBrowserTest}.
 */
@EnabledIf(value = "io.runnel.SwaggerUiBrowserTest#browserInstalled", disabledReason = "Swagger UI browser test skipped: needs "
        + SwaggerUiBrowserTest.CHROMIUM + " and " + SwaggerUiBrowserTest.CHROMEDRIVER)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SwaggerUiAuthorizeBrowserTest {
    private static final String BOOTSTRAP = "bootstrap-key-for-the-browser-0123456789";
    private static final Path DATA_DIR = TestDataDirs.create("runnel-swagger-ui-authorize-test-");
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static ChromeDriverService service;
    private static ChromeDriver browser;
    private static Path profile;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", DATA_DIR::toString);
        registry.add("runnel.security.enabled", () -> "true");
        registry.add("runnel.security.bootstrap-key", () -> BOOTSTRAP);
    }

    @LocalServerPort
    int port;

    @BeforeAll
    static void startBrowser() throws IOException {
        profile = Files.createTempDirectory("runnel-chromium-");
        service = new ChromeDriverService.Builder().usingDriverExecutable(new File(SwaggerUiBrowserTest.CHROMEDRIVER))
                .usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions().setBinary(SwaggerUiBrowserTest.CHROMIUM).addArguments(
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
    void authorizeSendsTheKeyWithTryItOut() {
        try {
            browser.get("http://localhost:" + port + "/swagger-ui/index.html");
            WebDriverWait wait = new WebDriverWait(browser, WAIT);
            WebElement whoami = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("operations-Security-whoami")));
            whoami.findElement(By.cssSelector(".opblock-summary-control")).click();
            wait.until(ExpectedConditions.elementToBeClickable(whoami.findElement(By.cssSelector(".try-out__btn")))).click();

            assertThat(execute(whoami)).isEqualTo("401");

            browser.findElement(By.cssSelector(".auth-wrapper .btn.authorize")).click();
            WebElement bearer = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("auth-bearer-value")));
            bearer.sendKeys(BOOTSTRAP);
            WebElement form = bearer.findElement(By.xpath("ancestor::form"));
            form.findElement(By.cssSelector("button.authorize")).click();
            browser.findElement(By.cssSelector(".modal-ux .close-modal")).click();

            assertThat(execute(whoami)).isEqualTo("200");
            String body = whoami.findElements(By.cssSelector(".live-responses-table tr.response .highlight-code .microlight"))
                    .stream().findFirst().map(WebElement::getText).orElse("").replaceAll("\\s", "");
            assertThat(body).contains("\"principal\":\"User:admin\"", "\"superUser\":true");
        } catch (AssertionError | RuntimeException e) {
            keepEvidence(e);
            throw e;
        }
    }

    /** Presses "Execute" and returns the status Swagger UI shows once a new answer arrived. */
    private String execute(WebElement operation) {
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        operation.findElements(By.cssSelector(".btn-clear")).forEach(WebElement::click);
        By status = By.cssSelector(".live-responses-table tr.response .response-col_status");
        wait.until(d -> operation.findElements(status).isEmpty());
        wait.until(ExpectedConditions.elementToBeClickable(operation.findElement(By.cssSelector(".execute")))).click();
        wait.withMessage("no server response shown").until(d -> !operation.findElements(status).isEmpty());
        return operation.findElement(status).getText().trim();
    }

    private static void keepEvidence(Throwable failure) {
        try {
            Path target = Path.of("target");
            Files.createDirectories(target);
            Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), target.resolve("swagger-ui-authorize-failure.png"),
                    StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(target.resolve("swagger-ui-authorize-failure.html"), browser.getPageSource());
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
