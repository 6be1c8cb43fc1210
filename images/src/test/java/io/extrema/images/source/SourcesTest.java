package io.extrema.images.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.extrema.images.TestImages;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourcesTest {
    private static final byte[] A = TestImages.jpeg(TestImages.rgb(8, 8));
    private static final byte[] B = TestImages.png(TestImages.rgb(9, 5));
    private static final byte[] C = TestImages.jpeg(TestImages.rgb(4, 6));
    private static final byte[] BIG = TestImages.png(TestImages.rgb(64, 64));

    private static List<SourceImage> readAll(ImageSource source) throws IOException {
        try (source) {
            return source.stream().toList();
        }
    }

    private static List<String> keys(List<SourceImage> images) {
        return images.stream().map(SourceImage::key).toList();
    }

    @Test
    void folderIsRecursiveSortedAndLabelledBySubFolder(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("train/dog"));
        Files.createDirectories(root.resolve("train/cat"));
        Files.createDirectories(root.resolve(".cache"));
        Files.write(root.resolve("train/dog/b.png"), B);
        Files.write(root.resolve("train/cat/a.jpg"), A);
        Files.write(root.resolve("top.JPG"), C);
        Files.writeString(root.resolve("notes.txt"), "not an image");
        Files.write(root.resolve(".cache/hidden.jpg"), A);
        Files.write(root.resolve("train/.hidden.jpg"), A);

        ImageSource source = ImageSources.open(root);
        assertInstanceOf(FolderSource.class, source);
        assertEquals(OptionalLong.of(3), source.total());
        List<SourceImage> images = readAll(source);
        assertEquals(List.of("top.JPG", "train/cat/a.jpg", "train/dog/b.png"), keys(images));
        assertNull(images.get(0).label());
        assertEquals("cat", images.get(1).label());
        assertEquals("dog", images.get(2).label());
        assertArrayEquals(B, images.get(2).bytes());

        assertNull(readAll(new FolderSource(root, SourceOptions.defaults().withLabelByFolder(false)))
                .get(1)
                .label());
        assertEquals(List.of("a.jpg"), keys(readAll(ImageSources.open(root.resolve("train/cat/a.jpg")))));
    }

    @Test
    void folderShuffleIsSeeded(@TempDir Path root) throws IOException {
        for (int i = 0; i < 30; i++) Files.write(root.resolve(String.format("%02d.jpg", i)), A);
        SourceOptions seeded = SourceOptions.defaults().withShuffleSeed(7L);
        List<String> first = keys(readAll(new FolderSource(root, seeded)));
        assertEquals(first, keys(readAll(new FolderSource(root, seeded))));
        assertNotEquals(first, keys(readAll(new FolderSource(root, SourceOptions.defaults()))));
        assertEquals(30, first.stream().distinct().count());
    }

    @Test
    void oversizedFilesAreSkippedAndReported(@TempDir Path root) throws IOException {
        Files.write(root.resolve("small.jpg"), C);
        Files.write(root.resolve("big.png"), BIG);
        List<SkippedEntry> skipped = new ArrayList<>();
        SourceOptions options =
                SourceOptions.defaults().withMaxEntryBytes(C.length).withOnSkipped(skipped::add);
        assertEquals(List.of("small.jpg"), keys(readAll(new FolderSource(root, options))));
        assertEquals(List.of(new SkippedEntry("big.png", BIG.length)), skipped);
    }

    private static byte[] webDatasetShard() {
        String longDir = "a-folder-name-long-enough-to-need-a-gnu-long-name-record/".repeat(2);
        return new TarBuilder()
                .directory("train")
                .file("000001.cls", "7\n")
                .file("000001.jpg", A)
                .file(
                        "000001.json",
                        "{\"caption\": \"a \\\"red\\\" car\", \"width\": 8, \"tags\": [\"x\", \"y\"], \"gone\": null}")
                .file("000002.json", "not json at all")
                .file("000002.png", B)
                .file("train/horse/0003.jpg", C)
                .file(longDir + "bird/0004.jpg", A)
                .paxFile("train/ship/0005.jpg", B)
                .file("README", "ignored")
                .tar();
    }

    private static void assertShard(List<SourceImage> images) {
        String longDir = "a-folder-name-long-enough-to-need-a-gnu-long-name-record/".repeat(2);
        assertEquals(
                List.of(
                        "000001.jpg",
                        "000002.png",
                        "train/horse/0003.jpg",
                        longDir + "bird/0004.jpg",
                        "train/ship/0005.jpg"),
                keys(images));
        SourceImage first = images.get(0);
        assertEquals("7", first.label());
        assertEquals(Map.of("caption", "a \"red\" car", "width", "8", "tags", "[\"x\", \"y\"]"), first.attributes());
        assertArrayEquals(A, first.bytes());
        assertNull(images.get(1).label());
        assertEquals(Map.of("json", "not json at all"), images.get(1).attributes());
        assertArrayEquals(B, images.get(1).bytes());
        assertEquals("horse", images.get(2).label());
        assertArrayEquals(C, images.get(2).bytes());
        assertEquals("bird", images.get(3).label());
        assertEquals("ship", images.get(4).label());
        assertArrayEquals(B, images.get(4).bytes());
    }

    @Test
    void tarAndTarGzAreStreamedWithWebDatasetSideFiles(@TempDir Path dir) throws IOException {
        byte[] tar = webDatasetShard();
        Path plain = dir.resolve("shard-000.tar");
        Files.write(plain, tar);
        Path gz = dir.resolve("shard-000.bin"); // detected by its magic bytes, not its name
        Files.write(gz, gzip(tar));

        ImageSource source = ImageSources.open(plain);
        assertInstanceOf(TarSource.class, source);
        assertEquals(OptionalLong.empty(), source.total());
        assertShard(readAll(source));
        ImageSource gzSource = ImageSources.open(gz);
        assertInstanceOf(TarSource.class, gzSource);
        assertShard(readAll(gzSource));
        assertEquals(5, TarSource.countImages(plain));
        assertEquals(5, TarSource.countImages(gz));
    }

    @Test
    void tarEntriesOverTheLimitAreSkippedUnread() throws IOException {
        List<SkippedEntry> skipped = new ArrayList<>();
        byte[] tar = new TarBuilder().file("big.png", BIG).file("small.jpg", C).tar();
        SourceOptions options =
                SourceOptions.defaults().withMaxEntryBytes(C.length).withOnSkipped(skipped::add);
        assertEquals(List.of("small.jpg"), keys(readAll(new TarSource("t", new ByteArrayInputStream(tar), options))));
        assertEquals(List.of(new SkippedEntry("big.png", BIG.length)), skipped);
    }

    @Test
    void truncatedOrCorruptTarFailsLoudly() {
        byte[] tar = new TarBuilder().file("a.jpg", A).file("b.png", B).tar();
        byte[] cut = Arrays.copyOf(tar, 512 + A.length / 2);
        assertThrows(
                UncheckedIOException.class,
                () -> readAll(new TarSource("cut", new ByteArrayInputStream(cut), SourceOptions.defaults())));
        byte[] corrupt = tar.clone();
        corrupt[10] ^= 0x55; // header byte changed: checksum mismatch
        assertThrows(
                UncheckedIOException.class,
                () -> readAll(new TarSource("corrupt", new ByteArrayInputStream(corrupt), SourceOptions.defaults())));
    }

    private static byte[] gzip(byte[] data) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(out)) {
            z.write(data);
        }
        return out.toByteArray();
    }
}
