/* p11bench RSA and AES workloads, each next to its raw baseline, the bare
 * OpenSSL 3 call a token is built on, timed by the same harness:
 *
 *   RSA-2048 sign      C_SignInit + C_Sign (CKM_SHA256_RSA_PKCS) of 64
 *                      bytes; raw: EVP_DigestSignInit + EVP_DigestSign
 *                      with a pre-built EVP_PKEY and a reused EVP_MD_CTX
 *   RSA-2048 decrypt   C_DecryptInit + C_Decrypt (CKM_RSA_PKCS_OAEP,
 *                      SHA-256) of a 32-byte secret; raw: EVP_PKEY_decrypt
 *                      with a context set up once
 *   AES-256-GCM        C_EncryptInit + C_Encrypt of 64 bytes and of 4 KiB
 *                      (12-byte IV, 128-bit tag); raw: one EVP_CIPHER_CTX
 *                      keyed once, per message a new IV, update, final and
 *                      the tag
 *   RSA-4096 keygen    C_GenerateKeyPair, seconds per key pair (the mean
 *                      of a few; keygen time varies a lot by nature); raw:
 *                      EVP_PKEY_Q_keygen
 * One thread each: these rows measure the per-operation overhead. */
#include "config.h"

#include "p11bench_common.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RSA_MESSAGE_BYTES 64
#define RSA_BITS 2048
#define RSA_BYTES (RSA_BITS / 8)
#define SECRET_BYTES 32
#define KEYGEN_ROUNDS 3

/* The module cannot do this at all: a cell, not a failure. */
bool bench_unsupported_rv(CK_RV rv)
{
	return rv == CKR_MECHANISM_INVALID ||
	       rv == CKR_FUNCTION_NOT_SUPPORTED || rv == CKR_KEY_SIZE_RANGE;
}

void bench_mark_unsupported(bench_result *result, const char *what, CK_RV rv)
{
	result->unsupported = true;
	snprintf(result->note, sizeof(result->note), "%s returned %s", what,
	         bench_rv_name(rv));
}

static void openssl_failed(bench_result *result, const char *what)
{
	unsigned long error = ERR_get_error();
	const char *reason = error != 0 ? ERR_reason_error_string(error) : NULL;
	result->failed = true;
	snprintf(result->note, sizeof(result->note), "OpenSSL %s: %s", what,
	         reason != NULL ? reason : "failed");
}

void bench_rate_result(bench_result *result, const parallel_outcome *outcome,
                       const char *what)
{
	result->done = true;
	result->value = outcome->rate;
	result->cores = outcome->cores;
	snprintf(result->note, sizeof(result->note),
	         "%zu %s in %.2f s, CPU %.2f cores, %.0f%% in the kernel",
	         outcome->ops, what, outcome->elapsed, outcome->cores,
	         100 * outcome->system_share);
}

/* ---- Through PKCS#11 ---------------------------------------------------- */

typedef struct p11_state {
	CK_FUNCTION_LIST_PTR functions;
	CK_SESSION_HANDLE session;
	CK_MECHANISM mechanism;
	CK_OBJECT_HANDLE key;
	bool encrypt; /* else decrypt (or sign if sign) */
	bool sign;
	unsigned char *input;
	CK_ULONG input_length;
	unsigned char *output;
	CK_ULONG output_capacity;
	CK_ULONG output_length;
	CK_RV rv;
	const char *what;
} p11_state;

static bool p11_once(void *argument)
{
	p11_state *s = argument;
	CK_FUNCTION_LIST_PTR f = s->functions;
	CK_ULONG length = s->output_capacity;
	if (s->sign) {
		s->what = "C_SignInit";
		s->rv = f->C_SignInit(s->session, &s->mechanism, s->key);
		if (s->rv == CKR_OK) {
			s->what = "C_Sign";
			s->rv = f->C_Sign(s->session, s->input, s->input_length,
			                  s->output, &length);
		}
	} else if (s->encrypt) {
		s->what = "C_EncryptInit";
		s->rv = f->C_EncryptInit(s->session, &s->mechanism, s->key);
		if (s->rv == CKR_OK) {
			s->what = "C_Encrypt";
			s->rv = f->C_Encrypt(s->session, s->input,
			                     s->input_length, s->output,
			                     &length);
		}
	} else {
		s->what = "C_DecryptInit";
		s->rv = f->C_DecryptInit(s->session, &s->mechanism, s->key);
		if (s->rv == CKR_OK) {
			s->what = "C_Decrypt";
			s->rv = f->C_Decrypt(s->session, s->input,
			                     s->input_length, s->output,
			                     &length);
		}
	}
	s->output_length = length;
	return s->rv == CKR_OK;
}

/* Times state on one thread; false if the first operation failed. */
static bool p11_measure(bench_module *module, const bench_options *options,
                        bench_result *result, p11_state *state,
                        const char *what)
{
	if (!p11_once(state)) {
		if (bench_unsupported_rv(state->rv))
			bench_mark_unsupported(result, state->what, state->rv);
		else
			bench_check(module, state->rv, state->what);
		return false;
	}
	parallel_outcome outcome;
	void *pointers[1] = {state};
	bench_parallel(1, options->seconds, p11_once, pointers, &outcome);
	if (outcome.failed_thread >= 0) {
		bench_fail(module, "%s: %s", state->what,
		           bench_rv_name(state->rv));
		return false;
	}
	bench_rate_result(result, &outcome, what);
	return true;
}

static CK_RV generate_rsa(bench_module *module, CK_ULONG bits,
                          CK_OBJECT_HANDLE *public_key,
                          CK_OBJECT_HANDLE *private_key)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_BYTE exponent[] = {0x01, 0x00, 0x01};
	CK_MECHANISM mechanism = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE public_template[] = {
	        {CKA_MODULUS_BITS, &bits, sizeof(bits)},
	        {CKA_PUBLIC_EXPONENT, exponent, sizeof(exponent)},
	        {CKA_TOKEN, &no, sizeof(no)},
	        {CKA_VERIFY, &yes, sizeof(yes)},
	        {CKA_ENCRYPT, &yes, sizeof(yes)},
	};
	CK_ATTRIBUTE private_template[] = {
	        {CKA_TOKEN, &no, sizeof(no)},
	        {CKA_PRIVATE, &yes, sizeof(yes)},
	        {CKA_SENSITIVE, &yes, sizeof(yes)},
	        {CKA_SIGN, &yes, sizeof(yes)},
	        {CKA_DECRYPT, &yes, sizeof(yes)},
	};
	return module->functions->C_GenerateKeyPair(
	        module->session, &mechanism, public_template,
	        sizeof(public_template) / sizeof(public_template[0]),
	        private_template,
	        sizeof(private_template) / sizeof(private_template[0]),
	        public_key, private_key);
}

/* Opens the module and makes an RSA-2048 pair; false (the result or the
 * module says why) if it cannot. */
static bool open_with_rsa_pair(bench_module *module, bench_result *result,
                               CK_OBJECT_HANDLE *public_key,
                               CK_OBJECT_HANDLE *private_key)
{
	if (!bench_module_open(module))
		return false;
	CK_RV rv = generate_rsa(module, RSA_BITS, public_key, private_key);
	if (bench_unsupported_rv(rv)) {
		bench_mark_unsupported(result, "C_GenerateKeyPair", rv);
		return false;
	}
	return bench_check(module, rv, "C_GenerateKeyPair");
}

void bench_run_rsa_sign(bench_module *module, const bench_options *options,
                        bench_result *result)
{
	CK_OBJECT_HANDLE public_key, private_key;
	if (!open_with_rsa_pair(module, result, &public_key, &private_key))
		return;
	unsigned char message[RSA_MESSAGE_BYTES], signature[RSA_BYTES];
	bench_random(message, sizeof(message));
	p11_state state = {
	        .functions = module->functions,
	        .session = module->session,
	        .mechanism = {CKM_SHA256_RSA_PKCS, NULL, 0},
	        .key = private_key,
	        .sign = true,
	        .input = message,
	        .input_length = sizeof(message),
	        .output = signature,
	        .output_capacity = sizeof(signature),
	};
	if (p11_measure(module, options, result, &state, "signatures")) {
		CK_RV verified = module->functions->C_VerifyInit(
		        module->session, &state.mechanism, public_key);
		if (verified == CKR_OK)
			verified = module->functions->C_Verify(
			        module->session, message, sizeof(message),
			        signature, state.output_length);
		size_t used = strlen(result->note);
		snprintf(result->note + used, sizeof(result->note) - used,
		         "; C_Verify: %s", bench_rv_name(verified));
	}
	module->functions->C_DestroyObject(module->session, private_key);
	module->functions->C_DestroyObject(module->session, public_key);
}

void bench_run_rsa_decrypt(bench_module *module, const bench_options *options,
                           bench_result *result)
{
	CK_OBJECT_HANDLE public_key, private_key;
	if (!open_with_rsa_pair(module, result, &public_key, &private_key))
		return;
	CK_RSA_PKCS_OAEP_PARAMS oaep = {CKM_SHA256, CKG_MGF1_SHA256,
	                                CKZ_DATA_SPECIFIED, NULL, 0};
	unsigned char secret[SECRET_BYTES], wrapped[RSA_BYTES],
	        plain[RSA_BYTES];
	bench_random(secret, sizeof(secret));
	p11_state state = {
	        .functions = module->functions,
	        .session = module->session,
	        .mechanism = {CKM_RSA_PKCS_OAEP, &oaep, sizeof(oaep)},
	        .key = public_key,
	        .encrypt = true,
	        .input = secret,
	        .input_length = sizeof(secret),
	        .output = wrapped,
	        .output_capacity = sizeof(wrapped),
	};
	if (!p11_once(&state)) {
		/* SoftHSM 2.6 takes OAEP with SHA-1 only, and says so with
		 * CKR_ARGUMENTS_BAD: a limit of the module, not a failure. */
		if (bench_unsupported_rv(state.rv) ||
		    state.rv == CKR_ARGUMENTS_BAD ||
		    state.rv == CKR_MECHANISM_PARAM_INVALID)
			bench_mark_unsupported(result, state.what, state.rv);
		else
			bench_check(module, state.rv, state.what);
	} else {
		state.key = private_key;
		state.encrypt = false;
		state.input = wrapped;
		state.input_length = state.output_length;
		state.output = plain;
		state.output_capacity = sizeof(plain);
		if (p11_measure(module, options, result, &state,
		                "decryptions")) {
			bool same = state.output_length == sizeof(secret) &&
			            memcmp(plain, secret, sizeof(secret)) == 0;
			size_t used = strlen(result->note);
			snprintf(result->note + used,
			         sizeof(result->note) - used, "; plaintext %s",
			         same ? "matches" : "WRONG");
			if (!same)
				bench_fail(module, "OAEP round trip differs");
		}
	}
	module->functions->C_DestroyObject(module->session, private_key);
	module->functions->C_DestroyObject(module->session, public_key);
}

/* A session AES-256 key with random value, for encrypting and decrypting. */
bool bench_aes_key(bench_module *module, CK_OBJECT_HANDLE *key)
{
	CK_OBJECT_CLASS class_ = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_AES;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	unsigned char value[32];
	bench_random(value, sizeof(value));
	CK_ATTRIBUTE template[] = {
	        {CKA_CLASS, &class_, sizeof(class_)},
	        {CKA_KEY_TYPE, &type, sizeof(type)},
	        {CKA_TOKEN, &no, sizeof(no)},
	        {CKA_SENSITIVE, &yes, sizeof(yes)},
	        {CKA_ENCRYPT, &yes, sizeof(yes)},
	        {CKA_DECRYPT, &yes, sizeof(yes)},
	        {CKA_VALUE, value, sizeof(value)},
	};
	CK_RV rv = module->functions->C_CreateObject(
	        module->session, template,
	        sizeof(template) / sizeof(template[0]), key);
	return bench_check(module, rv, "C_CreateObject (AES-256 key)");
}

static void run_aes_gcm(bench_module *module, const bench_options *options,
                        bench_result *result, size_t length)
{
	if (!bench_module_open(module))
		return;
	CK_OBJECT_HANDLE key;
	if (!bench_aes_key(module, &key))
		return;
	unsigned char iv[12];
	bench_random(iv, sizeof(iv));
	CK_GCM_PARAMS gcm = {iv, sizeof(iv), sizeof(iv) * 8, NULL, 0, 128};
	unsigned char *input = malloc(length), *output = malloc(length + 16);
	if (input == NULL || output == NULL) {
		bench_fail(module, "out of memory");
	} else {
		bench_random(input, length);
		p11_state state = {
		        .functions = module->functions,
		        .session = module->session,
		        .mechanism = {CKM_AES_GCM, &gcm, sizeof(gcm)},
		        .key = key,
		        .encrypt = true,
		        .input = input,
		        .input_length = length,
		        .output = output,
		        .output_capacity = length + 16,
		};
		p11_measure(module, options, result, &state, "encryptions");
	}
	free(input);
	free(output);
	module->functions->C_DestroyObject(module->session, key);
}

void bench_run_aes_gcm_64(bench_module *module, const bench_options *options,
                          bench_result *result)
{
	run_aes_gcm(module, options, result, 64);
}

void bench_run_aes_gcm_4k(bench_module *module, const bench_options *options,
                          bench_result *result)
{
	run_aes_gcm(module, options, result, 4096);
}

void bench_run_rsa_keygen(bench_module *module, const bench_options *options,
                          bench_result *result)
{
	(void)options;
	if (!bench_module_open(module))
		return;
	double total = 0, fastest = 0, slowest = 0;
	for (int i = 0; i < KEYGEN_ROUNDS; i++) {
		CK_OBJECT_HANDLE public_key, private_key;
		double start = bench_now();
		CK_RV rv =
		        generate_rsa(module, 4096, &public_key, &private_key);
		double took = bench_now() - start;
		if (bench_unsupported_rv(rv)) {
			bench_mark_unsupported(result, "C_GenerateKeyPair", rv);
			return;
		}
		if (!bench_check(module, rv, "C_GenerateKeyPair (4096)"))
			return;
		total += took;
		fastest = i == 0 || took < fastest ? took : fastest;
		slowest = took > slowest ? took : slowest;
		module->functions->C_DestroyObject(module->session,
		                                   private_key);
		module->functions->C_DestroyObject(module->session, public_key);
	}
	result->done = true;
	result->value = total / KEYGEN_ROUNDS;
	snprintf(result->note, sizeof(result->note),
	         "%d key pairs: fastest %.2f s, slowest %.2f s", KEYGEN_ROUNDS,
	         fastest, slowest);
}

/* ---- Raw OpenSSL ----------------------------------------------------------
 */

typedef struct raw_state {
	EVP_PKEY *key;
	EVP_MD_CTX *md;
	EVP_PKEY_CTX *context;
	EVP_CIPHER_CTX *cipher;
	unsigned char *input;
	size_t input_length;
	unsigned char *output;
	size_t output_length;
	unsigned char iv[12];
	unsigned char tag[16];
} raw_state;

static bool raw_sign_once(void *argument)
{
	raw_state *s = argument;
	size_t length = RSA_BYTES;
	return EVP_MD_CTX_reset(s->md) == 1 &&
	       EVP_DigestSignInit(s->md, NULL, EVP_sha256(), NULL, s->key) ==
	               1 &&
	       EVP_DigestSign(s->md, s->output, &length, s->input,
	                      s->input_length) == 1;
}

void bench_raw_rsa_sign(const bench_options *options, bench_result *result)
{
	unsigned char message[RSA_MESSAGE_BYTES], signature[RSA_BYTES];
	bench_random(message, sizeof(message));
	raw_state state = {.input = message,
	                   .input_length = sizeof(message),
	                   .output = signature};
	state.key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)RSA_BITS);
	state.md = EVP_MD_CTX_new();
	if (state.key == NULL || state.md == NULL || !raw_sign_once(&state)) {
		openssl_failed(result, "RSA sign");
	} else {
		parallel_outcome outcome;
		void *pointers[1] = {&state};
		bench_parallel(1, options->seconds, raw_sign_once, pointers,
		               &outcome);
		if (outcome.failed_thread >= 0)
			openssl_failed(result, "RSA sign");
		else
			bench_rate_result(result, &outcome,
			                  "signatures (EVP_DigestSignInit + "
			                  "EVP_DigestSign)");
	}
	EVP_MD_CTX_free(state.md);
	EVP_PKEY_free(state.key);
}

static bool raw_decrypt_once(void *argument)
{
	raw_state *s = argument;
	size_t length = RSA_BYTES;
	return EVP_PKEY_decrypt(s->context, s->output, &length, s->input,
	                        s->input_length) == 1 &&
	       length == SECRET_BYTES;
}

void bench_raw_rsa_decrypt(const bench_options *options, bench_result *result)
{
	unsigned char secret[SECRET_BYTES], wrapped[RSA_BYTES],
	        plain[RSA_BYTES];
	bench_random(secret, sizeof(secret));
	raw_state state = {.output = plain};
	state.key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)RSA_BITS);
	EVP_PKEY_CTX *encrypt =
	        state.key ? EVP_PKEY_CTX_new(state.key, NULL) : NULL;
	size_t wrapped_length = sizeof(wrapped);
	bool ok = encrypt != NULL && EVP_PKEY_encrypt_init(encrypt) == 1 &&
	          EVP_PKEY_CTX_set_rsa_padding(encrypt,
	                                       RSA_PKCS1_OAEP_PADDING) == 1 &&
	          EVP_PKEY_CTX_set_rsa_oaep_md(encrypt, EVP_sha256()) == 1 &&
	          EVP_PKEY_encrypt(encrypt, wrapped, &wrapped_length, secret,
	                           sizeof(secret)) == 1;
	state.context = ok ? EVP_PKEY_CTX_new(state.key, NULL) : NULL;
	ok = ok && state.context != NULL &&
	     EVP_PKEY_decrypt_init(state.context) == 1 &&
	     EVP_PKEY_CTX_set_rsa_padding(state.context,
	                                  RSA_PKCS1_OAEP_PADDING) == 1 &&
	     EVP_PKEY_CTX_set_rsa_oaep_md(state.context, EVP_sha256()) == 1;
	state.input = wrapped;
	state.input_length = wrapped_length;
	if (!ok || !raw_decrypt_once(&state)) {
		openssl_failed(result, "RSA OAEP");
	} else {
		parallel_outcome outcome;
		void *pointers[1] = {&state};
		bench_parallel(1, options->seconds, raw_decrypt_once, pointers,
		               &outcome);
		if (outcome.failed_thread >= 0)
			openssl_failed(result, "RSA OAEP decrypt");
		else
			bench_rate_result(
			        result, &outcome,
			        "decryptions (EVP_PKEY_decrypt, context set "
			        "up once)");
	}
	EVP_PKEY_CTX_free(encrypt);
	EVP_PKEY_CTX_free(state.context);
	EVP_PKEY_free(state.key);
}

static bool raw_gcm_once(void *argument)
{
	raw_state *s = argument;
	int length = 0, tail = 0;
	return EVP_EncryptInit_ex(s->cipher, NULL, NULL, NULL, s->iv) == 1 &&
	       EVP_EncryptUpdate(s->cipher, s->output, &length, s->input,
	                         (int)s->input_length) == 1 &&
	       EVP_EncryptFinal_ex(s->cipher, s->output + length, &tail) == 1 &&
	       EVP_CIPHER_CTX_ctrl(s->cipher, EVP_CTRL_GCM_GET_TAG,
	                           sizeof(s->tag), s->tag) == 1;
}

static void raw_aes_gcm(const bench_options *options, bench_result *result,
                        size_t length)
{
	unsigned char key[32];
	raw_state state = {.input_length = length};
	bench_random(key, sizeof(key));
	bench_random(state.iv, sizeof(state.iv));
	state.input = malloc(length);
	state.output = malloc(length + 16);
	state.cipher = EVP_CIPHER_CTX_new();
	bool ok = state.input != NULL && state.output != NULL &&
	          state.cipher != NULL &&
	          EVP_EncryptInit_ex(state.cipher, EVP_aes_256_gcm(), NULL, key,
	                             state.iv) == 1;
	if (ok)
		bench_random(state.input, length);
	if (!ok || !raw_gcm_once(&state)) {
		openssl_failed(result, "AES-256-GCM");
	} else {
		parallel_outcome outcome;
		void *pointers[1] = {&state};
		bench_parallel(1, options->seconds, raw_gcm_once, pointers,
		               &outcome);
		if (outcome.failed_thread >= 0)
			openssl_failed(result, "AES-256-GCM");
		else
			bench_rate_result(
			        result, &outcome,
			        "encryptions (one EVP_CIPHER_CTX keyed "
			        "once; IV, update, final, tag)");
	}
	EVP_CIPHER_CTX_free(state.cipher);
	free(state.input);
	free(state.output);
}

void bench_raw_aes_gcm_64(const bench_options *options, bench_result *result)
{
	raw_aes_gcm(options, result, 64);
}

void bench_raw_aes_gcm_4k(const bench_options *options, bench_result *result)
{
	raw_aes_gcm(options, result, 4096);
}

void bench_raw_rsa_keygen(const bench_options *options, bench_result *result)
{
	(void)options;
	double total = 0;
	for (int i = 0; i < KEYGEN_ROUNDS; i++) {
		double start = bench_now();
		EVP_PKEY *key =
		        EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
		total += bench_now() - start;
		if (key == NULL) {
			openssl_failed(result, "RSA-4096 keygen");
			return;
		}
		EVP_PKEY_free(key);
	}
	result->done = true;
	result->value = total / KEYGEN_ROUNDS;
	snprintf(result->note, sizeof(result->note),
	         "mean of %d EVP_PKEY_Q_keygen calls", KEYGEN_ROUNDS);
}
