package io.deskpool.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;

import java.util.ArrayList;
import java.util.List;

/** The OpenAPI description at {@code /docs/openapi.json} and a browsable Swagger UI at {@code /docs}. */
final class ApiDocs {
    static final String SWAGGER_UI = "/webjars/swagger-ui/5.17.14";
    /** What the remote env listener (ENV_PORT) serves; its docs list only these, so "Try it out" works there. */
    private static final List<String> ENV_LISTENER_PATHS = List.of("/env/", "/slots/", "/health", "/docs");

    private final String spec;
    private final String page = DashboardApi.resource("docs.html").replace("{{SWAGGER_UI}}", SWAGGER_UI);

    private ApiDocs(String spec) {
        this.spec = spec;
    }

    /** The whole description, for the main port. */
    ApiDocs() {
        this(DashboardApi.resource("openapi.json"));
    }

    /** The description of the remote env listener: its own paths only, saying where the rest is. */
    static ApiDocs envListener() {
        ObjectMapper json = new ObjectMapper();
        try {
            ObjectNode spec = (ObjectNode) json.readTree(DashboardApi.resource("openapi.json"));
            ObjectNode paths = (ObjectNode) spec.path("paths");
            List<String> elsewhere = new ArrayList<>();
            paths.fieldNames().forEachRemaining(p -> {
                if (ENV_LISTENER_PATHS.stream().noneMatch(p::startsWith)) {
                    elsewhere.add(p);
                }
            });
            paths.remove(elsewhere);
            ObjectNode info = (ObjectNode) spec.path("info");
            info.put("description", "The remote env listener (ENV_PORT): the ARPO/ENVS env API (/env/*, /slots/{k}/env/*),"
                    + " /health and these docs. The OSWorld docker_server API, /v1 (leases, sessions, tokens), the dashboard"
                    + " and /metrics are on the main port (PORT), whose /docs describes them all. "
                    + info.path("description").asText());
            return new ApiDocs(json.writeValueAsString(spec));
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalStateException("openapi.json in the jar is not an OpenAPI object", e);
        }
    }

    void register(Javalin app) {
        app.get("/docs", ctx -> ctx.html(page));
        app.get("/docs/openapi.json", ctx -> ctx.contentType("application/json").result(spec));
    }
}
