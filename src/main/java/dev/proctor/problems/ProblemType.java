package dev.proctor.problems;

import java.util.Locale;

/** What kind of problem a package is ({@code type} in problem.yaml). */
public enum ProblemType {
    PASS_FAIL,
    SCORING,
    INTERACTIVE,
    MULTI_PASS;

    /** The name as problem.yaml writes it: {@code pass-fail}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static ProblemType of(String wire) {
        for (ProblemType t : values()) {
            if (t.wire().equals(wire)) {
                return t;
            }
        }
        return null;
    }
}
