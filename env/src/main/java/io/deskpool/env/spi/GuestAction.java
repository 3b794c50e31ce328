package io.deskpool.env.spi;

import static java.util.Objects.requireNonNull;

/** One action for the VM, as OSWorld's pyautogui action space has them. */
public sealed interface GuestAction {
    /** python/pyautogui code run through the VM's /execute. */
    record Code(String pyautogui) implements GuestAction {
        public Code {
            requireNonNull(pyautogui, "pyautogui is null");
        }
    }

    /** Nothing this step; the episode goes on. */
    record Wait() implements GuestAction {
    }

    /** The agent says the task is done: the episode ends. */
    record Done() implements GuestAction {
    }

    /** The agent gives up (or says the task is infeasible): the episode ends. */
    record Fail() implements GuestAction {
    }
}
