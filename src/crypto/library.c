/*
 * guardhsm crypto: initialisation and status names.
 */
#include "config.h"

#include "crypto/crypto.h"
#include "crypto/internal.h"
#include "enclave/enclave.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <sodium.h>

#define CRY_DEFAULT_SECURE_HEAP (256u * 1024u)
#define CRY_MIN_SECURE_HEAP (16u * 1024u)
/* The secure heap's smallest block: a BIGNUM limb array rounds up to it. */
#define CRY_SECURE_HEAP_MIN_BLOCK 16

static pthread_mutex_t cry_init_lock = PTHREAD_MUTEX_INITIALIZER;

const char *cry_strerror(cry_status status)
{
	switch (status) {
	case CRY_OK:
		return "success";
	case CRY_ERR_INVALID:
		return "invalid argument or parameter";
	case CRY_ERR_KEY:
		return "invalid key";
	case CRY_ERR_SIGNATURE:
		return "signature or MAC did not verify";
	case CRY_ERR_SIGNATURE_LENGTH:
		return "signature of the wrong length";
	case CRY_ERR_BUFFER:
		return "output buffer too small";
	case CRY_ERR_NOMEM:
		return "out of memory";
	case CRY_ERR_ENCLAVE:
		return "the enclave refused";
	case CRY_ERR_INTERNAL:
		return "internal cryptographic library failure";
	}
	return "unknown status";
}

cry_status cry_init(size_t secure_heap_bytes, bool *initialised_here)
{
	cry_status status = CRY_OK;

	if (initialised_here != NULL)
		*initialised_here = false;
	if (secure_heap_bytes == 0)
		secure_heap_bytes = CRY_DEFAULT_SECURE_HEAP;
	if (secure_heap_bytes < CRY_MIN_SECURE_HEAP ||
	    (secure_heap_bytes & (secure_heap_bytes - 1)) != 0)
		return CRY_ERR_INVALID;

	/* One thread at a time: two first callers must not both set up
	 * the heap (OpenSSL's init is not itself safe to race). */
	pthread_mutex_lock(&cry_init_lock);
	if (sodium_init() < 0) {
		status = CRY_ERR_INTERNAL;
	} else if (!CRYPTO_secure_malloc_initialized()) {
		/* 2 means the arena works but could not be locked or
		 * guarded: still better than the ordinary heap. */
		if (CRYPTO_secure_malloc_init(secure_heap_bytes,
		                              CRY_SECURE_HEAP_MIN_BLOCK) == 0)
			status = CRY_ERR_NOMEM;
		else if (initialised_here != NULL)
			*initialised_here = true;
	}
	pthread_mutex_unlock(&cry_init_lock);
	return status;
}

cry_status cry_from_enclave(enc_status status)
{
	switch (status) {
	case ENC_OK:
		return CRY_OK;
	case ENC_ERR_NOMEM:
		return CRY_ERR_NOMEM;
	case ENC_ERR_INVALID:
		return CRY_ERR_INVALID;
	default:
		return CRY_ERR_ENCLAVE;
	}
}

cry_status cry_check_key(const enc_buffer *key, size_t size)
{
	if (key == NULL)
		return CRY_ERR_INVALID;
	if (size != 0 && enc_size(key) != size)
		return CRY_ERR_KEY;
	if (enc_access_of(key) == ENC_NOACCESS)
		return CRY_ERR_INVALID;
	return CRY_OK;
}

size_t cry_skip_zeros(const uint8_t **value, size_t length)
{
	while (length > 0 && **value == 0) {
		(*value)++;
		length--;
	}
	return length;
}
