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
 * {@code pyautogui}: OSWorld's {@code pyautogui} action space, read as its agents read a model's answer
 * ({@code parse_code_from_string}): {@code WAIT}, {@code DONE} or {@code FAIL}, or Python code in
 * {@code ```python ... ```} blocks, each block one action; a block whose last statement is {@code WAIT},
 * {@code DONE} or {@code FAIL} is its code followed by that action. The code runs as the model wrote it.
 *
 * <p>Deviations: a prediction with no code block that calls {@code pyautogui.} is taken as code (OSWorld's
 * agents find no action in it); code is not split at every {@code ;} first (OSWorld's agents do, which breaks a
 * {@code ;} inside a string), only the last statement is checked for {@code WAIT}/{@code DONE}/{@code FAIL}.
 */
public final class PyautoguiParser implements ActionParser {
    public static final String NAME = "pyautogui";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ParsedPrediction parse(String prediction, ParseContext context) {
        Objects.requireNonNull(prediction, "prediction");
        Objects.requireNonNull(context, "context");
        String text = prediction.strip();
        Optional<String> thought = ThoughtText.find(text, "```");
        try {
            return new ParsedPrediction(thought, actions(text), "");
        } catch (ParseFailure failure) {
            return new ParsedPrediction(thought, List.of(), failure.getMessage());
        }
    }

    private static List<GuestAction> actions(String text) throws ParseFailure {
        Optional<GuestAction> whole = SpecialAction.of(text);
        if (whole.isPresent()) {
            return List.of(whole.get());
        }
        List<String> bodies = new ArrayList<>();
        for (FencedBlocks.Block block : FencedBlocks.find(text)) {
            // ```WAIT\n``` reads as an empty block in language "WAIT"; it means the word
            boolean word = block.body().isEmpty() && SpecialAction.of(block.language()).isPresent();
            bodies.add(word ? block.language() : block.body());
        }
        if (bodies.isEmpty()) {
            if (text.contains("```")) {
                throw new ParseFailure("a ``` code block is not closed");
            }
            if (!text.contains("pyautogui.")) {
                throw new ParseFailure("no ```python code block, no pyautogui call, and not WAIT, DONE or FAIL");
            }
            bodies.add(text);
        }
        List<GuestAction> actions = new ArrayList<>();
        for (String body : bodies) {
            addBlock(actions, body);
        }
        if (actions.isEmpty()) {
            throw new ParseFailure("the code blocks are empty");
        }
        return actions;
    }

    private static void addBlock(List<GuestAction> actions, String body) {
        Optional<GuestAction> special = SpecialAction.of(body);
        if (special.isPresent()) {
            actions.add(special.get());
            return;
        }
        int lastBreak = Math.max(body.lastIndexOf('\n'), body.lastIndexOf(';'));
        Optional<GuestAction> last = lastBreak < 0 ? Optional.empty() : SpecialAction.of(body.substring(lastBreak + 1));
        if (last.isPresent()) {
            String code = SpecialAction.withoutTrailingSemicolons(body.substring(0, lastBreak));
            if (!code.isEmpty()) {
                actions.add(new GuestAction.Code(code));
            }
            actions.add(last.get());
        } else if (!body.isEmpty()) {
            actions.add(new GuestAction.Code(body));
        }
    }
}
