/* RSA test vectors typed in from the published documents, and helpers
 * shared by the RSA unit tests. */
#ifndef GUARDHSM_TESTS_CRYPTO_RSA_VECTORS_H
#define GUARDHSM_TESTS_CRYPTO_RSA_VECTORS_H

#include "common.h"

/* RSA Laboratories, pkcs1v15sign-vectors.txt, Example 1 (a 1024-bit key)
 * and Example 1.1 (PKCS#1 v1.5 signature with SHA-1). */
extern const char rsa1024_n[], rsa1024_e[], rsa1024_d[], rsa1024_p[],
        rsa1024_q[], rsa1024_dp[], rsa1024_dq[], rsa1024_qinv[];
extern const char rsa1024_message[], rsa1024_signature[];

/* RSA Laboratories, pkcs-1v2-1d2-vec/oaep-vect.txt, Example 1 (a 1024-bit
 * key) and Example 1.1 (RSAES-OAEP, SHA-1, MGF1-SHA-1, empty label). */
extern const char oaep1024_n[], oaep1024_e[], oaep1024_d[], oaep1024_p[],
        oaep1024_q[], oaep1024_dp[], oaep1024_dq[], oaep1024_qinv[];
extern const char oaep1024_message[], oaep1024_ciphertext[];

/* RSA Laboratories, pkcs-1v2-1d2-vec/pss-int.txt: RSASSA-PSS, SHA-1,
 * MGF1-SHA-1, a 20-byte salt; mHash is SHA-1 of the message; the key's
 * primes p and q. */
extern const char pss1024_n[], pss1024_e[], pss1024_mhash[],
        pss1024_signature[], pss1024_p[], pss1024_q[];

/* NIST CAVS 10.1 SigGen15_186-3 ("SigGen PKCS#1 Ver 1.5"), [mod = 2048],
 * the first SHA-256 vector. */
extern const char cavs2048_n[], cavs2048_e[], cavs2048_message[],
        cavs2048_signature[];

/* Wycheproof rsa_pss_2048_sha256_mgf1_32_test.json, tcId 3 (RSASSA-PSS,
 * SHA-256, MGF1-SHA-256, 32-byte salt); n has a leading zero byte, and the
 * group's keyDer is the SubjectPublicKeyInfo. */
extern const char wycheproof2048_n[], wycheproof2048_e[],
        wycheproof2048_message[], wycheproof2048_signature[],
        wycheproof2048_spki[];

/* A key's parts as hex (NULL: absent). */
typedef struct rsa_hex_key {
	const char *part[CRY_RSA_PART_COUNT];
} rsa_hex_key;

extern const rsa_hex_key rsa1024_key, oaep1024_key;

/* Packs the parts, the private ones read from enclave buffers as the
 * PKCS#11 layer holds them. */
cry_status pack_hex(const rsa_hex_key *key, enc_buffer **packed);
/* The same, asserting success. */
enc_buffer *pack_hex_ok(const rsa_hex_key *key);

/* The digest of data (OpenSSL's name for the hash), into digest; its
 * length. */
size_t digest_of(const char *name, const uint8_t *data, size_t length,
                 uint8_t *digest);

#endif /* GUARDHSM_TESTS_CRYPTO_RSA_VECTORS_H */
