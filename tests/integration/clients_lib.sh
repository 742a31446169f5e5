# shellcheck shell=sh
# Shared by the tests that drive the module with real clients (OpenSSL's
# engine, NSS, OpenSSH, GnuTLS, PyKCS11, p11-kit). Source it after setting
# tool_test_name. It builds on pkcs11_tool_lib.sh (the module, a fresh
# store and config in a temporary directory, the ASan preload, run /
# expect_ok / fail / has / lacks) and adds:
#
#   require TOOL PACKAGE        a missing client is a failure (exit 1), not
#                               a skip: CI installs them all (GH_DEPS)
#   step DESC CMD...            run any command (with the module's preload),
#                               printed, output in $out and shown; a
#                               non-zero exit counts as a failure
#   step_fails DESC CMD...      the command must fail
#   note / skip MESSAGE         NOTE: / SKIP ... lines for the log
#   make_token LABEL            initialise the first empty slot's token and
#                               its user PIN ($SO_PIN, $USER_PIN)
#   export_pubkey LABEL ID PEM  the public key, read by pkcs11-tool and
#                               converted by openssl (an independent copy)
#   has_mechanism NAME          the module lists NAME (pkcs11-tool -M)
#   has_rsa                     RSA key generation, else a failure
#   free_port                   a free TCP port on 127.0.0.1
#   background PIDFILE CMD...   start a process that the EXIT trap stops
#   wait_for DESC SECONDS CMD...  poll until CMD succeeds
#   sshd_start DIR KEYS         an sshd on 127.0.0.1:$sshd_port that accepts
#                               the public keys in the file KEYS
#   finish NAME                 check the module's log, print the verdict,
#                               exit 0 or 1

# require TOOL PACKAGE
require() {
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "FAIL: $1 is not installed (apt-get install $2; it is in" \
			"GH_DEPS of scripts/deps.sh)"
		exit 1
	fi
}

require pkcs11-tool opensc
require openssl openssl
. "$(dirname "$0")/pkcs11_tool_lib.sh"

# Processes started by the test, stopped on any exit: SIGTERM, and
# SIGKILL for one still there after 5 s (with libasan preloaded, some
# programs hang in their exit handlers).
background_pids=""
clients_cleanup() {
	for pid in $background_pids; do
		kill "$pid" 2>/dev/null
	done
	for pid in $background_pids; do
		tries=50
		while [ $tries -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
			sleep 0.1
			tries=$((tries - 1))
		done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	cleanup
}
trap clients_cleanup EXIT
trap 'exit 1' INT TERM HUP

# with_module CMD...: CMD with the sanitizer runtime preloaded when the
# module needs it (a no-op otherwise), through $tool_runner if set.
with_module() {
	# shellcheck disable=SC2086
	env LD_PRELOAD="$preload" ASAN_OPTIONS="$asan_options" ${tool_runner:-} \
		"$@"
}

step() {
	what=$1
	shift
	echo "+ $*"
	with_module "$@" > "$out" 2>&1
	status=$?
	sed 's/^/    /' "$out"
	[ $status -eq 0 ] || fail "$what: exited with $status"
	return $status
}

step_fails() {
	what=$1
	shift
	echo "+ $* (must fail)"
	with_module "$@" > "$out" 2>&1
	status=$?
	sed 's/^/    /' "$out"
	if [ $status -eq 0 ]; then
		fail "$what: succeeded"
		return 1
	fi
	if [ $status -gt 128 ] && [ $status -le 192 ]; then
		fail "$what: died of signal $((status - 128))"
		return 1
	fi
	return 0
}

note() {
	echo "NOTE: $*"
}

skip() {
	echo "SKIP $*"
}

# make_token LABEL: the token in the first uninitialised slot.
make_token() {
	run --list-slots > /dev/null
	index=$(awk '/^Slot [0-9]+/ { slot = $2 }
		/token state: +uninitiali[sz]ed/ { print slot; exit }' "$out")
	if [ -z "$index" ]; then
		fail "make_token $1: no empty slot"
		return 1
	fi
	expect_ok "init token $1" --init-token --slot-index "$index" \
		--label "$1" --so-pin "$SO_PIN"
	expect_ok "init PIN $1" --token-label "$1" --init-pin --login \
		--login-type so --so-pin "$SO_PIN" --pin "$USER_PIN"
}

# export_pubkey LABEL ID PEM (pkcs11-tool 0.23 writes EC keys as DER,
# Ed25519 keys as PEM).
export_pubkey() {
	expect_ok "export public key $2" --token-label "$1" --read-object \
		--type pubkey --id "$2" --output-file "$3.export"
	format=DER
	grep -q "^-----BEGIN" "$3.export" 2>/dev/null && format=PEM
	openssl pkey -pubin -inform $format -in "$3.export" -out "$3" ||
		fail "openssl cannot read the public key $2 of $1"
}

has_mechanism() {
	if [ ! -s "$work/mechanisms" ]; then
		with_module pkcs11-tool --module "$module" --list-mechanisms \
			> "$work/mechanisms" 2>&1 ||
			fail "pkcs11-tool --list-mechanisms failed"
	fi
	grep -q "^ *$1," "$work/mechanisms"
}

# The RSA checks: the module must list RSA key generation (a module
# without it fails the test rather than skipping its RSA half).
has_rsa() {
	if has_mechanism RSA-PKCS-KEY-PAIR-GEN; then
		return 0
	fi
	fail "rsa: module has no CKM_RSA_PKCS_KEY_PAIR_GEN"
	return 1
}

free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# background PIDFILE CMD...: output goes to PIDFILE.log. The subshell
# execs the command, so that $! is the command's own process.
background() {
	pidfile=$1
	shift
	echo "+ $* &"
	# Emptied here, not only by the child's redirection, which runs
	# after fork: a wait_for on the log must not see a previous run's.
	: > "$pidfile.log"
	# shellcheck disable=SC2086
	(exec env LD_PRELOAD="$preload" ASAN_OPTIONS="$asan_options" \
		${tool_runner:-} "$@") > "$pidfile.log" 2>&1 &
	echo $! > "$pidfile"
	background_pids="$background_pids $!"
}

# wait_for DESC SECONDS CMD...: polls every 0.1 s; a bound, not a timing.
wait_for() {
	what=$1
	tries=$(($2 * 10))
	shift 2
	while [ $tries -gt 0 ]; do
		"$@" > /dev/null 2>&1 && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	fail "$what: still not there"
	return 1
}

# sshd_start DIR KEYS: sshd (absolute path, as it requires) with its own
# host key and config in DIR, key login only, for the current user.
sshd_start() {
	sshd_dir=$1
	sshd_bin=$(command -v sshd || echo /usr/sbin/sshd)
	mkdir -p "$sshd_dir"
	# The privilege separation directory, which only root can make.
	if [ ! -d /run/sshd ]; then
		mkdir -p /run/sshd && chmod 755 /run/sshd
	fi
	ssh-keygen -q -t ed25519 -N '' -C sshd-host -f "$sshd_dir/host_key" ||
		fail "ssh-keygen could not make a host key"
	sshd_port=$(free_port)
	cat > "$sshd_dir/sshd_config" <<EOF
Port $sshd_port
ListenAddress 127.0.0.1
HostKey $sshd_dir/host_key
PidFile $sshd_dir/sshd.pid
AuthorizedKeysFile $2
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
StreamLocalBindUnlink yes
LogLevel VERBOSE
EOF
	# sshd does not load the module: no preload.
	echo "+ $sshd_bin -D -e -f $sshd_dir/sshd_config &"
	"$sshd_bin" -D -e -f "$sshd_dir/sshd_config" > "$sshd_dir/log" 2>&1 &
	background_pids="$background_pids $!"
	wait_for "sshd listening" 10 grep -q "Server listening" "$sshd_dir/log"
}

# finish NAME
finish() {
	# The module logged nothing alarming.
	if grep -E ": error: " "$work/guardhsm.log"; then
		fail "the module logged errors"
	fi
	if [ $failures -ne 0 ]; then
		echo "FAILED: $failures check(s)"
		exit 1
	fi
	echo "PASS: $1"
	exit 0
}
