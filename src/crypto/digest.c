/*
 * guardhsm crypto: message digests.
 *
 * SHA-1 and SHA-2 run OpenSSL's low-level functions on a state kept in an
 * enclave buffer (NOACCESS between calls), so key material fed in by
 * C_DigestKey never sits in ordinary memory. SHA-3 states are opaque to
 * us and stay in OpenSSL's heap; they refuse secret input.
 */
#include "config.h"

/* SHA*_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP,
 * whose contexts we cannot place in the enclave. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/crypto.h"
#include "crypto/internal.h"
#include "enclave/enclave.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdlib.h>

union cry_sha_state {
	SHA_CTX sha1;
	SHA256_CTX sha256;
	SHA512_CTX sha512;
};

struct cry_digest {
	cry_hash hash;
	enc_buffer *state; /* SHA-1/SHA-2 */
	EVP_MD_CTX *sha3;  /* SHA-3 */
	bool finished;
};

bool cry_hash_valid(cry_hash hash)
{
	return (unsigned)hash <= (unsigned)CRY_HASH_SHA3_512;
}

bool cry_hash_is_sha3(cry_hash hash)
{
	return hash == CRY_HASH_SHA3_256 || hash == CRY_HASH_SHA3_384 ||
	       hash == CRY_HASH_SHA3_512;
}

const EVP_MD *cry_hash_md(cry_hash hash)
{
	switch (hash) {
	case CRY_HASH_SHA1:
		return EVP_sha1();
	case CRY_HASH_SHA224:
		return EVP_sha224();
	case CRY_HASH_SHA256:
		return EVP_sha256();
	case CRY_HASH_SHA384:
		return EVP_sha384();
	case CRY_HASH_SHA512:
		return EVP_sha512();
	case CRY_HASH_SHA3_256:
		return EVP_sha3_256();
	case CRY_HASH_SHA3_384:
		return EVP_sha3_384();
	case CRY_HASH_SHA3_512:
		return EVP_sha3_512();
	}
	return NULL;
}

size_t cry_hash_length(cry_hash hash)
{
	static const size_t lengths[] = {20, 28, 32, 48, 64, 32, 48, 64};

	return cry_hash_valid(hash) ? lengths[hash] : 0;
}

size_t cry_hash_block_length(cry_hash hash)
{
	static const size_t lengths[] = {64, 64, 64, 128, 128, 136, 104, 72};

	return cry_hash_valid(hash) ? lengths[hash] : 0;
}

size_t cry_sha_state_size(void)
{
	/* Rounded up so a second state placed after it stays aligned. */
	return (sizeof(union cry_sha_state) + 15) & ~(size_t)15;
}

void cry_sha_init(cry_hash hash, void *state)
{
	union cry_sha_state *sha = state;

	switch (hash) {
	case CRY_HASH_SHA1:
		SHA1_Init(&sha->sha1);
		break;
	case CRY_HASH_SHA224:
		SHA224_Init(&sha->sha256);
		break;
	case CRY_HASH_SHA256:
		SHA256_Init(&sha->sha256);
		break;
	case CRY_HASH_SHA384:
		SHA384_Init(&sha->sha512);
		break;
	default:
		SHA512_Init(&sha->sha512);
		break;
	}
}

void cry_sha_update(cry_hash hash, void *state, const void *data, size_t length)
{
	union cry_sha_state *sha = state;

	if (length == 0)
		return;
	switch (hash) {
	case CRY_HASH_SHA1:
		SHA1_Update(&sha->sha1, data, length);
		break;
	case CRY_HASH_SHA224:
		SHA224_Update(&sha->sha256, data, length);
		break;
	case CRY_HASH_SHA256:
		SHA256_Update(&sha->sha256, data, length);
		break;
	case CRY_HASH_SHA384:
		SHA384_Update(&sha->sha512, data, length);
		break;
	default:
		SHA512_Update(&sha->sha512, data, length);
		break;
	}
}

void cry_sha_final(cry_hash hash, void *state, uint8_t *out)
{
	union cry_sha_state *sha = state;

	switch (hash) {
	case CRY_HASH_SHA1:
		SHA1_Final(out, &sha->sha1);
		break;
	case CRY_HASH_SHA224:
		SHA224_Final(out, &sha->sha256);
		break;
	case CRY_HASH_SHA256:
		SHA256_Final(out, &sha->sha256);
		break;
	case CRY_HASH_SHA384:
		SHA384_Final(out, &sha->sha512);
		break;
	default:
		SHA512_Final(out, &sha->sha512);
		break;
	}
}

cry_status cry_digest_new(cry_hash hash, cry_digest **out)
{
	cry_digest *digest;
	cry_status status;

	if (out == NULL || !cry_hash_valid(hash))
		return CRY_ERR_INVALID;
	*out = NULL;
	digest = calloc(1, sizeof(*digest));
	if (digest == NULL)
		return CRY_ERR_NOMEM;
	digest->hash = hash;
	if (cry_hash_is_sha3(hash)) {
		digest->sha3 = EVP_MD_CTX_new();
		if (digest->sha3 == NULL) {
			free(digest);
			return CRY_ERR_NOMEM;
		}
		if (EVP_DigestInit_ex(digest->sha3, cry_hash_md(hash), NULL) !=
		    1) {
			cry_digest_free(digest);
			return CRY_ERR_INTERNAL;
		}
		*out = digest;
		return CRY_OK;
	}
	status = cry_from_enclave(enc_alloc(sizeof(union cry_sha_state),
	                                    ENC_ALLOC_ALIGNED, &digest->state));
	if (status != CRY_OK) {
		free(digest);
		return status;
	}
	cry_sha_init(hash, enc_data(digest->state));
	status = cry_from_enclave(enc_protect(digest->state, ENC_NOACCESS));
	if (status != CRY_OK) {
		cry_digest_free(digest);
		return status;
	}
	*out = digest;
	return CRY_OK;
}

/* Feeds bytes into an enclave-held state, opening it just for that. */
static cry_status cry_digest_feed(cry_digest *digest, const void *data,
                                  size_t length)
{
	cry_status status =
	        cry_from_enclave(enc_protect(digest->state, ENC_READWRITE));

	if (status != CRY_OK)
		return status;
	cry_sha_update(digest->hash, enc_data(digest->state), data, length);
	return cry_from_enclave(enc_protect(digest->state, ENC_NOACCESS));
}

cry_status cry_digest_update(cry_digest *digest, const uint8_t *data,
                             size_t length)
{
	if (digest == NULL || digest->finished || (data == NULL && length != 0))
		return CRY_ERR_INVALID;
	if (length == 0)
		return CRY_OK;
	if (digest->sha3 != NULL)
		return EVP_DigestUpdate(digest->sha3, data, length) == 1
		               ? CRY_OK
		               : CRY_ERR_INTERNAL;
	return cry_digest_feed(digest, data, length);
}

cry_status cry_digest_update_secret(cry_digest *digest, const enc_buffer *data)
{
	cry_status status;

	if (digest == NULL || digest->finished || data == NULL)
		return CRY_ERR_INVALID;
	/* A Keccak state in OpenSSL's heap would keep a copy of the key. */
	if (digest->sha3 != NULL)
		return CRY_ERR_INVALID;
	status = cry_check_key(data, 0);
	if (status != CRY_OK)
		return status;
	return cry_digest_feed(digest, enc_data(data), enc_size(data));
}

cry_status cry_digest_final(cry_digest *digest, uint8_t *out)
{
	cry_status status;

	if (digest == NULL || digest->finished || out == NULL)
		return CRY_ERR_INVALID;
	digest->finished = true;
	if (digest->sha3 != NULL)
		return EVP_DigestFinal_ex(digest->sha3, out, NULL) == 1
		               ? CRY_OK
		               : CRY_ERR_INTERNAL;
	status = cry_from_enclave(enc_protect(digest->state, ENC_READWRITE));
	if (status != CRY_OK)
		return status;
	cry_sha_final(digest->hash, enc_data(digest->state), out);
	enc_wipe(enc_data(digest->state), enc_size(digest->state));
	return cry_from_enclave(enc_protect(digest->state, ENC_NOACCESS));
}

void cry_digest_free(cry_digest *digest)
{
	if (digest == NULL)
		return;
	enc_free(digest->state);
	EVP_MD_CTX_free(digest->sha3); /* cleanses */
	free(digest);
}

cry_status cry_digest_once(cry_hash hash, const uint8_t *data, size_t length,
                           uint8_t *out)
{
	static const uint8_t empty[1];

	if (!cry_hash_valid(hash) || out == NULL ||
	    (data == NULL && length != 0))
		return CRY_ERR_INVALID;
	/* Public data in, nothing secret: OpenSSL's one-shot will do. */
	if (EVP_Digest(data != NULL ? data : empty, length, out, NULL,
	               cry_hash_md(hash), NULL) != 1)
		return CRY_ERR_INTERNAL;
	return CRY_OK;
}
