/*
 * guardhsm crypto: AES key wrap, RFC 3394 (KW) and RFC 5649 (KWP, with
 * padding), through OpenSSL's wrap ciphers keyed from the enclave copy
 * inside the call (see cipher_aes.c). Single-part only: cry_cipher_once,
 * cry_cipher_encrypt_secret, cry_cipher_decrypt_secret.
 */
#include "config.h"

#include "crypto/cipher_internal.h"
#include "crypto/crypto.h"
#include "crypto/internal.h"
#include "enclave/enclave.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdint.h>

/* OpenSSL takes an int; RFC 5649's message length indicator is 32 bits. */
#define WRAP_MAX_INPUT ((size_t)INT_MAX - 2 * CRY_WRAP_BLOCK)

size_t cry_key_wrap_output_length(const cry_cipher *cipher, size_t length)
{
	bool padded = cipher->mode == CRY_AES_KEY_WRAP_PAD;

	if (length > WRAP_MAX_INPUT)
		return 0;
	if (cipher->encrypt) {
		if (padded)
			return length == 0 ? 0
			                   : (length + CRY_WRAP_BLOCK - 1) /
			                                     CRY_WRAP_BLOCK *
			                                     CRY_WRAP_BLOCK +
			                             CRY_WRAP_BLOCK;
		/* RFC 3394: at least two 64-bit blocks. */
		return length % CRY_WRAP_BLOCK == 0 &&
		                       length >= 2 * CRY_WRAP_BLOCK
		               ? length + CRY_WRAP_BLOCK
		               : 0;
	}
	/* The integrity block and at least one (KWP) or two (KW) more. */
	if (length % CRY_WRAP_BLOCK != 0 ||
	    length < (padded ? 2 : 3) * CRY_WRAP_BLOCK)
		return 0;
	return length - CRY_WRAP_BLOCK;
}

cry_status cry_key_wrap(cry_cipher *cipher, const uint8_t *in, size_t length,
                        uint8_t *out, size_t *written)
{
	size_t most = cry_key_wrap_output_length(cipher, length);
	/* OpenSSL's KWP unwrap wipes a whole input length of out when the
	 * check fails, and its provider wants that much room for both. */
	size_t room = cipher->encrypt ? most : length;
	EVP_CIPHER_CTX *context;
	int produced = 0;
	bool done;
	cry_status status;

	*written = 0;
	if (most == 0)
		return cipher->encrypt ? CRY_ERR_INVALID
		                       : CRY_ERR_SIGNATURE_LENGTH;
	status = cry_aes_context_new(cipher, cipher->mode, cipher->encrypt,
	                             &context);
	if (status != CRY_OK)
		return status;
	/* No IV: the RFCs' default (A6A6A6A6A6A6A6A6, A65959A6 for KWP). */
	status = cry_aes_context_key(cipher, context, cipher->encrypt,
	                             cipher->nonce_length > 0 ? cipher->nonce
	                                                      : NULL);
	if (status != CRY_OK) {
		EVP_CIPHER_CTX_free(context);
		return status;
	}
	/* One update does the whole wrap or unwrap (and the check). */
	done = EVP_CipherUpdate(context, out, &produced, in, (int)length) ==
	               1 &&
	       produced > 0 && (size_t)produced <= most;
	EVP_CIPHER_CTX_free(context); /* cleanses the round keys */
	if (!done) {
		enc_wipe(out, room); /* no unverified plaintext stays */
		if (cipher->encrypt)
			return CRY_ERR_INTERNAL;
		ERR_clear_error(); /* an expected failure, not a fault */
		return CRY_ERR_SIGNATURE;
	}
	*written = (size_t)produced;
	return CRY_OK;
}
