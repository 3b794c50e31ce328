package io.deskpool.env;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The JSON mapper of the env API. */
public final class EnvJson {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private EnvJson() {
    }
}
