/* C_GenerateRandom from libsodium (getrandom(2) underneath). C_SeedRandom
 * is refused: the kernel's CSPRNG needs no seed from an application, and
 * mixing one in could only weaken nothing or mislead the caller. */
#include "config.h"

#include "pkcs11/module.h"

#include <sodium.h>

CK_RV C_GenerateRandom(CK_SESSION_HANDLE handle, CK_BYTE_PTR data,
                       CK_ULONG length)
{
	p11_session *session;
	CK_RV rv = p11_session_get(handle, &session);
	if (rv != CKR_OK)
		return rv;
	if (data == NULL && length > 0)
		return CKR_ARGUMENTS_BAD;
	randombytes_buf(data, length);
	return CKR_OK;
}

CK_RV C_SeedRandom(CK_SESSION_HANDLE handle, CK_BYTE_PTR seed, CK_ULONG length)
{
	p11_session *session;
	CK_RV rv = p11_session_get(handle, &session);
	if (rv != CKR_OK)
		return rv;
	if (seed == NULL && length > 0)
		return CKR_ARGUMENTS_BAD;
	return CKR_RANDOM_SEED_NOT_SUPPORTED;
}
