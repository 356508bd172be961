package dev.proctor.grading;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The built-in checkers against a small reference written another way (regular expressions over the bytes
 * read as ISO-8859-1, one char per byte), on random pairs: unrelated ones, and an output with a variation of
 * the other's whitespace, so that both verdicts come up often.
 */
class CheckersPropertiesTest {

    /** ASCII whitespace, and nothing else: no NBSP (0xa0), no U+2003 (e2 80 83), no NUL. */
    private static final String WS = "[ \\t\\n\\x0B\\f\\r]";

    private static final Pattern TRAILING = Pattern.compile("[ \\t\\x0B\\f\\r]+$");

    private static final byte[] ALPHABET = {
        '1',
        '2',
        '0',
        '.',
        '-',
        '+',
        'e',
        'a',
        'B',
        ' ',
        ' ',
        '\n',
        '\n',
        '\r',
        '\t',
        0x0b,
        0x0c,
        0,
        (byte) 0xff,
        (byte) 0xc2,
        (byte) 0xa0,
        (byte) 0xe2,
        (byte) 0x80,
        (byte) 0x83
    };
    private static final byte[] SPACES = {' ', '\t', '\r', '\n', 0x0b, 0x0c};

    @Provide
    Arbitrary<Tuple.Tuple2<byte[], byte[]>> pairs() {
        Arbitrary<byte[]> text =
                Arbitraries.of(box(ALPHABET)).list().ofMaxSize(40).map(CheckersPropertiesTest::bytes);
        Arbitrary<Tuple.Tuple2<byte[], byte[]>> unrelated =
                Combinators.combine(text, text).as(Tuple::of);
        Arbitrary<Tuple.Tuple2<byte[], byte[]>> respaced = Combinators.combine(
                        text,
                        Arbitraries.integers().between(0, 1000),
                        Arbitraries.of(box(SPACES)).list().ofMaxSize(3))
                .as((t, pos, ins) -> Tuple.of(t, insert(t, pos, ins)));
        Arbitrary<Tuple.Tuple2<byte[], byte[]>> same = text.map(t -> Tuple.of(t, t.clone()));
        return Arbitraries.oneOf(unrelated, respaced, same);
    }

    @Property(tries = 2000)
    void exactIsByteEquality(@ForAll("pairs") Tuple.Tuple2<byte[], byte[]> p) {
        assertEquals(Arrays.equals(p.get1(), p.get2()), accepted("exact", p));
    }

    @Property(tries = 2000)
    void trimmedMatchesTheReference(@ForAll("pairs") Tuple.Tuple2<byte[], byte[]> p) {
        assertEquals(refTrimmed(p.get1()).equals(refTrimmed(p.get2())), accepted("trimmed", p));
    }

    @Property(tries = 2000)
    void tokensMatchesTheReference(@ForAll("pairs") Tuple.Tuple2<byte[], byte[]> p) {
        assertEquals(refTokens(p.get1()).equals(refTokens(p.get2())), accepted("tokens", p));
    }

    @Property(tries = 2000)
    void floatMatchesTheReference(@ForAll("pairs") Tuple.Tuple2<byte[], byte[]> p) {
        assertEquals(refFloat(refTokens(p.get1()), refTokens(p.get2()), 1e-6), accepted("float", p));
    }

    @Property(tries = 500)
    void numbersWithinToleranceAreAccepted(@ForAll double x, @ForAll("tiny") double noise) {
        byte[] e = (Double.toString(x) + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] a = Double.toString(x + noise).getBytes(StandardCharsets.US_ASCII);
        boolean expected = refFloat(refTokens(e), refTokens(a), 1e-6);
        assertEquals(
                expected ? Verdict.ACCEPTED : Verdict.WRONG_ANSWER,
                Checkers.check(CheckerType.fromWire("float"), e, a, 1e-6, 0));
    }

    @Provide
    Arbitrary<Double> tiny() {
        return Arbitraries.doubles().between(-2e-6, 2e-6).ofScale(9);
    }

    @Example
    void bytesThatDecodeAlikeAreStillDifferent() {
        // both used to decode to U+FFFD and compare equal
        byte[] e = {(byte) 0xff, '\n'};
        byte[] a = {(byte) 0xfe, '\n'};
        for (String type : List.of("exact", "trimmed", "tokens", "float")) {
            assertEquals(Verdict.WRONG_ANSWER, Checkers.check(CheckerType.fromWire(type), e, a, 1e-6, 0), type);
        }
    }

    @Example
    void unicodeSpacesAreNotWhitespace() {
        byte[] em = "1\u2003".getBytes(StandardCharsets.UTF_8);
        assertEquals(Verdict.WRONG_ANSWER, Checkers.check(CheckerType.fromWire("trimmed"), "1".getBytes(), em, 0, 0));
        assertEquals(Verdict.WRONG_ANSWER, Checkers.check(CheckerType.fromWire("tokens"), "1".getBytes(), em, 0, 0));
    }

    @Example
    void aLongNumberTokenIsLinear() {
        byte[] big = new byte[2_000_000];
        Arrays.fill(big, (byte) '1');
        big[big.length - 1] = 'x';
        assertEquals(Verdict.ACCEPTED, Checkers.check(CheckerType.fromWire("float"), big, big.clone(), 1e-6, 0));
    }

    private static boolean accepted(String type, Tuple.Tuple2<byte[], byte[]> p) {
        return Checkers.check(CheckerType.fromWire(type), p.get1(), p.get2(), 1e-6, 0) == Verdict.ACCEPTED;
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    static String refTrimmed(byte[] b) {
        String[] lines = latin1(b).split("\n", -1);
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            out.add(TRAILING.matcher(l).replaceAll(""));
        }
        while (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        return String.join("\n", out);
    }

    static List<String> refTokens(byte[] b) {
        List<String> out = new ArrayList<>();
        for (String t : latin1(b).split(WS + "+")) {
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?");

    static boolean refFloat(List<String> e, List<String> a, double abs) {
        if (e.size() != a.size()) {
            return false;
        }
        for (int i = 0; i < e.size(); i++) {
            boolean en = NUMBER.matcher(e.get(i)).matches();
            boolean an = NUMBER.matcher(a.get(i)).matches();
            if (en && an) {
                double x = Double.parseDouble(e.get(i));
                double y = Double.parseDouble(a.get(i));
                if (!(x == y || Math.abs(x - y) <= abs)) {
                    return false;
                }
            } else if (!e.get(i).equals(a.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static Byte[] box(byte[] b) {
        Byte[] out = new Byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i];
        }
        return out;
    }

    private static byte[] bytes(List<Byte> l) {
        byte[] out = new byte[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = l.get(i);
        }
        return out;
    }

    private static byte[] insert(byte[] t, int pos, List<Byte> ins) {
        int at = t.length == 0 ? 0 : pos % (t.length + 1);
        byte[] out = new byte[t.length + ins.size()];
        System.arraycopy(t, 0, out, 0, at);
        for (int i = 0; i < ins.size(); i++) {
            out[at + i] = ins.get(i);
        }
        System.arraycopy(t, at, out, at + ins.size(), t.length - at);
        return out;
    }
}
