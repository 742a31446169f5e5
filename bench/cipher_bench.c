/*
 * cipher_bench: AES-256-GCM encryption (96-bit IV, 16-byte tag) of one
 * message through a whole cry_cipher (new + update + final + free, the
 * way the PKCS#11 layer's C_EncryptInit + C_Encrypt use it; and new +
 * once + free, which does not copy the message), against the bare
 * libraries on the same buffer:
 *  - libsodium crypto_aead_aes256gcm_encrypt_detached_afternm with the
 *    expanded state built once and reused;
 *  - OpenSSL EVP with one context keyed once, only the IV reset.
 * The raw baselines keep their key schedule in ordinary memory for the
 * whole run: exactly what guardhsm does not do.
 *
 * Wall clock: each operation repeated for BENCH_SECONDS (default 0.5).
 * Instruction counts, which do not drift with the machine:
 *   valgrind --tool=callgrind --toggle-collect=guardhsm_encrypt
 *       --toggle-collect=guardhsm_encrypt_once
 *       --toggle-collect=sodium_encrypt --toggle-collect=openssl_encrypt
 *       bench/cipher_bench --calls 1000 --size 4096
 * (then callgrind_annotate --inclusive=yes: each function's inclusive
 * count / 1000). Nothing passes or fails on speed.
 */
#include "config.h"

#include "crypto/crypto.h"
#include "enclave/enclave.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_MESSAGE 4096

typedef struct bench {
	size_t length;
	uint8_t message[MAX_MESSAGE];
	uint8_t out[MAX_MESSAGE + 16];
	uint8_t nonce[12];
	enc_buffer *key;                    /* guardhsm: READONLY */
	crypto_aead_aes256gcm_state *state; /* libsodium, ordinary memory */
	EVP_CIPHER_CTX *context;            /* OpenSSL, keyed once */
} bench;

static _Noreturn void fail(const char *what)
{
	fprintf(stderr, "cipher_bench: %s failed\n", what);
	exit(1);
}

__attribute__((noinline)) static void guardhsm_encrypt(bench *b)
{
	cry_cipher_params params;
	cry_cipher *cipher = NULL;
	size_t written = 0;

	memset(&params, 0, sizeof(params));
	params.mode = CRY_AES_GCM;
	params.iv = b->nonce;
	params.iv_length = sizeof(b->nonce);
	params.tag_length = 16;
	if (cry_cipher_new(b->key, &params, true, &cipher) != CRY_OK ||
	    cry_cipher_update(cipher, b->message, b->length, NULL, &written) !=
	            CRY_OK)
		fail("cry_cipher");
	written = sizeof(b->out);
	if (cry_cipher_final(cipher, b->out, &written) != CRY_OK ||
	    written != b->length + 16)
		fail("cry_cipher_final");
	cry_cipher_free(cipher);
}

/* The same through cry_cipher_once: no copy of the message. */
__attribute__((noinline)) static void guardhsm_encrypt_once(bench *b)
{
	cry_cipher_params params;
	cry_cipher *cipher = NULL;
	size_t written = sizeof(b->out);

	memset(&params, 0, sizeof(params));
	params.mode = CRY_AES_GCM;
	params.iv = b->nonce;
	params.iv_length = sizeof(b->nonce);
	params.tag_length = 16;
	if (cry_cipher_new(b->key, &params, true, &cipher) != CRY_OK ||
	    cry_cipher_once(cipher, b->message, b->length, b->out, &written) !=
	            CRY_OK ||
	    written != b->length + 16)
		fail("cry_cipher_once");
	cry_cipher_free(cipher);
}

__attribute__((noinline)) static void sodium_encrypt(bench *b)
{
	if (crypto_aead_aes256gcm_encrypt_detached_afternm(
	            b->out, b->out + b->length, NULL, b->message, b->length,
	            NULL, 0, NULL, b->nonce, b->state) != 0)
		fail("libsodium");
}

__attribute__((noinline)) static void openssl_encrypt(bench *b)
{
	int written = 0, more = 0;

	if (EVP_EncryptInit_ex(b->context, NULL, NULL, NULL, b->nonce) != 1 ||
	    EVP_EncryptUpdate(b->context, b->out, &written, b->message,
	                      (int)b->length) != 1 ||
	    EVP_EncryptFinal_ex(b->context, b->out + written, &more) != 1 ||
	    EVP_CIPHER_CTX_ctrl(b->context, EVP_CTRL_AEAD_GET_TAG, 16,
	                        b->out + b->length) != 1)
		fail("OpenSSL");
}

static double now_seconds(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static double measure(void (*operation)(bench *), bench *b, double seconds)
{
	unsigned long long count = 0;
	double start = now_seconds(), elapsed;

	do {
		for (unsigned i = 0; i < 64; i++)
			operation(b);
		count += 64;
		elapsed = now_seconds() - start;
	} while (elapsed < seconds);
	return (double)count / elapsed;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = {64, 4096};
	static bench b;
	uint8_t key_bytes[32];
	const char *env = getenv("BENCH_SECONDS");
	double seconds = env != NULL ? atof(env) : 0.5;
	long calls = 0;
	size_t only = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--calls") == 0)
			calls = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--size") == 0)
			only = (size_t)atol(argv[i + 1]);
	}
	if (enc_init(NULL) != ENC_OK || cry_init(0, NULL) != CRY_OK)
		fail("init");
	if (!crypto_aead_aes256gcm_is_available()) {
		printf("cipher_bench: no AES-NI + PCLMUL, nothing to "
		       "compare\n");
		return 0;
	}
	randombytes_buf(key_bytes, sizeof(key_bytes));
	randombytes_buf(b.nonce, sizeof(b.nonce));
	randombytes_buf(b.message, sizeof(b.message));
	if (enc_alloc(32, 0, &b.key) != ENC_OK)
		fail("enc_alloc");
	memcpy(enc_data(b.key), key_bytes, 32);
	if (enc_protect(b.key, ENC_READONLY) != ENC_OK)
		fail("enc_protect");
	b.state = sodium_malloc(sizeof(*b.state));
	b.context = EVP_CIPHER_CTX_new();
	if (b.state == NULL || b.context == NULL ||
	    crypto_aead_aes256gcm_beforenm(b.state, key_bytes) != 0 ||
	    EVP_EncryptInit_ex(b.context, EVP_aes_256_gcm(), NULL, key_bytes,
	                       b.nonce) != 1)
		fail("setup");
	sodium_memzero(key_bytes, sizeof(key_bytes));

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		double guardhsm, once, sodium, openssl;

		b.length = sizes[s];
		if (only != 0 && only != b.length)
			continue;
		if (calls > 0) { /* for callgrind: a fixed number of calls */
			for (long i = 0; i < calls; i++) {
				guardhsm_encrypt(&b);
				guardhsm_encrypt_once(&b);
				sodium_encrypt(&b);
				openssl_encrypt(&b);
			}
			printf("%zu bytes: %ld calls each\n", b.length, calls);
			continue;
		}
		guardhsm = measure(guardhsm_encrypt, &b, seconds);
		once = measure(guardhsm_encrypt_once, &b, seconds);
		sodium = measure(sodium_encrypt, &b, seconds);
		openssl = measure(openssl_encrypt, &b, seconds);
		printf("AES-256-GCM %4zu B/s: libsodium afternm %9.0f, OpenSSL "
		       "EVP %9.0f\n",
		       b.length, sodium, openssl);
		printf("  guardhsm update+final %9.0f (%5.1f%% of libsodium, "
		       "%5.1f%% of OpenSSL)\n",
		       guardhsm, 100.0 * guardhsm / sodium,
		       100.0 * guardhsm / openssl);
		printf("  guardhsm once         %9.0f (%5.1f%% of libsodium, "
		       "%5.1f%% of OpenSSL)\n",
		       once, 100.0 * once / sodium, 100.0 * once / openssl);
	}
	EVP_CIPHER_CTX_free(b.context);
	sodium_free(b.state);
	enc_free(b.key);
	enc_shutdown();
	return 0;
}
