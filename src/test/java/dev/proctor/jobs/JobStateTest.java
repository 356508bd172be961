package dev.proctor.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The enum and the table agree: the CHECK constraint on jobs.state names exactly the enum's states. */
class JobStateTest {

    @Test
    void enumMatchesTheSchema() throws Exception {
        String v1 =
                Files.readString(Path.of(System.getProperty("proctor.project-dir", "."), "migrations", "V1__jobs.sql"));
        Matcher m = Pattern.compile("state\\s+TEXT\\s+NOT NULL CHECK \\(state IN \\(([^)]*)\\)\\)")
                .matcher(v1);
        assertTrue(m.find(), "V1__jobs.sql has a CHECK on jobs.state");
        Set<String> schema = new LinkedHashSet<>();
        for (String s : m.group(1).split(",")) {
            schema.add(s.trim().replace("'", ""));
        }
        Set<String> enumNames = new LinkedHashSet<>(
                Arrays.stream(JobState.values()).map(JobState::wire).toList());
        assertEquals(schema, enumNames);
    }

    @Test
    void parseIsTheInverseOfWireAndRefusesOthers() {
        for (JobState s : JobState.values()) {
            assertEquals(s, JobState.parse(s.wire()));
            assertEquals(
                    s,
                    new JobState.Column().convertToEntityAttribute(new JobState.Column().convertToDatabaseColumn(s)));
        }
        assertEquals(JobState.DONE, JobState.parse("DONE"));
        assertThrows(IllegalArgumentException.class, () -> JobState.parse("finished"));
        assertThrows(IllegalArgumentException.class, () -> JobState.parse(""));
        assertTrue(JobState.DONE.finished() && JobState.CANCELLED.finished());
        assertTrue(!JobState.QUEUED.finished() && !JobState.RUNNING.finished());
    }
}
