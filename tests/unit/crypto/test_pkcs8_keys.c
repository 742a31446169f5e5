/* PKCS#8 PrivateKeyInfo whose key cry_pkcs8_decode must refuse
 * (CRY_ERR_KEY), each next to the valid form it was made from: unknown
 * algorithms and parameters, keys under another key type's algorithm,
 * scalars out of range or of the wrong length, inconsistent public keys
 * and ECPrivateKey parameters, non-minimal, negative, zero, empty and
 * missing RSA integers, and an extra one. */
#include "config.h"

#include "pkcs8_build.h"

#include <string.h>

static void test_unknown_algorithms(void **state)
{
	(void)state;
	static bytes b;
	/* Each algorithm is tried with a private key of the kind it looks
	 * like, so that only the AlgorithmIdentifier is wrong. */
	enum { ED, EC, RSA };
	static bytes inners[3];
	inners[ED].length = inners[EC].length = inners[RSA].length = 0;
	p8_put_tlv(&inners[ED], 0x04, p8_ed25519_seed(), 32);
	p8_check_p256_layout();
	p8_put(&inners[EC], pkcs8_p256 + 29, pkcs8_p256_length - 29);
	assert_int_equal(pkcs8_rsa2048[22], 0x04);
	p8_put(&inners[RSA], pkcs8_rsa2048 + 26, pkcs8_rsa2048_length - 26);
	static const struct {
		const uint8_t *algorithm;
		size_t length;
	} valid[] = {{p8_alg_ed25519, sizeof(p8_alg_ed25519)},
	             {p8_alg_p256, sizeof(p8_alg_p256)},
	             {p8_alg_rsa, sizeof(p8_alg_rsa)}};
	static const struct {
		const char *name;
		int inner;
		const char *algorithm;
		size_t length;
	} unknown[] = {
	        {"Ed448", ED, "\x06\x03\x2b\x65\x71", 5},
	        {"X448", ED, "\x06\x03\x2b\x65\x6f", 5},
	        {"Ed25519 with NULL parameters", ED,
	         "\x06\x03\x2b\x65\x70\x05\x00", 7},
	        {"DSA", ED, "\x06\x07\x2a\x86\x48\xce\x38\x04\x01", 9},
	        {"nothing", ED, "", 0},
	        {"RSA-PSS", RSA,
	         "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a\x05\x00", 13},
	        {"RSA without NULL", RSA,
	         "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", 11},
	        {"RSA, NULL, then NULL", RSA,
	         "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00\x05\x00",
	         15},
	        {"EC without a curve", EC,
	         "\x06\x07\x2a\x86\x48\xce\x3d\x02\x01", 9},
	        {"EC on secp256k1", EC,
	         "\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x05\x2b\x81\x04\x00"
	         "\x0a",
	         16},
	        {"EC on P-256, then NULL", EC,
	         "\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x08\x2a\x86\x48\xce"
	         "\x3d\x03\x01\x07\x05\x00",
	         21},
	        {"EC with explicit parameters", EC,
	         "\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x30\x00", 11},
	        {"an RSA key under id-ecPublicKey", RSA,
	         (const char *)p8_alg_p256, sizeof(p8_alg_p256)},
	        {"an EC key under rsaEncryption", EC, (const char *)p8_alg_rsa,
	         sizeof(p8_alg_rsa)},
	        {"an Ed25519 key under id-ecPublicKey", ED,
	         (const char *)p8_alg_p256, sizeof(p8_alg_p256)},
	};
	for (int i = 0; i < 3; i++) {
		p8_info(&b, 0, valid[i].algorithm, valid[i].length, &inners[i],
		        NULL, 0);
		assert_accepted(&b);
	}
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		p8_info(&b, 0, unknown[i].algorithm, unknown[i].length,
		        &inners[unknown[i].inner], NULL, 0);
		if (p8_decode(b.data, b.length) != CRY_ERR_KEY)
			fail_msg("%s was not refused", unknown[i].name);
	}
	/* Each of RSA's and EC's real OIDs with a byte altered. */
	assert_int_equal(pkcs8_rsa2048[9], 0x06);
	for (size_t at = 11; at < 22; at++) {
		p8_from_vector(&b, pkcs8_rsa2048, pkcs8_rsa2048_length);
		b.data[at] ^= 0x01; /* the OID's contents, then NULL */
		assert_refused(&b);
	}
	for (size_t at = 10; at < 27; at++) {
		if (at == 17 || at == 18)
			continue; /* the curve OID's tag and length */
		p8_from_vector(&b, pkcs8_p256, pkcs8_p256_length);
		b.data[at] ^= 0x01;
		assert_refused(&b);
	}
	/* A P-384 OID over a P-256 key: a scalar of the wrong length. */
	uint8_t alg[sizeof(p8_oid_p384) + 9];
	memcpy(alg, p8_alg_p256, 9);
	memcpy(alg + 9, p8_oid_p384, sizeof(p8_oid_p384));
	p8_info(&b, 0, alg, sizeof(alg), &inners[EC], NULL, 0);
	assert_refused(&b);
	p8_info(&b, 0, p8_alg_p256, sizeof(p8_alg_p256), &inners[EC], NULL, 0);
	assert_memory_equal(b.data, pkcs8_p256, b.length);
}

/* P-256 scalars around the order n, with no public key to differ. */
static void test_scalar_range(void **state)
{
	(void)state;
	static bytes b;
	uint8_t scalar[33];
	size_t n_length = hex_decode("ffffffff00000000ffffffffffffffff"
	                             "bce6faada7179e84f3b9cac2fc632551",
	                             scalar, sizeof(scalar));
	assert_int_equal(n_length, 32);
	p8_ec_key(&b, 1, scalar, 32, NULL, 0);
	assert_refused(&b); /* n */
	scalar[31]--;
	p8_ec_key(&b, 1, scalar, 32, NULL, 0);
	assert_accepted(&b); /* n - 1 */
	scalar[31] += 2;
	p8_ec_key(&b, 1, scalar, 32, NULL, 0);
	assert_refused(&b); /* n + 1 */
	memset(scalar, 0xff, 32);
	p8_ec_key(&b, 1, scalar, 32, NULL, 0);
	assert_refused(&b);
	memset(scalar, 0, 32);
	p8_ec_key(&b, 1, scalar, 32, NULL, 0);
	assert_refused(&b); /* 0 */
	scalar[31] = 1;
	p8_ec_key(&b, 1, scalar, 32, NULL, 0);
	assert_accepted(&b);
	/* The fixed length of RFC 5915: not one byte short or long. */
	p8_ec_key(&b, 1, scalar + 1, 31, NULL, 0);
	assert_refused(&b);
	p8_ec_key(&b, 1, scalar, 33, NULL, 0);
	assert_refused(&b);
}

static void test_public_key_of_ec_keys(void **state)
{
	(void)state;
	static bytes b;
	p8_check_p256_layout();
	const uint8_t *scalar = pkcs8_p256 + P256_SCALAR;
	const uint8_t *public_key = pkcs8_p256 + P256_POINT - 5;
	/* The vector's public key, and each bit of its point wrong. */
	p8_ec_key(&b, 1, scalar, 32, public_key, 70);
	assert_accepted(&b);
	for (size_t at = P256_POINT; at < pkcs8_p256_length; at += 9) {
		p8_from_vector(&b, pkcs8_p256, pkcs8_p256_length);
		b.data[at] ^= 0x40;
		assert_refused(&b);
	}
	/* Unused bits, a compressed point. */
	p8_from_vector(&b, pkcs8_p256, pkcs8_p256_length);
	b.data[P256_POINT - 1] = 0x01;
	assert_refused(&b);
	bytes bits = {.length = 0}, tagged = {.length = 0};
	p8_put(&bits, "\x00", 1);
	p8_put(&bits, pkcs8_p256[137] & 1 ? "\x03" : "\x02", 1);
	p8_put(&bits, pkcs8_p256 + P256_POINT + 1, 32);
	p8_put_element(&tagged, 0x03, &bits);
	bytes extra = {.length = 0};
	p8_put_element(&extra, 0xa1, &tagged);
	p8_ec_key(&b, 1, scalar, 32, extra.data, extra.length);
	assert_refused(&b);
	/* ECPrivateKey's own parameters: the same curve, or refused. */
	for (int same = 0; same < 2; same++) {
		bytes parameters = {.length = 0};
		extra.length = 0;
		if (same)
			p8_put(&parameters, p8_oid_p256, sizeof(p8_oid_p256));
		else
			p8_put(&parameters, p8_oid_p384, sizeof(p8_oid_p384));
		p8_put_element(&extra, 0xa0, &parameters);
		p8_put(&extra, public_key, 70);
		p8_ec_key(&b, 1, scalar, 32, extra.data, extra.length);
		assert_cry(same ? CRY_OK : CRY_ERR_KEY,
		           p8_decode(b.data, b.length));
	}
	/* Parameters with more than the curve in them. */
	bytes parameters = {.length = 0};
	p8_put(&parameters, p8_oid_p256, sizeof(p8_oid_p256));
	p8_put(&parameters, "\x05\x00", 2);
	extra.length = 0;
	p8_put_element(&extra, 0xa0, &parameters);
	p8_ec_key(&b, 1, scalar, 32, extra.data, extra.length);
	assert_refused(&b);
	/* Public key before parameters: out of order. */
	extra.length = 0;
	p8_put(&extra, public_key, 70);
	p8_put(&extra, "\xa0\x0a", 2);
	p8_put(&extra, p8_oid_p256, sizeof(p8_oid_p256));
	p8_ec_key(&b, 1, scalar, 32, extra.data, extra.length);
	assert_refused(&b);
}

/* RSAPrivateKey rebuilt from the vector's parts, one of them altered. */
typedef enum alteration {
	AS_IS,
	LEADING_ZERO, /* a sign byte where none is needed */
	NEGATIVE,     /* the sign byte dropped */
	ZERO,
	EMPTY, /* 02 00 */
	MISSING,
	WRONG_TAG,
} alteration;

static void rsa_with(bytes *out, size_t part, alteration how,
                     const cry_pkcs8_key *key, bool extra_integer)
{
	bytes fields = {.length = 0}, inner = {.length = 0};
	p8_put_tlv(&fields, 0x02, "", 1);
	for (size_t i = 0; i < CRY_RSA_PART_COUNT; i++) {
		bytes value = {.length = 0};
		uint8_t tag = 0x02;
		bool altered = i == part;
		if (altered && how == LEADING_ZERO)
			p8_put(&value, "", 1);
		if ((key->part[i][0] & 0x80) != 0 &&
		    !(altered && how == NEGATIVE))
			p8_put(&value, "", 1);
		p8_put(&value, key->part[i], key->length[i]);
		if (altered) {
			if (how == ZERO) {
				value.length = 1;
				value.data[0] = 0;
			} else if (how == EMPTY) {
				value.length = 0;
			} else if (how == MISSING) {
				continue;
			} else if (how == WRONG_TAG) {
				tag = 0x04;
			}
		}
		p8_put_element(&fields, tag, &value);
	}
	if (extra_integer)
		p8_put_tlv(&fields, 0x02, "\x01", 1);
	p8_put_element(&inner, 0x30, &fields);
	p8_info(out, 0, p8_alg_rsa, sizeof(p8_alg_rsa), &inner, NULL, 0);
}

static void test_rsa_integers(void **state)
{
	(void)state;
	static bytes b;
	enc_buffer *vector =
	        secret_from_bytes(pkcs8_rsa2048, pkcs8_rsa2048_length);
	cry_pkcs8_key key;
	assert_cry_ok(cry_pkcs8_decode(vector, &key));
	rsa_with(&b, 0, AS_IS, &key, false);
	assert_int_equal(b.length, pkcs8_rsa2048_length);
	assert_memory_equal(b.data, pkcs8_rsa2048, b.length);
	static const alteration hows[] = {LEADING_ZERO, ZERO, EMPTY, MISSING,
	                                  WRONG_TAG};
	for (size_t part = 0; part < CRY_RSA_PART_COUNT; part++) {
		for (size_t h = 0; h < sizeof(hows) / sizeof(hows[0]); h++) {
			rsa_with(&b, part, hows[h], &key, false);
			if (p8_decode(b.data, b.length) != CRY_ERR_KEY)
				fail_msg("RSA part %zu altered (%d) was not "
				         "refused",
				         part, (int)hows[h]);
		}
		if ((key.part[part][0] & 0x80) != 0) {
			rsa_with(&b, part, NEGATIVE, &key, false);
			assert_refused(&b);
		}
	}
	/* n's top bit is set (it has a sign byte), so NEGATIVE ran. */
	assert_int_equal(key.part[0][0] & 0x80, 0x80);
	/* otherPrimeInfos-like trailing integer in version 0. */
	rsa_with(&b, 0, AS_IS, &key, true);
	assert_refused(&b);
	enc_free(vector);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_unknown_algorithms),
	        cmocka_unit_test(test_scalar_range),
	        cmocka_unit_test(test_public_key_of_ec_keys),
	        cmocka_unit_test(test_rsa_integers),
	};
	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
