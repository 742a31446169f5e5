#!/bin/sh
# NSS (libnss3-tools) with the module: `modutil -add` registers it in a
# fresh NSS database, `certutil -K -h all` lists the token's keys,
# `certutil -S -x -h TOKEN -k ec -q nistp256` generates a key pair in the
# token through NSS and self-signs a certificate with it, and `certutil
# -S -k ID` certifies a key pkcs11-tool made. The certificates are read
# back both through NSS and with pkcs11-tool and checked by openssl
# (`openssl x509 -text`, `openssl verify` with the certificate as its own
# CA); the certified public keys are compared with the token's. RSA runs
# once the module lists CKM_RSA_PKCS_KEY_PAIR_GEN.
#
# The module is found as in pkcs11_tool_lib.sh. A missing client fails
# the test (CI installs them all).
set -u

tool_test_name=nss
. "$(dirname "$0")/clients_lib.sh"
require certutil libnss3-tools
require modutil libnss3-tools

db=sql:$work/nssdb
pinfile=$work/nss-pin.txt
echo "== module $module, NSS database $db, store $work/store"

make_token nss
expect_ok "keypairgen P-256" --token-label nss --login --pin "$USER_PIN" \
	--keypairgen --key-type EC:prime256v1 --id 01 --label p256
export_pubkey nss 01 "$work/p256.pem"

# The token's PIN, for certutil -f (NSS's own database has no password).
printf '%s\n' "$USER_PIN" > "$pinfile"
head -c 64 /dev/urandom > "$work/noise.bin"

mkdir "$work/nssdb"
step "new NSS database" certutil -N -d "$db" --empty-password
step "modutil -add" modutil -dbdir "$db" -add guardhsm -libfile "$module" \
	-force
has 'Module "guardhsm" added to database' "modutil -add"
step "modutil -list" modutil -dbdir "$db" -list guardhsm
has "Token Name: nss " "modutil sees the token"

step "certutil -K" certutil -d "$db" -K -h all -f "$pinfile"
has "Checking token \"nss\"" "certutil -K"
has "ec +01 +p256" "certutil -K lists the P-256 key"

# ---- Key generation through NSS, a self-signed certificate ------------------
step "certutil -S (key generated in the token)" certutil -S -d "$db" \
	-f "$pinfile" -z "$work/noise.bin" -s "CN=guardhsm nss test" \
	-n nsscert -x -t "CT,," -h nss -k ec -q nistp256 -Z SHA256 -v 12
step "certutil -K (after -S)" certutil -d "$db" -K -h nss -f "$pinfile"
has "ec +[0-9a-f]+ +nss:nsscert" "the new key is in the token"

# The token itself, without NSS: a second key pair, sensitive and never
# extractable, and the certificate.
expect_ok "list objects" --token-label nss --login --pin "$USER_PIN" \
	--list-objects
has "label: +nsscert" "certificate in the token"
has "subject: +DN: CN=guardhsm nss test" "certificate subject"
keys=$(grep -c "^Private Key Object; EC" "$out")
[ "$keys" -eq 2 ] || fail "$keys private EC keys in the token, not 2"
if grep -A4 "^Private Key Object" "$out" | grep "Access:" |
	grep -qv "sensitive, always sensitive, never extractable, local"; then
	fail "a private key is not sensitive and never extractable"
fi
cert_id=$(awk '/^Certificate Object/ { c = 1 }
	c && /^ +ID:/ { print $2; exit }' "$out")

step "certutil -L (export)" certutil -d "$db" -L -n nss:nsscert -a -h nss \
	-f "$pinfile"
cp "$out" "$work/nsscert.pem"
expect_ok "read the certificate" --token-label nss --read-object \
	--type cert --label nsscert --output-file "$work/nsscert.der"
openssl x509 -in "$work/nsscert.pem" -outform DER |
	cmp - "$work/nsscert.der" ||
	fail "NSS's and pkcs11-tool's copies of the certificate differ"

step "certificate text" openssl x509 -noout -text -in "$work/nsscert.der" \
	-inform DER
has "Signature Algorithm: ecdsa-with-SHA256" "NSS certificate"
has "Subject: CN = guardhsm nss test" "NSS certificate"
has "NIST CURVE: P-256" "NSS certificate key"
step "certificate verifies" openssl verify -CAfile "$work/nsscert.pem" \
	"$work/nsscert.pem"
has "nsscert.pem: OK" "openssl verify"
if [ -n "$cert_id" ]; then
	export_pubkey nss "$cert_id" "$work/nss-key.pem"
	openssl x509 -noout -pubkey -in "$work/nsscert.pem" \
		> "$work/nsscert-pub.pem"
	cmp "$work/nss-key.pem" "$work/nsscert-pub.pem" ||
		fail "the certificate's key is not the token's key"
else
	fail "no ID on the certificate object"
fi

# ---- A certificate for a key pkcs11-tool made (certutil -k ID) ----------------
step "certutil -S -k 01 (existing key)" certutil -S -d "$db" -f "$pinfile" \
	-z "$work/noise.bin" -s "CN=guardhsm nss existing key" -n p256cert -x \
	-t "CT,," -h nss -k 01 -Z SHA256 -v 12
step "certutil -L p256cert" certutil -d "$db" -L -n nss:p256cert -a -h nss \
	-f "$pinfile"
cp "$out" "$work/p256cert.pem"
step "existing-key certificate verifies" openssl verify \
	-CAfile "$work/p256cert.pem" "$work/p256cert.pem"
has "p256cert.pem: OK" "openssl verify"
openssl x509 -noout -pubkey -in "$work/p256cert.pem" > "$work/p256cert-pub.pem"
cmp "$work/p256.pem" "$work/p256cert-pub.pem" ||
	fail "certutil -k 01 certified another key"

# ---- RSA, when the module has it -------------------------------------------
if has_rsa; then
	step "certutil -S RSA" certutil -S -d "$db" -f "$pinfile" \
		-z "$work/noise.bin" -s "CN=guardhsm nss RSA test" -n rsacert -x \
		-t "CT,," -h nss -k rsa -g 2048 -Z SHA256 -v 12
	step "certutil -L rsacert" certutil -d "$db" -L -n nss:rsacert -a \
		-h nss -f "$pinfile"
	cp "$out" "$work/rsacert.pem"
	step "RSA certificate text" openssl x509 -noout -text \
		-in "$work/rsacert.pem"
	has "Signature Algorithm: sha256WithRSAEncryption" "NSS RSA certificate"
	has "Public-Key: \(2048 bit\)" "NSS RSA key size"
	step "RSA certificate verifies" openssl verify \
		-CAfile "$work/rsacert.pem" "$work/rsacert.pem"
	has "rsacert.pem: OK" "openssl verify RSA"
fi

# ---- Ed25519: what NSS makes of it ----------------------------------------------
make_token nss-ed
expect_ok "keypairgen Ed25519" --token-label nss-ed --login \
	--pin "$USER_PIN" --keypairgen --key-type EC:edwards25519 --id 02 \
	--label ed
step "certutil -K (Ed25519 token)" certutil -d "$db" -K -h nss-ed \
	-f "$pinfile"
if grep -Eq "null +02 +ed" "$out"; then
	note "NSS lists an Ed25519 (CKK_EC_EDWARDS) key with key type 'null'"
elif grep -Eq "02 +ed" "$out"; then
	note "NSS lists the Ed25519 key: $(grep -E '02 +ed' "$out")"
else
	fail "certutil -K does not list the Ed25519 key"
fi
echo "+ certutil -S ... -h nss-ed -k 02"
if with_module certutil -S -d "$db" -f "$pinfile" -z "$work/noise.bin" \
	-s "CN=guardhsm nss Ed25519" -n edcert -x -t "CT,," -h nss-ed -k 02 \
	-v 12 > "$out" 2>&1; then
	note "NSS certified the Ed25519 key"
else
	sed 's/^/    /' "$out"
	note "NSS cannot certify the Ed25519 key: $(head -1 "$out")"
fi

finish "NSS works with the module"
