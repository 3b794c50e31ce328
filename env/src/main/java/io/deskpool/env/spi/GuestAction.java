package io.deskpool.env.spi;

import java.util.Objects;

/** One action for the VM, in OSWorld's {@code pyautogui} action space. */
public sealed interface GuestAction {
    /** Python/pyautogui code run through the VM's {@code /execute}. */
    record Code(String pyautogui) implements GuestAction {
        public Code {
            Objects.requireNonNull(pyautogui, "pyautogui");
        }
    }

    /** OSWorld's {@code WAIT}: nothing runs, the next observation is taken. */
    record Wait() implements GuestAction {
    }

    /** OSWorld's {@code DONE}: the agent says the task is done. */
    record Done() implements GuestAction {
    }

    /** OSWorld's {@code FAIL}: the agent says the task cannot be done. */
    record Fail() implements GuestAction {
    }
}
