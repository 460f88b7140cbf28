#!/bin/sh
# Builds the hybrid BIOS (i386-pc) + UEFI (x86_64-efi) ISO with grub-mkrescue.
#   mkiso.sh OUTPUT.iso GRUB.CFG KERNEL [MODULE ...]
# Modules are copied to /boot/ under their own names (grub.cfg lists them).
set -eu
out=$1 cfg=$2 kernel=$3
shift 3
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$cfg" "$stage/boot/grub/grub.cfg"
cp "$kernel" "$stage/boot/iris-kernel"
for m in "$@"; do
	cp "$m" "$stage/boot/"
done
grub-file --is-x86-multiboot2 "$stage/boot/iris-kernel" || {
	echo "mkiso: $kernel is not a multiboot2 kernel" >&2
	exit 1
}
grub-mkrescue -o "$out" "$stage" >"$stage/log" 2>&1 || {
	cat "$stage/log" >&2
	exit 1
}
