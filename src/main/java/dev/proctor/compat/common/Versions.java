package dev.proctor.compat.common;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Version numbers out of a toolchain's own version line ("gcc (Debian 12.2.0-14) 12.2.0" → 12.2.0). */
public final class Versions {

    private static final Pattern NUMBER = Pattern.compile("(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

    private Versions() {}

    /** The first dotted number as MAJOR.MINOR.PATCH (a missing patch is 0), or null when there is none. */
    public static String semver(String versionLine) {
        if (versionLine == null
                || versionLine.startsWith("unknown")
                || versionLine.startsWith("unavailable")
                || versionLine.startsWith("version detection failed")) {
            return null;
        }
        Matcher m = NUMBER.matcher(versionLine);
        if (!m.find()) {
            return null;
        }
        return Integer.parseInt(m.group(1)) + "." + Integer.parseInt(m.group(2)) + "."
                + (m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
    }
}
