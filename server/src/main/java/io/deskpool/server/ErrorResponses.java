package io.deskpool.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.ErrorKind;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.BufferUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The one place failures become HTTP responses, Jetty's own included. Every error body is JSON {@code {error, message, code}}: {@code error}
 * and {@code message} for the /v1 API, {@code message} and {@code code} (the HTTP status) as the OSWorld
 * docker_server's clients expect.
 */
final class ErrorResponses {
    private static final Logger log = LoggerFactory.getLogger(ErrorResponses.class);

    private ErrorResponses() {
    }

    /** @param loggedPath how a request's path may be written to the server log (tokens in it redacted) */
    static void install(Javalin app, Function<Context, String> loggedPath) {
        app.exception(DeskpoolException.class, (e, ctx) -> deskpool(e, ctx, loggedPath));
        app.exception(HttpResponseException.class, (e, ctx) -> write(ctx, e.getStatus(), httpError(e.getStatus()),
                e.getMessage() == null || e.getMessage().isBlank() ? "HTTP " + e.getStatus() : e.getMessage(), Map.of()));
        app.exception(Exception.class, (e, ctx) -> {
            log.error("Unexpected failure on {} {}", ctx.method(), loggedPath.apply(ctx), e);
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
            case GONE -> 410;
            case QUOTA -> 429;
            case UNAVAILABLE -> 503;
            case EXTERNAL -> 502;
            case NOT_IMPLEMENTED -> 501;
            case INTERNAL -> 500;
        };
    }

    private static String httpError(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "payload_too_large";
            case 414 -> "uri_too_long";
            case 431 -> "headers_too_large";
            case 501 -> "not_implemented";
            default -> "http_" + status;
        };
    }

    /**
     * Jetty's own answers, given before a request reaches Javalin (URI or headers too long, a request it cannot
     * parse) or outside it, in the same JSON shape instead of Jetty's HTML pages.
     */
    static ErrorHandler jettyErrors() {
        return new ErrorHandler() {
            @Override
            public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
                fields.put(HttpHeader.CONTENT_TYPE, "application/json");
                return BufferUtil.toBuffer(json(status, reason), StandardCharsets.UTF_8);
            }

            @Override
            protected void generateAcceptableResponse(Request baseRequest, HttpServletRequest request,
                                                      HttpServletResponse response, int code, String message) throws IOException {
                response.setContentType("application/json");
                response.setCharacterEncoding("utf-8");
                response.getWriter().write(json(code, message));
                baseRequest.setHandled(true);
            }

            private String json(int status, String reason) {
                String message = reason == null || reason.isBlank() ? "HTTP " + status : reason;
                try {
                    return JsonBody.MAPPER.writeValueAsString(body(status, httpError(status), message, Map.of()));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }

    private static void deskpool(DeskpoolException e, Context ctx, Function<Context, String> loggedPath) {
        int status = status(e.code().kind());
        if (status >= 500) {
            log.warn("{} {} failed: {} {}", ctx.method(), loggedPath.apply(ctx), e.code().wireName(), e.getMessage());
        }
        if (status == 503) {
            ctx.header("Retry-After", e.code() == ErrorCode.ACQUIRE_TIMEOUT || e.code() == ErrorCode.NOT_READY ? "5" : "30");
        }
        write(ctx, status, e.code().wireName(), e.getMessage(), e.details());
    }

    static void write(Context ctx, int status, String error, String message, Map<String, String> details) {
        ctx.status(status).json(body(status, error, message, details));
    }

    private static Map<String, Object> body(int status, String error, String message, Map<String, String> details) {
        var body = new LinkedHashMap<String, Object>();
        body.put("error", error.toLowerCase(Locale.ROOT));
        body.put("message", message);
        body.put("code", status);
        if (!details.isEmpty()) {
            body.put("details", details);
        }
        return body;
    }
}
