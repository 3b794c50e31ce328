package io.deskpool.env.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import io.deskpool.env.spi.EvalContext;
import io.deskpool.env.spi.Getter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * OSWorld's {@code get_vm_file}: copies files from the VM ({@code POST /file}) into the evaluation's directory
 * and gives their local paths; a file the VM does not have gives {@code null} (its metric then scores 0).
 */
public final class VmFile implements Getter {
    @Override
    public String type() {
        return "vm_file";
    }

    @Override
    public JsonNode get(JsonNode config, EvalContext context) throws IOException {
        FileSpecs specs = FileSpecs.of(config, type());
        List<JsonNode> given = new ArrayList<>();
        for (int i = 0; i < specs.paths().size(); i++) {
            Optional<byte[]> bytes = context.guest().file(specs.paths().get(i));
            JsonNode value = NullNode.getInstance();
            if (bytes.isPresent()) {
                Path local = context.workDir().resolve(specs.dests().get(i));
                Files.write(local, bytes.get());
                value = JsonNodeFactory.instance.textNode(local.toString());
            }
            if (specs.gives().contains(i)) {
                given.add(value);
            }
        }
        return FileSpecs.shape(given);
    }
}
