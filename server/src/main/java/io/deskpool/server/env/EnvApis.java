package io.deskpool.server.env;

import io.deskpool.core.pool.VmPool;
import io.deskpool.core.settings.Settings;
import io.deskpool.core.spi.VmEndpoints;
import io.deskpool.env.EnvConfig;
import io.deskpool.env.EnvEngine;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

import static java.util.Objects.requireNonNull;

/**
 * The episode engine's HTTP faces: the remote env dialect of ARPO and ENVS ({@code /env/*}, {@code /slots/{k}/env/*},
 * {@code /health}) on the main port and on ENV_PORT, and Deskpool's own {@code /v1/sessions} on the main port.
 * Everything is read and checked from the settings at start.
 */
public final class EnvApis implements AutoCloseable {
    private final EnvEngine engine;
    private final RemoteEnvApi remote;
    private final SessionApi sessions;

    /** How the server judges callers, handed to the env routes; {@code admin}: whether a call carries the admin token. */
    public record Callers(Function<Context, String> client, Function<Context, Optional<String>> presented,
                          boolean requireToken, Predicate<String> knownToken, Predicate<Context> admin) {
        public Callers {
            requireNonNull(client, "client is null");
            requireNonNull(presented, "presented is null");
            requireNonNull(knownToken, "knownToken is null");
            requireNonNull(admin, "admin is null");
        }
    }

    /**
     * @param advertisedHost  the host clients should use for a VM's ports
     * @param maxAcquireWait  ACQUIRE_MAX_WAIT: with ENV_RESET_WAIT, the longest reset wait a /v1 request may ask for
     */
    public EnvApis(VmPool pool, Settings settings, Clock clock, Callers callers,
                   Function<VmEndpoints, String> advertisedHost, Duration maxAcquireWait) {
        EnvConfig config = EnvConfig.from(settings);
        Optional<String> anonymous = settings.optionalString(EnvApiSettings.ANONYMOUS_TOKEN);
        if (anonymous.isPresent() && callers.requireToken() && !callers.knownToken().test(anonymous.get())) {
            throw settings.invalid(EnvApiSettings.ANONYMOUS_TOKEN, anonymous.get(), "a token listed in TOKENS");
        }
        CidrList allowFrom;
        try {
            allowFrom = CidrList.parse(settings.string(EnvApiSettings.ALLOW_FROM));
        } catch (IllegalArgumentException e) {
            throw settings.invalid(EnvApiSettings.ALLOW_FROM, settings.string(EnvApiSettings.ALLOW_FROM),
                    "a comma-separated list of addresses or CIDR ranges (" + e.getMessage() + ")");
        }
        ChatMessages chat = ChatMessages.from(settings);
        boolean urls = settings.choice(EnvApiSettings.OBSERVATION, java.util.List.of("base64", "url")).equals("url");
        this.engine = EnvEngine.create(pool, config, clock);
        EnvCallers envCallers = new EnvCallers(callers.client(), callers.presented(), callers.requireToken(), anonymous,
                allowFrom);
        this.remote = new RemoteEnvApi(engine, envCallers, chat, new EnvHealth(pool, engine), callers.admin(),
                pool.config().poolSize());
        Duration maxWait = config.resetWait().compareTo(maxAcquireWait) > 0 ? config.resetWait() : maxAcquireWait;
        this.sessions = new SessionApi(engine, callers.client(), new SessionJson(advertisedHost), maxWait, urls,
                pool.config().poolSize());
    }

    /** The main port: /v1/sessions and the remote env dialect. */
    public void registerMain(Javalin app) {
        sessions.register(app);
        remote.register(app);
    }

    /** The ENV_PORT listener: the remote env dialect only. */
    public void registerEnvListener(Javalin app) {
        remote.register(app);
    }

    public EnvEngine engine() {
        return engine;
    }

    @Override
    public void close() {
        engine.close();
    }
}
