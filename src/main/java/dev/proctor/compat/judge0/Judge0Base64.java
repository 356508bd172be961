package dev.proctor.compat.judge0;

import java.util.Base64;

/**
 * Base64 as Judge0 (Ruby's Base64 module) writes and reads it: MIME lines of 60 characters, each ended by a
 * newline; decoding skips every character outside the alphabet and tolerates missing padding.
 */
final class Judge0Base64 {

    private static final Base64.Encoder MIME = Base64.getMimeEncoder(60, new byte[] {'\n'});

    private Judge0Base64() {}

    static String encode(byte[] bytes) {
        if (bytes.length == 0) {
            return "";
        }
        return MIME.encodeToString(bytes) + "\n";
    }

    static byte[] decode(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
                b.append(c);
            } else if (c == '=') {
                break;
            }
        }
        // a lone trailing sextet carries no whole byte
        if (b.length() % 4 == 1) {
            b.setLength(b.length() - 1);
        }
        while (b.length() % 4 != 0) {
            b.append('=');
        }
        return Base64.getDecoder().decode(b.toString());
    }
}
