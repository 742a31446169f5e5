/* Builders of PKCS#8 encodings for the refusal tests (test_pkcs8_errors.c,
 * test_pkcs8_keys.c), in test memory: test keys only. */
#ifndef GUARDHSM_TESTS_CRYPTO_PKCS8_BUILD_H
#define GUARDHSM_TESTS_CRYPTO_PKCS8_BUILD_H

#include "common.h"
#include "pkcs8_vectors.h"

#define P8_BYTES_MAX 4096

typedef struct bytes {
	uint8_t data[P8_BYTES_MAX];
	size_t length;
} bytes;

void p8_put(bytes *b, const void *data, size_t length);
/* An element with its shortest length. */
void p8_put_tlv(bytes *b, uint8_t tag, const void *contents, size_t length);
void p8_put_element(bytes *b, uint8_t tag, const bytes *contents);
/* PrivateKeyInfo { version, { algorithm }, OCTET STRING { inner },
 * extra }. */
void p8_info(bytes *out, uint8_t version, const void *algorithm,
             size_t algorithm_length, const bytes *inner, const void *extra,
             size_t extra_length);
/* A P-256 key: PrivateKeyInfo of ECPrivateKey { version, scalar,
 * extra }. */
void p8_ec_key(bytes *out, uint8_t version, const void *scalar, size_t length,
               const void *extra, size_t extra_length);
void p8_from_vector(bytes *b, const uint8_t *der, size_t length);

/* Decodes from an enclave buffer of exactly these bytes; a refusal must
 * leave no view behind (asserted). */
cry_status p8_decode(const uint8_t *der, size_t length);
#define assert_refused(b)                                                      \
	assert_cry(CRY_ERR_KEY, p8_decode((b)->data, (b)->length))
#define assert_accepted(b) assert_cry_ok(p8_decode((b)->data, (b)->length))

/* AlgorithmIdentifier contents, and curve OIDs. */
extern const uint8_t p8_alg_rsa[13], p8_alg_p256[19], p8_alg_ed25519[5];
extern const uint8_t p8_oid_p256[10], p8_oid_p384[7];

/* The pieces of the fixed vectors (their headers checked first). */
const uint8_t *p8_ed25519_seed(void);
#define P256_SCALAR 36
#define P256_POINT 73
void p8_check_p256_layout(void);

#endif
