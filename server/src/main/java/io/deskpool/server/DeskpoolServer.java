package io.deskpool.server;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.core.pool.PoolConfig;
import io.deskpool.core.pool.TokenQuotas;
import io.deskpool.core.pool.VmPool;
import io.deskpool.core.provider.ProviderRegistry;
import io.deskpool.core.settings.CoreSettings;
import io.deskpool.core.settings.SettingSource;
import io.deskpool.core.settings.Settings;
import io.deskpool.core.spi.HostSupport;
import io.deskpool.core.spi.Provider;
import io.deskpool.core.spi.ProviderContext;
import io.deskpool.core.spi.ProviderFactory;
import io.deskpool.server.doctor.StartupChecks;
import io.deskpool.server.env.EnvApiSettings;
import io.deskpool.server.env.EnvApis;
import io.javalin.Javalin;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.servlet.FilterHolder;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;

/**
 * The running server: the provider PROVIDER selects, the pool over it and the HTTP face (the OSWorld
 * docker_server API, /v1, dashboard, metrics and docs). Closing it stops HTTP, then the pool, which destroys the
 * VMs it owns unless KEEP_VMS_ON_EXIT is set.
 */
public final class DeskpoolServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeskpoolServer.class);

    private final Javalin app;
    private final Javalin envApp;
    private final EnvApis env;
    private final VmPool pool;
    private final Provider provider;
    private final RequestLog requestLog;
    private final boolean keepVms;
    private final String serverId;
    private final TokenRedactor labels;
    private boolean closed;

    private DeskpoolServer(Javalin app, Javalin envApp, EnvApis env, VmPool pool, Provider provider, RequestLog requestLog,
                           boolean keepVms, String serverId, TokenRedactor labels) {
        this.app = app;
        this.envApp = envApp;
        this.env = env;
        this.pool = pool;
        this.provider = provider;
        this.requestLog = requestLog;
        this.keepVms = keepVms;
        this.serverId = serverId;
        this.labels = labels;
    }

    /** Builds everything from settings and starts listening. Fails fast, naming the setting, on bad configuration. */
    public static DeskpoolServer start(Settings settings, Clock clock) {
        StateDirectory state = new StateDirectory(settings.path(CoreSettings.STATE_DIR));
        String serverId = state.serverId(settings.string(CoreSettings.SERVER_ID));
        String host = settings.string(ServerSettings.HOST);
        int port = settings.integer(ServerSettings.PORT, 0);
        if (port > 65535) {
            throw settings.invalid(ServerSettings.PORT, String.valueOf(port), "a port number 0..65535");
        }
        int envPort = envPort(settings, port);
        boolean requireToken = settings.bool(ServerSettings.REQUIRE_TOKEN);
        Optional<String> adminToken = settings.optionalString(ServerSettings.ADMIN_TOKEN);
        Map<String, Integer> configured = TokenQuotas.parse(settings.string(ServerSettings.TOKENS));
        Duration startWait = settings.seconds(ServerSettings.START_WAIT, Duration.ZERO);
        Duration maxWait = settings.seconds(ServerSettings.ACQUIRE_MAX_WAIT, Duration.ZERO);
        boolean keepVms = settings.bool(ServerSettings.KEEP_VMS_ON_EXIT);
        int maxBody = settings.integer(ServerSettings.MAX_BODY_BYTES, 1024);
        int logSize = settings.integer(ServerSettings.REQUEST_LOG_SIZE, 0);

        ProviderFactory factory = ProviderRegistry.load().select(settings.string(CoreSettings.PROVIDER));
        StartupChecks.run(settings, factory);
        HostSupport support = factory.hostSupport(settings);
        if (!support.available()) {
            throw new DeskpoolException(ErrorCode.PROVIDER_UNAVAILABLE,
                    "provider '" + factory.name() + "' cannot run on this host: " + support.reason());
        }
        log.info("Server id {}; provider {} ({}); state in {}", serverId, factory.name(), support.reason(), state.root());
        TokenRedactor labels = new TokenRedactor(state.tokenLabelKey());
        TokenRegistry tokens = new TokenRegistry(configured, requireToken, state.root(), labels);
        if (requireToken && configured.isEmpty() && tokens.quotas().limits().isEmpty()) {
            log.warn("REQUIRE_TOKEN is on but no TOKENS are configured: every client request will be refused (set TOKENS=name:limit)");
        }
        Provider provider = factory.create(new ProviderContext(serverId, settings, state.root(), clock));
        VmPool pool = null;
        RequestLog requestLog = null;
        EnvApis env = null;
        Javalin app = null;
        try {
            PoolConfig poolConfig = PoolConfig.from(settings, provider);
            pool = new VmPool(provider, poolConfig, tokens.quotas(), clock, labels::redact);
            PoolMetrics metrics = new PoolMetrics(pool, labels);
            pool.addListener(metrics);
            VmPool leasing = pool;
            LeaseJournal journal = new LeaseJournal(state.root(), id -> leasing.lease(id).isPresent());
            pool.addListener(journal);
            log.info("Pool: size {}, warm spares {}, boot concurrency {}, lease TTL {} s, ready timeout {} s, snapshot '{}'",
                    poolConfig.poolSize(), poolConfig.warmTarget(), poolConfig.bootConcurrency(),
                    poolConfig.leaseTtl().toSeconds(), poolConfig.readyTimeout().toSeconds(), poolConfig.snapshot());
            pool.start(journal.load());
            journal.retainOnly(pool.leases().stream().map(io.deskpool.core.pool.Lease::id)
                    .collect(java.util.stream.Collectors.toSet()));

            requestLog = new RequestLog(logSize, state.root().resolve("logs").resolve("requests.jsonl"));
            Authenticator auth = new Authenticator(settings.string(ServerSettings.AUTH_HEADER),
                    settings.find(ServerSettings.AUTH_BEARER_PREFIX).orElse(ServerSettings.AUTH_BEARER_PREFIX.defaultValue()),
                    adminToken, requireToken, tokens);
            ServerContext ctx = new ServerContext(pool, auth, tokens,
                    new Views(settings.string(ServerSettings.PUBLIC_HOST), clock), requestLog, new HostStats(), clock,
                    clock.instant(), serverId, startWait, maxWait, journal);
            env = new EnvApis(pool, settings, clock, new EnvApis.Callers(auth::client, c -> auth.identify(c).token(),
                    requireToken, tokens::isKnown, c -> auth.identify(c).admin()), ctx.views()::advertisedHost, maxWait);
            app = createApp(ctx, metrics, maxBody);
            env.registerMain(app);
            app.start(host, port);
            Javalin envApp = null;
            if (envPort >= 0) {
                envApp = baseApp(ctx, maxBody);
                ApiDocs.envListener().register(envApp);
                env.registerEnvListener(envApp);
                envApp.start(host, envPort);
                log.info("Remote env API (ARPO/ENVS /env/*, /health, /docs) also on http://{}:{}", host, envApp.port());
            }
            DeskpoolServer server = new DeskpoolServer(app, envApp, env, pool, provider, requestLog, keepVms, serverId,
                    labels);
            log.info("Deskpool is serving on http://{}:{} — dashboard http://{}:{}/dashboard",
                    host, server.port(), displayHost(host), server.port());
            return server;
        } catch (RuntimeException e) {
            if (app != null) {
                app.stop();
            }
            if (env != null) {
                env.close();
            }
            if (pool != null) {
                pool.close(!keepVms, Duration.ofMinutes(2));
            }
            if (requestLog != null) {
                requestLog.close();
            }
            provider.close();
            throw e;
        }
    }

    /**
     * ENV_PORT: -1 for off (0), the port otherwise; when PORT is 0 (tests, embedding) and ENV_PORT is not set it is
     * 0 too, any free port, so such servers never fight over 15001.
     */
    private static int envPort(Settings settings, int port) {
        if (port == 0 && settings.source(EnvApiSettings.ENV_PORT) == SettingSource.DEFAULT) {
            return 0;
        }
        int envPort = settings.integer(EnvApiSettings.ENV_PORT, 0);
        if (envPort > 65535) {
            throw settings.invalid(EnvApiSettings.ENV_PORT, String.valueOf(envPort), "a port number 0..65535 (0 = off)");
        }
        if (envPort != 0 && envPort == port) {
            throw settings.invalid(EnvApiSettings.ENV_PORT, String.valueOf(envPort), "a port other than PORT (0 = off)");
        }
        return envPort == 0 ? -1 : envPort;
    }

    private static Javalin createApp(ServerContext ctx, PoolMetrics metrics, int maxBody) {
        Javalin app = baseApp(ctx, maxBody);
        new LegacyApi(ctx).register(app);
        new LeaseApi(ctx).register(app);
        new DashboardApi(ctx).register(app);
        new LiveViewApi(ctx).register(app);
        new ApiDocs().register(app);
        app.get("/metrics", c -> c.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
        return app;
    }

    /** A Javalin with the server's JSON, limits, request log and error mapping, and no routes yet. */
    private static Javalin baseApp(ServerContext ctx, int maxBody) {
        Javalin app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.http.maxRequestSize = maxBody;
            config.jsonMapper(new JavalinJackson(JsonBody.MAPPER, false));
            config.router.ignoreTrailingSlashes = true;
            config.jetty.threadPool = new QueuedThreadPool(400, 8, 60_000);
            config.jetty.modifyServer(server -> server.setErrorHandler(ErrorResponses.jettyErrors()));
            config.jetty.modifyServletContextHandler(handler -> {
                handler.setErrorHandler(ErrorResponses.jettyErrors());
                handler.addFilter(new FilterHolder(new BodyLimit(maxBody)), "/*", EnumSet.of(DispatcherType.REQUEST));
            });
            config.staticFiles.add(files -> {
                files.hostedPath = "/webjars";
                files.directory = "META-INF/resources/webjars";
                files.location = Location.CLASSPATH;
            });
            config.staticFiles.add(files -> {
                files.hostedPath = "/novnc";
                files.directory = "io/deskpool/server/novnc";
                files.location = Location.CLASSPATH;
            });
            config.requestLogger.http((c, ms) -> {
                String path = c.path();
                if (path.equals("/v1/overview") || path.startsWith("/webjars") || path.startsWith("/novnc")
                        || path.equals("/metrics")) {
                    return;
                }
                ctx.requestLog().add(new RequestLog.Entry(Instant.now().toString(), c.method().name(),
                        RequestLog.loggedPath(c, ctx.tokens().labels()), c.statusCode(), ms,
                        ctx.auth().identified(c).logLabel(), c.ip()));
            });
        });
        ErrorResponses.install(app, c -> RequestLog.loggedPath(c, ctx.tokens().labels()));
        return app;
    }

    private static String displayHost(String host) {
        return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    }

    public int port() {
        return app.port();
    }

    /** The ENV_PORT listener's port, empty when it is off. */
    public java.util.OptionalInt envPort() {
        return envApp == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(envApp.port());
    }

    public VmPool pool() {
        return pool;
    }

    public String serverId() {
        return serverId;
    }

    /** How this server labels tokens where they must not be seen (its key is in STATE_DIR). */
    public TokenRedactor tokenRedactor() {
        return labels;
    }

    /** Stops serving, then the pool (destroying its VMs unless KEEP_VMS_ON_EXIT), then the provider. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("Stopping: HTTP first, then the pool ({})", keepVms ? "keeping VMs for the next start" : "destroying its VMs");
        app.stop();
        if (envApp != null) {
            envApp.stop();
        }
        env.close();
        pool.close(!keepVms, Duration.ofMinutes(2));
        provider.close();
        requestLog.close();
        log.info("Stopped");
    }
}
