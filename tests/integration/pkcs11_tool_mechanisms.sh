#!/bin/sh
# The module's mechanisms through OpenSC's pkcs11-tool, every result
# checked by openssl: --keypairgen (EC:prime256v1, EC:secp384r1,
# EC:edwards25519), --sign / --verify with ECDSA (a SHA-256 digest made by
# openssl), ECDSA-SHA256, ECDSA-SHA384 and EDDSA, the public keys exported
# (--read-object --type pubkey) and every signature verified by openssl;
# an openssl signature verified by the token; --derive -m ECDH1-DERIVE
# with an openssl peer compared with `openssl pkeyutl -derive`; --hash
# compared with `openssl dgst`; and `pkcs11-tool --test`.
#
# The module is $GUARDHSM_MODULE, else src/pkcs11/.libs/guardhsm.so under
# the build directory (see pkcs11_tool_lib.sh). Exits 77 (skipped) if
# pkcs11-tool or openssl is not installed.
set -u

tool_test_name=toolmech
tool_fail_on_signal=1
. "$(dirname "$0")/pkcs11_tool_lib.sh"

# ossl ARGS...: openssl, printed and shown.
ossl() {
	echo "+ openssl $*"
	openssl "$@" > "$out" 2>&1
	status=$?
	sed 's/^/    /' "$out"
	return $status
}

ossl_ok() {
	what=$1
	shift
	ossl "$@" || fail "$what: openssl exited with $status"
}

# same FILE1 FILE2 DESCRIPTION
same() {
	if cmp "$1" "$2" >/dev/null 2>&1; then
		echo "    $3: identical"
	else
		fail "$3: $1 and $2 differ"
	fi
}

login="--login --pin $USER_PIN"

echo "== module $module, store $work/store"
expect_ok "init token" --init-token --slot-index 0 --label mechanisms \
	--so-pin "$SO_PIN"
expect_ok "init PIN" --init-pin --slot-index 0 --login --so-pin "$SO_PIN" \
	--pin "$USER_PIN"

expect_ok "list mechanisms" --list-mechanisms
for m in ECDSA ECDSA-SHA256 EDDSA ECDH1-DERIVE SHA256 SHA3-256 \
	SHA256-HMAC ECDSA-KEY-PAIR-GEN EC-EDWARDS-KEY-PAIR-GEN; do
	has "$m" "mechanism list"
done

# ---- Key pairs ---------------------------------------------------------
expect_ok "keypairgen P-256" $login --keypairgen --key-type EC:prime256v1 \
	--id 01 --label p256
has "Public Key Object; EC +EC_POINT 256 bits" "P-256 public key"
has "EC_PARAMS: +06082a8648ce3d030107" "P-256 OID"
has "EC_POINT: +044104" "P-256 point (DER OCTET STRING, uncompressed)"
has "always sensitive, never extractable, local" "P-256 private key"

expect_ok "keypairgen P-384" $login --keypairgen --key-type EC:secp384r1 \
	--id 02 --label p384
has "EC_POINT 384 bits" "P-384 public key"
has "EC_PARAMS: +06052b81040022" "P-384 OID"
has "EC_POINT: +046104" "P-384 point"

expect_ok "keypairgen Ed25519" $login --keypairgen \
	--key-type EC:edwards25519 --id 03 --label ed25519
has "Public Key Object; EC_EDWARDS" "Ed25519 public key"
has "EC_POINT: +0420" "Ed25519 point"
has "always sensitive, never extractable, local" "Ed25519 private key"

expect_ok "list objects" $login --list-objects
has "label: +p384" "P-384 key listed"

# ---- Public keys, exported ---------------------------------------------
expect_ok "export P-256" --read-object --type pubkey --id 01 \
	--output-file "$work/p256.der"
ossl_ok "P-256 export parses" pkey -pubin -inform DER -in "$work/p256.der" \
	-noout -text
has "NIST CURVE: P-256|prime256v1" "P-256 export"

expect_ok "export Ed25519" --read-object --type pubkey --id 03 \
	--output-file "$work/ed25519.pem"
ossl_ok "Ed25519 export parses" pkey -pubin -in "$work/ed25519.pem" \
	-noout -text
has "ED25519 Public-Key" "Ed25519 export"

# OpenSC 0.23 cannot export P-384 public keys ("cannot create EVP_PKEY",
# with SoftHSM too): the SubjectPublicKeyInfo is built here from the
# CKA_EC_POINT that --list-objects prints (04 61 || 04 X Y).
expect_ok "list P-384 point" --list-objects --type pubkey
point384=$(awk '$1 == "EC_POINT:" && $2 ~ /^046104/ { print substr($2, 5) }' \
	"$out")
cat > "$work/p384.cnf" <<EOF
asn1=SEQUENCE:spki
[spki]
alg=SEQUENCE:alg
key=FORMAT:HEX,BITSTRING:$point384
[alg]
oid=OID:id-ecPublicKey
curve=OID:secp384r1
EOF
ossl_ok "P-384 SubjectPublicKeyInfo" asn1parse -genconf "$work/p384.cnf" \
	-out "$work/p384.der" -noout
ossl_ok "P-384 key parses" pkey -pubin -inform DER -in "$work/p384.der" \
	-noout -text
has "NIST CURVE: P-384|secp384r1" "P-384 key"

# ---- Signatures ------------------------------------------------------------
printf 'a message signed by guardhsm through pkcs11-tool\n' > "$work/msg"
head -c 3000 /dev/urandom > "$work/big"
openssl dgst -sha256 -binary "$work/msg" > "$work/msg.sha256"

# ECDSA over a digest openssl made.
expect_ok "sign ECDSA" $login --sign -m ECDSA --id 01 \
	--input-file "$work/msg.sha256" --output-file "$work/ecdsa.sig" \
	--signature-format openssl
expect_ok "verify ECDSA" --verify -m ECDSA --id 01 \
	--input-file "$work/msg.sha256" --signature-file "$work/ecdsa.sig" \
	--signature-format openssl
has "Signature is valid" "verify ECDSA"
ossl_ok "openssl verifies ECDSA" dgst -sha256 -verify "$work/p256.der" \
	-keyform DER -signature "$work/ecdsa.sig" "$work/msg"
has "Verified OK" "openssl ECDSA"

for input in msg big; do
	expect_ok "sign ECDSA-SHA256 ($input)" $login --sign -m ECDSA-SHA256 \
		--id 01 --input-file "$work/$input" \
		--output-file "$work/$input.p256.sig" --signature-format openssl
	expect_ok "verify ECDSA-SHA256 ($input)" --verify -m ECDSA-SHA256 \
		--id 01 --input-file "$work/$input" \
		--signature-file "$work/$input.p256.sig" \
		--signature-format openssl
	has "Signature is valid" "verify ECDSA-SHA256"
	ossl_ok "openssl verifies ECDSA-SHA256 ($input)" dgst -sha256 \
		-verify "$work/p256.der" -keyform DER \
		-signature "$work/$input.p256.sig" "$work/$input"
	has "Verified OK" "openssl ECDSA-SHA256"

	expect_ok "sign ECDSA-SHA384 with P-384 ($input)" $login --sign \
		-m ECDSA-SHA384 --id 02 --input-file "$work/$input" \
		--output-file "$work/$input.p384.sig" --signature-format openssl
	expect_ok "verify ECDSA-SHA384 ($input)" --verify -m ECDSA-SHA384 \
		--id 02 --input-file "$work/$input" \
		--signature-file "$work/$input.p384.sig" \
		--signature-format openssl
	has "Signature is valid" "verify ECDSA-SHA384"
	ossl_ok "openssl verifies ECDSA-SHA384 ($input)" dgst -sha384 \
		-verify "$work/p384.der" -keyform DER \
		-signature "$work/$input.p384.sig" "$work/$input"
	has "Verified OK" "openssl ECDSA-SHA384"

	expect_ok "sign EDDSA ($input)" $login --sign -m EDDSA --id 03 \
		--input-file "$work/$input" --output-file "$work/$input.ed.sig"
	size=$(wc -c < "$work/$input.ed.sig")
	[ "$size" -eq 64 ] || fail "EDDSA signature of $size bytes, not 64"
	expect_ok "verify EDDSA ($input)" --verify -m EDDSA --id 03 \
		--input-file "$work/$input" --signature-file "$work/$input.ed.sig"
	has "Signature is valid" "verify EDDSA"
	ossl_ok "openssl verifies EDDSA ($input)" pkeyutl -verify -pubin \
		-inkey "$work/ed25519.pem" -rawin -in "$work/$input" \
		-sigfile "$work/$input.ed.sig"
	has "Signature Verified Successfully" "openssl EDDSA"
done

# Tampered: the token and openssl both refuse. (pkcs11-tool 0.23 prints
# "Invalid signature" for CKR_SIGNATURE_INVALID but exits with 0.)
printf 'a message signed by guardhsm through pkcs11-tool!\n' > "$work/other"
run --verify -m ECDSA-SHA256 --id 01 --input-file "$work/other" \
	--signature-file "$work/msg.p256.sig" --signature-format openssl
has "CKR_SIGNATURE_INVALID|[Ii]nvalid signature" "tampered ECDSA"
lacks "Signature is valid" "tampered ECDSA"
run --verify -m EDDSA --id 03 --input-file "$work/other" \
	--signature-file "$work/msg.ed.sig"
has "CKR_SIGNATURE_INVALID|[Ii]nvalid signature" "tampered EDDSA"
lacks "Signature is valid" "tampered EDDSA"
if openssl pkeyutl -verify -pubin -inkey "$work/ed25519.pem" -rawin \
	-in "$work/other" -sigfile "$work/msg.ed.sig" >/dev/null 2>&1; then
	fail "openssl accepts an EDDSA signature of another message"
fi

# An openssl signature, verified by the token with the imported public key.
ossl_ok "openssl P-256 key" genpkey -algorithm EC \
	-pkeyopt ec_paramgen_curve:prime256v1 -out "$work/ossl.pem"
ossl_ok "its public key" pkey -in "$work/ossl.pem" -pubout -outform DER \
	-out "$work/ossl.der"
ossl_ok "openssl signs" dgst -sha256 -sign "$work/ossl.pem" \
	-out "$work/ossl.sig" "$work/msg"
expect_ok "import the openssl public key" $login --write-object \
	"$work/ossl.der" --type pubkey --id 10 --label openssl-key
expect_ok "token verifies openssl's ECDSA-SHA256" --verify -m ECDSA-SHA256 \
	--id 10 --input-file "$work/msg" --signature-file "$work/ossl.sig" \
	--signature-format openssl
has "Signature is valid" "openssl signature on the token"

# ---- ECDH ------------------------------------------------------------------
ossl_ok "openssl peer" genpkey -algorithm EC \
	-pkeyopt ec_paramgen_curve:prime256v1 -out "$work/peer.pem"
ossl_ok "peer public key" pkey -in "$work/peer.pem" -pubout -outform DER \
	-out "$work/peer.der"
expect_ok "derive ECDH1" $login --derive -m ECDH1-DERIVE --id 01 \
	--input-file "$work/peer.der" --output-file "$work/ecdh.token"
ossl_ok "openssl derive" pkeyutl -derive -inkey "$work/peer.pem" \
	-peerkey "$work/p256.der" -peerform DER -out "$work/ecdh.openssl"
size=$(wc -c < "$work/ecdh.token" 2>/dev/null || echo 0)
[ "$size" -eq 32 ] || fail "ECDH secret of $size bytes, not 32"
same "$work/ecdh.token" "$work/ecdh.openssl" "ECDH1 P-256 secret"

# ---- Digests ---------------------------------------------------------------
for pair in SHA-1:sha1 SHA224:sha224 SHA256:sha256 SHA384:sha384 \
	SHA512:sha512 SHA3-256:sha3-256 SHA3-384:sha3-384 SHA3-512:sha3-512; do
	mechanism=${pair%%:*}
	name=${pair#*:}
	for input in msg big; do
		expect_ok "hash $mechanism" --hash -m "$mechanism" \
			--input-file "$work/$input" \
			--output-file "$work/$input.$name.token"
		openssl dgst -"$name" -binary "$work/$input" \
			> "$work/$input.$name.openssl"
		same "$work/$input.$name.token" "$work/$input.$name.openssl" \
			"$mechanism of $input"
	done
done

# ---- pkcs11-tool --test ----------------------------------------------------
# OpenSC 0.23's self-test: random, digests (and the HMACs of those it
# knows), signatures and decryption with RSA keys only (ours are EC and
# are skipped: "non-RSA, skipping"). It must finish without errors.
expect_ok "pkcs11-tool --test" --test $login
has "No errors" "--test"
has "digest functions seem to work" "--test digests"
has "SHA256: OK" "--test SHA256"
lacks "ERR:|[Ff]ailed|error:|Segmentation" "--test"

if grep -E ": error: " "$work/guardhsm.log"; then
	fail "the module logged errors"
fi

if [ $failures -ne 0 ]; then
	echo "FAILED: $failures check(s)"
	exit 1
fi
echo "PASS: pkcs11-tool's mechanisms agree with openssl"
exit 0
