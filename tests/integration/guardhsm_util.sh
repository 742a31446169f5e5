#!/bin/sh
# guardhsm-util against the built module, for real: every command, its
# output checked (tables with grep, --json with python3), keys checked
# against OpenSSL and OpenSSH (signatures made by pkcs11-tool on the token,
# verified by openssl with the public key the tool exported or with
# openssl's own view of the imported key), a store damaged with python3's
# sqlite3 and found by check, a backup taken while another process writes,
# restored into a fresh store, and the exit code of every error path.
#
# Skipped (77) without pkcs11-tool, openssl, python3 or ssh-keygen.
set -u

tool_test_name=util
. "$(dirname "$0")/pkcs11_tool_lib.sh"

for program in python3 ssh-keygen; do
	if ! command -v $program >/dev/null 2>&1; then
		echo "SKIP: $program is not installed"
		exit 77
	fi
done

util_bin=$builddir/src/tools/guardhsm-util
if [ ! -x "$util_bin" ]; then
	echo "FAIL: no guardhsm-util at $util_bin"
	exit 1
fi
GUARDHSM_MODULE=$module
export GUARDHSM_MODULE
unset GUARDHSM_PIN GUARDHSM_SO_PIN

# A configuration without store_path: the store follows XDG_DATA_HOME,
# so a fresh one is one variable away.
cat > "$work/guardhsm.conf" <<EOF
# guardhsm-util test
log_file = $work/guardhsm.log
pin_tries = 3
log_level = info
EOF
XDG_DATA_HOME=$work/data1
export XDG_DATA_HOME

printf '%s\n' "$SO_PIN" > "$work/so.pin"
printf '%s\n' "$USER_PIN" > "$work/user.pin"
printf 'wrong-pin-0000\n' > "$work/wrong.pin"
TOKEN=pkcs11:token=util

# util EXPECTED_STATUS DESCRIPTION ARGS...: runs the tool; output (stdout
# and stderr) in $out, shown; the exit status must be EXPECTED_STATUS.
util() {
	expected=$1
	what=$2
	shift 2
	echo "+ guardhsm-util $*"
	"$util_bin" "$@" > "$out" 2>&1
	status=$?
	sed 's/^/    /' "$out"
	if [ "$status" -ne "$expected" ]; then
		fail "$what: exit status $status, expected $expected"
	fi
	return 0
}

# util_out FILE ARGS...: stdout alone into FILE (stderr shown), status 0.
util_out() {
	file=$1
	shift
	echo "+ guardhsm-util $* > $file"
	"$util_bin" "$@" > "$file" 2> "$out"
	status=$?
	sed 's/^/    /' "$out"
	[ "$status" -eq 0 ] || fail "guardhsm-util $*: exit status $status"
}

# in_store DIR COMMAND...: COMMAND with XDG_DATA_HOME=DIR (a shell
# function cannot take a prefix assignment portably).
in_store() {
	saved_data_home=$XDG_DATA_HOME
	XDG_DATA_HOME=$1
	shift
	"$@"
	XDG_DATA_HOME=$saved_data_home
}

# json FILE PYTHON-EXPRESSION DESCRIPTION: FILE parses as JSON and the
# expression over it (as d) is true.
json() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" ||
		fail "$3: $2 is not true of $1"
}

ossl_ok() {
	what=$1
	shift
	echo "+ openssl $*"
	openssl "$@" > "$out" 2>&1 || {
		sed 's/^/    /' "$out"
		fail "$what: openssl failed"
	}
}

echo "== guardhsm-util $util_bin, module $module, store $XDG_DATA_HOME"

# ---- Help: every command, exit 0 -----------------------------------------
util 0 "--help" --help
has "EXIT STATUS" "overview"
for command in init-token delete-token list import export generate \
	change-pin unlock check backup restore config; do
	util 0 "$command --help" $command --help
	has "SYNOPSIS" "$command --help"
	util 0 "help $command" help $command
done
util 2 "unknown command" frobnicate
util 2 "no command"
util 2 "bad option" list --frobnicate

# ---- config: a value from the file, one from the environment ------------
util 0 "config" config
has "pin_tries +3 +$work/guardhsm.conf:3" "pin_tries from the file, line 3"
has "store_path +$work/data1/guardhsm +default, from \\\$XDG_DATA_HOME" \
	"store_path from the environment"
has "configuration file: $work/guardhsm.conf \\(\\\$GUARDHSM_CONF\\)" \
	"the file and why"
util_out "$work/config.json" config --json
json "$work/config.json" "d['keys']['log_level'] == {'value': 'info', \
'source': '$work/guardhsm.conf:4'} and d['keys']['pin_kdf']['source'] == \
'default' and d['module']['source'] == 'GUARDHSM_MODULE'" "config --json"
printf 'pin_tries = lots\n' > "$work/bad.conf"
GUARDHSM_CONF=$work/bad.conf
util 5 "a bad configuration" config
has "bad.conf:1: pin_tries" "the bad line named"
GUARDHSM_CONF=$work/guardhsm.conf

# ---- init-token, list ----------------------------------------------------
util 0 "list (fresh)" list
has "uninitialised" "fresh store"
util_out "$work/slots0.json" list --json
json "$work/slots0.json" "len(d['slots']) == 1 and not \
d['slots'][0]['initialised']" "list --json (fresh)"

USER_PIN_VALUE=$USER_PIN
export USER_PIN_VALUE
util 0 "init-token" init-token --label util \
	--so-pin-source "file:$work/so.pin" --pin-source env:USER_PIN_VALUE
has "Initialised token 'util'" "init-token"
util 2 "init-token (label taken)" init-token --label util \
	--so-pin-source "file:$work/so.pin" --pin-source env:USER_PIN_VALUE
util 0 "list" list
has "util +[0-9a-f]{16} +initialised,user-pin-set" "token listed"
util_out "$work/slots1.json" list --json
json "$work/slots1.json" "[s['label'] for s in d['slots'] if \
s['initialised']] == ['util'] and d['slots'][0]['user_pin_set'] and \
d['slots'][0]['uri'].startswith('pkcs11:')" "list --json"

# ---- generate: every key type --------------------------------------------
pin="--pin-source file:$work/user.pin"
for type in ec:prime256v1 ec:secp384r1 ec:secp521r1 ed25519 x25519 \
	generic:256; do
	label=gen-$(echo $type | tr ':' '-')
	util 0 "generate $type" generate --token $TOKEN --type $type \
		--label $label $pin
	has "Generated $type" "generate $type"
done
util 0 "generate with an id" generate --token $TOKEN --type ec:prime256v1 \
	--label p256 --id 01 $pin
util 0 "generate ed25519 with an id" generate --token $TOKEN --type ed25519 \
	--label ed --id 03 $pin
# RSA, AES and ChaCha20 keys generated by the module's mechanisms.
for type in rsa:2048 aes:256 aes:128; do
	echo "+ guardhsm-util generate --type $type"
	"$util_bin" generate --token $TOKEN --type $type --label "gen-$type" \
		$pin > "$out" 2>&1
	status=$?
	sed 's/^/    /' "$out"
	case $status in
	0) has "Generated $type" "generate $type" ;;
	*) fail "generate $type: exit status $status" ;;
	esac
done
util 0 "generate --count" generate --token $TOKEN --type ed25519 \
	--label bulk --count 25 $pin
has "Generated 25 ed25519 key pairs 'bulk-1' ... 'bulk-25'" "bulk"

# Batches (the module's vendor interface): 600 keys in batches of 256, 5
# with a commit each; every key is there afterwards.
util 0 "generate --count in batches" generate --token $TOKEN --type aes:128 \
	--label batched --count 600 --batch-size 256 $pin
has "Generated 600 aes:128 keys 'batched-1' ... 'batched-600'" "batched"
lacks "no batch interface" "the module has the batch interface"
util 0 "generate --batch-size 1" generate --token $TOKEN --type aes:128 \
	--label single --count 5 --batch-size 1 $pin
has "Generated 5 aes:128 keys" "batch size 1"
util_out "$work/batched.json" list --token $TOKEN --login $pin --json
json "$work/batched.json" "sum(1 for o in d['objects'] if \
o['label'].startswith('batched-')) == 600 and sum(1 for o in d['objects'] \
if o['label'].startswith('single-')) == 5" "batched keys all stored"
util 2 "bad --batch-size" generate --token $TOKEN --type aes:128 --count 2 \
	--batch-size 0 $pin

# The progress bar on a terminal (script(1) provides one).
if command -v script > /dev/null; then
	echo "+ script: guardhsm-util generate --count 300 --batch-size 64"
	script -qec "'$util_bin' generate --token $TOKEN --type ed25519 \
--label bar --count 300 --batch-size 64 $pin" /dev/null > "$out" 2>&1 ||
		fail "generate on a terminal failed: $(cat "$out")"
	grep -q "generating \[#*" "$out" || fail "no progress bar on a terminal"
	grep -q "300/300" "$out" || fail "the progress bar did not reach 300"
	has "Generated 300 ed25519 key pairs" "generate on a terminal"
else
	echo "    (no script(1): progress bar not checked)"
fi

# kill -9 mid-run keeps exactly the complete batches (of 100 here).
echo "+ guardhsm-util generate --count 1000000 --batch-size 100 (killed)"
"$util_bin" generate --token $TOKEN --type ed25519 --label cut \
	--count 1000000 --batch-size 100 $pin > "$work/cut.out" 2>&1 &
cut=$!
tries=0
until "$util_bin" list --token "$TOKEN;object=cut-1" 2>/dev/null |
	grep -q cut-1; do
	tries=$((tries + 1))
	[ $tries -le 600 ] && kill -0 $cut 2>/dev/null ||
		fail "the first batch never appeared: $(cat "$work/cut.out")"
	sleep 0.1
done
kill -9 $cut
wait $cut 2>/dev/null
util_out "$work/cut.json" list --token $TOKEN --json
json "$work/cut.json" "(lambda n: n >= 100 and n % 100 == 0)(sum(1 for o in \
d['objects'] if o['label'].startswith('cut-')))" "only complete batches kept"
util 0 "check after the kill" check --token $TOKEN $pin
has " 0 problem\\(s\\)" "clean store after the kill"

util 0 "list objects (public only)" list --token $TOKEN
has "public +ec:prime256v1 +p256 +01 " "public key listed"
lacks "^private" "private keys hidden without login"
util_out "$work/objects.json" list --token $TOKEN --login $pin --json
json "$work/objects.json" "sum(1 for o in d['objects'] if \
o['label'].startswith('bulk-')) == 50 and {('private', 'ec:secp521r1'), \
('public', 'x25519'), ('secret-key', 'generic:256')} <= {(o['class'], \
o['type']) for o in d['objects']} and d['token']['label'] == 'util'" \
	"list --login --json"
util 0 "list with an object filter" list --token "$TOKEN;type=private;id=%01" \
	$pin
has "private +ec:prime256v1 +p256 +01 " "filtered"
lacks "ed25519" "filtered out"

# ---- export: signatures made on the token verify with the export -------
printf 'signed on the token, verified by openssl\n' > "$work/msg"
openssl dgst -sha256 -binary "$work/msg" > "$work/msg.sha256"
util_out "$work/p256.pem" export "$TOKEN;object=p256"
ossl_ok "P-256 export parses" pkey -pubin -in "$work/p256.pem" -noout
expect_ok "sign ECDSA-SHA256" --token-label util --login --pin "$USER_PIN" \
	--sign -m ECDSA-SHA256 --id 01 --input-file "$work/msg" \
	--output-file "$work/p256.sig" --signature-format openssl
ossl_ok "openssl verifies with the exported P-256 key" dgst -sha256 \
	-verify "$work/p256.pem" -signature "$work/p256.sig" "$work/msg"
util_out "$work/ed.pem" export "$TOKEN;object=ed"
expect_ok "sign EDDSA" --token-label util --login --pin "$USER_PIN" \
	--sign -m EDDSA --id 03 --input-file "$work/msg" \
	--output-file "$work/ed.sig"
ossl_ok "openssl verifies with the exported Ed25519 key" pkeyutl -verify \
	-pubin -inkey "$work/ed.pem" -rawin -in "$work/msg" \
	-sigfile "$work/ed.sig"
# DER is the PEM's content; pkcs11-tool reads the same key.
util_out "$work/p256.der" export --format der "$TOKEN;object=p256"
openssl pkey -pubin -in "$work/p256.pem" -outform DER -out "$work/p256.ossl.der"
cmp "$work/p256.der" "$work/p256.ossl.der" || fail "DER export differs"
expect_ok "pkcs11-tool reads the P-256 key" --token-label util \
	--read-object --type pubkey --id 01 --output-file "$work/p256.p11.der"
cmp "$work/p256.der" "$work/p256.p11.der" ||
	fail "the export differs from pkcs11-tool's"
for curve in secp384r1 secp521r1; do
	util_out "$work/$curve.pem" export "$TOKEN;object=gen-ec-$curve"
	ossl_ok "$curve export parses" pkey -pubin -in "$work/$curve.pem" \
		-noout -text
	grep -q "$curve\|P-384\|P-521" "$out" || fail "$curve export: curve"
done
util_out "$work/x25519.pem" export "$TOKEN;object=gen-x25519;type=public"
ossl_ok "X25519 export parses" pkey -pubin -in "$work/x25519.pem" -noout

# OpenSSH: ssh-keygen reads each line, and its conversion of the PEM
# export is the same key.
for entry in p256:ECDSA:ecdsa-sha2-nistp256 ed:ED25519:ssh-ed25519 \
	gen-ec-secp384r1:ECDSA:ecdsa-sha2-nistp384 \
	gen-ec-secp521r1:ECDSA:ecdsa-sha2-nistp521; do
	label=${entry%%:*}
	rest=${entry#*:}
	kind=${rest%%:*}
	ssh_type=${rest#*:}
	util_out "$work/$label.pub" export --format ssh "$TOKEN;object=$label"
	echo "+ ssh-keygen -l -f $work/$label.pub"
	ssh-keygen -l -f "$work/$label.pub" > "$out" 2>&1 ||
		fail "ssh-keygen cannot read the $label line"
	sed 's/^/    /' "$out"
	has "\\($kind\\)" "ssh-keygen: $label is $kind"
	has " $label " "ssh comment is the label"
	# The key in the line is the exported key: the wire encoding's first
	# field is the type, its last the point (or Ed25519 key) that ends
	# the SubjectPublicKeyInfo. (ssh-keygen -i cannot read Ed25519 PEM.)
	util_out "$work/$label.der" export --format der "$TOKEN;object=$label"
	python3 -c 'import base64, struct, sys
line = open(sys.argv[1]).read().split()
blob = base64.b64decode(line[1])
fields = []
while blob:
    (n,) = struct.unpack(">I", blob[:4])
    fields.append(blob[4:4 + n])
    blob = blob[4 + n:]
der = open(sys.argv[2], "rb").read()
ok = (line[0] == sys.argv[3] and fields[0] == sys.argv[3].encode()
      and len(fields[-1]) >= 32 and der.endswith(fields[-1]))
sys.exit(0 if ok else 1)' "$work/$label.pub" "$work/$label.der" "$ssh_type" ||
		fail "$label: the ssh line is not the exported key"
done
util 7 "X25519 has no ssh form" export --format ssh \
	"$TOKEN;object=gen-x25519"
util 0 "export to a file" export --output "$work/out.pem" \
	"$TOKEN;object=p256"
util 5 "export refuses to overwrite" export --output "$work/out.pem" \
	"$TOKEN;object=p256"
util 0 "export --force overwrites" export --force --output "$work/out.pem" \
	"$TOKEN;object=p256"
util 2 "export: a secret key" export --login $pin \
	"$TOKEN;object=gen-generic-256"
util 2 "export: no object in the URI" export "$TOKEN"

# ---- import ----------------------------------------------------------------
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	-out "$work/imp.pem" 2>/dev/null || fail "openssl genpkey"
openssl pkey -in "$work/imp.pem" -pubout -out "$work/imp.pub.pem"
printf 'a passphrase for the key file\n' > "$work/pass.txt"
openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$work/imp.pem" \
	-passout "file:$work/pass.txt" -out "$work/imp.enc.pem" ||
	fail "openssl pkcs8"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	-out "$work/imp2.pem" 2>/dev/null
openssl pkey -in "$work/imp2.pem" -pubout -out "$work/imp2.pub.pem"
openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$work/imp2.pem" -outform DER \
	-passout "file:$work/pass.txt" -out "$work/imp2.enc.der"

util 0 "import a PKCS#8 key" import --token $TOKEN --label imp --id 11 $pin \
	"$work/imp.pem"
has "Imported private key 'imp' \\(ec:prime256v1\\) and its public key" \
	"import"
util 4 "import an encrypted key, wrong passphrase" import --token $TOKEN \
	--label imp2 --id 12 --passphrase-source "file:$work/wrong.pin" $pin \
	"$work/imp2.enc.der"
util 0 "import an encrypted PKCS#8 key (DER)" import --token $TOKEN \
	--label imp2 --id 12 --passphrase-source "file:$work/pass.txt" $pin \
	"$work/imp2.enc.der"
util 0 "import an encrypted PKCS#8 key (PEM)" import --token $TOKEN \
	--label imp-enc --id 13 --passphrase-source "file:$work/pass.txt" $pin \
	"$work/imp.enc.pem"
for id in 11:imp 12:imp2; do
	number=${id%%:*}
	name=${id#*:}
	expect_ok "sign with the imported key $name" --token-label util \
		--login --pin "$USER_PIN" --sign -m ECDSA-SHA256 --id $number \
		--input-file "$work/msg" --output-file "$work/$name.sig" \
		--signature-format openssl
	ossl_ok "openssl verifies with its own public key ($name)" dgst \
		-sha256 -verify "$work/$name.pub.pem" \
		-signature "$work/$name.sig" "$work/msg"
done
util_out "$work/imp.export.pem" export "$TOKEN;object=imp"
cmp "$work/imp.export.pem" "$work/imp.pub.pem" ||
	fail "the imported key's export differs from openssl's public key"

# A certificate for the imported key: without --id it takes the key's.
openssl req -x509 -key "$work/imp.pem" -subj "/CN=guardhsm-util test" \
	-days 30 -out "$work/cert.pem" || fail "openssl req"
openssl x509 -in "$work/cert.pem" -outform DER -out "$work/cert.der"
util 0 "import a certificate" import --token $TOKEN --label imp-cert $pin \
	"$work/cert.pem"
has "Imported certificate 'imp-cert' \\(/CN=guardhsm-util test, id 11\\)" \
	"the certificate took the key's id"
util_out "$work/cert.back.der" export --format der "$TOKEN;type=cert"
cmp "$work/cert.der" "$work/cert.back.der" || fail "certificate round trip"
util 2 "export: a certificate and a key share the id" export \
	"$TOKEN;id=%11"
util 2 "a certificate has no ssh form" export --format ssh \
	"$TOKEN;type=cert"

# Ed25519 from a file, then signed on the token.
openssl genpkey -algorithm ED25519 -out "$work/ed-imp.pem"
openssl pkey -in "$work/ed-imp.pem" -pubout -out "$work/ed-imp.pub.pem"
util 0 "import Ed25519" import --token $TOKEN --label ed-imp --id 14 $pin \
	"$work/ed-imp.pem"
expect_ok "sign with the imported Ed25519 key" --token-label util --login \
	--pin "$USER_PIN" --sign -m EDDSA --id 14 --input-file "$work/msg" \
	--output-file "$work/ed-imp.sig"
ossl_ok "openssl verifies the imported Ed25519 key's signature" pkeyutl \
	-verify -pubin -inkey "$work/ed-imp.pub.pem" -rawin -in "$work/msg" \
	-sigfile "$work/ed-imp.sig"

# A public key alone.
util 0 "import a public key" import --token $TOKEN --type public \
	--label pub-only --id 15 $pin "$work/imp2.pub.pem"
util_out "$work/pub-only.pem" export "$TOKEN;object=pub-only"
cmp "$work/pub-only.pem" "$work/imp2.pub.pem" || fail "public key round trip"

# RSA: an openssl-made key imported with its CRT parts.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	-out "$work/rsa.pem" 2>/dev/null
openssl pkey -in "$work/rsa.pem" -pubout -out "$work/rsa.pub.pem"
echo "+ guardhsm-util import rsa.pem"
"$util_bin" import --token $TOKEN --label rsa-imp --id 16 $pin \
	"$work/rsa.pem" > "$out" 2>&1
status=$?
sed 's/^/    /' "$out"
case $status in
0)
	util_out "$work/rsa.export.pem" export "$TOKEN;object=rsa-imp"
	cmp "$work/rsa.export.pem" "$work/rsa.pub.pem" ||
		fail "the RSA key's export differs from openssl's"
	util_out "$work/rsa.pub" export --format ssh "$TOKEN;object=rsa-imp"
	ssh-keygen -l -f "$work/rsa.pub" | grep -q "(RSA)" ||
		fail "ssh-keygen cannot read the RSA line"
	;;
*) fail "RSA import: exit status $status" ;;
esac

# Raw AES keys.
head -c 32 /dev/urandom > "$work/aes.bin"
util 0 "import an AES key" import --token $TOKEN --type aes --label aes-imp \
	$pin "$work/aes.bin"
has "Imported AES key 'aes-imp' \\(aes:256\\)" "AES import"
head -c 20 /dev/urandom > "$work/aes20.bin"
util 5 "an AES key of 20 bytes" import --token $TOKEN --type aes $pin \
	"$work/aes20.bin"
util 0 "list the imports" list --token $TOKEN $pin
has "secret-key +aes:256 +aes-imp " "AES key listed"
has "cert +- +imp-cert +11 " "certificate listed"
util 5 "import: not a key" import --token $TOKEN $pin "$work/msg"

# ---- change-pin, lockout, unlock ----------------------------------------
printf 'user-pin-5678\n' > "$work/user2.pin"
util 0 "change-pin" change-pin --token $TOKEN --pin-source "file:$work/user.pin" \
	--new-pin-source "file:$work/user2.pin"
util 4 "the old PIN no longer works" list --token $TOKEN $pin
has "CKR_PIN_INCORRECT" "old PIN"
pin="--pin-source file:$work/user2.pin"
util 0 "the new PIN works" list --token $TOKEN $pin
printf 'so-pin-5678\n' > "$work/so2.pin"
util 0 "change the SO PIN" change-pin --token $TOKEN --so \
	--so-pin-source "file:$work/so.pin" --new-pin-source "file:$work/so2.pin"
printf '%s\n' "$SO_PIN" > "$work/so.pin.old"
cp "$work/so2.pin" "$work/so.pin"

# pin_tries = 3: three failures lock the user PIN.
for attempt in 1 2 3; do
	util 4 "wrong PIN ($attempt)" list --token $TOKEN \
		--pin-source "file:$work/wrong.pin"
done
util 4 "locked: the right PIN is refused" list --token $TOKEN $pin
has "CKR_PIN_LOCKED" "locked"
util 0 "list shows the lock" list
has "user-pin-locked" "locked flag"
util 4 "unlock with a wrong SO PIN" unlock --token $TOKEN \
	--so-pin-source "file:$work/so.pin.old" \
	--new-pin-source "file:$work/user.pin"
util 0 "unlock" unlock --token $TOKEN --so-pin-source "file:$work/so.pin" \
	--new-pin-source "file:$work/user.pin"
pin="--pin-source file:$work/user.pin"
util 0 "the new user PIN works" list --token $TOKEN $pin
util 0 "list: unlocked" list
lacks "user-pin-locked" "unlocked"

# ---- PIN prompts on a terminal: no echo, new PINs asked twice ----------
# prompt_test STATUS ANSWER... -- ARGS...: runs the tool on a pseudo-
# terminal, answers each prompt in turn, checks the exit status and that
# no answer was echoed.
prompt_test() {
	python3 - "$util_bin" "$@" <<'PYTHON'
import os, pty, select, sys
tool, expected = sys.argv[1], int(sys.argv[2])
rest = sys.argv[3:]
split = rest.index("--")
answers, arguments = rest[:split], rest[split + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(tool, [tool] + arguments)
output = b""
def read_until(marker):
    global output
    while marker not in output:
        # Never hang: a tool that stops answering fails the test.
        if not select.select([fd], [], [], 60)[0]:
            print("FAIL: no output for 60 s")
            os.kill(pid, 9)
            return False
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return False
        if not chunk:
            return False
        output += chunk
    return True
for answer in answers:
    if not read_until(b": "):
        break
    output = output.replace(b": ", b":_", 1)
    os.write(fd, answer.encode() + b"\n")
read_until(b"\0")  # to the end
status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
text = output.decode(errors="replace")
print("\n".join("    " + line for line in text.splitlines()))
echoed = [a for a in answers if a in text]
if echoed:
    print("FAIL: echoed: %s" % echoed)
if status != expected:
    print("FAIL: exit status %d, expected %d" % (status, expected))
sys.exit(1 if echoed or status != expected else 0)
PYTHON
}
echo "+ guardhsm-util list --login (PIN typed on a terminal)"
prompt_test 0 "$USER_PIN" -- list --token $TOKEN --login ||
	fail "a PIN typed at the prompt"
echo "+ guardhsm-util change-pin (on a terminal, new PIN typed twice)"
prompt_test 0 "$USER_PIN" tty-pin-1234 tty-pin-1234 -- change-pin \
	--token $TOKEN || fail "change-pin at the prompt"
printf 'tty-pin-1234\n' > "$work/tty.pin"
util 0 "the PIN set at the prompt works" list --token $TOKEN \
	--pin-source "file:$work/tty.pin"
echo "+ guardhsm-util change-pin (on a terminal, the two entries differ)"
prompt_test 4 tty-pin-1234 new-pin-aaaa new-pin-bbbb -- change-pin \
	--token $TOKEN || fail "change-pin with differing entries"
util 0 "back to the file PIN" change-pin --token $TOKEN \
	--pin-source "file:$work/tty.pin" --new-pin-source "file:$work/user.pin"

# ---- check ---------------------------------------------------------------
util 0 "check (clean)" check --token $TOKEN $pin
has "[0-9]+ object\\(s\\) checked, 0 problem\\(s\\)" "clean store"
util 0 "check --public-only" check --token $TOKEN --public-only
util 0 "check as the SO" check --token $TOKEN --so-pin-source "file:$work/so.pin"
util 4 "check with a wrong PIN" check --token $TOKEN \
	--pin-source "file:$work/wrong.pin"

# ---- backup while another process writes; restore -----------------------
echo "+ guardhsm-util generate --count 1000 (in the background)"
"$util_bin" generate --token $TOKEN --type ed25519 --label busy --count 1000 \
	$pin > "$work/busy.out" 2>&1 &
busy=$!
# Wait (no timing assumed) until the writer has committed its first key,
# so the backup runs while it writes, unless it is already done.
tries=0
until "$util_bin" list --token "$TOKEN;object=busy-1" 2>/dev/null |
	grep -q busy-1; do
	tries=$((tries + 1))
	if [ $tries -gt 600 ] || ! kill -0 $busy 2>/dev/null; then
		break
	fi
	sleep 0.1
done
util 0 "backup (online)" backup --token $TOKEN "$work/online.sqlite"
has "Backed up token 'util' \\(serial [0-9a-f]{16}, [0-9]+ objects\\)" \
	"backup"
kill -0 $busy 2>/dev/null && echo "    (the writer was still running)"
wait $busy || fail "the background generate failed: $(cat "$work/busy.out")"
stat -c %a "$work/online.sqlite" | grep -qx 600 || fail "backup not mode 0600"
[ ! -e "$work/online.sqlite-wal" ] || fail "the backup has a -wal file"
util 5 "backup refuses to overwrite" backup --token $TOKEN "$work/online.sqlite"

# The online copy is one consistent state: it restores and checks clean.
in_store $work/data-online util 0 "restore the online backup" \
	restore "$work/online.sqlite"
in_store $work/data-online util 0 "the online backup checks clean" \
	check --token $TOKEN $pin
has " 0 problem\\(s\\)" "online backup consistent"

# A quiet backup restored into a fresh store lists the same objects.
util 0 "backup" backup --token $TOKEN "$work/quiet.sqlite"
util_out "$work/before.json" list --token $TOKEN $pin --json
in_store $work/data2 util 0 "restore into a fresh store" restore \
	"$work/quiet.sqlite"
has "Restored token 'util'" "restore"
in_store $work/data2 util_out "$work/after.json" list --token $TOKEN \
	$pin --json
python3 -c 'import json, sys
a, b = (json.load(open(f))["objects"] for f in sys.argv[1:])
key = lambda o: (o["class"], o["label"], o["id"])
sys.exit(0 if sorted(a, key=key) == sorted(b, key=key) and len(a) > 2000
         else 1)' "$work/before.json" "$work/after.json" ||
	fail "the restored token's objects differ"
in_store $work/data2 util 5 "restore over an existing token" restore \
	"$work/quiet.sqlite"
in_store $work/data2 util 0 "restore --force" restore --force \
	"$work/quiet.sqlite"
util 5 "restore: not a backup" restore "$work/msg"
util 3 "restore: no such file" restore "$work/nothing.sqlite"

# ---- check finds a flipped byte -----------------------------------------
tokenfile=$(ls "$work"/data2/guardhsm/token-*.sqlite)
damaged=$(python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
row = db.execute("SELECT id, record FROM objects ORDER BY id LIMIT 1 OFFSET 7").fetchone()
record = bytearray(row[1])
record[len(record) // 2] ^= 0x01
db.execute("UPDATE objects SET record = ? WHERE id = ?", (bytes(record), row[0]))
db.commit()
print(row[0])' "$tokenfile") || fail "cannot damage the store"
echo "    damaged object $damaged in $tokenfile"
in_store $work/data2 util 1 "check (damaged record)" check \
	--token $TOKEN $pin
has "^object $damaged: the record does not authenticate" "damage named"
has " 1 problem\\(s\\)" "one problem"
util 1 "check --file (damaged record)" check --file "$tokenfile" $pin
printf 'not a token' > "$work/junk.sqlite"
util 1 "check: not a token file" check --file "$work/junk.sqlite" $pin

# ---- error paths ---------------------------------------------------------
util 2 "bad URI" list --token 'pkcs11:token=%zz'
util 2 "not a URI" list --token util
util 3 "no such token" list --token pkcs11:token=nothing
util 3 "no such token (generate)" generate --token pkcs11:token=nothing \
	--type ed25519 $pin
util 4 "wrong PIN" list --token $TOKEN --pin-source "file:$work/wrong.pin"
util 0 "the right PIN, to reset the count" list --token $TOKEN $pin
util 3 "missing key file" import --token $TOKEN $pin "$work/nothing.pem"
util 3 "missing PIN file" list --token $TOKEN \
	--pin-source "file:$work/nothing.pin"
util 4 "PIN variable not set" list --token $TOKEN --pin-source env:NO_SUCH_VAR
util 2 "bad PIN source" list --token $TOKEN --pin-source "$USER_PIN"
util 2 "bad key type" generate --token $TOKEN --type ec:secp256k1 $pin
util 2 "bad --count" generate --token $TOKEN --type ed25519 --count 0 $pin
util 2 "bad --id" generate --token $TOKEN --type ed25519 --id xyz $pin
util 2 "import: two files" import --token $TOKEN $pin a b
util 3 "export: no such object" export "$TOKEN;object=nothing"
util 3 "no module" list --module "$work/no-module.so"
util 3 "check: no such file" check --file "$work/nothing.sqlite"
# No PIN source and no terminal to prompt on: a clear error, never a hang.
if command -v setsid >/dev/null 2>&1; then
	echo "+ setsid guardhsm-util list --token $TOKEN --login < /dev/null"
	setsid "$util_bin" list --token $TOKEN --login < /dev/null > "$out" 2>&1
	status=$?
	sed 's/^/    /' "$out"
	[ "$status" -eq 4 ] || fail "no terminal: exit status $status, not 4"
	has "no terminal" "no terminal"
fi

# ---- Another module: SoftHSM (no batch interface) --------------------------
# guardhsm-util is a PKCS#11 client like any other: generate --count on a
# module without the "Vendor guardhsm" interface commits each key itself
# and says so, and the keys are all there.
softhsm_module=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
if [ -r "$softhsm_module" ] && command -v softhsm2-util >/dev/null 2>&1; then
	mkdir -p "$work/softhsm/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\n' \
		"$work/softhsm/tokens" > "$work/softhsm/softhsm2.conf"
	SOFTHSM2_CONF=$work/softhsm/softhsm2.conf
	export SOFTHSM2_CONF
	softhsm2-util --init-token --free --label other --so-pin "$SO_PIN" \
		--pin "$USER_PIN" > "$out" 2>&1 ||
		fail "softhsm2-util --init-token: $(cat "$out")"
	util 0 "generate --count on SoftHSM" generate --module "$softhsm_module" \
		--token pkcs11:token=other --type aes:128 --label soft \
		--count 7 $pin
	has "Generated 7 aes:128 keys 'soft-1' ... 'soft-7'" "SoftHSM keys"
	has "no batch interface" "the fallback is announced"
	util_out "$work/soft.json" list --module "$softhsm_module" \
		--token pkcs11:token=other --login $pin --json
	json "$work/soft.json" "sum(1 for o in d['objects'] if \
o['label'].startswith('soft-')) == 7" "SoftHSM keys all stored"
	unset SOFTHSM2_CONF
else
	echo "    (no SoftHSM: the per-key fallback is not checked)"
fi

# ---- delete-token ----------------------------------------------------------
util 4 "delete-token with a wrong SO PIN" delete-token --token $TOKEN \
	--so-pin-source "file:$work/wrong.pin"
util 0 "delete-token" delete-token --token $TOKEN \
	--so-pin-source "file:$work/so.pin"
has "Deleted token 'util'" "deleted"
ls "$work"/data1/guardhsm/token-* > /dev/null 2>&1 &&
	fail "the token's files are still there"
util 3 "the token is gone" list --token $TOKEN

if grep -E ": error: " "$work/guardhsm.log" | grep -v "not usable"; then
	fail "the module logged errors"
fi

if [ $failures -ne 0 ]; then
	echo "FAILED: $failures check(s)"
	exit 1
fi
echo "PASS: guardhsm-util"
exit 0
