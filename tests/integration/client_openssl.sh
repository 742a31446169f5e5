#!/bin/sh
# OpenSSL 3 with libp11's PKCS#11 engine (Debian libengine-pkcs11-openssl)
# against the module: `openssl pkeyutl -sign` with a token key named by a
# PKCS#11 URI (RFC 7512), the PIN given once as the URI's pin-value and
# once through the engine's PIN option; a self-signed certificate made by
# `openssl req -x509` with the token key; a TLS 1.3 handshake on 127.0.0.1
# where `openssl s_server` keeps its key in the token and `openssl
# s_client -verify_return_error` verifies it. Every signature and
# certificate is checked by plain openssl with the public key exported by
# pkcs11-tool. RSA: PKCS#1 v1.5, PSS, TLS 1.3 with RSA-PSS.
#
# libp11 0.4.12 cannot enumerate a token that holds an Ed25519 key: that
# is checked here on a token of its own, and noted.
#
# The module is found as in pkcs11_tool_lib.sh. A missing client fails the
# test (CI installs them all).
set -u

tool_test_name=openssl
. "$(dirname "$0")/clients_lib.sh"

engine_dir=$(openssl version -e | sed -n 's/^ENGINESDIR: "\(.*\)"$/\1/p')
engine=$engine_dir/pkcs11.so
if [ ! -f "$engine" ]; then
	echo "FAIL: no PKCS#11 engine at $engine (apt-get install" \
		"libengine-pkcs11-openssl)"
	exit 1
fi
echo "== module $module, engine $engine, store $work/store"
openssl version

# Two configurations: the engine with MODULE_PATH, and the same with the
# PIN in it. Plain openssl (checks) runs without either.
cat > "$work/openssl.cnf" <<EOF
openssl_conf = openssl_init

[openssl_init]
engines = engine_section

[engine_section]
pkcs11 = pkcs11_section

[pkcs11_section]
engine_id = pkcs11
dynamic_path = $engine
MODULE_PATH = $module
init = 0
EOF
sed "s/^init = 0\$/PIN = $USER_PIN\ninit = 0/" "$work/openssl.cnf" \
	> "$work/openssl-pin.cnf"

# engine_ssl CONFIG ARGS...: openssl with that configuration.
engine_ssl() {
	config=$1
	shift
	OPENSSL_CONF=$work/$config step "$@"
}

# verify_sig PUBKEY DIGEST SIGNATURE DESCRIPTION [pkeyopts...]
verify_sig() {
	pub=$1 digest=$2 sig=$3 what=$4
	shift 4
	step "$what: verify" openssl pkeyutl -verify -pubin -inkey "$pub" \
		-in "$digest" -sigfile "$sig" "$@" &&
		has "Signature Verified Successfully" "$what"
}

make_token openssl
expect_ok "keypairgen P-256" --token-label openssl --login --pin "$USER_PIN" \
	--keypairgen --key-type EC:prime256v1 --id 01 --label tls
export_pubkey openssl 01 "$work/p256.pem"

key="pkcs11:token=openssl;object=tls"
printf 'signed by a key in guardhsm\n' > "$work/message.txt"
openssl dgst -sha256 -binary -out "$work/message.sha256" "$work/message.txt"
printf 'another message\n' | openssl dgst -sha256 -binary \
	-out "$work/other.sha256"

engine_ssl openssl.cnf "engine available" openssl engine -t -c pkcs11
has "\[ available \]" "engine"

# ---- pkeyutl: PIN in the URI, then PIN in the engine's configuration ----
engine_ssl openssl.cnf "sign, pin-value in the URI" openssl pkeyutl \
	-engine pkcs11 -keyform engine \
	-inkey "$key;type=private?pin-value=$USER_PIN" -sign \
	-in "$work/message.sha256" -out "$work/sig-uri.der"
verify_sig "$work/p256.pem" "$work/message.sha256" "$work/sig-uri.der" \
	"ECDSA, pin-value"
step_fails "ECDSA signature on another digest" openssl pkeyutl -verify \
	-pubin -inkey "$work/p256.pem" -in "$work/other.sha256" \
	-sigfile "$work/sig-uri.der"

engine_ssl openssl-pin.cnf "sign, PIN in the engine section" openssl \
	pkeyutl -engine pkcs11 -keyform engine -inkey "$key;type=private" \
	-sign -in "$work/message.sha256" -out "$work/sig-conf.der"
verify_sig "$work/p256.pem" "$work/message.sha256" "$work/sig-conf.der" \
	"ECDSA, engine PIN"

OPENSSL_CONF=$work/openssl.cnf step_fails "sign with a wrong PIN" \
	openssl pkeyutl -engine pkcs11 -keyform engine \
	-inkey "$key;type=private?pin-value=wrong-pin" -sign \
	-in "$work/message.sha256" -out "$work/sig-wrong.der"
has "CKR_PIN_INCORRECT|Login to token failed|PIN" "wrong PIN refused"

# The engine's view of the public key is the token's.
engine_ssl openssl.cnf "public key through the engine" openssl pkey \
	-engine pkcs11 -inform engine -pubin -in "$key;type=public" -pubout \
	-out "$work/engine-p256.pem"
cmp "$work/p256.pem" "$work/engine-p256.pem" ||
	fail "the engine's public key differs from pkcs11-tool's"

# ---- A self-signed certificate ------------------------------------------
engine_ssl openssl-pin.cnf "req -x509" openssl req -x509 -new \
	-engine pkcs11 -keyform engine -key "$key;type=private" -sha256 \
	-days 30 -subj "/CN=guardhsm openssl test" \
	-addext "subjectAltName=IP:127.0.0.1" \
	-addext "basicConstraints=critical,CA:TRUE" -out "$work/cert.pem"
step "certificate text" openssl x509 -noout -text -in "$work/cert.pem"
has "Signature Algorithm: ecdsa-with-SHA256" "certificate"
has "Subject: CN = guardhsm openssl test" "certificate"
has "IP Address:127.0.0.1" "certificate"
step "certificate verifies" openssl verify -CAfile "$work/cert.pem" \
	"$work/cert.pem"
has "cert.pem: OK" "openssl verify"
openssl x509 -noout -pubkey -in "$work/cert.pem" > "$work/cert-pub.pem"
cmp "$work/p256.pem" "$work/cert-pub.pem" ||
	fail "the certificate's key is not the token's key"

# ---- TLS 1.3: s_server holds its key in the token -------------------------
# tls_handshake CONFIG KEY CERT CA SIGNATURE-TYPE: s_server answers one
# HTTP request (-www) with its key in the token; s_client sends the
# request, reads the page, and must verify the server.
tls_handshake() {
	port=$(free_port)
	OPENSSL_CONF=$work/$1 background "$work/s_server" openssl s_server \
		-engine pkcs11 -keyform engine -key "$2" -cert "$3" \
		-accept "127.0.0.1:$port" -tls1_3 -www -naccept 1
	wait_for "s_server accepting" 20 grep -q "^ACCEPT" \
		"$work/s_server.log" || return 1
	printf '+ %s\n' "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | openssl s_client -connect 127.0.0.1:$port -tls1_3 -verify_return_error -CAfile $4 -verify_ip 127.0.0.1 -ign_eof"
	printf 'GET / HTTP/1.0\r\n\r\n' | with_module openssl s_client \
		-connect "127.0.0.1:$port" -tls1_3 -verify_return_error \
		-CAfile "$4" -verify_ip 127.0.0.1 -ign_eof > "$out" 2>&1
	status=$?
	sed 's/^/    /' "$out"
	[ $status -eq 0 ] || fail "s_client exited with $status"
	has "Verify return code: 0 \(ok\)" "TLS: server verified"
	has "New, TLSv1.3" "TLS 1.3"
	has "Peer signature type: $5" "TLS: server signature"
	has "HTTP/1.0 200 ok" "TLS: the server's answer"
	# A client that never got through leaves the server waiting.
	[ $status -eq 0 ] || kill "$(cat "$work/s_server")" 2>/dev/null
	wait "$(cat "$work/s_server")"
	status=$?
	sed 's/^/    s_server: /' "$work/s_server.log"
	[ $status -eq 0 ] || fail "s_server exited with $status"
}
tls_handshake openssl-pin.cnf "$key;type=private" "$work/cert.pem" \
	"$work/cert.pem" ECDSA

# The client really checks: a server whose certificate another key made
# is refused.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$work/other-key.pem" -out "$work/other-cert.pem" -days 30 \
	-subj "/CN=not the token" -addext "subjectAltName=IP:127.0.0.1" \
	2>/dev/null || fail "openssl could not make a second certificate"
port=$(free_port)
background "$work/s_server2" openssl s_server -key "$work/other-key.pem" \
	-cert "$work/other-cert.pem" -accept "127.0.0.1:$port" -tls1_3 -www \
	-naccept 1
if wait_for "second s_server accepting" 20 grep -q "^ACCEPT" \
	"$work/s_server2.log"; then
	printf 'GET / HTTP/1.0\r\n\r\n' | openssl s_client \
		-connect "127.0.0.1:$port" -tls1_3 -verify_return_error \
		-CAfile "$work/cert.pem" -verify_ip 127.0.0.1 -ign_eof \
		> "$out" 2>&1 && fail "s_client accepted a server the token did not certify"
	sed 's/^/    /' "$out" | grep -E "verify|error" | head -5
	has "verify error" "s_client refuses an unknown server"
fi

# ---- RSA, when the module has it -----------------------------------------
if has_rsa; then
	expect_ok "keypairgen RSA" --token-label openssl --login \
		--pin "$USER_PIN" --keypairgen --key-type rsa:2048 --id 02 \
		--label rsa
	export_pubkey openssl 02 "$work/rsa.pem"
	rsa="pkcs11:token=openssl;object=rsa"
	engine_ssl openssl-pin.cnf "RSA PKCS#1 v1.5 sign" openssl pkeyutl \
		-engine pkcs11 -keyform engine -inkey "$rsa;type=private" -sign \
		-pkeyopt digest:sha256 -in "$work/message.sha256" \
		-out "$work/rsa-pkcs1.sig"
	verify_sig "$work/rsa.pem" "$work/message.sha256" \
		"$work/rsa-pkcs1.sig" "RSA PKCS#1 v1.5" -pkeyopt digest:sha256
	engine_ssl openssl-pin.cnf "RSA-PSS sign" openssl pkeyutl \
		-engine pkcs11 -keyform engine -inkey "$rsa;type=private" -sign \
		-pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss \
		-pkeyopt rsa_pss_saltlen:32 -in "$work/message.sha256" \
		-out "$work/rsa-pss.sig"
	verify_sig "$work/rsa.pem" "$work/message.sha256" "$work/rsa-pss.sig" \
		"RSA-PSS" -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss \
		-pkeyopt rsa_pss_saltlen:32
	engine_ssl openssl-pin.cnf "req -x509 RSA" openssl req -x509 -new \
		-engine pkcs11 -keyform engine -key "$rsa;type=private" -sha256 \
		-days 30 -subj "/CN=guardhsm openssl RSA test" \
		-addext "subjectAltName=IP:127.0.0.1" -out "$work/rsa-cert.pem"
	step "RSA certificate verifies" openssl verify \
		-CAfile "$work/rsa-cert.pem" "$work/rsa-cert.pem"
	has "rsa-cert.pem: OK" "RSA certificate"
	tls_handshake openssl-pin.cnf "$rsa;type=private" \
		"$work/rsa-cert.pem" "$work/rsa-cert.pem" RSA-PSS
fi

# ---- Ed25519 and libp11 ----------------------------------------------------
# libp11 0.4.12 fails a whole key enumeration on a key type it does not
# know (CKK_EC_EDWARDS), so an Ed25519 key on a token hides that token's
# other keys from the engine. The other tests keep Ed25519 keys on a token
# of their own; here one shares a token with a P-256 key.
make_token openssl-ed
expect_ok "keypairgen P-256 (Ed25519 token)" --token-label openssl-ed \
	--login --pin "$USER_PIN" --keypairgen --key-type EC:prime256v1 \
	--id 01 --label ec
expect_ok "keypairgen Ed25519" --token-label openssl-ed --login \
	--pin "$USER_PIN" --keypairgen --key-type EC:edwards25519 --id 02 \
	--label ed
export_pubkey openssl-ed 01 "$work/ed-token-p256.pem"
echo "+ openssl pkeyutl -engine pkcs11 ... -inkey 'pkcs11:token=openssl-ed;object=ec;type=private' -sign"
OPENSSL_CONF=$work/openssl-pin.cnf with_module openssl pkeyutl \
	-engine pkcs11 -keyform engine \
	-inkey "pkcs11:token=openssl-ed;object=ec;type=private" -sign \
	-in "$work/message.sha256" -out "$work/ed-token.sig" > "$out" 2>&1
status=$?
sed 's/^/    /' "$out"
if [ $status -eq 0 ]; then
	verify_sig "$work/ed-token-p256.pem" "$work/message.sha256" \
		"$work/ed-token.sig" "P-256 next to an Ed25519 key"
	note "this libp11 finds a P-256 key next to an Ed25519 key"
elif grep -q "Unable to enumerate private keys" "$out"; then
	note "libp11 (engine) cannot use any key of a token that holds an" \
		"Ed25519 key: 'Unable to enumerate private keys', then" \
		"'The private key was not found'"
else
	fail "the engine failed next to an Ed25519 key, not as libp11 0.4.12 does"
fi
# Another token's Ed25519 key does not disturb this one.
engine_ssl openssl-pin.cnf "sign while another token holds Ed25519" \
	openssl pkeyutl -engine pkcs11 -keyform engine \
	-inkey "$key;type=private" -sign -in "$work/message.sha256" \
	-out "$work/sig-after.der"
verify_sig "$work/p256.pem" "$work/message.sha256" "$work/sig-after.der" \
	"ECDSA, Ed25519 on another token"

finish "OpenSSL's PKCS#11 engine works with the module"
