#!/bin/sh
# Measures guardhsm and SoftHSM with the same workload and the same scanner
# (memscan workload MODULE): known keys stored with C_CreateObject, each
# used 200 times, then this process's memory is scanned at rest, with
# multi-part operations open (ECDSA-SHA256 and SHA256-HMAC sign, AES-CBC
# encrypt where the module has it: guardhsm has no AES yet), in a gcore
# taken mid-operation, and after the operations finish. Prints memscan's
# report for each and a summary. Not a pass/fail test.
#
# usage: compare_softhsm.sh [BUILDDIR]   (default: the current directory)
#   GUARDHSM_MODULE  guardhsm module (default BUILDDIR/src/pkcs11/.libs/guardhsm.so)
#   SOFTHSM_MODULE   SoftHSM module (default /usr/lib/softhsm/libsofthsm2.so;
#                    apt-get install softhsm2)
#   USES             single-part uses per key (default 200)
set -eu

builddir=${1:-.}
memscan=$builddir/tests/security/memscan
guardhsm=${GUARDHSM_MODULE:-$builddir/src/pkcs11/.libs/guardhsm.so}
softhsm=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
uses=${USES:-200}

if [ ! -x "$memscan" ]; then
	echo "no $memscan: run make tests/security/memscan in $builddir" >&2
	exit 2
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT

measure() {
	name=$1 module=$2
	if [ ! -r "$module" ]; then
		echo "== $name: no module at $module (skipped)"
		return 0
	fi
	"$memscan" workload "$module" --uses "$uses" >"$out" 2>&1 || true
	cat "$out"
	sed -n 's/^memscan\[\([^]]*\)\]: \([0-9]*\) occurrence(s) unprotected, \([0-9]*\) protected (windows: \([0-9]*\) unprotected, \([0-9]*\) protected).*/\1|\2|\3|\4|\5/p' "$out" |
		while IFS='|' read -r when unprot prot wunprot wprot; do
			printf '%-9s %-26s %6s %6s   %6s %6s\n' "$name" "$when" \
				"$unprot" "$prot" "$wunprot" "$wprot"
		done >>"$summary"
}

summary=$(mktemp)
trap 'rm -f "$out" "$summary"' EXIT
measure guardhsm "$guardhsm"
echo
measure softhsm "$softhsm"
echo
echo "== summary: occurrences of key material (windows in parentheses)"
printf '%-9s %-26s %6s %6s   %6s %6s\n' module scan unprot prot \
	"(unpr" "prot)"
cat "$summary"
