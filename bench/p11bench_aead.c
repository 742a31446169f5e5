/*
 * p11bench: AES-256-GCM rows beyond C_EncryptInit + C_Encrypt:
 *   - the bare libsodium baseline (the primitive guardhsm runs AES-256-GCM
 *     on), with its state expanded once;
 *   - PKCS#11 3.0 message-based encryption: one C_MessageEncryptInit, then
 *     C_EncryptMessage per 4 KiB message (CK_GCM_MESSAGE_PARAMS, the
 *     caller's IV), through the module's "PKCS 11" 3.0 interface. A module
 *     without C_GetInterface or the message functions (SoftHSM 2.6) is
 *     reported as unsupported.
 */
#include "config.h"

#include "p11bench_common.h"

#include <dlfcn.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MESSAGE_BYTES 4096

/* libsodium's AES-256-GCM, the primitive guardhsm runs it on, at its
 * fastest: the state expanded once, then only the afternm call. */
typedef struct sodium_state {
	crypto_aead_aes256gcm_state *state;
	unsigned char *input, *output;
	size_t length;
	unsigned char nonce[crypto_aead_aes256gcm_NPUBBYTES];
	unsigned char tag[crypto_aead_aes256gcm_ABYTES];
} sodium_state;

static bool sodium_gcm_once(void *argument)
{
	sodium_state *s = argument;
	return crypto_aead_aes256gcm_encrypt_detached_afternm(
	               s->output, s->tag, NULL, s->input, s->length, NULL, 0,
	               NULL, s->nonce, s->state) == 0;
}

void bench_raw_sodium_gcm_4k(const bench_options *options, bench_result *result)
{
	unsigned char key[crypto_aead_aes256gcm_KEYBYTES];
	sodium_state state = {.length = 4096};
	if (sodium_init() < 0 || !crypto_aead_aes256gcm_is_available()) {
		result->failed = true;
		snprintf(result->note, sizeof(result->note),
		         "libsodium AES-256-GCM unavailable on this CPU");
		return;
	}
	bench_random(key, sizeof(key));
	bench_random(state.nonce, sizeof(state.nonce));
	/* sodium_malloc: the state needs 16-byte alignment. */
	state.state = sodium_malloc(sizeof(*state.state));
	state.input = malloc(state.length);
	state.output = malloc(state.length);
	if (state.state == NULL || state.input == NULL ||
	    state.output == NULL ||
	    crypto_aead_aes256gcm_beforenm(state.state, key) != 0 ||
	    !sodium_gcm_once(&state)) {
		result->failed = true;
		snprintf(result->note, sizeof(result->note),
		         "libsodium AES-256-GCM failed");
	} else {
		parallel_outcome outcome;
		void *pointers[1] = {&state};
		bench_random(state.input, state.length);
		bench_parallel(1, options->seconds, sodium_gcm_once, pointers,
		               &outcome);
		bench_rate_result(
		        result, &outcome,
		        "encryptions (state expanded once; "
		        "crypto_aead_aes256gcm_encrypt_detached_afternm)");
	}
	sodium_free(state.state);
	free(state.input);
	free(state.output);
}

typedef struct message_state {
	CK_FUNCTION_LIST_3_0_PTR functions;
	CK_SESSION_HANDLE session;
	unsigned char iv[12];
	unsigned char tag[16];
	GUARDHSM_GCM_MESSAGE_PARAMS params;
	unsigned char *input, *output;
	CK_RV rv;
} message_state;

static bool message_once(void *argument)
{
	message_state *s = argument;
	CK_ULONG length = MESSAGE_BYTES;
	s->rv = s->functions->C_EncryptMessage(
	        s->session, &s->params, sizeof(s->params), NULL, 0, s->input,
	        MESSAGE_BYTES, s->output, &length);
	return s->rv == CKR_OK && length == MESSAGE_BYTES;
}

/* The module's 3.0 function list, or NULL. */
static CK_FUNCTION_LIST_3_0_PTR interface_3_0(bench_module *module)
{
	CK_RV(*get_interface)
	(CK_UTF8CHAR_PTR, CK_VERSION_PTR, CK_INTERFACE_PTR_PTR, CK_FLAGS) =
	        (CK_RV(*)(CK_UTF8CHAR_PTR, CK_VERSION_PTR, CK_INTERFACE_PTR_PTR,
	                  CK_FLAGS))dlsym(module->library, "C_GetInterface");
	CK_VERSION version = {3, 0};
	CK_INTERFACE_PTR interface = NULL;
	if (get_interface == NULL ||
	    get_interface((CK_UTF8CHAR_PTR) "PKCS 11", &version, &interface,
	                  0) != CKR_OK ||
	    interface == NULL)
		return NULL;
	return interface->pFunctionList;
}

void bench_run_aes_gcm_message(bench_module *module,
                               const bench_options *options,
                               bench_result *result)
{
	if (!bench_module_open(module))
		return;
	CK_FUNCTION_LIST_3_0_PTR functions = interface_3_0(module);
	if (functions == NULL) {
		result->unsupported = true;
		snprintf(result->note, sizeof(result->note),
		         "no PKCS#11 3.0 interface");
		return;
	}
	CK_OBJECT_HANDLE key;
	if (!bench_aes_key(module, &key))
		return;
	message_state state = {.functions = functions,
	                       .session = module->session};
	state.input = malloc(MESSAGE_BYTES);
	state.output = malloc(MESSAGE_BYTES);
	bench_random(state.iv, sizeof(state.iv));
	/* The caller's IV: the same one each time is fine for timing. */
	state.params = (GUARDHSM_GCM_MESSAGE_PARAMS){
	        state.iv,        sizeof(state.iv), 0,
	        CKG_NO_GENERATE, state.tag,        8 * sizeof(state.tag)};
	CK_MECHANISM mechanism = {CKM_AES_GCM, NULL, 0};
	CK_RV rv = CKR_HOST_MEMORY;
	if (state.input != NULL && state.output != NULL) {
		bench_random(state.input, MESSAGE_BYTES);
		rv = functions->C_MessageEncryptInit(module->session,
		                                     &mechanism, key);
	}
	if (rv == CKR_OK && !message_once(&state))
		rv = state.rv;
	if (bench_unsupported_rv(rv)) {
		bench_mark_unsupported(result, "C_MessageEncryptInit", rv);
	} else if (bench_check(module, rv, "C_MessageEncryptInit")) {
		parallel_outcome outcome;
		void *pointers[1] = {&state};
		bench_parallel(1, options->seconds, message_once, pointers,
		               &outcome);
		if (outcome.failed_thread >= 0)
			bench_fail(module, "C_EncryptMessage: %s",
			           bench_rv_name(state.rv));
		else
			bench_rate_result(
			        result, &outcome,
			        "messages (one C_MessageEncryptInit, then "
			        "C_EncryptMessage each)");
		functions->C_MessageEncryptFinal(module->session);
	}
	free(state.input);
	free(state.output);
	module->functions->C_DestroyObject(module->session, key);
}
