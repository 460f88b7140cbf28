#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets whose inputs are not files of a
real format (test/host/corpus/README.md): valid inputs in each target's own
input encoding, taken from what Iris really does where there is such a thing
(the drivers' IRQ-ack programs, their manifests, QEMU's IDENTIFY data, shell
lines, PS/2 scancodes a keyboard sends).

    python3 test/host/corpus/make-inputs.py

Each target's encoding is described at the top of test/host/fuzz_NAME.c.
"""
import os
import struct

OUT = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


# --- irqprog: mode 1 (raw instructions), six BARs (kind, size code), 24-byte instructions.
OPS = {n: i + 1 for i, n in enumerate(
    "read write write_imm mov_imm mov and_imm or_imm shr_imm and jz jnz jmp capture mask "
    "claim decline".split())}
MMIO, PORT = 1, 2


class Prog:
    """The drivers' program builder (drivers/lib/src/irq.c) in a few lines: labels patched."""

    def __init__(self):
        self.insns, self.labels, self.fixups = [], [], []

    def emit(self, op, dst=0, src=0, width=0, bar=0, off=0, imm=0):
        self.insns.append([OPS[op], dst, src, width, bar, off, imm])

    def label(self):
        self.labels.append(None)
        return len(self.labels) - 1

    def place(self, label):
        self.labels[label] = len(self.insns)

    def jump(self, op, label, src=0):
        self.fixups.append((len(self.insns), label))
        self.emit(op, src=src)

    def encode(self, bars):
        for at, label in self.fixups:
            self.insns[at][5] = self.labels[label]
        head = bytes([1]) + b"".join(bytes([kind, size]) for kind, size in bars)
        return head + b"".join(struct.pack("<BBBBB3xIIQ", *i[:5], i[5], 0, i[6])
                               for i in self.insns)


def ahci_program(ports, intx):
    """drivers/ahci/hba.c hba_irq_program: AHCI_BAR 5, IS at 0x08, PxIS at 0x100 + p * 0x80 + 0x10."""
    p = Prog()
    none = p.label()
    p.emit("read", dst=0, width=4, bar=5, off=0x08)
    p.jump("jz", none, src=0)
    p.emit("mov_imm", dst=1, imm=0)
    for no in ports:
        nxt = p.label()
        pxis = 0x100 + no * 0x80 + 0x10
        p.emit("read", dst=2, width=4, bar=5, off=pxis)
        p.emit("write", src=2, width=4, bar=5, off=pxis)
        p.emit("and_imm", dst=2, imm=(1 << 24) | (1 << 27) | (1 << 28) | (1 << 29) | (1 << 30))
        p.jump("jz", nxt, src=2)
        p.emit("or_imm", dst=1, imm=1 << no)
        p.place(nxt)
    p.emit("write", src=0, width=4, bar=5, off=0x08)
    p.emit("capture", src=0, off=0)
    p.emit("capture", src=1, off=1)
    p.emit("claim")
    p.place(none)
    p.emit("decline" if intx else "claim")
    # BAR 5: ABAR, 0x1000 bytes of MMIO (size code 0xf8); the others absent.
    return p.encode([(0, 0)] * 5 + [(MMIO, 0xf8)])


def ps2_program():
    """drivers/ps2/i8042.c ps2_irq_program: data port BAR 0, status port BAR 1."""
    p = Prog()
    none = p.label()
    p.emit("read", dst=0, width=1, bar=1, off=0)
    p.emit("mov", dst=1, src=0)
    p.emit("and_imm", dst=1, imm=0x01)
    p.jump("jz", none, src=1)
    p.emit("read", dst=1, width=1, bar=0, off=0)
    p.emit("or_imm", dst=1, imm=0x100)
    p.emit("capture", src=1, off=0)
    p.emit("capture", src=0, off=1)
    p.emit("claim")
    p.place(none)
    p.emit("decline")
    return p.encode([(PORT, 1), (PORT, 1)] + [(0, 0)] * 4)


def uart_program():
    """drivers/uart/uart.c uart_irq_program: 8 ports at BAR 0, four bytes per interrupt."""
    p = Prog()
    none, done = p.label(), p.label()
    p.emit("read", dst=0, width=1, bar=0, off=2)
    p.emit("and_imm", dst=0, imm=0x01)
    p.jump("jnz", none, src=0)
    for i in range(4):
        p.emit("read", dst=1, width=1, bar=0, off=5)
        p.emit("and_imm", dst=1, imm=0x01)
        p.jump("jz", done, src=1)
        p.emit("read", dst=2, width=1, bar=0, off=0)
        p.emit("or_imm", dst=2, imm=0x100)
        p.emit("capture", src=2, off=i)
    p.emit("read", dst=1, width=1, bar=0, off=5)
    p.emit("and_imm", dst=1, imm=0x01)
    p.jump("jz", done, src=1)
    p.emit("mask")
    p.place(done)
    p.emit("claim")
    p.place(none)
    p.emit("decline")
    return p.encode([(PORT, 8)] + [(0, 0)] * 5)


def irqprog():
    write("irqprog", "ahci-msi-2ports", ahci_program([0, 1], intx=False))
    write("irqprog", "ahci-intx-1port", ahci_program([0], intx=True))
    write("irqprog", "ps2", ps2_program())
    write("irqprog", "uart", uart_program())


# --- blkcheck: mode, sectors (8), sector size (4), max sectors (4), buffer size (8), op (2), args.
READ, WRITE, FLUSH = 3, 4, 5  # iris/blk.h


def blkcheck():
    def req(name, mode, sectors, ssize, maxs, buf, op, lba, off, count):
        args = struct.pack("<QQII", lba, off, count, 0) if op != FLUSH else b""
        write("blkcheck", name, bytes([mode]) + struct.pack("<QIIQH", sectors, ssize, maxs, buf, op) + args)

    # Raw geometry (mode bits 0, 1, 2): what the AHCI and NVMe drivers report for QEMU's disks.
    raw = 1 | 2 | 4
    req("read-first", raw, 131072, 512, 256, 131072, READ, 0, 0, 8)
    req("write-last", raw, 131072, 512, 256, 131072, WRITE, 131064, 4096, 8)
    req("read-4k-disk", raw, 16384, 4096, 32, 131072, READ, 100, 0, 32)
    req("flush", raw, 131072, 512, 256, 131072, FLUSH, 0, 0, 0)
    # Folded forms (mode 0, 8, 16): geometry and arguments mapped onto plausible values.
    req("folded-read", 0, 1 << 40, 0, 255, 32, 0, 1000, 0, 4)
    req("folded-ends", 8 | 16, 1 << 40, 0, 255, 32, 1, 3, 100, 4)


# --- manifest: the manifests Iris ships, and the forms the parser knows.
def manifest():
    for path in ("drivers/ahci/ahci.manifest", "drivers/uart/uart.manifest",
                 "drivers/ps2/ps2.manifest", "servers/console/console.manifest",
                 "test/sysroot/edu.manifest"):
        with open(os.path.join(OUT, "../../..", path), "rb") as f:
            write("manifest", os.path.basename(path), f.read())
    write("manifest", "many-matches",
          b"driver nvme\nmatch class 01 08 02\nmatch class 01 08 *\nmatch id 1b36 0010\n"
          b"match id 8086 *\nrights mmio irq dma\nargs --queues 2 --depth 64\n")


# --- ata: mode 4 (words made plausible, checksum signed), then the words in word_order.
WORD_FIRST = [0, 49, 83, 100, 101, 102, 103, 76, 75, 106, 117, 118, 255]
WORD_ORDER = WORD_FIRST + [i for i in range(256) if i not in WORD_FIRST]


def ata_words(sectors, model, ncq_depth=None, logical_words=None):
    """IDENTIFY DEVICE words in the shape QEMU's ATA disks answer (hw/ide)."""
    w = [0] * 256
    w[0] = 0x0040
    text = model.ljust(40).encode()
    for i in range(20):
        w[27 + i] = text[2 * i] << 8 | text[2 * i + 1]
    serial = b"QM00001".ljust(20)
    for i in range(10):
        w[10 + i] = serial[2 * i] << 8 | serial[2 * i + 1]
    w[47] = 0x8010
    w[49] = 0x0f00
    w[53] = 0x0007
    if ncq_depth:
        w[75] = ncq_depth - 1
        w[76] = 0x0106
    w[80] = 0x00f0
    w[83] = 0x7400
    w[86] = 0x3400
    w[87] = 0x4000
    w[88] = 0x203f
    w[60], w[61] = sectors & 0xFFFF, (sectors >> 16) & 0xFFFF if sectors < (1 << 28) else 0x0fff
    for i in range(4):
        w[100 + i] = (sectors >> (16 * i)) & 0xFFFF
    if logical_words:
        w[106] = 0x5000
        w[117], w[118] = logical_words & 0xFFFF, logical_words >> 16
    w[255] = 0x00a5
    s = sum((x & 0xff) + (x >> 8) for x in w) & 0xFF
    w[255] = ((0x100 - s) & 0xFF) << 8 | 0xa5
    return w


def ata():
    def put(name, w):
        data = b"".join(struct.pack("<H", w[i]) for i in WORD_ORDER)
        write("ata", name, bytes([1]) + data)  # mode bit 0: the words as they are

    put("qemu-64m", ata_words(131072, "QEMU HARDDISK", ncq_depth=32))
    put("qemu-no-ncq", ata_words(2097152, "QEMU HARDDISK"))
    put("4k-sectors", ata_words(1 << 20, "Iris test disk 4Kn", ncq_depth=8, logical_words=2048))


# --- shell, line editor, keymap, line discipline, spawn arguments, fbcon, frame, rbtree.
# --- nvme: mode byte (0 controller, 1 namespace, 2 list), transfer-limit byte, the page.
def nvme():
    def page(fields):
        data = bytearray(4096)
        for off, raw in fields:
            data[off:off + len(raw)] = raw
        return bytes(data)
    ctrl = page([(24, b"QEMU NVMe Ctrl".ljust(40)), (77, bytes([7])), (512, bytes([0x66, 0x44])),
                 (516, struct.pack("<I", 256))])
    write("nvme", "qemu-controller", bytes([0, 5]) + ctrl)
    ns = page([(0, struct.pack("<Q", 131072)), (128, struct.pack("<I", 9 << 16))])
    write("nvme", "qemu-namespace", bytes([1, 5]) + ns)
    ns4k = page([(0, struct.pack("<Q", 1 << 21)), (25, bytes([1, 1])),
                 (128, struct.pack("<II", 9 << 16, 12 << 16))])
    write("nvme", "namespace-4k", bytes([1, 5]) + ns4k)
    write("nvme", "two-namespaces", bytes([2, 0]) + page([(0, struct.pack("<II", 1, 2)),
                                                          (4092, struct.pack("<I", 256))]))


def text_targets():
    for i, line in enumerate([b"echo hello world", b"ls -l /bin", b"sleep 1 &",
                              b"echo 'single quoted' \"double $HOME\" $?",
                              b"kill -9 12", b"FOO=bar env", b"mem", b"echo a\\ b"]):
        write("sh_parse", f"line{i}", line)
    # Two bytes of terminal width, then keys: typing, arrows, history, Ctrl-U, Enter.
    for i, keys in enumerate([b"echo hi\r", b"ls\rps\r\x1b[A\x1b[A\r",
                              b"abc\x1b[D\x1b[DX\x7f\r", b"long line to scroll in a narrow screen\r",
                              b"one\x15two\r\x1b[A\x1b[B\x03"]):
        cols = 80 if i != 3 else 12
        write("sh_ledit", f"keys{i}", struct.pack(">H", cols) + keys)
    # Byte 0 bit 0: scancode set 1, else set 2. "ls -l" Enter, with shift, caps lock, arrows.
    set1 = bytes([0x26, 0xA6, 0x1F, 0x9F, 0x39, 0xB9, 0x0C, 0x8C, 0x26, 0xA6, 0x1C, 0x9C,
                  0x2A, 0x1E, 0x9E, 0xAA, 0x3A, 0xBA, 0x1E, 0x9E, 0xE0, 0x48, 0xE0, 0xC8,
                  0x1D, 0x2E, 0xAE, 0x9D])
    write("keymap", "set1-typing", bytes([1]) + set1)
    set2 = bytes([0x4B, 0xF0, 0x4B, 0x1B, 0xF0, 0x1B, 0x29, 0xF0, 0x29, 0x12, 0x1C, 0xF0,
                  0x1C, 0xF0, 0x12, 0x58, 0xF0, 0x58, 0x1C, 0xF0, 0x1C, 0xE0, 0x75, 0xE0,
                  0xF0, 0x75, 0x14, 0x21, 0xF0, 0x21, 0xF0, 0x14, 0x5A, 0xF0, 0x5A])
    write("keymap", "set2-typing", bytes([0]) + set2)
    # ldisc: byte 0 bit 0 (raw, counted), then (op, arg) pairs; op % 8 < 5 types arg * (op + 1)
    # bytes, 5 sets the mode, 6 and 7 read.
    write("ldisc", "cooked-lines", bytes([0]) + bytes([0, 9]) + b"echo hi\r\n" +
          bytes([7, 100]) + bytes([1, 4]) + b"ab\x7fc\n\x15x\n" + bytes([6, 3]) + bytes([7, 50]))
    write("ldisc", "raw-counted", bytes([1]) + bytes([0, 6]) + b"\x03\x04raw\n" +
          bytes([6, 1]) + bytes([7, 3]))
    # spawnargs: struct iris_spawn_args (argc, envc) and the strings.
    for name, argv, envp in [("sh", [b"sh"], [b"PATH=/bin"]),
                             ("echo", [b"echo", b"hello", b"world"], []),
                             ("env", [b"drv", b"--irq", b"msi"], [b"HOME=/", b"TERM=iris"])]:
        strings = b"".join(s + b"\0" for s in argv + envp)
        write("spawnargs", name, struct.pack("<II", len(argv), len(envp)) + strings)
    # fbcon: bpp and geometry (2 bytes), chunk size, then text with escapes and wrapping.
    write("fbcon", "banner", bytes([0x05, 0x1A, 7]) +
          b"Iris booting\n\tmodules: 12\r\nlong line that wraps around the screen edge\n" * 2)
    write("fbcon", "scroll", bytes([0x42, 0x09, 1]) + b"\n".join(b"line %d" % i for i in range(30)))
    # frame: the allocation scripts of fuzz_frame.c: ranges, then ops.
    write("frame", "alloc-free", bytes([2, 1, 0, 0, 0, 0, 0x10, 0, 1, 0, 0x20, 0, 0, 0x08, 0,
                                       0, 0x10, 0, 0x01, 0, 0, 0, 4, 1, 5, 0x21, 9, 2, 0, 3, 1]))
    write("frame", "many-runs", bytes([1, 0, 0, 0, 0x10, 0, 0, 0x40, 0]) +
          bytes([0, 1, 0x10, 4, 0x25, 8, 0, 2, 3, 1]) * 6)
    # rbtree: timer count, then (op, timer, arg) triples: arm, cancel, advance time.
    write("rbtree", "timers", bytes([15]) + bytes([0, 1, 10, 0, 2, 5, 0, 3, 20, 1, 2, 0,
                                                   2, 0, 7, 0, 4, 1, 2, 0, 30, 0, 1, 3]))


if __name__ == "__main__":
    irqprog()
    blkcheck()
    manifest()
    ata()
    nvme()
    text_targets()
