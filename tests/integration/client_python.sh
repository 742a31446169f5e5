#!/bin/sh
# Python with PyKCS11 (python3-pykcs11) against the module:
# client_pykcs11.py opens a session, logs in, generates P-256 and Ed25519
# key pairs, signs, verifies through the module and again with
# python3-cryptography (see that file). Here, outside Python, pkcs11-tool
# lists the keys it made and exports the P-256 public key, and openssl
# verifies the P-256 signature with it.
#
# The interpreter is $PYTHON, else /usr/bin/python3 (where Debian's
# python3-* packages are), else python3. The module is found as in
# pkcs11_tool_lib.sh. A missing client fails the test (CI installs them).
set -u

tool_test_name=python
. "$(dirname "$0")/clients_lib.sh"
python=${PYTHON:-/usr/bin/python3}
[ -x "$python" ] || python=python3
require "$python" python3
if ! "$python" -c 'import PyKCS11' 2>/dev/null; then
	echo "FAIL: $python cannot import PyKCS11 (apt-get install python3-pykcs11)"
	exit 1
fi
if ! "$python" -c 'import cryptography' 2>/dev/null; then
	note "$python cannot import cryptography (python3-cryptography):" \
		"openssl alone checks the signature"
fi
echo "== module $module, store $work/store, $("$python" --version)"

# PyKCS11's extension is C++: with the sanitizer runtime preloaded first,
# its __cxa_throw interceptor needs libstdc++ loaded at start-up too.
if [ -n "$asan_runtime" ]; then
	extension=$("$python" -c 'import glob, os, PyKCS11
print(glob.glob(os.path.join(os.path.dirname(PyKCS11.__file__), "_LowLevel*.so"))[0])')
	libstdcxx=$(ldd "$extension" | awk '/libstdc\+\+/ { print $3; exit }')
	[ -n "$libstdcxx" ] && preload="$preload $libstdcxx"
fi

make_token python
step "client_pykcs11.py" "$python" "$(dirname "$0")/client_pykcs11.py" \
	"$module" python "$USER_PIN" "$work"
has "logged in to python" "PyKCS11 login"
has "generated P-256 key pair" "PyKCS11 keygen"
grep "^SKIP " "$out"

expect_ok "list the keys PyKCS11 made" --token-label python --login \
	--pin "$USER_PIN" --list-objects --type privkey
has "label: +python-p256" "P-256 key in the token"
has "label: +python-ed25519" "Ed25519 key in the token"
has "sensitive, always sensitive, never extractable, local" \
	"generated in the token"

export_pubkey python 50 "$work/p256.pem"
step "openssl verifies the PyKCS11 signature" openssl dgst -sha256 \
	-verify "$work/p256.pem" -signature "$work/p256.sig" \
	"$work/message.bin"
has "Verified OK" "openssl"
printf 'another message\n' > "$work/other.bin"
step_fails "openssl rejects it on another message" openssl dgst -sha256 \
	-verify "$work/p256.pem" -signature "$work/p256.sig" "$work/other.bin"

finish "PyKCS11 works with the module"
