#!/bin/sh
# OpenSC's pkcs11-tool against the module: --init-token, --init-pin,
# --change-pin (user and SO), --list-slots, --list-objects, --write-object
# (a certificate made with openssl, a public and a private data object),
# --read-object, a wrong PIN. Each command is printed before it runs; its
# output is checked with grep.
#
# The module is $GUARDHSM_MODULE, else src/pkcs11/.libs/guardhsm.so under
# the build directory, which is the working directory of `make check`
# ($abs_top_builddir, if set, wins over the working directory).
# Exits 77 (skipped) if pkcs11-tool (Debian package opensc) or openssl is
# not installed.
set -u

. "$(dirname "$0")/pkcs11_tool_lib.sh"

echo "== module $module, store $work/store"

# A fresh store: one slot, uninitialised token.
expect_ok "list slots (fresh)" --list-slots
has "Slot 0" "fresh store"
has "uninitiali[sz]ed" "fresh store"
lacks "Slot 1" "fresh store"

expect_ok "init token" --init-token --slot-index 0 --label test \
	--so-pin "$SO_PIN"
has "successfully initiali[sz]ed" "init token"

expect_ok "list slots (after init)" --list-slots
has "token label +: test" "list slots"
has "token initiali[sz]ed" "list slots"
has "Slot 1" "a new empty slot"
lacks "PIN initiali[sz]ed" "user PIN not set yet"

expect_ok "init PIN" --init-pin --slot-index 0 --login --so-pin "$SO_PIN" \
	--pin "$USER_PIN"
has "successfully initiali[sz]ed" "init PIN"

expect_ok "list token slots" --list-token-slots
has "PIN initiali[sz]ed" "user PIN set"

expect_ok "change user PIN" --slot-index 0 --change-pin --login \
	--pin "$USER_PIN" --new-pin user-pin-5678
has "successfully changed" "change PIN"
expect_fail "login with the old PIN" --slot-index 0 --login \
	--pin "$USER_PIN" --list-objects
has "CKR_PIN_INCORRECT" "old user PIN"
USER_PIN=user-pin-5678
expect_ok "login with the new PIN" --slot-index 0 --login --pin "$USER_PIN" \
	--list-objects

expect_ok "change SO PIN" --slot-index 0 --change-pin --login \
	--login-type so --so-pin "$SO_PIN" --new-pin so-pin-5678
has "successfully changed" "change SO PIN"
expect_fail "SO login with the old PIN" --slot-index 0 --init-pin --login \
	--so-pin "$SO_PIN" --pin "$USER_PIN"
has "CKR_PIN_INCORRECT" "old SO PIN"
SO_PIN=so-pin-5678
expect_ok "init PIN with the new SO PIN" --slot-index 0 --init-pin --login \
	--so-pin "$SO_PIN" --pin "$USER_PIN"

# A certificate, generated now.
echo "+ openssl req -x509 ... -outform DER -out $work/cert.der"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$work/key.pem" -out "$work/cert.der" -outform DER -days 30 \
	-subj "/CN=guardhsm pkcs11-tool test/O=guardhsm" 2>/dev/null ||
	fail "openssl could not make a certificate"
expect_ok "write certificate" --slot-index 0 --login --pin "$USER_PIN" \
	--write-object "$work/cert.der" --type cert --id 0102 --label mycert
has "Certificate Object" "write certificate"
has "CN=guardhsm pkcs11-tool test" "certificate subject"

printf 'public data\n' > "$work/data.bin"
expect_ok "write data object" --slot-index 0 --login --pin "$USER_PIN" \
	--write-object "$work/data.bin" --type data --label mydata \
	--application-label myapp
has "Data object" "write data object"
has "myapp" "application label"

printf 'private data\n' > "$work/private.bin"
expect_ok "write private data object" --slot-index 0 --login \
	--pin "$USER_PIN" --write-object "$work/private.bin" --type data \
	--label hidden --application-label myapp --private

# Without login: the certificate and the public data object only.
expect_ok "list objects (public)" --slot-index 0 --list-objects
has "label: +mycert" "certificate listed"
has "ID: +0102" "certificate id"
has "label: +'mydata'" "data object listed"
has "application: +'myapp'" "data object application"
lacks "hidden" "private object hidden before login"

expect_ok "list objects (logged in)" --slot-index 0 --login \
	--pin "$USER_PIN" --list-objects
has "label: +mycert" "certificate listed after login"
has "'hidden'" "private object listed after login"

# Read them back, byte for byte.
expect_ok "read certificate" --slot-index 0 --read-object --type cert \
	--id 0102 --output-file "$work/cert.back"
cmp "$work/cert.der" "$work/cert.back" || fail "certificate read back differs"
expect_ok "read data object" --slot-index 0 --read-object --type data \
	--label mydata --output-file "$work/data.back"
cmp "$work/data.bin" "$work/data.back" || fail "data object read back differs"

# Everything is still there in a new process (the store persisted), and
# the token is reported as such.
expect_ok "list slots (end)" --list-slots
has "token label +: test" "label kept"
has "PIN initiali[sz]ed" "user PIN kept"

# A wrong PIN: refused, counted.
expect_fail "wrong PIN" --slot-index 0 --login --pin wrong-pin-0 \
	--list-objects
has "CKR_PIN_INCORRECT" "wrong PIN"
expect_ok "list token slots (count low)" --list-token-slots
has "user PIN count low" "failure counted"

# Random bytes from the token.
expect_ok "generate random" --slot-index 0 --generate-random 32 \
	--output-file "$work/random.bin"
size=$(wc -c < "$work/random.bin")
[ "$size" -eq 32 ] || fail "generate random: $size bytes, not 32"

# The module logged nothing alarming.
if grep -E ": error: " "$work/guardhsm.log"; then
	fail "the module logged errors"
fi

if [ $failures -ne 0 ]; then
	echo "FAILED: $failures check(s)"
	exit 1
fi
echo "PASS: pkcs11-tool works with the module"
exit 0
