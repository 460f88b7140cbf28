#!/usr/bin/env python3
"""Captures real boot data from QEMU for the fuzz corpus (test/host/corpus/README.md).

    flock /tmp/iris-qemu.lock python3 test/host/corpus/capture.py build/iris.iso build/kernel/iris-kernel

For each machine below, boots the ISO in QEMU with its gdb stub stopped at the
kernel's entry point (_start: GRUB has just handed over, paging is off, EBX
holds the multiboot2 information block), and saves:

  multiboot2/NAME.mbi  the information block exactly as GRUB wrote it;
  acpi/NAME-machine    the RSDP GRUB passed and every table the root table
                       lists, relocated into one blob in fuzz_acpi's machine
                       format (mode byte 0, the 36-byte RSDP, then memory at
                       FUZZ_BASE);
  acpi/NAME-madt, -mcfg, -hpet  each of those tables alone (modes 1, 2, 3).

Run as a script it starts QEMU and gdb; gdb then sources this same file,
which does the reading inside gdb.
"""
import os
import struct
import subprocess
import sys
import tempfile

MACHINES = [
    # name, -machine, firmware, -m, -smp
    ("pc-seabios", "pc", None, "128M", "1"),
    ("q35-seabios-smp4", "q35", None, "512M", "4"),
    ("q35-ovmf", "q35", "/usr/share/ovmf/OVMF.fd", "256M", "2"),
    ("pc-ovmf-5g", "pc", "/usr/share/ovmf/OVMF.fd", "5G", "1"),
]
FUZZ_BASE = 0x100000  # test/host/fuzz_acpi.c
ACPI_HEADER_LEN = 36
MB2_TAG_ACPI_OLD, MB2_TAG_ACPI_NEW = 14, 15


def checksum_fix(blob, start, length, where):
    blob[start + where] = 0
    blob[start + where] = (-sum(blob[start:start + length])) & 0xFF


def rsdp_from_mbi(mbi):
    """The RSDP GRUB copied into the block (the ACPI 2.0 one when both are there)."""
    total = struct.unpack_from("<I", mbi)[0]
    off, best = 8, None
    while off + 8 <= total:
        typ, size = struct.unpack_from("<II", mbi, off)
        if typ == 0:
            break
        if typ in (MB2_TAG_ACPI_OLD, MB2_TAG_ACPI_NEW) and (best is None or typ == MB2_TAG_ACPI_NEW):
            best = bytes(mbi[off + 8:off + size])
        off += (size + 7) & ~7
    return best


def acpi_inputs(rsdp, read):
    """fuzz_acpi inputs from an RSDP and a physical memory reader read(addr, len)."""
    rsdp = bytearray(rsdp[:36].ljust(36, b"\0"))
    revision = rsdp[15]
    xsdt = revision >= 2 and struct.unpack_from("<Q", rsdp, 24)[0] != 0
    root_phys = struct.unpack_from("<Q", rsdp, 24)[0] if xsdt else struct.unpack_from("<I", rsdp, 16)[0]
    esize = 8 if xsdt else 4

    def table(phys):
        length = struct.unpack_from("<I", read(phys, ACPI_HEADER_LEN), 4)[0]
        return bytearray(read(phys, length))

    root = table(root_phys)
    entries = [struct.unpack_from("<Q" if xsdt else "<I", root, ACPI_HEADER_LEN + i * esize)[0]
               for i in range((len(root) - ACPI_HEADER_LEN) // esize)]
    tables = [table(p) for p in entries]

    # Lay the root table and each listed table out one after the other, 8-byte aligned.
    blob = bytearray()
    placed = []
    for t in [root] + tables:
        blob += b"\0" * (-len(blob) % 8)
        placed.append(len(blob))
        blob += t
    for i in range(len(entries)):
        struct.pack_into("<Q" if xsdt else "<I", blob, ACPI_HEADER_LEN + i * esize,
                         FUZZ_BASE + placed[i + 1])
    for start, t in zip(placed, [root] + tables):
        checksum_fix(blob, start, len(t), 9)
    struct.pack_into("<I", rsdp, 16, FUZZ_BASE + placed[0] if not xsdt else 0)
    if xsdt:
        struct.pack_into("<Q", rsdp, 24, FUZZ_BASE + placed[0])
    checksum_fix(rsdp, 0, 20, 8)
    if revision >= 2:
        checksum_fix(rsdp, 0, 36, 32)

    out = {"machine": bytes([0]) + bytes(rsdp) + bytes(blob)}
    modes = {b"APIC": ("madt", 1), b"MCFG": ("mcfg", 2), b"HPET": ("hpet", 3)}
    for t in tables:
        if bytes(t[:4]) in modes:
            name, mode = modes[bytes(t[:4])]
            out[name] = bytes([mode]) + bytes(t)
    return out


def in_gdb():
    """Runs inside gdb, stopped at the kernel's entry: writes the files for one machine."""
    import gdb  # noqa: F401 (only inside gdb)

    outdir, name = os.environ["CAPTURE_OUT"], os.environ["CAPTURE_NAME"]
    inferior = gdb.selected_inferior()

    def read(addr, length):
        return bytes(inferior.read_memory(addr, length))

    eax = int(gdb.parse_and_eval("$eax")) & 0xFFFFFFFF
    ebx = int(gdb.parse_and_eval("$ebx")) & 0xFFFFFFFF
    if eax != 0x36D76289:
        raise gdb.GdbError(f"stopped with EAX {eax:#x}, not the multiboot2 magic")
    total = struct.unpack("<I", read(ebx, 4))[0]
    mbi = read(ebx, total)
    with open(os.path.join(outdir, "multiboot2", name + ".mbi"), "wb") as f:
        f.write(mbi)
    rsdp = rsdp_from_mbi(mbi)
    if rsdp is None:
        raise gdb.GdbError("GRUB passed no RSDP")
    for kind, data in acpi_inputs(rsdp, read).items():
        with open(os.path.join(outdir, "acpi", f"{name}-{kind}"), "wb") as f:
            f.write(data)
    print(f"{name}: MBI at {ebx:#x}, {total} bytes; RSDP revision {rsdp[15]}")


def main():
    iso, kernel = sys.argv[1], sys.argv[2]
    outdir = os.path.dirname(os.path.abspath(__file__))
    entry = subprocess.run(["llvm-nm", kernel], check=True, capture_output=True,
                           text=True).stdout
    entry = next(int(line.split()[0], 16) for line in entry.splitlines()
                 if line.endswith(" _start"))
    for d in ("multiboot2", "acpi"):
        os.makedirs(os.path.join(outdir, d), exist_ok=True)
    for name, machine, firmware, mem, smp in MACHINES:
        with tempfile.TemporaryDirectory() as tmp:
            sock = os.path.join(tmp, "gdb.sock")
            argv = ["qemu-system-x86_64", "-machine", machine, "-m", mem, "-smp", smp,
                    "-display", "none",
                    "-serial", "null", "-monitor", "none", "-nic", "none", "-no-reboot",
                    "-cdrom", iso, "-chardev", f"socket,id=g,path={sock},server=on,wait=off",
                    "-gdb", "chardev:g", "-S"]
            if firmware:
                argv += ["-bios", firmware]
            qemu = subprocess.Popen(argv)
            try:
                while not os.path.exists(sock):
                    if qemu.poll() is not None:
                        sys.exit(f"capture: QEMU for {name} exited early")
                subprocess.run(["gdb", "-nx", "-batch", "-ex", "set confirm off",
                                "-ex", f"target remote {sock}", "-ex", f"hbreak *{entry:#x}",
                                "-ex", "continue", "-ex", f"source {os.path.abspath(__file__)}"],
                               check=True, timeout=300,
                               env=dict(os.environ, CAPTURE_OUT=outdir, CAPTURE_NAME=name))
            finally:
                qemu.kill()
                qemu.wait()


if __name__ == "__main__":
    try:
        import gdb  # noqa: F401
    except ImportError:
        main()
    else:
        in_gdb()
