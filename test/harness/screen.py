"""Read text off a QEMU screendump, with the console's own 8x16 font.

Iris draws text on the framebuffer in 8x16 cells from the top-left corner
(common/src/fbcon.c, used by the kernel and by the console
server). A screendump (PPM, as QEMU's monitor `screendump` saves it) is cut
into those cells; each cell holding exactly two colours gives a 16-row bitmap,
and that bitmap is compared with the glyphs of font8x16.c (parsed here from
the C source, so the test cannot drift from the font). Colours do not matter:
whichever colour is the cell's background, a glyph drawn in any other colour
matches, so bold, coloured and reverse-video text (the block cursor) all read.

    screen = Screen.from_ppm(open("shot.ppm", "rb").read())
    screen.lines()              # the text, one string per cell row
    screen.find("$ ", last=3)   # in the last 3 rows that show anything
"""

import os
import re
from dataclasses import dataclass
from typing import Optional

FONT_WIDTH = 8
FONT_HEIGHT = 16
FONT_C = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "common", "src",
                      "font8x16.c")

BLANK = (0,) * FONT_HEIGHT
UNKNOWN_CHAR = "?"   # what lines() shows for a cell that is no glyph of the font


# --------------------------------------------------------------------------
# The font
# --------------------------------------------------------------------------

GLYPH_RE = re.compile(r"/\*\s*(0x[0-9a-fA-F]{2} '.'|unknown-character box)\s*\*/\s*\{([^}]*)\}")


def parse_font(source: str) -> dict:
    """The glyphs of font8x16.c's table: {character: 16 row bytes (MSB = leftmost pixel)}.

    Each entry is a comment naming it (`/* 0x41 'A' */`, or
    `/* unknown-character box */`, stored under the key None) followed by a
    brace block of 16 numbers. Raises ValueError for a table of another shape.
    """
    glyphs = {}
    for match in GLYPH_RE.finditer(source):
        label, body = match.groups()
        rows = tuple(int(value, 16) for value in re.findall(r"0x([0-9a-fA-F]{1,2})\b", body))
        if len(rows) != FONT_HEIGHT:
            raise ValueError(f"glyph {label.strip()!r} has {len(rows)} rows, not {FONT_HEIGHT}")
        key = None if label.startswith("unknown") else chr(int(label[:4], 16))
        glyphs[key] = rows
    printable = [chr(c) for c in range(0x20, 0x7F)]
    missing = [c for c in printable if c not in glyphs]
    if missing or None not in glyphs:
        raise ValueError(f"font table incomplete: missing {missing or 'the unknown box'}")
    return glyphs


_FONT: Optional[dict] = None


def font() -> dict:
    """The console font (parsed once from FONT_C)."""
    global _FONT
    if _FONT is None:
        with open(FONT_C) as file:
            _FONT = parse_font(file.read())
    return _FONT


def glyph(char: str) -> tuple:
    """The bitmap the console draws for `char` (the box for bytes it has no glyph for)."""
    glyphs = font()
    return glyphs.get(char, glyphs[None])


def render(text: str) -> list:
    """`text` as the console draws it: one 16-row bitmap per character."""
    return [glyph(char) for char in text]


# --------------------------------------------------------------------------
# Screendumps
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Image:
    """An RGB image: width x height pixels, 3 bytes each, rows top to bottom."""

    width: int
    height: int
    rgb: bytes

    def pixel(self, x: int, y: int) -> bytes:
        """The 3 bytes of pixel (x, y)."""
        offset = (y * self.width + x) * 3
        return self.rgb[offset:offset + 3]


PPM_TOKEN_RE = re.compile(rb"(?:\s|#[^\n]*\n)*(\S+)")


def parse_ppm(data: bytes) -> Image:
    """An Image from a binary PPM (P6, maxval 255: what QEMU's screendump writes)."""
    fields, offset = [], 0
    for _ in range(4):
        match = PPM_TOKEN_RE.match(data, offset)
        if not match:
            raise ValueError("not a PPM image: header cut short")
        fields.append(match.group(1))
        offset = match.end()
    magic, width, height, maxval = fields
    if magic != b"P6":
        raise ValueError(f"not a binary PPM image (magic {magic[:8]!r})")
    if not (width.isdigit() and height.isdigit() and maxval == b"255"):
        raise ValueError(f"unsupported PPM header {width!r} {height!r} {maxval!r}")
    width, height = int(width), int(height)
    pixels = data[offset + 1:]  # one whitespace byte ends the header
    if width == 0 or height == 0 or len(pixels) < width * height * 3:
        raise ValueError(f"PPM image of {width}x{height} with {len(pixels)} bytes of pixels")
    return Image(width, height, pixels[:width * height * 3])


def make_ppm(image: Image) -> bytes:
    """`image` as a binary PPM (the inverse of parse_ppm; used to build test images)."""
    return b"P6\n%d %d\n255\n" % (image.width, image.height) + image.rgb


# --------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------

def cell_bitmaps(image: Image, col: int, row: int) -> tuple:
    """The bitmaps cell (col, row) may show: () if it holds more than two colours.

    A one-colour cell is blank. A two-colour cell gives one bitmap per choice
    of the glyph's colour: the background colour is unknown (reverse video,
    the cursor), so both are offered, the one with fewer lit pixels first.
    """
    stride = image.width * 3
    x0, y0 = col * FONT_WIDTH * 3, row * FONT_HEIGHT
    lines = [image.rgb[start:start + FONT_WIDTH * 3]
             for start in range(y0 * stride + x0, (y0 + FONT_HEIGHT) * stride + x0, stride)]
    solid = lines[0][:3] * FONT_WIDTH
    if all(line == solid for line in lines):
        return (BLANK,)
    colours = {}
    rows = []
    for line in lines:
        pixels = [line[i:i + 3] for i in range(0, FONT_WIDTH * 3, 3)]
        for pixel in pixels:
            colours.setdefault(pixel, len(colours))
            if len(colours) > 2:
                return ()
        rows.append(pixels)
    if len(colours) == 1:
        return (BLANK,)
    first, second = list(colours)
    lit_first = tuple(sum(0x80 >> x for x, p in enumerate(pixels) if p == first)
                      for pixels in rows)
    lit_second = tuple(~value & 0xFF for value in lit_first)
    count = sum(bin(value).count("1") for value in lit_first)
    if count <= FONT_WIDTH * FONT_HEIGHT // 2:
        return (lit_first, lit_second)
    return (lit_second, lit_first)


class Screen:
    """The text cells of a framebuffer image (8x16 cells from the top-left corner)."""

    def __init__(self, image: Image):
        self.image = image
        self.cols = image.width // FONT_WIDTH
        self.rows = image.height // FONT_HEIGHT
        self.cells = [[cell_bitmaps(image, col, row) for col in range(self.cols)]
                      for row in range(self.rows)]

    @classmethod
    def from_ppm(cls, data: bytes) -> "Screen":
        """The screen of a PPM screendump."""
        return cls(parse_ppm(data))

    def row_blank(self, row: int) -> bool:
        """Whether every cell of `row` is one colour."""
        return all(cell == (BLANK,) for cell in self.cells[row])

    def shown_rows(self, last: int = 0) -> list:
        """Indices of the rows to search: all, or the last `last` rows that are not blank."""
        if not last:
            return list(range(self.rows))
        shown = [row for row in range(self.rows) if not self.row_blank(row)]
        return shown[-last:]

    def find(self, text: str, last: int = 0) -> Optional[tuple]:
        """(col, row) where `text` is drawn, searching all rows or the last `last` shown ones.

        Each character must match its glyph exactly; a space matches a blank
        cell or a solid one (the cursor on a blank). None if not found.
        """
        wanted = render(text)
        for row in self.shown_rows(last):
            cells = self.cells[row]
            for col in range(self.cols - len(wanted) + 1):
                if all(cell_matches(cells[col + i], bitmap) for i, bitmap in enumerate(wanted)):
                    return col, row
        return None

    def lines(self) -> list:
        """The screen read back as text, one string per row, trailing blanks cut."""
        reverse = {}
        for char, bitmap in font().items():
            if char is not None:
                reverse.setdefault(bitmap, char)
        text = []
        for row in self.cells:
            chars = []
            for candidates in row:
                found = [reverse[b] for b in candidates if b in reverse]
                chars.append(found[0] if found else UNKNOWN_CHAR)
            text.append("".join(chars).rstrip())
        return text

    def tail(self, count: int = 5) -> list:
        """The last `count` rows that show anything, as text (for failure messages)."""
        lines = self.lines()
        return [lines[row] for row in self.shown_rows(count)]


def cell_matches(candidates: tuple, bitmap: tuple) -> bool:
    """Whether a cell offering `candidates` (see cell_bitmaps) shows `bitmap`."""
    if bitmap == BLANK:
        return candidates == (BLANK,)
    return bitmap in candidates
