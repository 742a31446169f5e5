#!/usr/bin/env bash
# Builds guardhsm and shows what it does. Safe to run again: each step is
# skipped when it has nothing to do.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/deps.sh
. scripts/deps.sh

gh_say "Checking build dependencies"
gh_install_deps

gh_build build

gh_say "Demonstrating the memory enclave (build/examples/enclave_demo)"
build/examples/enclave_demo

gh_say "Done"
echo "The enclave library is build/src/enclave/libguardhsm-enclave.la."
echo "Run ./run-tests.sh for the full test suite, 'make -C build bench' for"
echo "the benchmarks. See README.md and docs/SECURITY.md."
