package io.extrema.images.source;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the top level of a JSON object into string attributes: strings unescaped, numbers and booleans as written,
 * nulls dropped, nested objects and arrays kept as their JSON text. Text that is not a JSON object becomes the single
 * attribute {@code json}, so a side file is never lost.
 */
final class FlatJson {
    private final String s;
    private int pos;

    private FlatJson(String s) {
        this.s = s;
    }

    static Map<String, String> parse(String text) {
        try {
            return new FlatJson(text).object();
        } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
            return Map.of("json", text);
        }
    }

    private Map<String, String> object() {
        Map<String, String> out = new LinkedHashMap<>();
        expect('{');
        if (peek() == '}') {
            pos++;
            return end(out);
        }
        while (true) {
            String key = string();
            expect(':');
            int start = skipWs();
            char c = s.charAt(start);
            if (c == '"') {
                out.put(key, string());
            } else {
                skipValue();
                String raw = s.substring(start, pos).trim();
                if (!raw.equals("null")) out.put(key, raw);
            }
            char next = peek();
            pos++;
            if (next == '}') return end(out);
            if (next != ',') throw new IllegalArgumentException("expected , or }");
        }
    }

    private Map<String, String> end(Map<String, String> out) {
        skipWs();
        if (pos != s.length()) throw new IllegalArgumentException("trailing text");
        return out;
    }

    /** Skips a number, literal, object or array (strings inside nested values included). */
    private void skipValue() {
        int depth = 0;
        while (true) {
            char c = s.charAt(pos);
            if (c == '"') {
                string();
                continue;
            }
            if (c == '{' || c == '[') depth++;
            if (c == '}' || c == ']') {
                if (depth == 0) return;
                depth--;
            }
            if (c == ',' && depth == 0) return;
            pos++;
        }
    }

    private String string() {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (true) {
            char c = s.charAt(pos++);
            if (c == '"') return b.toString();
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = s.charAt(pos++);
            switch (e) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'u' -> {
                    b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                    pos += 4;
                }
                default -> b.append(e);
            }
        }
    }

    private void expect(char c) {
        if (peek() != c) throw new IllegalArgumentException("expected " + c);
        pos++;
    }

    private char peek() {
        return s.charAt(skipWs());
    }

    private int skipWs() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
        return pos;
    }
}
