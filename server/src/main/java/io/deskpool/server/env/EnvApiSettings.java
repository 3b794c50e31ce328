package io.deskpool.server.env;

import io.deskpool.core.settings.Setting;

import java.util.List;

/** Settings of the env HTTP APIs: the remote-env listener, the ARPO/ENVS chat messages, callers without tokens. */
public final class EnvApiSettings {
    public static final Setting ENV_PORT = Setting.of("ENV_PORT", "15001",
            "Second port serving only the remote env API (/env/*, /slots/{k}/env/*, /health, /docs), where ARPO and ENVS "
                    + "trainers expect it; 0 = off. When PORT is 0 (tests, embedding) it too takes any free port unless set");
    public static final Setting ANONYMOUS_TOKEN = new Setting("ENV_ANONYMOUS_TOKEN", "",
            "A token from TOKENS that /env/* callers sending no token act as, when they connect from ENV_ALLOW_FROM "
                    + "(the ARPO and ENVS clients send none); its quota bounds how many slots hold VMs. Empty = such calls get 401",
            List.of(), true);
    public static final Setting ALLOW_FROM = Setting.of("ENV_ALLOW_FROM", "127.0.0.0/8,::1/128",
            "Addresses (CIDR list) whose token-less /env/* calls act as ENV_ANONYMOUS_TOKEN, e.g. the training cluster's "
                    + "subnet 10.100.4.0/24");
    public static final Setting PROMPT_FILE = Setting.of("ENV_PROMPT_FILE", "",
            "Text file of the user prompt that opens every /env/* episode, with {instruction} where the task's "
                    + "instruction goes (point it at your agent's prompt); empty = Deskpool's UI-TARS-style prompt");
    public static final Setting SYSTEM_MESSAGE = Setting.of("ENV_SYSTEM_MESSAGE", "You are a helpful assistant.",
            "Text of the system message that opens every /env/* episode's chat");
    public static final Setting IMAGE_MIN_PIXELS = Setting.of("ENV_IMAGE_MIN_PIXELS", "3136",
            "min_pixels of every screenshot in /env/* chat messages (the processor's lower bound)");
    public static final Setting IMAGE_MAX_PIXELS = Setting.of("ENV_IMAGE_MAX_PIXELS", "2116800",
            "max_pixels of every screenshot in /env/* chat messages (the processor's upper bound)");
    public static final Setting OBSERVATION = Setting.of("ENV_SCREENSHOT", "base64",
            "How /v1/sessions observations carry the screenshot: base64 (PNG in the JSON) or url (a link to "
                    + "/v1/sessions/{id}/screenshot); a reset's 'screenshot' overrides");

    public static final List<Setting> ALL = List.of(ENV_PORT, ANONYMOUS_TOKEN, ALLOW_FROM, PROMPT_FILE, SYSTEM_MESSAGE,
            IMAGE_MIN_PIXELS, IMAGE_MAX_PIXELS, OBSERVATION);

    private EnvApiSettings() {
    }
}
