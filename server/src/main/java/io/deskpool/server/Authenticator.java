package io.deskpool.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.javalin.http.Context;

import java.util.Optional;

/**
 * Finds the caller's token where the OSWorld docker_server looks: the auth header (with its bearer prefix), the
 * {@code ?token=} query parameter, the JSON body's {@code token}. The body is read only when neither of the others
 * carries a token, and then no further than MAX_BODY_BYTES, so a caller is known before any body is read.
 */
final class Authenticator {
    private static final String ATTRIBUTE = "deskpool.caller";

    private final String header;
    private final String bearerPrefix;
    private final Optional<String> adminToken;
    private final boolean requireToken;
    private final TokenRegistry tokens;

    Authenticator(String header, String bearerPrefix, Optional<String> adminToken, boolean requireToken, TokenRegistry tokens) {
        this.header = header;
        this.bearerPrefix = bearerPrefix;
        this.adminToken = adminToken;
        this.requireToken = requireToken;
        this.tokens = tokens;
    }

    boolean requireToken() {
        return requireToken;
    }

    /** Who is calling; never fails (a request without a token is anonymous). */
    Caller identify(Context ctx) {
        Caller cached = ctx.attribute(ATTRIBUTE);
        if (cached != null) {
            return cached;
        }
        Optional<String> token = fromHeader(ctx)
                .or(() -> fromQuery(ctx))
                .or(() -> Optional.of(JsonBody.lenient(ctx).root().path("token")).filter(JsonNode::isTextual).map(JsonNode::asText));
        Caller caller = caller(token);
        ctx.attribute(ATTRIBUTE, caller);
        return caller;
    }

    /** Who called, for the request log: as identified, else from the header or query (a body is never read for it). */
    Caller identified(Context ctx) {
        Caller cached = ctx.attribute(ATTRIBUTE);
        return cached != null ? cached : caller(fromHeader(ctx).or(() -> fromQuery(ctx)));
    }

    /**
     * Who is calling, from the header or {@code ?token=} only: for admin requests whose body field {@code token}
     * names the token acted on, not the caller.
     */
    Caller identifyByHeader(Context ctx) {
        Caller caller = caller(fromHeader(ctx).or(() -> fromQuery(ctx)));
        ctx.attribute(ATTRIBUTE, caller);
        return caller;
    }

    /**
     * Who a token is now, without a request: for checking again later what was allowed to it earlier (a live view's
     * ticket or relay outlives the request that granted it; the token may since have been removed).
     */
    Caller callerFor(String token) {
        return caller(Optional.of(token));
    }

    private Caller caller(Optional<String> presented) {
        Optional<String> token = presented.map(String::trim).filter(t -> !t.isEmpty());
        boolean admin = token.isPresent() && adminToken.isPresent() && TokenRegistry.sameToken(token.get(), adminToken.get());
        // Without required tokens any name is a client; with them, only a token that exists now.
        boolean known = admin || (token.isPresent() && (!requireToken || tokens.isKnown(token.get())));
        return new Caller(token, admin, known, tokens.labels());
    }

    /**
     * The token of a caller that may use VMs: 401 without one, 403 for one this server does not know (when tokens
     * are required). Without required tokens an anonymous caller acts as {@code anonymous}.
     */
    String client(Context ctx) {
        Caller caller = identify(ctx);
        if (caller.token().isEmpty()) {
            if (!requireToken) {
                return "anonymous";
            }
            caller.requireToken();
        }
        if (requireToken && !caller.known()) {
            throw new DeskpoolException(ErrorCode.FORBIDDEN, "unknown token");
        }
        return caller.token().get();
    }

    private static Optional<String> fromQuery(Context ctx) {
        return Optional.ofNullable(ctx.queryParam("token")).filter(t -> !t.isBlank());
    }

    private Optional<String> fromHeader(Context ctx) {
        String value = ctx.header(header);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        if (!bearerPrefix.isEmpty()) {
            if (value.regionMatches(true, 0, bearerPrefix, 0, bearerPrefix.length())) {
                return Optional.of(value.substring(bearerPrefix.length()));
            }
            String trimmedPrefix = bearerPrefix.trim();
            if (!trimmedPrefix.isEmpty() && value.regionMatches(true, 0, trimmedPrefix, 0, trimmedPrefix.length())) {
                return Optional.of(value.substring(trimmedPrefix.length()).trim());
            }
        }
        return Optional.of(value);
    }
}
