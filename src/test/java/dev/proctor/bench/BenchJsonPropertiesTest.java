package dev.proctor.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;

/** A bench's JSON line is JSON: generated words, figures (non-finite ones too) and flags read back as written. */
class BenchJsonPropertiesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Property(tries = 300)
    void readsBackAsJson(
            @ForAll @CharRange(from = ' ', to = '~') @StringLength(max = 40) String word,
            @ForAll double figure,
            @ForAll boolean flag,
            @ForAll @AlphaChars @StringLength(min = 1, max = 20) String key)
            throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("word", word);
        m.put("figure", figure);
        m.put("flag", flag);
        m.put("none", null);
        m.put("k_" + key, 7L);
        JsonNode read = JSON.readTree(BenchJson.line(m));
        assertEquals(word, read.get("word").asText());
        if (Double.isFinite(figure)) {
            assertEquals(figure, read.get("figure").asDouble(), Math.max(1e-3, Math.abs(figure) * 1e-12));
        } else {
            assertTrue(read.get("figure").isNull());
        }
        assertEquals(flag, read.get("flag").asBoolean());
        assertTrue(read.get("none").isNull());
        assertEquals(7L, read.get("k_" + key).asLong());
    }
}
