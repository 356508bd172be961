package dev.proctor.problems;

import java.util.List;

/**
 * How output is judged: the default token comparison, or the package's own validator ({@code custom}), which
 * may also be the interactor ({@code interactive}) and may award a score ({@code score}); {@code flags} are
 * passed to the validator (and, for the default one, are its options).
 */
public record Validation(boolean custom, boolean interactive, boolean score, List<String> flags) {

    public Validation {
        flags = List.copyOf(flags);
    }

    public String wire() {
        if (!custom) {
            return "default";
        }
        return "custom" + (interactive ? " interactive" : "") + (score ? " score" : "");
    }
}
