/*
 * guardhsm crypto: AES through OpenSSL with no key schedule kept between
 * calls (ECB, CBC, CBC_PAD, CTR here; GCM, CCM, KW and KWP use the same
 * context helpers).
 *
 * Where AES round keys exist, and for how long:
 *  - between calls a cry_cipher keeps its key only sealed (an enc_sealed:
 *    ciphertext under the enclave's split key), never plaintext and
 *    never round keys;
 *  - each call that processes data opens the key into a transient
 *    enclave buffer (locked, no-dump), builds an EVP_CIPHER_CTX from it
 *    (the round keys, and for GCM the hash key H, are then in OpenSSL's
 *    provider context on the ordinary heap), frees the buffer at once,
 *    processes the data and frees the context with
 *    EVP_CIPHER_CTX_free, which cleanses it (OPENSSL_clear_free), before
 *    the call returns. Round keys therefore live on the heap only during
 *    one cry_cipher_update / cry_cipher_final / wrap call;
 *  - AES-256-GCM with a 96-bit IV and a 16-byte tag on a CPU with AES-NI
 *    and PCLMULQDQ expands the opened key into libsodium's state (round
 *    keys and powers of H) in a transient enclave buffer (cipher_aead.c):
 *    it never leaves enclave memory and is wiped before the call returns;
 *  - ChaCha20-Poly1305 and CMAC: the key in the enclave; the ChaCha20
 *    state is on libsodium's stack during the call (libsodium wipes it),
 *    CMAC's keyed state in an OpenSSL context freed inside
 *    cry_cmac_final.
 * Between calls only non-secret chaining state is kept in ordinary
 * memory: the CBC IV (the last ciphertext block), the CTR counter block,
 * less than a block of caller data (CBC_PAD decryption: the held-back
 * last ciphertext block), and for AEAD modes the buffered caller data.
 */
#include "config.h"

#include "crypto/cipher_internal.h"
#include "crypto/crypto.h"
#include "crypto/internal.h"
#include "enclave/enclave.h"

#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

/* ---- OpenSSL's cipher objects, fetched once --------------------------- */

enum {
	AES_ECB = 0,
	AES_CBC,
	AES_CTR,
	AES_GCM,
	AES_CCM,
	AES_KW,
	AES_KWP,
	AES_KINDS
};

static const char *const evp_names[AES_KINDS][3] = {
        {"AES-128-ECB", "AES-192-ECB", "AES-256-ECB"},
        {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"},
        {"AES-128-CTR", "AES-192-CTR", "AES-256-CTR"},
        {"id-aes128-GCM", "id-aes192-GCM", "id-aes256-GCM"},
        {"id-aes128-CCM", "id-aes192-CCM", "id-aes256-CCM"},
        {"id-aes128-wrap", "id-aes192-wrap", "id-aes256-wrap"},
        {"id-aes128-wrap-pad", "id-aes192-wrap-pad", "id-aes256-wrap-pad"},
};

/* Kept for the life of the process: fetching costs a lock and a lookup
 * per call otherwise. */
static EVP_CIPHER *evp_ciphers[AES_KINDS][3];
static pthread_once_t evp_once = PTHREAD_ONCE_INIT;

static void fetch_ciphers(void)
{
	for (size_t kind = 0; kind < AES_KINDS; kind++)
		for (size_t size = 0; size < 3; size++)
			evp_ciphers[kind][size] = EVP_CIPHER_fetch(
			        NULL, evp_names[kind][size], NULL);
}

const EVP_CIPHER *cry_aes_evp(cry_cipher_mode mode, size_t key_length)
{
	size_t kind;

	switch (mode) {
	case CRY_AES_ECB:
		kind = AES_ECB;
		break;
	case CRY_AES_CBC:
	case CRY_AES_CBC_PAD:
		kind = AES_CBC;
		break;
	case CRY_AES_CTR:
		kind = AES_CTR;
		break;
	case CRY_AES_GCM:
		kind = AES_GCM;
		break;
	case CRY_AES_CCM:
		kind = AES_CCM;
		break;
	case CRY_AES_KEY_WRAP:
		kind = AES_KW;
		break;
	case CRY_AES_KEY_WRAP_PAD:
		kind = AES_KWP;
		break;
	default:
		return NULL;
	}
	if (key_length != 16 && key_length != 24 && key_length != 32)
		return NULL;
	pthread_once(&evp_once, fetch_ciphers);
	return evp_ciphers[kind][(key_length - 16) / 8];
}

/* ---- The key, opened for one call ----------------------------------- */

cry_status cry_cipher_key_open(cry_cipher *cipher)
{
	enc_buffer *key = NULL;
	/* AES-256-GCM through libsodium: one buffer, the state first and the
	 * key after it (wiped once expanded). */
	size_t offset =
	        cipher->sodium_gcm ? cry_aead_sodium_gcm_state_size() : 0;
	cry_status status;

	if (cipher->sealed_key == NULL || cipher->secret != NULL)
		return CRY_ERR_INVALID;
	/* A transient slab buffer, freed before this call returns: it lands
	 * on a page that is already writable, so no page protection
	 * changes. */
	status = cry_from_enclave(enc_alloc(offset + cipher->key_length,
	                                    offset > 0 ? ENC_ALLOC_ALIGNED : 0,
	                                    &key));
	if (status == CRY_OK)
		status = cry_from_enclave(
		        enc_open_at(cipher->sealed_key, NULL, 0, key, offset));
	if (status == CRY_OK && cipher->sodium_gcm)
		status = cry_aead_sodium_gcm_expand(key, offset);
	if (status != CRY_OK) {
		enc_free(key);
		return status;
	}
	cipher->secret = key;
	return CRY_OK;
}

void cry_cipher_key_close(cry_cipher *cipher)
{
	enc_free(cipher->secret); /* wipes */
	cipher->secret = NULL;
}

void cry_cipher_key_release(cry_cipher *cipher)
{
	cry_cipher_key_close(cipher);
	enc_sealed_free(cipher->sealed_key);
	cipher->sealed_key = NULL;
}

/* ---- Contexts built inside one call ----------------------------------- */

cry_status cry_aes_context_new(cry_cipher *cipher, cry_cipher_mode mode,
                               bool encrypt, EVP_CIPHER_CTX **out)
{
	const EVP_CIPHER *evp = cry_aes_evp(mode, cipher->key_length);
	EVP_CIPHER_CTX *context;

	*out = NULL;
	if (evp == NULL)
		return CRY_ERR_INTERNAL;
	context = EVP_CIPHER_CTX_new();
	if (context == NULL)
		return CRY_ERR_NOMEM;
	EVP_CIPHER_CTX_set_flags(context, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	if (EVP_CipherInit_ex2(context, evp, NULL, NULL, encrypt, NULL) != 1) {
		EVP_CIPHER_CTX_free(context);
		return CRY_ERR_INTERNAL;
	}
	*out = context;
	return CRY_OK;
}

cry_status cry_aes_context_key(cry_cipher *cipher, EVP_CIPHER_CTX *context,
                               bool encrypt, const uint8_t *iv)
{
	cry_status status = cry_cipher_key_open(cipher);

	if (status != CRY_OK)
		return status;
	if (EVP_CipherInit_ex2(context, NULL, enc_data(cipher->secret), iv,
	                       encrypt, NULL) != 1)
		status = CRY_ERR_INTERNAL;
	/* The schedule is in the context now: the copy goes. */
	cry_cipher_key_close(cipher);
	return status;
}

cry_status cry_aes_context(cry_cipher *cipher, cry_cipher_mode mode,
                           bool encrypt, const uint8_t *iv,
                           EVP_CIPHER_CTX **out)
{
	cry_status status = cry_aes_context_new(cipher, mode, encrypt, out);

	if (status == CRY_OK)
		status = cry_aes_context_key(cipher, *out, encrypt, iv);
	if (status == CRY_OK && EVP_CIPHER_CTX_set_padding(*out, 0) != 1)
		status = CRY_ERR_INTERNAL;
	if (status != CRY_OK) {
		EVP_CIPHER_CTX_free(*out);
		*out = NULL;
	}
	return status;
}

bool cry_evp_update(EVP_CIPHER_CTX *context, uint8_t *out, const uint8_t *in,
                    size_t length)
{
	/* A multiple of the block size, well inside an int. */
	const size_t chunk = (size_t)1 << 30;

	while (length > 0) {
		size_t part = length < chunk ? length : chunk;
		int written = 0;

		if (EVP_CipherUpdate(context, out, &written, in, (int)part) !=
		    1)
			return false;
		if (out != NULL)
			out += written;
		in += part;
		length -= part;
	}
	return true;
}

/* ---- ECB and CBC -------------------------------------------------------- */

cry_status cry_aes_blocks(cry_cipher *cipher, bool encrypt, uint8_t *iv,
                          const uint8_t *head, size_t head_length,
                          const uint8_t *in, size_t length, uint8_t *out)
{
	cry_cipher_mode mode =
	        cipher->mode == CRY_AES_ECB ? CRY_AES_ECB : CRY_AES_CBC;
	size_t total = head_length + length;
	uint8_t next_iv[CRY_AES_BLOCK];
	EVP_CIPHER_CTX *context;
	cry_status status;

	if (total == 0)
		return CRY_OK;
	if (total % CRY_AES_BLOCK != 0 || head_length > CRY_AES_BLOCK)
		return CRY_ERR_INVALID;
	/* Decrypting, the next IV is the last ciphertext block (of head then
	 * in), taken now: decrypting in place overwrites it. */
	if (!encrypt && mode == CRY_AES_CBC) {
		size_t from_in =
		        length < CRY_AES_BLOCK ? length : CRY_AES_BLOCK;
		size_t from_head = CRY_AES_BLOCK - from_in;

		if (from_head > 0)
			memcpy(next_iv, head + head_length - from_head,
			       from_head);
		if (from_in > 0)
			memcpy(next_iv + from_head, in + length - from_in,
			       from_in);
	}
	status = cry_aes_context(cipher, mode, encrypt,
	                         mode == CRY_AES_CBC ? iv : NULL, &context);
	if (status != CRY_OK)
		return status;
	/* Padding is off: OpenSSL carries a partial head over to in. */
	if (!cry_evp_update(context, out, head, head_length) ||
	    !cry_evp_update(context,
	                    out + (head_length / CRY_AES_BLOCK) * CRY_AES_BLOCK,
	                    in, length))
		status = CRY_ERR_INTERNAL;
	EVP_CIPHER_CTX_free(context); /* cleanses the round keys */
	if (status == CRY_OK && mode == CRY_AES_CBC)
		memcpy(iv, encrypt ? out + total - CRY_AES_BLOCK : next_iv,
		       CRY_AES_BLOCK);
	return status;
}

cry_status cry_aes_cbc_pad_encrypt(cry_cipher *cipher, const uint8_t *in,
                                   size_t length, uint8_t *out)
{
	size_t whole = length / CRY_AES_BLOCK * CRY_AES_BLOCK;
	EVP_CIPHER_CTX *context;
	int written = 0;
	cry_status status = cry_aes_context(cipher, CRY_AES_CBC, true,
	                                    cipher->iv, &context);

	if (status != CRY_OK)
		return status;
	/* Padding on: OpenSSL pads inside its context. */
	if (EVP_CIPHER_CTX_set_padding(context, 1) != 1 ||
	    !cry_evp_update(context, out, in, length) ||
	    EVP_EncryptFinal_ex(context, out + whole, &written) != 1 ||
	    written != CRY_AES_BLOCK)
		status = CRY_ERR_INTERNAL;
	EVP_CIPHER_CTX_free(context);
	return status;
}

size_t cry_pkcs7_pad_length(const uint8_t block[CRY_AES_BLOCK])
{
	uint32_t pad = block[CRY_AES_BLOCK - 1];
	/* 1 if pad is 0 or above 16 */
	uint32_t bad =
	        ((pad - 1) >> 31) | (((uint32_t)CRY_AES_BLOCK - pad) >> 31);

	for (uint32_t i = 0; i < CRY_AES_BLOCK; i++) {
		uint32_t inside = (i - pad) >> 31; /* 1 if i < pad */
		uint32_t differs =
		        ((uint32_t)(block[CRY_AES_BLOCK - 1 - i] ^ pad) +
		         0xff) >>
		        8;

		bad |= inside & differs;
	}
	return pad & (bad - 1);
}

/* ---- CTR ---------------------------------------------------------------- */

/* Adds count to the low bits of the counter block (modulo 2^bits, the
 * other bits untouched); true if it wrapped. */
static bool counter_add(uint8_t block[CRY_AES_BLOCK], size_t bits,
                        uint64_t count)
{
	uint64_t carry = count;
	size_t left = bits;

	for (int i = CRY_AES_BLOCK - 1; i >= 0 && left > 0; i--) {
		unsigned width = left >= 8 ? 8 : (unsigned)left;
		unsigned mask = (1u << width) - 1;
		uint64_t sum = (uint64_t)(block[i] & mask) + (carry & mask);

		carry = (carry >> width) + (sum >> width);
		block[i] = (uint8_t)((block[i] & ~mask) | (sum & mask));
		left -= width;
	}
	return carry != 0;
}

cry_status cry_aes_ctr_check(const cry_cipher *cipher, size_t length)
{
	uint8_t block[CRY_AES_BLOCK];
	uint64_t blocks;

	if (length == 0)
		return CRY_OK;
	if (cipher->counter_spent || length > SIZE_MAX - 2 * CRY_AES_BLOCK)
		return CRY_ERR_INVALID;
	/* The counter values used: the current one to current + blocks - 1,
	 * none of which may wrap. */
	blocks = (cipher->counter_offset + length + CRY_AES_BLOCK - 1) /
	         CRY_AES_BLOCK;
	memcpy(block, cipher->iv, sizeof(block));
	return counter_add(block, cipher->counter_length_bits, blocks - 1)
	               ? CRY_ERR_INVALID
	               : CRY_OK;
}

cry_status cry_aes_ctr(cry_cipher *cipher, const uint8_t *in, size_t length,
                       uint8_t *out)
{
	static const uint8_t zeros[CRY_AES_BLOCK];
	uint8_t used[CRY_AES_BLOCK];
	EVP_CIPHER_CTX *context;
	size_t total;
	cry_status status = cry_aes_ctr_check(cipher, length);

	if (status != CRY_OK || length == 0)
		return status;
	status = cry_aes_context(cipher, CRY_AES_CTR, true, cipher->iv,
	                         &context);
	if (status != CRY_OK)
		return status;
	/* The context is new: skip the keystream an earlier call used. */
	if (cipher->counter_offset > 0 &&
	    !cry_evp_update(context, used, zeros, cipher->counter_offset))
		status = CRY_ERR_INTERNAL;
	sodium_memzero(used, sizeof(used));
	if (status == CRY_OK && !cry_evp_update(context, out, in, length))
		status = CRY_ERR_INTERNAL;
	EVP_CIPHER_CTX_free(context);
	if (status != CRY_OK)
		return status;
	total = cipher->counter_offset + length;
	if (counter_add(cipher->iv, cipher->counter_length_bits,
	                total / CRY_AES_BLOCK))
		cipher->counter_spent = true;
	cipher->counter_offset = total % CRY_AES_BLOCK;
	return CRY_OK;
}
