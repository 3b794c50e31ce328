package io.deskpool.env.standin;

import io.deskpool.env.spi.ActionParser;
import io.deskpool.env.spi.GuestAction;
import io.deskpool.env.spi.ParseContext;
import io.deskpool.env.spi.ParsedPrediction;

import java.util.List;
import java.util.Optional;

/**
 * TEST STAND-IN for the {@code pyautogui} parser (branch {@code parsers} writes the real one): the prediction is
 * pyautogui code, or WAIT / DONE / FAIL. Deleted once the real parser is on main.
 */
public final class StandInPyautoguiParser implements ActionParser {
    @Override
    public String name() {
        return "pyautogui";
    }

    @Override
    public ParsedPrediction parse(String prediction, ParseContext context) {
        String t = prediction.strip();
        return switch (t) {
            case "" -> new ParsedPrediction(Optional.empty(), List.of(), "empty prediction");
            case "WAIT" -> new ParsedPrediction(Optional.empty(), List.of(new GuestAction.Wait()), "");
            case "DONE" -> new ParsedPrediction(Optional.empty(), List.of(new GuestAction.Done()), "");
            case "FAIL" -> new ParsedPrediction(Optional.empty(), List.of(new GuestAction.Fail()), "");
            default -> new ParsedPrediction(Optional.empty(), List.of(new GuestAction.Code(prediction)), "");
        };
    }
}
