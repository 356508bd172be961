package dev.proctor.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Any bytes survive storage (as PostgreSQL's jsonb would hold the JSON) and come back exactly. */
class ByteFieldsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Provide
    Arbitrary<byte[]> outputs() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(2000),
                // mostly text, with the bytes that broke things before: NUL, 0xff, CR, cut sequences
                Arbitraries.strings().all().ofMaxLength(300).map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.of(
                                (byte) 0,
                                (byte) 0xff,
                                (byte) 0xfe,
                                (byte) '\r',
                                (byte) '\n',
                                (byte) 0xc3,
                                (byte) 0xa9,
                                (byte) 'a')
                        .array(byte[].class)
                        .ofMaxSize(64));
    }

    @Property(tries = 500)
    void storedThenRenderedGivesTheSameBytes(@ForAll("outputs") byte[] written) throws Exception {
        ObjectNode stored = JsonNodeFactory.instance.objectNode();
        ByteFields.store(stored, "stdout", written);
        String json = JSON.writeValueAsString(stored);
        assertFalse(json.contains("\\u0000"), "stored JSON must not need a NUL escape (jsonb rejects it)");
        for (ByteFields.Mode mode : ByteFields.Mode.values()) {
            ObjectNode view = ((ObjectNode) JSON.readTree(json)).deepCopy();
            ByteFields.render(view, "stdout", mode);
            // what a client does: decode by the sibling field
            ObjectNode received = (ObjectNode) JSON.readTree(JSON.writeValueAsString(view));
            String enc = received.get("stdout_encoding").asText();
            byte[] got = enc.equals("base64")
                    ? Base64.getDecoder().decode(received.get("stdout").asText())
                    : received.get("stdout").asText().getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(written, got, "mode " + mode + ", encoding " + enc);
            if (mode == ByteFields.Mode.BASE64) {
                assertEquals("base64", enc);
            } else {
                assertEquals(ByteFields.utf8OrNull(written) != null ? "utf8" : "base64", enc);
            }
        }
    }

    @Example
    void nulIsTextButInvalidUtf8IsBase64() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        ByteFields.store(n, "stdout", "a\0b\n".getBytes(StandardCharsets.UTF_8));
        ByteFields.render(n, "stdout", ByteFields.Mode.AUTO);
        assertEquals("a\0b\n", n.get("stdout").asText());
        assertEquals("utf8", n.get("stdout_encoding").asText());

        ObjectNode m = JsonNodeFactory.instance.objectNode();
        ByteFields.store(m, "stdout", new byte[] {(byte) 0xff, (byte) 0xfe, ' ', 'o', 'k', '\n'});
        ByteFields.render(m, "stdout", ByteFields.Mode.AUTO);
        assertEquals("//4gb2sK", m.get("stdout").asText());
        assertEquals("base64", m.get("stdout_encoding").asText());
    }

    @Example
    void overlongAndSurrogateEncodingsAreNotUtf8() {
        assertNull(ByteFields.utf8OrNull(new byte[] {(byte) 0xc0, (byte) 0x80}));
        assertNull(ByteFields.utf8OrNull(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}));
        assertNull(ByteFields.utf8OrNull(new byte[] {(byte) 0xe2, (byte) 0x82}));
    }

    @Example
    void resultsStoredAsTextBeforeStillRead() {
        ObjectNode old = JsonNodeFactory.instance.objectNode();
        old.put("stdout", "héllo\n");
        ByteFields.render(old, "stdout", ByteFields.Mode.BASE64);
        assertArrayEquals(
                "héllo\n".getBytes(StandardCharsets.UTF_8),
                Base64.getDecoder().decode(old.get("stdout").asText()));
    }
}
