/* PKCS#11 3.0 definitions that p11-kit's pkcs11.h (a 2.40 header) lacks.
 * Everything guardhsm uses from the standard comes through this header:
 * p11-kit's, then the additions, each only if it is not defined already,
 * so a newer p11-kit header takes precedence. Values from the OASIS
 * PKCS#11 3.0 pkcs11t.h / pkcs11f.h. */
#ifndef GUARDHSM_PKCS11_3_0_H
#define GUARDHSM_PKCS11_3_0_H

#include <p11-kit/pkcs11.h>

/* ---- Attributes --------------------------------------------------------- */
#ifndef CKA_UNIQUE_ID
#define CKA_UNIQUE_ID 0x00000004UL
#endif
#ifndef CKA_PROFILE_ID
#define CKA_PROFILE_ID 0x00000601UL
#endif
#ifndef CKA_X2RATCHET_BAG
#define CKA_X2RATCHET_BAG 0x00000602UL
#endif

/* ---- Return values ------------------------------------------------------ */
#ifndef CKR_OPERATION_CANCEL_FAILED
#define CKR_OPERATION_CANCEL_FAILED 0x00000202UL
#endif

/* ---- C_SessionCancel flags -------------------------------------------- */
#ifndef CKF_FIND_OBJECTS
#define CKF_FIND_OBJECTS 0x00000040UL
#endif

/* ---- Key types and mechanisms ------------------------------------------- */
#ifndef CKF_MESSAGE_ENCRYPT /* mechanism flags for message-based use */
#define CKF_MESSAGE_ENCRYPT 0x00000002UL
#define CKF_MESSAGE_DECRYPT 0x00000004UL
#define CKF_MESSAGE_SIGN 0x00000008UL
#define CKF_MESSAGE_VERIFY 0x00000010UL
#define CKF_MULTI_MESSAGE 0x00000020UL
#endif
#ifndef CKG_NO_GENERATE /* CK_GENERATOR_FUNCTION: who makes a message's IV */
#define CKG_NO_GENERATE 0x00000000UL
#define CKG_GENERATE 0x00000001UL
#define CKG_GENERATE_COUNTER 0x00000002UL
#define CKG_GENERATE_RANDOM 0x00000003UL
#define CKG_GENERATE_COUNTER_XOR 0x00000004UL
#endif

#ifndef CKK_EC_MONTGOMERY
#define CKK_EC_MONTGOMERY 0x00000041UL
#endif
#ifndef CKK_CHACHA20
#define CKK_CHACHA20 0x00000033UL
#endif
#ifndef CKM_EC_MONTGOMERY_KEY_PAIR_GEN
#define CKM_EC_MONTGOMERY_KEY_PAIR_GEN 0x00001056UL
#endif

#ifndef CKK_HKDF
#define CKK_HKDF 0x00000042UL
#endif
#ifndef CKM_CHACHA20_KEY_GEN
#define CKM_CHACHA20_KEY_GEN 0x00001225UL
#define CKM_CHACHA20 0x00001226UL
#endif
#ifndef CKM_CHACHA20_POLY1305
#define CKM_CHACHA20_POLY1305 0x00004021UL
#endif
#ifndef CKM_HKDF_DERIVE
#define CKM_HKDF_DERIVE 0x0000402AUL
#define CKM_HKDF_DATA 0x0000402BUL
#define CKM_HKDF_KEY_GEN 0x0000402CUL
#endif
#ifndef CKF_HKDF_SALT_NULL
#define CKF_HKDF_SALT_NULL 0x00000001UL
#define CKF_HKDF_SALT_DATA 0x00000002UL
#define CKF_HKDF_SALT_KEY 0x00000004UL
#endif
/* RFC 5649 under its 3.0 name; CKM_AES_KEY_WRAP_PAD (0x210A) is offered
 * as RFC 5649 too, as SoftHSM and OpenSC use it. */
#ifndef CKM_AES_KEY_WRAP_KWP
#define CKM_AES_KEY_WRAP_KWP 0x0000210BUL
#endif

/* ---- SHA-3 digests and HMACs (3.0) ------------------------------------- */
#ifndef CKM_SHA3_256
#define CKM_SHA3_256 0x000002B0UL
#define CKM_SHA3_256_HMAC 0x000002B1UL
#define CKM_SHA3_256_HMAC_GENERAL 0x000002B2UL
#define CKM_SHA3_224 0x000002B5UL
#define CKM_SHA3_224_HMAC 0x000002B6UL
#define CKM_SHA3_224_HMAC_GENERAL 0x000002B7UL
#define CKM_SHA3_384 0x000002C0UL
#define CKM_SHA3_384_HMAC 0x000002C1UL
#define CKM_SHA3_384_HMAC_GENERAL 0x000002C2UL
#define CKM_SHA3_512 0x000002D0UL
#define CKM_SHA3_512_HMAC 0x000002D1UL
#define CKM_SHA3_512_HMAC_GENERAL 0x000002D2UL
#endif
#ifndef CKD_SHA3_256_KDF
#define CKD_SHA3_224_KDF 0x0000000AUL
#define CKD_SHA3_256_KDF 0x0000000BUL
#define CKD_SHA3_384_KDF 0x0000000CUL
#define CKD_SHA3_512_KDF 0x0000000DUL
#endif

/* ---- Mechanism parameters ------------------------------------------------ */
#ifndef CKF_INTERFACE_FORK_SAFE /* i.e. p11-kit's 2.40 header */
typedef struct CK_EDDSA_PARAMS {
	CK_BBOOL phFlag;
	CK_ULONG ulContextDataLen;
	CK_BYTE_PTR pContextData;
} CK_EDDSA_PARAMS;
typedef CK_EDDSA_PARAMS *CK_EDDSA_PARAMS_PTR;
#endif
typedef CK_ULONG GUARDHSM_MAC_GENERAL_PARAMS; /* CK_MAC_GENERAL_PARAMS */

/* 3.0 parameter structures (the standard's names, our own types so a
 * newer p11-kit header that defines them does not clash). */
typedef struct GUARDHSM_CCM_PARAMS {
	CK_ULONG ulDataLen;
	CK_BYTE_PTR pNonce;
	CK_ULONG ulNonceLen;
	CK_BYTE_PTR pAAD;
	CK_ULONG ulAADLen;
	CK_ULONG ulMACLen;
} GUARDHSM_CCM_PARAMS; /* CK_CCM_PARAMS */

typedef struct GUARDHSM_SALSA20_CHACHA20_POLY1305_PARAMS {
	CK_BYTE_PTR pNonce;
	CK_ULONG ulNonceLen;
	CK_BYTE_PTR pAAD;
	CK_ULONG ulAADLen;
} GUARDHSM_SALSA20_CHACHA20_POLY1305_PARAMS;

/* Per-message parameters of message-based AEAD (C_EncryptMessage ...). */
typedef CK_ULONG GUARDHSM_GENERATOR_FUNCTION; /* CK_GENERATOR_FUNCTION */

typedef struct GUARDHSM_GCM_MESSAGE_PARAMS {
	CK_BYTE_PTR pIv;
	CK_ULONG ulIvLen;
	CK_ULONG ulIvFixedBits;
	GUARDHSM_GENERATOR_FUNCTION ivGenerator;
	CK_BYTE_PTR pTag;
	CK_ULONG ulTagBits;
} GUARDHSM_GCM_MESSAGE_PARAMS; /* CK_GCM_MESSAGE_PARAMS */

typedef struct GUARDHSM_SALSA20_CHACHA20_POLY1305_MSG_PARAMS {
	CK_BYTE_PTR pNonce;
	CK_ULONG ulNonceLen;
	CK_BYTE_PTR pTag;
} GUARDHSM_SALSA20_CHACHA20_POLY1305_MSG_PARAMS;

typedef struct GUARDHSM_HKDF_PARAMS {
	CK_BBOOL bExtract;
	CK_BBOOL bExpand;
	CK_MECHANISM_TYPE prfHashMechanism;
	CK_ULONG ulSaltType;
	CK_BYTE_PTR pSalt;
	CK_ULONG ulSaltLen;
	CK_OBJECT_HANDLE hSaltKey;
	CK_BYTE_PTR pInfo;
	CK_ULONG ulInfoLen;
} GUARDHSM_HKDF_PARAMS; /* CK_HKDF_PARAMS */

/* ---- Interfaces (PKCS#11 3.0, section 5.4) ------------------------------ */
#ifndef CKF_INTERFACE_FORK_SAFE
#define CKF_INTERFACE_FORK_SAFE 0x00000001UL

typedef struct CK_INTERFACE {
	CK_CHAR *pInterfaceName;
	CK_VOID_PTR pFunctionList;
	CK_FLAGS flags;
} CK_INTERFACE;
typedef CK_INTERFACE *CK_INTERFACE_PTR;
typedef CK_INTERFACE_PTR *CK_INTERFACE_PTR_PTR;

/* The 3.0 function list: the 2.40 list followed by the 3.0 additions,
 * in the order of the standard's pkcs11f.h. */
typedef struct CK_FUNCTION_LIST_3_0 CK_FUNCTION_LIST_3_0;
typedef CK_FUNCTION_LIST_3_0 *CK_FUNCTION_LIST_3_0_PTR;
typedef CK_FUNCTION_LIST_3_0_PTR *CK_FUNCTION_LIST_3_0_PTR_PTR;

struct CK_FUNCTION_LIST_3_0 {
	CK_VERSION version;
	CK_C_Initialize C_Initialize;
	CK_C_Finalize C_Finalize;
	CK_C_GetInfo C_GetInfo;
	CK_C_GetFunctionList C_GetFunctionList;
	CK_C_GetSlotList C_GetSlotList;
	CK_C_GetSlotInfo C_GetSlotInfo;
	CK_C_GetTokenInfo C_GetTokenInfo;
	CK_C_GetMechanismList C_GetMechanismList;
	CK_C_GetMechanismInfo C_GetMechanismInfo;
	CK_C_InitToken C_InitToken;
	CK_C_InitPIN C_InitPIN;
	CK_C_SetPIN C_SetPIN;
	CK_C_OpenSession C_OpenSession;
	CK_C_CloseSession C_CloseSession;
	CK_C_CloseAllSessions C_CloseAllSessions;
	CK_C_GetSessionInfo C_GetSessionInfo;
	CK_C_GetOperationState C_GetOperationState;
	CK_C_SetOperationState C_SetOperationState;
	CK_C_Login C_Login;
	CK_C_Logout C_Logout;
	CK_C_CreateObject C_CreateObject;
	CK_C_CopyObject C_CopyObject;
	CK_C_DestroyObject C_DestroyObject;
	CK_C_GetObjectSize C_GetObjectSize;
	CK_C_GetAttributeValue C_GetAttributeValue;
	CK_C_SetAttributeValue C_SetAttributeValue;
	CK_C_FindObjectsInit C_FindObjectsInit;
	CK_C_FindObjects C_FindObjects;
	CK_C_FindObjectsFinal C_FindObjectsFinal;
	CK_C_EncryptInit C_EncryptInit;
	CK_C_Encrypt C_Encrypt;
	CK_C_EncryptUpdate C_EncryptUpdate;
	CK_C_EncryptFinal C_EncryptFinal;
	CK_C_DecryptInit C_DecryptInit;
	CK_C_Decrypt C_Decrypt;
	CK_C_DecryptUpdate C_DecryptUpdate;
	CK_C_DecryptFinal C_DecryptFinal;
	CK_C_DigestInit C_DigestInit;
	CK_C_Digest C_Digest;
	CK_C_DigestUpdate C_DigestUpdate;
	CK_C_DigestKey C_DigestKey;
	CK_C_DigestFinal C_DigestFinal;
	CK_C_SignInit C_SignInit;
	CK_C_Sign C_Sign;
	CK_C_SignUpdate C_SignUpdate;
	CK_C_SignFinal C_SignFinal;
	CK_C_SignRecoverInit C_SignRecoverInit;
	CK_C_SignRecover C_SignRecover;
	CK_C_VerifyInit C_VerifyInit;
	CK_C_Verify C_Verify;
	CK_C_VerifyUpdate C_VerifyUpdate;
	CK_C_VerifyFinal C_VerifyFinal;
	CK_C_VerifyRecoverInit C_VerifyRecoverInit;
	CK_C_VerifyRecover C_VerifyRecover;
	CK_C_DigestEncryptUpdate C_DigestEncryptUpdate;
	CK_C_DecryptDigestUpdate C_DecryptDigestUpdate;
	CK_C_SignEncryptUpdate C_SignEncryptUpdate;
	CK_C_DecryptVerifyUpdate C_DecryptVerifyUpdate;
	CK_C_GenerateKey C_GenerateKey;
	CK_C_GenerateKeyPair C_GenerateKeyPair;
	CK_C_WrapKey C_WrapKey;
	CK_C_UnwrapKey C_UnwrapKey;
	CK_C_DeriveKey C_DeriveKey;
	CK_C_SeedRandom C_SeedRandom;
	CK_C_GenerateRandom C_GenerateRandom;
	CK_C_GetFunctionStatus C_GetFunctionStatus;
	CK_C_CancelFunction C_CancelFunction;
	CK_C_WaitForSlotEvent C_WaitForSlotEvent;
	/* 3.0 */
	CK_RV(*C_GetInterfaceList)
	(CK_INTERFACE_PTR interfaces, CK_ULONG_PTR count);
	CK_RV(*C_GetInterface)
	(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version,
	 CK_INTERFACE_PTR_PTR interface, CK_FLAGS flags);
	CK_RV(*C_LoginUser)
	(CK_SESSION_HANDLE session, CK_USER_TYPE user_type, CK_UTF8CHAR_PTR pin,
	 CK_ULONG pin_length, CK_UTF8CHAR_PTR username,
	 CK_ULONG username_length);
	CK_RV (*C_SessionCancel)(CK_SESSION_HANDLE session, CK_FLAGS flags);
	CK_RV(*C_MessageEncryptInit)
	(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
	 CK_OBJECT_HANDLE key);
	CK_RV(*C_EncryptMessage)
	(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
	 CK_ULONG parameter_length, CK_BYTE_PTR associated_data,
	 CK_ULONG associated_data_length, CK_BYTE_PTR plaintext,
	 CK_ULONG plaintext_length, CK_BYTE_PTR ciphertext,
	 CK_ULONG_PTR ciphertext_length);
	CK_RV(*C_EncryptMessageBegin)
	(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
	 CK_ULONG parameter_length, CK_BYTE_PTR associated_data,
	 CK_ULONG associated_data_length);
	CK_RV(*C_EncryptMessageNext)
	(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
	 CK_ULONG parameter_length, CK_BYTE_PTR plaintext_part,
	 CK_ULONG plaintext_part_length, CK_BYTE_PTR ciphertext_part,
	 CK_ULONG_PTR ciphertext_part_length, CK_FLAGS flags);
	CK_RV (*C_MessageEncryptFinal)(CK_SESSION_HANDLE session);
	CK_RV(*C_MessageDecryptInit)
	(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
	 CK_OBJECT_HANDLE key);
	CK_RV(*C_DecryptMessage)
	(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
	 CK_ULONG parameter_length, CK_BYTE_PTR associated_data,
	 CK_ULONG associated_data_length, CK_BYTE_PTR ciphertext,
	 CK_ULONG ciphertext_length, CK_BYTE_PTR plaintext,
	 CK_ULONG_PTR plaintext_length);
	CK_RV(*C_DecryptMessageBegin)
	(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
	 CK_ULONG parameter_length, CK_BYTE_PTR associated_data,
	 CK_ULONG associated_data_length);
	CK_RV(*C_DecryptMessageNext)
	(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
	 CK_ULONG parameter_length, CK_BYTE_PTR ciphertext_part,
	 CK_ULONG ciphertext_part_length, CK_BYTE_PTR plaintext_part,
	 CK_ULONG_PTR plaintext_part_length, CK_FLAGS flags);
	CK_RV (*C_MessageDecryptFinal)(CK_SESSION_HANDLE session);
	CK_RV(*C_MessageSignInit)
	(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
	 CK_OBJECT_HANDLE key);
	CK_RV(*C_SignMessage)
	(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
	 CK_ULONG parameter_length, CK_BYTE_PTR data, CK_ULONG data_length,
	 CK_BYTE_PTR signature, CK_ULONG_PTR signature_length);
	CK_RV(*C_SignMessageBegin)
	(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
	 CK_ULONG parameter_length);
	CK_RV(*C_SignMessageNext)
	(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
	 CK_ULONG parameter_length, CK_BYTE_PTR data, CK_ULONG data_length,
	 CK_BYTE_PTR signature, CK_ULONG_PTR signature_length);
	CK_RV (*C_MessageSignFinal)(CK_SESSION_HANDLE session);
	CK_RV(*C_MessageVerifyInit)
	(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
	 CK_OBJECT_HANDLE key);
	CK_RV(*C_VerifyMessage)
	(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
	 CK_ULONG parameter_length, CK_BYTE_PTR data, CK_ULONG data_length,
	 CK_BYTE_PTR signature, CK_ULONG signature_length);
	CK_RV(*C_VerifyMessageBegin)
	(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
	 CK_ULONG parameter_length);
	CK_RV(*C_VerifyMessageNext)
	(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
	 CK_ULONG parameter_length, CK_BYTE_PTR data, CK_ULONG data_length,
	 CK_BYTE_PTR signature, CK_ULONG signature_length);
	CK_RV (*C_MessageVerifyFinal)(CK_SESSION_HANDLE session);
};
#endif /* CKF_INTERFACE_FORK_SAFE */

#endif /* GUARDHSM_PKCS11_3_0_H */
