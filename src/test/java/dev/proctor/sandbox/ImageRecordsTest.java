package dev.proctor.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.proctor.sandbox.rootfs.ImageUsers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image records in the instance dirs of a state dir, as engines and {@code image build} read them. */
class ImageRecordsTest {

    @TempDir
    Path state;

    private EngineDirs instance(String tag) throws IOException {
        Path dir = Files.createDirectories(state.resolve("instances").resolve(tag));
        Files.createDirectories(dir.resolve(ImageRecords.DIR));
        return new EngineDirs(tag, dir, dir.resolve("runs"), dir.resolve("work"));
    }

    @Test
    void everyInstanceDirsRecordCountsAndALaterRecordReplacesAnEarlierOne() throws IOException {
        ImageRecords a = ImageRecords.of(instance("p1ea"));
        ImageRecords b = ImageRecords.of(instance("p2eb"));
        a.record("host", "h1");
        a.record("python3", "d1");
        b.record("host", "h2");
        ImageUsers cli = ImageRecords.readOnly(state);

        assertEquals(Set.of("h1", "h2"), cli.inUse("host"));
        assertEquals(Set.of("d1"), cli.inUse("python3"));
        assertEquals(Set.of(), cli.inUse("gcc"));
        b.record("host", "h1");
        assertEquals(Set.of("h1"), a.inUse("host"));
        assertFalse(cli.unrecordedEngines());
        assertThrows(IllegalStateException.class, () -> cli.record("host", "h3"));
    }

    @Test
    void anInstanceDirWithoutRecordsIsAnEngineOfAnEarlierVersionButOneBeingMadeIsNot() throws IOException {
        ImageRecords a = ImageRecords.of(instance("p1ea"));
        Files.createDirectories(state.resolve("instances").resolve(DeadEngines.BEING_MADE_PREFIX + "p3ec"));
        assertFalse(a.unrecordedEngines());

        Files.createDirectories(state.resolve("instances/p4ed"));
        assertTrue(a.unrecordedEngines());
        assertEquals(Set.of(), a.inUse("host"));
    }

    @Test
    void aStateDirWithoutInstancesHasNoUsers() throws IOException {
        ImageUsers cli = ImageRecords.readOnly(state.resolve("empty"));
        assertEquals(Set.of(), cli.inUse("host"));
        assertFalse(cli.unrecordedEngines());
    }
}
