/* Builders of PKCS#8 encodings for the refusal tests (pkcs8_build.h). */
#include "config.h"

#include "pkcs8_build.h"

#include <string.h>

void p8_put(bytes *b, const void *data, size_t length)
{
	assert_true(b->length + length <= P8_BYTES_MAX);
	if (length > 0)
		memcpy(b->data + b->length, data, length);
	b->length += length;
}

/* An element with its shortest length. */
void p8_put_tlv(bytes *b, uint8_t tag, const void *contents, size_t length)
{
	uint8_t header[4] = {tag};
	size_t n = 1;
	if (length >= 256) {
		header[n++] = 0x82;
		header[n++] = (uint8_t)(length >> 8);
	} else if (length >= 128) {
		header[n++] = 0x81;
	}
	header[n++] = (uint8_t)length;
	p8_put(b, header, n);
	p8_put(b, contents, length);
}

void p8_put_element(bytes *b, uint8_t tag, const bytes *contents)
{
	p8_put_tlv(b, tag, contents->data, contents->length);
}

/* AlgorithmIdentifier contents. */
const uint8_t p8_alg_rsa[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
                              0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
const uint8_t p8_alg_p256[] = {0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                               0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                               0xce, 0x3d, 0x03, 0x01, 0x07};
const uint8_t p8_alg_ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
const uint8_t p8_oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                               0xce, 0x3d, 0x03, 0x01, 0x07};
const uint8_t p8_oid_p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};

/* PrivateKeyInfo { version, { algorithm }, OCTET STRING { inner },
 * extra }. */
void p8_info(bytes *out, uint8_t version, const void *algorithm,
             size_t algorithm_length, const bytes *inner, const void *extra,
             size_t extra_length)
{
	bytes body = {.length = 0};
	p8_put_tlv(&body, 0x02, &version, 1);
	p8_put_tlv(&body, 0x30, algorithm, algorithm_length);
	p8_put_element(&body, 0x04, inner);
	p8_put(&body, extra, extra_length);
	out->length = 0;
	p8_put_element(out, 0x30, &body);
}

/* Decodes from an enclave buffer of exactly these bytes; a refusal must
 * leave no view behind. */
cry_status p8_decode(const uint8_t *der, size_t length)
{
	enc_buffer *buffer = secret_from_bytes(der, length);
	cry_pkcs8_key key;
	memset(&key, 0xa5, sizeof(key));
	cry_status status = cry_pkcs8_decode(buffer, &key);
	if (status != CRY_OK) {
		assert_false(key.rsa);
		assert_null(key.private_key);
		for (int i = 0; i < CRY_RSA_PART_COUNT; i++)
			assert_null(key.part[i]);
	}
	enc_free(buffer);
	return status;
}

void p8_from_vector(bytes *b, const uint8_t *der, size_t length)
{
	b->length = 0;
	p8_put(b, der, length);
}

/* The pieces of the fixed vectors (their headers are checked first). */
const uint8_t *p8_ed25519_seed(void)
{
	assert_int_equal(pkcs8_ed25519[14], 0x04);
	assert_int_equal(pkcs8_ed25519[15], 0x20);
	return pkcs8_ed25519 + 16;
}

void p8_check_p256_layout(void)
{
	assert_int_equal(pkcs8_p256_length, 138);
	assert_int_equal(pkcs8_p256[P256_SCALAR - 2], 0x04);
	assert_int_equal(pkcs8_p256[P256_POINT - 5], 0xa1);
	assert_int_equal(pkcs8_p256[P256_POINT - 1], 0x00);
}

/* ECPrivateKey { version, scalar, extra } for P-256. */
void p8_ec_key(bytes *out, uint8_t version, const void *scalar, size_t length,
               const void *extra, size_t extra_length)
{
	bytes fields = {.length = 0}, inner = {.length = 0};
	p8_put_tlv(&fields, 0x02, &version, 1);
	p8_put_tlv(&fields, 0x04, scalar, length);
	p8_put(&fields, extra, extra_length);
	p8_put_element(&inner, 0x30, &fields);
	p8_info(out, 0, p8_alg_p256, sizeof(p8_alg_p256), &inner, NULL, 0);
}
