/* Cryptographic entry points whose mechanisms are not built yet, and the
 * PKCS#11 3.0 message-based functions (no mechanism offers them). Each
 * still validates the session, so a caller sees the same error precedence
 * as with a real implementation, then answers CKR_FUNCTION_NOT_SUPPORTED.
 * The mechanism layer replaces these one by one. */
#include "config.h"

#include "pkcs11/entry.h"
#include "pkcs11/module.h"

static CK_RV not_supported(CK_SESSION_HANDLE handle)
{
	p11_session *session;
	CK_RV rv = p11_session_get(handle, &session);
	return rv != CKR_OK ? rv : CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_EncryptInit(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key)
{
	return not_supported(session);
}

CK_RV C_Encrypt(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_length, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_EncryptUpdate(CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_length, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_EncryptFinal(CK_SESSION_HANDLE session, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_DecryptInit(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key)
{
	return not_supported(session);
}

CK_RV C_Decrypt(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_length, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_DecryptUpdate(CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_length, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_DecryptFinal(CK_SESSION_HANDLE session, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_DigestInit(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism)
{
	return not_supported(session);
}

CK_RV C_Digest(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_length, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_DigestUpdate(CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_length)
{
	return not_supported(session);
}

CK_RV C_DigestKey(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key)
{
	return not_supported(session);
}

CK_RV C_DigestFinal(CK_SESSION_HANDLE session, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_SignInit(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key)
{
	return not_supported(session);
}

CK_RV C_Sign(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_length, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_SignUpdate(CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_length)
{
	return not_supported(session);
}

CK_RV C_SignFinal(CK_SESSION_HANDLE session, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_SignRecoverInit(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key)
{
	return not_supported(session);
}

CK_RV C_SignRecover(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_length, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_VerifyInit(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key)
{
	return not_supported(session);
}

CK_RV C_Verify(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_length, CK_BYTE_PTR signature, CK_ULONG signature_length)
{
	return not_supported(session);
}

CK_RV C_VerifyUpdate(CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_length)
{
	return not_supported(session);
}

CK_RV C_VerifyFinal(CK_SESSION_HANDLE session, CK_BYTE_PTR signature, CK_ULONG signature_length)
{
	return not_supported(session);
}

CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key)
{
	return not_supported(session);
}

CK_RV C_VerifyRecover(CK_SESSION_HANDLE session, CK_BYTE_PTR signature, CK_ULONG signature_length, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_length, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_length, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_length, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE session, CK_BYTE_PTR part, CK_ULONG part_length, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_GenerateKey(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_ATTRIBUTE_PTR template, CK_ULONG count, CK_OBJECT_HANDLE_PTR key)
{
	return not_supported(session);
}

CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_ATTRIBUTE_PTR public_template, CK_ULONG public_count, CK_ATTRIBUTE_PTR private_template, CK_ULONG private_count, CK_OBJECT_HANDLE_PTR public_key, CK_OBJECT_HANDLE_PTR private_key)
{
	return not_supported(session);
}

CK_RV C_WrapKey(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE wrapping_key, CK_OBJECT_HANDLE key, CK_BYTE_PTR wrapped, CK_ULONG_PTR wrapped_length)
{
	return not_supported(session);
}

CK_RV C_UnwrapKey(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE unwrapping_key, CK_BYTE_PTR wrapped, CK_ULONG wrapped_length, CK_ATTRIBUTE_PTR template, CK_ULONG count, CK_OBJECT_HANDLE_PTR key)
{
	return not_supported(session);
}

CK_RV C_DeriveKey(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE base_key, CK_ATTRIBUTE_PTR template, CK_ULONG count, CK_OBJECT_HANDLE_PTR key)
{
	return not_supported(session);
}

CK_RV p11_message_encrypt_init(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key)
{
	return not_supported(session);
}

CK_RV p11_encrypt_message(CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_length, CK_BYTE_PTR associated_data, CK_ULONG associated_data_length, CK_BYTE_PTR in, CK_ULONG in_length, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV p11_encrypt_message_begin(CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_length, CK_BYTE_PTR associated_data, CK_ULONG associated_data_length)
{
	return not_supported(session);
}

CK_RV p11_encrypt_message_next(CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_length, CK_BYTE_PTR in, CK_ULONG in_length, CK_BYTE_PTR out, CK_ULONG_PTR out_length, CK_FLAGS flags)
{
	return not_supported(session);
}

CK_RV p11_message_final(CK_SESSION_HANDLE session)
{
	return not_supported(session);
}

CK_RV p11_decrypt_message(CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_length, CK_BYTE_PTR associated_data, CK_ULONG associated_data_length, CK_BYTE_PTR in, CK_ULONG in_length, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV p11_sign_message(CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_length, CK_BYTE_PTR data, CK_ULONG data_length, CK_BYTE_PTR signature, CK_ULONG_PTR signature_length)
{
	return not_supported(session);
}

CK_RV p11_message_begin(CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_length)
{
	return not_supported(session);
}

CK_RV p11_sign_message_next(CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_length, CK_BYTE_PTR data, CK_ULONG data_length, CK_BYTE_PTR signature, CK_ULONG_PTR signature_length)
{
	return not_supported(session);
}

CK_RV p11_verify_message(CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_length, CK_BYTE_PTR data, CK_ULONG data_length, CK_BYTE_PTR signature, CK_ULONG signature_length)
{
	return not_supported(session);
}

CK_RV p11_verify_message_next(CK_SESSION_HANDLE session, CK_VOID_PTR parameter, CK_ULONG parameter_length, CK_BYTE_PTR data, CK_ULONG data_length, CK_BYTE_PTR signature, CK_ULONG signature_length)
{
	return not_supported(session);
}
