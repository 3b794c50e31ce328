package io.deskpool.server.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.javalin.http.Context;

import java.util.Optional;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * The token an {@code /env/*} call acts as. The ARPO and ENVS clients send no token, so a caller without one from
 * an address in ENV_ALLOW_FROM acts as ENV_ANONYMOUS_TOKEN (a token from TOKENS, whose quota then bounds how many
 * of its slots hold VMs). A caller that sends a token is judged as on every other route.
 */
final class EnvCallers {
    private final Function<Context, String> client;
    private final Function<Context, Optional<String>> presented;
    private final boolean requireToken;
    private final Optional<String> anonymousToken;
    private final CidrList allowFrom;

    /**
     * @param client    the server's own judgement of a caller's token (401/403 as elsewhere)
     * @param presented the token a caller sent, if any
     */
    EnvCallers(Function<Context, String> client, Function<Context, Optional<String>> presented, boolean requireToken,
               Optional<String> anonymousToken, CidrList allowFrom) {
        this.client = requireNonNull(client, "client is null");
        this.presented = requireNonNull(presented, "presented is null");
        this.requireToken = requireToken;
        this.anonymousToken = requireNonNull(anonymousToken, "anonymousToken is null");
        this.allowFrom = requireNonNull(allowFrom, "allowFrom is null");
    }

    String token(Context ctx) {
        if (presented.apply(ctx).isPresent() || !requireToken) {
            return client.apply(ctx);
        }
        String peer = ctx.req().getRemoteAddr();
        if (anonymousToken.isPresent() && allowFrom.contains(peer)) {
            return anonymousToken.get();
        }
        throw new DeskpoolException(ErrorCode.UNAUTHENTICATED, anonymousToken.isPresent()
                ? "this call sends no token and " + peer + " is not in ENV_ALLOW_FROM (" + allowFrom
                + "): add the training cluster's addresses to ENV_ALLOW_FROM, or send 'Authorization: Bearer <token>'"
                : "this call sends no token: set ENV_ANONYMOUS_TOKEN to a token from TOKENS (and ENV_ALLOW_FROM to the "
                + "training cluster's addresses) for clients that send none, such as ARPO's and ENVS's, or send "
                + "'Authorization: Bearer <token>'");
    }
}
