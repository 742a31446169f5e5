#!/bin/sh
# OpenSSH with the module: `ssh-keygen -D` prints the token's public keys;
# `ssh-agent` + `ssh-add -s` (PIN through SSH_ASKPASS) holds them, and
# `ssh-keygen -Y sign` signs with the agent, checked by `ssh-keygen -Y
# verify` against an allowed_signers file; a real login (as root; skipped
# otherwise): an sshd of the test's own on 127.0.0.1 (a free port, its own
# host key and config, /run/sshd made if missing) accepts the token key,
# and `ssh -I guardhsm.so ... echo ok` (PIN through SSH_ASKPASS) and ssh
# through the agent both print ok. Every public key
# OpenSSH sees is compared with the one pkcs11-tool exports, converted by
# `ssh-keygen -i -m PKCS8`. RSA runs once the module lists
# CKM_RSA_PKCS_KEY_PAIR_GEN.
#
# The module is found as in pkcs11_tool_lib.sh. A missing client fails
# the test (CI installs them all).
set -u

tool_test_name=openssh
. "$(dirname "$0")/clients_lib.sh"
require ssh openssh-client
require ssh-keygen openssh-client
require ssh-agent openssh-client
require ssh-add openssh-client
if ! command -v sshd >/dev/null 2>&1 && [ ! -x /usr/sbin/sshd ]; then
	echo "FAIL: sshd is not installed (apt-get install openssh-server)"
	exit 1
fi
echo "== module $module, store $work/store"
ssh -V

make_token ssh
expect_ok "keypairgen P-256" --token-label ssh --login --pin "$USER_PIN" \
	--keypairgen --key-type EC:prime256v1 --id 01 --label ssh-p256
# A second P-256 key, which the server will not accept. (Not P-384:
# OpenSC 0.23's pkcs11-tool cannot export P-384 public keys, see
# pkcs11_tool_mechanisms.sh.)
expect_ok "keypairgen P-256 (second)" --token-label ssh --login \
	--pin "$USER_PIN" --keypairgen --key-type EC:prime256v1 --id 02 \
	--label ssh-other
expect_ok "keypairgen Ed25519" --token-label ssh --login --pin "$USER_PIN" \
	--keypairgen --key-type EC:edwards25519 --id 03 --label ssh-ed25519

# The public keys in OpenSSH's format, made without OpenSSH's PKCS#11 code.
# ssh_pub ID NAME: $work/NAME.pub (type and key, no comment).
ssh_pub() {
	export_pubkey ssh "$1" "$work/$2.pem"
	ssh-keygen -i -m PKCS8 -f "$work/$2.pem" > "$work/$2.pub" ||
		fail "ssh-keygen cannot convert public key $1"
}
ssh_pub 01 p256
ssh_pub 02 other

# listed FILE KEYFILE DESCRIPTION: FILE has the key of KEYFILE.
listed() {
	grep -qF "$(cut -d' ' -f2 "$2")" "$1" || fail "$3: $2 not listed"
}

# ---- ssh-keygen -D -------------------------------------------------------------
step "ssh-keygen -D" ssh-keygen -D "$module"
listed "$out" "$work/p256.pub" "ssh-keygen -D"
listed "$out" "$work/other.pub" "ssh-keygen -D"
has "^ecdsa-sha2-nistp256 .* ssh-p256$" "P-256 key with its label"
if grep -q "^ssh-ed25519 " "$out"; then
	note "this OpenSSH reads Ed25519 keys over PKCS#11"
else
	has "skipping unsupported key type" "Ed25519 key skipped"
	note "OpenSSH $(ssh -V 2>&1 | sed 's/,.*//') skips the Ed25519 key" \
		"(CKK_EC_EDWARDS): 'skipping unsupported key type'"
fi

# ---- The agent -----------------------------------------------------------------
# The PIN comes from SSH_ASKPASS (forced: no terminal here).
cat > "$work/askpass" <<EOF
#!/bin/sh
echo '$USER_PIN'
EOF
cat > "$work/askpass-wrong" <<'EOF'
#!/bin/sh
echo 'wrong-pin'
EOF
chmod 755 "$work/askpass" "$work/askpass-wrong"
agent_sock=$work/agent.sock

SSH_ASKPASS=$work/askpass
SSH_ASKPASS_REQUIRE=force
DISPLAY=:0
export SSH_ASKPASS SSH_ASKPASS_REQUIRE DISPLAY

# Debian's ssh-agent is setgid, so the loader drops LD_PRELOAD and the
# PKCS#11 helper it starts would miss the sanitizer runtime: a wrapper
# (SSH_PKCS11_HELPER) puts it back.
if [ -n "$asan_runtime" ]; then
	helper=""
	for candidate in /usr/lib/openssh/ssh-pkcs11-helper \
		/usr/libexec/openssh/ssh-pkcs11-helper /usr/libexec/ssh-pkcs11-helper; do
		[ -x "$candidate" ] && helper=$candidate && break
	done
	[ -n "$helper" ] || fail "no ssh-pkcs11-helper found"
	printf '#!/bin/sh\nLD_PRELOAD=%s ASAN_OPTIONS=%s exec %s "$@"\n' \
		"'$preload'" "'$asan_options'" "$helper" > "$work/pkcs11-helper"
	chmod 755 "$work/pkcs11-helper"
	SSH_PKCS11_HELPER=$work/pkcs11-helper
	export SSH_PKCS11_HELPER
fi
# ssh-agent refuses providers outside /usr/lib*/ and /usr/local/lib*/
# unless -P allows them; it matches the path with symbolic links resolved.
background "$work/agent" ssh-agent -D -a "$agent_sock" \
	-P "$(readlink -f "$module")"
wait_for "ssh-agent socket" 10 test -S "$agent_sock"
SSH_AUTH_SOCK=$agent_sock
export SSH_AUTH_SOCK

SSH_ASKPASS=$work/askpass-wrong step_fails "ssh-add -s, wrong PIN" \
	ssh-add -s "$module"
expect_ok "PIN failure counted" --list-token-slots
has "user PIN count low" "the agent tried the wrong PIN"
step "ssh-add -s" ssh-add -s "$module"
has "Card added" "ssh-add -s"
step "ssh-add -L" ssh-add -L
listed "$out" "$work/p256.pub" "agent"
listed "$out" "$work/other.pub" "agent"

# ---- Signatures through the agent ------------------------------------------------
printf 'signed through ssh-agent by a guardhsm key\n' > "$work/message.txt"
printf 'another message\n' > "$work/other.txt"
for name in p256 other; do
	step "ssh-keygen -Y sign ($name)" ssh-keygen -Y sign \
		-f "$work/$name.pub" -n file "$work/message.txt"
	mv "$work/message.txt.sig" "$work/$name.sig"
	printf 'tester@guardhsm %s\n' "$(cat "$work/$name.pub")" \
		> "$work/allowed_signers_$name"
	echo "+ ssh-keygen -Y verify ... < message.txt"
	ssh-keygen -Y verify -f "$work/allowed_signers_$name" \
		-I tester@guardhsm -n file -s "$work/$name.sig" \
		< "$work/message.txt" > "$out" 2>&1 ||
		fail "$name: the signature does not verify"
	sed 's/^/    /' "$out"
	has "Good \"file\" signature for tester@guardhsm with ECDSA key" \
		"$name signature"
	echo "+ ssh-keygen -Y verify ... < other.txt (must fail)"
	if ssh-keygen -Y verify -f "$work/allowed_signers_$name" \
		-I tester@guardhsm -n file -s "$work/$name.sig" \
		< "$work/other.txt" > "$out" 2>&1; then
		fail "$name: the signature verifies another message"
	fi
done

# ---- A login ------------------------------------------------------------------
cp "$work/p256.pub" "$work/authorized_keys"
user=$(id -un)
if [ "$(id -u)" -ne 0 ]; then
	skip "sshd login: sshd needs root here (CI runs as root)"
elif sshd_start "$work/sshd" "$work/authorized_keys"; then
	ssh_options="-F /dev/null -o StrictHostKeyChecking=no \
-o UserKnownHostsFile=$work/known_hosts -o IdentitiesOnly=yes \
-o BatchMode=no -n -p $sshd_port"

	# ssh's own PKCS#11 code, no agent.
	# shellcheck disable=SC2086
	step "ssh -I" ssh $ssh_options -o IdentityAgent=none -I "$module" \
		-i "$work/p256.pub" "$user@127.0.0.1" echo ok
	has "^ok$" "ssh -I login"
	# Through the agent.
	# shellcheck disable=SC2086
	step "ssh with the agent" ssh $ssh_options -i "$work/p256.pub" \
		"$user@127.0.0.1" echo ok
	has "^ok$" "agent login"
	# The server really checks: the other token key is not authorised.
	# shellcheck disable=SC2086
	step_fails "ssh with an unauthorised token key" ssh $ssh_options \
		-i "$work/other.pub" "$user@127.0.0.1" echo ok
	has "Permission denied \(publickey\)" "unauthorised key refused"
	grep -q "Accepted publickey for $user" "$work/sshd/log" ||
		fail "sshd did not log the token key's login"
	sed 's/^/    sshd: /' "$work/sshd/log"
fi

# ---- RSA, when the module has it -----------------------------------------------------
if has_rsa; then
	expect_ok "keypairgen RSA" --token-label ssh --login --pin "$USER_PIN" \
		--keypairgen --key-type rsa:2048 --id 04 --label ssh-rsa
	ssh_pub 04 rsa
	step "ssh-keygen -D (RSA)" ssh-keygen -D "$module"
	listed "$out" "$work/rsa.pub" "ssh-keygen -D RSA"
	step "ssh-add -e" ssh-add -e "$module"
	step "ssh-add -s (RSA)" ssh-add -s "$module"
	step "ssh-keygen -Y sign (RSA)" ssh-keygen -Y sign -f "$work/rsa.pub" \
		-n file "$work/message.txt"
	printf 'tester@guardhsm %s\n' "$(cat "$work/rsa.pub")" \
		> "$work/allowed_signers_rsa"
	step "ssh-keygen -Y verify (RSA)" sh -c "ssh-keygen -Y verify \
-f '$work/allowed_signers_rsa' -I tester@guardhsm -n file \
-s '$work/message.txt.sig' < '$work/message.txt'"
	has "Good \"file\" signature for tester@guardhsm with RSA key" \
		"RSA signature"
fi

finish "OpenSSH works with the module"
