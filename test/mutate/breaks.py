"""The breaks test/mutate/mutate.py applies, one at a time.

Each replaces, in `file` of the tree's top-level `part` (kernel, common,
drivers, servers, bin, libc), every `before` of its edits (each must occur
exactly once) with its `after`, and names the tests that should catch it: `host:NAME` is a Meson
host test (`meson test -C build NAME`), anything else a QEMU test of
test/harness/suite.py. Keep every break small and realistic: the kind of
slip a reviewer could miss.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Break:
    id: str
    what: str
    part: str
    file: str
    edits: tuple  # ((before, after), ...)
    tests: tuple

    @property
    def path(self) -> str:
        """The file's path from the top of the tree."""
        return f"{self.part}/{self.file}"


BREAKS = [
    # -- the kernel --
    Break("irqprog-range", "the IRQ verifier checks a register's offset but not its width",
          "common", "src/irqprog.c",
          (("if ((uint64_t)in->off + in->width > bar->size)",
            "if ((uint64_t)in->off > bar->size)"),),
          ("host:irqprog", "host:fuzz_irqprog")),
    Break("elf-filesz", "the ELF loader checks a segment's offset but not its file size",
          "kernel", "generic/proc/elf.c",
          (("if (ph->p_filesz > 0 && (ph->p_offset > size || ph->p_filesz > size - ph->p_offset))",
            "if (ph->p_filesz > 0 && ph->p_offset > size)"),),
          ("host:elf", "host:fuzz_elf")),
    Break("elf-wx", "the ELF loader accepts a writable and executable segment",
          "kernel", "generic/proc/elf.c",
          (("if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))",
            "if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X) && ph->p_align == 0)"),),
          ("host:elf",)),
    Break("mb2-framebuffer", "a multiboot2 RGB framebuffer tag is read with 8 bytes",
          "kernel", "generic/boot/multiboot2.c",
          (("if (type == BOOT_FB_RGB && size < FB_RGB_LEN)",
            "if (type == BOOT_FB_RGB && size < 8)"),),
          ("host:multiboot2", "host:fuzz_multiboot2")),
    Break("handle-rights", "a handle's rights are not checked",
          "kernel", "generic/obj/handle.c",
          (("else if ((s->rights & need) != need)",
            "else if ((s->rights & need) != need && false)"),),
          ("user-syscalls",)),
    Break("ring-pending", "the kernel trusts a ring tail up to 64 entries past the ring",
          "kernel", "generic/obj/ring.c",
          (("if (pending > r->sq_entries) {",
            "if (pending > r->sq_entries + 64) {"),),
          ("user-rings-smp2",)),
    Break("chan-handles-full", "a channel takes one handle more than its queue holds",
          "kernel", "generic/obj/channel.c",
          (("if (r == 0 && f->count == IRIS_CHANNEL_HANDLES_MAX)",
            "if (r == 0 && f->count > IRIS_CHANNEL_HANDLES_MAX)"),),
          ("user-channels-smp1",)),
    # -- drivers --
    Break("blkcheck-range", "a block request's count is not checked against the disk's end",
          "drivers", "lib/src/blkcheck.c",
          (("if (a.lba >= id->sectors || a.count > id->sectors - a.lba)",
            "if (a.lba >= id->sectors)"),),
          ("host:blkcheck", "host:fuzz_blkcheck")),
    Break("ahci-prd-offset", "the AHCI driver points each PRD 512 bytes past the client's data",
          "drivers", "ahci/port.c",
          (("t->prd[i] = (struct ahci_prd){ .dba = segs[i].bus, .dbc = segs[i].len - 1 };",
            "t->prd[i] = (struct ahci_prd){ .dba = segs[i].bus + 512, .dbc = segs[i].len - 1 };"),),
          ("blk-image", "blk-flush-kill")),
    Break("blkserv-merge", "the block library merges client pages that are not adjacent in memory",
          "drivers", "lib/src/blkserv.c",
          (("if (last && last->bus + last->len == bus && last->len < max_len) {",
            "if (last && last->len < max_len) {"),),
          ("blk-image", "blk-q35")),
    Break("blkserv-unordered", "the block library starts ORDERED requests at once",
          "drivers", "lib/src/blkserv.c",
          (("return c->barrier || ((r->flags & BLK_RW_ORDERED) && c->in_driver);",
            "return false && (c->barrier || ((r->flags & BLK_RW_ORDERED) && c->in_driver));"),),
          ("nvme-blk-smp4",)),
    Break("ahci-no-flush", "the AHCI driver completes FLUSH without sending it to the disk",
          "drivers", "ahci/port.c",
          (("uint8_t cmd = ATA_CMD_FLUSH_EXT;",
            "uint8_t cmd = 0xe5; /* CHECK POWER MODE */"),),
          ("blk-flush-kill",)),
    # -- servers and programs --
    Break("ldisc-erase", "Backspace erases from the screen but not from the line",
          "servers", "console/ldisc.c",
          (("uint8_t c = ld->line[--ld->line_len];",
            "uint8_t c = ld->line[ld->line_len - 1];"),),
          ("host:ldisc",)),
    Break("sh-brace", "the shell leaves the closing brace of ${NAME} in the word",
          "bin", "sh/parse.c",
          (("n = (size_t)(close - name);\n\t\tp->s = close + 1;",
            "n = (size_t)(close - name);\n\t\tp->s = close;"),),
          ("host:sh_parse",)),
    Break("init-restart-at-once", "init announces a back-off but restarts a service at once",
          "servers", "init/main.c",
          (("p->restart_at = now + delay;",
            "p->restart_at = now;"),),
          ("init-services",)),
    Break("devmgr-restart-at-once", "devmgr announces a back-off but restarts a driver at once",
          "servers", "devmgr/driver.c",
          (("d->deadline = now + delay;",
            "d->deadline = now;"),),
          ("devmgr-ahci",)),
    Break("mem-free-as-used", "mem reports free pages as used",
          "bin", "mem/main.c",
          (("long used = total - avail;",
            "long used = avail;"),),
          ("shell-session",)),
    Break("banner-memory", "the boot banner reports memory in GiB as MiB (0 MiB)",
          "kernel", "generic/main.c",
          (("smp_online_count(), (unsigned long)(usable >> 20),",
            "smp_online_count(), (unsigned long)(usable >> 30),"),),
          ("boot-banner",)),
    Break("banner-modules", "the boot banner reports 0 modules",
          "kernel", "generic/main.c",
          (("PAGE_SIZE) >> 20), boot_info.module_count);",
            "PAGE_SIZE) >> 20), (size_t)0);"),),
          ("boot-banner",)),
    # -- libc --
    Break("memmove-overlap", "memmove copies forwards when the regions overlap",
          "libc", "src/string/string.c",
          (("if (d < s || d >= s + n)",
            "if (d < s || d >= s)"),),
          ("host:libc_string",)),
    Break("strtol-range", "strtol wraps around instead of reporting ERANGE",
          "libc", "src/stdlib/strtol.c",
          (("if (r.magnitude > (limit - (unsigned)d) / (unsigned)base)",
            "if (r.magnitude > ~0ull / (unsigned)base)"),),
          ("host:libc_stdlib",)),
]
