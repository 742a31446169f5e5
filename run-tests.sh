#!/usr/bin/env bash
# Builds guardhsm and runs every test:
#   0. the sources follow .clang-format;
#   1. build/ with -Werror, `make check` (CMocka unit tests);
#   2. build-sanitize/ with ASan+UBSan, `make check` there;
#   3. the unit tests of build/ under valgrind memcheck.
# Any failure fails the run after printing the failing test's log. The last
# line is always `unit: N passed, M failed` for CI's log reader.
#
# Environment toggles (all off by default):
#   RUN_TESTS_SKIP_SANITIZE=1   skip phase 2
#   RUN_TESTS_SKIP_VALGRIND=1   skip phase 3
#   RUN_TESTS_DISTCHECK=1       also run `make -C build distcheck`
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/deps.sh
. scripts/deps.sh

RUN_TESTS_SKIP_SANITIZE=${RUN_TESTS_SKIP_SANITIZE:-0}
RUN_TESTS_SKIP_VALGRIND=${RUN_TESTS_SKIP_VALGRIND:-0}
RUN_TESTS_DISTCHECK=${RUN_TESTS_DISTCHECK:-0}

PHASE_REPORT=()

now() {
	date +%s.%N
}

# run_phase NAME FUNCTION: runs it, records its duration and result; a
# failure ends the script (the EXIT trap still prints the summary).
run_phase() {
	local name=$1 function=$2 start status=ok
	start=$(now)
	gh_say "Phase: $name"
	if ! "$function"; then
		status=FAILED
	fi
	PHASE_REPORT+=("$(printf '%-34s %-7s %6.1f s' "$name" "$status" \
		"$(awk -v a="$start" -v b="$(now)" 'BEGIN { print b - a }')")")
	if [ "$status" != ok ]; then
		echo "Phase '$name' failed." >&2
		exit 1
	fi
}

skip_phase() {
	PHASE_REPORT+=("$(printf '%-34s %-7s' "$1" skipped)")
}

# Prints the log of every failed test in a build directory, or the test
# suite log when no single test is to blame (a test that did not build).
print_failed_logs() {
	local dir=$1 trs log printed=0
	while IFS= read -r trs; do
		if grep -Eq '^:test-result: (FAIL|ERROR|XPASS)' "$trs"; then
			log=${trs%.trs}.log
			echo
			echo "---------- $log ----------"
			cat "$log" 2>/dev/null || echo "(no log)"
			echo "---------- end of $log ----------"
			printed=1
		fi
	done < <(find "$dir/tests" -name '*.trs' 2>/dev/null | sort)
	if [ $printed -eq 0 ] && [ -f "$dir/test-suite.log" ]; then
		cat "$dir/test-suite.log"
	fi
}

# The unit-test programs of build/, as paths relative to build/.
check_programs() {
	local list
	if list=$(make -s --no-print-directory -C build print-check-programs \
		2>/dev/null) && [ -n "$list" ]; then
		printf '%s\n' "$list"
	else
		(cd build && find tests -type f -perm -u+x -name 'test_*' | sort)
	fi
}

phase_check() {
	gh_build build --enable-werror || return 1
	gh_say "make check in build/"
	if ! make -C build -j2 check; then
		print_failed_logs build
		return 1
	fi
}

phase_sanitize() {
	gh_build build-sanitize --enable-werror --enable-sanitizers || return 1
	gh_say "make check in build-sanitize/ (ASan + UBSan)"
	if ! (
		export ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:handle_abort=0:detect_leaks=1:abort_on_error=0
		export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
		make -C build-sanitize -j2 check
	); then
		print_failed_logs build-sanitize
		return 1
	fi
}

phase_valgrind() {
	local programs program log failed=0 count=0
	programs=$(check_programs)
	if [ -z "$programs" ]; then
		echo "No unit-test programs found in build/." >&2
		return 1
	fi
	mkdir -p build/valgrind-logs
	export ENC_TEST_SECRETS=20000
	for program in $programs; do
		log=build/valgrind-logs/$(basename "$program").log
		count=$((count + 1))
		printf 'valgrind %-44s ' "$program"
		# libtool --mode=execute runs the real binary, not the wrapper
		# script libtool leaves in place of a dynamically linked program.
		# The timeout keeps a hung test from eating CI's whole budget.
		if (cd build && timeout 1200 ./libtool --mode=execute valgrind \
			--error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite --track-fds=no --quiet \
			"./$program") >"$log" 2>&1; then
			echo ok
		else
			echo "FAILED (exit $?)"
			echo "---------- $log ----------"
			cat "$log"
			echo "---------- end of $log ----------"
			failed=1
		fi
	done
	echo "$count program(s) under valgrind; logs in build/valgrind-logs/."
	return $failed
}

# The C sources follow .clang-format (clang-format 14, Debian 12's).
phase_format() {
	local files
	if ! command -v clang-format >/dev/null 2>&1; then
		echo "clang-format is not installed." >&2
		return 1
	fi
	if ! files=$(git ls-files '*.c' '*.h' 2>/dev/null) || [ -z "$files" ]; then
		files=$(find src tests bench examples -name '*.[ch]' | sort)
	fi
	# shellcheck disable=SC2086
	clang-format --dry-run --Werror $files
}

phase_distcheck() {
	make -C build distcheck
}

# CMocka's summary lines of each test program of the plain run, then the
# totals. A program that crashed before CMocka's summary counts as one
# failed test, so a crash never reads as "0 failed".
print_unit_summary() {
	local trs log passed=0 failed=0 counts
	gh_say "Unit-test summary (build/)"
	while IFS= read -r trs; do
		log=${trs%.trs}.log
		[ -f "$log" ] || continue
		echo "${log#build/}:"
		if grep -Eq '^\[==========\] [0-9]+ test\(s\) run' "$log"; then
			# The lines after each "N test(s) run." banner: PASSED and
			# FAILED counts, and the names listed below a FAILED count.
			awk '/^\[==========\] [0-9]+ test\(s\) run/ { summary = 1; next }
			     summary && /^\[  (PASSED|FAILED)  \]/ { print "  " $0; next }
			     { summary = 0 }' "$log"
			counts=$(awk '
			     /^\[  PASSED  \] [0-9]+ test\(s\)/ { p += $4 }
			     /^\[  FAILED  \] [0-9]+ test\(s\)/ { f += $4 }
			     END { print p + 0, f + 0 }' "$log")
			passed=$((passed + ${counts% *}))
			failed=$((failed + ${counts#* }))
		elif grep -Eq '^:test-result: (FAIL|ERROR)' "$trs"; then
			echo "  (no CMocka summary: the program crashed; counted as 1 failed)"
			failed=$((failed + 1))
		else
			echo "  (no CMocka summary)"
		fi
	done < <(find build/tests -name '*.trs' 2>/dev/null | sort)
	if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
		echo "(no unit-test results: the tests did not run)"
	fi
	echo "unit: $passed passed, $failed failed"
}

on_exit() {
	local status=$?
	set +e
	if [ ${#PHASE_REPORT[@]} -gt 0 ]; then
		gh_say "Phases"
		printf '%s\n' "${PHASE_REPORT[@]}"
	fi
	print_unit_summary
	exit $status
}
trap on_exit EXIT

gh_say "Checking build dependencies"
gh_install_deps

run_phase "clang-format" phase_format
run_phase "make check (build/, -Werror)" phase_check

if [ "$RUN_TESTS_SKIP_SANITIZE" = 1 ]; then
	skip_phase "ASan+UBSan (build-sanitize/)"
else
	run_phase "ASan+UBSan (build-sanitize/)" phase_sanitize
fi

if [ "$RUN_TESTS_SKIP_VALGRIND" = 1 ]; then
	skip_phase "valgrind memcheck (build/)"
else
	run_phase "valgrind memcheck (build/)" phase_valgrind
fi

if [ "$RUN_TESTS_DISTCHECK" = 1 ]; then
	run_phase "make distcheck (build/)" phase_distcheck
fi

gh_say "All tests passed"
