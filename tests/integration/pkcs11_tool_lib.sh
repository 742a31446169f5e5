# shellcheck shell=bash
# Shared by the pkcs11-tool tests (source it): skips (exit 77) without
# pkcs11-tool or openssl, finds the module ($GUARDHSM_MODULE, else the
# build directory, which is the working directory of `make check`;
# $abs_top_builddir wins if set), makes a fresh store and config in a
# temporary directory, preloads the ASan runtime for sanitizer builds, and
# defines run / expect_ok / expect_fail / has / lacks, counting failures.
# Before sourcing, a script may set tool_test_name (the temporary
# directory's name) and tool_fail_on_signal (a pkcs11-tool killed by a
# signal counts as a failure even where a failure was expected). Later,
# tool_runner may name a command that runs pkcs11-tool (say, setpriv
# with another user).

if ! command -v pkcs11-tool >/dev/null 2>&1; then
	echo "SKIP: pkcs11-tool is not installed (apt-get install opensc)"
	exit 77
fi
if ! command -v openssl >/dev/null 2>&1; then
	echo "SKIP: openssl is not installed (apt-get install openssl)"
	exit 77
fi

builddir=${abs_top_builddir:-$(pwd)}
module=${GUARDHSM_MODULE:-$builddir/src/pkcs11/.libs/guardhsm.so}
if [ ! -f "$module" ]; then
	echo "FAIL: no module at $module (build it, or set GUARDHSM_MODULE)"
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/guardhsm-${tool_test_name:-tool}-XXXXXX") || exit 1
cleanup() {
	if [ -n "${GUARDHSM_TEST_KEEP:-}" ]; then
		echo "kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

cat > "$work/guardhsm.conf" <<EOF
store_path = $work/store
pin_tries = 3
log_file = $work/guardhsm.log
log_level = info
EOF
GUARDHSM_CONF=$work/guardhsm.conf
export GUARDHSM_CONF

SO_PIN=so-pin-1234
USER_PIN=user-pin-1234
failures=0
out=$work/output

# A module built with --enable-sanitizers needs the ASan runtime loaded
# first into the (uninstrumented) pkcs11-tool; pkcs11-tool's own leaks
# are not ours to report.
preload=${LD_PRELOAD:-}
asan_options=${ASAN_OPTIONS:-}
asan_runtime=$(ldd "$module" 2>/dev/null | awk '/libasan/ { print $3; exit }')
if [ -n "$asan_runtime" ]; then
	echo "== sanitizer build: preloading $asan_runtime"
	preload="$asan_runtime${preload:+ $preload}"
	# Last wins. pkcs11-tool is not instrumented and its own bugs are not
	# ours to report: it leaks, and OpenSC 0.23 reads freed memory when it
	# exports an EC public key (SoftHSM shows the same), so reports must
	# not stop it. The module's own ASan coverage comes from the C
	# integration tests, which run with the full options.
	asan_options="${asan_options:+$asan_options:}detect_leaks=0:halt_on_error=0"
fi

# run ARGS...: pkcs11-tool with the module; output in $out, shown.
run() {
	echo "+ pkcs11-tool --module $module $*"
	# shellcheck disable=SC2086
	LD_PRELOAD=$preload ASAN_OPTIONS=$asan_options ${tool_runner:-} \
		pkcs11-tool --module "$module" "$@" > "$out" 2>&1
	status=$?
	sed 's/^/    /' "$out"
	if [ -n "${tool_fail_on_signal:-}" ] && [ $status -gt 128 ]; then
		fail "pkcs11-tool died of signal $((status - 128))"
	fi
	return $status
}

# flip_byte FILE OFFSET: flips the lowest bit of one byte in place (a
# changed byte for sure, unlike writing a fixed value there).
flip_byte() {
	flip_value=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
	[ -n "$flip_value" ] || fail "flip_byte: $1 has no byte $2"
	printf "\\$(printf '%03o' $((flip_value ^ 1)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# expect_ok DESCRIPTION ARGS...
expect_ok() {
	what=$1
	shift
	run "$@" || fail "$what: pkcs11-tool exited with $status"
}

# expect_fail DESCRIPTION ARGS...
expect_fail() {
	what=$1
	shift
	if run "$@"; then
		fail "$what: pkcs11-tool succeeded"
	fi
}

# has PATTERN DESCRIPTION: the last output matches the extended regex.
has() {
	grep -Eq -- "$1" "$out" || fail "$2: no '$1' in the output"
}

# lacks PATTERN DESCRIPTION
lacks() {
	if grep -Eq -- "$1" "$out"; then
		fail "$2: unexpected '$1' in the output"
	fi
}

