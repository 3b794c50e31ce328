package io.deskpool.server.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deskpool.core.doctor.CheckContext;
import io.deskpool.core.doctor.CheckResult;
import io.deskpool.core.doctor.CheckStatus;
import io.deskpool.core.doctor.DoctorCheck;
import io.deskpool.core.settings.Settings;
import io.deskpool.server.ServerSettings;
import io.deskpool.server.env.EnvApiSettings;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * HOST:PORT (and HOST:ENV_PORT, the remote env listener) can be listened on: the ports are free and HOST is an
 * address of this machine. Tried by binding and closing at once, with address reuse on as Jetty has it, so a port
 * left in TIME_WAIT counts as free.
 *
 * <p>A port taken by a Deskpool server (its {@code /health} answers as one) is named as such. For the doctor that is
 * a warning: the user most likely runs the doctor beside the server they just started. At start it stays a
 * blocking failure: a second server would reconcile the first one's VMs before it failed to bind.
 */
public final class ServerPortCheck implements DoctorCheck {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final boolean atStart;

    /** The doctor's check: a running Deskpool on the port is a warning. */
    public ServerPortCheck() {
        this(false);
    }

    private ServerPortCheck(boolean atStart) {
        this.atStart = atStart;
    }

    /** The start-up check: any listener on the port, a running Deskpool too, stops the start. */
    public static ServerPortCheck atStart() {
        return new ServerPortCheck(true);
    }

    @Override
    public String name() {
        return "server port";
    }

    @Override
    public boolean blocking() {
        return true;
    }

    @Override
    public CheckResult run(CheckContext context) {
        Settings settings = context.settings();
        String host = settings.string(ServerSettings.HOST);
        int port = settings.integer(ServerSettings.PORT, 0);
        if (port > 65535) {
            throw settings.invalid(ServerSettings.PORT, String.valueOf(port), "a port number 0..65535");
        }
        if (port == 0) {
            return CheckResult.pass("PORT=0: the server takes any free port on " + host);
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            return CheckResult.fail("HOST '" + host + "' does not resolve", "set HOST=0.0.0.0 (every interface) or an address of this machine");
        }
        CheckResult main = bind(context, host, address, port, "PORT", "50003");
        if (main.status() != CheckStatus.PASS) {
            return main;
        }
        int envPort = settings.integer(EnvApiSettings.ENV_PORT, 0);
        if (envPort == 0 || envPort > 65535 || envPort == port) {
            return main;
        }
        CheckResult env = bind(context, host, address, envPort, "ENV_PORT", "15001; 0 turns the remote env listener off");
        if (env.status() != CheckStatus.PASS) {
            return env;
        }
        String reach = address.isLoopbackAddress()
                ? "; only this machine can connect (clients elsewhere get 'Connection refused': set HOST=0.0.0.0 for them)"
                : address.isAnyLocalAddress() ? "; open them to clients in the firewall or security group" : "";
        return CheckResult.pass(host + ":" + port + " and the remote env port " + envPort + " are free" + reach);
    }

    private CheckResult bind(CheckContext context, String host, InetAddress address, int port, String setting, String usual) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(address, port));
        } catch (BindException e) {
            String why = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            if (why.contains("cannot assign") || why.contains("not available")) {
                return CheckResult.fail("HOST " + host + " is not an address of this machine",
                        "set HOST=0.0.0.0 (every interface) or one of this machine's addresses (ip -br addr)");
            }
            if (why.contains("permission")) {
                return CheckResult.fail("port " + port + " needs root to listen on", "set " + setting + " above 1023 (default " + usual + ")");
            }
            Optional<String> deskpool = runningDeskpool(address, port, context.timeout());
            if (deskpool.isPresent()) {
                return runningHere(port, setting, deskpool.get());
            }
            return CheckResult.fail("port " + port + " (" + setting + ") on " + host + " is in use (" + e.getMessage() + ")",
                    "stop what listens there (ss -tlnp | grep :" + port + "; an earlier deskpool still running?) or set " + setting);
        } catch (IOException e) {
            return CheckResult.fail("cannot listen on " + host + ":" + port + ": " + e.getMessage(), "set HOST and " + setting
                    + " to an address and port this machine can listen on");
        }
        String reach = address.isLoopbackAddress()
                ? "; only this machine can connect (clients elsewhere get 'Connection refused': set HOST=0.0.0.0 for them)"
                : address.isAnyLocalAddress() ? "; open it to clients in the firewall or security group" : "";
        return CheckResult.pass(host + ":" + port + " is free" + reach);
    }

    private CheckResult runningHere(int port, String setting, String what) {
        String another = "give the other one its own PORT, ENV_PORT and STATE_DIR";
        if (atStart) {
            return CheckResult.fail("port " + port + " (" + setting + ") is in use by a Deskpool server that is running ("
                    + what + ")", "stop that server first, or " + another);
        }
        return CheckResult.warn("port " + port + " (" + setting + ") is served by a Deskpool server that is running ("
                        + what + "), so a second one could not start with these settings",
                "nothing, if that is your server: its own start-up ran these checks (see its log) and GET /health"
                        + " reports on it; to start another, stop it first or " + another);
    }

    /**
     * What the listener on the port says it is, when it answers {@code GET /health} as a Deskpool (main port and
     * remote env port alike): "provider qemu, 2 of 2 VMs".
     */
    static Optional<String> runningDeskpool(InetAddress address, int port, Duration timeout) {
        InetAddress target = address.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : address;
        String hostPart = target.getHostAddress().contains(":") ? "[" + target.getHostAddress() + "]" : target.getHostAddress();
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + hostPart + ":" + port + "/health"))
                    .timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(r.body());
            if (r.statusCode() != 200 || !body.path("provider").isTextual() || !body.path("pool").isObject()) {
                return Optional.empty();
            }
            JsonNode pool = body.path("pool");
            return Optional.of("provider " + body.path("provider").asText() + ", " + pool.path("total").asInt()
                    + " of " + pool.path("pool_size").asInt() + " VMs");
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
