/*
 * guardhsm crypto: helpers shared by the files of the crypto layer (not
 * part of its interface).
 */
#ifndef GUARDHSM_CRYPTO_INTERNAL_H
#define GUARDHSM_CRYPTO_INTERNAL_H

#include "crypto/crypto.h"

#include <openssl/evp.h>

#define CRY_IS_NIST(curve)                                                     \
	((curve) == CRY_CURVE_P256 || (curve) == CRY_CURVE_P384 ||             \
	 (curve) == CRY_CURVE_P521)

/* The largest digest (SHA-512) and block (SHA-3-256's 136 bytes). */
#define CRY_MAX_HASH_LENGTH 64
#define CRY_MAX_BLOCK_LENGTH 144

bool cry_curve_valid(cry_curve curve);
/* Advances *value past leading zero bytes (of a big-endian integer);
 * returns the length left. */
size_t cry_skip_zeros(const uint8_t **value, size_t length);
cry_status cry_from_enclave(enc_status status);

/* A key buffer must exist, hold exactly size bytes (0: any size) and be
 * readable: we never change the access state of a caller's buffer, since
 * another thread may be using it at the same time. */
cry_status cry_check_key(const enc_buffer *key, size_t size);

/* NIST curves (ec_nist.c). */
const char *cry_nist_group_name(cry_curve curve);
/* 1 <= scalar < n, in constant time (the scalar is big-endian, as long as
 * the curve's private keys). */
bool cry_scalar_in_range(cry_curve curve, const uint8_t *scalar);
cry_status cry_nist_public_pkey(cry_curve curve, const uint8_t *point,
                                size_t length, EVP_PKEY **out);
cry_status cry_nist_generate(cry_curve curve, enc_buffer **private_key,
                             uint8_t *public_point);
cry_status cry_nist_public(cry_curve curve, const enc_buffer *private_key,
                           uint8_t *public_point);
cry_status cry_nist_ecdh(cry_curve curve, const enc_buffer *private_key,
                         const uint8_t *peer_point, size_t peer_length,
                         enc_buffer **shared_secret);

/* Ed25519 and X25519 (ed25519.c, x25519.c). */
cry_status cry_ed25519_generate(enc_buffer **seed, uint8_t public_key[32]);
cry_status cry_ed25519_public(const enc_buffer *seed, uint8_t public_key[32]);
cry_status cry_x25519_generate(enc_buffer **scalar, uint8_t public_key[32]);
cry_status cry_x25519_public(const enc_buffer *scalar, uint8_t public_key[32]);
cry_status cry_x25519_ecdh(const enc_buffer *scalar, const uint8_t *peer,
                           size_t peer_length, enc_buffer **shared_secret);

/* RSA (rsa_key.c, rsa_blinding.c). A packed key (see crypto.h) read in
 * place: the parts point into the enclave buffer, which must stay
 * readable while they are used. */
#define CRY_RSA_MAX_BYTES (CRY_RSA_MAX_BITS / 8)

typedef struct cry_rsa_key {
	const uint8_t *part[CRY_RSA_PART_COUNT]; /* NULL when absent */
	size_t length[CRY_RSA_PART_COUNT];
	size_t modulus_bytes; /* k */
	bool crt;             /* p, q, dp, dq and qinv are present */
} cry_rsa_key;

/* CRY_ERR_INVALID for a NULL or unreadable buffer, CRY_ERR_KEY for one
 * that is not a well-formed packed key. */
cry_status cry_rsa_read(const enc_buffer *packed, cry_rsa_key *key);
/* The private key as an OpenSSL RSA, its private BIGNUMs in the secure
 * heap (RSA_free clears them); NULL if out of memory. own_blinding:
 * OpenSSL's blinding is switched off because cry_rsa_private_raw blinds. */
RSA *cry_rsa_private(const cry_rsa_key *key, bool own_blinding);
/* A public key from n and e (leading zeros allowed), checked: a modulus of
 * CRY_RSA_MIN_BITS..CRY_RSA_MAX_BITS, odd; 3 <= e < n, odd, and at most
 * 64 bits when n has more than 3072 (OpenSSL's limit); CRY_ERR_KEY if not.
 * *modulus_bytes gets k. */
cry_status cry_rsa_public(const uint8_t *modulus, size_t modulus_length,
                          const uint8_t *exponent, size_t exponent_length,
                          RSA **out, size_t *modulus_bytes);
/* Packs n, e, d and, if p is not NULL, the CRT parts (d as long as n, dp
 * and qinv as p, dq as q) into a new READONLY enclave buffer. */
cry_status cry_rsa_store(const BIGNUM *const parts[CRY_RSA_PART_COUNT],
                         enc_buffer **packed);
/* output = input^d mod n (k bytes each; input < n, else CRY_ERR_INVALID),
 * for signatures and OAEP/raw decryption: rsa is cry_rsa_private(key,
 * true), and the input is blinded here with a pair kept per thread
 * (rsa_blinding.c). output may be secret (a decrypted block): put it in
 * enclave memory; the unblinded value passes only through the secure
 * heap. */
cry_status cry_rsa_private_raw(RSA *rsa, const cry_rsa_key *key,
                               const uint8_t *input, uint8_t *output);
/* Whether a < b, both big-endian of length bytes, in constant time. */
bool cry_rsa_less(const uint8_t *a, const uint8_t *b, size_t length);

/* SHA-1/SHA-2 states in caller-provided (enclave) memory of
 * cry_sha_state_size() bytes, 16-byte aligned (digest.c). */
bool cry_hash_valid(cry_hash hash);
bool cry_hash_is_sha3(cry_hash hash);
const EVP_MD *cry_hash_md(cry_hash hash);
size_t cry_sha_state_size(void);
void cry_sha_init(cry_hash hash, void *state);
void cry_sha_update(cry_hash hash, void *state, const void *data,
                    size_t length);
void cry_sha_final(cry_hash hash, void *state, uint8_t *out);

#endif /* GUARDHSM_CRYPTO_INTERNAL_H */
