"""Writes a small ICC v2 CMYK output profile to the path given as argument: CMYK -> Lab D50 (A2B0, a 3x3x3x3 grid)
and a rough inverse (B2A0, naive CMYK of the Lab colour's sRGB, a 5x5x5 grid), which Java's ICC_ColorSpace needs.

Its colours are a simple subtractive model of press inks, each 100% ink the sRGB colour it roughly has on coated
paper: cyan (0,174,239), magenta (236,0,140), yellow (255,242,0), black (35,31,32); overprints multiply. Pure
cyan therefore decodes to (0,174,239), not the (0,255,255) of the naive CMYK conversion: a test can tell that the
embedded profile was used.
"""
import struct
import sys

INKS = [(0, 174, 239), (236, 0, 140), (255, 242, 0), (35, 31, 32)]
GRID = 3
D50 = (0.9642, 1.0, 0.8249)


def srgb(cmyk):
    rgb = [255.0, 255.0, 255.0]
    for t, ink in zip(cmyk, INKS):
        for c in range(3):
            rgb[c] *= 1 - t * (1 - ink[c] / 255)
    return rgb


def lab(rgb):
    lin = [(v / 255 / 12.92) if v / 255 <= 0.04045 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in rgb]
    # sRGB primaries adapted to D50 (Bradford), as in the sRGB ICC profile
    m = [(0.4360747, 0.3850649, 0.1430804), (0.2225045, 0.7168786, 0.0606169), (0.0139322, 0.0971045, 0.7141733)]
    xyz = [sum(m[r][c] * lin[c] for c in range(3)) / D50[r] for r in range(3)]
    f = [v ** (1 / 3) if v > 216 / 24389 else (24389 / 27 * v + 16) / 116 for v in xyz]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def cmyk(L, a, b):
    fy = (L + 16) / 116
    f = [fy + a / 500, fy, fy - b / 200]
    xyz = [(v ** 3 if v ** 3 > 216 / 24389 else (116 * v - 16) / (24389 / 27)) * w for v, w in zip(f, D50)]
    m = [(3.1338561, -1.6168667, -0.4906146), (-0.9787684, 1.9161415, 0.0334540), (0.0719453, -0.2289914, 1.4052427)]
    lin = [min(1.0, max(0.0, sum(m[r][c] * xyz[c] for c in range(3)))) for r in range(3)]
    rgb = [12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055 for v in lin]
    k = 1 - max(rgb)
    return [0.0 if k == 1 else (1 - v - k) / (1 - k) for v in rgb] + [k]


def s15(v):
    return struct.pack(">i", round(v * 65536))


def lut16():
    clut = b""
    steps = [i / (GRID - 1) for i in range(GRID)]
    for c in steps:
        for m in steps:
            for y in steps:
                for k in steps:
                    L, a, b = lab(srgb((c, m, y, k)))
                    # ICC v2 16-bit Lab: L 0..100 -> 0..0xFF00, a/b -128..127.996 -> 0..0xFFFF
                    clut += struct.pack(">3H", round(L * 652.8), round((a + 128) * 256), round((b + 128) * 256))
    identity = b"".join(s15(1 if r == c else 0) for r in range(3) for c in range(3))
    curves_in = struct.pack(">2H", 0, 65535) * 4
    curves_out = struct.pack(">2H", 0, 65535) * 3
    return b"mft2" + bytes(4) + bytes([4, 3, GRID, 0]) + identity + struct.pack(">2H", 2, 2) + curves_in + clut + curves_out


def lut16_inverse():
    clut = b""
    steps = [i / 4 for i in range(5)]
    for L in steps:
        for a in steps:
            for b in steps:
                clut += struct.pack(">4H", *(round(v * 65535) for v in cmyk(L * 100, a * 255 - 128, b * 255 - 128)))
    identity = b"".join(s15(1 if r == c else 0) for r in range(3) for c in range(3))
    curves_in = struct.pack(">2H", 0, 65535) * 3
    curves_out = struct.pack(">2H", 0, 65535) * 4
    return b"mft2" + bytes(4) + bytes([3, 4, 5, 0]) + identity + struct.pack(">2H", 2, 2) + curves_in + clut + curves_out


def desc(text):
    ascii = text.encode("ascii") + b"\0"
    return b"desc" + bytes(4) + struct.pack(">I", len(ascii)) + ascii + bytes(4 + 4 + 2 + 1 + 67)


tags = [
    (b"desc", desc("ExtreMA test press CMYK")),
    (b"cprt", b"text" + bytes(4) + b"No copyright, test data\0"),
    (b"wtpt", b"XYZ " + bytes(4) + b"".join(s15(v) for v in D50)),
    (b"A2B0", lut16()),
    (b"B2A0", lut16_inverse()),
]
offset = 128 + 4 + 12 * len(tags)
table, body = b"", b""
for sig, data in tags:
    table += sig + struct.pack(">2I", offset + len(body), len(data))
    body += data + bytes(-len(data) % 4)
size = offset + len(body)
header = (struct.pack(">I", size) + bytes(4) + struct.pack(">I", 0x02100000) + b"prtr" + b"CMYK" + b"Lab "
          + struct.pack(">6H", 2025, 1, 1, 0, 0, 0) + b"acsp" + bytes(4 + 4 + 4 + 4 + 8)
          + struct.pack(">I", 0) + b"".join(s15(v) for v in D50) + bytes(4 + 16))
header += bytes(128 - len(header))
with open(sys.argv[1], "wb") as out:
    out.write(header + struct.pack(">I", len(tags)) + table + body)
