package io.deskpool.provider.qemu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Guest memory files in a tmpfs hold host RAM until deleted: a start removes those no state directory owns. */
class GuestMemoryTest {
    @TempDir
    Path tmp;

    private Path memoryFileOf(GuestMemory memory) throws Exception {
        Path file = memory.template("fork-1");
        Files.writeString(file, "guest RAM");
        return file;
    }

    @Test
    void a_start_deletes_the_memory_of_a_state_directory_that_is_gone_and_keeps_the_others() throws Exception {
        Path shm = Files.createDirectory(tmp.resolve("shm"));
        Path gone = Files.createDirectory(tmp.resolve("state-gone"));
        Path alive = Files.createDirectory(tmp.resolve("state-alive"));
        Path goneFile = memoryFileOf(new GuestMemory(Optional.of(shm), gone));
        Path aliveFile = memoryFileOf(new GuestMemory(Optional.of(shm), alive));
        Path someoneElses = Files.createDirectories(shm.resolve("deskpool-0123456789ab"));
        Files.delete(gone);

        GuestMemory starting = new GuestMemory(Optional.of(shm), Files.createDirectory(tmp.resolve("state-new")));
        starting.removeAbandoned();

        assertThat(goneFile.getParent()).doesNotExist();
        assertThat(aliveFile).exists();
        assertThat(someoneElses).exists();
    }
}
