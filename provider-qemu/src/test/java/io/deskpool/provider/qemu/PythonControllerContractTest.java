package io.deskpool.provider.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.spi.VmHandle;
import io.deskpool.core.testing.ScreenMatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The test guest driven through every call of OSWorld's {@code PythonController}
 * (desktop_env/controllers/python.py), each sent as it sends it (method, body encoding, timeout) and each answer
 * checked the way it reads it, so that a client passing here would pass against the real in-VM server. The other
 * routes of the in-VM server that only the setup controller uses are checked after them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PythonControllerContractTest {
    /** The controller's prefix for every action (PythonController.pkgs_prefix). */
    private static final String PREFIX = "import pyautogui; import time; pyautogui.FAILSAFE = False; %s";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    @TempDir
    static Path stateDir;
    private QemuProvider provider;
    private VmHandle vm;
    private String server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    void boot() {
        provider = TestProviders.create("controller-contract", stateDir);
        vm = provider.awaitReady(provider.launch("vm-contract", provider.baseSpec()), Duration.ofSeconds(120));
        VmEndpoints ep = vm.requireEndpoints();
        server = "http://" + ep.host() + ":" + ep.serverPort();
    }

    @AfterAll
    void destroy() {
        if (vm != null) {
            provider.destroy(vm);
        }
    }

    // ---- the controller's calls ---------------------------------------------------------------------

    @Test
    void get_screenshot_answers_a_png() throws Exception {
        HttpResponse<byte[]> r = send(get("/screenshot", 10));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith(PNG_MAGIC); // _is_valid_image_response
    }

    @Test
    void get_accessibility_tree_answers_the_tree_under_at() throws Exception {
        assertThat(json(send(get("/accessibility", 30))).path("AT").isTextual()).isTrue();
    }

    @Test
    void get_terminal_output_answers_output() throws Exception {
        JsonNode body = json(send(get("/terminal", 10)));
        assertThat(body.has("output")).isTrue();
        assertThat(body.path("output").isTextual() || body.path("output").isNull()).isTrue();
    }

    @Test
    void get_file_answers_the_files_bytes() throws Exception {
        runBash("printf 'contract bytes' > /tmp/contract.txt", 30);
        HttpResponse<byte[]> r = send(form("/file", Map.of("file_path", "/tmp/contract.txt"), 0));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("contract bytes");
    }

    @Test
    void execute_python_command_answers_the_execute_fields() throws Exception {
        JsonNode body = executePython("pyautogui.moveTo(10, 20)");
        assertThat(body.path("status").asText()).isEqualTo("success");
        assertThat(body.path("returncode").asInt()).isZero();
        assertThat(body.has("output")).isTrue();
        assertThat(body.has("error")).isTrue();
    }

    @Test
    void run_python_script_answers_status_message_output_error_and_return_code() throws Exception {
        HttpResponse<byte[]> r = send(postJson("/run_python", Map.of("code", "print('hello', 42)"), 90));
        // Anything but 200 makes the controller read response.json()["error"].
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.path("status").asText()).isEqualTo("success");
        assertThat(body.path("output").asText()).isEqualTo("hello 42\n");
        assertThat(body.path("message").asText()).isEqualTo("hello 42\n");
        assertThat(body.path("error").asText()).isEmpty();
        assertThat(body.path("return_code").asInt()).isZero();
        assertThat(body.path("need_more").isBoolean()).isTrue();
    }

    @Test
    void run_python_script_reports_a_failing_script_as_status_error_with_the_error_text() throws Exception {
        JsonNode body = json(send(postJson("/run_python", Map.of("code", "undefined_function()"), 90)));
        assertThat(body.path("status").asText()).isEqualTo("error");
        assertThat(body.path("error").asText()).contains("Error");
        assertThat(body.path("return_code").asInt()).isNotZero();
    }

    @Test
    void run_bash_script_answers_merged_output_and_the_return_code() throws Exception {
        JsonNode body = runBash("echo out; echo err >&2; pwd; exit 3", 30);
        assertThat(body.path("status").asText()).isEqualTo("error");
        assertThat(body.path("output").asText()).isEqualTo("out\nerr\n/home/user\n");
        assertThat(body.path("error").asText()).isEmpty();
        assertThat(body.path("returncode").asInt()).isEqualTo(3);
    }

    @Test
    void run_bash_script_runs_in_the_working_directory() throws Exception {
        var payload = new java.util.HashMap<String, Object>(Map.of("script", "pwd", "timeout", 30, "working_dir", "~/Desktop"));
        JsonNode body = json(send(postJson("/run_bash_script", payload, 130)));
        assertThat(body.path("status").asText()).isEqualTo("success");
        assertThat(body.path("output").asText()).isEqualTo("/home/user/Desktop\n");
    }

    @Test
    void every_action_type_of_execute_action_runs() throws Exception {
        // The commands execute_action builds, in its formats (tween names, keyword arguments, repr'd text).
        List<String> actions = List.of(
                "pyautogui.moveTo()",
                "pyautogui.moveTo(400, 300, 0.5, pyautogui.easeInQuad)",
                "pyautogui.moveTo(410, 310, 0.7, pyautogui.easeInElastic)",
                "pyautogui.click()",
                "pyautogui.click(button='left', x=100, y=120, clicks=2)",
                "pyautogui.click(button='right')",
                "pyautogui.click(button='left', clicks=3)",
                "pyautogui.click(x=130, y=140)",
                "pyautogui.click(x=150, y=160, clicks=2)",
                "pyautogui.mouseDown()",
                "pyautogui.mouseDown(button='left')",
                "pyautogui.mouseUp()",
                "pyautogui.mouseUp(button='left')",
                "pyautogui.rightClick()",
                "pyautogui.rightClick(x=170, y=180)",
                "pyautogui.doubleClick()",
                "pyautogui.doubleClick(x=190, y=200)",
                "pyautogui.dragTo(210, 220, duration=1.0, button='left', mouseDownUp=True)",
                "pyautogui.hscroll(-3)",
                "pyautogui.vscroll(5)",
                "pyautogui.typewrite(" + pythonRepr("it's \"quoted\" \\ text") + ")",
                "pyautogui.press('enter')",
                "pyautogui.keyDown('shift')",
                "pyautogui.keyUp('shift')",
                "pyautogui.hotkey('ctrl', 'c')");
        for (String action : actions) {
            JsonNode body = executePython(action);
            assertThat(body.path("returncode").asInt()).as(action + ": " + body.path("error").asText()).isZero();
        }
        JsonNode position = json(send(get("/cursor_position", 10)));
        assertThat(position).hasSize(2);
        assertThat(List.of(position.get(0).asInt(), position.get(1).asInt())).containsExactly(210, 220);
        assertThat(json(send(get("/accessibility", 30))).path("AT").asText()).contains("it's &quot;quoted&quot; \\ text");
    }

    @Test
    void get_vm_platform_reads_linux_from_a_python_print() throws Exception {
        assertThat(executePython("import platform; print(platform.system())").path("output").asText().strip())
                .isEqualTo("Linux");
    }

    @Test
    void get_vm_screen_size_answers_width_and_height() throws Exception {
        JsonNode body = json(send(post("/screen_size", 0)));
        assertThat(body.path("width").asInt()).isEqualTo(TestGuestImage.DEFAULT_SCREEN.width());
        assertThat(body.path("height").asInt()).isEqualTo(TestGuestImage.DEFAULT_SCREEN.height());
    }

    @Test
    void get_vm_window_size_answers_the_size_of_an_application_window() throws Exception {
        assertThat(send(postJson("/setup/launch", Map.of("command", List.of("sleep", "300")), 60)).statusCode())
                .isEqualTo(200);
        JsonNode body = json(send(form("/window_size", Map.of("app_class_name", "sleep"), 0)));
        assertThat(body.path("width").asInt()).isPositive();
        assertThat(body.path("height").asInt()).isPositive();
        assertThat(send(form("/window_size", Map.of("app_class_name", "no-such-app"), 0)).statusCode())
                .as("no such window: the real server's handler returns None, a 500").isEqualTo(500);
    }

    @Test
    void get_vm_wallpaper_answers_the_default_image_then_the_file_set_as_wallpaper() throws Exception {
        HttpResponse<byte[]> before = send(post("/wallpaper", 0));
        assertThat(before.statusCode()).isEqualTo(200);
        assertThat(before.body()).startsWith(PNG_MAGIC);

        runBash("printf 'not really a png' > /tmp/wall.png", 30);
        assertThat(send(postJson("/setup/change_wallpaper", Map.of("path", "/tmp/wall.png"), 60)).statusCode()).isEqualTo(200);

        assertThat(new String(send(post("/wallpaper", 0)).body(), StandardCharsets.UTF_8)).isEqualTo("not really a png");
    }

    @Test
    void get_vm_desktop_path_answers_desktop_path() throws Exception {
        assertThat(json(send(post("/desktop_path", 0))).path("desktop_path").asText()).isEqualTo("/home/user/Desktop");
    }

    @Test
    void get_vm_directory_tree_answers_directory_tree() throws Exception {
        runBash("mkdir -p /tmp/tree/sub && touch /tmp/tree/sub/leaf", 30);
        JsonNode tree = json(send(postJson("/list_directory", Map.of("path", "/tmp/tree"), 0))).path("directory_tree");
        assertThat(tree.path("type").asText()).isEqualTo("directory");
        assertThat(tree.path("name").asText()).isEqualTo("tree");
        assertThat(tree.path("children").get(0).path("children").get(0).path("name").asText()).isEqualTo("leaf");
    }

    @Test
    void start_and_end_recording_answer_an_mp4_of_the_desktop() throws Exception {
        assertThat(send(post("/start_recording", 0)).statusCode()).isEqualTo(200);
        assertThat(send(post("/start_recording", 0)).statusCode()).as("second start").isEqualTo(400);
        executePython("pyautogui.moveTo(640, 100)");
        Thread.sleep(500);
        executePython("pyautogui.write('recorded')");
        Thread.sleep(500);
        BufferedImage screenshot = ImageIO.read(new ByteArrayInputStream(send(get("/screenshot", 10)).body()));

        HttpResponse<byte[]> r = send(post("/end_recording", 0));

        assertThat(r.statusCode()).isEqualTo(200);
        Mp4Frames video = Mp4Frames.parse(ByteBuffer.wrap(r.body()));
        assertThat(video.codec()).isEqualTo("png ");
        assertThat(video.frameCount()).isGreaterThanOrEqualTo(3);
        assertThat(video.durationMillis()).isGreaterThanOrEqualTo(900);
        BufferedImage last = ImageIO.read(new ByteArrayInputStream(video.lastFrame()));
        assertThat(ScreenMatch.differingPixels(last, screenshot)).as("the last frame shows the desktop").isZero();
        assertThat(json(send(post("/end_recording", 0))).path("message").asText()).isEqualTo("No recording in progress to stop.");
    }

    // ---- the other routes of the in-VM server (the setup controller's) --------------------------------

    @Test
    void execute_with_verification_reports_passed_with_the_wait_time() throws Exception {
        var payload = Map.of("command", "echo ok", "shell", true,
                "verification", Map.of("command_success", "test -d /home/user"));
        for (String path : List.of("/execute_with_verification", "/setup/execute_with_verification")) {
            HttpResponse<byte[]> r = send(postJson(path, payload, 60));
            JsonNode body = json(r);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(body.path("verification").asText()).isEqualTo("passed");
            assertThat(body.path("output").asText()).isEqualTo("ok\n");
            assertThat(body.path("wait_time").isNumber()).isTrue();
        }
    }

    @Test
    void execute_with_verification_reports_a_window_that_never_appeared_as_failed() throws Exception {
        var payload = Map.of("command", "true", "shell", true, "verification", Map.of("window_exists", "No Such Window"),
                "max_wait_time", 1, "check_interval", 0.2);
        HttpResponse<byte[]> r = send(postJson("/setup/execute_with_verification", payload, 60));
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(json(r).path("status").asText()).isEqualTo("verification_failed");
        assertThat(json(r).path("verification").asText()).isEqualTo("failed");
    }

    @Test
    void download_file_fetches_a_url_into_the_path() throws Exception {
        // The guest reaches nothing outside; its own in-VM server is a real HTTP peer.
        HttpResponse<byte[]> r = send(postJson("/setup/download_file",
                Map.of("url", "http://127.0.0.1:5000/screenshot", "path", "~/Downloads/shot.png"), 330));
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).startsWith("File downloaded successfully: ");
        HttpResponse<byte[]> file = send(form("/file", Map.of("file_path", "~/Downloads/shot.png"), 0));
        assertThat(file.body()).startsWith(PNG_MAGIC);
    }

    @Test
    void download_file_without_url_is_a_400() throws Exception {
        HttpResponse<byte[]> r = send(postJson("/setup/download_file", Map.of("path", "/tmp/x"), 30));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("Path or URL not supplied!");
    }

    // ---- requests as the controller sends them -------------------------------------------------------

    private JsonNode executePython(String command) throws Exception {
        List<String> commandList = List.of("python", "-c", PREFIX.formatted(command));
        HttpResponse<byte[]> r = send(postJson("/execute", Map.of("command", commandList, "shell", false), 90));
        assertThat(r.statusCode()).as(command).isEqualTo(200);
        return json(r);
    }

    private JsonNode runBash(String script, int timeout) throws Exception {
        ObjectNode payload = JSON.createObjectNode().put("script", script).put("timeout", timeout).putNull("working_dir");
        HttpRequest request = HttpRequest.newBuilder(URI.create(server + "/run_bash_script"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(timeout + 100))
                .POST(HttpRequest.BodyPublishers.ofString(payload.toString())).build();
        HttpResponse<byte[]> r = send(request);
        assertThat(r.statusCode()).isEqualTo(200);
        return json(r);
    }

    private HttpRequest get(String path, int timeoutSeconds) {
        return builder(path, timeoutSeconds).GET().build();
    }

    /** requests.post without a body (and, like the controller, often without a timeout: 0 here). */
    private HttpRequest post(String path, int timeoutSeconds) {
        return builder(path, timeoutSeconds).POST(HttpRequest.BodyPublishers.noBody()).build();
    }

    private HttpRequest postJson(String path, Object payload, int timeoutSeconds) throws Exception {
        return builder(path, timeoutSeconds).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(payload))).build();
    }

    /** requests.post(data={...}): an urlencoded form. */
    private HttpRequest form(String path, Map<String, String> fields, int timeoutSeconds) {
        StringBuilder body = new StringBuilder();
        fields.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return builder(path, timeoutSeconds).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
    }

    private HttpRequest.Builder builder(String path, int timeoutSeconds) {
        // No timeout in the controller means none; the test still bounds it so a hang fails instead of stalling.
        return HttpRequest.newBuilder(URI.create(server + path))
                .timeout(Duration.ofSeconds(timeoutSeconds > 0 ? timeoutSeconds : 300));
    }

    private HttpResponse<byte[]> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode json(HttpResponse<byte[]> r) throws Exception {
        return JSON.readTree(r.body());
    }

    /** Python's repr() of a str, as execute_action builds TYPING commands. */
    static String pythonRepr(String s) {
        char quote = s.contains("'") && !s.contains("\"") ? '"' : '\'';
        StringBuilder out = new StringBuilder().append(quote);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c == quote) {
                        out.append('\\');
                    }
                    out.append(c);
                }
            }
        }
        return out.append(quote).toString();
    }
}
