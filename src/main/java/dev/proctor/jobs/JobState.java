package dev.proctor.jobs;

import com.fasterxml.jackson.annotation.JsonValue;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;
import java.util.Locale;

/**
 * Where a job is: {@code queued} until a node claims it, {@code running} while that node holds its lease,
 * then {@code done} (with a verdict) or {@code cancelled}. The {@code jobs.state} CHECK constraint of
 * {@code V1__jobs.sql} lists the same names (JobStateTest holds them together); native SQL uses the names.
 */
public enum JobState {
    QUEUED,
    RUNNING,
    DONE,
    CANCELLED;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A state from its wire name; IllegalArgumentException for any other text. */
    public static JobState parse(String s) {
        for (JobState st : values()) {
            if (st.wire().equalsIgnoreCase(s)) {
                return st;
            }
        }
        throw new IllegalArgumentException("not a job state: " + s);
    }

    /** Done or cancelled: nothing more will happen to the job. */
    public boolean finished() {
        return this == DONE || this == CANCELLED;
    }

    /** {@code jobs.state} holds the wire name. */
    @Converter
    public static class Column implements AttributeConverter<JobState, String> {
        @Override
        public String convertToDatabaseColumn(JobState s) {
            return s == null ? null : s.wire();
        }

        @Override
        public JobState convertToEntityAttribute(String s) {
            return s == null ? null : parse(s);
        }
    }
}
