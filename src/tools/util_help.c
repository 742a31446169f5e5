/* The manual: `guardhsm-util --help`, `guardhsm-util COMMAND --help`, and
 * the installed man page (generated from the same text by --manual). */
#include "config.h"

#include "tools/util.h"

#include <string.h>

static const char overview[] =
        "guardhsm-util - manage guardhsm tokens, keys and certificates\n"
        "\n"
        "SYNOPSIS\n"
        "    guardhsm-util COMMAND [OPTIONS] [ARGUMENTS]\n"
        "    guardhsm-util COMMAND --help\n"
        "    guardhsm-util --help | --version\n"
        "\n"
        "DESCRIPTION\n"
        "    The command-line companion of guardhsm.so, the guardhsm "
        "PKCS#11\n"
        "    module. Most commands are ordinary PKCS#11 clients of the "
        "module\n"
        "    (loaded with dlopen); check, backup, restore and delete-token "
        "work\n"
        "    on the token's store file itself.\n"
        "\n"
        "COMMANDS\n"
        "    init-token    create a token, set its SO and user PINs\n"
        "    delete-token  delete a token and its files (needs the SO PIN)\n"
        "    list          slots and tokens; or a token's objects\n"
        "    import        private keys, certificates, public keys, AES "
        "keys\n"
        "    export        public keys (PEM, DER, OpenSSH) and "
        "certificates\n"
        "    generate      new keys on a token, one or many\n"
        "    change-pin    change the user PIN, or the SO PIN\n"
        "    unlock        the SO sets a new user PIN (unlocks a locked "
        "one)\n"
        "    check         authenticate every record of a token's store\n"
        "    backup        an online, consistent copy of a token's store\n"
        "    restore       put a backup back into the store directory\n"
        "    config        the effective configuration, and where each "
        "value\n"
        "                  came from\n"
        "\n"
        "NAMING TOKENS AND OBJECTS\n"
        "    Tokens and objects are named by PKCS#11 URIs (RFC 7512):\n"
        "        pkcs11:token=demo                      a token by label\n"
        "        pkcs11:serial=1a2b3c4d5e6f7a8b         a token by serial\n"
        "        pkcs11:token=demo;object=signing;type=public\n"
        "        pkcs11:token=demo;id=%01%02            an object by "
        "CKA_ID\n"
        "    Quote URIs in the shell (';' ends a shell command). "
        "`guardhsm-util\n"
        "    list --json` prints each token's full URI.\n"
        "\n"
        "PINS AND PASSPHRASES\n"
        "    Never on the command line. Each is read from SOURCE:\n"
        "        prompt          the terminal, without echo (the default)\n"
        "        file:PATH       the first line of PATH (a trailing "
        "newline is\n"
        "                        not part of it)\n"
        "        env:VARIABLE    the environment variable VARIABLE\n"
        "    --pin-source SOURCE gives the user PIN (default: $GUARDHSM_PIN "
        "if\n"
        "    set, else a prompt), --so-pin-source the SO PIN (default:\n"
        "    $GUARDHSM_SO_PIN, else a prompt), --new-pin-source a new PIN\n"
        "    (default: a prompt, asked twice), --passphrase-source the "
        "passphrase\n"
        "    of an encrypted key file. The tool keeps PINs, passphrases "
        "and\n"
        "    private keys read from files in locked, no-dump memory "
        "that is\n"
        "    wiped when freed.\n"
        "\n"
        "THE MODULE\n"
        "    --module PATH names the module; else $GUARDHSM_MODULE; else "
        "the\n"
        "    installed one (" GUARDHSM_INSTALLED_MODULE "), or, run from "
        "a\n"
        "    build tree, the module built next to the tool. The module "
        "reads\n"
        "    its configuration as always ($GUARDHSM_CONF, "
        "$XDG_CONFIG_HOME/\n"
        "    guardhsm/guardhsm.conf, /etc/guardhsm/guardhsm.conf); "
        "`guardhsm-util\n"
        "    config` shows it.\n"
        "\n"
        "EXIT STATUS\n"
        "    0  success\n"
        "    1  check found damaged records (only check)\n"
        "    2  usage: a bad option, argument, URI or key type; or an\n"
        "       ambiguous name (several tokens or objects match)\n"
        "    3  not found: no such token, object, file or module\n"
        "    4  PIN: incorrect, locked, not set, or none given and no\n"
        "       terminal to ask on\n"
        "    5  a file cannot be read, parsed or written (key file,\n"
        "       certificate, backup, configuration, an existing output)\n"
        "    6  the module or the store failed\n"
        "    7  unsupported: the module rejects the key type, size or\n"
        "       mechanism\n"
        "\n"
        "ENVIRONMENT\n"
        "    GUARDHSM_MODULE, GUARDHSM_PIN, GUARDHSM_SO_PIN (as above);\n"
        "    GUARDHSM_CONF, XDG_CONFIG_HOME, XDG_DATA_HOME (the module's\n"
        "    configuration and store directory).\n";

#define COMMON_TOKEN                                                           \
	"    -t, --token URI\n"                                                \
	"        The token (pkcs11:token=LABEL, pkcs11:serial=SERIAL).\n"
#define COMMON_MODULE                                                          \
	"    -m, --module PATH\n"                                              \
	"        The PKCS#11 module (see guardhsm-util --help).\n"
#define COMMON_PIN                                                             \
	"    -p, --pin-source SOURCE\n"                                        \
	"        The user PIN: prompt, file:PATH or env:VARIABLE (default:\n"  \
	"        $GUARDHSM_PIN if set, else prompt).\n"
#define COMMON_SO_PIN                                                          \
	"    -s, --so-pin-source SOURCE\n"                                     \
	"        The SO PIN (default: $GUARDHSM_SO_PIN if set, else "          \
	"prompt).\n"
#define COMMON_FILE                                                            \
	"    -f, --file PATH\n"                                                \
	"        The token's store file itself, instead of --token (for a\n"   \
	"        token the module cannot read).\n"
#define SEE_EXIT "EXIT STATUS\n    As in guardhsm-util --help.\n"

typedef struct manual_page {
	const char *command;
	const char *text;
} manual_page;

static const manual_page pages[] = {
        {"init-token",
         "guardhsm-util init-token - create a token\n"
         "\n"
         "SYNOPSIS\n"
         "    guardhsm-util init-token --label LABEL [--so-pin-source SRC]\n"
         "                  [--pin-source SRC | --no-user-pin] [--module "
         "PATH]\n"
         "\n"
         "DESCRIPTION\n"
         "    Initialises the module's empty slot as a new token labelled "
         "LABEL\n"
         "    (at most 32 bytes, unique among the tokens) with a new SO PIN,\n"
         "    then sets the user PIN (unless --no-user-pin). A prompt asks "
         "for\n"
         "    each new PIN twice.\n"
         "\n"
         "OPTIONS\n"
         "    -L, --label LABEL\n"
         "        The token's label.\n" COMMON_SO_PIN COMMON_PIN
         "    -U, --no-user-pin\n"
         "        Leave the user PIN unset (unlock sets it "
         "later).\n" COMMON_MODULE "\n"
         "EXAMPLE\n"
         "    guardhsm-util init-token --label demo \\\n"
         "        --so-pin-source file:so.pin --pin-source file:user.pin\n"
         "\n" SEE_EXIT},
        {"delete-token",
         "guardhsm-util delete-token - delete a token and its files\n"
         "\n"
         "SYNOPSIS\n"
         "    guardhsm-util delete-token (--token URI | --file PATH)\n"
         "                  [--so-pin-source SRC] [--module PATH]\n"
         "\n"
         "DESCRIPTION\n"
         "    Checks the SO PIN against the token's store (a wrong one "
         "counts as\n"
         "    a failed login), then removes the token's file and its "
         "-wal and\n"
         "    -shm side files. Every key on the token is gone for good "
         "unless a\n"
         "    backup exists. Processes using the token see it vanish.\n"
         "\n"
         "OPTIONS\n" COMMON_TOKEN COMMON_FILE COMMON_SO_PIN COMMON_MODULE "\n"
         "EXAMPLE\n"
         "    guardhsm-util delete-token --token pkcs11:token=demo\n"
         "\n" SEE_EXIT},
        {"list",
         "guardhsm-util list - slots, tokens and objects\n"
         "\n"
         "SYNOPSIS\n"
         "    guardhsm-util list [--json] [--module PATH]\n"
         "    guardhsm-util list --token URI [--login] [--pin-source SRC] "
         "[--json]\n"
         "\n"
         "DESCRIPTION\n"
         "    Without --token: every slot with its token's label, serial "
         "and\n"
         "    state (initialised, user-pin-set, user-pin-locked, ...).\n"
         "    With --token: the token's objects (class, key type, label, "
         "CKA_ID\n"
         "    in hex, flags); the URI's object attributes (object=, id=,\n"
         "    type=) filter them. Private objects need --login.\n"
         "    The output is an aligned table, or with --json one JSON "
         "document.\n"
         "\n"
         "OPTIONS\n" COMMON_TOKEN "    -l, --login\n"
         "        Log in as the user to list private objects too.\n" COMMON_PIN
         "        Implies --login.\n"
         "    -j, --json\n"
         "        JSON instead of a table.\n" COMMON_MODULE "\n"
         "EXAMPLES\n"
         "    guardhsm-util list\n"
         "    guardhsm-util list --token pkcs11:token=demo --login --json\n"
         "\n" SEE_EXIT},
        {"import",
         "guardhsm-util import - put a key or certificate on a token\n"
         "\n"
         "SYNOPSIS\n"
         "    guardhsm-util import --token URI [--type TYPE] [--label "
         "LABEL]\n"
         "                  [--id HEX] [--passphrase-source SRC] "
         "[--extractable]\n"
         "                  [--pin-source SRC] [--module PATH] FILE\n"
         "\n"
         "DESCRIPTION\n"
         "    Reads FILE and creates the matching objects on the token:\n"
         "      key   a private key, PEM or DER: PKCS#8, encrypted PKCS#8\n"
         "            (the passphrase from --passphrase-source, asked "
         "only if\n"
         "            the file is encrypted), PKCS#1 (RSA), SEC1 (EC).\n"
         "            Creates the private key and its public key with "
         "the same\n"
         "            CKA_ID. EC on prime256v1, secp384r1, secp521r1; "
         "Ed25519;\n"
         "            X25519; RSA (if the module supports it).\n"
         "      cert  an X.509 certificate, PEM or DER.\n"
         "      public a public key (SubjectPublicKeyInfo), PEM or DER.\n"
         "      aes   a raw AES key: a file of exactly 16, 24 or 32 "
         "bytes.\n"
         "    --type auto (the default) tries cert, key and public, in "
         "that\n"
         "    order; an AES key must be named with --type aes. The tool "
         "reads a\n"
         "    key file into locked, no-dump memory and wipes it; private "
         "keys\n"
         "    are sensitive and, unless --extractable, not extractable.\n"
         "\n"
         "OPTIONS\n" COMMON_TOKEN "    -T, --type auto|key|cert|public|aes\n"
         "        What FILE holds.\n"
         "    -L, --label LABEL\n"
         "        CKA_LABEL (default: the file's name without directory "
         "and\n"
         "        extension).\n"
         "    -i, --id HEX\n"
         "        CKA_ID in hex, e.g. 01 or 0a:1b (default: 8 random "
         "bytes).\n"
         "    -P, --passphrase-source SOURCE\n"
         "        The passphrase of an encrypted key: prompt, file:PATH or\n"
         "        env:VARIABLE (default: prompt).\n"
         "    -x, --extractable\n"
         "        Make private and secret keys extractable (CKA_EXTRACTABLE; "
         "they\n"
         "        stay sensitive).\n" COMMON_PIN COMMON_MODULE "\n"
         "EXAMPLES\n"
         "    guardhsm-util import --token pkcs11:token=demo --label web "
         "\\\n"
         "        --id 01 --passphrase-source file:pass.txt key.p8.pem\n"
         "    guardhsm-util import --token pkcs11:token=demo --label web "
         "\\\n"
         "        --id 01 cert.pem\n"
         "    guardhsm-util import --token pkcs11:token=demo --type aes "
         "\\\n"
         "        --label backup-key aes256.bin\n"
         "\n" SEE_EXIT},
        {"export",
         "guardhsm-util export - public keys and certificates out of a "
         "token\n"
         "\n"
         "SYNOPSIS\n"
         "    guardhsm-util export [--format pem|der|ssh] [--output FILE] "
         "[--force]\n"
         "                  [--login] [--pin-source SRC] [--module PATH] "
         "URI\n"
         "\n"
         "DESCRIPTION\n"
         "    URI names the token and the object (object=LABEL, id=, "
         "type=).\n"
         "    A certificate is written as is (PEM or DER). For a key the "
         "public\n"
         "    key is written: as SubjectPublicKeyInfo (PEM or DER), or as "
         "one\n"
         "    OpenSSH authorized_keys line (ssh-ed25519, "
         "ecdsa-sha2-nistp256,\n"
         "    -nistp384, -nistp521, ssh-rsa) with the label as comment. "
         "If the\n"
         "    URI matches a key pair (private and public key with one "
         "CKA_ID),\n"
         "    that key pair's public key is written. Nothing secret is "
         "ever\n"
         "    exported.\n"
         "\n"
         "OPTIONS\n"
         "    -F, --format pem|der|ssh\n"
         "        The encoding (default pem).\n"
         "    -o, --output FILE\n"
         "        Write to FILE (default: standard output). An existing "
         "FILE is\n"
         "        an error unless --force.\n"
         "    -l, --login\n"
         "        Log in first (to find private objects).\n" COMMON_PIN
                 COMMON_MODULE "\n"
         "EXAMPLES\n"
         "    guardhsm-util export 'pkcs11:token=demo;object=signing' > "
         "pub.pem\n"
         "    guardhsm-util export --format ssh \\\n"
         "        'pkcs11:token=demo;object=ssh-key' >> authorized_keys\n"
         "\n" SEE_EXIT},
        {"generate",
         "guardhsm-util generate - new keys on a token\n"
         "\n"
         "SYNOPSIS\n"
         "    guardhsm-util generate --token URI --type TYPE [--label "
         "LABEL]\n"
         "                  [--id HEX] [--count N] [--batch-size K] "
         "[--extractable]\n"
         "                  [--pin-source SRC] [--module PATH]\n"
         "\n"
         "DESCRIPTION\n"
         "    Generates keys inside the token (the private or secret "
         "value never\n"
         "    leaves it). TYPE is one of:\n"
         "        ec:prime256v1  ec:secp384r1  ec:secp521r1  (ECDSA, ECDH)\n"
         "        ed25519        x25519\n"
         "        rsa:2048  rsa:3072  rsa:4096  (if the module supports "
         "RSA)\n"
         "        aes:128  aes:192  aes:256      (if the module supports "
         "AES)\n"
         "        generic:BITS                   (HMAC keys; a multiple of "
         "8)\n"
         "    Key pairs get a private and a public key object with the "
         "same\n"
         "    label and CKA_ID. With --count N, N keys are made, labelled\n"
         "    LABEL-1 ... LABEL-N; a progress bar shows on a terminal. "
         "They are\n"
         "    committed to the store in batches of K keys (the "
         "module's\n"
         "    \"Vendor guardhsm\" interface; one durable commit per "
         "batch\n"
         "    instead of one per key), so an interrupted run keeps "
         "every\n"
         "    complete batch and loses at most the keys of the last "
         "one.\n"
         "    With a module that lacks the interface, or --batch-size "
         "1, each\n"
         "    key is committed on its own (a note on stderr says so in "
         "the\n"
         "    first case).\n"
         "\n"
         "OPTIONS\n" COMMON_TOKEN "    -T, --type TYPE\n"
         "        As above.\n"
         "    -L, --label LABEL\n"
         "        CKA_LABEL (default: the type, e.g. ed25519).\n"
         "    -i, --id HEX\n"
         "        CKA_ID (default: 8 random bytes, new for each key). "
         "With\n"
         "        --count, a 4-byte counter is appended to a given ID.\n"
         "    -n, --count N\n"
         "        How many keys (1 to 1000000, default 1).\n"
         "    -b, --batch-size K\n"
         "        Keys per commit with --count (1 to 1000000, default "
         "256).\n"
         "        While a batch is open, other processes wait to write "
         "to the\n"
         "        token.\n"
         "    -x, --extractable\n"
         "        CKA_EXTRACTABLE true (the key stays sensitive).\n" COMMON_PIN
                 COMMON_MODULE "\n"
         "EXAMPLES\n"
         "    guardhsm-util generate --token pkcs11:token=demo --type "
         "ed25519 \\\n"
         "        --label ssh-key\n"
         "    guardhsm-util generate --token pkcs11:token=demo \\\n"
         "        --type ec:prime256v1 --label bulk --count 1000\n"
         "\n" SEE_EXIT},
        {"change-pin",
         "guardhsm-util change-pin - change the user PIN or the SO PIN\n"
         "\n"
         "SYNOPSIS\n"
         "    guardhsm-util change-pin --token URI [--so] [--pin-source "
         "SRC]\n"
         "                  [--so-pin-source SRC] [--new-pin-source SRC]\n"
         "\n"
         "DESCRIPTION\n"
         "    Changes the user PIN (the current one from --pin-source), "
         "or with\n"
         "    --so the SO PIN (the current one from --so-pin-source). A "
         "wrong\n"
         "    current PIN counts as a failed login.\n"
         "\n"
         "OPTIONS\n" COMMON_TOKEN "    -S, --so\n"
         "        Change the SO PIN.\n" COMMON_PIN COMMON_SO_PIN
         "    -n, --new-pin-source SOURCE\n"
         "        The new PIN (default: prompt, twice).\n" COMMON_MODULE "\n"
         "EXAMPLE\n"
         "    guardhsm-util change-pin --token pkcs11:token=demo\n"
         "\n" SEE_EXIT},
        {"unlock",
         "guardhsm-util unlock - the SO sets a new user PIN\n"
         "\n"
         "SYNOPSIS\n"
         "    guardhsm-util unlock --token URI [--so-pin-source SRC]\n"
         "                  [--new-pin-source SRC] [--module PATH]\n"
         "\n"
         "DESCRIPTION\n"
         "    Logs in as the SO and sets a new user PIN (C_InitPIN), "
         "which\n"
         "    resets the user PIN's failure counter: a locked user PIN "
         "is\n"
         "    unlocked, a forgotten one replaced, an unset one set. The "
         "keys\n"
         "    stay.\n"
         "\n"
         "OPTIONS\n" COMMON_TOKEN COMMON_SO_PIN
         "    -n, --new-pin-source SOURCE\n"
         "        The new user PIN (default: prompt, twice).\n" COMMON_MODULE
         "\n"
         "EXAMPLE\n"
         "    guardhsm-util unlock --token pkcs11:token=demo\n"
         "\n" SEE_EXIT},
        {"check",
         "guardhsm-util check - authenticate every record of a token's "
         "store\n"
         "\n"
         "SYNOPSIS\n"
         "    guardhsm-util check (--token URI | --file PATH)\n"
         "                  [--pin-source SRC | --so [--so-pin-source SRC] "
         "|\n"
         "                   --public-only] [--module PATH]\n"
         "\n"
         "DESCRIPTION\n"
         "    Opens the token's store file, logs in (as the user, or the "
         "SO with\n"
         "    --so) and authenticates every object record (each "
         "attribute's\n"
         "    XChaCha20-Poly1305 tag) and every index row (its MAC), and "
         "runs\n"
         "    SQLite's integrity check. Prints each damaged object by its "
         "store\n"
         "    id, and a summary. With --public-only it checks public "
         "objects\n"
         "    without a PIN. A progress bar shows on a terminal.\n"
         "\n"
         "OPTIONS\n" COMMON_TOKEN COMMON_FILE COMMON_PIN "    -S, --so\n"
         "        Log in as the SO instead.\n" COMMON_SO_PIN
         "    -P, --public-only\n"
         "        No login: public objects only.\n" COMMON_MODULE "\n"
         "EXIT STATUS\n"
         "    0 the store is sound; 1 damaged records or a failed "
         "integrity\n"
         "    check (listed); otherwise as in guardhsm-util --help (2 "
         "usage,\n"
         "    4 PIN, 6 the file is not a readable token, ...).\n"},
        {"backup",
         "guardhsm-util backup - an online copy of a token's store\n"
         "\n"
         "SYNOPSIS\n"
         "    guardhsm-util backup (--token URI | --file PATH) [--force]\n"
         "                  [--module PATH] DESTINATION\n"
         "\n"
         "DESCRIPTION\n"
         "    Copies the token's store file to DESTINATION with SQLite's "
         "online\n"
         "    backup API: one consistent snapshot, taken while other "
         "processes\n"
         "    keep using the token. The copy is the sealed store itself "
         "(mode\n"
         "    0600, a self-contained file without -wal): its keys stay "
         "sealed\n"
         "    under the token's PINs as they were at the time of the "
         "backup, and\n"
         "    restoring it also brings back those PINs. No PIN is "
         "needed.\n"
         "\n"
         "OPTIONS\n" COMMON_TOKEN COMMON_FILE "    -F, --force\n"
         "        Overwrite an existing DESTINATION.\n" COMMON_MODULE "\n"
         "EXAMPLE\n"
         "    guardhsm-util backup --token pkcs11:token=demo "
         "demo-backup.sqlite\n"
         "\n" SEE_EXIT},
        {"restore",
         "guardhsm-util restore - bring a token back from a backup\n"
         "\n"
         "SYNOPSIS\n"
         "    guardhsm-util restore [--token URI] [--force] [--module PATH] "
         "BACKUP\n"
         "\n"
         "DESCRIPTION\n"
         "    Checks that BACKUP is a guardhsm token store and prints its "
         "label\n"
         "    and serial, then copies it (SQLite's backup API) to the "
         "store\n"
         "    directory of the configuration (guardhsm-util config shows "
         "it) as\n"
         "    token-SERIAL.sqlite. A token with that serial is not "
         "overwritten\n"
         "    unless --force; with --force it is replaced in one "
         "transaction\n"
         "    (processes using it see the restored state). With --token, "
         "the\n"
         "    backup must be of that token (same serial).\n"
         "\n"
         "OPTIONS\n" COMMON_TOKEN "    -F, --force\n"
         "        Replace an existing token of the same serial.\n" COMMON_MODULE
         "\n"
         "EXAMPLE\n"
         "    guardhsm-util restore demo-backup.sqlite\n"
         "\n" SEE_EXIT},
        {"config",
         "guardhsm-util config - the effective configuration\n"
         "\n"
         "SYNOPSIS\n"
         "    guardhsm-util config [--json] [--module PATH]\n"
         "\n"
         "DESCRIPTION\n"
         "    Reads the configuration the module reads, with the module's "
         "own\n"
         "    parser, and prints every key with its value and where the "
         "value\n"
         "    came from: the file and line that set it, or the default "
         "(and the\n"
         "    environment variable it depends on). Also the file looked "
         "for, the\n"
         "    module the tool would load, and the token files in the "
         "store\n"
         "    directory. A bad configuration file is reported as the "
         "module\n"
         "    would (file, line, key) with exit status 5.\n"
         "\n"
         "OPTIONS\n"
         "    -j, --json\n"
         "        JSON instead of text.\n" COMMON_MODULE "\n"
         "EXAMPLE\n"
         "    GUARDHSM_CONF=/etc/guardhsm/test.conf guardhsm-util config\n"
         "\n" SEE_EXIT},
};

#define PAGE_COUNT (sizeof(pages) / sizeof(pages[0]))

int util_help(const char *command, FILE *out)
{
	if (command == NULL) {
		fputs(overview, out);
		return 0;
	}
	for (size_t i = 0; i < PAGE_COUNT; i++)
		if (strcmp(command, pages[i].command) == 0) {
			fputs(pages[i].text, out);
			return 0;
		}
	return -1;
}

/* One page as roff: the first line is the NAME, lines in capitals are
 * section headings, the rest is kept as preformatted text. */
static void roff_page(const char *text, bool first, FILE *out)
{
	const char *line = text;
	bool in_body = false;
	while (*line != '\0') {
		const char *end = strchr(line, '\n');
		size_t length = end ? (size_t)(end - line) : strlen(line);
		bool heading = length > 0 && line[0] >= 'A' && line[0] <= 'Z';
		for (size_t i = 0; heading && i < length; i++)
			heading = (line[i] >= 'A' && line[i] <= 'Z') ||
			          line[i] == ' ';
		if (line == text) {
			if (first)
				fprintf(out, ".SH NAME\n");
			else
				fprintf(out, ".SH \"");
			/* "guardhsm-util x - what": escape the dashes. */
			for (size_t i = 0; i < length; i++) {
				if (line[i] == '-')
					fputc('\\', out);
				if (!first && line[i] == '"')
					continue;
				fputc(line[i], out);
			}
			fprintf(out, first ? "\n" : "\"\n");
		} else if (heading) {
			if (in_body)
				fprintf(out, ".fi\n");
			fprintf(out, "%s%.*s\n", first ? ".SH " : ".SS ",
			        (int)length, line);
			fprintf(out, ".nf\n");
			in_body = true;
		} else if (in_body) {
			if (length > 0 && (line[0] == '.' || line[0] == '\''))
				fputs("\\&", out);
			for (size_t i = 0; i < length; i++) {
				if (line[i] == '\\')
					fputs("\\e", out);
				else if (line[i] == '-')
					fputs("\\-", out);
				else
					fputc(line[i], out);
			}
			fputc('\n', out);
		}
		if (end == NULL)
			break;
		line = end + 1;
	}
	if (in_body)
		fprintf(out, ".fi\n");
}

void util_manual(FILE *out)
{
	fprintf(out,
	        ".TH GUARDHSM\\-UTIL 1 \"\" \"guardhsm %s\" "
	        "\"guardhsm\"\n",
	        PACKAGE_VERSION);
	roff_page(overview, true, out);
	for (size_t i = 0; i < PAGE_COUNT; i++)
		roff_page(pages[i].text, false, out);
}
