/* Entry points guardhsm does not offer: the dual-function updates
 * (C_DigestEncryptUpdate...), multi-part messages (C_*MessageBegin/Next)
 * and message-based signing and verification (PKCS#11 3.0). Each
 * still validates the session, so a caller sees the same error precedence as
 * with a real implementation, then answers CKR_FUNCTION_NOT_SUPPORTED. */
#include "config.h"

#include "pkcs11/entry.h"
#include "pkcs11/module.h"

static CK_RV not_supported(CK_SESSION_HANDLE handle)
{
	p11_session *session;
	CK_RV rv = p11_session_get(handle, &session);
	return rv != CKR_OK ? rv : CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE session, CK_BYTE_PTR part,
                            CK_ULONG part_length, CK_BYTE_PTR out,
                            CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE session, CK_BYTE_PTR part,
                            CK_ULONG part_length, CK_BYTE_PTR out,
                            CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE session, CK_BYTE_PTR part,
                          CK_ULONG part_length, CK_BYTE_PTR out,
                          CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE session, CK_BYTE_PTR part,
                            CK_ULONG part_length, CK_BYTE_PTR out,
                            CK_ULONG_PTR out_length)
{
	return not_supported(session);
}

CK_RV p11_message_encrypt_init(CK_SESSION_HANDLE session,
                               CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key)
{
	return not_supported(session);
}

CK_RV p11_encrypt_message_begin(CK_SESSION_HANDLE session,
                                CK_VOID_PTR parameter,
                                CK_ULONG parameter_length,
                                CK_BYTE_PTR associated_data,
                                CK_ULONG associated_data_length)
{
	return not_supported(session);
}

CK_RV p11_encrypt_message_next(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
                               CK_ULONG parameter_length, CK_BYTE_PTR in,
                               CK_ULONG in_length, CK_BYTE_PTR out,
                               CK_ULONG_PTR out_length, CK_FLAGS flags)
{
	return not_supported(session);
}

CK_RV p11_message_final(CK_SESSION_HANDLE session)
{
	return not_supported(session);
}

CK_RV p11_sign_message(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
                       CK_ULONG parameter_length, CK_BYTE_PTR data,
                       CK_ULONG data_length, CK_BYTE_PTR signature,
                       CK_ULONG_PTR signature_length)
{
	return not_supported(session);
}

CK_RV p11_message_begin(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
                        CK_ULONG parameter_length)
{
	return not_supported(session);
}

CK_RV p11_sign_message_next(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
                            CK_ULONG parameter_length, CK_BYTE_PTR data,
                            CK_ULONG data_length, CK_BYTE_PTR signature,
                            CK_ULONG_PTR signature_length)
{
	return not_supported(session);
}

CK_RV p11_verify_message(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
                         CK_ULONG parameter_length, CK_BYTE_PTR data,
                         CK_ULONG data_length, CK_BYTE_PTR signature,
                         CK_ULONG signature_length)
{
	return not_supported(session);
}

CK_RV p11_verify_message_next(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
                              CK_ULONG parameter_length, CK_BYTE_PTR data,
                              CK_ULONG data_length, CK_BYTE_PTR signature,
                              CK_ULONG signature_length)
{
	return not_supported(session);
}
