package io.runnel.console;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.util.FileSystemUtils;

/**
 * The system's headless Chromium, driven for the console's browser tests: the same binaries, flags and skip rule as
 * {@code SwaggerUiBrowserTest} (Debian's {@code chromium} and {@code chromium-driver}; never a downloaded one).
 *
 * <p>{@link #screenshot} writes {@code docs/console/<name>.png} only when the tests run with
 * {@code -Drunnel.console.screenshots=true} (the README's pictures); {@link #keepEvidence} writes what the browser
 * showed to {@code target/console-<name>-failure.*}. One instance per test class; not thread-safe.
 */
final class ConsoleBrowser implements AutoCloseable {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    static final String SKIPPED = "console browser test skipped: needs " + CHROMIUM + " and " + CHROMEDRIVER
            + " (Debian: apt-get install chromium chromium-driver; .ci/run installs them)";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final ChromeDriverService service;
    private final ChromeDriver driver;
    private final Path profile;
    private final String base;

    ConsoleBrowser(int port) throws IOException {
        this.base = "http://localhost:" + port;
        this.profile = Files.createTempDirectory("runnel-console-chromium-");
        this.service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments(
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000", "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        this.driver = new ChromeDriver(service, options);
    }

    /** Checked before any application context starts, so a machine without a browser pays nothing. */
    static boolean installed() {
        return Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(CHROMEDRIVER));
    }

    ChromeDriver driver() {
        return driver;
    }

    /** Opens a console page by its route, e.g. {@code #/topics}. */
    void open(String route) {
        driver.get(base + "/console/" + route);
    }

    /**
     * Waits up to 30 s for the condition; the message says what was awaited. An element replaced while it was read
     * (the group page re-renders on every poll) only means "look again".
     */
    <T> T await(String what, Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT).withMessage(what).ignoring(StaleElementReferenceException.class).until(condition);
    }

    WebElement find(String css) {
        return await(css + " present", d -> {
            List<WebElement> found = d.findElements(By.cssSelector(css));
            return found.isEmpty() ? null : found.get(0);
        });
    }

    /** Waits until the element's text contains every fragment, and returns the text. */
    String awaitText(String css, String... fragments) {
        return await(css + " showing " + String.join(", ", fragments), d -> {
            for (WebElement e : d.findElements(By.cssSelector(css))) {
                String text = e.getText();
                if (List.of(fragments).stream().allMatch(text::contains)) {
                    return text;
                }
            }
            return null;
        });
    }

    void type(String css, String text) {
        WebElement field = find(css);
        field.clear();
        field.sendKeys(text);
    }

    /**
     * The page's script errors and Content-Security-Policy violations since the last call. Failed requests are
     * not among them: the console shows the API's refusals (a 401, a 404) on purpose.
     */
    List<String> scriptErrors() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::getMessage)
                .filter(m -> m.contains("Uncaught") || m.contains("Content Security Policy") || m.contains("SyntaxError"))
                .toList();
    }

    void screenshot(String name) throws IOException {
        screenshot(name, "body");
    }

    /** As {@link #screenshot(String)}, with the element matching css scrolled to the top of the window. */
    void screenshot(String name, String css) throws IOException {
        if (Boolean.getBoolean("runnel.console.screenshots")) {
            driver.executeScript("arguments[0].scrollIntoView(true)", find(css));
            Path dir = Path.of("docs", "console");
            Files.createDirectories(dir);
            Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), dir.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Keeps what the browser showed; a failure to do so is attached to the test's failure, never hides it. */
    void keepEvidence(String name, Throwable failure) {
        try {
            Path target = Path.of("target");
            Files.createDirectories(target);
            Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), target.resolve("console-" + name + "-failure.png"),
                    StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(target.resolve("console-" + name + "-failure.html"), driver.getPageSource());
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    @Override
    public void close() {
        driver.quit();
        service.stop();
        FileSystemUtils.deleteRecursively(profile.toFile());
    }
}
