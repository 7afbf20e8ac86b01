package io.runnel.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.TestDataDirs;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The console with security on: it loads without a credential, asks for an API key, shows a wrong key's
 * {@code 401} problem as the API wrote it, and with the bootstrap key shows {@code User:admin} and the super-user's
 * API keys and ACLs. Same browser and skip rule as {@link ConsoleBrowserTest}.
 */
@EnabledIf(value = "io.runnel.console.ConsoleBrowser#installed", disabledReason = ConsoleBrowser.SKIPPED)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class ConsoleSignInBrowserTest {
    private static final String BOOTSTRAP = "bootstrap-key-for-the-console-0123456789";
    private static final Path DATA_DIR = TestDataDirs.create("runnel-console-sign-in-test-");

    private static ConsoleBrowser browser;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("runnel.data-dir", DATA_DIR::toString);
        registry.add("runnel.security.enabled", () -> "true");
        registry.add("runnel.security.bootstrap-key", () -> BOOTSTRAP);
    }

    @LocalServerPort
    int port;

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void aWrongKeyShowsThe401ProblemAndTheBootstrapKeySignsInAsAdmin() throws IOException {
        browser = new ConsoleBrowser(port);
        ConsoleBrowser b = browser;
        try {
            b.open("");
            b.await("the sign-in page", d -> d.getCurrentUrl().endsWith("#/sign-in"));
            b.find("#sign-in-link");
            b.type("#api-key", "not-a-key-of-this-cluster");
            b.find("#sign-in-button").click();
            String refused = b.awaitText("#sign-in-result .problem", "401", "UNAUTHENTICATED");
            assertThat(refused).contains("Unauthenticated");
            b.screenshot("sign-in");

            b.type("#api-key", BOOTSTRAP);
            b.find("#sign-in-button").click();
            b.awaitText("#whoami", "User:admin");
            b.await("the cluster page", d -> d.getCurrentUrl().endsWith("#/cluster"));
            b.awaitText("#instances", "online");

            b.open("#/security");
            b.awaitText("#me", "User:admin", "yes");
            b.find("#keys-table");
            b.find("#acls-table");
            b.type("#key-form input[name=principal]", "User:alice");
            b.type("#key-form input[name=description]", "console test");
            b.find("#key-form button").click();
            b.awaitText("#security-result", "Key created for User:alice");
            b.awaitText("#keys-table", "User:alice", "console test");
            b.open("#/cluster");
            b.open("#/security");
            b.awaitText("#keys-table", "User:alice", "console test");
            b.screenshot("security");
            assertThat(b.scriptErrors()).as("script errors or CSP violations").isEmpty();
        } catch (AssertionError | RuntimeException e) {
            b.keepEvidence("sign-in", e);
            throw e;
        }
    }
}
