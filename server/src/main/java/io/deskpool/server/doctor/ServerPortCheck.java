package io.deskpool.server.doctor;

import io.deskpool.core.doctor.CheckContext;
import io.deskpool.core.doctor.CheckResult;
import io.deskpool.core.doctor.DoctorCheck;
import io.deskpool.core.settings.Settings;
import io.deskpool.server.ServerSettings;
import io.deskpool.server.env.EnvApiSettings;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * HOST:PORT (and HOST:ENV_PORT, the remote env listener) can be listened on: the ports are free and HOST is an
 * address of this machine. Tried by binding and
 * closing at once, with address reuse on as Jetty has it, so a port left in TIME_WAIT counts as free.
 */
public final class ServerPortCheck implements DoctorCheck {
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
        CheckResult main = bind(host, address, port, "PORT", "50003");
        if (main.status() != io.deskpool.core.doctor.CheckStatus.PASS) {
            return main;
        }
        int envPort = settings.integer(EnvApiSettings.ENV_PORT, 0);
        if (envPort == 0 || envPort > 65535 || envPort == port) {
            return main;
        }
        CheckResult env = bind(host, address, envPort, "ENV_PORT", "15001; 0 turns the remote env listener off");
        if (env.status() != io.deskpool.core.doctor.CheckStatus.PASS) {
            return env;
        }
        String reach = address.isLoopbackAddress()
                ? "; only this machine can connect (clients elsewhere get 'Connection refused': set HOST=0.0.0.0 for them)"
                : address.isAnyLocalAddress() ? "; open them to clients in the firewall or security group" : "";
        return CheckResult.pass(host + ":" + port + " and the remote env port " + envPort + " are free" + reach);
    }

    private static CheckResult bind(String host, InetAddress address, int port, String setting, String usual) {
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
}
