/* Key objects and their material: checks on import, the derived
 * attributes (CKA_PUBLIC_KEY_INFO), the DER form of CKA_EC_POINT, and
 * private keys as PKCS#8. */
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

/* The object attribute holding each cry_rsa_part (CKA_MODULUS ...
 * CKA_COEFFICIENT). */
extern const CK_ATTRIBUTE_TYPE p11_rsa_part_attributes[CRY_RSA_PART_COUNT];

/* Private keys as PKCS#8 PrivateKeyInfo (keys_pkcs8.c), slot lock held.
 * The encoding of an RSA, EC, Edwards or Montgomery private key object,
 * in a new enclave buffer; CKR_KEY_NOT_WRAPPABLE for a key PKCS#8 cannot
 * hold (RSA imported without its CRT parts). */
CK_RV p11_private_key_encode(p11_object_ref *ref, enc_buffer **der);
/* The key type of a decoded key. */
CK_KEY_TYPE p11_pkcs8_key_type(const cry_pkcs8_key *key);
/* Fills a new private key object (of the decoded key's type, else
 * CKR_WRAPPED_KEY_INVALID) with a decoded key's material, sealed from
 * the views, then checks it as an import and sets CKA_PUBLIC_KEY_INFO;
 * a key that fails the checks: CKR_WRAPPED_KEY_INVALID. */
CK_RV p11_private_key_fill(tok_object *object, const cry_pkcs8_key *key);

/* CKA_EC_POINT as the spec and clients expect it: DER OCTET STRING. */
CK_RV p11_key_set_public_point(tok_object *object, cry_curve curve,
                               const uint8_t *point);
/* Sets CKA_PUBLIC_KEY_INFO from a public point unless already present. */
CK_RV p11_key_set_public_key_info(tok_object *object, cry_curve curve,
                                  const uint8_t *point);

#endif
