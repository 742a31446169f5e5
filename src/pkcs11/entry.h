/* Every Cryptoki function the module implements, declared once so the
 * function lists (module.c) and the definitions agree. The names are the
 * standard's; they are exported through guardhsm.map. */
#ifndef GUARDHSM_PKCS11_ENTRY_H
#define GUARDHSM_PKCS11_ENTRY_H

#include "pkcs11/pkcs11_3_0.h"

/* 3.0 additions, which p11-kit's header does not declare. */
CK_RV C_GetInterfaceList(CK_INTERFACE_PTR interfaces, CK_ULONG_PTR count);
CK_RV C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version,
                     CK_INTERFACE_PTR_PTR interface, CK_FLAGS flags);
CK_RV C_LoginUser(CK_SESSION_HANDLE session, CK_USER_TYPE user_type,
                  CK_UTF8CHAR_PTR pin, CK_ULONG pin_length,
                  CK_UTF8CHAR_PTR username, CK_ULONG username_length);
CK_RV C_SessionCancel(CK_SESSION_HANDLE session, CK_FLAGS flags);

/* 3.0 message-based encryption (message.c): AES-GCM and
 * ChaCha20-Poly1305, single-part messages. */
CK_RV C_MessageEncryptInit(CK_SESSION_HANDLE session,
                           CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key);
CK_RV C_EncryptMessage(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
                       CK_ULONG parameter_length, CK_BYTE_PTR aad,
                       CK_ULONG aad_length, CK_BYTE_PTR plaintext,
                       CK_ULONG plaintext_length, CK_BYTE_PTR ciphertext,
                       CK_ULONG_PTR ciphertext_length);
CK_RV C_MessageEncryptFinal(CK_SESSION_HANDLE session);
CK_RV C_MessageDecryptInit(CK_SESSION_HANDLE session,
                           CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key);
CK_RV C_DecryptMessage(CK_SESSION_HANDLE session, CK_VOID_PTR parameter,
                       CK_ULONG parameter_length, CK_BYTE_PTR aad,
                       CK_ULONG aad_length, CK_BYTE_PTR ciphertext,
                       CK_ULONG ciphertext_length, CK_BYTE_PTR plaintext,
                       CK_ULONG_PTR plaintext_length);
CK_RV C_MessageDecryptFinal(CK_SESSION_HANDLE session);

/* The rest of the 3.0 message-based functions: multi-part messages
 * (C_*MessageBegin/Next) and message-based signing are not offered,
 * answered with CKR_FUNCTION_NOT_SUPPORTED (unsupported.c). */
CK_RV p11_message_encrypt_init(CK_SESSION_HANDLE, CK_MECHANISM_PTR,
                               CK_OBJECT_HANDLE);
CK_RV p11_encrypt_message_begin(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG,
                                CK_BYTE_PTR, CK_ULONG);
CK_RV p11_encrypt_message_next(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG,
                               CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR,
                               CK_FLAGS);
CK_RV p11_message_final(CK_SESSION_HANDLE);
CK_RV p11_sign_message(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR,
                       CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR);
CK_RV p11_message_begin(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG);
CK_RV p11_sign_message_next(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG,
                            CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR);
CK_RV p11_verify_message(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR,
                         CK_ULONG, CK_BYTE_PTR, CK_ULONG);
CK_RV p11_verify_message_next(CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG,
                              CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG);

/* C_GetInfo as seen through the 2.40 function list. */
CK_RV p11_get_info_2_40(CK_INFO_PTR info);

#endif
