package dev.proctor.sandbox.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The launcher's one table of step names (report.c) and {@link LaunchStep} name the same steps. */
class LaunchStepTest {

    private static final Pattern ENTRY = Pattern.compile("\\[STEP_([A-Z0-9_]+)\\] = \"([a-z0-9_]+)\"");

    @Test
    void everyStepOfTheLauncherIsKnownByName() throws IOException {
        String dir = System.getProperty("proctor.project-dir", ".");
        String table = Files.readString(Path.of(dir, "src/main/c/launcher/report.c"));
        Matcher m = ENTRY.matcher(table);
        List<String> names = new ArrayList<>();
        while (m.find()) {
            assertEquals(m.group(1).toLowerCase(java.util.Locale.ROOT), m.group(2), "the enum name and its wire name");
            assertEquals(m.group(2), LaunchStep.of(m.group(2)).wire(), m.group(2) + " is a LaunchStep");
            names.add(m.group(2));
        }
        assertFalse(names.isEmpty(), "the table was found in report.c");
    }
}
