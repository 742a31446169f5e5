/* X25519: RFC 7748 vectors and key agreement. */
#include "config.h"

#include "common.h"

#include <string.h>

static void check_exchange(const char *scalar_hex, const char *peer_hex,
                           const char *expected)
{
	enc_buffer *scalar = secret_from_hex(scalar_hex);
	enc_buffer *shared = NULL;
	uint8_t peer[32];

	hex_decode(peer_hex, peer, sizeof(peer));
	assert_cry_ok(cry_ecdh(CRY_CURVE_X25519, scalar, peer, 32, &shared));
	assert_int_equal(ENC_READONLY, enc_access_of(shared));
	assert_buffer_hex(shared, expected);
	enc_free(shared);
	enc_free(scalar);
}

/* RFC 7748 section 5.2. */
static void test_rfc7748_function(void **state)
{
	check_exchange("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a224"
	               "4ba449ac4",
	               "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a"
	               "6d0ab1c4c",
	               "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075"
	               "577a28552");
	check_exchange("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169"
	               "e7918ba0d",
	               "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd54"
	               "9c715a493",
	               "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f76"
	               "47aac7957");
}

/* RFC 7748 section 6.1. */
static void test_rfc7748_diffie_hellman(void **state)
{
	static const char *alice = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc"
	                           "0992ab177fba51db92c2a";
	static const char *bob = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b"
	                         "6fd1c2f8b27ff88e0eb";
	static const char *alice_public = "8520f0098930a754748b7ddcb43ef75a0dbf"
	                                  "3a0d26381af4eba4a98eaa9b4e6a";
	static const char *bob_public = "de9edb7d7b7dc1b4d35b61c2ece435373f8343"
	                                "c85b78674dadfc7e146f882b4f";
	static const char *shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947"
	                            "d19e3376f09b3c1e161742";
	enc_buffer *key = secret_from_hex(alice);
	uint8_t point[32];

	assert_cry_ok(cry_ec_public_from_private(CRY_CURVE_X25519, key, point));
	assert_hex_equal(point, 32, alice_public);
	enc_free(key);
	key = secret_from_hex(bob);
	assert_cry_ok(cry_ec_public_from_private(CRY_CURVE_X25519, key, point));
	assert_hex_equal(point, 32, bob_public);
	enc_free(key);
	check_exchange(alice, bob_public, shared);
	check_exchange(bob, alice_public, shared);
}

static void test_generated_pairs_agree(void **state)
{
	enc_buffer *a = NULL;
	enc_buffer *b = NULL;
	enc_buffer *ab = NULL;
	enc_buffer *ba = NULL;
	uint8_t a_public[32];
	uint8_t b_public[32];

	assert_cry_ok(cry_ec_generate(CRY_CURVE_X25519, &a, a_public));
	assert_cry_ok(cry_ec_generate(CRY_CURVE_X25519, &b, b_public));
	assert_int_equal(ENC_READONLY, enc_access_of(a));
	assert_cry_ok(cry_ec_check_public(CRY_CURVE_X25519, a_public, 32));
	assert_cry_ok(cry_ecdh(CRY_CURVE_X25519, a, b_public, 32, &ab));
	assert_cry_ok(cry_ecdh(CRY_CURVE_X25519, b, a_public, 32, &ba));
	assert_int_equal(32, enc_size(ab));
	assert_memory_equal(enc_data(ab), enc_data(ba), 32);
	enc_free(ab);
	enc_free(ba);
	enc_free(a);
	enc_free(b);
}

/* Small-order peers give an all-zero secret: refused. */
static void test_bad_peers(void **state)
{
	enc_buffer *key = NULL;
	enc_buffer *shared = NULL;
	uint8_t point[32];
	uint8_t peer[33] = {0};

	assert_cry_ok(cry_ec_generate(CRY_CURVE_X25519, &key, point));
	assert_cry(CRY_ERR_KEY,
	           cry_ecdh(CRY_CURVE_X25519, key, peer, 32, &shared));
	assert_null(shared);
	peer[0] = 1;
	assert_cry(CRY_ERR_KEY,
	           cry_ecdh(CRY_CURVE_X25519, key, peer, 32, &shared));
	assert_cry(CRY_ERR_KEY,
	           cry_ecdh(CRY_CURVE_X25519, key, point, 31, &shared));
	assert_cry(CRY_ERR_KEY,
	           cry_ecdh(CRY_CURVE_X25519, key, peer, 33, &shared));
	assert_cry(CRY_ERR_KEY,
	           cry_ec_check_public(CRY_CURVE_X25519, point, 31));
	/* Ed25519 keys do not agree. */
	assert_cry(CRY_ERR_INVALID,
	           cry_ecdh(CRY_CURVE_ED25519, key, point, 32, &shared));
	assert_null(shared);
	enc_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rfc7748_function),
	        cmocka_unit_test(test_rfc7748_diffie_hellman),
	        cmocka_unit_test(test_generated_pairs_agree),
	        cmocka_unit_test(test_bad_peers),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
