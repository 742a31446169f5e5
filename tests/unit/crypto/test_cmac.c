/* AES-CMAC: RFC 4493 section 4 examples 1-4 (AES-128) and NIST SP
 * 800-38B appendix D.3 (AES-256), one-shot and split; key sizes, NULLs,
 * use after final; the key copy rests NOACCESS. */
#include "config.h"

#include "common.h"

#include <string.h>

#define MESSAGE                                                                \
	"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"     \
	"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"

typedef struct cmac_case {
	const char *name;
	const char *key;
	size_t length; /* of MESSAGE */
	const char *mac;
} cmac_case;

static const cmac_case cases[] = {
        {"RFC 4493 example 1", "2b7e151628aed2a6abf7158809cf4f3c", 0,
         "bb1d6929e95937287fa37d129b756746"},
        {"RFC 4493 example 2", "2b7e151628aed2a6abf7158809cf4f3c", 16,
         "070a16b46b4d4144f79bdd9dd04a287c"},
        {"RFC 4493 example 3", "2b7e151628aed2a6abf7158809cf4f3c", 40,
         "dfa66747de9ae63030ca32611497c827"},
        {"RFC 4493 example 4", "2b7e151628aed2a6abf7158809cf4f3c", 64,
         "51f0bebf7e3b9d92fc49741779363cfe"},
        {"SP 800-38B D.3, Mlen 0",
         "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", 0,
         "028962f61b7bf89efc6b551f4667d983"},
        {"SP 800-38B D.3, Mlen 128",
         "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", 16,
         "28a7023f452e8f82bd4bf28d8c37c35c"},
        {"SP 800-38B D.3, Mlen 320",
         "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", 40,
         "aaf3d8f1de5640c232f5b169b9c911e6"},
        {"SP 800-38B D.3, Mlen 512",
         "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", 64,
         "e1992190549f6ed5696a2c056c315410"},
};

static void test_vectors(void **state)
{
	uint8_t message[64], mac[16];

	hex_decode(MESSAGE, message, sizeof(message));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enc_buffer *key = secret_from_hex(cases[i].key);
		size_t length = cases[i].length;

		print_message("%s\n", cases[i].name);
		/* In one piece, then split at every offset. */
		for (size_t split = 0; split <= length; split++) {
			cry_cmac *cmac = NULL;

			assert_cry_ok(cry_cmac_new(key, &cmac));
			assert_cry_ok(cry_cmac_update(cmac, message, split));
			assert_cry_ok(cry_cmac_update(cmac, message + split,
			                              length - split));
			memset(mac, 0, sizeof(mac));
			assert_cry_ok(cry_cmac_final(cmac, mac));
			assert_hex_equal(mac, 16, cases[i].mac);
			cry_cmac_free(cmac);
		}
		enc_free(key);
	}
}

static void test_errors(void **state)
{
	enc_buffer *key = secret_from_hex("000102030405060708090a0b0c0d0e0f");
	enc_buffer *odd = secret_from_hex("000102030405060708090a0b0c0d0e");
	cry_cmac *cmac = (cry_cmac *)1;
	uint8_t mac[16];

	assert_cry(CRY_ERR_INVALID, cry_cmac_new(NULL, &cmac));
	assert_null(cmac);
	assert_cry(CRY_ERR_INVALID, cry_cmac_new(key, NULL));
	assert_cry(CRY_ERR_KEY, cry_cmac_new(odd, &cmac));
	assert_int_equal(ENC_OK, enc_protect(odd, ENC_NOACCESS));
	assert_cry(CRY_ERR_INVALID, cry_cmac_new(odd, &cmac));
	assert_cry(CRY_ERR_INVALID, cry_cmac_update(NULL, mac, 1));
	assert_cry(CRY_ERR_INVALID, cry_cmac_final(NULL, mac));
	cry_cmac_free(NULL);

	assert_cry_ok(cry_cmac_new(key, &cmac));
	/* The key can go: the CMAC has its own copy, resting NOACCESS. */
	enc_free(key);
	assert_cry(CRY_ERR_INVALID, cry_cmac_update(cmac, NULL, 1));
	assert_cry_ok(cry_cmac_update(cmac, NULL, 0));
	assert_cry(CRY_ERR_INVALID, cry_cmac_final(cmac, NULL));
	assert_cry_ok(cry_cmac_final(cmac, mac));
	assert_hex_equal(mac, 16, "97dd6e5a882cbd564c39ae7d1c5a31aa");
	assert_cry(CRY_ERR_INVALID, cry_cmac_final(cmac, mac));
	assert_cry(CRY_ERR_INVALID, cry_cmac_update(cmac, mac, 1));
	cry_cmac_free(cmac);

	/* Freed unfinished. */
	key = secret_from_hex(
	        "000102030405060708090a0b0c0d0e0f1011121314151617");
	assert_cry_ok(cry_cmac_new(key, &cmac));
	assert_cry_ok(cry_cmac_update(cmac, mac, 16));
	cry_cmac_free(cmac);
	enc_free(key);
	enc_free(odd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_vectors),
	        cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
