/* memscan: the scanner program. It recomputes the known keys itself (the
 * process it scans has wiped its copies) and searches another process's
 * memory, or a core dump of it, for every 12-byte window of each key and
 * of the forms a key takes in memory (byte-reversed, as in little-endian
 * bignums; XORed with the HMAC pads; Ed25519's expanded scalar and
 * prefix).
 *
 *   memscan scan PID [options]       scan /proc/PID/{smaps,mem}
 *   memscan core PID DIR [options]   gcore PID into DIR (gdb honouring
 *                                    the dump filter and MADV_DONTDUMP),
 *                                    then scan the core file
 *   memscan file PATH [options]      scan a file
 *   memscan workload MODULE [--uses N]
 *       run the workload (p11_workload.h) with MODULE in this process and
 *       measure it (at rest, mid-operation, core) with child scanners:
 *       the comparison of compare_softhsm.sh
 *
 * options: --keys module|selftest (which keys; default module)
 *          --policy none|unprotected|report  what fails the scan: any
 *              hit, a hit outside locked+dontdump mappings, nothing
 *              (default none; in a core file every hit is unprotected)
 *          --label TEXT   --result FILE (per-key counts, for tests)
 *          --max-hits N (hit lines printed, default 40)
 *
 * Exit status: 0 the policy holds, 1 it does not, 2 usage or system
 * error, 3 gdb could not write a core. */
#include "config.h"

#include "known_keys.h"
#include "known_rsa.h"
#include "p11_workload.h"
#include "scanner.h"

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum { POLICY_NONE, POLICY_UNPROTECTED, POLICY_REPORT };

typedef struct options {
	const kk_key *keys;
	size_t n_keys;
	int policy;
	const char *label;
	const char *result;
	size_t max_hits;
	int uses;
} options;

static int usage(void)
{
	fprintf(stderr, "usage: memscan scan PID | core PID DIR | file PATH | "
	                "workload MODULE  [--keys module|selftest] "
	                "[--policy none|unprotected|report] [--label TEXT] "
	                "[--result FILE] [--max-hits N] [--uses N]\n");
	return 2;
}

static void add(ms_scanner *scanner, const char *name, const char *form,
                int group, const unsigned char *bytes, size_t length)
{
	char full[MS_NAME_MAX];
	snprintf(full, sizeof full, "%s%s", name, form);
	if (ms_add_secret(scanner, full, group, bytes, length) < 0) {
		fprintf(stderr, "memscan: cannot index %s\n", full);
		exit(2);
	}
}

/* Each private component of the RSA key, big-endian (as in our buffers
 * and PKCS#11 attributes) and reversed (OpenSSL's BIGNUM words). */
static void add_rsa_key(ms_scanner *scanner, const kk_key *key, int group)
{
	static const char *names[KK_RSA_PARTS] = {".n", ".e",  ".d",  ".p",
	                                          ".q", ".dp", ".dq", ".qinv"};
	static unsigned char der[KK_RSA_DER_BYTES], form[KK_RSA_DER_BYTES];
	kk_rsa_parts parts;
	if (kk_rsa_open(der, &parts) != 0) {
		fprintf(stderr, "memscan: the RSA fixture does not parse\n");
		exit(2);
	}
	for (size_t i = KK_RSA_FIRST_PRIVATE; i < KK_RSA_PARTS; i++) {
		char name[MS_NAME_MAX];
		snprintf(name, sizeof name, "%s%s", key->name, names[i]);
		size_t length = parts.length[i];
		for (size_t j = 0; j < length; j++)
			form[j] = parts.value[i][length - 1 - j];
		/* The scanner indexes secrets of at most MS_SECRET_MAX
		 * bytes: overlapping pieces cover every window. */
		size_t step = MS_SECRET_MAX - (MS_WINDOW - 1);
		for (size_t at = 0; at + MS_WINDOW <= length; at += step) {
			size_t piece = length - at < MS_SECRET_MAX
			                       ? length - at
			                       : MS_SECRET_MAX;
			char where[32];
			snprintf(where, sizeof where, "@%zu", at);
			add(scanner, name, where, group, parts.value[i] + at,
			    piece);
			snprintf(where, sizeof where, "~reversed@%zu", at);
			add(scanner, name, where, group, form + at, piece);
		}
	}
	sodium_memzero(der, sizeof der);
	sodium_memzero(form, sizeof form);
}

/* The key and the forms it takes in memory. */
static void add_key(ms_scanner *scanner, const kk_key *key, int group)
{
	if (key->kind == KK_RSA) {
		add_rsa_key(scanner, key, group);
		return;
	}
	unsigned char slot[KK_SLOT_BYTES], form[64];
	if (kk_derive(key, slot) != 0) {
		fprintf(stderr, "memscan: libsodium did not start\n");
		exit(2);
	}
	add(scanner, key->name, "", group, slot, KK_KEY_BYTES);
	for (size_t i = 0; i < KK_KEY_BYTES; i++)
		form[i] = slot[KK_KEY_BYTES - 1 - i];
	add(scanner, key->name, "~reversed", group, form, KK_KEY_BYTES);
	if (key->kind == KK_HMAC) {
		for (size_t i = 0; i < KK_KEY_BYTES; i++)
			form[i] = slot[i] ^ 0x36;
		add(scanner, key->name, "^ipad", group, form, KK_KEY_BYTES);
		for (size_t i = 0; i < KK_KEY_BYTES; i++)
			form[i] = slot[i] ^ 0x5c;
		add(scanner, key->name, "^opad", group, form, KK_KEY_BYTES);
	}
	if (key->kind == KK_ED25519) {
		/* SHA-512(seed): the clamped scalar, then the nonce prefix */
		crypto_hash_sha512(form, slot, KK_KEY_BYTES);
		form[0] &= 248;
		form[31] &= 127;
		form[31] |= 64;
		add(scanner, key->name, ">scalar", group, form, 32);
		add(scanner, key->name, ">prefix", group, form + 32, 32);
	}
	sodium_memzero(slot, sizeof slot);
	sodium_memzero(form, sizeof form);
}

static ms_scanner *make_scanner(const options *o)
{
	ms_scanner *scanner = ms_new();
	if (scanner == NULL)
		exit(2);
	for (size_t i = 0; i < o->n_keys; i++)
		add_key(scanner, &o->keys[i], (int)i);
	return scanner;
}

static int judge(const ms_report *report, const options *o)
{
	if (o->policy == POLICY_REPORT)
		return 0;
	if (report->occ_unprotected > 0)
		return 1;
	if (o->policy == POLICY_NONE && report->occ_protected > 0)
		return 1;
	return 0;
}

static int write_result(const options *o, const ms_scanner *scanner,
                        const ms_report *report)
{
	if (o->result == NULL)
		return 0;
	FILE *f = fopen(o->result, "we");
	if (f == NULL) {
		perror(o->result);
		return -1;
	}
	for (size_t i = 0; i < o->n_keys; i++) {
		size_t p, u;
		ms_count_group(report, scanner, (int)i, &p, &u);
		fprintf(f, "key %s %zu %zu\n", o->keys[i].name, p, u);
	}
	fprintf(f,
	        "total %zu %zu\nwindows %zu %zu\nbytes %llu\nunreadable %llu\n"
	        "skipped %llu\n",
	        report->occ_protected, report->occ_unprotected,
	        report->windows_protected, report->windows_unprotected,
	        (unsigned long long)report->bytes_read,
	        (unsigned long long)report->bytes_unreadable,
	        (unsigned long long)report->bytes_skipped);
	return fclose(f) == 0 ? 0 : -1;
}

static int finish(const options *o, ms_scanner *scanner, ms_report *report,
                  const char *what)
{
	char label[256];
	snprintf(label, sizeof label, "%s%s%s", o->label ? o->label : "",
	         o->label ? " " : "", what);
	ms_report_print(stdout, scanner, report, label, o->max_hits);
	fflush(stdout);
	int rc = write_result(o, scanner, report) == 0 ? judge(report, o) : 2;
	ms_report_free(report);
	ms_free(scanner);
	return rc;
}

/* When the target is our parent, it started us and is about to wait for
 * us; until it does, it still runs (posix_spawn unmaps the stack it lent
 * us), so wait for it to block in wait4 (wchan do_wait) before scanning. */
static void await_quiescence(pid_t pid)
{
	if (getppid() != pid)
		return;
	char path[64], wchan[128];
	snprintf(path, sizeof path, "/proc/%d/wchan", (int)pid);
	for (int i = 0; i < 300; i++) {
		FILE *f = fopen(path, "re");
		if (f == NULL)
			return;
		size_t n = fread(wchan, 1, sizeof wchan - 1, f);
		fclose(f);
		wchan[n] = '\0';
		if (strstr(wchan, "do_wait") != NULL)
			return;
		if (strcmp(wchan, "0") == 0 && i > 10)
			return; /* no wchan in this kernel: waited 100 ms */
		usleep(10000);
	}
	fprintf(stderr, "memscan: note: %d did not block in wait (wchan %s)\n",
	        (int)pid, wchan);
}

static int scan_pid(pid_t pid, const options *o)
{
	await_quiescence(pid);
	ms_scanner *scanner = make_scanner(o);
	ms_report report;
	if (ms_scan_pid(scanner, pid, &report) != 0) {
		fprintf(stderr, "memscan: cannot read the memory of %d: %s\n",
		        (int)pid, strerror(errno));
		ms_free(scanner);
		return 2;
	}
	return finish(o, scanner, &report, "memory");
}

static int scan_file(const char *path, const options *o, const char *what)
{
	ms_scanner *scanner = make_scanner(o);
	ms_report report;
	if (ms_scan_file(scanner, path, &report) != 0) {
		fprintf(stderr, "memscan: cannot read %s: %s\n", path,
		        strerror(errno));
		ms_free(scanner);
		return 2;
	}
	return finish(o, scanner, &report, what);
}

static void show_file(const char *path)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return;
	char line[512];
	while (fgets(line, sizeof line, f) != NULL)
		fprintf(stderr, "  | %s", line);
	fclose(f);
}

static int scan_core(pid_t pid, const char *dir, const options *o)
{
	char core[PATH_MAX], log[PATH_MAX], target[32], gcore_cmd[PATH_MAX + 8];
	snprintf(core, sizeof core, "%s/core.%d", dir, (int)pid);
	snprintf(log, sizeof log, "%s/gdb.%d.log", dir, (int)pid);
	snprintf(target, sizeof target, "%d", (int)pid);
	snprintf(gcore_cmd, sizeof gcore_cmd, "gcore %s", core);
	const char *gdb = getenv("GDB");
	if (gdb == NULL || *gdb == '\0')
		gdb = "/usr/bin/gdb";
	/* gdb's gcore leaves out what the kernel's dumper would: it reads
	 * /proc/PID/coredump_filter and skips VM_DONTDUMP mappings. Both are
	 * its defaults; say them anyway. */
	char *argv[] = {(char *)gdb,
	                "-nx",
	                "-batch",
	                "-p",
	                target,
	                "-ex",
	                "set use-coredump-filter on",
	                "-ex",
	                "set dump-excluded-mappings off",
	                "-ex",
	                gcore_cmd,
	                NULL};
	unlink(core);
	pid_t child = fork();
	if (child < 0)
		return 2;
	if (child == 0) {
		if (freopen(log, "w", stdout) == NULL ||
		    dup2(fileno(stdout), 2) < 0)
			_exit(127);
		execv(gdb, argv);
		fprintf(stderr, "cannot run %s: %s\n", gdb, strerror(errno));
		_exit(127);
	}
	int status = 0;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	int rc = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
	struct stat st;
	if (rc != 0 || stat(core, &st) != 0 || st.st_size == 0) {
		fprintf(stderr,
		        "memscan: gdb could not write a core of %d (%s); its "
		        "output:\n",
		        (int)pid, rc != 0 ? "it failed" : "no core file");
		show_file(log);
		unlink(core);
		return 3;
	}
	printf("memscan: core of %d: %s, %lld bytes\n", (int)pid, core,
	       (long long)st.st_size);
	options all = *o;
	if (all.policy != POLICY_REPORT)
		all.policy = POLICY_NONE; /* nothing in a core is protected */
	rc = scan_file(core, &all, "core");
	if (getenv("GUARDHSM_TEST_KEEP") == NULL) {
		unlink(core);
		unlink(log);
	}
	return rc;
}

/* ---- workload: measure a module, as compare_softhsm.sh does ---------- */

static int self_scan(const char *self, const char *mode, const char *policy,
                     const char *label, const char *dir)
{
	char pid[32];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	char *argv[12];
	int n = 0;
	argv[n++] = (char *)self;
	argv[n++] = (char *)mode;
	argv[n++] = pid;
	if (dir != NULL)
		argv[n++] = (char *)dir;
	argv[n++] = "--policy";
	argv[n++] = (char *)policy;
	argv[n++] = "--label";
	argv[n++] = (char *)label;
	argv[n] = NULL;
	fflush(stdout);
	return wl_run(self, argv);
}

static int workload(const char *self, const char *module, int uses)
{
	static const size_t multipart[] = {
	        KK_TOKEN_P256, KK_SESSION_HMAC, KK_SESSION_P256, KK_TOKEN_HMAC,
	        KK_TOKEN_AES,  KK_SESSION_AES,  KK_TOKEN_RSA};
	wl w;
	printf("== module %s\n", module);
	if (wl_setup(&w, module) != CKR_OK) {
		wl_teardown(&w);
		return 2;
	}
	for (size_t k = 0; k < KK_MODULE_KEYS; k++) {
		bool token = strncmp(kk_module_keys[k].name, "token", 5) == 0;
		CK_RV rv = wl_create_key(&w, k, token);
		if (rv == CKR_OK)
			rv = wl_use_key(&w, k, uses);
		printf("  %-22s %s, used %d times: %s\n",
		       kk_module_keys[k].name,
		       token ? "token object" : "session object", uses,
		       rv == CKR_OK ? "ok" : wl_rv_name(rv));
	}
	for (size_t i = 0; i < WL_WRAPPED_KEYS; i++) {
		size_t k = wl_wrapped_keys[i];
		CK_RV rv = wl_wrap_unwrap(&w, k, uses / 4);
		printf("  %-22s wrapped (KWP) and unwrapped, used %d times: "
		       "%s\n",
		       kk_module_keys[k].name, uses / 4,
		       rv == CKR_OK ? "ok" : wl_rv_name(rv));
	}
	self_scan(self, "scan", "report", "at-rest", NULL);
	for (size_t i = 0; i < sizeof multipart / sizeof multipart[0]; i++) {
		CK_RV rv = wl_open_multipart(&w, multipart[i]);
		printf("  multi-part operation open with %s: %s\n",
		       kk_module_keys[multipart[i]].name,
		       rv == CKR_OK ? "yes" : wl_rv_name(rv));
	}
	self_scan(self, "scan", "report", "mid-operation", NULL);
	self_scan(self, "core", "report", "mid-operation", w.dir);
	(void)wl_close_multipart(&w);
	self_scan(self, "scan", "report", "after-final", NULL);
	wl_teardown(&w);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	options o = {kk_module_keys,
	             KK_MODULE_KEYS,
	             POLICY_NONE,
	             NULL,
	             NULL,
	             40,
	             200};
	const char *mode = argv[1];
	int positional = strcmp(mode, "core") == 0 ? 2 : 1;
	int first = 2 + positional;
	if (argc < first)
		return usage();
	for (int i = first; i < argc; i++) {
		if (i + 1 >= argc)
			return usage();
		const char *value = argv[i + 1];
		if (strcmp(argv[i], "--keys") == 0) {
			if (strcmp(value, "module") == 0) {
				o.keys = kk_module_keys;
				o.n_keys = KK_MODULE_KEYS;
			} else if (strcmp(value, "selftest") == 0) {
				o.keys = kk_selftest_keys;
				o.n_keys = KK_SELFTEST_KEYS;
			} else
				return usage();
		} else if (strcmp(argv[i], "--policy") == 0) {
			if (strcmp(value, "none") == 0)
				o.policy = POLICY_NONE;
			else if (strcmp(value, "unprotected") == 0)
				o.policy = POLICY_UNPROTECTED;
			else if (strcmp(value, "report") == 0)
				o.policy = POLICY_REPORT;
			else
				return usage();
		} else if (strcmp(argv[i], "--label") == 0)
			o.label = value;
		else if (strcmp(argv[i], "--result") == 0)
			o.result = value;
		else if (strcmp(argv[i], "--max-hits") == 0)
			o.max_hits = strtoul(value, NULL, 10);
		else if (strcmp(argv[i], "--uses") == 0)
			o.uses = atoi(value);
		else
			return usage();
		i++;
	}
	if (strcmp(mode, "workload") == 0) {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
		if (n <= 0)
			return 2;
		self[n] = '\0';
		return workload(self, argv[2], o.uses);
	}
	if (strcmp(mode, "file") == 0)
		return scan_file(argv[2], &o, "file");
	char *end;
	long pid = strtol(argv[2], &end, 10);
	if (*end != '\0' || pid <= 0)
		return usage();
	if (strcmp(mode, "scan") == 0)
		return scan_pid((pid_t)pid, &o);
	if (strcmp(mode, "core") == 0)
		return scan_core((pid_t)pid, argv[3], &o);
	return usage();
}
