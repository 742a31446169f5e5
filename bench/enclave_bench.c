/*
 * enclave_bench: what the enclave costs, measured in one run against the
 * bare libsodium calls it wraps, so that the ratios hold even when the
 * machine's absolute speed drifts.
 *
 * Each measurement repeats one operation for a fixed time (BENCH_SECONDS,
 * default 0.5) and reports operations per second. Nothing here passes or
 * fails on speed: a benchmark that asserts timings only measures the CI
 * machine's mood. The program fails only if an operation itself fails.
 */
#include "config.h"

#include "enclave/enclave.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SECRET 4096
#define MANY_SEALED 100000
#define MANY_BUFFERS 1000

typedef void (*bench_operation)(void *context);

static double bench_seconds = 0.5;

static _Noreturn void fail(const char *what, enc_status status)
{
	fprintf(stderr, "enclave_bench: %s failed: %s\n", what,
	        enc_strerror(status));
	exit(1);
}

static double now_seconds(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Runs operation until bench_seconds have passed and returns operations per
 * second. The clock is read once per batch so that reading it does not
 * weigh on operations that take less than a microsecond. */
static double measure(bench_operation operation, void *context)
{
	const unsigned batch = 16;
	unsigned long long operations = 0;
	double start = now_seconds(), elapsed;

	do {
		for (unsigned i = 0; i < batch; i++)
			operation(context);
		operations += batch;
		elapsed = now_seconds() - start;
	} while (elapsed < bench_seconds);
	return (double)operations / elapsed;
}

/* ---- Sealing and opening ----------------------------------------------- */

typedef struct seal_context {
	size_t length;
	unsigned char plaintext[MAX_SECRET];
	/* guardhsm */
	enc_sealed *sealed;
	/* raw libsodium: the key sits in a plain array, as in a program
	 * without an enclave */
	bool gcm; /* the enclave seals with AES-256-GCM: so does the raw side */
	crypto_aead_aes256gcm_state state; /* expanded once */
	uint64_t counter;
	unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	unsigned char nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	unsigned char ciphertext[MAX_SECRET +
	                         crypto_aead_xchacha20poly1305_ietf_ABYTES];
	unsigned long long ciphertext_length;
	unsigned char decrypted[MAX_SECRET];
} seal_context;

static void guardhsm_seal(void *opaque)
{
	seal_context *context = opaque;
	enc_sealed *sealed;
	enc_status status;

	status = enc_seal_bytes(context->plaintext, context->length, NULL, 0,
	                        &sealed);
	if (status != ENC_OK)
		fail("enc_seal_bytes", status);
	enc_sealed_free(sealed);
}

static void guardhsm_open(void *opaque)
{
	seal_context *context = opaque;
	enc_buffer *buffer;
	enc_status status;

	status = enc_open(context->sealed, NULL, 0, 0, &buffer);
	if (status != ENC_OK)
		fail("enc_open", status);
	enc_free(buffer);
}

/* A fresh nonce per message is part of any correct use of the AEAD, so
 * the raw side makes one as enc_seal_bytes does: a counter for AES-256-GCM
 * (whose key the raw side keeps expanded), random for XChaCha20. */
static void raw_seal(void *opaque)
{
	seal_context *context = opaque;

	if (context->gcm) {
		memcpy(context->nonce, &context->counter,
		       sizeof(context->counter));
		context->counter++;
		crypto_aead_aes256gcm_encrypt_afternm(
		        context->ciphertext, &context->ciphertext_length,
		        context->plaintext, context->length, NULL, 0, NULL,
		        context->nonce, &context->state);
		return;
	}
	randombytes_buf(context->nonce, sizeof(context->nonce));
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	        context->ciphertext, &context->ciphertext_length,
	        context->plaintext, context->length, NULL, 0, NULL,
	        context->nonce, context->key);
}

static void raw_open(void *opaque)
{
	seal_context *context = opaque;
	unsigned long long length;

	if (context->gcm) {
		if (crypto_aead_aes256gcm_decrypt_afternm(
		            context->decrypted, &length, NULL,
		            context->ciphertext, context->ciphertext_length,
		            NULL, 0, context->nonce, &context->state) != 0 ||
		    length != context->length)
			fail("crypto_aead_aes256gcm_decrypt_afternm",
			     ENC_ERR_AUTH);
		return;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
	            context->decrypted, &length, NULL, context->ciphertext,
	            context->ciphertext_length, NULL, 0, context->nonce,
	            context->key) != 0 ||
	    length != context->length)
		fail("crypto_aead_xchacha20poly1305_ietf_decrypt",
		     ENC_ERR_AUTH);
}

static void print_row(const char *operation, double guardhsm, double raw,
                      const char *raw_name)
{
	printf("%-30s %14.0f %14.0f  %-16s %6.2f\n", operation, guardhsm, raw,
	       raw_name, guardhsm / raw);
}

static void bench_sealing(void)
{
	static seal_context context;
	static const size_t lengths[] = {32, 4096};
	enc_status status;
	char name[64];
	enc_stats stats;

	status = enc_get_stats(&stats);
	if (status != ENC_OK)
		fail("enc_get_stats", status);
	context.gcm = stats.seal_cipher == ENC_SEAL_AES256GCM;
	const char *raw_name = context.gcm ? "raw AES-GCM" : "raw XChaCha20";
	printf("\nsealing cipher: %s\n",
	       context.gcm ? "AES-256-GCM" : "XChaCha20-Poly1305");
	printf("%-30s %14s %14s  %-16s %6s\n", "operation", "guardhsm/s",
	       "baseline/s", "baseline", "ratio");
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		double guardhsm, raw;

		context.length = lengths[i];
		randombytes_buf(context.plaintext, context.length);
		crypto_aead_xchacha20poly1305_ietf_keygen(context.key);
		if (context.gcm)
			crypto_aead_aes256gcm_beforenm(&context.state,
			                               context.key);
		raw_seal(&context);
		status = enc_seal_bytes(context.plaintext, context.length, NULL,
		                        0, &context.sealed);
		if (status != ENC_OK)
			fail("enc_seal_bytes", status);

		snprintf(name, sizeof(name), "seal %zu B", context.length);
		guardhsm = measure(guardhsm_seal, &context);
		raw = measure(raw_seal, &context);
		print_row(name, guardhsm, raw, raw_name);

		snprintf(name, sizeof(name), "open+free %zu B", context.length);
		guardhsm = measure(guardhsm_open, &context);
		raw = measure(raw_open, &context);
		print_row(name, guardhsm, raw, raw_name);

		enc_sealed_free(context.sealed);
		context.sealed = NULL;
	}
}

/* ---- Allocation ---------------------------------------------------------- */

static void slab_alloc_free(void *opaque)
{
	enc_buffer *buffer;
	enc_status status = enc_alloc(32, 0, &buffer);

	(void)opaque;
	if (status != ENC_OK)
		fail("enc_alloc (slab)", status);
	enc_free(buffer);
}

static void guarded_alloc_free(void *opaque)
{
	enc_buffer *buffer;
	enc_status status = enc_alloc(32, ENC_ALLOC_GUARDED, &buffer);

	(void)opaque;
	if (status != ENC_OK)
		fail("enc_alloc (guarded)", status);
	enc_free(buffer);
}

static void sodium_alloc_free(void *opaque)
{
	void *memory = sodium_malloc(32);

	(void)opaque;
	if (memory == NULL)
		fail("sodium_malloc", ENC_ERR_NOMEM);
	sodium_free(memory);
}

static void bench_allocation(void)
{
	double slab, guarded, sodium;

	slab = measure(slab_alloc_free, NULL);
	guarded = measure(guarded_alloc_free, NULL);
	sodium = measure(sodium_alloc_free, NULL);
	print_row("alloc+free 32 B slab", slab, sodium, "sodium_malloc");
	print_row("alloc+free 32 B guarded", guarded, sodium, "sodium_malloc");
}

/* ---- Locked memory and mappings ----------------------------------------- */

typedef struct footprint {
	long locked_kib; /* VmLck: the kernel's count */
	long mappings;   /* lines of /proc/self/maps */
} footprint;

static footprint measure_footprint(void)
{
	footprint result = {-1, 0};
	char line[512];
	FILE *file;

	file = fopen("/proc/self/status", "r");
	if (file != NULL) {
		while (fgets(line, sizeof(line), file) != NULL)
			if (sscanf(line, "VmLck: %ld kB", &result.locked_kib) ==
			    1)
				break;
		fclose(file);
	}
	file = fopen("/proc/self/maps", "r");
	if (file != NULL) {
		int c;

		while ((c = fgetc(file)) != EOF)
			result.mappings += c == '\n';
		fclose(file);
	}
	return result;
}

static void print_footprint(const char *what, footprint before, footprint after)
{
	printf("%-44s %+10ld KiB %+10ld\n", what,
	       after.locked_kib - before.locked_kib,
	       after.mappings - before.mappings);
}

static void bench_footprint(void)
{
	static unsigned char plaintext[32];
	enc_sealed **sealed;
	enc_buffer **buffers;
	void **memory;
	footprint before, after;
	enc_status status;
	size_t i, made;

	sealed = calloc(MANY_SEALED, sizeof(*sealed));
	buffers = calloc(MANY_BUFFERS, sizeof(*buffers));
	memory = calloc(MANY_BUFFERS, sizeof(*memory));
	if (sealed == NULL || buffers == NULL || memory == NULL)
		fail("calloc", ENC_ERR_NOMEM);

	printf("\n%-44s %14s %10s\n", "live objects", "VmLck change",
	       "mappings");

	randombytes_buf(plaintext, sizeof(plaintext));
	before = measure_footprint();
	for (i = 0; i < MANY_SEALED; i++) {
		status = enc_seal_bytes(plaintext, sizeof(plaintext), NULL, 0,
		                        &sealed[i]);
		if (status != ENC_OK)
			fail("enc_seal_bytes", status);
	}
	after = measure_footprint();
	print_footprint("100000 sealed 32 B secrets", before, after);
	for (i = 0; i < MANY_SEALED; i++)
		enc_sealed_free(sealed[i]);

	before = measure_footprint();
	for (i = 0; i < MANY_BUFFERS; i++) {
		status = enc_alloc(32, 0, &buffers[i]);
		if (status != ENC_OK)
			fail("enc_alloc (slab)", status);
	}
	after = measure_footprint();
	print_footprint("1000 live 32 B slab buffers", before, after);
	for (i = 0; i < MANY_BUFFERS; i++)
		enc_free(buffers[i]);

	/* One mapping per buffer: the locked budget (RLIMIT_MEMLOCK) may
	 * stop this early, which is the point of the slab. */
	before = measure_footprint();
	for (made = 0; made < MANY_BUFFERS; made++) {
		status = enc_alloc(32, ENC_ALLOC_GUARDED, &buffers[made]);
		if (status != ENC_OK)
			break;
	}
	after = measure_footprint();
	if (made == MANY_BUFFERS) {
		print_footprint("1000 live 32 B guarded buffers", before,
		                after);
	} else {
		char what[96];

		snprintf(what, sizeof(what),
		         "%zu live 32 B guarded buffers (then %s)", made,
		         enc_strerror(status));
		print_footprint(what, before, after);
	}
	for (i = 0; i < made; i++)
		enc_free(buffers[i]);

	before = measure_footprint();
	for (i = 0; i < MANY_BUFFERS; i++) {
		memory[i] = sodium_malloc(32);
		if (memory[i] == NULL)
			fail("sodium_malloc", ENC_ERR_NOMEM);
	}
	after = measure_footprint();
	print_footprint("1000 live sodium_malloc(32) buffers", before, after);
	for (i = 0; i < MANY_BUFFERS; i++)
		sodium_free(memory[i]);

	free(sealed);
	free(buffers);
	free(memory);
}

int main(void)
{
	const char *seconds = getenv("BENCH_SECONDS");
	enc_stats stats;
	enc_status status;

	if (seconds != NULL && strtod(seconds, NULL) > 0)
		bench_seconds = strtod(seconds, NULL);
	if (sodium_init() < 0) {
		fprintf(stderr, "enclave_bench: sodium_init failed\n");
		return 1;
	}
	/* Twice: the library's default (every close at once) and the
	 * PKCS#11 module's (closes deferred by 20 ms). */
	static const unsigned delays[] = {0, 20};
	for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		enc_config config;
		enc_config_default(&config);
		config.reprotect_delay_ms = delays[i];
		status = enc_init(&config);
		if (status != ENC_OK)
			fail("enc_init", status);
		status = enc_get_stats(&stats);
		if (status != ENC_OK)
			fail("enc_get_stats", status);
		printf("%sguardhsm enclave benchmark: %.2f s per measurement; "
		       "locked budget %zu KiB; reprotect_delay_ms %u%s; key "
		       "page %s\n",
		       i > 0 ? "\n" : "", bench_seconds,
		       stats.locked_budget / 1024, delays[i],
		       delays[i] == 0 ? " (the library's default)"
		                      : " (the module's default)",
		       stats.protection_key ? "behind a CPU protection key"
		                            : "behind mprotect");
		printf("ratio = guardhsm/baseline: above 1 is faster than the "
		       "baseline.\n");
		bench_sealing();
		bench_allocation();
		if (i == 0)
			bench_footprint();
		enc_shutdown();
	}
	return 0;
}
