package io.deskpool.env.action;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.deskpool.env.spi.ActionParser;
import io.deskpool.env.spi.GuestAction;
import io.deskpool.env.spi.ParseContext;
import io.deskpool.env.spi.ParsedPrediction;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code computer_13}: OSWorld's action dicts, read as its agents read a model's answer
 * ({@code parse_actions_from_string}): {@code WAIT}, {@code DONE} or {@code FAIL}; else the JSON in
 * {@code ```json} blocks, or in untagged {@code ```} blocks when there are none, each block one action; else the
 * whole answer as one JSON object. Each dict, e.g. {@code {"action_type": "CLICK", "x": 100, "y": 200}}, becomes
 * pyautogui code as {@link Computer13Translator} describes.
 */
public final class Computer13Parser implements ActionParser {
    public static final String NAME = "computer_13";
    private static final JsonMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final int JSON_ERROR_CHARS = 160;

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
        Optional<GuestAction> special = SpecialAction.of(text);
        if (special.isPresent()) {
            return List.of(special.get());
        }
        List<FencedBlocks.Block> blocks = FencedBlocks.find(text);
        List<String> json = blocksOf(blocks, "json");
        if (json.isEmpty()) {
            json = blocksOf(blocks, "");
        }
        if (json.isEmpty()) {
            json = List.of(text);
        }
        List<GuestAction> actions = new ArrayList<>();
        for (String body : json) {
            actions.add(Computer13Translator.translate(read(body)));
        }
        return actions;
    }

    private static List<String> blocksOf(List<FencedBlocks.Block> blocks, String language) {
        return blocks.stream().filter(b -> b.language().equals(language)).map(FencedBlocks.Block::body).toList();
    }

    private static JsonNode read(String json) throws ParseFailure {
        try {
            JsonNode node = JSON.readTree(json);
            if (node == null || node.isMissingNode()) {
                throw new ParseFailure("no action: expected a JSON object such as {\"action_type\": \"CLICK\", \"x\": 10, \"y\": 20}");
            }
            return node;
        } catch (JsonProcessingException e) {
            String why = Objects.requireNonNullElse(e.getOriginalMessage(), "malformed JSON").replace('\n', ' ');
            throw new ParseFailure("not a JSON action: " + (why.length() <= JSON_ERROR_CHARS ? why
                    : why.substring(0, JSON_ERROR_CHARS) + "..."));
        }
    }
}
