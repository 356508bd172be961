package dev.proctor.jobs;

import java.util.Locale;

/** Where a job is in its life. */
public enum JobState {
    QUEUED,
    RUNNING,
    DONE,
    CANCELLED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static JobState parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
