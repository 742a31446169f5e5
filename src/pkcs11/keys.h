/* Key objects and their material: checks on import, the derived
 * attributes (CKA_PUBLIC_KEY_INFO), and the DER form of CKA_EC_POINT. */
#ifndef GUARDHSM_PKCS11_KEYS_H
#define GUARDHSM_PKCS11_KEYS_H

#include "crypto/crypto.h"
#include "pkcs11/module.h"

/* C_CreateObject of a key: EC/Edwards/Montgomery private keys must have a
 * valid scalar or seed of the curve's size (shorter NIST scalars are
 * left-padded), public points must lie on the curve; both get
 * CKA_PUBLIC_KEY_INFO if the template did not give it. Other objects pass
 * unchanged. */
CK_RV p11_key_import_check(tok_object *object);

/* RSA keys (keys_rsa.c): the modulus size is in range, a private key's
 * components are consistent (CKR_ATTRIBUTE_VALUE_INVALID otherwise), and
 * CKA_PUBLIC_KEY_INFO is set when n and e are known. */
CK_RV p11_rsa_import_check(tok_object *object);
CK_RV p11_rsa_set_public_key_info(tok_object *object);

/* CKA_EC_POINT as the spec and clients expect it: DER OCTET STRING. */
CK_RV p11_key_set_public_point(tok_object *object, cry_curve curve,
                               const uint8_t *point);
/* Sets CKA_PUBLIC_KEY_INFO from a public point unless already present. */
CK_RV p11_key_set_public_key_info(tok_object *object, cry_curve curve,
                                  const uint8_t *point);

#endif
