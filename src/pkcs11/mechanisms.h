/* The one mechanism table: C_GetMechanismList and C_GetMechanismInfo read
 * it, and the crypto entry points will dispatch through it. */
#ifndef GUARDHSM_PKCS11_MECHANISMS_H
#define GUARDHSM_PKCS11_MECHANISMS_H

#include "pkcs11/pkcs11_3_0.h"

#include <stddef.h>

typedef struct p11_mechanism {
	CK_MECHANISM_TYPE type;
	CK_MECHANISM_INFO info;
} p11_mechanism;

/* NULL if the mechanism is not supported. */
const p11_mechanism *p11_mechanism_find(CK_MECHANISM_TYPE type);
size_t p11_mechanism_count(void);
const p11_mechanism *p11_mechanism_at(size_t index);

#endif
