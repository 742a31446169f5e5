/* p11bench workloads: each is a small function measuring one thing on one
 * module through its PKCS#11 function list, and rows of the table below
 * name them. The raw baselines measure what the module cannot beat (here
 * SQLite's durable commit) on the same disk in the same run, so that the
 * ratios hold however fast or slow the machine happens to be today. */
#include "config.h"

#include "p11bench_common.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Objects fetched per C_FindObjects call when listing everything: large
 * enough that the call count does not matter, as a real client would. */
#define FIND_BATCH 1024

/* Objects in the store out of the target, and the rate since started. */
static void progress(const bench_module *module, size_t target, size_t created,
                     double started)
{
	double elapsed = bench_now() - started;

	fprintf(stderr, "p11bench: %s: populate %zu/%zu (%.0f objects/s)\n",
	        module->name, module->count, target,
	        elapsed > 0 ? (double)created / elapsed : 0.0);
}

/* ---- create -----------------------------------------------------------------
 */

static void run_create(bench_module *module, const bench_options *options,
                       bench_result *result)
{
	if (!bench_module_open(module))
		return;
	size_t created = 0;
	double start = bench_now(), elapsed;
	do {
		if (!bench_module_create_object(module, module->count))
			return;
		created++;
		elapsed = bench_now() - start;
	} while (elapsed < options->seconds);
	result->value = (double)created / elapsed;
	result->done = true;
	snprintf(result->note, sizeof(result->note),
	         "%zu token objects created in %.2f s", created, elapsed);
}

/* The floor under any token that makes each change durable before
 * returning: one SQLite transaction per row on the disk the stores are on
 * (p11bench_sqlite.c). */
static void raw_sqlite_commit(const bench_options *options,
                              bench_result *result)
{
	bench_sqlite baseline;
	size_t committed = 0;
	bool ok = bench_sqlite_open(&baseline, options->base);
	double start = bench_now(), elapsed = 0;
	while (ok) {
		ok = bench_sqlite_commit(&baseline);
		if (!ok)
			break;
		committed++;
		elapsed = bench_now() - start;
		if (elapsed >= options->seconds)
			break;
	}
	if (!ok) {
		result->failed = true;
		snprintf(result->note, sizeof(result->note), "SQLite: %s",
		         bench_sqlite_error(&baseline));
	} else {
		result->done = true;
		result->value = (double)committed / elapsed;
		snprintf(result->note, sizeof(result->note),
		         "SQLite %s: %zu single-row transactions (WAL, "
		         "synchronous=FULL) in %.2f s",
		         bench_sqlite_version(), committed, elapsed);
	}
	bench_sqlite_close(&baseline);
}

/* Creating, against the baseline in alternating slices of
 * CREATE_SLICE seconds until each has had options->seconds: the disk's
 * fsync latency on a shared machine can change severalfold within
 * seconds, and a ratio means something only if both sides met the same
 * disk. Each side keeps its own file (and WAL) across its slices. */
#define CREATE_SLICE 0.05
/* A turn this much longer than CREATE_SLICE met a disk stall (one
 * operation took that long): with a few of those the ratio is luck. */
#define CREATE_STALL (8 * CREATE_SLICE)

static void run_create_paired(bench_module *module,
                              const bench_options *options,
                              bench_result *result, bench_result *raw)
{
	bench_sqlite baseline;
	size_t created = 0, committed = 0, stalls = 0;
	double created_time = 0, committed_time = 0;

	if (!bench_module_open(module))
		return;
	if (!bench_sqlite_open(&baseline, options->base)) {
		raw->failed = true;
		snprintf(raw->note, sizeof(raw->note), "SQLite: %s",
		         bench_sqlite_error(&baseline));
		bench_sqlite_close(&baseline);
		return;
	}
	while (created_time < options->seconds ||
	       committed_time < options->seconds) {
		double start = bench_now(), elapsed = 0;
		do {
			if (!bench_module_create_object(module, module->count))
				goto out;
			created++;
			elapsed = bench_now() - start;
		} while (elapsed < CREATE_SLICE);
		created_time += elapsed;
		stalls += elapsed > CREATE_STALL;
		start = bench_now();
		do {
			if (!bench_sqlite_commit(&baseline)) {
				raw->failed = true;
				snprintf(raw->note, sizeof(raw->note),
				         "SQLite: %s",
				         bench_sqlite_error(&baseline));
				goto out;
			}
			committed++;
			elapsed = bench_now() - start;
		} while (elapsed < CREATE_SLICE);
		committed_time += elapsed;
		stalls += elapsed > CREATE_STALL;
	}
	result->done = true;
	result->value = (double)created / created_time;
	snprintf(result->note, sizeof(result->note),
	         "%zu token objects created in %.2f s, in %.2f s turns "
	         "with SQLite",
	         created, created_time, CREATE_SLICE);
	raw->done = true;
	raw->value = (double)committed / committed_time;
	if (stalls > 0)
		snprintf(raw->note, sizeof(raw->note),
		         "SQLite %s: %zu single-row transactions in %.2f s, in "
		         "%.2f s turns with the subject: UNRELIABLE, %zu "
		         "turns took over %.1f s (the disk stalled)",
		         bench_sqlite_version(), committed, committed_time,
		         CREATE_SLICE, stalls, CREATE_STALL);
	else
		snprintf(raw->note, sizeof(raw->note),
		         "SQLite %s: %zu single-row transactions (WAL, "
		         "synchronous=FULL) in %.2f s, in %.2f s turns with "
		         "the subject",
		         bench_sqlite_version(), committed, committed_time,
		         CREATE_SLICE);
out:
	bench_sqlite_close(&baseline);
}

/* ---- populate
 * ----------------------------------------------------------------- */

static void run_populate(bench_module *module, const bench_options *options,
                         bench_result *result)
{
	if (!bench_module_open(module))
		return;
	size_t target = module->objects;
	size_t first = module->count;
	if (first < target)
		fprintf(stderr,
		        "p11bench: %s: populating the store to %zu "
		        "objects (one durable commit each)\n",
		        module->name, target);
	double start = bench_now(), reported = start;
	while (module->count < target) {
		if (!bench_module_create_object(module, module->count))
			return;
		/* Every 10,000 objects, and every 30 s for slow modules, so
		 * a long silence never looks like a hang. */
		double now = bench_now();
		if (module->count % BENCH_PROGRESS_EVERY == 0 ||
		    now - reported >= 30) {
			progress(module, target, module->count - first, start);
			reported = now;
		}
	}
	double elapsed = bench_now() - start;
	size_t created = module->count - first;
	module->populated = true;
	result->done = true;
	result->objects = module->count;
	result->value = created > 0 ? (double)created / elapsed : NAN;
	snprintf(result->note, sizeof(result->note),
	         "%zu objects created in %.1f s; the store holds %zu", created,
	         elapsed, module->count);
}

/* ---- finalize and login
 * --------------------------------------------------------- */

static void run_finalize(bench_module *module, const bench_options *options,
                         bench_result *result)
{
	if (!bench_module_open(module))
		return;
	double start = bench_now();
	CK_RV rv = bench_module_finalize(module);
	double elapsed = bench_now() - start;
	if (!bench_check(module, rv, "C_Finalize"))
		return;
	result->done = true;
	result->value = elapsed;
	result->objects = module->count;
}

static void run_login_cold(bench_module *module, const bench_options *options,
                           bench_result *result)
{
	double total;

	/* A client starting while nobody else has the token open: our own
	 * instance must not be holding it either. */
	if (module->initialised &&
	    !bench_check(module, bench_module_finalize(module), "C_Finalize"))
		return;
	if (!bench_module_cold_login(module, &total, result->note,
	                             sizeof(result->note)))
		return;
	result->done = true;
	result->value = total;
	result->objects = module->count;
}

static void run_login_warm(bench_module *module, const bench_options *options,
                           bench_result *result)
{
	if (module->initialised &&
	    !bench_check(module, bench_module_finalize(module), "C_Finalize"))
		return;
	double start = bench_now();
	if (!bench_module_open(module))
		return;
	result->value = bench_now() - start;
	result->done = true;
	result->objects = module->count;
	snprintf(result->note, sizeof(result->note),
	         "C_Initialize + C_GetSlotList + C_OpenSession + C_Login in "
	         "the process that just called C_Finalize");
}

/* ---- find
 * ------------------------------------------------------------------------- */

/* Builds the template for one find; returns its attribute count. */
typedef CK_ULONG (*find_template)(const bench_module *module, size_t index,
                                  CK_ATTRIBUTE template[2],
                                  char label[BENCH_LABEL_MAX]);

static CK_ULONG template_by_id(const bench_module *module, size_t index,
                               CK_ATTRIBUTE template[2],
                               char label[BENCH_LABEL_MAX])
{
	template[0].type = CKA_ID;
	template[0].pValue = module->ids[index];
	template[0].ulValueLen = BENCH_ID_BYTES;
	return 1;
}

static CK_ULONG template_by_label(const bench_module *module, size_t index,
                                  CK_ATTRIBUTE template[2],
                                  char label[BENCH_LABEL_MAX])
{
	size_t length;

	bench_label(index, label, &length);
	template[0].type = CKA_LABEL;
	template[0].pValue = label;
	template[0].ulValueLen = length;
	return 1;
}

/* Repeats C_FindObjectsInit + C_FindObjects + C_FindObjectsFinal for a
 * random stored object for the configured time; each must find exactly
 * that one object. Reports microseconds per find. */
static void measure_find(bench_module *module, const bench_options *options,
                         bench_result *result, find_template build)
{
	CK_FUNCTION_LIST_PTR f;
	size_t finds = 0, wrong = 0;
	CK_ULONG first_wrong = 0;

	if (!bench_module_open(module))
		return;
	if (module->count == 0) {
		bench_fail(module, "find: the store is empty");
		return;
	}
	f = module->functions;
	double start = bench_now(), elapsed;
	do {
		CK_ATTRIBUTE template[2];
		char label[BENCH_LABEL_MAX];
		CK_OBJECT_HANDLE handles[16];
		CK_ULONG found = 0;
		CK_ULONG count = build(module, bench_pick(module->count),
		                       template, label);

		if (!bench_check(module,
		                 f->C_FindObjectsInit(module->session, template,
		                                      count),
		                 "C_FindObjectsInit") ||
		    !bench_check(module,
		                 f->C_FindObjects(module->session, handles, 16,
		                                  &found),
		                 "C_FindObjects") ||
		    !bench_check(module, f->C_FindObjectsFinal(module->session),
		                 "C_FindObjectsFinal"))
			return;
		if (found != 1 && wrong++ == 0)
			first_wrong = found;
		finds++;
		elapsed = bench_now() - start;
	} while (elapsed < options->seconds);
	result->done = true;
	result->value = elapsed / (double)finds * 1e6;
	result->objects = module->count;
	if (wrong > 0)
		snprintf(result->note, sizeof(result->note),
		         "WRONG: %zu of %zu finds did not return exactly one "
		         "object (the first returned %lu)",
		         wrong, finds, (unsigned long)first_wrong);
	else
		snprintf(result->note, sizeof(result->note),
		         "%zu finds in %.2f s, each returned its one object",
		         finds, elapsed);
}

static void run_find_id(bench_module *module, const bench_options *options,
                        bench_result *result)
{
	measure_find(module, options, result, template_by_id);
}

static void run_find_label(bench_module *module, const bench_options *options,
                           bench_result *result)
{
	measure_find(module, options, result, template_by_label);
}

/* Every object of the class, as a client enumerating its keys does.
 * Reports milliseconds per complete enumeration. */
static void run_find_class_all(bench_module *module,
                               const bench_options *options,
                               bench_result *result)
{
	static CK_OBJECT_HANDLE handles[FIND_BATCH];
	CK_OBJECT_CLASS object_class = CKO_SECRET_KEY;
	CK_ATTRIBUTE template[] = {
	        {CKA_CLASS, &object_class, sizeof(object_class)},
	};
	size_t finds = 0, wrong = 0, last_total = 0;

	if (!bench_module_open(module))
		return;
	CK_FUNCTION_LIST_PTR f = module->functions;
	double start = bench_now(), elapsed;
	do {
		size_t total = 0;
		CK_ULONG found;

		if (!bench_check(
		            module,
		            f->C_FindObjectsInit(module->session, template, 1),
		            "C_FindObjectsInit"))
			return;
		do {
			if (!bench_check(module,
			                 f->C_FindObjects(module->session,
			                                  handles, FIND_BATCH,
			                                  &found),
			                 "C_FindObjects"))
				return;
			total += found;
		} while (found > 0);
		if (!bench_check(module, f->C_FindObjectsFinal(module->session),
		                 "C_FindObjectsFinal"))
			return;
		if (total != module->count)
			wrong++;
		last_total = total;
		finds++;
		elapsed = bench_now() - start;
	} while (elapsed < options->seconds);
	result->done = true;
	result->value = elapsed / (double)finds * 1e3;
	result->objects = module->count;
	if (wrong > 0)
		snprintf(
		        result->note, sizeof(result->note),
		        "WRONG: %zu of %zu enumerations did not return all %zu "
		        "objects (the last returned %zu)",
		        wrong, finds, module->count, last_total);
	else
		snprintf(result->note, sizeof(result->note),
		         "%zu enumerations of %zu objects in %.2f s", finds,
		         last_total, elapsed);
}

/* ---- The table
 * ------------------------------------------------------------------------ */

const bench_workload bench_workloads[] = {
        /* Signing first, on the fresh token: a session key pair each,
         * generated and destroyed by the row. */
        {
                .group = "sign-ed25519",
                .title = "sign Ed25519, 1 thread",
                .unit = "signs/s",
                .higher_is_better = true,
                .target = ">= 90% of libsodium",
                .run = bench_run_sign_ed25519_1,
                .raw_name = "libsodium",
                .raw = bench_raw_ed25519_1,
                .threads = 1,
        },
        {
                .group = "sign-ed25519",
                .title = "sign Ed25519, 2 threads",
                .unit = "signs/s",
                .higher_is_better = true,
                .target = ">= 1.8x 1 thread",
                .run = bench_run_sign_ed25519_2,
                .raw_name = "libsodium",
                .raw = bench_raw_ed25519_2,
                .threads = 2,
        },
        {
                .group = "sign-p256",
                .title = "sign ECDSA P-256, 1 thread",
                .unit = "signs/s",
                .higher_is_better = true,
                .target = ">= 80% of OpenSSL",
                .run = bench_run_sign_p256_1,
                .raw_name = "OpenSSL",
                .raw = bench_raw_p256_1,
                .threads = 1,
        },
        {
                .group = "sign-p256",
                .title = "sign ECDSA P-256, 2 threads",
                .unit = "signs/s",
                .higher_is_better = true,
                .target = ">= 1.8x 1 thread",
                .run = bench_run_sign_p256_2,
                .raw_name = "OpenSSL",
                .raw = bench_raw_p256_2,
                .threads = 2,
        },
        {
                .group = "sign-p256",
                .title = "sign ECDSA P-256, 1 thread, raw only: new "
                         "EVP_PKEY_CTX per sign",
                .unit = "signs/s",
                .higher_is_better = true,
                .raw_name = "OpenSSL",
                .raw = bench_raw_p256_new_context_1,
                .threads = 1,
        },
        {
                .group = "rsa-sign",
                .title = "sign RSA-2048 SHA256-RSA-PKCS",
                .unit = "signs/s",
                .higher_is_better = true,
                .target = ">= 90% of OpenSSL",
                .run = bench_run_rsa_sign,
                .raw_name = "OpenSSL",
                .raw = bench_raw_rsa_sign,
        },
        {
                .group = "rsa-decrypt",
                .title = "decrypt RSA-2048 OAEP SHA-256",
                .unit = "decrypts/s",
                .higher_is_better = true,
                .run = bench_run_rsa_decrypt,
                .raw_name = "OpenSSL",
                .raw = bench_raw_rsa_decrypt,
        },
        {
                .group = "aes-gcm",
                .title = "encrypt AES-256-GCM, 64 bytes",
                .unit = "messages/s",
                .higher_is_better = true,
                .run = bench_run_aes_gcm_64,
                .raw_name = "OpenSSL",
                .raw = bench_raw_aes_gcm_64,
        },
        {
                .group = "aes-gcm",
                .title = "encrypt AES-256-GCM, 4 KiB",
                .unit = "messages/s",
                .higher_is_better = true,
                .target = ">= 70% of OpenSSL or libsodium",
                .run = bench_run_aes_gcm_4k,
                .raw_name = "OpenSSL",
                .raw = bench_raw_aes_gcm_4k,
        },
        {
                /* The same against the primitive guardhsm uses. */
                .group = "aes-gcm",
                .title = "encrypt AES-256-GCM, 4 KiB, vs libsodium",
                .unit = "messages/s",
                .higher_is_better = true,
                .target = ">= 70% of libsodium",
                .run = bench_run_aes_gcm_4k,
                .raw_name = "libsodium",
                .raw = bench_raw_sodium_gcm_4k,
        },
        {
                /* PKCS#11 3.0: one operation, many messages. */
                .group = "aes-gcm",
                .title = "encrypt AES-256-GCM, 4 KiB, C_EncryptMessage",
                .unit = "messages/s",
                .higher_is_better = true,
                .target = ">= 70% of libsodium",
                .run = bench_run_aes_gcm_message,
                .raw_name = "libsodium",
                .raw = bench_raw_sodium_gcm_4k,
        },
        {
                .group = "rsa-keygen",
                .title = "generate RSA-4096 key pair",
                .unit = "s",
                .higher_is_better = false,
                .target = "completes",
                .run = bench_run_rsa_keygen,
                .raw_name = "OpenSSL",
                .raw = bench_raw_rsa_keygen,
        },
        {
                .group = "create",
                .title = "create token object",
                .unit = "objects/s",
                .higher_is_better = true,
                .target = ">= 80% of SQLite",
                .run = run_create,
                .raw_name = "SQLite durable commits",
                .raw = raw_sqlite_commit,
                .paired = run_create_paired,
        },
        {
                .group = "populate",
                .title = "populate N objects",
                .unit = "objects/s",
                .higher_is_better = true,
                .run = run_populate,
        },
        {
                .group = "login",
                .title = "C_Finalize",
                .unit = "s",
                .needs_population = true,
                .run = run_finalize,
        },
        {
                .group = "login",
                .title = "init+open+login, cold process",
                .unit = "s",
                .needs_population = true,
                .target = "< 0.5 s at N=100000",
                .run = run_login_cold,
        },
        {
                .group = "login",
                .title = "init+open+login, same process",
                .unit = "s",
                .needs_population = true,
                .run = run_login_warm,
        },
        {
                .group = "find",
                .title = "find by CKA_ID",
                .unit = "us",
                .needs_population = true,
                .target = "< 100 us at N=100000",
                .run = run_find_id,
        },
        {
                .group = "find-label",
                .title = "find by CKA_LABEL",
                .unit = "us",
                .needs_population = true,
                .run = run_find_label,
        },
        {
                .group = "find-class-all",
                .title = "find all of a class",
                .unit = "ms",
                .needs_population = true,
                .run = run_find_class_all,
        },
};

const size_t bench_workload_count =
        sizeof(bench_workloads) / sizeof(bench_workloads[0]);
