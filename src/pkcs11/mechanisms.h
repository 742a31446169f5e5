/* The one mechanism table: C_GetMechanismList and C_GetMechanismInfo read
 * it, and the crypto entry points dispatch through it. */
#ifndef GUARDHSM_PKCS11_MECHANISMS_H
#define GUARDHSM_PKCS11_MECHANISMS_H

#include "crypto/crypto.h"
#include "pkcs11/pkcs11_3_0.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum p11_family {
	P11_FAMILY_EC_KEY_PAIR_GEN, /* NIST curves */
	P11_FAMILY_EDWARDS_KEY_PAIR_GEN,
	P11_FAMILY_MONTGOMERY_KEY_PAIR_GEN,
	P11_FAMILY_GENERIC_SECRET_GEN,
	P11_FAMILY_ECDSA,
	P11_FAMILY_EDDSA,
	P11_FAMILY_ECDH,
	P11_FAMILY_DIGEST,
	P11_FAMILY_HMAC,
	P11_FAMILY_RSA_KEY_PAIR_GEN,
	P11_FAMILY_RSA,        /* signatures and encryption: padding, hash */
	P11_FAMILY_SECRET_GEN, /* AES, ChaCha20: key_type */
	P11_FAMILY_CIPHER,     /* AES modes, ChaCha20-Poly1305: mode */
	P11_FAMILY_CMAC,
	P11_FAMILY_HKDF, /* CKM_HKDF_DERIVE, CKM_HKDF_DATA */
} p11_family;

typedef struct p11_mechanism {
	CK_MECHANISM_TYPE type;
	CK_MECHANISM_INFO info;
	p11_family family;
	cry_hash hash; /* digest, HMAC, ECDSA with hashing */
	bool hashes;   /* ECDSA_SHA*: the token hashes the data */
	bool general;  /* *_HMAC_GENERAL: CK_MAC_GENERAL_PARAMS length */
	cry_rsa_padding padding; /* P11_FAMILY_RSA */
	cry_cipher_mode mode;    /* P11_FAMILY_CIPHER */
	CK_KEY_TYPE key_type;    /* key generation, ciphers: the key type */
} p11_mechanism;

/* NULL if the mechanism is not supported. */
const p11_mechanism *p11_mechanism_find(CK_MECHANISM_TYPE type);
size_t p11_mechanism_count(void);
const p11_mechanism *p11_mechanism_at(size_t index);

#endif
