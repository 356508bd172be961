package dev.proctor.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * What a program writes is bytes, not text. In a stored result every byte field (stdout, stderr, compile
 * output) is base64 with a sibling {@code <field>_encoding: "base64"}: PostgreSQL's jsonb cannot hold a NUL
 * and would turn invalid UTF-8 into something else. On the way out a field becomes a JSON string when its
 * bytes are valid UTF-8 ({@code _encoding: "utf8"}), else stays base64 ({@code _encoding: "base64"}); a caller
 * asking {@code encoding=base64} gets base64 throughout. Requests use the same pair for stdin and expected
 * output.
 */
public final class ByteFields {

    public static final String UTF8 = "utf8";
    public static final String BASE64 = "base64";

    /** How a view renders byte fields. */
    public enum Mode {
        /** A JSON string where the bytes are valid UTF-8, else base64. */
        AUTO,
        /** Base64 for every byte field. */
        BASE64;

        /** {@code null}/{@code auto}/{@code utf8} → AUTO, {@code base64} → BASE64, anything else: null. */
        public static Mode parse(String s) {
            if (s == null) {
                return AUTO;
            }
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "auto", "utf8", "utf-8" -> AUTO;
                case "base64" -> BASE64;
                default -> null;
            };
        }
    }

    private ByteFields() {}

    public static String encodingField(String field) {
        return field + "_encoding";
    }

    /** Writes {@code bytes} into a node that will be stored: always base64, marked as such. */
    public static void store(ObjectNode node, String field, byte[] bytes) {
        node.put(field, Base64.getEncoder().encodeToString(bytes));
        node.put(encodingField(field), BASE64);
    }

    /**
     * The bytes of a stored field: base64 where marked, else the UTF-8 of the text (results stored before
     * byte fields existed). Null when the field is absent or null.
     */
    public static byte[] stored(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        JsonNode enc = node.get(encodingField(field));
        return decode(v.asText(), enc == null ? null : enc.asText());
    }

    /** The bytes a stored value stands for: base64 where its encoding says so, else the UTF-8 of the text. */
    public static byte[] decode(String value, String encoding) {
        return BASE64.equals(encoding) ? Base64.getDecoder().decode(value) : value.getBytes(StandardCharsets.UTF_8);
    }

    /** A byte field as a caller sees it: the JSON string and its {@code _encoding}. */
    public record Encoded(String value, String encoding) {}

    /** {@code bytes} for a caller: text where they are valid UTF-8 and {@code mode} allows it, else base64. */
    public static Encoded encode(byte[] bytes, Mode mode) {
        String text = mode == Mode.AUTO ? utf8OrNull(bytes) : null;
        return text != null
                ? new Encoded(text, UTF8)
                : new Encoded(Base64.getEncoder().encodeToString(bytes), BASE64);
    }

    /** Rewrites a stored field of {@code node} (a copy the caller owns) for a caller, by {@code mode}. */
    public static void render(ObjectNode node, String field, Mode mode) {
        byte[] bytes = stored(node, field);
        if (bytes == null) {
            return;
        }
        Encoded e = encode(bytes, mode);
        node.put(field, e.value());
        node.put(encodingField(field), e.encoding());
    }

    /** The text of {@code bytes} if they are well-formed UTF-8 (no overlong forms, no surrogates), else null. */
    public static String utf8OrNull(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Whether {@code s} is well-formed Unicode: every surrogate is part of a pair. */
    public static boolean wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
