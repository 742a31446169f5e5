/* p11bench: the types shared by its parts.
 *
 *   p11bench.c           command line, the run loop, the result table
 *   p11bench_module.c    loading a PKCS#11 module by path, giving it a
 *                        fresh store, the token, sessions and login
 *   p11bench_workloads.c the workloads and the raw (non-PKCS#11) baselines
 *   p11bench_sign.c      the signing workloads (1 and 2 threads) and their
 *                        raw baselines (libsodium, OpenSSL)
 *
 * A workload is one row of the final table: a function measuring one thing
 * on one module, optionally paired with a "raw" function measuring the
 * physical limit the module is built on (SQLite commits, later the bare
 * signature primitive). Adding a workload is adding a row to the table in
 * p11bench_workloads.c. */
#ifndef GUARDHSM_BENCH_P11BENCH_COMMON_H
#define GUARDHSM_BENCH_P11BENCH_COMMON_H

#include "pkcs11/pkcs11_3_0.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define BENCH_ID_BYTES 16
#define BENCH_VALUE_BYTES 64
#define BENCH_LABEL_MAX 48
#define BENCH_TOKEN_LABEL "p11bench"
#define BENCH_SO_PIN "87654321"
#define BENCH_USER_PIN "12345678"
#define BENCH_PROGRESS_EVERY 10000
#define BENCH_MAX_WORKLOADS 64

typedef struct bench_options {
	double seconds;         /* per timed workload */
	size_t objects;         /* N for guardhsm and other modules */
	size_t softhsm_objects; /* N for SoftHSM */
	char base[PATH_MAX];    /* the run's temporary directory */
	bool keep;              /* leave the temporary stores behind */
} bench_options;

/* One module under test and everything the run knows about its store. */
typedef struct bench_module {
	char name[64];
	char path[PATH_MAX];
	bool is_softhsm;          /* only decides its default N */
	size_t objects;           /* N: objects the populated store holds */
	char directory[PATH_MAX]; /* this module's fresh store and configs */
	char guardhsm_conf[PATH_MAX];
	char softhsm_conf[PATH_MAX];

	void *library;
	CK_FUNCTION_LIST_PTR functions;
	bool initialised; /* C_Initialize done, C_Finalize not */
	bool open;        /* a RW session with the user logged in */
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE session;

	/* The objects this run stored, in creation order; object i has
	 * CKA_ID ids[i] and the label bench_label(i). */
	unsigned char (*ids)[BENCH_ID_BYTES];
	size_t count;
	size_t capacity;
	bool populated;

	bool failed; /* stop measuring this module */
	char error[512];
} bench_module;

/* What one workload measured on one module (or the raw baseline). */
typedef struct bench_result {
	bool done;
	bool failed;
	bool unsupported; /* the module lacks the mechanism: not a failure */
	double value;     /* in the workload's unit */
	size_t objects;   /* objects in the store; 0: not relevant */
	double cores;     /* processor cores the run kept busy; 0: unknown */
	char note[256];   /* details printed under the table */
} bench_result;

typedef struct bench_workload {
	const char *group; /* the name given on the command line */
	const char *title; /* the table's row label */
	const char *unit;  /* "objects/s", "s", "us", "ms" */
	bool higher_is_better;
	bool needs_population; /* runs on the store holding N objects */
	const char *target;    /* guardhsm's goal, printed, never checked */
	void (*run)(bench_module *module, const bench_options *options,
	            bench_result *result);
	/* Optional: the raw baseline, run once per run. NULL run: a row
	 * with only the baseline, for scale. */
	const char *raw_name;
	void (*raw)(const bench_options *options, bench_result *result);
	/* Optional, with raw: measures the first module and the baseline
	 * together, in alternating slices, instead of raw before and after
	 * run (other modules still get run). */
	void (*paired)(bench_module *module, const bench_options *options,
	               bench_result *result, bench_result *raw);
	/* Signing rows: threads used (0: not a signing row). They also go
	 * into the signing table, where a row with threads > 1 is compared
	 * with the row of its group with threads == 1. */
	unsigned threads;
} bench_workload;

extern const bench_workload bench_workloads[];
extern const size_t bench_workload_count;

/* ---- Utilities (p11bench_module.c) ----------------------------------------
 */

double bench_now(void);
void bench_random(void *buffer, size_t length);
/* A small fast generator for picking objects; not for secrets. */
size_t bench_pick(size_t bound);
void bench_label(size_t index, char label[BENCH_LABEL_MAX], size_t *length);
const char *bench_rv_name(CK_RV rv);

/* If rv is not CKR_OK, marks the module failed with "what: CKR_..." and
 * returns false. */
bool bench_check(bench_module *module, CK_RV rv, const char *what);
void bench_fail(bench_module *module, const char *format, ...)
        __attribute__((format(printf, 2, 3)));

/* ---- Modules (p11bench_module.c) ------------------------------------------
 */

/* Creates module->directory under options->base with the config files
 * that point guardhsm (GUARDHSM_CONF) and SoftHSM (SOFTHSM2_CONF) at an
 * empty store inside it; any module gets both, whatever it is. */
bool bench_module_prepare(bench_module *module, const bench_options *options,
                          size_t index);
/* Points the environment at this module's configs (before C_Initialize,
 * also for a child process). */
void bench_module_environment(const bench_module *module);
/* dlopen + C_GetFunctionList. */
bool bench_module_load(bench_module *module);
/* C_Initialize; the first time also C_InitToken and C_InitPIN; then a RW
 * session with the user logged in. */
bool bench_module_open(bench_module *module);
/* C_Finalize (returns its rv; the module is closed either way). */
CK_RV bench_module_finalize(bench_module *module);
/* Appends an id to the module's list of stored objects. */
bool bench_module_remember(bench_module *module,
                           const unsigned char id[BENCH_ID_BYTES]);
/* C_CreateObject of the benchmark's token data object number index
 * (ids are random, the label derived from index) and remembers it. */
bool bench_module_create_object(bench_module *module, size_t index);

/* Cold start in a new process: runs this program again with
 * --login-child, which dlopens the module and times C_Initialize +
 * C_OpenSession + C_Login; returns the total and fills the breakdown. */
bool bench_module_cold_login(bench_module *module, double *total,
                             char *breakdown, size_t breakdown_size);
/* The child's side; returns the process exit status. */
int bench_login_child(const char *path);

/* ---- Several threads running one operation at once (p11bench_sign.c) ----
 */

#define BENCH_MAX_THREADS 8

/* One operation; false on failure (the state says why). */
typedef bool (*parallel_op)(void *state);

typedef struct parallel_outcome {
	double rate; /* sum over threads of ops / elapsed */
	size_t ops;
	double elapsed; /* the longest thread's */
	double thread_rate[BENCH_MAX_THREADS];
	/* Processor time the whole process used meanwhile, in cores (2.0:
	 * both cores busy all along; less: the threads waited, say for a
	 * lock), and the kernel's share of it (system calls). */
	double cores;
	double system_share;
	int failed_thread; /* -1: none */
} parallel_outcome;

/* Runs op on `threads` threads, thread i with states[i], for `seconds`;
 * the threads start together and stop when the time is up. */
void bench_parallel(size_t threads, double seconds, parallel_op op,
                    void *const *states, parallel_outcome *outcome);

/* ---- The bare SQLite baseline (p11bench_sqlite.c) ------------------------
 */

typedef struct bench_sqlite {
	struct sqlite3 *database;
	struct sqlite3_stmt *insert;
	int status; /* the last SQLite result */
} bench_sqlite;

/* A fresh database raw-sqlite.db in base with the store's settings. */
bool bench_sqlite_open(bench_sqlite *baseline, const char *base);
/* One durable single-row transaction. */
bool bench_sqlite_commit(bench_sqlite *baseline);
const char *bench_sqlite_error(const bench_sqlite *baseline);
const char *bench_sqlite_version(void);
void bench_sqlite_close(bench_sqlite *baseline);

/* ---- Signing (p11bench_sign.c) --------------------------------------------
 */

void bench_run_sign_ed25519_1(bench_module *module,
                              const bench_options *options,
                              bench_result *result);
void bench_run_sign_ed25519_2(bench_module *module,
                              const bench_options *options,
                              bench_result *result);
void bench_run_sign_p256_1(bench_module *module, const bench_options *options,
                           bench_result *result);
void bench_run_sign_p256_2(bench_module *module, const bench_options *options,
                           bench_result *result);
void bench_raw_ed25519_1(const bench_options *options, bench_result *result);
void bench_raw_ed25519_2(const bench_options *options, bench_result *result);
void bench_raw_p256_1(const bench_options *options, bench_result *result);
void bench_raw_p256_2(const bench_options *options, bench_result *result);
void bench_raw_p256_new_context_1(const bench_options *options,
                                  bench_result *result);

/* ---- RSA and AES (p11bench_rsa_aes.c) --------------------------------------
 */

void bench_run_rsa_sign(bench_module *module, const bench_options *options,
                        bench_result *result);
void bench_raw_rsa_sign(const bench_options *options, bench_result *result);
void bench_run_rsa_decrypt(bench_module *module, const bench_options *options,
                           bench_result *result);
void bench_raw_rsa_decrypt(const bench_options *options, bench_result *result);
void bench_run_aes_gcm_64(bench_module *module, const bench_options *options,
                          bench_result *result);
void bench_raw_aes_gcm_64(const bench_options *options, bench_result *result);
void bench_run_aes_gcm_4k(bench_module *module, const bench_options *options,
                          bench_result *result);
void bench_raw_aes_gcm_4k(const bench_options *options, bench_result *result);
void bench_raw_sodium_gcm_4k(const bench_options *options,
                             bench_result *result);
void bench_run_aes_gcm_message(bench_module *module,
                               const bench_options *options,
                               bench_result *result);

/* Shared by the RSA/AES rows (p11bench_rsa_aes.c) and p11bench_aead.c. */
/* The module cannot do this at all: a cell, not a failure. */
bool bench_unsupported_rv(CK_RV rv);
void bench_mark_unsupported(bench_result *result, const char *what, CK_RV rv);
void bench_rate_result(bench_result *result, const parallel_outcome *outcome,
                       const char *what);
/* A session AES-256 key with a random value, for encrypting and
 * decrypting. */
bool bench_aes_key(bench_module *module, CK_OBJECT_HANDLE *key);
void bench_run_rsa_keygen(bench_module *module, const bench_options *options,
                          bench_result *result);
void bench_raw_rsa_keygen(const bench_options *options, bench_result *result);

#endif
