#!/bin/sh
# Runs one libFuzzer target for the host test suite: fuzz_run.sh TARGET SCRATCH CORPUS [ARGS...]
# SCRATCH is emptied first and given as the first corpus directory, where libFuzzer
# writes the inputs it finds, so CORPUS (the seed corpus in the tree) is only read
# and every run starts from the same inputs.
set -eu
target=$1 scratch=$2 corpus=$3
shift 3
rm -rf "$scratch"
mkdir -p "$scratch"
exec "$target" "$@" "$scratch" "$corpus"
