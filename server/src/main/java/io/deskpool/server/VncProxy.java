package io.deskpool.server;

import io.javalin.websocket.WsBinaryMessageContext;
import io.javalin.websocket.WsCloseStatus;
import io.javalin.websocket.WsConnectContext;
import io.javalin.websocket.WsContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Relays a browser's WebSocket to a VM's VNC WebSocket, byte for byte in both directions (RFB is a byte stream,
 * so frame boundaries need not be kept). Each side's close or failure closes the other. Each relay keeps the
 * {@link ViewGrant} it was opened with, so the relays a lease or VM allowed can be closed when it ends.
 */
final class VncProxy {
    private static final Logger log = LoggerFactory.getLogger(VncProxy.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    private final Map<String, Relay> relays = new ConcurrentHashMap<>();

    /** One open relay: the browser's session, the VM's VNC WebSocket, and what allowed it. */
    private record Relay(WsContext browser, WebSocket backend, ViewGrant grant) {
    }

    /**
     * Connects the browser's session to the VM's VNC WebSocket; on failure closes the session saying why. Once the
     * relay is open, {@code stillAllowed} is asked again: a lease that ended while the VM's side was connecting
     * (and whose end {@link #closeWhere} therefore did not see) closes it here.
     */
    void open(WsConnectContext browser, ViewGrant grant, URI vnc, Predicate<ViewGrant> stillAllowed) {
        String vmId = grant.vmId();
        WebSocket backend;
        try {
            backend = client.newWebSocketBuilder().connectTimeout(CONNECT_TIMEOUT)
                    .buildAsync(vnc, new FromVm(browser, vmId))
                    .get(CONNECT_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            log.warn("Live view of VM {}: its VNC WebSocket {} did not open: {}", vmId, vnc, cause.toString());
            browser.closeSession(WsCloseStatus.SERVER_ERROR, "the VNC server of VM " + vmId + " did not answer");
            return;
        }
        relays.put(browser.sessionId(), new Relay(browser, backend, grant));
        if (!stillAllowed.test(grant)) {
            closeWhere(grant::equals, "the lease this view was opened through has ended");
            return;
        }
        browser.enableAutomaticPings(15, TimeUnit.SECONDS);
    }

    /** Closes every open relay whose grant matches, telling the browser why (a lease ended, the VM is reverted or gone). */
    void closeWhere(Predicate<ViewGrant> which, String reason) {
        for (var e : relays.entrySet()) {
            Relay relay = e.getValue();
            if (!which.test(relay.grant()) || !relays.remove(e.getKey(), relay)) {
                continue;
            }
            log.info("Live view of VM {} by {} closed: {}", relay.grant().vmId(), relay.grant().holder(), reason);
            relay.backend().abort();
            try {
                relay.browser().closeSession(WsCloseStatus.POLICY_VIOLATION, reason);
            } catch (RuntimeException alreadyClosed) {
                // the browser went away meanwhile
            }
        }
    }

    void fromBrowser(WsBinaryMessageContext browser) {
        Relay relay = relays.get(browser.sessionId());
        if (relay == null) {
            return;
        }
        WebSocket backend = relay.backend();
        ByteBuffer data = ByteBuffer.wrap(browser.data(), browser.offset(), browser.length());
        try {
            backend.sendBinary(data, true).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            backend.abort();
            browser.closeSession(WsCloseStatus.SERVER_ERROR, "the VM's VNC connection failed");
        }
    }

    void closed(WsContext browser) {
        Relay relay = relays.remove(browser.sessionId());
        if (relay != null) {
            WebSocket backend = relay.backend();
            backend.sendClose(WebSocket.NORMAL_CLOSURE, "").whenComplete((w, e) -> backend.abort());
        }
    }

    private final class FromVm implements WebSocket.Listener {
        private final WsContext browser;
        private final String vmId;

        FromVm(WsContext browser, String vmId) {
            this.browser = browser;
            this.vmId = vmId;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            try {
                browser.send(ByteBuffer.allocate(data.remaining()).put(data).flip());
                ws.request(1);
            } catch (RuntimeException e) {
                ws.abort(); // the browser went away
            }
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            relays.remove(browser.sessionId());
            closeBrowser(WsCloseStatus.NORMAL_CLOSURE, "the VNC server of VM " + vmId + " closed the connection");
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            relays.remove(browser.sessionId());
            log.info("Live view of VM {}: VNC connection failed: {}", vmId, error.toString());
            closeBrowser(WsCloseStatus.SERVER_ERROR, "the VNC connection of VM " + vmId + " failed");
        }

        private void closeBrowser(WsCloseStatus status, String reason) {
            try {
                browser.closeSession(status, reason);
            } catch (RuntimeException e) {
                // already closed
            }
        }
    }
}
