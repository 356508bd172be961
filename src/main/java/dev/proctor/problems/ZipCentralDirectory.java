package dev.proctor.problems;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * The names of a zip's symbolic links. A zip entry's Unix mode lives only in the central directory at the end
 * of the file (the local headers a stream reads carry none), so the archive is read here from its spooled
 * copy: the end-of-central-directory record (zip64 too), then at most {@code maxEntries} headers, each a fixed
 * 46 bytes and its name. Nothing is held but the names found; a directory that cannot be parsed yields what
 * was found so far, and an entry not known as a link stays a regular file (harmless: its bytes are its
 * content, never followed).
 */
final class ZipCentralDirectory {

    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int HEADER = 0x02014b50;
    private static final int UNIX = 3;
    private static final int S_IFMT = 0xF000;
    private static final int S_IFLNK = 0xA000;

    private ZipCentralDirectory() {}

    static Set<String> symlinks(Path zip, int maxEntries) {
        Set<String> links = new HashSet<>();
        try (FileChannel ch = FileChannel.open(zip, StandardOpenOption.READ)) {
            long size = ch.size();
            int tailLength = (int) Math.min(size, 22 + 65535);
            ByteBuffer tail = read(ch, size - tailLength, tailLength);
            int eocd = -1;
            for (int i = tailLength - 22; i >= 0; i--) {
                if (tail.getInt(i) == EOCD) {
                    eocd = i;
                    break;
                }
            }
            if (eocd < 0) {
                return links;
            }
            long entries = Short.toUnsignedInt(tail.getShort(eocd + 10));
            long offset = Integer.toUnsignedLong(tail.getInt(eocd + 16));
            if ((entries == 0xFFFF || offset == 0xFFFFFFFFL) && eocd >= 20 && tail.getInt(eocd - 20) == ZIP64_LOCATOR) {
                long at = tail.getLong(eocd - 20 + 8);
                if (at < 0 || at + 56 > size) {
                    return links;
                }
                ByteBuffer z = read(ch, at, 56);
                if (z.getInt(0) != ZIP64_EOCD) {
                    return links;
                }
                entries = z.getLong(32);
                offset = z.getLong(48);
            }
            long pos = offset;
            for (long n = 0; n < Math.min(entries, maxEntries + 1L) && pos >= 0 && pos + 46 <= size; n++) {
                ByteBuffer h = read(ch, pos, 46);
                if (h.getInt(0) != HEADER) {
                    break;
                }
                int madeBy = Short.toUnsignedInt(h.getShort(4)) >>> 8;
                int nameLength = Short.toUnsignedInt(h.getShort(28));
                int extraLength = Short.toUnsignedInt(h.getShort(30));
                int commentLength = Short.toUnsignedInt(h.getShort(32));
                int mode = h.getInt(38) >>> 16;
                if (madeBy == UNIX && (mode & S_IFMT) == S_IFLNK && pos + 46 + nameLength <= size) {
                    ByteBuffer name = read(ch, pos + 46, nameLength);
                    links.add(StandardCharsets.UTF_8.decode(name).toString());
                }
                pos += 46L + nameLength + extraLength + commentLength;
            }
        } catch (IOException e) {
            // an unreadable directory: the stream reader reports what is wrong with the archive
        }
        return links;
    }

    private static ByteBuffer read(FileChannel ch, long at, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new IOException("truncated");
            }
        }
        return b.flip();
    }
}
