/* Shared by the private-key wrapping tests (test_p11_wrap_private*.c):
 * private keys of each kind made by OpenSSL or by the token, OpenSSL's
 * PKCS#8 PrivateKeyInfo of them, the symmetric wrapping mechanisms on
 * both sides (the token's C_WrapKey, OpenSSL's EVP), and the proof that
 * a key in the token is a given OpenSSL key (the token signs or agrees,
 * OpenSSL checks). Include after p11_symmetric.h. */
#ifndef GUARDHSM_TESTS_P11_PRIVATE_H
#define GUARDHSM_TESTS_P11_PRIVATE_H

#include "p11_symmetric.h"

#include <openssl/evp.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for any wrapped key these tests make (RSA-2048: ~1.2 KiB). */
#define PK_MAX 4096

typedef enum pk_kind {
	PK_RSA = 0, /* 2048 bits */
	PK_P256,
	PK_P384,
	PK_P521,
	PK_ED25519,
	PK_X25519,
	PK_KINDS,
} pk_kind;

const char *pk_name(pk_kind kind);
CK_KEY_TYPE pk_key_type(pk_kind kind);

/* A fresh OpenSSL key (the RSA one is made once per program: the caller
 * gets a reference to free). */
EVP_PKEY *pk_ossl_key(pk_kind kind);
/* OpenSSL's PKCS#8 PrivateKeyInfo of the key, what `openssl pkcs8
 * -topk8 -nocrypt` writes; returns its length. */
size_t pk_ossl_pkcs8(EVP_PKEY *key, uint8_t *out, size_t size);
/* OpenSSL's reading of a whole PrivateKeyInfo (asserts it succeeds). */
EVP_PKEY *pk_ossl_parse(const uint8_t *der, size_t length);

/* The OpenSSL key as a session private key object, extractable, not
 * sensitive, with CKA_SIGN and CKA_DERIVE; crt false leaves out RSA's
 * CRT parts. extra attributes are added or replace. */
CK_RV pk_import_rv(CK_SESSION_HANDLE s, EVP_PKEY *key, pk_kind kind, bool crt,
                   const CK_ATTRIBUTE *extra, CK_ULONG extra_count,
                   CK_OBJECT_HANDLE *object);
CK_OBJECT_HANDLE pk_import(CK_SESSION_HANDLE s, EVP_PKEY *key, pk_kind kind);
/* A session key pair made by the token; the private half extractable,
 * with extra attributes added or replacing. */
CK_RV pk_generate_rv(CK_SESSION_HANDLE s, pk_kind kind,
                     const CK_ATTRIBUTE *extra, CK_ULONG extra_count,
                     CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv);

/* A key object's public key as OpenSSL reads its CKA_PUBLIC_KEY_INFO. */
EVP_PKEY *pk_token_public(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE object);
/* The private key object is OpenSSL's key: its CKA_PUBLIC_KEY_INFO is
 * the key's public key, and the token signs (RSA, EC, Ed25519) what
 * OpenSSL verifies with the key, or (X25519) agrees with a fresh OpenSSL
 * peer on the secret OpenSSL computes with the key. */
void pk_assert_same_key(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE object,
                        pk_kind kind, EVP_PKEY *key);
/* The attributes of an unwrapped (not generated, not local) private key
 * of OpenSSL's key: class, type, CKA_LOCAL, CKA_ALWAYS_SENSITIVE and
 * CKA_NEVER_EXTRACTABLE false, no key generation mechanism, the public
 * parts (CKA_MODULUS, CKA_PUBLIC_EXPONENT / CKA_EC_PARAMS) and
 * CKA_PUBLIC_KEY_INFO; if readable, the private value too. */
void pk_assert_unwrapped(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE object,
                         pk_kind kind, EVP_PKEY *key);

/* ---- Wrapping mechanisms ------------------------------------------------
 * The symmetric ones, with fixed parameters, and the KEK value both
 * sides use (an AES-256 and a ChaCha20 key object of the same bytes). */
typedef enum pk_wrap {
	PK_KWP = 0,  /* CKM_AES_KEY_WRAP_KWP (RFC 5649) */
	PK_WRAP_PAD, /* CKM_AES_KEY_WRAP_PAD (the same) */
	PK_KW,       /* CKM_AES_KEY_WRAP (RFC 3394): multiples of 8 only */
	PK_CBC_PAD,
	PK_GCM,
	PK_CHACHA, /* CKM_CHACHA20_POLY1305 */
	PK_WRAPS,
} pk_wrap;

extern const uint8_t pk_kek_value[32];

const char *pk_wrap_name(pk_wrap wrap);
void pk_mech(pk_wrap wrap, s_mechanism *m);
/* The KEK object the mechanism takes (made by pk_keks). */
typedef struct pk_keks {
	CK_OBJECT_HANDLE aes, chacha;
} pk_keks;
pk_keks pk_make_keks(CK_SESSION_HANDLE s);
CK_OBJECT_HANDLE pk_kek_for(const pk_keks *keks, pk_wrap wrap);
/* The wrapped length of length bytes, by each RFC's arithmetic. */
size_t pk_wrapped_length(pk_wrap wrap, size_t length);
/* OpenSSL's side: wrap and unwrap (assert success). */
size_t pk_ossl_wrap(pk_wrap wrap, const uint8_t *in, size_t length,
                    uint8_t *out);
size_t pk_ossl_unwrap(pk_wrap wrap, const uint8_t *in, size_t length,
                      uint8_t *out);

/* The token's side. */
CK_RV pk_wrap_rv(CK_SESSION_HANDLE s, pk_wrap wrap, const pk_keks *keks,
                 CK_OBJECT_HANDLE key, uint8_t *out, size_t *length);
/* C_UnwrapKey into a session private key labelled "unwrapped private"
 * (type: CK_UNAVAILABLE_INFORMATION to leave CKA_KEY_TYPE out), not
 * sensitive, extractable, with CKA_SIGN and CKA_DERIVE; extra attributes
 * added or replacing. */
CK_RV pk_unwrap_rv(CK_SESSION_HANDLE s, pk_wrap wrap, const pk_keks *keks,
                   const uint8_t *wrapped, size_t length, CK_KEY_TYPE type,
                   const CK_ATTRIBUTE *extra, CK_ULONG extra_count,
                   CK_OBJECT_HANDLE *key);
#define PK_UNWRAPPED_LABEL "unwrapped private"

#endif
