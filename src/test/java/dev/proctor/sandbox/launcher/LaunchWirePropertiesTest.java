package dev.proctor.sandbox.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The engine's side of the launcher's wire: a spec is every entry as {@code key=value} in UTF-8, each ended
 * by a NUL, then one more NUL, however its entries were put (one by one, or as a fragment made once); and
 * a report is read whole, whatever its length, before it is parsed.
 */
class LaunchWirePropertiesTest {

    @Provide
    Arbitrary<Tuple.Tuple2<String, String>> entry() {
        Arbitrary<String> keys =
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(12);
        // any text without NUL: ASCII, Latin-1, CJK, surrogate pairs (emoji), tabs and newlines
        Arbitrary<String> values = Arbitraries.oneOf(
                        Arbitraries.strings().all(),
                        Arbitraries.strings().ascii(),
                        Arbitraries.of("\uD83D\uDE00", "é", "日本", "a\tb\nc", ""))
                .list()
                .ofMaxSize(4)
                .map(parts -> String.join("", parts))
                .map(v -> v.replace("\0", ""));
        return keys.flatMap(k -> values.map(v -> Tuple.of(k, v)));
    }

    private static byte[] expected(List<Tuple.Tuple2<String, String>> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Tuple.Tuple2<String, String> e : entries) {
            out.writeBytes((e.get1() + "=" + e.get2()).getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        out.write(0);
        return out.toByteArray();
    }

    @Property(tries = 200)
    void everyEntryIsEncodedAsUtf8AndNulEnded(
            @ForAll @Size(max = 80) List<@net.jqwik.api.From("entry") Tuple2<String, String>> entries) {
        LaunchRequest r = new LaunchRequest();
        entries.forEach(e -> r.put(e.get1(), e.get2()));
        assertArrayEquals(expected(entries), r.toBytes());
        // toBytes leaves the request as it was
        assertArrayEquals(expected(entries), r.toBytes());
    }

    /** A number is put as its decimal text would be, whatever its size or sign, among other entries. */
    @Property(tries = 300)
    void aNumberIsPutAsItsDecimalText(
            @ForAll @Size(max = 6) List<@net.jqwik.api.From("entry") Tuple2<String, String>> around,
            @ForAll("numbers") long value) {
        LaunchRequest r = new LaunchRequest();
        LaunchRequest asText = new LaunchRequest();
        for (Tuple2<String, String> e : around) {
            r.put(e.get1(), e.get2()).put("n", value);
            asText.put(e.get1(), e.get2()).put("n", Long.toString(value));
        }
        r.put("n", value);
        asText.put("n", Long.toString(value));
        assertArrayEquals(asText.toBytes(), r.toBytes());
    }

    @Provide
    Arbitrary<Long> numbers() {
        return Arbitraries.oneOf(
                Arbitraries.longs(),
                Arbitraries.longs().between(-1000, 1000),
                Arbitraries.of(0L, 9L, 10L, -10L, 99L, 100L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1));
    }

    @Property(tries = 200)
    void aFragmentPutAllIsTheSameAsItsEntriesPutOneByOne(
            @ForAll @Size(max = 20) List<@net.jqwik.api.From("entry") Tuple2<String, String>> before,
            @ForAll @Size(max = 40) List<@net.jqwik.api.From("entry") Tuple2<String, String>> fragment,
            @ForAll @Size(max = 20) List<@net.jqwik.api.From("entry") Tuple2<String, String>> after) {
        LaunchRequest made = new LaunchRequest();
        fragment.forEach(e -> made.put(e.get1(), e.get2()));
        LaunchRequest r = new LaunchRequest();
        before.forEach(e -> r.put(e.get1(), e.get2()));
        r.putAll(made).putAll(made);
        after.forEach(e -> r.put(e.get1(), e.get2()));
        List<Tuple.Tuple2<String, String>> all = new java.util.ArrayList<>(before);
        all.addAll(fragment);
        all.addAll(fragment);
        all.addAll(after);
        assertArrayEquals(expected(all), r.toBytes());
    }

    /** A report of any length (a long timeline's samples), sent in pieces of any size, is read whole. */
    @Property(tries = 15)
    void aReportOfAnyLengthIsReadWhole(
            @ForAll @IntRange(min = 0, max = 3000) int samples, @ForAll @IntRange(min = 1, max = 5000) int piece)
            throws IOException {
        StringBuilder text = new StringBuilder("exit_code=0\nwall_us=2793\nkilled_by=none\nstdout_bytes=0\n");
        for (int i = 0; i < samples; i++) {
            text.append("sample=")
                    .append(i * 1000)
                    .append(',')
                    .append(i)
                    .append(',')
                    .append(4096 + i)
                    .append('\n');
        }
        text.append("end\n");
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        Path dir = Files.createTempDirectory("launch-wire");
        Path socket = dir.resolve("s");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
            client.connect(UnixDomainSocketAddress.of(socket));
            try (SocketChannel supervisor = server.accept();
                    LaunchConnection conn = new LaunchConnection(client)) {
                Thread writer = new Thread(() -> {
                    try (supervisor) {
                        for (int at = 0; at < bytes.length; at += piece) {
                            supervisor.write(ByteBuffer.wrap(bytes, at, Math.min(piece, bytes.length - at)));
                        }
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                writer.start();
                LaunchReport report = conn.awaitReport();
                writer.join();
                assertEquals(null, report.error());
                assertEquals(2793, report.wallMicros());
                assertEquals(samples, report.samples().size());
                if (samples > 0) {
                    assertEquals(
                            4096 + samples - 1,
                            report.samples().get(samples - 1).memoryBytes());
                }
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }
}
