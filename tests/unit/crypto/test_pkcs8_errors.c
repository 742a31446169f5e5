/* PKCS#8 PrivateKeyInfo framing that cry_pkcs8_decode must refuse
 * (CRY_ERR_KEY, the key left empty), each next to the valid form it was
 * made from, so that a refusal is the alteration's doing: truncation at
 * every byte, trailing bytes, wrong tags, length abuse (long form where
 * the short one fits, leading zero length bytes, indefinite lengths, too
 * many length bytes, lengths past the end), oversized input, wrong
 * versions, attributes, garbage. The keys inside: test_pkcs8_keys.c. */
#include "config.h"

#include "pkcs8_build.h"

#include <string.h>

static const struct {
	const char *name;
	const uint8_t *der;
	const size_t *length;
} vectors[] = {
        {"RSA-2048", pkcs8_rsa2048, &pkcs8_rsa2048_length},
        {"P-256", pkcs8_p256, &pkcs8_p256_length},
        {"P-384", pkcs8_p384, &pkcs8_p384_length},
        {"P-521", pkcs8_p521, &pkcs8_p521_length},
        {"Ed25519", pkcs8_ed25519, &pkcs8_ed25519_length},
        {"X25519", pkcs8_x25519, &pkcs8_x25519_length},
};
#define VECTORS (sizeof(vectors) / sizeof(vectors[0]))

static void test_truncated_and_trailing(void **state)
{
	(void)state;
	static bytes b;
	for (size_t v = 0; v < VECTORS; v++) {
		size_t length = *vectors[v].length;
		assert_cry_ok(p8_decode(vectors[v].der, length));
		for (size_t cut = 1; cut < length; cut++)
			if (p8_decode(vectors[v].der, cut) != CRY_ERR_KEY)
				fail_msg("%s cut to %zu of %zu bytes was not "
				         "refused",
				         vectors[v].name, cut, length);
		static const uint8_t tails[][2] = {{0x00, 0}, {0x05, 0x00}};
		for (size_t t = 0; t < 2; t++) {
			p8_from_vector(&b, vectors[v].der, length);
			p8_put(&b, tails[t], t + 1);
			assert_refused(&b);
		}
	}
	/* Trailing bytes inside: after the seed, after the inner key. */
	bytes inner = {.length = 0};
	p8_put_tlv(&inner, 0x04, p8_ed25519_seed(), 32);
	p8_info(&b, 0, p8_alg_ed25519, sizeof(p8_alg_ed25519), &inner, NULL, 0);
	assert_int_equal(b.length, pkcs8_ed25519_length);
	assert_memory_equal(b.data, pkcs8_ed25519, b.length);
	p8_put(&inner, "", 1);
	p8_info(&b, 0, p8_alg_ed25519, sizeof(p8_alg_ed25519), &inner, NULL, 0);
	assert_refused(&b);
	uint8_t seed_and_zero[33] = {0};
	memcpy(seed_and_zero, p8_ed25519_seed(), 32);
	inner.length = 0;
	p8_put_tlv(&inner, 0x04, seed_and_zero, 33);
	p8_info(&b, 0, p8_alg_ed25519, sizeof(p8_alg_ed25519), &inner, NULL, 0);
	assert_refused(&b);
}

static void test_bad_tags(void **state)
{
	(void)state;
	static bytes b;
	static const size_t ed_tags[] = {0, 2, 5, 7, 12, 14};
	static const size_t p256_tags[] = {0,  3,  6,  8,  17, 27,
	                                   29, 31, 34, 68, 70};
	p8_check_p256_layout();
	static const struct {
		const uint8_t *der;
		size_t length;
		const size_t *at;
		size_t count;
	} cases[] = {
	        {pkcs8_ed25519, 48, ed_tags, 6},
	        {pkcs8_p256, 138, p256_tags, 11},
	};
	for (size_t c = 0; c < 2; c++) {
		for (size_t i = 0; i < cases[c].count; i++) {
			uint8_t tag = cases[c].der[cases[c].at[i]];
			/* Another type, constructed flipped, high-tag form. */
			uint8_t wrong[] = {tag ^ 0x01, tag ^ 0x20,
			                   (uint8_t)(tag | 0x1f)};
			for (size_t w = 0; w < sizeof(wrong); w++) {
				p8_from_vector(&b, cases[c].der,
				               cases[c].length);
				b.data[cases[c].at[i]] = wrong[w];
				if (p8_decode(b.data, b.length) != CRY_ERR_KEY)
					fail_msg(
					        "tag 0x%02x at %zu made 0x%02x "
					        "was not refused",
					        tag, cases[c].at[i], wrong[w]);
			}
		}
	}
}

/* Ed25519's 48 bytes with the outer length written as given. */
static void ed25519_with_length(bytes *b, const uint8_t *length, size_t n)
{
	b->length = 0;
	p8_put(b, "\x30", 1);
	p8_put(b, length, n);
	p8_put(b, pkcs8_ed25519 + 2, pkcs8_ed25519_length - 2);
}

static void test_length_abuse(void **state)
{
	(void)state;
	static bytes b;
	ed25519_with_length(&b, (const uint8_t *)"\x2e", 1);
	assert_accepted(&b);
	static const struct {
		const char *length;
		size_t n;
	} abuse[] = {
	        {"\x81\x2e", 2},         /* long form for a short length */
	        {"\x82\x00\x2e", 3},     /* and a leading zero byte */
	        {"\x83\x00\x00\x2e", 4}, /* more length bytes than we allow */
	        {"\x84\x00\x00\x00\x2e", 5},
	        {"\x2f", 1}, /* past the end */
	        {"\x2d", 1}, /* a byte left over */
	        {"\xff", 1},
	        {"\x80", 1}, /* indefinite */
	};
	for (size_t i = 0; i < sizeof(abuse) / sizeof(abuse[0]); i++) {
		ed25519_with_length(&b, (const uint8_t *)abuse[i].length,
		                    abuse[i].n);
		if (abuse[i].length[0] == '\x80')
			p8_put(&b, "\0\0", 2); /* end-of-contents */
		assert_refused(&b);
	}
	/* An inner length in long form: 04 22 as 04 81 22. */
	b.length = 0;
	p8_put(&b, "\x30\x2f", 2);
	p8_put(&b, pkcs8_ed25519 + 2, 10);
	p8_put(&b, "\x04\x81\x22", 3);
	p8_put(&b, pkcs8_ed25519 + 14, 34);
	assert_refused(&b);
	/* RSA's two length bytes (82 04 be), then three. */
	assert_int_equal(pkcs8_rsa2048[1], 0x82);
	b.length = 0;
	p8_put(&b, "\x30\x83\x00", 3);
	p8_put(&b, pkcs8_rsa2048 + 2, pkcs8_rsa2048_length - 2);
	assert_refused(&b);
	/* More than CRY_PKCS8_MAX_BYTES, however well formed. */
	static uint8_t big[CRY_PKCS8_MAX_BYTES + 4];
	memset(big, 0, sizeof(big));
	big[0] = 0x30;
	big[1] = 0x82;
	big[2] = (uint8_t)((sizeof(big) - 4) >> 8);
	big[3] = (uint8_t)(sizeof(big) - 4);
	assert_cry(CRY_ERR_KEY, p8_decode(big, sizeof(big)));
}

static void test_versions(void **state)
{
	(void)state;
	static bytes b;
	/* The outer version: 1 only for RFC 8410 keys, never 2 or -1. */
	static const struct {
		const uint8_t *der;
		size_t length, at;
		uint8_t value;
	} wrong[] = {
	        {pkcs8_rsa2048, 1218, 6, 1},  {pkcs8_p256, 138, 5, 1},
	        {pkcs8_ed25519, 48, 4, 2},    {pkcs8_ed25519, 48, 4, 0xff},
	        {pkcs8_p256, 138, 33, 0},     {pkcs8_p256, 138, 33, 2},
	        {pkcs8_rsa2048, 1218, 32, 1}, /* RSAPrivateKey multi-prime */
	};
	p8_check_p256_layout();
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		p8_from_vector(&b, wrong[i].der, wrong[i].length);
		assert_int_equal(b.data[wrong[i].at - 2], 0x02);
		b.data[wrong[i].at] = wrong[i].value;
		assert_refused(&b);
	}
	/* A version written in two bytes. */
	b.length = 0;
	p8_put(&b, "\x30\x2f\x02\x02\x00\x00", 6);
	p8_put(&b, pkcs8_ed25519 + 5, pkcs8_ed25519_length - 5);
	assert_refused(&b);

	/* RFC 5958 version 1: an Ed25519 key with or without its public
	 * key (which must be its own), never with attributes. */
	uint8_t public_key[32];
	enc_buffer *seed = secret_from_bytes(p8_ed25519_seed(), 32);
	assert_cry_ok(cry_ec_public_from_private(CRY_CURVE_ED25519, seed,
	                                         public_key));
	enc_free(seed);
	bytes inner = {.length = 0}, extra = {.length = 0},
	      bits = {.length = 0};
	p8_put_tlv(&inner, 0x04, p8_ed25519_seed(), 32);
	p8_info(&b, 1, p8_alg_ed25519, sizeof(p8_alg_ed25519), &inner, NULL, 0);
	assert_accepted(&b);
	p8_put(&bits, "", 1);
	p8_put(&bits, public_key, 32);
	p8_put_element(&extra, 0x81, &bits);
	p8_info(&b, 1, p8_alg_ed25519, sizeof(p8_alg_ed25519), &inner,
	        extra.data, extra.length);
	assert_accepted(&b);
	p8_info(&b, 0, p8_alg_ed25519, sizeof(p8_alg_ed25519), &inner,
	        extra.data, extra.length);
	assert_refused(&b); /* a public key needs version 1 */
	extra.data[extra.length - 1] ^= 0x01;
	p8_info(&b, 1, p8_alg_ed25519, sizeof(p8_alg_ed25519), &inner,
	        extra.data, extra.length);
	assert_refused(&b); /* not its public key */
	static const uint8_t attributes[] = {0xa0, 0x00};
	for (uint8_t version = 0; version < 2; version++) {
		p8_info(&b, version, p8_alg_ed25519, sizeof(p8_alg_ed25519),
		        &inner, attributes, sizeof(attributes));
		assert_refused(&b);
	}
	/* RSA and NIST keys have no version 1 form here. */
	p8_from_vector(&b, pkcs8_rsa2048, pkcs8_rsa2048_length);
	b.data[6] = 1;
	assert_refused(&b);
}

static void test_garbage_and_arguments(void **state)
{
	(void)state;
	/* Deterministic noise (an LCG), so that a failure can be rerun. */
	uint8_t noise[300];
	uint32_t lcg = 12345;
	for (int round = 0; round < 300; round++) {
		size_t length = 1 + (size_t)round % sizeof(noise);
		for (size_t i = 0; i < length; i++) {
			lcg = lcg * 1103515245u + 12345u;
			noise[i] = (uint8_t)(lcg >> 16);
		}
		if (round % 2 == 0)
			noise[0] = 0x30; /* get past the first check */
		assert_cry(CRY_ERR_KEY, p8_decode(noise, length));
	}
	cry_pkcs8_key key;
	assert_cry(CRY_ERR_INVALID, cry_pkcs8_decode(NULL, &key));
	enc_buffer *der =
	        secret_from_bytes(pkcs8_ed25519, pkcs8_ed25519_length);
	assert_cry(CRY_ERR_INVALID, cry_pkcs8_decode(der, NULL));
	assert_int_equal(enc_protect(der, ENC_NOACCESS), ENC_OK);
	assert_cry(CRY_ERR_INVALID, cry_pkcs8_decode(der, &key));
	enc_free(der);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_truncated_and_trailing),
	        cmocka_unit_test(test_bad_tags),
	        cmocka_unit_test(test_length_abuse),
	        cmocka_unit_test(test_versions),
	        cmocka_unit_test(test_garbage_and_arguments),
	};
	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
