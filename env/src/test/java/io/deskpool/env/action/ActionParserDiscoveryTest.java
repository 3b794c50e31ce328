package io.deskpool.env.action;

import io.deskpool.env.spi.ActionParser;
import org.junit.jupiter.api.Test;

import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;

class ActionParserDiscoveryTest {
    @Test
    void the_three_parsers_are_found_by_their_names() {
        assertThat(ServiceLoader.load(ActionParser.class).stream().map(p -> p.get().name()))
                .containsExactlyInAnyOrder("uitars", "pyautogui", "computer_13");
    }
}
