package dev.proctor.profiles;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Placeholders a profile's argv may hold, replaced in every argument when a step is built from the
 * step's memory limit: a runtime that sizes its own heap (the JVM) must be told the limit, or it
 * sizes itself from the host's memory and is OOM-killed instead of reporting its own out-of-memory.
 *
 * <ul>
 *   <li>{@code {memory_mb}}: the step's memory limit in MiB;</li>
 *   <li>{@code {heap_mb}}: 5/8 of it (at least 16), room for a managed heap beside the runtime's own
 *       memory (metaspace, code cache, thread stacks, GC structures, the C heap).</li>
 * </ul>
 * A {@code {word}} not preceded by {@code $} (shell's {@code ${var}}) that is not one of these is a
 * profile error at start-up.
 */
public final class ArgvTemplate {

    public static final List<String> PLACEHOLDERS = List.of("memory_mb", "heap_mb");

    private static final Pattern PLACEHOLDER = Pattern.compile("(?<!\\$)\\{([a-z_]+)}");

    private ArgvTemplate() {}

    /** The heap a runtime gets under a memory limit of {@code memoryMb}. */
    public static long heapMb(long memoryMb) {
        return Math.max(16, memoryMb * 5 / 8);
    }

    /** {@code argv} with every placeholder replaced for a step limited to {@code memoryMb}. */
    public static List<String> expand(List<String> argv, long memoryMb) {
        List<String> out = new ArrayList<>(argv.size());
        for (String a : argv) {
            Matcher m = PLACEHOLDER.matcher(a);
            StringBuilder b = new StringBuilder();
            while (m.find()) {
                String value = switch (m.group(1)) {
                    case "memory_mb" -> Long.toString(memoryMb);
                    case "heap_mb" -> Long.toString(heapMb(memoryMb));
                    default -> m.group();
                };
                m.appendReplacement(b, Matcher.quoteReplacement(value));
            }
            m.appendTail(b);
            out.add(b.toString());
        }
        return out;
    }

    /** Placeholders of {@code argv} that are not known, in order of appearance. */
    public static List<String> unknown(List<String> argv) {
        List<String> bad = new ArrayList<>();
        for (String a : argv) {
            Matcher m = PLACEHOLDER.matcher(a);
            while (m.find()) {
                if (!PLACEHOLDERS.contains(m.group(1))) {
                    bad.add(m.group());
                }
            }
        }
        return bad;
    }
}
