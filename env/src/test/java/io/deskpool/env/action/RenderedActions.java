package io.deskpool.env.action;

import io.deskpool.env.spi.GuestAction;
import io.deskpool.env.spi.ParsedPrediction;

import java.util.List;

/** A parse result's actions as the tables write them: the code, or WAIT, DONE, FAIL. */
final class RenderedActions {
    private RenderedActions() {
    }

    static List<String> of(ParsedPrediction prediction) {
        return prediction.actions().stream().map(RenderedActions::of).toList();
    }

    static String of(GuestAction action) {
        if (action instanceof GuestAction.Code code) {
            return code.pyautogui();
        }
        if (action instanceof GuestAction.Wait) {
            return "WAIT";
        }
        return action instanceof GuestAction.Done ? "DONE" : "FAIL";
    }
}
