#!/usr/bin/env bash
# Builds guardhsm and shows it working with real clients. Safe to run
# again: each step is skipped when it has nothing to do, and the demo token
# is reused if it exists.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/deps.sh
. scripts/deps.sh

gh_say "Checking build dependencies"
gh_install_deps

gh_build build

gh_say "The memory enclave (build/examples/enclave_demo)"
build/examples/enclave_demo

MODULE=$PWD/build/src/pkcs11/.libs/guardhsm.so
LABEL=guardhsm-demo
SO_PIN=demo-so-pin
PIN=demo-pin
STORE=${XDG_DATA_HOME:-$HOME/.local/share}/guardhsm
tool() {
	echo "+ pkcs11-tool $*" | sed "s|$MODULE|\$MODULE|"
	pkcs11-tool --module "$MODULE" "$@"
}

gh_say "A token in the default store ($STORE)"
if pkcs11-tool --module "$MODULE" --list-token-slots 2>/dev/null |
	grep -q "token label *: $LABEL\$"; then
	echo "Reusing the token '$LABEL'."
else
	tool --init-token --slot-index 0 --label "$LABEL" --so-pin "$SO_PIN"
	tool --token-label "$LABEL" --login --login-type so --so-pin "$SO_PIN" \
		--init-pin --pin "$PIN"
fi
# The demo's PINs are printed on purpose: this token is for trying things.
echo "Demo token '$LABEL': user PIN '$PIN', SO PIN '$SO_PIN'."

USER_LOGIN=(--token-label "$LABEL" --login --pin "$PIN")
have_key() {
	pkcs11-tool --module "$MODULE" "${USER_LOGIN[@]}" --list-objects \
		--type privkey 2>/dev/null | grep -q "label: *$1\$"
}
gh_say "Keys: ECDSA P-256 and Ed25519, generated inside the token"
have_key demo-p256 || tool "${USER_LOGIN[@]}" --keypairgen \
	--key-type EC:prime256v1 --id 01 --label demo-p256 >/dev/null
have_key demo-ed25519 || tool "${USER_LOGIN[@]}" --keypairgen \
	--key-type EC:edwards25519 --id 02 --label demo-ed25519 >/dev/null
tool "${USER_LOGIN[@]}" --list-objects --type privkey

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "guardhsm quickstart $(date)" >"$WORK/message.txt"

gh_say "Sign with the token (pkcs11-tool), verify with openssl"
tool "${USER_LOGIN[@]}" --read-object --type pubkey --id 01 \
	-o "$WORK/p256.der"
tool "${USER_LOGIN[@]}" --sign -m ECDSA-SHA256 --id 01 \
	--signature-format openssl -i "$WORK/message.txt" -o "$WORK/p256.sig"
openssl dgst -sha256 -verify "$WORK/p256.der" -keyform DER \
	-signature "$WORK/p256.sig" "$WORK/message.txt"
tool "${USER_LOGIN[@]}" --read-object --type pubkey --id 02 \
	-o "$WORK/ed25519.pem"
tool "${USER_LOGIN[@]}" --sign -m EDDSA --id 02 \
	-i "$WORK/message.txt" -o "$WORK/ed25519.sig"
openssl pkeyutl -verify -pubin -inkey "$WORK/ed25519.pem" -rawin \
	-in "$WORK/message.txt" -sigfile "$WORK/ed25519.sig"

UTIL=$PWD/build/src/tools/guardhsm-util
gh_say "SSH public key lines (guardhsm-util export --format ssh)"
# The lines to put in a server's authorized_keys. OpenSSH 9.2 itself
# (ssh -I) uses only the ECDSA key: it has no Ed25519 over PKCS#11.
GUARDHSM_PIN=$PIN "$UTIL" export --module "$MODULE" --format ssh \
	"pkcs11:token=$LABEL;object=demo-p256;type=public"
GUARDHSM_PIN=$PIN "$UTIL" export --module "$MODULE" --format ssh \
	"pkcs11:token=$LABEL;object=demo-ed25519;type=public"
if command -v ssh-keygen >/dev/null; then
	echo "+ ssh-keygen -D \$MODULE"
	ssh-keygen -D "$MODULE" 2>/dev/null || true
fi

gh_say "Done"
cat <<MSG
The module is $MODULE
(make -C build install registers it with p11-kit) and the tool is
build/src/tools/guardhsm-util. Try, for example:
  export GUARDHSM_PIN=$PIN
  build/src/tools/guardhsm-util list --token pkcs11:token=$LABEL --login
  build/src/tools/guardhsm-util generate --token pkcs11:token=$LABEL --type rsa:2048 --label demo-rsa
  build/src/tools/guardhsm-util export 'pkcs11:token=$LABEL;object=demo-p256;type=public'
  pkcs11-tool --module \$MODULE --list-mechanisms
  ssh -I \$MODULE user@host            # logs in with the ECDSA key
README.md shows each client (OpenSSL, NSS, OpenSSH, GnuTLS, Python,
p11-kit remoting). Run ./run-tests.sh for the full test suite and
'make -C build bench' for the benchmarks (guardhsm against SoftHSM and the
raw primitives). docs/SECURITY.md says what is protected and how.
MSG
