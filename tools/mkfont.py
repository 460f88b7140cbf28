#!/usr/bin/env python3
"""Generate common/src/font8x16.c from a PC Screen Font (PSF1 or PSF2).

Usage:
    python3 tools/mkfont.py /usr/share/consolefonts/Lat15-Fixed16.psf.gz \
        -o common/src/font8x16.c

The font must be 8x16 and carry a unicode table; the table (not the glyph
order) decides which glyph is drawn for each code point 0x20..0x7E. A hollow
box is appended as the glyph for every other byte. The input may be gzipped.
Only the Python 3 standard library is used.
"""

import argparse
import gzip
import hashlib
import os
import struct
import sys

WIDTH = 8
HEIGHT = 16
FIRST = 0x20
LAST = 0x7E

PSF1_MAGIC = b"\x36\x04"
PSF1_MODE512 = 0x01
PSF1_MODEHASTAB = 0x02
PSF1_SEPARATOR = 0xFFFF
PSF1_STARTSEQ = 0xFFFE

PSF2_MAGIC = b"\x72\xb5\x4a\x86"
PSF2_HAS_UNICODE_TABLE = 0x01
PSF2_SEPARATOR = 0xFF
PSF2_STARTSEQ = 0xFE

DEFAULT_ORIGIN = """\
Glyphs: Lat15-Fixed16.psf.gz from Debian's console-setup-linux package
(/usr/share/consolefonts/), the console-setup "Fixed" face, built from the
X11 misc-fixed bitmap fonts.
License: public domain. Debian's copyright.fonts for console-setup states
"All console fonts are public domain by nature" and lists the X11 misc-fixed
BDF sources as "Public domain"; see
/usr/share/doc/console-setup-linux/copyright.fonts.gz.
The unknown-character box is drawn by tools/mkfont.py."""

# The glyph drawn for bytes outside FIRST..LAST: a hollow box, clearly not a letter.
UNKNOWN_BOX = [0x00, 0x00, 0x7E, 0x42, 0x42, 0x42, 0x42, 0x42,
               0x42, 0x42, 0x42, 0x42, 0x7E, 0x00, 0x00, 0x00]


class FontError(Exception):
    pass


def parse_psf1(data):
    """Return (glyphs, table) for a PSF1 font; table is a list of code point lists."""
    if len(data) < 4:
        raise FontError("truncated PSF1 header")
    mode, charsize = data[2], data[3]
    count = 512 if mode & PSF1_MODE512 else 256
    if charsize != HEIGHT:
        raise FontError(f"PSF1 glyphs are 8x{charsize}, need 8x{HEIGHT}")
    end = 4 + count * charsize
    if len(data) < end:
        raise FontError("truncated PSF1 glyph data")
    glyphs = [data[4 + i * charsize:4 + (i + 1) * charsize] for i in range(count)]
    if not mode & PSF1_MODEHASTAB:
        raise FontError("font has no unicode table")
    units = data[end:]
    if len(units) % 2:
        raise FontError("odd-sized PSF1 unicode table")
    values = list(struct.unpack(f"<{len(units) // 2}H", units))
    return glyphs, split_table(values, count, PSF1_SEPARATOR, PSF1_STARTSEQ)


def parse_psf2(data):
    """Return (glyphs, table) for a PSF2 font; table is a list of code point lists."""
    if len(data) < 32:
        raise FontError("truncated PSF2 header")
    _, _, headersize, flags, count, charsize, height, width = struct.unpack("<8I", data[:32])
    if width != WIDTH or height != HEIGHT or charsize != HEIGHT:
        raise FontError(f"PSF2 glyphs are {width}x{height}, need {WIDTH}x{HEIGHT}")
    end = headersize + count * charsize
    if headersize < 32 or len(data) < end:
        raise FontError("truncated PSF2 glyph data")
    glyphs = [data[headersize + i * charsize:headersize + (i + 1) * charsize]
              for i in range(count)]
    if not flags & PSF2_HAS_UNICODE_TABLE:
        raise FontError("font has no unicode table")
    return glyphs, split_psf2_table(data[end:], count)


def split_table(values, count, separator, startseq):
    """Split a PSF1 table into per-glyph single code points (sequences are skipped)."""
    table = [[] for _ in range(count)]
    glyph = 0
    in_seq = False
    for v in values:
        if glyph >= count:
            break
        if v == separator:
            glyph += 1
            in_seq = False
        elif v == startseq:
            in_seq = True
        elif not in_seq:
            table[glyph].append(v)
    return table


def split_psf2_table(raw, count):
    """Split a PSF2 (UTF-8) table into per-glyph single code points (sequences are skipped)."""
    table = [[] for _ in range(count)]
    entries = raw.split(bytes([PSF2_SEPARATOR]))
    for glyph, entry in enumerate(entries[:count]):
        singles = entry.split(bytes([PSF2_STARTSEQ]))[0]
        try:
            table[glyph] = [ord(ch) for ch in singles.decode("utf-8")]
        except UnicodeDecodeError as e:
            raise FontError(f"bad UTF-8 in unicode table entry {glyph}") from e
    return table


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:2] == PSF1_MAGIC:
        glyphs, table = parse_psf1(data)
    elif data[:4] == PSF2_MAGIC:
        glyphs, table = parse_psf2(data)
    else:
        raise FontError("not a PSF1 or PSF2 font")
    return data, glyphs, table


def ascii_glyphs(glyphs, table):
    """Return the glyph bitmaps for FIRST..LAST, looked up through the unicode table."""
    index = {}
    for glyph, codepoints in enumerate(table):
        for cp in codepoints:
            index.setdefault(cp, glyph)
    missing = [cp for cp in range(FIRST, LAST + 1) if cp not in index]
    if missing:
        raise FontError("no glyph for " + ", ".join(f"U+{cp:04X}" for cp in missing))
    return [list(glyphs[index[cp]]) for cp in range(FIRST, LAST + 1)]


def describe(cp):
    if cp is None:
        return "unknown-character box"
    return f"0x{cp:02x} '{chr(cp)}'"


def render(name, digest, origin, bitmaps):
    out = []
    out.append("/*")
    out.append(" * 8x16 console font: printable ASCII and an unknown-character box.")
    out.append(" * GENERATED by tools/mkfont.py -- do not edit; regenerate instead:")
    out.append(f" *   python3 tools/mkfont.py /usr/share/consolefonts/{name} \\")
    out.append(" *       -o common/src/font8x16.c")
    out.append(f" * Source: {name} (decompressed sha256 {digest[:16]}...)")
    out.append(" *")
    for line in origin.splitlines():
        out.append(" * " + line if line else " *")
    out.append(" */")
    out.append("#include <common/font.h>")
    out.append("")
    out.append("const uint8_t font8x16[FONT_GLYPHS][FONT_HEIGHT] = {")
    codepoints = list(range(FIRST, LAST + 1)) + [None]
    for cp, rows in zip(codepoints, bitmaps):
        out.append(f"\t/* {describe(cp)} */")
        out.append("\t{")
        for row in rows:
            art = "".join("#" if row & (0x80 >> x) else "." for x in range(WIDTH))
            # Tab plus eight spaces: clang-format's continuation indent, so the file is stable.
            out.append(f"\t        0x{row:02x}, /* {art} */")
        out.append("\t},")
    out.append("};")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("font", help="PSF1/PSF2 font file, optionally gzipped")
    ap.add_argument("-o", "--output", required=True, help="C file to write")
    ap.add_argument("--origin", default=DEFAULT_ORIGIN,
                    help="provenance and license text for the header comment "
                         "(the default describes Lat15-Fixed16.psf.gz)")
    args = ap.parse_args()
    try:
        data, glyphs, table = load(args.font)
        bitmaps = ascii_glyphs(glyphs, table) + [UNKNOWN_BOX]
    except (OSError, FontError) as e:
        sys.exit(f"mkfont: {args.font}: {e}")
    text = render(os.path.basename(args.font), hashlib.sha256(data).hexdigest(), args.origin,
                  bitmaps)
    with open(args.output, "w", encoding="ascii") as f:
        f.write(text)


if __name__ == "__main__":
    main()
