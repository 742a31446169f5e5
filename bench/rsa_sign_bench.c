/*
 * rsa_sign_bench: cry_rsa_sign (the key rebuilt from its enclave buffer in
 * every call) against bare OpenSSL signing with a pre-built EVP_PKEY
 * (EVP_PKEY_sign of a digest, a fresh EVP_PKEY_CTX per signature), both
 * RSA PKCS#1 v1.5 with SHA-256 on the same generated key.
 *
 * The two are interleaved in blocks of BLOCK signatures and timed in
 * thread CPU time, so that the machine's drift and other processes weigh
 * on both alike; the ratio is what to read. Usage: rsa_sign_bench [bits
 * [signatures]] (default 2048 and 2000). Fails only if an operation fails.
 */
#include "config.h"

#include "crypto/crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BLOCK 50
#define MAX_BYTES (CRY_RSA_MAX_BITS / 8)

static _Noreturn void fail(const char *what)
{
	fprintf(stderr, "rsa_sign_bench: %s failed\n", what);
	exit(1);
}

static double cpu_seconds(void)
{
	struct timespec now;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* The packed key as an EVP_PKEY (ordinary memory: this is the baseline). */
static EVP_PKEY *evp_key(const enc_buffer *packed)
{
	static const char *const names[CRY_RSA_PART_COUNT] = {
	        OSSL_PKEY_PARAM_RSA_N,
	        OSSL_PKEY_PARAM_RSA_E,
	        OSSL_PKEY_PARAM_RSA_D,
	        OSSL_PKEY_PARAM_RSA_FACTOR1,
	        OSSL_PKEY_PARAM_RSA_FACTOR2,
	        OSSL_PKEY_PARAM_RSA_EXPONENT1,
	        OSSL_PKEY_PARAM_RSA_EXPONENT2,
	        OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
	OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *context = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *numbers[CRY_RSA_PART_COUNT] = {NULL};
	OSSL_PARAM *params = NULL;
	EVP_PKEY *key = NULL;

	for (int i = 0; i < CRY_RSA_PART_COUNT; i++) {
		const uint8_t *value;
		size_t length;

		if (cry_rsa_part_view(packed, i, &value, &length) != CRY_OK ||
		    (numbers[i] = BN_bin2bn(value, (int)length, NULL)) ==
		            NULL ||
		    !OSSL_PARAM_BLD_push_BN(builder, names[i], numbers[i]))
			fail("building the EVP_PKEY");
	}
	params = OSSL_PARAM_BLD_to_param(builder);
	if (params == NULL || EVP_PKEY_fromdata_init(context) != 1 ||
	    EVP_PKEY_fromdata(context, &key, EVP_PKEY_KEYPAIR, params) != 1)
		fail("EVP_PKEY_fromdata");
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(builder);
	EVP_PKEY_CTX_free(context);
	for (int i = 0; i < CRY_RSA_PART_COUNT; i++)
		BN_clear_free(numbers[i]);
	return key;
}

static void sign_bare(EVP_PKEY *key, const uint8_t digest[32],
                      uint8_t *signature)
{
	size_t length = MAX_BYTES;
	EVP_PKEY_CTX *context = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);

	if (context == NULL || EVP_PKEY_sign_init(context) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(context, EVP_sha256()) != 1 ||
	    EVP_PKEY_sign(context, signature, &length, digest, 32) != 1)
		fail("EVP_PKEY_sign");
	EVP_PKEY_CTX_free(context);
}

static void sign_ours(const enc_buffer *packed, const uint8_t digest[32],
                      uint8_t *signature)
{
	static const cry_rsa_params params = {.padding = CRY_RSA_PAD_PKCS1,
	                                      .digest_info = true,
	                                      .hash = CRY_HASH_SHA256};
	size_t length = MAX_BYTES;

	if (cry_rsa_sign(packed, &params, digest, 32, signature, &length) !=
	    CRY_OK)
		fail("cry_rsa_sign");
}

int main(int argc, char **argv)
{
	unsigned bits = argc > 1 ? (unsigned)atoi(argv[1]) : 2048;
	int signatures = argc > 2 ? atoi(argv[2]) : 2000;
	static uint8_t bare[MAX_BYTES], ours[MAX_BYTES];
	uint8_t digest[32] = {0};
	double seconds[2] = {0, 0};
	enc_buffer *packed = NULL;
	int blocks = signatures / BLOCK > 0 ? signatures / BLOCK : 1;

	if (enc_init(NULL) != ENC_OK || cry_init(0, NULL) != CRY_OK)
		fail("initialisation");
	if (cry_rsa_generate(bits, NULL, 0, &packed) != CRY_OK)
		fail("cry_rsa_generate");
	EVP_PKEY *key = evp_key(packed);
	/* PKCS#1 v1.5 is deterministic: the two must agree. */
	sign_bare(key, digest, bare);
	sign_ours(packed, digest, ours);
	if (memcmp(bare, ours, (bits + 7) / 8) != 0)
		fail("comparing the signatures");
	for (int block = 0; block < blocks; block++) {
		double start = cpu_seconds();

		for (int i = 0; i < BLOCK; i++) {
			digest[0] = (uint8_t)i;
			sign_bare(key, digest, bare);
		}
		seconds[0] += cpu_seconds() - start;
		start = cpu_seconds();
		for (int i = 0; i < BLOCK; i++) {
			digest[0] = (uint8_t)i;
			sign_ours(packed, digest, ours);
		}
		seconds[1] += cpu_seconds() - start;
	}
	printf("RSA-%u PKCS#1 v1.5 SHA-256, %d signatures each (CPU time)\n",
	       bits, blocks * BLOCK);
	printf("  bare OpenSSL (pre-built EVP_PKEY): %8.1f us/signature\n",
	       seconds[0] / (blocks * BLOCK) * 1e6);
	printf("  cry_rsa_sign (enclave key):        %8.1f us/signature\n",
	       seconds[1] / (blocks * BLOCK) * 1e6);
	printf("  ratio (bare / ours):               %8.3f\n",
	       seconds[0] / seconds[1]);
	EVP_PKEY_free(key);
	enc_free(packed);
	enc_shutdown();
	return 0;
}
