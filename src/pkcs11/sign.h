/* Shared by sign_init.c and sign.c. */
#ifndef GUARDHSM_PKCS11_SIGN_H
#define GUARDHSM_PKCS11_SIGN_H

#include "pkcs11/pkcs11_3_0.h"

#include <stdbool.h>

CK_RV p11_sign_verify_init(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                           CK_OBJECT_HANDLE key, bool signing);

#endif
