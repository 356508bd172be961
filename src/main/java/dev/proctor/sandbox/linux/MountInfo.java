package dev.proctor.sandbox.linux;

/** Fields of /proc/PID/mountinfo. */
public final class MountInfo {

    private MountInfo() {}

    /** mountinfo writes space, tab, newline and backslash as a backslash and three octal digits (\040). */
    public static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\'
                    && i + 3 < field.length()
                    && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
