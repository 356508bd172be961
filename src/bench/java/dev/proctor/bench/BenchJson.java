package dev.proctor.bench;

import java.util.Locale;
import java.util.Map;

/** The last line of a bench run with {@code --json}: one flat JSON object, figures to three decimals. */
final class BenchJson {

    private BenchJson() {}

    /**
     * Keys are the benches' own names (plain ASCII); values are numbers (non-finite ones written as null), booleans,
     * null, or strings of the benches' own words (plain ASCII, quoted; a quote or backslash escaped).
     */
    static String line(Map<String, Object> figures) {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Object> e : figures.entrySet()) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append('"').append(e.getKey()).append("\":");
            Object v = e.getValue();
            // a figure that could not be measured (no samples: NaN) is null, never invalid JSON
            b.append(
                    v instanceof Double d
                            ? Double.isFinite(d) ? String.format(Locale.ROOT, "%.3f", d) : "null"
                            : v instanceof String s
                                    ? '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"'
                                    : String.valueOf(v));
        }
        return b.append('}').toString();
    }
}
