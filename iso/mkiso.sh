#!/bin/sh
# Builds the hybrid BIOS (i386-pc) + UEFI (x86_64-efi) ISO with grub-mkrescue.
#   mkiso.sh OUTPUT.iso GRUB.CFG KERNEL [MODULE ...]
# Modules are copied to /boot/ under their own names, and the line
# "@MODULES@" in GRUB.CFG becomes one module2 line per module, in order
# (the first module is init).
set -eu
out=$1 cfg=$2 kernel=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage="$work/iso" # only this goes into the image (the log must stay out of it)
mkdir -p "$stage/boot/grub"
cp "$kernel" "$stage/boot/iris-kernel"
lines=""
for m in "$@"; do
	name=$(basename "$m")
	cp "$m" "$stage/boot/$name"
	lines="$lines	module2 /boot/$name $name
"
done
awk -v lines="$lines" '/@MODULES@/ { printf "%s", lines; next } { print }' "$cfg" \
	>"$stage/boot/grub/grub.cfg"
grub-file --is-x86-multiboot2 "$stage/boot/iris-kernel" || {
	echo "mkiso: $kernel is not a multiboot2 kernel" >&2
	exit 1
}
grub-mkrescue -o "$out" "$stage" >"$work/log" 2>&1 || {
	cat "$work/log" >&2
	exit 1
}
