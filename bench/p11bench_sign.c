/* p11bench signing workloads: C_SignInit + C_Sign of a 32-byte message in
 * a loop, on 1 and 2 threads (one session per thread, one key), through
 * any module's function list; and their raw baselines, the bare
 * primitives a token is built on, timed by the same thread harness:
 *
 *   Ed25519      libsodium crypto_sign_detached, 64-byte secret key
 *   ECDSA P-256  OpenSSL 3 EVP_PKEY_sign, pre-built EVP_PKEY, one
 *                EVP_PKEY_CTX per thread (EVP_PKEY_sign_init once)
 *                and, for scale, a new EVP_PKEY_CTX per signature
 *
 * The threads start together (a barrier), run until the main thread says
 * stop, and the rate is the sum of each thread's signatures per second. */
#include "config.h"

#include "p11bench_common.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define SIGN_MESSAGE_BYTES 32
#define SIGN_MAX_THREADS BENCH_MAX_THREADS
#define SIGNATURE_CAPACITY 256

/* ---- Several threads running one operation at once ------------------------
 */

typedef struct parallel_run {
	pthread_barrier_t start;
	atomic_bool stop;
	parallel_op op;
} parallel_run;

typedef struct parallel_thread {
	pthread_t thread;
	parallel_run *run;
	void *state;
	size_t ops;
	double elapsed;
	bool failed;
} parallel_thread;

static void *parallel_main(void *argument)
{
	parallel_thread *self = argument;
	parallel_run *run = self->run;

	pthread_barrier_wait(&run->start);
	double start = bench_now();
	while (!atomic_load_explicit(&run->stop, memory_order_relaxed)) {
		if (!run->op(self->state)) {
			self->failed = true;
			break;
		}
		self->ops++;
	}
	self->elapsed = bench_now() - start;
	return NULL;
}

static double cpu_seconds(const struct timeval *time)
{
	return (double)time->tv_sec + (double)time->tv_usec / 1e6;
}

void bench_parallel(size_t threads, double seconds, parallel_op op,
                    void *const *states, parallel_outcome *outcome)
{
	parallel_run run;
	parallel_thread workers[SIGN_MAX_THREADS];
	struct timespec until;

	memset(outcome, 0, sizeof(*outcome));
	outcome->failed_thread = -1;
	memset(workers, 0, sizeof(workers));
	run.op = op;
	atomic_init(&run.stop, false);
	if (pthread_barrier_init(&run.start, NULL, (unsigned)threads + 1) !=
	    0) {
		fprintf(stderr, "p11bench: pthread_barrier_init failed\n");
		exit(2);
	}
	for (size_t i = 0; i < threads; i++) {
		workers[i].run = &run;
		workers[i].state = states[i];
		int error = pthread_create(&workers[i].thread, NULL,
		                           parallel_main, &workers[i]);
		if (error != 0) {
			/* Threads already waiting at the barrier cannot be
			 * released cleanly; a benchmark may just stop. */
			fprintf(stderr, "p11bench: pthread_create: %s\n",
			        strerror(error));
			exit(2);
		}
	}
	struct rusage before, after;
	getrusage(RUSAGE_SELF, &before);
	double started = bench_now();
	pthread_barrier_wait(&run.start);
	clock_gettime(CLOCK_MONOTONIC, &until);
	double whole = (double)(long)seconds;
	until.tv_sec += (time_t)whole;
	until.tv_nsec += (long)((seconds - whole) * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) ==
	       EINTR)
		;
	atomic_store(&run.stop, true);
	for (size_t i = 0; i < threads; i++) {
		pthread_join(workers[i].thread, NULL);
		if (workers[i].failed && outcome->failed_thread < 0)
			outcome->failed_thread = (int)i;
		outcome->ops += workers[i].ops;
		if (workers[i].elapsed > outcome->elapsed)
			outcome->elapsed = workers[i].elapsed;
		outcome->thread_rate[i] =
		        workers[i].elapsed > 0
		                ? (double)workers[i].ops / workers[i].elapsed
		                : 0;
		outcome->rate += outcome->thread_rate[i];
	}
	double wall = bench_now() - started;
	getrusage(RUSAGE_SELF, &after);
	double user =
	        cpu_seconds(&after.ru_utime) - cpu_seconds(&before.ru_utime);
	double system =
	        cpu_seconds(&after.ru_stime) - cpu_seconds(&before.ru_stime);
	outcome->cores = wall > 0 ? (user + system) / wall : 0;
	outcome->system_share =
	        user + system > 0 ? system / (user + system) : 0;
	pthread_barrier_destroy(&run.start);
}

/* "a/s + b/s" for the note. */
static void per_thread(char *text, size_t size, size_t threads,
                       const parallel_outcome *outcome)
{
	size_t used = 0;

	text[0] = '\0';
	for (size_t i = 0; i < threads && used < size; i++)
		used += (size_t)snprintf(text + used, size - used, "%s%.0f",
		                         i > 0 ? " + " : "",
		                         outcome->thread_rate[i]);
}

/* ---- Signing through PKCS#11 ------------------------------------------------
 */

typedef struct sign_algorithm {
	const char *name;
	CK_MECHANISM_TYPE generate;
	CK_MECHANISM_TYPE sign;
	/* CKA_EC_PARAMS, and a second spelling tried if the first is
	 * refused as a value (guardhsm also takes the printable name). */
	const unsigned char *params;
	size_t params_length;
	const unsigned char *other_params;
	size_t other_params_length;
} sign_algorithm;

static const unsigned char oid_ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const unsigned char name_edwards25519[] = {
        0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9'};
static const unsigned char oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                         0xce, 0x3d, 0x03, 0x01, 0x07};

static const sign_algorithm ed25519 = {
        "Ed25519",
        CKM_EC_EDWARDS_KEY_PAIR_GEN,
        CKM_EDDSA,
        oid_ed25519,
        sizeof(oid_ed25519),
        name_edwards25519,
        sizeof(name_edwards25519),
};
static const sign_algorithm p256 = {
        "ECDSA P-256",
        CKM_EC_KEY_PAIR_GEN,
        CKM_ECDSA,
        oid_p256,
        sizeof(oid_p256),
        NULL,
        0,
};

typedef struct p11_sign_state {
	CK_FUNCTION_LIST_PTR functions;
	CK_SESSION_HANDLE session;
	bool session_open;
	CK_MECHANISM mechanism;
	CK_OBJECT_HANDLE key;
	unsigned char message[SIGN_MESSAGE_BYTES];
	unsigned char signature[SIGNATURE_CAPACITY];
	CK_ULONG signature_length;
	CK_RV rv; /* the failure, with what failed */
	const char *what;
} p11_sign_state;

static bool p11_sign_once(void *argument)
{
	p11_sign_state *state = argument;
	CK_FUNCTION_LIST_PTR f = state->functions;
	CK_ULONG length = sizeof(state->signature);

	state->rv =
	        f->C_SignInit(state->session, &state->mechanism, state->key);
	if (state->rv != CKR_OK) {
		state->what = "C_SignInit";
		return false;
	}
	state->rv =
	        f->C_Sign(state->session, state->message,
	                  sizeof(state->message), state->signature, &length);
	if (state->rv != CKR_OK) {
		state->what = "C_Sign";
		return false;
	}
	state->signature_length = length;
	return true;
}

/* The module cannot do this at all: a cell, not a failure. */
static bool unsupported(CK_RV rv)
{
	return rv == CKR_MECHANISM_INVALID ||
	       rv == CKR_FUNCTION_NOT_SUPPORTED ||
	       rv == CKR_CURVE_NOT_SUPPORTED;
}

static void mark_unsupported(bench_result *result, const char *algorithm,
                             const char *what, CK_RV rv)
{
	result->unsupported = true;
	snprintf(result->note, sizeof(result->note), "%s: %s returned %s",
	         algorithm, what, bench_rv_name(rv));
}

static CK_RV generate_pair(bench_module *module,
                           const sign_algorithm *algorithm,
                           const unsigned char *params, size_t params_length,
                           CK_OBJECT_HANDLE *public_key,
                           CK_OBJECT_HANDLE *private_key)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_MECHANISM mechanism = {algorithm->generate, NULL, 0};
	CK_ATTRIBUTE public_template[] = {
	        {CKA_EC_PARAMS, (void *)params, params_length},
	        {CKA_TOKEN, &no, sizeof(no)},
	        {CKA_VERIFY, &yes, sizeof(yes)},
	};
	CK_ATTRIBUTE private_template[] = {
	        {CKA_TOKEN, &no, sizeof(no)},
	        {CKA_PRIVATE, &yes, sizeof(yes)},
	        {CKA_SENSITIVE, &yes, sizeof(yes)},
	        {CKA_SIGN, &yes, sizeof(yes)},
	};

	return module->functions->C_GenerateKeyPair(
	        module->session, &mechanism, public_template,
	        sizeof(public_template) / sizeof(public_template[0]),
	        private_template,
	        sizeof(private_template) / sizeof(private_template[0]),
	        public_key, private_key);
}

static void measure_sign(bench_module *module, const bench_options *options,
                         bench_result *result, const sign_algorithm *algorithm,
                         size_t threads)
{
	CK_OBJECT_HANDLE public_key = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE private_key = CK_INVALID_HANDLE;
	p11_sign_state states[SIGN_MAX_THREADS];
	void *pointers[SIGN_MAX_THREADS];
	char verified[96];

	if (!bench_module_open(module))
		return;
	CK_FUNCTION_LIST_PTR f = module->functions;
	const char *spelling = "OID";
	CK_RV rv = generate_pair(module, algorithm, algorithm->params,
	                         algorithm->params_length, &public_key,
	                         &private_key);
	if ((rv == CKR_ATTRIBUTE_VALUE_INVALID ||
	     rv == CKR_CURVE_NOT_SUPPORTED ||
	     rv == CKR_DOMAIN_PARAMS_INVALID) &&
	    algorithm->other_params != NULL) {
		spelling = "printable name";
		rv = generate_pair(module, algorithm, algorithm->other_params,
		                   algorithm->other_params_length, &public_key,
		                   &private_key);
	}
	if (unsupported(rv)) {
		mark_unsupported(result, algorithm->name, "C_GenerateKeyPair",
		                 rv);
		return;
	}
	if (!bench_check(module, rv, "C_GenerateKeyPair"))
		return;

	memset(states, 0, sizeof(states));
	bool ok = true;
	for (size_t i = 0; i < threads && ok; i++) {
		p11_sign_state *state = &states[i];
		state->functions = f;
		state->mechanism.mechanism = algorithm->sign;
		state->key = private_key;
		bench_random(state->message, sizeof(state->message));
		ok = bench_check(module,
		                 f->C_OpenSession(module->slot,
		                                  CKF_SERIAL_SESSION, NULL,
		                                  NULL, &state->session),
		                 "C_OpenSession (signing thread)");
		state->session_open = ok;
		pointers[i] = state;
	}

	/* One signature first: whether the module signs at all, and
	 * whether its own C_Verify accepts what it signed. */
	if (ok && !p11_sign_once(&states[0])) {
		if (unsupported(states[0].rv))
			mark_unsupported(result, algorithm->name,
			                 states[0].what, states[0].rv);
		else
			bench_check(module, states[0].rv, states[0].what);
		ok = false;
	}
	if (ok) {
		CK_MECHANISM mechanism = {algorithm->sign, NULL, 0};
		CK_RV verify_rv = f->C_VerifyInit(module->session, &mechanism,
		                                  public_key);
		if (verify_rv == CKR_OK)
			verify_rv = f->C_Verify(
			        module->session, states[0].message,
			        sizeof(states[0].message), states[0].signature,
			        states[0].signature_length);
		if (verify_rv == CKR_OK)
			snprintf(verified, sizeof(verified),
			         "C_Verify accepts it");
		else
			snprintf(verified, sizeof(verified),
			         "WRONG? C_Verify returned %s",
			         bench_rv_name(verify_rv));
	}

	if (ok) {
		parallel_outcome outcome;
		char rates[96];

		bench_parallel(threads, options->seconds, p11_sign_once,
		               pointers, &outcome);
		if (outcome.failed_thread >= 0) {
			const p11_sign_state *state =
			        &states[outcome.failed_thread];
			bench_fail(module, "%s on signing thread %d: %s",
			           state->what, outcome.failed_thread,
			           bench_rv_name(state->rv));
		} else {
			per_thread(rates, sizeof(rates), threads, &outcome);
			result->done = true;
			result->value = outcome.rate;
			result->cores = outcome.cores;
			snprintf(result->note, sizeof(result->note),
			         "%zu signatures in %.2f s on %zu thread%s "
			         "(%.40s /s), CPU %.2f cores, %.0f%% in the "
			         "kernel; key by %s; %lu-byte signature, "
			         "%.60s",
			         outcome.ops, outcome.elapsed, threads,
			         threads > 1 ? "s" : "", rates, outcome.cores,
			         100 * outcome.system_share, spelling,
			         (unsigned long)states[0].signature_length,
			         verified);
		}
	}

	for (size_t i = 0; i < threads; i++)
		if (states[i].session_open)
			f->C_CloseSession(states[i].session);
	f->C_DestroyObject(module->session, private_key);
	f->C_DestroyObject(module->session, public_key);
}

void bench_run_sign_ed25519_1(bench_module *module,
                              const bench_options *options,
                              bench_result *result)
{
	measure_sign(module, options, result, &ed25519, 1);
}

void bench_run_sign_ed25519_2(bench_module *module,
                              const bench_options *options,
                              bench_result *result)
{
	measure_sign(module, options, result, &ed25519, 2);
}

void bench_run_sign_p256_1(bench_module *module, const bench_options *options,
                           bench_result *result)
{
	measure_sign(module, options, result, &p256, 1);
}

void bench_run_sign_p256_2(bench_module *module, const bench_options *options,
                           bench_result *result)
{
	measure_sign(module, options, result, &p256, 2);
}

/* ---- Raw Ed25519: libsodium -------------------------------------------------
 */

typedef struct sodium_state {
	unsigned char secret[crypto_sign_SECRETKEYBYTES]; /* seed || public */
	unsigned char message[SIGN_MESSAGE_BYTES];
	unsigned char signature[crypto_sign_BYTES];
} sodium_state;

static bool sodium_sign_once(void *argument)
{
	sodium_state *state = argument;

	return crypto_sign_detached(state->signature, NULL, state->message,
	                            sizeof(state->message), state->secret) == 0;
}

static void raw_ed25519(const bench_options *options, bench_result *result,
                        size_t threads)
{
	sodium_state states[SIGN_MAX_THREADS];
	void *pointers[SIGN_MAX_THREADS];
	unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
	unsigned char secret[crypto_sign_SECRETKEYBYTES];
	parallel_outcome outcome;
	char rates[96];

	if (sodium_init() < 0) {
		result->failed = true;
		snprintf(result->note, sizeof(result->note),
		         "sodium_init failed");
		return;
	}
	crypto_sign_keypair(public_key, secret);
	for (size_t i = 0; i < threads; i++) {
		memcpy(states[i].secret, secret, sizeof(secret));
		bench_random(states[i].message, sizeof(states[i].message));
		pointers[i] = &states[i];
	}
	sodium_memzero(secret, sizeof(secret));
	bench_parallel(threads, options->seconds, sodium_sign_once, pointers,
	               &outcome);
	bool valid = crypto_sign_verify_detached(
	                     states[0].signature, states[0].message,
	                     sizeof(states[0].message), public_key) == 0;
	sodium_memzero(states, sizeof(states));
	if (outcome.failed_thread >= 0 || !valid) {
		result->failed = true;
		snprintf(result->note, sizeof(result->note), "libsodium: %s",
		         valid ? "crypto_sign_detached failed"
		               : "the signature does not verify");
		return;
	}
	per_thread(rates, sizeof(rates), threads, &outcome);
	result->done = true;
	result->value = outcome.rate;
	result->cores = outcome.cores;
	snprintf(result->note, sizeof(result->note),
	         "libsodium %s: %zu signatures in %.2f s (%.40s /s), CPU "
	         "%.2f cores",
	         sodium_version_string(), outcome.ops, outcome.elapsed, rates,
	         outcome.cores);
}

void bench_raw_ed25519_1(const bench_options *options, bench_result *result)
{
	raw_ed25519(options, result, 1);
}

void bench_raw_ed25519_2(const bench_options *options, bench_result *result)
{
	raw_ed25519(options, result, 2);
}

/* ---- Raw ECDSA P-256: OpenSSL
 * ------------------------------------------------
 */

typedef struct openssl_state {
	EVP_PKEY *key;
	EVP_PKEY_CTX *context; /* NULL: a new one per signature */
	unsigned char digest[SIGN_MESSAGE_BYTES];
	unsigned char signature[SIGNATURE_CAPACITY];
	size_t signature_length;
} openssl_state;

/* The context made once, EVP_PKEY_sign_init once: only the signing. */
static bool openssl_sign_once(void *argument)
{
	openssl_state *state = argument;

	state->signature_length = sizeof(state->signature);
	return EVP_PKEY_sign(state->context, state->signature,
	                     &state->signature_length, state->digest,
	                     sizeof(state->digest)) == 1;
}

/* What a caller that keeps only the EVP_PKEY does per signature. */
static bool openssl_sign_new_context(void *argument)
{
	openssl_state *state = argument;
	EVP_PKEY_CTX *context = EVP_PKEY_CTX_new(state->key, NULL);
	bool ok = context != NULL && EVP_PKEY_sign_init(context) == 1;

	state->signature_length = sizeof(state->signature);
	ok = ok &&
	     EVP_PKEY_sign(context, state->signature, &state->signature_length,
	                   state->digest, sizeof(state->digest)) == 1;
	EVP_PKEY_CTX_free(context);
	return ok;
}

static void raw_p256(const bench_options *options, bench_result *result,
                     size_t threads, bool context_per_call)
{
	openssl_state states[SIGN_MAX_THREADS];
	void *pointers[SIGN_MAX_THREADS];
	parallel_outcome outcome;
	char rates[96];
	bool ok = true;

	memset(states, 0, sizeof(states));
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ok = key != NULL;
	for (size_t i = 0; i < threads && ok; i++) {
		states[i].key = key;
		bench_random(states[i].digest, sizeof(states[i].digest));
		pointers[i] = &states[i];
		if (context_per_call)
			continue;
		states[i].context = EVP_PKEY_CTX_new(key, NULL);
		ok = states[i].context != NULL &&
		     EVP_PKEY_sign_init(states[i].context) == 1;
	}
	if (ok) {
		bench_parallel(threads, options->seconds,
		               context_per_call ? openssl_sign_new_context
		                                : openssl_sign_once,
		               pointers, &outcome);
		ok = outcome.failed_thread < 0;
	}
	if (ok) {
		/* The last signature must verify, or we timed nothing. */
		EVP_PKEY_CTX *verify = EVP_PKEY_CTX_new(key, NULL);
		ok = verify != NULL && EVP_PKEY_verify_init(verify) == 1 &&
		     EVP_PKEY_verify(verify, states[0].signature,
		                     states[0].signature_length,
		                     states[0].digest,
		                     sizeof(states[0].digest)) == 1;
		EVP_PKEY_CTX_free(verify);
	}
	if (ok) {
		per_thread(rates, sizeof(rates), threads, &outcome);
		result->done = true;
		result->value = outcome.rate;
		result->cores = outcome.cores;
		snprintf(result->note, sizeof(result->note),
		         "%.40s: %zu signatures in %.2f s (%.40s /s), CPU "
		         "%.2f cores, %s",
		         OpenSSL_version(OPENSSL_VERSION), outcome.ops,
		         outcome.elapsed, rates, outcome.cores,
		         context_per_call
		                 ? "EVP_PKEY_CTX_new + sign_init + sign + "
		                   "free per signature"
		                 : "one EVP_PKEY_CTX per thread");
	} else {
		unsigned long error = ERR_get_error();
		const char *reason =
		        error != 0 ? ERR_reason_error_string(error) : NULL;
		result->failed = true;
		snprintf(result->note, sizeof(result->note), "OpenSSL: %s",
		         reason != NULL ? reason : "signing failed");
	}
	for (size_t i = 0; i < threads; i++)
		EVP_PKEY_CTX_free(states[i].context);
	EVP_PKEY_free(key);
}

void bench_raw_p256_1(const bench_options *options, bench_result *result)
{
	raw_p256(options, result, 1, false);
}

void bench_raw_p256_2(const bench_options *options, bench_result *result)
{
	raw_p256(options, result, 2, false);
}

void bench_raw_p256_new_context_1(const bench_options *options,
                                  bench_result *result)
{
	raw_p256(options, result, 1, true);
}
