package io.deskpool.core.net;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for the internet and for internal networks that this machine (loopback only) does not have: a
 * network namespace made by the test, joined to the host by a veth pair, holding one documentation address
 * (TEST-NET-3, "the internet") and one address in each of three internal ranges (private, link-local, CGNAT),
 * with host routes for exactly those addresses. A {@link MarkerServer} process listens on all of them. Nothing
 * is sent anywhere but into this namespace. Needs root; {@link #close()} removes it all.
 */
public final class TestInternet implements AutoCloseable {
    public static final String INTERNET = "203.0.113.253";
    public static final String PRIVATE = "10.77.77.1";
    public static final String LINK_LOCAL = "169.254.77.77";
    public static final String CGNAT = "100.64.77.77";
    /** The host's end of the veth: one more address of the host, outside every internal range. */
    public static final String HOST_END = "198.51.100.253";
    private static final String NAMESPACE_END = "198.51.100.254";
    public static final int PORT = 8777;

    private final String namespace;
    private final String hostLink;
    private Process server;

    private TestInternet(String namespace, String hostLink) {
        this.namespace = namespace;
        this.hostLink = hostLink;
    }

    /** Root (network namespaces) and iproute2. */
    public static boolean possibleHere() {
        try {
            int uid = ((Number) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid")).intValue();
            ip("-V");
            return uid == 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    public static TestInternet create() throws IOException {
        long id = ProcessHandle.current().pid() % 100000;
        var net = new TestInternet("deskpool-net-isolation-" + id, "dpni" + id + "h");
        try {
            net.setUp("dpni" + id + "n");
            return net;
        } catch (IOException | RuntimeException e) {
            net.close();
            throw e;
        }
    }

    private void setUp(String namespaceLink) throws IOException {
        ip("netns", "add", namespace);
        ip("link", "add", hostLink, "type", "veth", "peer", "name", namespaceLink);
        ip("link", "set", namespaceLink, "netns", namespace);
        ip("addr", "add", HOST_END + "/30", "dev", hostLink);
        ip("link", "set", hostLink, "up");
        ip("-n", namespace, "link", "set", "lo", "up");
        ip("-n", namespace, "addr", "add", NAMESPACE_END + "/30", "dev", namespaceLink);
        for (String a : List.of(INTERNET, PRIVATE, LINK_LOCAL, CGNAT)) {
            ip("-n", namespace, "addr", "add", a + "/32", "dev", namespaceLink);
            ip("route", "add", a + "/32", "via", NAMESPACE_END, "dev", hostLink);
        }
        ip("-n", namespace, "link", "set", namespaceLink, "up");
        startServer();
    }

    /** The marker server, as a java process of its own inside the namespace, for at most ten minutes. */
    private void startServer() throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("java.class.path");
        server = new ProcessBuilder("ip", "netns", "exec", namespace, java, "-cp", classpath,
                MarkerServer.class.getName(), Integer.toString(PORT), "internet", "600")
                .redirectErrorStream(true).start();
        var out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (!"listening".equals(first)) {
            throw new IOException("the marker server in " + namespace + " did not start: " + first);
        }
    }

    /** The namespace's name (for a test that needs to enter it). */
    public String namespace() {
        return namespace;
    }

    @Override
    public void close() {
        if (server != null) {
            server.destroyForcibly();
        }
        quietly("link", "del", hostLink);
        quietly("netns", "del", namespace);
    }

    private static void quietly(String... args) {
        try {
            ip(args);
        } catch (IOException e) {
            // already gone
        }
    }

    private static void ip(String... args) throws IOException {
        var argv = new ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", argv) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** This host's IPv4 addresses other than loopback, as a guest would try them. */
    public static List<String> hostAddresses() throws IOException {
        var all = new ArrayList<String>();
        for (var nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isLoopback()) {
                nic.inetAddresses().forEach(a -> {
                    if (a instanceof java.net.Inet4Address) {
                        all.add(a.getHostAddress());
                    }
                });
            }
        }
        return all;
    }
}
