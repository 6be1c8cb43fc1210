package io.extrema.images.source;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes tar archives for tests: ustar members, GNU long names, pax paths and directories. */
public final class TarBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public TarBuilder file(String name, byte[] data) {
        if (name.getBytes(StandardCharsets.UTF_8).length > 100) {
            byte[] longName = (name + "\0").getBytes(StandardCharsets.UTF_8);
            header("././@LongLink", longName.length, 'L');
            body(longName);
            header(name.substring(0, 99), data.length, '0');
        } else {
            header(name, data.length, '0');
        }
        body(data);
        return this;
    }

    public TarBuilder file(String name, String text) {
        return file(name, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A member whose real name is given by a pax extended header (its ustar name is a placeholder). */
    public TarBuilder paxFile(String name, byte[] data) {
        String record = " path=" + name + "\n";
        int length = record.length() + 1;
        while (String.valueOf(length).length() + record.length() != length) length++;
        byte[] pax = (length + record).getBytes(StandardCharsets.UTF_8);
        header("PaxHeaders/placeholder", pax.length, 'x');
        body(pax);
        header("placeholder", data.length, '0');
        body(data);
        return this;
    }

    public TarBuilder directory(String name) {
        header(name.endsWith("/") ? name : name + "/", 0, '5');
        return this;
    }

    public byte[] tar() {
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        copy.writeBytes(out.toByteArray());
        copy.writeBytes(new byte[1024]); // two zero end blocks
        return copy.toByteArray();
    }

    private void header(String name, long size, char type) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0001750");
        put(h, 116, "0001750");
        put(h, 124, String.format("%011o", size));
        put(h, 136, String.format("%011o", 1_700_000_000L));
        h[156] = (byte) type;
        put(h, 257, "ustar");
        put(h, 263, "00");
        for (int i = 148; i < 156; i++) h[i] = ' ';
        long sum = 0;
        for (byte b : h) sum += b & 0xFF;
        put(h, 148, String.format("%06o\0 ", sum));
        out.writeBytes(h);
    }

    private void body(byte[] data) {
        out.writeBytes(data);
        out.writeBytes(new byte[(512 - data.length % 512) % 512]);
    }

    private static void put(byte[] h, int offset, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, offset, b.length);
    }
}
