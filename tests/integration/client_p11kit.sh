#!/bin/sh
# p11-kit with the module.
# (a) Registration: guardhsm.module (made from p11-kit/guardhsm.module.in,
#     pointing at the built module) in the user config directory
#     $HOME/.config/pkcs11/modules/; `p11-kit list-modules` shows the module
#     and its token; pkcs11-tool through p11-kit-proxy.so lists the token
#     and signs with it.
# (b) Remoting: `p11-kit server --provider guardhsm.so "pkcs11:token=..."`
#     serves the token on a Unix socket; pkcs11-tool through
#     p11-kit-client.so (P11_KIT_SERVER_ADDRESS) lists it, logs in and
#     signs; then the socket is forwarded over SSH (`ssh -R`, to an sshd of
#     the test's own on 127.0.0.1) and the client signs through the
#     forwarded socket.
# Every signature is verified by openssl with the public key pkcs11-tool
# read from the module directly.
#
# p11-kit ignores user configuration in processes running as root, so as
# root the whole test runs as the user nobody (setpriv), in a temporary
# HOME. The SSH part needs root for sshd (CI runs as root) and is skipped
# otherwise. The module is found as in pkcs11_tool_lib.sh. A missing
# client fails the test (CI installs them all).
set -u

tool_test_name=p11kit
. "$(dirname "$0")/clients_lib.sh"
require p11-kit p11-kit
require pkg-config pkg-config

proxy=$(pkg-config --variable=proxy_module p11-kit-1)
client=$(pkg-config --variable=p11_module_path p11-kit-1)/p11-kit-client.so
for library in "$proxy" "$client"; do
	if [ ! -f "$library" ]; then
		echo "FAIL: no $library (apt-get install p11-kit-modules)"
		exit 1
	fi
done
echo "== module $module, proxy $proxy, client $client"
p11-kit --version 2>/dev/null | head -1

HOME=$work/home
export HOME
mkdir -p "$HOME/.config/pkcs11/modules"

if [ "$(id -u)" -eq 0 ]; then
	if ! user_id=$(id -u nobody) || ! group_id=$(id -g nobody); then
		echo "FAIL: running as root, and there is no user nobody to run" \
			"p11-kit as (it ignores user configuration for root)"
		exit 1
	fi
	tool_runner="setpriv --reuid=$user_id --regid=$group_id --clear-groups"
	chmod 711 "$work"
	chown -R "$user_id:$group_id" "$work"
	note "running as root: p11-kit ignores ~/.config/pkcs11 for root, so" \
		"this test runs as nobody ($tool_runner)"
	if ! $tool_runner test -r "$module"; then
		cp "$module" "$work/guardhsm.so" && chmod 755 "$work/guardhsm.so"
		note "nobody cannot read $module: using a copy, $work/guardhsm.so"
		module=$work/guardhsm.so
	fi
fi

make_token p11kit
expect_ok "keypairgen P-256" --token-label p11kit --login --pin "$USER_PIN" \
	--keypairgen --key-type EC:prime256v1 --id 01 --label p11kit-p256
export_pubkey p11kit 01 "$work/p256.pem"
printf 'signed through p11-kit\n' > "$work/message.txt"
openssl dgst -sha256 -binary -out "$work/message.sha256" "$work/message.txt"

# verify_p256 SIGNATURE DESCRIPTION: an ECDSA signature (DER) over
# message.sha256, checked by openssl.
verify_p256() {
	step "$2: openssl verifies" openssl pkeyutl -verify -pubin \
		-inkey "$work/p256.pem" -in "$work/message.sha256" -sigfile "$1" &&
		has "Signature Verified Successfully" "$2"
}

# ---- (a) Registration and the proxy -------------------------------------------
sed "s|@p11moduledir@/guardhsm.so|$module|" \
	"$(dirname "$0")/../../p11-kit/guardhsm.module.in" \
	> "$HOME/.config/pkcs11/modules/guardhsm.module"
[ -z "${tool_runner:-}" ] || chown -R "$user_id:$group_id" "$HOME"
echo "== $HOME/.config/pkcs11/modules/guardhsm.module:"
sed 's/^/    /' "$HOME/.config/pkcs11/modules/guardhsm.module"
grep -q "^module: $module\$" "$HOME/.config/pkcs11/modules/guardhsm.module" ||
	fail "guardhsm.module does not name the module"

# With libasan preloaded, `p11-kit list-modules` hangs at exit even with
# only the system's modules (glibc's locale lock is corrupt); the proxy
# below still shows the registration at work.
if [ -n "$asan_runtime" ]; then
	skip "p11-kit list-modules: hangs at exit with libasan preloaded"
else
	step "p11-kit list-modules" p11-kit list-modules
	has "^guardhsm: $module" "p11-kit list-modules shows guardhsm"
	has "library-manufacturer: guardhsm project" "guardhsm's library info"
	has "token: p11kit" "p11-kit list-modules shows the token"
fi

step "pkcs11-tool through the proxy: -L" pkcs11-tool --module "$proxy" -L
has "token label +: p11kit" "the proxy lists the token"
step "pkcs11-tool through the proxy: sign" pkcs11-tool --module "$proxy" \
	--token-label p11kit --login --pin "$USER_PIN" --sign -m ECDSA-SHA256 \
	--id 01 --input-file "$work/message.txt" \
	--output-file "$work/proxy.sig" --signature-format openssl
verify_p256 "$work/proxy.sig" "signature through the proxy"

# ---- (b) Remoting: p11-kit server and p11-kit-client.so ---------------------
socket=$work/p11kit.sock
background "$work/server" p11-kit server -f --provider "$module" \
	-n "$socket" "pkcs11:token=p11kit"
wait_for "p11-kit server address" 20 grep -q "^P11_KIT_SERVER_ADDRESS=" \
	"$work/server.log"
sed 's/^/    server: /' "$work/server.log"
address=$(sed -n 's/^P11_KIT_SERVER_ADDRESS=\([^;]*\);.*/\1/p' \
	"$work/server.log")
[ "$address" = "unix:path=$socket" ] ||
	fail "p11-kit server announced '$address', not unix:path=$socket"
P11_KIT_SERVER_ADDRESS=$address
export P11_KIT_SERVER_ADDRESS

# remote_sign NAME: list, log in and sign through p11-kit-client.so at
# $P11_KIT_SERVER_ADDRESS; openssl verifies.
remote_sign() {
	step "$1: pkcs11-tool -L" pkcs11-tool --module "$client" -L
	has "token label +: p11kit" "$1: token listed"
	has "token manufacturer +: guardhsm project" "$1: guardhsm's token"
	step "$1: sign (ECDSA)" pkcs11-tool --module "$client" \
		--token-label p11kit --login --pin "$USER_PIN" --sign -m ECDSA \
		--id 01 --input-file "$work/message.sha256" \
		--output-file "$work/$1.sig" --signature-format openssl
	verify_p256 "$work/$1.sig" "$1 signature"
}
remote_sign remote

# p11-kit 0.24's RPC forwards only the mechanisms it knows how to
# marshal: the client does not list the others.
step "mechanisms through the client" pkcs11-tool --module "$client" -M
has "^ +ECDSA," "ECDSA forwarded"
for mechanism in ECDSA-SHA256 EDDSA EC-EDWARDS-KEY-PAIR-GEN SHA3-256; do
	if grep -q "^ *$mechanism," "$out"; then
		note "p11-kit forwards $mechanism"
	else
		note "p11-kit's RPC does not forward $mechanism"
	fi
done
if has_rsa; then
	expect_ok "keypairgen RSA" --token-label p11kit --login \
		--pin "$USER_PIN" --keypairgen --key-type rsa:2048 --id 02 \
		--label p11kit-rsa
	export_pubkey p11kit 02 "$work/rsa.pem"
	step "remote: sign (SHA256-RSA-PKCS)" pkcs11-tool --module "$client" \
		--token-label p11kit --login --pin "$USER_PIN" --sign \
		-m SHA256-RSA-PKCS --id 02 --input-file "$work/message.txt" \
		--output-file "$work/remote-rsa.sig"
	step "remote RSA signature: openssl verifies" openssl dgst -sha256 \
		-verify "$work/rsa.pem" -signature "$work/remote-rsa.sig" \
		"$work/message.txt"
	has "Verified OK" "remote RSA signature"
fi

# ---- (b) The socket forwarded over SSH ---------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	skip "ssh -R: sshd needs root here (CI runs as root)"
else
	# Root's ssh, to root's sshd: the forwarded socket belongs to root.
	runner=$tool_runner
	tool_runner=
	ssh-keygen -q -t ed25519 -N '' -C p11kit-test -f "$work/ssh_key" ||
		fail "ssh-keygen could not make a client key"
	cp "$work/ssh_key.pub" "$work/authorized_keys"
	if sshd_start "$work/sshd" "$work/authorized_keys"; then
		remote_socket=$work/remote.sock
		background "$work/ssh" ssh -F /dev/null -N \
			-o ExitOnForwardFailure=yes -o StrictHostKeyChecking=no \
			-o UserKnownHostsFile="$work/known_hosts" \
			-o IdentitiesOnly=yes -o IdentityAgent=none \
			-i "$work/ssh_key" -p "$sshd_port" \
			-R "$remote_socket:$socket" "$(id -un)@127.0.0.1"
		if wait_for "forwarded socket" 20 test -S "$remote_socket"; then
			P11_KIT_SERVER_ADDRESS=unix:path=$remote_socket
			remote_sign over-ssh
			grep -q "Accepted publickey" "$work/sshd/log" ||
				fail "sshd logged no login"
		fi
		sed 's/^/    ssh: /' "$work/ssh.log"
		sed 's/^/    sshd: /' "$work/sshd/log"
	fi
	tool_runner=$runner
fi

finish "p11-kit registers, proxies and remotes the module"
