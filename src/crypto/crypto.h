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

/* ---- RSA (OpenSSL; rsa*.c) ---------------------------------------------- */
/* A private key travels as one enclave buffer in a packed form that only
 * this layer reads: n, e, d, p, q, dp, dq, qinv, each as a 4-byte
 * big-endian length and then its big-endian bytes (a CRT part may have
 * length 0 when the key was imported without it). An OpenSSL key (a
 * low-level RSA: no provider import, no EVP fetches) is built from it
 * inside each call (private BIGNUMs in OpenSSL's secure heap) and freed
 * before the call returns. Public keys are plain bytes (n, e).
 *
 * Stored widths: n, e, p and q without leading zeros; d as long as n, dp
 * and qinv as long as p, dq as long as q (so a view of a private part may
 * start with zeros). e is always stored (see cry_rsa_pack).
 *
 * Signing blinds as OpenSSL does (A = r^e, Ai = r^-1, renewed by squaring
 * for 32 uses), but keeps the pair between calls itself, because making
 * one costs most of a signature and the OpenSSL key object is rebuilt in
 * every call: per thread, for up to 8 keys, the next pair sealed by the
 * enclave, with the modulus's public Montgomery constants (a few KiB per
 * thread, freed when the thread ends). A purge makes the pairs unreadable
 * and new ones are made. Decryption uses OpenSSL's own blinding.
 *
 * Public keys given as bytes (verify, encrypt, SPKI) may have leading
 * zeros; CRY_ERR_KEY unless n has CRY_RSA_MIN_BITS..CRY_RSA_MAX_BITS and
 * is odd, and e is odd, 3 <= e < n, and of at most 64 bits when n has
 * more than 3072 (OpenSSL's limit). */

typedef enum cry_rsa_part {
	CRY_RSA_MODULUS = 0,
	CRY_RSA_PUBLIC_EXPONENT,
	CRY_RSA_PRIVATE_EXPONENT,
	CRY_RSA_PRIME_1,
	CRY_RSA_PRIME_2,
	CRY_RSA_EXPONENT_1,
	CRY_RSA_EXPONENT_2,
	CRY_RSA_COEFFICIENT,
	CRY_RSA_PART_COUNT,
} cry_rsa_part;

/* Limits: modulus of 1024..16384 bits (2048, 3072, 4096 are what the
 * module offers for generation; import accepts 1024..16384). */
#define CRY_RSA_MIN_BITS 1024
#define CRY_RSA_MAX_BITS 16384

/* Packs the parts of an imported private key into a new enclave buffer
 * (READONLY on return). parts[i] / lengths[i] for each cry_rsa_part
 * (big-endian, leading zeros allowed); the private parts are read from
 * wherever the caller holds them (enclave buffers). n and d are required
 * (CRY_ERR_INVALID if absent); e, p, q, dp, dq, qinv may be NULL/0, but
 * the CRT parts come all together or not at all. The key is checked for
 * consistency: n = p*q, d*e = 1 mod lcm(p-1, q-1), dp = d mod (p-1),
 * dq = d mod (q-1), qinv*q = 1 mod p, and a sign/verify round trip when e
 * is present; CRY_ERR_KEY if not. Some CRT parts without the others:
 * CRY_ERR_INVALID. The primes are not tested for primality. Signing needs
 * e (blinding), so a missing e is recovered and stored: with the CRT parts
 * as d^-1 mod lcm(p-1, q-1) (the key's e whenever e < lcm, as for any real
 * key); without them as the first of 65537, 3, 5, 17, 257 that undoes d;
 * CRY_ERR_KEY if none does. */
cry_status cry_rsa_pack(const uint8_t *const parts[CRY_RSA_PART_COUNT],
                        const size_t lengths[CRY_RSA_PART_COUNT],
                        enc_buffer **packed);

/* A view of one part inside a packed key (the buffer must be readable);
 * for public parts and for writing private parts into a new object. */
cry_status cry_rsa_part_view(const enc_buffer *packed, cry_rsa_part part,
                             const uint8_t **value, size_t *length);

/* Modulus size in bits of a packed key (0 if it is unreadable or not a
 * packed key) / of a modulus (leading zeros allowed; 0 for NULL). */
unsigned cry_rsa_bits(const enc_buffer *packed);
unsigned cry_rsa_modulus_bits(const uint8_t *modulus, size_t length);

/* A new key pair of the given modulus size (2048..CRY_RSA_MAX_BITS,
 * multiple of 8; CRY_ERR_INVALID otherwise) and public exponent
 * (big-endian bytes; NULL/0: 65537; must be odd, >= 3 and of at most 64
 * bits, CRY_ERR_INVALID otherwise), packed. The parts go from OpenSSL's
 * secure heap straight into the enclave buffer (see rsa_generate.c). */
cry_status cry_rsa_generate(unsigned bits, const uint8_t *exponent,
                            size_t exponent_length, enc_buffer **packed);

typedef enum cry_rsa_padding {
	CRY_RSA_PAD_PKCS1 = 0, /* PKCS#1 v1.5 (type 1 sign, type 2 encrypt) */
	CRY_RSA_PAD_PSS,
	CRY_RSA_PAD_OAEP,
	CRY_RSA_PAD_NONE, /* raw RSA (CKM_RSA_X_509) */
} cry_rsa_padding;

typedef struct cry_rsa_params {
	cry_rsa_padding padding;
	/* PKCS#1 v1.5 signatures: true wraps the input in a DigestInfo for
	 * hash (the input is then the digest, of the hash's length); false
	 * signs the input as given (CKM_RSA_PKCS: at most k - 11 bytes).
	 * PSS and OAEP: hash is the message/label hash. */
	bool digest_info;
	cry_hash hash;
	cry_hash mgf_hash;    /* PSS, OAEP: MGF1's hash */
	size_t salt_length;   /* PSS */
	const uint8_t *label; /* OAEP source data (may be NULL) */
	size_t label_length;
} cry_rsa_params;

/* Signs input (for PSS: a digest of params->hash's length, CRY_ERR_INVALID
 * otherwise; for PAD_NONE: at most k bytes, numerically less than n,
 * left-padded with zeros) into signature, which must hold k bytes (the
 * modulus length): *signature_length in: capacity, out: k; a NULL
 * signature or small capacity gives CRY_ERR_BUFFER with k in *length. */
cry_status cry_rsa_sign(const enc_buffer *packed, const cry_rsa_params *params,
                        const uint8_t *input, size_t input_length,
                        uint8_t *signature, size_t *signature_length);
/* CRY_ERR_SIGNATURE_LENGTH if the signature is not k bytes,
 * CRY_ERR_SIGNATURE if it does not verify. */
cry_status cry_rsa_verify(const uint8_t *modulus, size_t modulus_length,
                          const uint8_t *exponent, size_t exponent_length,
                          const cry_rsa_params *params, const uint8_t *input,
                          size_t input_length, const uint8_t *signature,
                          size_t signature_length);
/* Public-key encryption (PKCS1, OAEP, NONE); the length protocol as for
 * cry_rsa_sign. Input too long: CRY_ERR_INVALID (the PKCS#11 layer
 * answers CKR_DATA_LEN_RANGE). The input may point into an enclave buffer
 * (key wrapping). */
cry_status cry_rsa_encrypt(const uint8_t *modulus, size_t modulus_length,
                           const uint8_t *exponent, size_t exponent_length,
                           const cry_rsa_params *params, const uint8_t *input,
                           size_t input_length, uint8_t *output,
                           size_t *output_length);
/* Private-key decryption into a new enclave buffer of exactly the
 * plaintext's length (READONLY), so that an unwrapped key never touches
 * ordinary memory. A ciphertext that is not k bytes: CRY_ERR_INVALID
 * (CKR_ENCRYPTED_DATA_LEN_RANGE); bad padding: CRY_ERR_SIGNATURE
 * (CKR_ENCRYPTED_DATA_INVALID), in constant time for OAEP and PKCS#1
 * v1.5 as OpenSSL gives it (OpenSSL 3.2 and later answer a bad PKCS#1
 * v1.5 padding with a random message instead: implicit rejection). A
 * ciphertext not below n: CRY_ERR_SIGNATURE. An empty plaintext: CRY_OK
 * and *plaintext NULL (enc_size(NULL) is 0), since an enclave buffer
 * cannot be empty. CRY_RSA_PAD_NONE gives all k bytes. */
cry_status cry_rsa_decrypt(const enc_buffer *packed,
                           const cry_rsa_params *params, const uint8_t *input,
                           size_t input_length, enc_buffer **plaintext);
/* DER SubjectPublicKeyInfo (CKA_PUBLIC_KEY_INFO), length protocol as in
 * cry_ec_public_key_info. */
cry_status cry_rsa_public_key_info(const uint8_t *modulus,
                                   size_t modulus_length,
                                   const uint8_t *exponent,
                                   size_t exponent_length, uint8_t *der,
                                   size_t *length);

/* ---- PKCS#8 private keys (pkcs8.c, der.c) ------------------------------- */
/* The PrivateKeyInfo (RFC 5208, 5958) of a private key, the plaintext of
 * a wrapped private key: RSA (rsaEncryption, RSAPrivateKey version 0 with
 * the CRT parts), NIST curves (id-ecPublicKey with the named curve,
 * ECPrivateKey version 1 with the public key) and Ed25519 / X25519 (RFC
 * 8410), as `openssl pkcs8 -topk8 -nocrypt` writes them. The encoding
 * exists only in enclave buffers: it is written into a new one and read
 * in place from one, by our own DER code (OpenSSL's d2i/i2d would put the
 * parts in ordinary heap objects). */

/* The largest encoding accepted (a 16384-bit RSA key takes under 10 KiB). */
#define CRY_PKCS8_MAX_BYTES 16384

/* A decoded key: views into the encoding's buffer, valid while it is
 * readable and not freed. */
typedef struct cry_pkcs8_key {
	bool rsa; /* RSA (parts), else a curve key (curve, private_key) */
	/* RSA: n, e, d, p, q, dp, dq, qinv, big-endian without leading
	 * zeros, none empty. */
	const uint8_t *part[CRY_RSA_PART_COUNT];
	size_t length[CRY_RSA_PART_COUNT];
	cry_curve curve;
	/* cry_curve_private_bytes: a NIST scalar in [1, n-1], an Ed25519
	 * seed or an X25519 scalar. */
	const uint8_t *private_key;
	size_t private_length;
} cry_pkcs8_key;

/* A packed RSA key (see cry_rsa_pack) as PrivateKeyInfo, in a new
 * enclave buffer (READONLY). CRY_ERR_KEY for a key without its CRT parts
 * (RSAPrivateKey has no form without them), CRY_ERR_INVALID for a NULL or
 * unreadable buffer. */
cry_status cry_pkcs8_encode_rsa(const enc_buffer *packed, enc_buffer **der);
/* A curve private key (cry_curve_private_bytes; a NIST scalar in range,
 * else CRY_ERR_KEY) as PrivateKeyInfo, in a new enclave buffer
 * (READONLY); for NIST curves with the public point. */
cry_status cry_pkcs8_encode_curve(cry_curve curve,
                                  const enc_buffer *private_key,
                                  enc_buffer **der);
/* Reads a PrivateKeyInfo of one of those kinds, strictly: DER only, the
 * whole buffer and nothing after it, versions 0 (and 1 for RFC 8410 keys,
 * whose optional public key must then match), the OIDs and parameters
 * above, the fixed private-key lengths, a NIST scalar in range and any
 * public key given consistent with it; no attributes. CRY_ERR_KEY for
 * anything else (a key it does not describe), CRY_ERR_INVALID for a NULL
 * or unreadable buffer. The RSA parts are not checked against each other
 * here: cry_rsa_pack does that. */
cry_status cry_pkcs8_decode(const enc_buffer *der, cry_pkcs8_key *key);

/* ---- Symmetric ciphers: AES and ChaCha20-Poly1305 (cipher*.c) ----------- */
/* A cry_cipher is one encryption or decryption, single- or multi-part. It
 * keeps its key only in enclave memory: a private copy of the key in an
 * enclave buffer, or for AES-256-GCM where the CPU has AES-NI and
 * PCLMULQDQ, libsodium's expanded crypto_aead_aes256gcm_state there
 * instead; NOACCESS between calls. Where OpenSSL does the work
 * (EVP_CIPHER_CTX), the context is built from the enclave copy inside
 * each call and freed (OpenSSL cleanses it) before the call returns; only
 * non-secret chaining state (IV, counter, a partial block of caller data)
 * is kept between calls. AEAD modes (GCM, CCM, ChaCha20-Poly1305) buffer
 * the data and do all the work in cry_cipher_final, so decryption never
 * releases plaintext before the tag is verified. */

typedef enum cry_cipher_mode {
	CRY_AES_ECB = 0,
	CRY_AES_CBC,
	CRY_AES_CBC_PAD, /* PKCS#7 padding */
	CRY_AES_CTR,
	CRY_AES_GCM,
	CRY_AES_CCM,
	CRY_AES_KEY_WRAP,      /* RFC 3394; single-part only */
	CRY_AES_KEY_WRAP_PAD,  /* RFC 5649 (KWP); single-part only */
	CRY_CHACHA20_POLY1305, /* 8-byte (original), 12-byte (IETF) or
	                          24-byte (XChaCha20) nonces */
} cry_cipher_mode;

typedef struct cry_cipher_params {
	cry_cipher_mode mode;
	const uint8_t *iv; /* CBC: 16 bytes; CTR: the 16-byte counter block;
	                      GCM: 1..256 bytes; CCM: 7..13-byte nonce;
	                      ChaCha20-Poly1305: 8, 12 or 24 bytes; KW/KWP:
	                      NULL (default IV) or 8 / 4 bytes */
	size_t iv_length;
	size_t counter_length_bits; /* CTR: 1..128 low bits of the block
	                              count (not "counter_bits": p11-kit
	                              defines that name as a macro) */
	const uint8_t *aad;         /* GCM, CCM, ChaCha20-Poly1305 */
	size_t aad_length;
	size_t tag_length;  /* GCM: 4, 8, 12..16 bytes; CCM: 4..16 even;
	                       ChaCha20-Poly1305: 16 */
	size_t data_length; /* CCM: the message length, fixed up front */
} cry_cipher_params;
/* Fields a mode does not use must be 0/NULL (CRY_ERR_INVALID otherwise);
 * ChaCha20-Poly1305 takes tag_length 0 or 16. CCM's data_length is the
 * plaintext's length in both directions (decryption input: data_length
 * + tag_length bytes). */

/* Checks parameters against the mode and key size (AES: 16, 24 or 32
 * bytes; ChaCha20: 32): CRY_ERR_INVALID for bad parameters, CRY_ERR_KEY
 * for a key of the wrong size. */
cry_status cry_cipher_check(const cry_cipher_params *params, size_t key_length);

typedef struct cry_cipher cry_cipher;
/* The key buffer is read during this call only: the cipher keeps it
 * sealed, and between calls holds no plaintext key or key schedule. Each
 * call that processes data opens it into a transient enclave buffer (for
 * AES-256-GCM on AES-NI: expands it into libsodium's state there) and
 * wipes that before returning, so the key is in plaintext only inside
 * the call that uses it, and no page protection changes are needed. */
cry_status cry_cipher_new(const enc_buffer *key,
                          const cry_cipher_params *params, bool encrypt,
                          cry_cipher **out);
/* The same from a sealed key (sealed without associated data), which is
 * copied, not opened: nothing is decrypted until a call needs the key.
 * CRY_ERR_KEY for NULL or an empty key. */
cry_status cry_cipher_new_sealed(const enc_sealed *key,
                                 const cry_cipher_params *params, bool encrypt,
                                 cry_cipher **out);
/* The most output an update of input_length bytes / the final call can
 * produce now (for the length-query protocol). */
size_t cry_cipher_update_length(const cry_cipher *cipher, size_t input_length);
size_t cry_cipher_final_length(const cry_cipher *cipher);
/* Multi-part: writes what can be released now to output (*output_length
 * in: capacity, out: written; CRY_ERR_BUFFER without consuming anything
 * if the capacity is below cry_cipher_update_length). ECB/CBC: whole
 * blocks; CBC_PAD decryption holds back the last block; CTR: everything;
 * AEAD: nothing (buffered); KW/KWP: CRY_ERR_INVALID. Data that is not a
 * multiple of the block size where the mode needs it is reported at
 * final: CRY_ERR_INVALID for encryption (CKR_DATA_LEN_RANGE) and
 * CRY_ERR_SIGNATURE_LENGTH for decryption (CKR_ENCRYPTED_DATA_LEN_RANGE).
 * A CTR counter that would wrap: CRY_ERR_INVALID. Any return but
 * CRY_OK and CRY_ERR_BUFFER finishes the operation. */
cry_status cry_cipher_update(cry_cipher *cipher, const uint8_t *input,
                             size_t input_length, uint8_t *output,
                             size_t *output_length);
/* Ends the operation: the rest of the output (AEAD encryption: all the
 * ciphertext then the tag; AEAD decryption: all the plaintext, only if
 * the tag verifies, else CRY_ERR_SIGNATURE and nothing written).
 * CRY_ERR_BUFFER leaves the cipher usable so the call can be repeated
 * with a bigger buffer; any other return finishes it. */
cry_status cry_cipher_final(cry_cipher *cipher, uint8_t *output,
                            size_t *output_length);
void cry_cipher_free(cry_cipher *cipher); /* wipes */

/* The most output cry_cipher_update(input_length) followed by
 * cry_cipher_final can produce from the cipher's present state: the
 * length query of a single-part C_Encrypt / C_Decrypt. Exact except for
 * CBC_PAD and KWP decryption (padding is removed) and 0 for an input
 * length the mode cannot take (KW/KWP). */
size_t cry_cipher_total_length(const cry_cipher *cipher, size_t input_length);
/* Single-part: the whole operation in one call, on a cipher that has not
 * been given data yet (CRY_ERR_INVALID otherwise); the only way to use
 * KW/KWP through a cry_cipher. The length protocol as in cry_cipher_final,
 * but exact: CRY_ERR_BUFFER (with the exact length; nothing consumed, the
 * cipher still usable) whenever the capacity is below the output's real
 * length, which for CBC_PAD and KWP decryption is found by decrypting
 * first. An input length the mode cannot take: CRY_ERR_INVALID
 * encrypting, CRY_ERR_SIGNATURE_LENGTH decrypting (CCM: the message must
 * be params.data_length bytes, CRY_ERR_INVALID otherwise). Failed
 * authentication (AEAD tag, KW/KWP check, CBC padding):
 * CRY_ERR_SIGNATURE, nothing written. Any return but CRY_ERR_BUFFER
 * finishes it. */
cry_status cry_cipher_once(cry_cipher *cipher, const uint8_t *input,
                           size_t input_length, uint8_t *output,
                           size_t *output_length);

/* ---- AEAD keys held open for many messages ------------------------------
 * PKCS#11 3.0 message-based encryption: one operation, many messages, each
 * with its own nonce, AAD and tag. The key is opened from its sealed form
 * once, into enclave memory (READWRITE, locked, no-dump) that stays until
 * cry_aead_key_free wipes it; AES-256-GCM on AES-NI is expanded there once
 * into libsodium's state. Not thread-safe: one caller at a time. */
typedef struct cry_aead_key cry_aead_key;
/* mode: CRY_AES_GCM (16-, 24- or 32-byte key) or CRY_CHACHA20_POLY1305
 * (32-byte key); the key sealed without associated data. CRY_ERR_KEY for
 * a key of the wrong size, CRY_ERR_INVALID for another mode. */
cry_status cry_aead_key_open(const enc_sealed *sealed, cry_cipher_mode mode,
                             cry_aead_key **out);
void cry_aead_key_free(cry_aead_key *key);

typedef struct cry_aead_message {
	const uint8_t *nonce; /* GCM: 1..256 bytes; ChaCha20: 8, 12 or 24 */
	size_t nonce_length;
	const uint8_t *aad;
	size_t aad_length;
	size_t tag_length; /* GCM: 4, 8, 12..16; ChaCha20-Poly1305: 16 */
} cry_aead_message;

/* One whole message: length bytes of ciphertext to out (NULL only if
 * length is 0) and tag_length bytes of tag to tag. Bad parameters:
 * CRY_ERR_INVALID. */
cry_status cry_aead_seal_message(cry_aead_key *key,
                                 const cry_aead_message *message,
                                 const uint8_t *in, size_t length, uint8_t *out,
                                 uint8_t *tag);
/* The plaintext to out only if the tag verifies; otherwise
 * CRY_ERR_SIGNATURE and out (length bytes) is zeroed. */
cry_status cry_aead_open_message(cry_aead_key *key,
                                 const cry_aead_message *message,
                                 const uint8_t *in, size_t length,
                                 const uint8_t *tag, uint8_t *out);

/* Single-part, with the secret side in the enclave (C_WrapKey /
 * C_UnwrapKey): encrypts the contents of an enclave buffer, or decrypts
 * into a new enclave buffer (READONLY) of exactly the plaintext's length.
 * Any mode except CTR and ECB; the length protocol for output as in
 * cry_cipher_update. A failed authentication (KW/KWP integrity check,
 * AEAD tag, CBC padding): CRY_ERR_SIGNATURE; a plaintext that would be
 * empty: CRY_ERR_SIGNATURE_LENGTH. */
cry_status cry_cipher_encrypt_secret(const enc_buffer *key,
                                     const cry_cipher_params *params,
                                     const enc_buffer *secret, uint8_t *output,
                                     size_t *output_length);
cry_status cry_cipher_decrypt_secret(const enc_buffer *key,
                                     const cry_cipher_params *params,
                                     const uint8_t *input, size_t input_length,
                                     enc_buffer **secret);

/* ---- AES-CMAC (RFC 4493; cmac.c) ---------------------------------------- */
/* The key copy lives in the enclave; the message is buffered (it is not
 * secret) and OpenSSL's CMAC runs in cry_cmac_final, so its keyed state
 * exists only during that call. */
typedef struct cry_cmac cry_cmac;
cry_status cry_cmac_new(const enc_buffer *key, cry_cmac **out);
cry_status cry_cmac_update(cry_cmac *cmac, const uint8_t *data, size_t length);
cry_status cry_cmac_final(cry_cmac *cmac, uint8_t mac[16]);
void cry_cmac_free(cry_cmac *cmac);

/* ---- HKDF (RFC 5869; kdf.c) --------------------------------------------- */
/* Over the enclave-held HMAC (SHA-1/SHA-2 only: CRY_ERR_INVALID for
 * SHA-3, whose HMAC state cannot live in the enclave). extract: PRK =
 * HMAC(salt, ikm) (salt NULL/0: a hash-length string of zeros); expand:
 * OKM = T(1) || T(2) ... over PRK (ikm itself when !extract) and info.
 * salt_key: the salt as an enclave buffer (CKF_HKDF_SALT_KEY), else
 * salt/salt_length. The result (PRK if !expand, else out_length bytes,
 * at most 255 hash lengths) goes into a new enclave buffer (READONLY);
 * PRK never leaves the enclave. CRY_ERR_INVALID: neither step, out_length
 * 0 or too long with expand (without it: neither 0 nor the hash length),
 * a NULL pointer with a non-zero length, salt_key together with
 * salt_length. The salt is not used without extract, nor info without
 * expand. Expand alone needs an ikm of at least the hash length (RFC 5869
 * section 2.3): CRY_ERR_KEY. */
cry_status cry_hkdf(cry_hash hash, const enc_buffer *ikm, bool extract,
                    bool expand, const uint8_t *salt, size_t salt_length,
                    const enc_buffer *salt_key, const uint8_t *info,
                    size_t info_length, size_t out_length, enc_buffer **out);

#endif /* GUARDHSM_CRYPTO_H */
