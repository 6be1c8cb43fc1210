package io.extrema.ingest.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A parsed {@code multipart/form-data} body (RFC 7578), held in memory: the caller has already capped its size. */
final class MultipartForm {
    record Part(String name, String filename, byte[] data) {
        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    /** Thrown for a body that is not well-formed multipart; the endpoint answers 400. */
    static final class MalformedException extends Exception {
        MalformedException(String message) {
            super(message);
        }
    }

    /** The boundary parameter of a {@code multipart/form-data} content type, or null for any other type. */
    static String boundary(String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) return null;
        for (String param : contentType.split(";")) {
            String p = param.trim();
            if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                String b = p.substring(9);
                return b.startsWith("\"") && b.endsWith("\"") && b.length() >= 2 ? b.substring(1, b.length() - 1) : b;
            }
        }
        return "";
    }

    /** Parts by field name (a repeated name keeps its first part). */
    static Map<String, Part> parse(byte[] body, String boundary) throws MalformedException {
        if (boundary.isEmpty()) throw new MalformedException("multipart/form-data without a boundary");
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        byte[] nextDelimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int pos = indexOf(body, delimiter, 0);
        if (pos < 0) throw new MalformedException("no multipart boundary in the body");
        pos += delimiter.length;
        Map<String, Part> parts = new LinkedHashMap<>();
        while (true) {
            if (startsWith(body, pos, "--")) return parts; // closing delimiter
            if (!startsWith(body, pos, "\r\n")) throw new MalformedException("malformed multipart delimiter line");
            pos += 2;
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), pos);
            if (headersEnd < 0) throw new MalformedException("multipart part without a header end");
            String name = null;
            String filename = null;
            for (String line : new String(body, pos, headersEnd - pos, StandardCharsets.UTF_8).split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-disposition:")) {
                    name = param(line, "name");
                    filename = param(line, "filename");
                }
            }
            if (name == null) throw new MalformedException("multipart part without a Content-Disposition name");
            int dataStart = headersEnd + 4;
            int dataEnd = indexOf(body, nextDelimiter, dataStart);
            if (dataEnd < 0) throw new MalformedException("multipart body ends inside part '" + name + "'");
            byte[] data = java.util.Arrays.copyOfRange(body, dataStart, dataEnd);
            parts.putIfAbsent(name, new Part(name, filename, data));
            pos = dataEnd + nextDelimiter.length;
        }
    }

    private static String param(String header, String key) {
        for (String p : header.split(";")) {
            String t = p.trim();
            if (t.regionMatches(true, 0, key + "=", 0, key.length() + 1)) {
                String v = t.substring(key.length() + 1);
                return v.startsWith("\"") && v.endsWith("\"") && v.length() >= 2 ? v.substring(1, v.length() - 1) : v;
            }
        }
        return null;
    }

    private static boolean startsWith(byte[] b, int pos, String s) {
        if (pos + s.length() > b.length) return false;
        for (int i = 0; i < s.length(); i++) if (b[pos + i] != s.charAt(i)) return false;
        return true;
    }

    private static int indexOf(byte[] b, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= b.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) if (b[i + j] != pattern[j]) continue outer;
            return i;
        }
        return -1;
    }

    private MultipartForm() {}
}
