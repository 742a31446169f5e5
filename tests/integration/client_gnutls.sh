#!/bin/sh
# GnuTLS (gnutls-bin) with the module: `p11tool --provider guardhsm.so`
# lists the token and its objects (--list-all), its private keys after a
# login (--list-privkeys --login, PIN from GNUTLS_PIN) and none without;
# --test-sign on the ECDSA and the Ed25519 key URLs; --export-pubkey
# compared with pkcs11-tool's export; and `certtool --generate-self-signed`
# with token keys, the certificates verified by openssl. RSA (PKCS#1 v1.5
# and RSA-PSS) runs once the module lists CKM_RSA_PKCS_KEY_PAIR_GEN.
#
# The module is found as in pkcs11_tool_lib.sh. A missing client fails
# the test (CI installs them all).
set -u

tool_test_name=gnutls
. "$(dirname "$0")/clients_lib.sh"
require p11tool gnutls-bin
require certtool gnutls-bin
echo "== module $module, store $work/store"
p11tool --version | head -1

make_token gnutls
expect_ok "keypairgen P-256" --token-label gnutls --login --pin "$USER_PIN" \
	--keypairgen --key-type EC:prime256v1 --id 01 --label ec
expect_ok "keypairgen Ed25519" --token-label gnutls --login \
	--pin "$USER_PIN" --keypairgen --key-type EC:edwards25519 --id 02 \
	--label ed
export_pubkey gnutls 01 "$work/ec.pem"
export_pubkey gnutls 02 "$work/ed.pem"

token="pkcs11:token=gnutls"
GNUTLS_PIN=$USER_PIN
export GNUTLS_PIN

step "p11tool --list-tokens" p11tool --provider "$module" --list-tokens
has "Label: gnutls$" "token listed"
has "Manufacturer: guardhsm project" "token manufacturer"

step "p11tool --list-all" p11tool --provider "$module" --list-all "$token"
has "token=gnutls;id=%01;object=ec;type=public" "P-256 public key URL"
has "Type: Public key \(EC/ECDSA-SECP256R1\)" "P-256 public key"
has "object=ed;type=public" "Ed25519 public key URL"
has "Type: Public key \(EdDSA \(Ed25519\)\)" "Ed25519 public key"
lacks "type=private" "private keys hidden without login"

step "p11tool --list-privkeys --login" p11tool --provider "$module" \
	--list-privkeys --login "$token"
has "token=gnutls;id=%01;object=ec;type=private" "P-256 private key URL"
has "Type: Private key \(EC/ECDSA-SECP256R1\)" "P-256 private key"
has "Type: Private key \(EdDSA \(Ed25519\)\)" "Ed25519 private key"
has "CKA_PRIVATE; CKA_NEVER_EXTRACTABLE; CKA_SENSITIVE" "private key flags"

# --test-sign signs random data with the key, then verifies with the
# token's public key and with the parameters it read.
step "p11tool --test-sign ECDSA" p11tool --provider "$module" --test-sign \
	--login "$token;object=ec;type=private"
has "Signing using ECDSA-SHA256... ok" "ECDSA test-sign"
has "Verifying against public key in the token... ok" "ECDSA test-sign"
# GnuTLS names Ed25519 by its hash: the default SHA256 finds no algorithm.
step "p11tool --test-sign Ed25519" p11tool --provider "$module" \
	--test-sign --hash SHA512 --login "$token;object=ed;type=private"
has "Signing using EdDSA-Ed25519... ok" "Ed25519 test-sign"
has "Verifying against public key in the token... ok" "Ed25519 test-sign"

for name in ec ed; do
	step "p11tool --export-pubkey $name" p11tool --provider "$module" \
		--export-pubkey --outfile "$work/$name-gnutls.pem" \
		"$token;object=$name;type=public"
	cmp "$work/$name.pem" "$work/$name-gnutls.pem" ||
		fail "$name: GnuTLS's public key differs from pkcs11-tool's"
done

# certtool signs certificates with token keys; openssl checks them.
cat > "$work/template.cfg" <<EOF
cn = "guardhsm gnutls test"
serial = 1
expiration_days = 30
ca
cert_signing_key
EOF
# self_signed NAME URL SIGNATURE-ALGORITHM
self_signed() {
	step "certtool --generate-self-signed ($1)" certtool \
		--provider "$module" --generate-self-signed --load-privkey "$2" \
		--template "$work/template.cfg" --outfile "$work/$1-cert.pem"
	step "openssl x509 ($1)" openssl x509 -noout -text \
		-in "$work/$1-cert.pem"
	has "Signature Algorithm: $3" "$1 certificate"
	has "Subject: CN = guardhsm gnutls test" "$1 certificate"
	step "openssl verify ($1)" openssl verify -CAfile "$work/$1-cert.pem" \
		"$work/$1-cert.pem"
	has "$1-cert.pem: OK" "$1 certificate verifies"
	openssl x509 -noout -pubkey -in "$work/$1-cert.pem" \
		> "$work/$1-cert-pub.pem"
	cmp "$work/$1.pem" "$work/$1-cert-pub.pem" ||
		fail "$1: the certificate's key is not the token's key"
}
# With the sanitizer runtime preloaded, certtool (uninstrumented) hangs
# at exit in libp11-kit's destructor: glibc's locale lock is corrupt
# (SoftHSM shows the same). p11tool is not affected.
if [ -n "$asan_runtime" ]; then
	skip "certtool: hangs at exit with libasan preloaded (any module)"
else
	self_signed ec "$token;object=ec;type=private" ecdsa-with-SHA256
	self_signed ed "$token;object=ed;type=private" ED25519
fi

# ---- RSA, when the module has it -------------------------------------------
if has_rsa; then
	expect_ok "keypairgen RSA" --token-label gnutls --login \
		--pin "$USER_PIN" --keypairgen --key-type rsa:2048 --id 03 \
		--label rsa
	export_pubkey gnutls 03 "$work/rsa.pem"
	step "p11tool --test-sign RSA" p11tool --provider "$module" \
		--test-sign --login "$token;object=rsa;type=private"
	has "Signing using RSA-SHA256... ok" "RSA test-sign"
	has "Verifying against public key in the token... ok" "RSA test-sign"
	step "p11tool --test-sign RSA-PSS" p11tool --provider "$module" \
		--test-sign --sign-params RSA-PSS --login \
		"$token;object=rsa;type=private"
	has "Signing using RSA-PSS-SHA256... ok" "RSA-PSS test-sign"
	has "Verifying against public key in the token... ok" \
		"RSA-PSS test-sign"
	[ -n "$asan_runtime" ] ||
		self_signed rsa "$token;object=rsa;type=private" \
			sha256WithRSAEncryption
fi

finish "GnuTLS works with the module"
