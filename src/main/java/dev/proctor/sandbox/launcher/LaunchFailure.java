package dev.proctor.sandbox.launcher;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Proctor failed before or at exec: the launcher's {@code error=} line (its format is documented
 * beside {@code struct spec} in src/main/c/launcher/launcher.h), typed; {@code text} keeps it whole
 * for messages and logs.
 */
public record LaunchFailure(LaunchStep step, int errno, String detail, String text) {

    private static final Pattern LINE =
            Pattern.compile("step=(\\S*) errno=(-?\\d+)(?: \\([^)]*\\))?(?: detail=(.*))?", Pattern.DOTALL);

    public static LaunchFailure parse(String text) {
        Matcher m = LINE.matcher(text);
        if (!m.lookingAt()) {
            return new LaunchFailure(LaunchStep.UNKNOWN, 0, text, text);
        }
        int errno;
        try {
            errno = Integer.parseInt(m.group(2));
        } catch (NumberFormatException e) {
            errno = 0;
        }
        return new LaunchFailure(LaunchStep.of(m.group(1)), errno, m.group(3) == null ? "" : m.group(3), text);
    }

    /** The program could not be executed (missing, not executable): the job's failure, as a shell's 127. */
    public boolean atExec() {
        return step == LaunchStep.EXEC;
    }

    @Override
    public String toString() {
        return text;
    }
}
