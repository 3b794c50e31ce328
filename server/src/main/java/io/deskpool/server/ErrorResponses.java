package io.deskpool.server;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.ErrorKind;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The one place failures become HTTP responses. Every error body is JSON {@code {error, message, code}}: {@code error}
 * and {@code message} for the /v1 API, {@code message} and {@code code} (the HTTP status) as the OSWorld
 * docker_server's clients expect.
 */
final class ErrorResponses {
    private static final Logger log = LoggerFactory.getLogger(ErrorResponses.class);

    private ErrorResponses() {
    }

    static void install(Javalin app) {
        app.exception(DeskpoolException.class, ErrorResponses::deskpool);
        app.exception(HttpResponseException.class, (e, ctx) -> {
            String error = switch (e.getStatus()) {
                case 404 -> "not_found";
                case 405 -> "method_not_allowed";
                case 413 -> "payload_too_large";
                default -> "http_" + e.getStatus();
            };
            write(ctx, e.getStatus(), error, e.getMessage() == null || e.getMessage().isBlank()
                    ? "HTTP " + e.getStatus() : e.getMessage(), Map.of());
        });
        app.exception(Exception.class, (e, ctx) -> {
            log.error("Unexpected failure on {} {}", ctx.method(), ctx.path(), e);
            write(ctx, 500, ErrorCode.INTERNAL.wireName(), "internal error: " + e.getClass().getSimpleName(), Map.of());
        });
        app.error(404, ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty()) {
                write(ctx, 404, "not_found", "no route for " + ctx.method() + " " + ctx.path(), Map.of());
            }
        });
    }

    static int status(ErrorKind kind) {
        return switch (kind) {
            case USER -> 400;
            case UNAUTHENTICATED -> 401;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case QUOTA -> 429;
            case UNAVAILABLE -> 503;
            case EXTERNAL -> 502;
            case INTERNAL -> 500;
        };
    }

    private static void deskpool(DeskpoolException e, Context ctx) {
        int status = status(e.code().kind());
        if (status >= 500) {
            log.warn("{} {} failed: {} {}", ctx.method(), ctx.path(), e.code().wireName(), e.getMessage());
        }
        if (status == 503) {
            ctx.header("Retry-After", e.code() == ErrorCode.ACQUIRE_TIMEOUT || e.code() == ErrorCode.NOT_READY ? "5" : "30");
        }
        write(ctx, status, e.code().wireName(), e.getMessage(), e.details());
    }

    static void write(Context ctx, int status, String error, String message, Map<String, String> details) {
        var body = new LinkedHashMap<String, Object>();
        body.put("error", error.toLowerCase(Locale.ROOT));
        body.put("message", message);
        body.put("code", status);
        if (!details.isEmpty()) {
            body.put("details", details);
        }
        ctx.status(status).json(body);
    }
}
