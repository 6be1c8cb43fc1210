package io.extrema.images.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the right {@link ImageSource} for a path: a folder tree, a tar / tar.gz / WebDataset shard, or one image file. */
public final class ImageSources {

    public static ImageSource open(Path path) throws IOException {
        return open(path, SourceOptions.defaults());
    }

    public static ImageSource open(Path path, SourceOptions options) throws IOException {
        if (Files.isDirectory(path)) return new FolderSource(path, options);
        if (!Files.isRegularFile(path)) throw new IOException("no such file or folder: " + path);
        return isArchive(path) ? new TarSource(path, options) : new FolderSource(path, options);
    }

    /** A tar by content (gzip magic, or {@code ustar} at byte 257) or, for old-style tars, by name. */
    static boolean isArchive(Path path) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(path)) {
            head = in.readNBytes(512);
        }
        if (head.length >= 2 && (head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B) return true;
        if (head.length >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) return true;
        String name = path.getFileName().toString().toLowerCase();
        return name.endsWith(".tar") || name.endsWith(".tgz") || name.endsWith(".tar.gz");
    }

    private ImageSources() {}
}
