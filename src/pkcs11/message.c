/* PKCS#11 3.0 message-based encryption: C_MessageEncryptInit,
 * C_EncryptMessage, C_MessageEncryptFinal and the decrypting three, for
 * CKM_AES_GCM (CK_GCM_MESSAGE_PARAMS) and CKM_CHACHA20_POLY1305
 * (CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS), single-part messages only
 * (no CKF_MULTI_MESSAGE: C_EncryptMessageBegin/Next answer
 * CKR_FUNCTION_NOT_SUPPORTED).
 *
 * One operation spans many messages, so the key is opened from its sealed
 * form once, at Init, into enclave memory that stays open (locked,
 * no-dump) until the Final call, C_SessionCancel, or the session's end;
 * each message then costs only the AEAD. A message that fails (bad
 * parameters, a short buffer, a wrong tag) leaves the operation active.
 *
 * IVs: CKG_NO_GENERATE takes the caller's; CKG_GENERATE_COUNTER keeps the
 * first ulIvFixedBits bits of the caller's IV and puts a counter of this
 * operation's messages in the rest; CKG_GENERATE and CKG_GENERATE_RANDOM
 * keep the fixed bits and fill the rest with random bytes. The IV used is
 * written back to pIv. */
#include "config.h"

#include "pkcs11/entry.h"
#include "pkcs11/operation.h"

#include <string.h>

/* ---- Init ----------------------------------------------------------------
 */

static CK_RV check_key_kind(const p11_mechanism *info, p11_operation_kind kind,
                            const tok_object *key)
{
	(void)kind;
	if (info->family != P11_FAMILY_CIPHER ||
	    (info->mode != CRY_AES_GCM && info->mode != CRY_CHACHA20_POLY1305))
		return CKR_MECHANISM_INVALID;
	if (key->object_class != CKO_SECRET_KEY ||
	    key->key_type != info->key_type)
		return CKR_KEY_TYPE_INCONSISTENT;
	return CKR_OK;
}

static CK_RV open_key(const CK_MECHANISM *mechanism, p11_object_ref *ref,
                      p11_operation_kind kind, p11_operation *operation)
{
	(void)mechanism; /* the parameters come with each message */
	(void)kind;
	const store_attribute *value =
	        tok_object_attribute(ref->object, CKA_VALUE);
	if (value == NULL || value->sealed == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	cry_status status =
	        cry_aead_key_open(value->sealed, operation->mechanism->mode,
	                          &operation->aead_key);
	if (status == CRY_ERR_KEY)
		return CKR_KEY_SIZE_RANGE;
	return p11_rv_from_crypto(status);
}

CK_RV C_MessageEncryptInit(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                           CK_OBJECT_HANDLE key)
{
	return p11_operation_init(handle, mechanism, key,
	                          P11_OPERATION_MESSAGE_ENCRYPT, check_key_kind,
	                          open_key);
}

CK_RV C_MessageDecryptInit(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                           CK_OBJECT_HANDLE key)
{
	return p11_operation_init(handle, mechanism, key,
	                          P11_OPERATION_MESSAGE_DECRYPT, check_key_kind,
	                          open_key);
}

/* ---- Per-message parameters ----------------------------------------------
 */

typedef struct message_params {
	cry_aead_message message;
	CK_BYTE_PTR iv; /* the caller's IV buffer (written back) */
	CK_ULONG iv_fixed_bits;
	GUARDHSM_GENERATOR_FUNCTION generator;
	CK_BYTE_PTR tag;
} message_params;

static CK_RV read_params(const p11_operation *operation, CK_VOID_PTR parameter,
                         CK_ULONG parameter_length, message_params *out)
{
	memset(out, 0, sizeof(*out));
	if (parameter == NULL)
		return CKR_ARGUMENTS_BAD;
	if (operation->mechanism->mode == CRY_CHACHA20_POLY1305) {
		const GUARDHSM_SALSA20_CHACHA20_POLY1305_MSG_PARAMS *p =
		        parameter;
		if (parameter_length != sizeof(*p) || p->pNonce == NULL ||
		    p->pTag == NULL)
			return CKR_MECHANISM_PARAM_INVALID;
		out->iv = p->pNonce;
		out->message.nonce_length = p->ulNonceLen;
		out->tag = p->pTag;
		out->message.tag_length = 16;
		out->generator = CKG_NO_GENERATE;
	} else {
		const GUARDHSM_GCM_MESSAGE_PARAMS *p = parameter;
		if (parameter_length != sizeof(*p) || p->pIv == NULL ||
		    p->pTag == NULL || p->ulIvLen == 0 || p->ulIvLen > 256 ||
		    p->ulTagBits % 8 != 0 || p->ulIvFixedBits > p->ulIvLen * 8)
			return CKR_MECHANISM_PARAM_INVALID;
		out->iv = p->pIv;
		out->message.nonce_length = p->ulIvLen;
		out->iv_fixed_bits = p->ulIvFixedBits;
		out->generator = p->ivGenerator;
		out->tag = p->pTag;
		out->message.tag_length = p->ulTagBits / 8;
	}
	if (out->message.nonce_length != 8 && out->message.nonce_length != 12 &&
	    out->message.nonce_length != 24 &&
	    operation->mechanism->mode == CRY_CHACHA20_POLY1305)
		return CKR_MECHANISM_PARAM_INVALID;
	out->message.nonce = out->iv;
	return CKR_OK;
}

/* Writes the generated part of the IV into the caller's buffer: the bits
 * after the first iv_fixed_bits, from a counter (big-endian, in the last
 * bytes) or random. */
static CK_RV generate_iv(p11_operation *operation, message_params *params)
{
	size_t length = params->message.nonce_length;
	size_t fixed_bits = params->iv_fixed_bits;
	size_t first = fixed_bits / 8; /* first byte with generated bits */
	unsigned char keep =
	        fixed_bits % 8 ? (unsigned char)(0xff << (8 - fixed_bits % 8))
	                       : 0;
	unsigned char generated[256];

	switch (params->generator) {
	case CKG_NO_GENERATE:
		return CKR_OK;
	case CKG_GENERATE_COUNTER: {
		/* The counter must fit in the generated bits, and never
		 * repeat within the operation. */
		size_t free_bits = length * 8 - fixed_bits;
		uint64_t counter = operation->message_counter;
		if (free_bits < 64 && counter >> free_bits != 0)
			return CKR_MECHANISM_PARAM_INVALID;
		memset(generated, 0, length);
		for (size_t i = 0; i < 8 && i < length; i++)
			generated[length - 1 - i] =
			        (unsigned char)(counter >> (8 * i));
		break;
	}
	case CKG_GENERATE:
	case CKG_GENERATE_RANDOM:
		enc_random(generated, length);
		break;
	default:
		return CKR_MECHANISM_PARAM_INVALID;
	}
	if (first < length) {
		params->iv[first] = (unsigned char)((params->iv[first] & keep) |
		                                    (generated[first] & ~keep));
		memcpy(params->iv + first + 1, generated + first + 1,
		       length - first - 1);
	}
	return CKR_OK;
}

/* ---- Messages --------------------------------------------------------------
 */

static CK_RV run_message(CK_SESSION_HANDLE handle, bool encrypting,
                         CK_VOID_PTR parameter, CK_ULONG parameter_length,
                         CK_BYTE_PTR aad, CK_ULONG aad_length, CK_BYTE_PTR in,
                         CK_ULONG in_length, CK_BYTE_PTR out,
                         CK_ULONG_PTR out_length)
{
	p11_operation_kind kind = encrypting ? P11_OPERATION_MESSAGE_ENCRYPT
	                                     : P11_OPERATION_MESSAGE_DECRYPT;
	p11_session *session;
	p11_operation *operation;
	CK_RV rv = p11_operation_enter(handle, kind, &session, &operation);
	if (rv != CKR_OK)
		return rv;
	message_params params;
	if (out_length == NULL || (in == NULL && in_length > 0) ||
	    (aad == NULL && aad_length > 0))
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = read_params(operation, parameter, parameter_length,
		                 &params);
	/* AEAD output is exactly as long as the input. */
	if (rv == CKR_OK && out == NULL) {
		*out_length = in_length;
		return p11_operation_leave(session, kind, CKR_OK, true);
	}
	if (rv == CKR_OK && *out_length < in_length) {
		*out_length = in_length;
		return p11_operation_leave(session, kind, CKR_BUFFER_TOO_SMALL,
		                           true);
	}
	params.message.aad = aad;
	params.message.aad_length = aad_length;
	if (rv == CKR_OK && encrypting)
		rv = generate_iv(operation, &params);
	if (rv == CKR_OK) {
		cry_status status =
		        encrypting ? cry_aead_seal_message(operation->aead_key,
		                                           &params.message, in,
		                                           in_length, out,
		                                           params.tag)
		                   : cry_aead_open_message(operation->aead_key,
		                                           &params.message, in,
		                                           in_length,
		                                           params.tag, out);
		if (status == CRY_ERR_SIGNATURE)
			rv = CKR_ENCRYPTED_DATA_INVALID;
		else
			rv = p11_rv_from_crypto(status);
	}
	if (rv == CKR_OK) {
		*out_length = in_length;
		if (encrypting && params.generator == CKG_GENERATE_COUNTER)
			operation->message_counter++;
	}
	/* One message's failure does not end the operation. */
	return p11_operation_leave(session, kind, rv, true);
}

CK_RV C_EncryptMessage(CK_SESSION_HANDLE handle, CK_VOID_PTR parameter,
                       CK_ULONG parameter_length, CK_BYTE_PTR aad,
                       CK_ULONG aad_length, CK_BYTE_PTR plaintext,
                       CK_ULONG plaintext_length, CK_BYTE_PTR ciphertext,
                       CK_ULONG_PTR ciphertext_length)
{
	return run_message(handle, true, parameter, parameter_length, aad,
	                   aad_length, plaintext, plaintext_length, ciphertext,
	                   ciphertext_length);
}

CK_RV C_DecryptMessage(CK_SESSION_HANDLE handle, CK_VOID_PTR parameter,
                       CK_ULONG parameter_length, CK_BYTE_PTR aad,
                       CK_ULONG aad_length, CK_BYTE_PTR ciphertext,
                       CK_ULONG ciphertext_length, CK_BYTE_PTR plaintext,
                       CK_ULONG_PTR plaintext_length)
{
	return run_message(handle, false, parameter, parameter_length, aad,
	                   aad_length, ciphertext, ciphertext_length, plaintext,
	                   plaintext_length);
}

/* ---- Final -----------------------------------------------------------------
 */

static CK_RV finish(CK_SESSION_HANDLE handle, p11_operation_kind kind)
{
	p11_session *session;
	p11_operation *operation;
	CK_RV rv = p11_operation_enter(handle, kind, &session, &operation);
	if (rv != CKR_OK)
		return rv;
	return p11_operation_leave(session, kind, CKR_OK, false);
}

CK_RV C_MessageEncryptFinal(CK_SESSION_HANDLE handle)
{
	return finish(handle, P11_OPERATION_MESSAGE_ENCRYPT);
}

CK_RV C_MessageDecryptFinal(CK_SESSION_HANDLE handle)
{
	return finish(handle, P11_OPERATION_MESSAGE_DECRYPT);
}
