/*
 * guardhsm crypto: cry_cipher_check, the parameter rules of each cipher
 * mode (PKCS#11's CK_GCM_PARAMS, CK_CCM_PARAMS, CK_AES_CTR_PARAMS...
 * arrive here already unpacked into cry_cipher_params).
 */
#include "config.h"

#include "crypto/cipher_internal.h"
#include "crypto/crypto.h"

static bool gcm_tag_ok(size_t length)
{
	return length == 4 || length == 8 || (length >= 12 && length <= 16);
}

/* CCM: 7..13-byte nonce, so a 2..8-byte length field that must hold the
 * message length; an even tag of 4..16 bytes. */
static bool ccm_ok(const cry_cipher_params *params)
{
	size_t length_bytes = 15 - params->iv_length;

	if (params->iv_length < 7 || params->iv_length > 13 ||
	    params->tag_length < 4 || params->tag_length > 16 ||
	    params->tag_length % 2 != 0)
		return false;
	return length_bytes >= sizeof(size_t) ||
	       (params->data_length >> (8 * length_bytes)) == 0;
}

static bool mode_params_ok(const cry_cipher_params *params)
{
	size_t iv = params->iv_length;

	switch (params->mode) {
	case CRY_AES_ECB:
		return iv == 0;
	case CRY_AES_CBC:
	case CRY_AES_CBC_PAD:
		return iv == CRY_AES_BLOCK;
	case CRY_AES_CTR:
		return iv == CRY_AES_BLOCK && params->counter_length_bits >= 1 &&
		       params->counter_length_bits <= 128;
	case CRY_AES_GCM:
		return iv >= 1 && iv <= CRY_GCM_MAX_IV &&
		       gcm_tag_ok(params->tag_length);
	case CRY_AES_CCM:
		return ccm_ok(params);
	case CRY_AES_KEY_WRAP:
		return iv == 0 || iv == 8;
	case CRY_AES_KEY_WRAP_PAD:
		return iv == 0 || iv == 4;
	case CRY_CHACHA20_POLY1305:
		/* The tag is always 16 bytes; 0 means the same. */
		return (iv == 8 || iv == 12 || iv == 24) &&
		       (params->tag_length == 0 || params->tag_length == 16);
	}
	return false;
}

cry_status cry_cipher_check(const cry_cipher_params *params, size_t key_length)
{
	cry_cipher_mode mode;

	if (params == NULL)
		return CRY_ERR_INVALID;
	mode = params->mode;
	/* Fields a mode does not use must be empty: a value there is a
	 * caller's mistake, not something to ignore. */
	if ((params->iv == NULL && params->iv_length != 0) ||
	    (params->aad == NULL && params->aad_length != 0) ||
	    (!cry_mode_is_aead(mode) &&
	     (params->aad_length != 0 || params->tag_length != 0)) ||
	    (mode != CRY_AES_CTR && params->counter_length_bits != 0) ||
	    (mode != CRY_AES_CCM && params->data_length != 0) ||
	    !mode_params_ok(params))
		return CRY_ERR_INVALID;
	if (mode == CRY_CHACHA20_POLY1305)
		return key_length == 32 ? CRY_OK : CRY_ERR_KEY;
	return key_length == 16 || key_length == 24 || key_length == 32
	               ? CRY_OK
	               : CRY_ERR_KEY;
}
