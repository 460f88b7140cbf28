#!/bin/sh
# Makes the ELF seed corpus (test/host/corpus/elf) with the toolchain that builds Iris:
# small static programs linked by lld with its default layout and two linker
# scripts, and one real Iris program from the build, stripped.
#
#     test/host/corpus/make-elf.sh build
set -eu
build=${1:-build}
out=$(cd "$(dirname "$0")" && pwd)/elf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

cat >"$tmp/sample.c" <<'C'
const char greeting[] = "iris";
int counter = 7;
char scratch[8192];

void _start(void)
{
	for (int i = 0; i < 4; i++)
		scratch[i] = greeting[i] + (char)counter++;
	for (;;)
		__asm__ volatile("hlt");
}
C
cat >"$tmp/textonly.c" <<'C'
void _start(void)
{
	for (;;)
		__asm__ volatile("pause");
}
C
cat >"$tmp/paged.ld" <<'LD'
ENTRY(_start)
SECTIONS {
	. = 0x400000 + SIZEOF_HEADERS;
	.rodata : { *(.rodata*) *(.eh_frame*) *(.note*) }
	. = ALIGN(CONSTANT(MAXPAGESIZE)) + (. & (CONSTANT(MAXPAGESIZE) - 1));
	.text : { *(.text*) }
	. = ALIGN(CONSTANT(MAXPAGESIZE)) + (. & (CONSTANT(MAXPAGESIZE) - 1));
	.data : { *(.data*) }
	.bss : { *(.bss*) }
}
LD
# The same layout at the top of the user address space.
sed 's/0x400000/0x7fff00000000/' "$tmp/paged.ld" >"$tmp/high.ld"

f="--target=x86_64-unknown-none-elf -O1 -nostdlib -static -fuse-ld=lld -Wl,-z,max-page-size=4096 -Wl,-s"
# shellcheck disable=SC2086 # $f is a list of flags
{
	clang $f "$tmp/sample.c" -o "$out/sample-default"
	clang $f -Wl,-T,"$tmp/paged.ld" "$tmp/sample.c" -o "$out/sample-paged"
	clang $f -mcmodel=large -Wl,-T,"$tmp/high.ld" "$tmp/sample.c" -o "$out/sample-high"
	clang $f "$tmp/textonly.c" -o "$out/textonly"
	clang $f -Wl,-z,separate-code "$tmp/sample.c" -o "$out/sample-separate-code"
}
llvm-strip -o "$out/echo" "$build/bin/echo/echo"
chmod 644 "$out"/*
