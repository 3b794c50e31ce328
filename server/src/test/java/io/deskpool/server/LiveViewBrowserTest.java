package io.deskpool.server;

import io.deskpool.core.guest.GuestExec;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.testing.ScreenMatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
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

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live view end to end, in a real headless Chromium against a real QEMU test guest: the VM's holder clicks
 * "view" on the dashboard, and the page (noVNC through Deskpool's relay to QEMU's VNC WebSocket) draws exactly
 * what the guest's /screenshot shows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveViewBrowserTest {
    @TempDir
    static Path state;
    @TempDir
    static Path browserProfile;
    private DeskpoolServer server;
    private WebDriver browser;
    private HttpCalls http;

    @BeforeAll
    void start() {
        assertThat(new File("/usr/bin/chromedriver")).as("chromedriver (apt-get install chromium chromium-driver)").exists();
        server = QemuServerTestBed.start(state, Map.of("POOL_SIZE", "1", "POOL_WARM", "1"));
        http = new HttpCalls("http://127.0.0.1:" + server.port());
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-quic", "--user-data-dir=" + browserProfile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1400, 900));
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void the_view_button_opens_a_page_that_draws_the_guests_screen() throws Exception {
        var lease = http.post("/v1/leases", QemuServerTestBed.ALPHA, "{\"wait_seconds\": 240}").json();
        String vmId = lease.path("vm_id").asText();
        VmEndpoints vm = server.pool().vm(vmId).orElseThrow().handle().orElseThrow().requireEndpoints();
        assertThat(GuestExec.shell(vm, "python -c \"import pyautogui; pyautogui.moveTo(700, 300); "
                + "pyautogui.write('live view')\"", Duration.ofSeconds(60)).succeeded()).isTrue();
        BufferedImage screenshot = ImageIO.read(vm.serverUri("/screenshot").toURL());

        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        wait.ignoring(StaleElementReferenceException.class);
        browser.get("http://127.0.0.1:" + server.port() + "/dashboard");
        browser.findElement(By.id("admin-token")).sendKeys(QemuServerTestBed.ALPHA);
        browser.findElement(By.id("save-token")).click();
        String dashboard = browser.getWindowHandle();
        By viewButton = By.cssSelector("tr[data-vm-id='" + vmId + "'] button.view");
        wait.until(d -> {
            d.findElement(viewButton).click();
            return true;
        });
        wait.until(d -> d.getWindowHandles().size() == 2);
        browser.switchTo().window(browser.getWindowHandles().stream().filter(h -> !h.equals(dashboard)).findFirst().orElseThrow());

        WebElement status = wait.until(d -> d.findElement(By.id("status")));
        wait.until(d -> "connected".equals(status.getDomAttribute("data-state")));
        assertThat(browser.getCurrentUrl()).endsWith("/vms/" + vmId + "/view");
        assertThat(ScreenMatch.eventually(this::canvas, screenshot, Duration.ofSeconds(30)))
                .as("pixels of the view that differ from /screenshot").isZero();
        browser.close();
        browser.switchTo().window(dashboard);
        http.delete("/v1/leases/" + lease.path("lease_id").asText(), QemuServerTestBed.ALPHA);
    }

    @Test
    void an_osworld_client_opening_window_in_a_fresh_browser_tab_sees_its_emulators_vm() {
        // A /v1 lease is an emulator too; waiting for it lets the other test give the one VM back first.
        var lease = http.post("/v1/leases", QemuServerTestBed.ALPHA, "{\"wait_seconds\": 240}").json();
        String emulator = lease.path("lease_id").asText();
        String vmId = lease.path("vm_id").asText();
        String before = browser.getWindowHandle();
        browser.switchTo().newWindow(org.openqa.selenium.WindowType.TAB);  // its own sessionStorage: no token kept

        browser.get("http://127.0.0.1:" + server.port() + "/window?emulator_id=" + emulator + "&token=" + QemuServerTestBed.ALPHA);

        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        WebElement status = wait.until(d -> d.findElement(By.id("status")));
        wait.until(d -> "connected".equals(status.getDomAttribute("data-state")));
        assertThat(browser.getCurrentUrl()).as("the used ticket is gone from the address").endsWith("/vms/" + vmId + "/view");
        browser.close();
        browser.switchTo().window(before);
        http.delete("/v1/leases/" + emulator, QemuServerTestBed.ALPHA);
    }

    /** The noVNC canvas at its own resolution (the page scales it only on screen). */
    private BufferedImage canvas() throws Exception {
        String dataUrl = (String) ((JavascriptExecutor) browser).executeScript(
                "const c = document.querySelector('#screen canvas'); return c ? c.toDataURL('image/png') : null;");
        assertThat(dataUrl).as("the view has a canvas").isNotNull();
        byte[] png = Base64.getDecoder().decode(dataUrl.substring(dataUrl.indexOf(',') + 1));
        return ImageIO.read(new ByteArrayInputStream(png));
    }
}
