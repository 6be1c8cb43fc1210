package io.extrema.images.source;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A streaming tar reader: POSIX ustar, GNU long names ({@code L}) and base-256 sizes, pax extended headers
 * ({@code x}: path and size). Entries are read in order; the data of an entry not read is skipped, never buffered.
 */
final class TarReader implements Closeable {
    private static final int BLOCK = 512;

    /** A regular file entry. */
    record Entry(String name, long size) {}

    private final InputStream in;
    private final byte[] header = new byte[BLOCK];
    private long remaining; // data bytes of the current entry not yet consumed
    private long padding; // zero bytes after the current entry's data

    TarReader(InputStream in) {
        this.in = in;
    }

    /** The next regular file, or null at the end of the archive. */
    Entry next() throws IOException {
        String longName = null;
        String paxPath = null;
        long paxSize = -1;
        while (true) {
            skip(remaining + padding);
            int n = in.readNBytes(header, 0, BLOCK);
            if (n == 0) return null; // archives without the two zero end blocks still end cleanly
            if (n < BLOCK) throw new EOFException("tar archive ends inside a header block");
            if (isZero(header)) return null;
            verifyChecksum();
            long size = size();
            char type = (char) header[156];
            remaining = size;
            padding = (BLOCK - size % BLOCK) % BLOCK;
            switch (type) {
                case 'L' -> longName = stripNul(new String(readData(), StandardCharsets.UTF_8));
                case 'x' -> {
                    for (String[] kv : paxRecords(readData())) {
                        if (kv[0].equals("path")) paxPath = kv[1];
                        if (kv[0].equals("size")) paxSize = Long.parseLong(kv[1]);
                    }
                }
                case '0', '\0', '7' -> {
                    String name = paxPath != null ? paxPath : longName != null ? longName : ustarName();
                    if (paxSize >= 0) {
                        remaining = paxSize;
                        padding = (BLOCK - paxSize % BLOCK) % BLOCK;
                    }
                    return new Entry(name, remaining);
                }
                case 'K', 'g' -> {} // a long link name, pax globals: nothing we use; keep the pending name
                default -> { // directories, links, devices: not files, and the pending name was theirs
                    longName = null;
                    paxPath = null;
                    paxSize = -1;
                }
            }
        }
    }

    /** The whole data of the current entry. */
    byte[] readData() throws IOException {
        if (remaining > Integer.MAX_VALUE - 8)
            throw new IOException("tar entry of " + remaining + " bytes is too large to buffer");
        byte[] data = in.readNBytes((int) remaining);
        if (data.length < remaining) throw new EOFException("tar archive ends inside an entry's data");
        remaining = 0;
        return data;
    }

    private void skip(long n) throws IOException {
        try {
            in.skipNBytes(n);
        } catch (EOFException e) {
            throw new EOFException("tar archive ends inside an entry's data");
        }
        remaining = 0;
        padding = 0;
    }

    private String ustarName() {
        String name = field(0, 100);
        boolean ustar = header[257] == 'u'
                && header[258] == 's'
                && header[259] == 't'
                && header[260] == 'a'
                && header[261] == 'r';
        String prefix = ustar ? field(345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private long size() throws IOException {
        if ((header[124] & 0x80) != 0) { // GNU base-256: big-endian binary in the remaining 11 bytes
            long size = 0;
            for (int i = 125; i < 136; i++) size = (size << 8) | (header[i] & 0xFF);
            return size;
        }
        return octal(124, 12);
    }

    private void verifyChecksum() throws IOException {
        long stored = octal(148, 8);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            byte b = i >= 148 && i < 156 ? (byte) ' ' : header[i];
            unsigned += b & 0xFF;
            signed += b;
        }
        if (stored != unsigned && stored != signed) {
            throw new IOException("corrupt tar header (checksum " + stored + " != " + unsigned + ")");
        }
    }

    private long octal(int offset, int length) throws IOException {
        long value = 0;
        int end = offset + length;
        int i = offset;
        while (i < end && (header[i] == ' ' || header[i] == 0)) i++;
        for (; i < end && header[i] != ' ' && header[i] != 0; i++) {
            if (header[i] < '0' || header[i] > '7') throw new IOException("corrupt tar header (bad octal field)");
            value = value * 8 + (header[i] - '0');
        }
        return value;
    }

    private String field(int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) end++;
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }

    /** Pax records: {@code "<length> <key>=<value>\n"}, the length counting the whole record. */
    private static List<String[]> paxRecords(byte[] data) throws IOException {
        List<String[]> records = new ArrayList<>();
        int pos = 0;
        while (pos < data.length) {
            int space = pos;
            while (space < data.length && data[space] != ' ') space++;
            if (space == data.length) break;
            int length;
            try {
                length = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new IOException("corrupt pax header", e);
            }
            if (length <= space - pos || pos + length > data.length) throw new IOException("corrupt pax header");
            String record = new String(data, space + 1, pos + length - space - 2, StandardCharsets.UTF_8);
            int eq = record.indexOf('=');
            if (eq > 0) records.add(new String[] {record.substring(0, eq), record.substring(eq + 1)});
            pos += length;
        }
        return records;
    }

    private static String stripNul(String s) {
        int nul = s.indexOf('\0');
        return nul < 0 ? s : s.substring(0, nul);
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) if (b != 0) return false;
        return true;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
