"""The Linux peer of `./iris bench`: Debian's kernel and an initramfs built here.

The initramfs (cpio newc, uncompressed) holds busybox-static with its applets
as symlinks, the static programs built from test/bench/linux/*.c into /bench,
the kernel modules the metrics ask for (with their modules.dep dependencies)
in /lib/modules, and an /init shell script generated from the metric table.
/init reads the environment variable `bench_run` (the kernel passes unknown
`name=value` words of its command line to init as environment) and runs the
commands of the metrics it lists, then leaves QEMU through isa-debug-exit.
On a machine with several CPUs the kernel boots with maxcpus=1 and /init
brings the others online first (see kernel_cmdline).

Everything lands in BUILD/bench/ and is rebuilt only when an input changes.
"""

import functools
import glob
import gzip
import hashlib
import lzma
import os
import re
import shlex
import stat
import subprocess
from dataclasses import dataclass
from typing import Optional

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAM_DIR = os.path.join(HERE, "linux")
# bench.h, bench_disk.h: shared with Iris; linux/*.h (uring.h): among the programs
SHARED_HEADERS = (os.path.join(HERE, "*.h"), os.path.join(PROGRAM_DIR, "*.h"))
# The compiler and optimisation Iris's bench programs are built with (clang -O2), so a loop
# the two sides share in bench.h is the same machine code on both; static, against glibc.
CC = "clang"
CC_FLAGS = ["-O2", "-static", "-Wall", "-Wextra", "-Werror"]
BUSYBOX = "/bin/busybox"
PACKAGES = ("linux-image-amd64", "busybox-static", "clang", "libc6-dev")

DEBUG_EXIT_PORT = 0xF4
DEBUG_EXIT_SUCCESS = 0x10  # QEMU exits with status 33, as for a passing Iris run


class GuestError(Exception):
    """Something the Linux guest needs is missing or failed to build."""


# --------------------------------------------------------------------------
# Host packages and the kernel
# --------------------------------------------------------------------------

def ensure_packages(packages=PACKAGES, log=print):
    """apt-get install the packages that are not installed yet, like ./iris does."""
    missing = [p for p in packages if not package_installed(p)]
    if not missing:
        return
    log(f"bench: installing {' '.join(missing)}")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = sudo + ["apt-get", "install", "-y", "-q", "--no-install-recommends"] + missing
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    if subprocess.run(install, **quiet).returncode == 0:
        return
    subprocess.run(sudo + ["apt-get", "update", "-q"], **quiet)
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        raise GuestError(f"apt-get install {' '.join(missing)} failed")


def package_installed(name: str) -> bool:
    """Whether dpkg says `name` is installed."""
    result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", name],
                            capture_output=True, text=True)
    return result.returncode == 0 and "ok installed" in result.stdout


def version_key(version: str) -> list:
    """A sort key ordering '6.1.0-9' before '6.1.0-10'."""
    return [int(part) if i % 2 else part
            for i, part in enumerate(re.split(r"(\d+)", version))]


@dataclass(frozen=True)
class Kernel:
    """One installed Debian kernel: its image and module tree."""

    version: str

    @property
    def image(self) -> str:
        return f"/boot/vmlinuz-{self.version}"

    @property
    def module_dir(self) -> str:
        return f"/lib/modules/{self.version}"


def newest_kernel() -> Kernel:
    """The installed kernel with the highest version."""
    versions = [path[len("/boot/vmlinuz-"):] for path in glob.glob("/boot/vmlinuz-*")]
    if not versions:
        raise GuestError("no /boot/vmlinuz-*: is linux-image-amd64 installed?")
    kernel = Kernel(max(versions, key=version_key))
    if not os.access(kernel.image, os.R_OK):
        raise GuestError(f"cannot read {kernel.image} (Debian makes it readable by root only)")
    return kernel


# --------------------------------------------------------------------------
# Kernel modules
# --------------------------------------------------------------------------

def module_name(path: str) -> str:
    """'kernel/drivers/ata/libahci.ko.xz' -> 'libahci' (dashes become underscores)."""
    base = os.path.basename(path)
    base = re.sub(r"\.ko(\.(xz|gz|zst))?$", "", base)
    return base.replace("-", "_")


@functools.lru_cache(maxsize=None)
def read_modules_dep(kernel: Kernel) -> dict:
    """Module name -> (path relative to the module tree, [names it depends on])."""
    modules = {}
    with open(os.path.join(kernel.module_dir, "modules.dep")) as f:
        for line in f:
            path, _, deps = line.partition(":")
            if path.strip():
                modules[module_name(path)] = (path.strip(),
                                              [module_name(d) for d in deps.split()])
    return modules


def read_builtin(kernel: Kernel) -> set:
    """Names of the modules compiled into the kernel image."""
    path = os.path.join(kernel.module_dir, "modules.builtin")
    if not os.path.exists(path):
        return set()
    with open(path) as f:
        return {module_name(line.strip()) for line in f if line.strip()}


def resolve_modules(kernel: Kernel, wanted) -> list:
    """Module names to insmod, dependencies first; built-in modules are left out.

    Raises GuestError for a module the kernel has neither as a module nor built in.
    """
    modules, builtin = read_modules_dep(kernel), read_builtin(kernel)
    order = []

    def visit(name, chain):
        name = name.replace("-", "_")
        if name in order or name in builtin:
            return
        if name not in modules:
            raise GuestError(f"kernel {kernel.version} has no module {name}")
        if name in chain:
            raise GuestError(f"module dependency cycle: {' -> '.join(chain + [name])}")
        for dep in modules[name][1]:
            visit(dep, chain + [name])
        order.append(name)

    for name in wanted:
        visit(name, [])
    return order


def module_bytes(kernel: Kernel, name: str) -> bytes:
    """The module file, decompressed (busybox insmod wants a plain .ko)."""
    path = os.path.join(kernel.module_dir, read_modules_dep(kernel)[name][0])
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".xz"):
        return lzma.decompress(data)
    if path.endswith(".gz"):
        return gzip.decompress(data)
    if path.endswith(".zst"):
        raise GuestError(f"{path}: zstd-compressed modules are not supported")
    return data


# --------------------------------------------------------------------------
# Guest programs
# --------------------------------------------------------------------------

def digest(*parts) -> str:
    """SHA-256 over byte strings and strings."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()


def read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def build_programs(out_dir: str) -> dict:
    """Compile every test/bench/linux/*.c with the host's clang, statically (glibc).

    Returns program name -> path of the binary. Rebuilds one only when its
    source, a shared header or the flags changed.
    """
    os.makedirs(out_dir, exist_ok=True)
    header = digest(*[read_bytes(h) for pattern in SHARED_HEADERS
                      for h in sorted(glob.glob(pattern))])
    programs = {}
    for source in sorted(glob.glob(os.path.join(PROGRAM_DIR, "*.c"))):
        name = os.path.basename(source)[:-2]
        binary = os.path.join(out_dir, name)
        stamp = binary + ".sha256"
        key = digest(read_bytes(source), header, CC, " ".join(CC_FLAGS))
        if not (os.path.exists(binary) and read_text(stamp) == key):
            result = subprocess.run([CC] + CC_FLAGS + ["-o", binary, source],
                                    capture_output=True, text=True)
            if result.returncode != 0:
                raise GuestError(f"{CC} {source} failed:\n{result.stderr}")
            write_text(stamp, key)
        programs[name] = binary
    return programs


def read_text(path: str) -> Optional[str]:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def write_text(path: str, text: str):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


# --------------------------------------------------------------------------
# /init
# --------------------------------------------------------------------------

def init_script(metrics, modules_of: dict) -> str:
    """The /init shell script for the metric table.

    `metrics` are objects with `name`, `linux_early` and `linux` (lists of
    command word tuples, the first word a program in /bench or an absolute
    path); `modules_of` maps a metric name to the modules it needs, in load
    order. Early commands run first, before anything is mounted (boot
    timing); then each selected metric loads its modules and runs its commands.
    """
    lines = [
        "#!/bin/sh",
        "# Generated by test/bench/linux_guest.py: runs the metrics named in $bench_run.",
        "export PATH=/bin:/bench",
        "selected() { case \",$bench_run,\" in *,$1,*) return 0 ;; esac; return 1; }",
    ]
    for metric in metrics:
        for command in metric.linux_early:
            lines.append(f"selected {metric.name} && {shell_command(command)}")
    lines += [
        "mount -t proc proc /proc",
        "mount -t sysfs sysfs /sys",
        "mount -t devtmpfs devtmpfs /dev",
        "# A machine with more CPUs boots with maxcpus=1 (see kernel_cmdline): bring the",
        "# others online before measuring anything.",
        "for cpu in /sys/devices/system/cpu/cpu[0-9]*/online; do",
        "\t[ -e \"$cpu\" ] && [ \"$(cat \"$cpu\")\" != 1 ] || continue",
        "\techo 1 > \"$cpu\" || echo \"BENCH-FAIL cannot bring $cpu up\"",
        "done",
        "load() { [ -d /sys/module/$1 ] || insmod /lib/modules/$1.ko || "
        "echo \"BENCH-FAIL insmod $1\"; }",
        "run() { \"$@\" || echo \"BENCH-FAIL $* (status $?)\"; }",
    ]
    for metric in metrics:
        body = [f"load {m}" for m in modules_of.get(metric.name, ())]
        body += [f"run {shell_command(c)}" for c in metric.linux]
        if body:
            lines.append(f"if selected {metric.name}; then")
            lines += ["\t" + line for line in body]
            lines.append("fi")
    lines += [
        "echo BENCH-DONE",
        f"printf '\\{DEBUG_EXIT_SUCCESS:03o}' | "
        f"dd of=/dev/port bs=1 seek={DEBUG_EXIT_PORT} count=1 2>/dev/null",
        "poweroff -f",
        "",
    ]
    return "\n".join(lines)


def shell_command(words) -> str:
    """Command words quoted for sh; a bare first word names a program in /bench."""
    words = list(words)
    if "/" not in words[0]:
        words[0] = "/bench/" + words[0]
    return " ".join(shlex.quote(str(w)) for w in words)


# --------------------------------------------------------------------------
# cpio (newc)
# --------------------------------------------------------------------------

class Cpio:
    """Writes a cpio archive in the 'newc' format the kernel unpacks."""

    def __init__(self):
        self.chunks = []
        self.inode = 0

    def add(self, name: str, mode: int, data: bytes = b"", rdev: tuple = (0, 0)):
        """Add one entry; `mode` includes the file type bits."""
        self.inode += 1
        encoded = name.encode() + b"\0"
        fields = [self.inode, mode, 0, 0, 2 if stat.S_ISDIR(mode) else 1, 0,
                  len(data), 0, 0, rdev[0], rdev[1], len(encoded), 0]
        header = b"070701" + b"".join(b"%08X" % v for v in fields)
        self.chunks += [header, encoded, pad4(len(header) + len(encoded)),
                        data, pad4(len(data))]

    def directory(self, name: str):
        self.add(name, stat.S_IFDIR | 0o755)

    def file(self, name: str, data: bytes, mode: int = 0o755):
        self.add(name, stat.S_IFREG | mode, data)

    def symlink(self, name: str, target: str):
        self.add(name, stat.S_IFLNK | 0o777, target.encode())

    def char_device(self, name: str, major: int, minor: int):
        self.add(name, stat.S_IFCHR | 0o600, rdev=(major, minor))

    def finish(self) -> bytes:
        """The archive, with its trailer."""
        self.add("TRAILER!!!", 0)
        return b"".join(self.chunks)


def pad4(length: int) -> bytes:
    return b"\0" * (-length % 4)


def busybox_applets() -> list:
    """The applets the installed busybox-static provides."""
    result = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True)
    if result.returncode != 0:
        raise GuestError(f"{BUSYBOX} --list failed: is busybox-static installed?")
    return sorted(set(result.stdout.split()) - {"busybox"})


# --------------------------------------------------------------------------
# The initramfs
# --------------------------------------------------------------------------

def build_initramfs(build_dir: str, kernel: Kernel, metrics) -> str:
    """Build (or reuse) BUILD/bench/initramfs.cpio for `metrics`; returns its path."""
    out_dir = os.path.join(build_dir, "bench")
    os.makedirs(out_dir, exist_ok=True)
    programs = build_programs(os.path.join(out_dir, "linux"))
    for metric in metrics:
        for command in list(metric.linux_early) + list(metric.linux):
            if "/" not in command[0] and command[0] not in programs:
                raise GuestError(f"{metric.name}: no test/bench/linux/{command[0]}.c")
    modules_of = {m.name: resolve_modules(kernel, m.linux_modules) for m in metrics}
    modules = sorted({name for names in modules_of.values() for name in names})
    init = init_script(metrics, modules_of)
    busybox = read_bytes(BUSYBOX)
    applets = busybox_applets()

    path = os.path.join(out_dir, "initramfs.cpio")
    stamp = path + ".sha256"
    key = digest(read_bytes(__file__), kernel.version, busybox, init, " ".join(applets),
                 *[digest(name, read_bytes(p)) for name, p in sorted(programs.items())],
                 *[digest(name, module_bytes(kernel, name)) for name in modules])
    if os.path.exists(path) and read_text(stamp) == key:
        return path

    cpio = Cpio()
    for directory in ("bin", "bench", "dev", "proc", "sys", "tmp", "lib", "lib/modules"):
        cpio.directory(directory)
    cpio.char_device("dev/console", 5, 1)
    cpio.char_device("dev/ttyS0", 4, 64)
    cpio.file("bin/busybox", busybox)
    for applet in applets:
        cpio.symlink(f"bin/{applet}", "busybox")
    for name, binary in sorted(programs.items()):
        cpio.file(f"bench/{name}", read_bytes(binary))
    for name in modules:
        cpio.file(f"lib/modules/{name}.ko", module_bytes(kernel, name), 0o644)
    cpio.file("init", init.encode())
    with open(path + ".tmp", "wb") as f:
        f.write(cpio.finish())
    os.replace(path + ".tmp", path)
    write_text(stamp, key)
    return path


def kernel_cmdline(metric_names, mitigations_off: bool, smp: int = 1) -> str:
    """The Linux command line for one boot running `metric_names` on `smp` CPUs.

    With more than one CPU the kernel boots on one (maxcpus=1) and /init brings
    the others online: under -icount (single-threaded TCG, QEMU 7.2) Debian's
    6.1 kernel hangs bringing up secondary CPUs at boot ("x86: Booting SMP
    configuration", the AP never runs again), while CPU hotplug from user space
    works.
    """
    words = ["console=ttyS0", "quiet", "panic=-1", "bench_run=" + ",".join(metric_names)]
    if smp > 1:
        words.append("maxcpus=1")
    if mitigations_off:
        words.append("mitigations=off")
    return " ".join(words)
