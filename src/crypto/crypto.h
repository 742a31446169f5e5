/*
 * guardhsm crypto: the mechanisms, over libsodium and OpenSSL libcrypto,
 * taking key material only from enclave buffers.
 *
 * Rules every function here keeps:
 *  - private and secret key material comes in and goes out only as
 *    enc_buffer (see enclave/enclave.h); it is never copied to the stack
 *    or the heap. Keyed state (HMAC) lives in enclave buffers too.
 *  - an OpenSSL key object (EVP_PKEY) holding a private key exists only
 *    inside one call: built from the enclave buffer with its private
 *    BIGNUMs in OpenSSL's secure heap, used, and freed (cleansed) before
 *    the call returns. cry_init() sets up the secure heap if the host did
 *    not.
 *  - public values (points, signatures, digests) are ordinary bytes.
 *  - key buffers passed in must be readable (READONLY or READWRITE) and
 *    of the curve's exact size: we never change the access state of a
 *    caller's buffer (another thread may be using it). A NOACCESS buffer
 *    gives CRY_ERR_INVALID, a wrong size CRY_ERR_KEY.
 *
 * Knows nothing of PKCS#11: formats are the ones the PKCS#11 layer needs
 * (raw r||s signatures, uncompressed points, DER OIDs), named here.
 */
#ifndef GUARDHSM_CRYPTO_H
#define GUARDHSM_CRYPTO_H

#include "enclave/enclave.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cry_status {
	CRY_OK = 0,
	CRY_ERR_INVALID,   /* bad argument or parameter */
	CRY_ERR_KEY,       /* key material of the wrong size, off the curve,
	                      or a point that is not on the curve */
	CRY_ERR_SIGNATURE, /* a signature or MAC did not verify */
	CRY_ERR_SIGNATURE_LENGTH, /* a signature of the wrong length */
	CRY_ERR_BUFFER, /* output buffer too small (*length says how big) */
	CRY_ERR_NOMEM,
	CRY_ERR_ENCLAVE,  /* the enclave refused (budget, lock, forked) */
	CRY_ERR_INTERNAL, /* the library failed unexpectedly */
} cry_status;

const char *cry_strerror(cry_status status);

/* Sets up OpenSSL's secure heap (mlocked, guard-paged, no-dump) of the
 * given size (a power of two, >= 16 KiB; 0: 256 KiB) unless the host
 * already did. *initialised_here (may be NULL) tells whether we did, so
 * the caller can count it in its locked-memory budget. Idempotent. */
cry_status cry_init(size_t secure_heap_bytes, bool *initialised_here);

/* ---- Curves ------------------------------------------------------------- */

typedef enum cry_curve {
	CRY_CURVE_P256 = 0,
	CRY_CURVE_P384,
	CRY_CURVE_P521,
	CRY_CURVE_ED25519,
	CRY_CURVE_X25519,
} cry_curve;

/* Recognises CKA_EC_PARAMS: a DER OBJECT IDENTIFIER of a supported curve
 * (prime256v1, secp384r1, secp521r1, Ed25519 1.3.101.112, X25519
 * 1.3.101.110), or a DER PrintableString "edwards25519" / "curve25519"
 * (the PKCS#11 3.0 forms). CRY_ERR_INVALID if unsupported or malformed. */
cry_status cry_curve_from_params(const uint8_t *der, size_t length,
                                 cry_curve *curve);
/* The canonical DER OID of a curve (static storage). */
const uint8_t *cry_curve_params(cry_curve curve, size_t *length);
/* Private key bytes (scalar for NIST curves, seed for Ed25519, scalar for
 * X25519) and public point bytes (uncompressed 0x04||X||Y for NIST curves,
 * 32 raw bytes for Ed25519/X25519). */
size_t cry_curve_private_bytes(cry_curve curve);
size_t cry_curve_public_bytes(cry_curve curve);
/* Field size in bits (256, 384, 521, 255, 255). */
unsigned cry_curve_bits(cry_curve curve);

/* A new key pair: the private key in a new enclave buffer (READONLY on
 * return), the public point in public_point (cry_curve_public_bytes). */
cry_status cry_ec_generate(cry_curve curve, enc_buffer **private_key,
                           uint8_t *public_point);

/* The public point of a private key (checks the key: a NIST scalar must be
 * in [1, n-1]). */
cry_status cry_ec_public_from_private(cry_curve curve,
                                      const enc_buffer *private_key,
                                      uint8_t *public_point);

/* Checks a public point is valid for the curve (on the curve, not the
 * point at infinity; for Ed25519 a valid encoding). */
cry_status cry_ec_check_public(cry_curve curve, const uint8_t *point,
                               size_t length);

/* DER SubjectPublicKeyInfo of a public point (CKA_PUBLIC_KEY_INFO): the
 * length query protocol (der NULL: *length set). */
cry_status cry_ec_public_key_info(cry_curve curve, const uint8_t *point,
                                  uint8_t *der, size_t *length);

/* ---- Ed25519 (libsodium) ------------------------------------------------ */

/* libsodium's 64-byte signing key (seed || public key) from a 32-byte
 * seed, into a new enclave buffer (READONLY). Done once per key, so
 * signing does not pay for the scalar multiplication each time. */
cry_status cry_ed25519_expand(const enc_buffer *seed, enc_buffer **signing_key);

/* Pure Ed25519 (RFC 8032) with the 64-byte signing key. */
cry_status cry_ed25519_sign(const enc_buffer *signing_key,
                            const uint8_t *message, size_t length,
                            uint8_t signature[64]);
cry_status cry_ed25519_verify(const uint8_t public_key[32],
                              const uint8_t *message, size_t length,
                              const uint8_t *signature,
                              size_t signature_length);

/* Ed25519ph / Ed25519ctx (RFC 8032 section 5.1) for CK_EDDSA_PARAMS:
 * prehash true: Ed25519ph (the message is hashed with SHA-512 first);
 * prehash false with a context (up to 255 bytes): Ed25519ctx; prehash
 * false without one: pure Ed25519. Ed25519ph accepts a context too. Both
 * variants are built on libsodium's group operations (neither library
 * offers them whole). CRY_ERR_INVALID for a context over 255 bytes. */
cry_status cry_ed25519_sign_ex(const enc_buffer *signing_key, bool prehash,
                               const uint8_t *context, size_t context_length,
                               const uint8_t *message, size_t length,
                               uint8_t signature[64]);
cry_status cry_ed25519_verify_ex(const uint8_t public_key[32], bool prehash,
                                 const uint8_t *context, size_t context_length,
                                 const uint8_t *message, size_t length,
                                 const uint8_t *signature,
                                 size_t signature_length);

/* ---- ECDSA on NIST curves (OpenSSL) ------------------------------------- */

/* Signs a digest (any length: truncated/used as ECDSA specifies) with the
 * private scalar; the signature is r||s, each cry_curve_private_bytes
 * long (the PKCS#11 form), written to signature (2 * private bytes). */
cry_status cry_ecdsa_sign(cry_curve curve, const enc_buffer *private_key,
                          const uint8_t *digest, size_t digest_length,
                          uint8_t *signature);
cry_status cry_ecdsa_verify(cry_curve curve, const uint8_t *public_point,
                            size_t point_length, const uint8_t *digest,
                            size_t digest_length, const uint8_t *signature,
                            size_t signature_length);

/* ---- Key agreement ----------------------------------------------------- */

/* ECDH (NIST curves, OpenSSL; X25519, libsodium): the raw shared secret
 * (x coordinate / X25519 output) into a new enclave buffer (READONLY).
 * Rejects invalid peer points and all-zero X25519 outputs. */
cry_status cry_ecdh(cry_curve curve, const enc_buffer *private_key,
                    const uint8_t *peer_point, size_t peer_length,
                    enc_buffer **shared_secret);

/* ---- Digests ------------------------------------------------------------ */
/* SHA-1 and SHA-2 states live in an enclave buffer (OpenSSL's low-level
 * SHA_CTX / SHA256_CTX / SHA512_CTX are plain structs), because
 * C_DigestKey may feed key material into them and a partial block of it
 * would otherwise sit in a heap buffer. SHA-3 states live in OpenSSL's
 * heap (its Keccak context is opaque), so cry_digest_update_secret
 * refuses them with CRY_ERR_INVALID (the PKCS#11 layer answers
 * CKR_KEY_INDIGESTIBLE). */

typedef enum cry_hash {
	CRY_HASH_SHA1 = 0,
	CRY_HASH_SHA224,
	CRY_HASH_SHA256,
	CRY_HASH_SHA384,
	CRY_HASH_SHA512,
	CRY_HASH_SHA3_256,
	CRY_HASH_SHA3_384,
	CRY_HASH_SHA3_512,
} cry_hash;

size_t cry_hash_length(cry_hash hash);
size_t cry_hash_block_length(cry_hash hash);

typedef struct cry_digest cry_digest;
cry_status cry_digest_new(cry_hash hash, cry_digest **out);
cry_status cry_digest_update(cry_digest *digest, const uint8_t *data,
                             size_t length);
/* Writes cry_hash_length bytes; the digest cannot be updated afterwards. */
cry_status cry_digest_final(cry_digest *digest, uint8_t *out);
void cry_digest_free(cry_digest *digest);
cry_status cry_digest_once(cry_hash hash, const uint8_t *data, size_t length,
                           uint8_t *out);
/* Feeds the contents of an enclave buffer (C_DigestKey) straight from
 * enclave memory into the (enclave-held) state. */
cry_status cry_digest_update_secret(cry_digest *digest, const enc_buffer *data);

/* ---- HMAC: keyed state in the enclave ----------------------------------- */

/* All SHA-1/SHA-2/SHA-3 HMACs. The key is given as an enclave buffer; the
 * keyed state (the inner and outer hash states, or the key itself for
 * hashes whose state cannot be placed in our memory) is kept in an
 * enclave buffer owned by the cry_hmac, NOACCESS between calls. Message
 * data is not secret and may be buffered in ordinary memory. */
typedef struct cry_hmac cry_hmac;
cry_status cry_hmac_new(cry_hash hash, const enc_buffer *key, cry_hmac **out);
cry_status cry_hmac_update(cry_hmac *hmac, const uint8_t *data, size_t length);
/* Writes the full MAC (cry_hash_length bytes) to mac. */
cry_status cry_hmac_final(cry_hmac *hmac, uint8_t *mac);
void cry_hmac_free(cry_hmac *hmac); /* wipes */
cry_status cry_hmac_once(cry_hash hash, const enc_buffer *key,
                         const uint8_t *data, size_t length, uint8_t *mac);

/* ---- KDFs for ECDH1_DERIVE ---------------------------------------------- */

/* ANSI X9.63 KDF (CKD_SHA*_KDF): out = H(Z || counter32 || shared_info)
 * ... truncated to out_length, written into a new enclave buffer
 * (READONLY). */
cry_status cry_x963_kdf(cry_hash hash, const enc_buffer *shared_secret,
                        const uint8_t *shared_info, size_t info_length,
                        size_t out_length, enc_buffer **out);

#endif /* GUARDHSM_CRYPTO_H */
