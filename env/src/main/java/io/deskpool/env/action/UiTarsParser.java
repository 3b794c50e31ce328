package io.deskpool.env.action;

import io.deskpool.env.spi.ActionParser;
import io.deskpool.env.spi.GuestAction;
import io.deskpool.env.spi.ParseContext;
import io.deskpool.env.spi.ParsedPrediction;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code uitars}: the UI-TARS / Qwen2.5-VL output grammar, as ARPO's and UI-TARS' reference parsers read it.
 *
 * <pre>
 * Thought: The search box is at the top.
 * Action: click(start_box='&lt;|box_start|&gt;(512,88)&lt;|box_end|&gt;')
 * </pre>
 *
 * <p>The actions are what follows the last {@code Action:}; several actions are separated by a blank line after a
 * {@code )}, as UI-TARS writes them (so, as in UI-TARS' parser, typed text holding {@code )} and a blank line is
 * cut there), and each becomes one {@link GuestAction} (see {@link UiTarsTranslator} for
 * the code of each, {@link UiTarsCall} for the call syntax, {@link Box} for points and boxes, {@link ScreenMapping}
 * for the coordinates). As in ARPO's env worker, a {@code finished}, {@code wait}, {@code call_user} or
 * {@code error_env} among them replaces the whole list with its DONE, WAIT or FAIL.
 *
 * <p>Any action that does not parse makes the whole prediction unparsed, as in the reference (which then gives
 * format reward -1 and ends the episode).
 */
public final class UiTarsParser implements ActionParser {
    public static final String NAME = "uitars";
    private static final String ACTION_MARKER = "Action:";

    @Override
    public String name() {
        return NAME;
    }

    /**
     * @throws IllegalArgumentException when {@code context.coordinates()} is not a {@link CoordinateSystem} or the
     *                                  screen's aspect ratio is past smart_resize's limit: settings errors
     */
    @Override
    public ParsedPrediction parse(String prediction, ParseContext context) {
        Objects.requireNonNull(prediction, "prediction");
        UiTarsTranslator translator = new UiTarsTranslator(ScreenMapping.of(context));
        String text = prediction.strip();
        Optional<String> thought = ThoughtText.find(text, ACTION_MARKER);
        try {
            return new ParsedPrediction(thought, actions(text, translator), "");
        } catch (ParseFailure failure) {
            return new ParsedPrediction(thought, List.of(), failure.getMessage());
        }
    }

    private static List<GuestAction> actions(String text, UiTarsTranslator translator) throws ParseFailure {
        int marker = text.lastIndexOf(ACTION_MARKER);
        if (marker < 0) {
            throw new ParseFailure("no 'Action:' in the prediction; UI-TARS answers 'Thought: ...' then 'Action: ...'");
        }
        List<UiTarsCall> calls = new ArrayList<>();
        for (String segment : segments(text.substring(marker + ACTION_MARKER.length()))) {
            calls.add(UiTarsCall.parse(segment));
        }
        if (calls.isEmpty()) {
            throw new ParseFailure("nothing after 'Action:'");
        }
        List<GuestAction> actions = new ArrayList<>();
        for (UiTarsCall call : calls) {
            GuestAction action = translator.translate(call);
            if (!(action instanceof GuestAction.Code)) {
                return List.of(action);
            }
            actions.add(action);
        }
        return actions;
    }

    /** The actions' texts: split where a {@code )} is followed by a blank line. */
    private static List<String> segments(String actions) {
        List<String> segments = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < actions.length(); i++) {
            if (actions.charAt(i) != ')') {
                continue;
            }
            int j = i + 1;
            int newlines = 0;
            while (j < actions.length() && Character.isWhitespace(actions.charAt(j))) {
                newlines += actions.charAt(j) == '\n' ? 1 : 0;
                j++;
            }
            if (newlines >= 2) {
                addSegment(segments, actions.substring(start, i + 1));
                start = j;
            }
            i = j - 1;
        }
        addSegment(segments, actions.substring(start));
        return segments;
    }

    private static void addSegment(List<String> segments, String segment) {
        if (!segment.isBlank()) {
            segments.add(segment.strip());
        }
    }
}
