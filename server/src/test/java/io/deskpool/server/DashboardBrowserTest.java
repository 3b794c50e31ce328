package io.deskpool.server;

import io.deskpool.core.settings.Settings;
import io.deskpool.core.testing.InMemoryProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real headless Chromium (Debian's chromium and chromedriver; CI installs them): without the
 * admin token it shows the pool's counters and asks for the token; with it, it shows the VM the test started, the
 * admin clicks its stop button, and the VM goes away.
 */
class DashboardBrowserTest {
    private static final String TOKEN = "dash-user-token";
    private static final String ADMIN = "dash-admin-token";

    @TempDir
    Path state;
    @TempDir
    Path browserProfile;
    private DeskpoolServer server;
    private WebDriver browser;

    @BeforeEach
    void start() {
        assertThat(new File("/usr/bin/chromedriver")).as("chromedriver (apt-get install chromium chromium-driver)").exists();
        server = DeskpoolServer.start(Settings.of(Map.of(
                "PROVIDER", "memory", "STATE_DIR", state.toString(), "HOST", "127.0.0.1", "PORT", "0",
                "TOKENS", TOKEN + ":2", "ADMIN_TOKEN", ADMIN, "POOL_SIZE", "2", "POOL_WARM", "0",
                "BREAKER_FAILURES", "1")), Clock.systemUTC());
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-quic", "--user-data-dir=" + browserProfile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 800));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            InMemoryProvider provider = (InMemoryProvider) server.pool().provider();
            provider.failNextDestroys(0);
            provider.failNextLaunches(0);
        }
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void asks_for_the_admin_token_then_shows_a_started_vm_and_stops_it() throws Exception {
        HttpCalls http = new HttpCalls("http://127.0.0.1:" + server.port());
        String vmId = http.post("/v1/leases", TOKEN, "{\"wait_seconds\": 10}").json().path("vm_id").asText();
        // The page refreshes every 2 s; an element found just before a refresh may be replaced, so look again.
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        wait.ignoring(StaleElementReferenceException.class);

        browser.get("http://127.0.0.1:" + server.port() + "/dashboard");
        By row = By.cssSelector("tr[data-vm-id='" + vmId + "']");
        wait.until(d -> d.findElement(By.id("state-leased")).getText().startsWith("1"));
        assertThat(browser.findElement(By.id("needs-admin")).isDisplayed()).isTrue();
        assertThat(browser.findElements(row)).isEmpty();
        assertThat(browser.getPageSource()).doesNotContain(TOKEN).doesNotContain(vmId);

        browser.findElement(By.id("admin-token")).sendKeys(ADMIN);
        browser.findElement(By.id("save-token")).click();
        String rowText = wait.until(d -> d.findElements(row).stream().findFirst().map(WebElement::getText).orElse(null));
        assertThat(rowText).contains(vmId, "leased", TOKEN);
        assertThat(browser.findElement(By.id("needs-admin")).isDisplayed()).isFalse();
        JavascriptExecutor js = (JavascriptExecutor) browser;
        assertThat(js.executeScript("return sessionStorage.getItem('deskpool_admin_token')")).isEqualTo(ADMIN);
        assertThat(js.executeScript("return localStorage.getItem('deskpool_admin_token')")).isNull();
        wait.until(d -> {
            d.findElement(row).findElement(By.cssSelector("button.stop")).click();
            return true;
        });

        wait.until(d -> d.findElements(row).isEmpty());
        assertThat(server.pool().vm(vmId)).isEmpty();
        assertThat(server.pool().leases()).isEmpty();
    }

    @Test
    void shows_an_open_circuit_breaker_and_a_vm_whose_destroy_keeps_failing_with_their_messages_to_the_admin() {
        HttpCalls http = new HttpCalls("http://127.0.0.1:" + server.port());
        InMemoryProvider provider = (InMemoryProvider) server.pool().provider();
        String vmId = http.post("/v1/leases", TOKEN, "{\"wait_seconds\": 10}").json().path("vm_id").asText();
        provider.failNextDestroys(1000);
        provider.kill(vmId);
        provider.failNextLaunches(1000);
        http.post("/v1/leases", TOKEN, "{\"wait_seconds\": 1}");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        wait.ignoring(StaleElementReferenceException.class);

        browser.get("http://127.0.0.1:" + server.port() + "/dashboard");

        wait.until(d -> !d.findElement(By.id("breaker")).getText().equals("…"));
        assertThat(browser.findElement(By.id("breaker")).getText()).isIn("open", "half open");
        assertThat(browser.findElement(By.id("breaker-detail")).getText()).contains(PoolJson.WITHHELD)
                .doesNotContain("failed on demand");
        assertThat(browser.findElement(By.id("lost")).getText()).isEqualTo("1");
        assertThat(browser.findElement(By.id("failed-destroys")).getText()).contains(vmId).doesNotContain("destroy failed");

        browser.findElement(By.id("admin-token")).sendKeys(ADMIN);
        browser.findElement(By.id("save-token")).click();

        wait.until(d -> d.findElement(By.id("breaker-detail")).getText().contains("failed on demand"));
        assertThat(browser.findElement(By.id("failed-destroys")).getText()).contains(vmId, "destroy failed");
    }
}
