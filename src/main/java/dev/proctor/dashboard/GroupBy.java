package dev.proctor.dashboard;

import dev.proctor.core.Rejection;
import java.util.Locale;

/** What the usage series are stacked by. */
public enum GroupBy {
    CLIENT,
    PROFILE,
    NODE;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static GroupBy parse(String value) {
        if (value == null || value.isBlank()) {
            return CLIENT;
        }
        for (GroupBy g : values()) {
            if (g.wire().equals(value)) {
                return g;
            }
        }
        throw Rejection.invalid("group_by", "group_by must be client, profile or node");
    }
}
