package io.deskpool.env;

import io.deskpool.core.DeskpoolException;
import io.deskpool.core.ErrorCode;
import io.deskpool.env.spi.ActionParser;
import io.deskpool.env.spi.ParseContext;
import io.deskpool.env.spi.ParsedPrediction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** The action parsers on the class path, by name, and the one ENV_ACTION_PARSER chose as the default. */
public final class ActionParsers {
    private static final Logger log = LoggerFactory.getLogger(ActionParsers.class);

    private final Map<String, ActionParser> byName;
    private final ActionParser chosen;

    /** @throws DeskpoolException naming ENV_ACTION_PARSER when {@code defaultName} is not among {@code parsers} */
    public ActionParsers(Collection<ActionParser> parsers, String defaultName) {
        this.byName = Plugins.index(parsers, ActionParser::name, "action parser");
        this.chosen = Optional.ofNullable(byName.get(requireNonNull(defaultName, "defaultName is null")))
                .orElseThrow(() -> new DeskpoolException(ErrorCode.INVALID_SETTING, EnvSettings.ACTION_PARSER.name() + "='"
                        + defaultName + "' names no action parser on the class path (found: "
                        + (byName.isEmpty() ? "none" : String.join(", ", byName.keySet())) + ")"));
    }

    public static ActionParsers load(String defaultName) {
        ActionParsers p = new ActionParsers(Plugins.load(ActionParser.class, ActionParser::name, "action parser").values(),
                defaultName);
        log.info("Action parsers: {} (default {})", String.join(", ", p.names()), defaultName);
        return p;
    }

    /** The parser ENV_ACTION_PARSER names. */
    public ActionParser chosen() {
        return chosen;
    }

    /** The parser a request names; an unknown name is a 400 listing the known ones. */
    public ActionParser named(String name) {
        ActionParser p = byName.get(name);
        if (p == null) {
            throw EnvFailure.UNKNOWN_PARSER.exception("no action parser '" + name + "' (this server has: "
                    + String.join(", ", names()) + ")");
        }
        return p;
    }

    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /**
     * Runs a parser on untrusted model output. A parser that throws despite its contract is reported as an
     * unparsed prediction naming the parser, so one bad plugin cannot turn a model's output into a server error.
     */
    static ParsedPrediction parse(ActionParser parser, String prediction, ParseContext context) {
        try {
            ParsedPrediction p = parser.parse(prediction, context);
            if (p == null) {
                return new ParsedPrediction(Optional.empty(), List.of(), "parser '" + parser.name() + "' returned nothing");
            }
            return p.actions().isEmpty() && p.error().isEmpty()
                    ? new ParsedPrediction(p.thought(), List.of(), "no action in the prediction") : p;
        } catch (RuntimeException e) {
            log.warn("Action parser '{}' threw on a prediction of {} characters", parser.name(), prediction.length(), e);
            return new ParsedPrediction(Optional.empty(), List.of(), "parser '" + parser.name() + "' failed: " + e);
        }
    }
}
