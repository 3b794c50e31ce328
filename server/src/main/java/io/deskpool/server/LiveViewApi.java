package io.deskpool.server;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.pool.Lease;
import io.deskpool.core.pool.PoolEvent;
import io.deskpool.core.pool.VmState;
import io.deskpool.core.pool.VmView;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.core.spi.VmHandle;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.websocket.WsCloseStatus;
import io.javalin.websocket.WsConnectContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;

/**
 * The live view of a VM's screen: a page ({@code /vms/{id}/view}) with noVNC (bundled from the npm package at
 * build time, served under {@code /novnc/}) that asks for a one-time ticket with the caller's token and opens
 * {@code /v1/vms/{id}/vnc}, which Deskpool relays to the VM's VNC WebSocket. The browser never needs to reach
 * the VM's own ports, and only the admin or the holder of the VM's lease may look, as with stopping a VM.
 * A view lasts only as long as what allowed it: a ticket is bound to the lease (or the admin token) it was issued
 * through and checked again when the WebSocket opens, and an open relay is closed when its lease ends or its VM
 * is reverted, lost or destroyed, so a client never watches or types into a VM handed to someone else.
 */
final class LiveViewApi {
    private static final Logger log = LoggerFactory.getLogger(LiveViewApi.class);

    private final ServerContext s;
    private final VncTickets tickets;
    private final VncProxy proxy = new VncProxy();
    private final String viewHtml;

    LiveViewApi(ServerContext s) {
        this.s = s;
        this.tickets = new VncTickets(s.clock());
        this.viewHtml = DashboardApi.resource("view.html");
        s.pool().addListener(this::onPoolEvent);
    }

    void register(Javalin app) {
        app.get("/vms/{id}/view", this::page);
        app.get("/window", this::window);
        app.post("/v1/vms/{id}/vnc-ticket", this::ticket);
        app.ws("/v1/vms/{id}/vnc", ws -> {
            ws.onConnect(this::connect);
            ws.onBinaryMessage(proxy::fromBrowser);
            ws.onClose(proxy::closed);
            ws.onError(proxy::closed);
        });
    }

    /** The page holds no secret: it takes a ticket from its fragment (/window) or asks for one with the token the dashboard keeps. */
    private void page(Context ctx) {
        String id = ctx.pathParam("id");
        ctx.header("Cache-Control", "no-store");
        ctx.html(viewHtml.replace("{{VM_ID}}", DashboardApi.escape(id)));
    }

    /**
     * OSWorld's viewer route: the live view of the caller's emulator. The caller is known here (header or
     * {@code ?token=}, as OSWorld's clients send it), so the ticket is issued now and handed to the page in the
     * URL's fragment, which browsers never send to a server (so no log holds it): a browser opening this link
     * needs no token of its own, and the ticket still works once, for a short while.
     */
    private void window(Context ctx) {
        String id = ctx.queryParam("emulator_id");
        if (id == null || id.isBlank()) {
            throw new DeskpoolException(ErrorCode.INVALID_ARGUMENT, "query parameter 'emulator_id' is required");
        }
        Caller caller = s.auth().identify(ctx);
        Lease lease = s.pool().lease(id).filter(l -> caller.mayActOn(l.token()))
                .orElseThrow(() -> new DeskpoolException(ErrorCode.NOT_FOUND, "emulator '" + id + "' not found"));
        VmView vm = s.pool().vm(lease.vmId()).orElseThrow(() -> new DeskpoolException(ErrorCode.NOT_FOUND,
                "emulator '" + id + "' has no VM any more"));
        vnc(vm);
        ctx.header("Cache-Control", "no-store");
        ctx.redirect("/vms/" + URLEncoder.encode(vm.id(), StandardCharsets.UTF_8) + "/view#ticket="
                + tickets.issue(grant(caller, lease)));
    }

    /**
     * A ticket for the caller's VM. The caller is known first (401 without a token, 403 for one this server does
     * not know), and a VM they may not see (another token's, a spare) is a 404 exactly like one that does not exist.
     */
    private void ticket(Context ctx) {
        String id = ctx.pathParam("id");
        Caller caller = s.auth().identify(ctx);
        if (caller.token().isEmpty()) {
            throw new DeskpoolException(ErrorCode.UNAUTHENTICATED, "the live view needs a token: the one that leases"
                    + " the VM, or the admin token (open it from the dashboard after entering yours, or through"
                    + " /window?emulator_id=)");
        }
        caller.requireKnownToken();
        VmView vm = s.pool().vm(id).filter(caller::maySee)
                .orElseThrow(() -> new DeskpoolException(ErrorCode.UNKNOWN_VM, "no VM with id '" + id + "'"));
        ViewGrant grant = caller.admin() ? ViewGrant.ofAdmin(vm.id(), caller.token().get())
                : grant(caller, vm.lease().orElseThrow());
        vnc(vm);
        var body = new LinkedHashMap<String, Object>();
        body.put("ticket", tickets.issue(grant));
        body.put("expires_in_seconds", VncTickets.LIFETIME.toSeconds());
        body.put("websocket_path", "/v1/vms/" + id + "/vnc");
        ctx.status(201).json(body);
    }

    private void connect(WsConnectContext ctx) {
        String id = ctx.pathParam("id");
        var grant = tickets.redeem(ctx.queryParam("ticket"), id).filter(this::stillAllowed);
        if (grant.isEmpty()) {
            ctx.closeSession(WsCloseStatus.POLICY_VIOLATION, "no valid ticket for VM " + id
                    + ": POST /v1/vms/" + id + "/vnc-ticket first (tickets work once, for "
                    + VncTickets.LIFETIME.toSeconds() + " s)");
            return;
        }
        VmEndpoints endpoints;
        try {
            endpoints = vnc(s.pool().vm(id).orElseThrow(() -> new DeskpoolException(ErrorCode.UNKNOWN_VM, "VM " + id + " is gone")));
        } catch (DeskpoolException e) {
            ctx.closeSession(WsCloseStatus.TRY_AGAIN_LATER, e.getMessage());
            return;
        }
        log.info("Live view of VM {} opened by {}", id, grant.get().holder());
        proxy.open(ctx, grant.get(), endpoints.vncWebSocketUri(), this::stillAllowed);
    }

    /** The view a caller gets through a lease: the admin's is not bound to it, anyone else's lasts as long as it. */
    private static ViewGrant grant(Caller caller, Lease lease) {
        String token = caller.token().orElseThrow();
        return caller.admin() ? ViewGrant.ofAdmin(lease.vmId(), token)
                : ViewGrant.ofLease(lease.vmId(), lease.id(), token, caller.logLabel());
    }

    /**
     * Whether a grant still allows its view now: the admin's while the token is still the admin token, anyone
     * else's while the lease it was granted through still holds the VM and the token still owns that lease.
     */
    private boolean stillAllowed(ViewGrant grant) {
        Caller caller = s.auth().callerFor(grant.token());
        if (grant.leaseId().isEmpty()) {
            return caller.admin();
        }
        String leaseId = grant.leaseId().get();
        return s.pool().vm(grant.vmId()).flatMap(VmView::lease)
                .filter(l -> l.id().equals(leaseId) && caller.mayActOn(l.token()))
                .isPresent();
    }

    /**
     * Closes the relays a pool change no longer allows: a lease that ended closes the views granted through it;
     * a VM that is reverted, lost or destroyed (or leaves the pool) closes every view of it, the admin's too.
     */
    private void onPoolEvent(PoolEvent event) {
        if (event instanceof PoolEvent.LeaseEnded ended) {
            String leaseId = ended.lease().id();
            proxy.closeWhere(g -> g.leaseId().filter(leaseId::equals).isPresent(),
                    "the lease on VM " + ended.lease().vmId() + " has ended");
        } else if (event instanceof PoolEvent.VmStateChanged changed && (changed.to() == null
                || changed.to() == VmState.REVERTING || changed.to() == VmState.DESTROYING)) {
            proxy.closeWhere(g -> g.vmId().equals(changed.vmId()),
                    "VM " + changed.vmId() + (changed.to() == VmState.REVERTING ? " is being reverted" : " is gone"));
        } else if (event instanceof PoolEvent.VmLost lost) {
            proxy.closeWhere(g -> g.vmId().equals(lost.vmId()), "VM " + lost.vmId() + " was lost");
        }
    }

    /** The VM's endpoints when it has a VNC port; a VM still booting or without one cannot be viewed. */
    private static VmEndpoints vnc(VmView vm) {
        VmEndpoints e = vm.handle().flatMap(VmHandle::endpoints).orElseThrow(() -> new DeskpoolException(
                ErrorCode.NOT_READY, "VM " + vm.id() + " has no endpoints yet (" + vm.state().name().toLowerCase() + ")"));
        if (e.vncPort() == 0) {
            throw new DeskpoolException(ErrorCode.UNSUPPORTED, "VM " + vm.id() + " exposes no VNC port");
        }
        return e;
    }
}
