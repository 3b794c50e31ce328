package io.deskpool.env.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.deskpool.env.spi.EvalContext;
import io.deskpool.env.spi.Getter;

import java.util.ArrayList;
import java.util.List;

/**
 * OSWorld's {@code get_cloud_file}: downloads gold files (http(s) URLs in {@code path}) on the host and gives
 * their local paths. The host fetches them through the server's guard (internal addresses refused unless
 * ENV_DOWNLOAD_ALLOW names them) into a cache kept per caller and URL.
 */
public final class CloudFile implements Getter {
    @Override
    public String type() {
        return "cloud_file";
    }

    @Override
    public JsonNode get(JsonNode config, EvalContext context) {
        FileSpecs specs = FileSpecs.of(config, type());
        List<JsonNode> given = new ArrayList<>();
        for (int i = 0; i < specs.paths().size(); i++) {
            String local = context.download(specs.paths().get(i), specs.dests().get(i)).toString();
            if (specs.gives().contains(i)) {
                given.add(JsonNodeFactory.instance.textNode(local));
            }
        }
        return FileSpecs.shape(given);
    }
}
