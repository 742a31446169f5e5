/* HMAC: RFC 4231 (SHA-2) and RFC 2202 (SHA-1) vectors, HMAC-SHA-3
 * against OpenSSL's EVP_MAC, multi-part equals one-shot. */
#include "config.h"

#include "common.h"

#include <openssl/evp.h>
#include <string.h>

struct hmac_case {
	const char *name;
	const char *key;
	const char *data;
	/* SHA-224, SHA-256, SHA-384, SHA-512 */
	const char *macs[4];
};

/* RFC 4231 section 4 test cases 1-4, 6, 7 (case 5 truncates). */
static const struct hmac_case rfc4231[] = {
        {"1",
         "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
         "4869205468657265",
         {"896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
          "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
          "faea9ea9076ede7f4af152e8b2fa9cb6",
          "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
          "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"}},
        {"2",
         "4a656665",
         "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
         {"a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
          "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
          "8e2240ca5e69e2c78b3239ecfab21649",
          "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
          "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"}},
        {"3",
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
         "dddddddddddddddddddddddddddddddddddd",
         {"7fb3cb3588c6c1f6ffa9694d7d6ad2649365b0c1f65d69d1ec8333ea",
          "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
          "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
          "2a5ab39dc13814b94e3ab6e101a34f27",
          "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
          "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"}},
        {"4",
         "0102030405060708090a0b0c0d0e0f10111213141516171819",
         "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
         "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
         {"6c11506874013cac6a2abc1bb382627cec6a90d86efc012de7afec5a",
          "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
          "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
          "6801dd23c4a7d679ccf8a386c674cffb",
          "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
          "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"}},
        {"6",
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaa",
         "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a"
         "65204b6579202d2048617368204b6579204669727374",
         {"95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e",
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
          "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
          "0c2ef6ab4030fe8296248df163f44952",
          "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
          "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"}},
        {"7",
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaa",
         "5468697320697320612074657374207573696e672061206c6172676572207468"
         "616e20626c6f636b2d73697a65206b657920616e642061206c61726765722074"
         "68616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565"
         "647320746f20626520686173686564206265666f7265206265696e6720757365"
         "642062792074686520484d414320616c676f726974686d2e",
         {"3a854166ac5d9f023f54d517d0b39dbd946770db9c2b95c9f6f565d1",
          "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
          "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
          "a678cc31e799176d3860e6110c46523e",
          "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
          "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"}},
};

static void check_mac(cry_hash hash, const char *key_hex, const char *data_hex,
                      const char *expected)
{
	enc_buffer *key = secret_from_hex(key_hex);
	size_t length;
	uint8_t *data = hex_alloc(data_hex, &length);
	uint8_t mac[64];
	cry_hmac *hmac = NULL;

	assert_cry_ok(cry_hmac_once(hash, key, data, length, mac));
	assert_hex_equal(mac, cry_hash_length(hash), expected);
	/* Byte by byte. */
	assert_cry_ok(cry_hmac_new(hash, key, &hmac));
	for (size_t i = 0; i < length; i++)
		assert_cry_ok(cry_hmac_update(hmac, data + i, 1));
	assert_cry_ok(cry_hmac_final(hmac, mac));
	assert_hex_equal(mac, cry_hash_length(hash), expected);
	assert_cry(CRY_ERR_INVALID, cry_hmac_final(hmac, mac));
	assert_cry(CRY_ERR_INVALID, cry_hmac_update(hmac, data, 1));
	cry_hmac_free(hmac);
	free(data);
	enc_free(key);
}

static void test_rfc4231(void **state)
{
	static const cry_hash hashes[] = {CRY_HASH_SHA224, CRY_HASH_SHA256,
	                                  CRY_HASH_SHA384, CRY_HASH_SHA512};

	for (size_t i = 0; i < sizeof(rfc4231) / sizeof(rfc4231[0]); i++) {
		print_message("RFC 4231 test case %s\n", rfc4231[i].name);
		for (size_t h = 0; h < 4; h++)
			check_mac(hashes[h], rfc4231[i].key, rfc4231[i].data,
			          rfc4231[i].macs[h]);
	}
}

/* RFC 2202 section 3, test cases 1 and 2. */
static void test_rfc2202(void **state)
{
	check_mac(CRY_HASH_SHA1, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	          "4869205468657265",
	          "b617318655057264e28bc0b6fb378c8ef146be00");
	check_mac(CRY_HASH_SHA1, "4a656665",
	          "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
	          "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

/* Every hash, keys shorter and longer than a block, the message split
 * at every offset: equal to OpenSSL's one-shot HMAC. */
static void test_against_openssl(void **state)
{
	static const char *const names[] = {"SHA1",     "SHA224",  "SHA256",
	                                    "SHA384",   "SHA512",  "SHA3-256",
	                                    "SHA3-384", "SHA3-512"};
	static const size_t key_lengths[] = {1, 32, 72, 136, 200};
	uint8_t message[150];
	uint8_t key_bytes[200];

	for (size_t i = 0; i < sizeof(message); i++)
		message[i] = (uint8_t)(i ^ 0x5a);
	for (size_t i = 0; i < sizeof(key_bytes); i++)
		key_bytes[i] = (uint8_t)(i * 13 + 1);
	for (int h = 0; h < 8; h++) {
		size_t mac_length = cry_hash_length((cry_hash)h);

		for (size_t k = 0; k < 5; k++) {
			enc_buffer *key =
			        secret_from_bytes(key_bytes, key_lengths[k]);
			uint8_t expected[64];
			size_t expected_length = 0;
			uint8_t mac[64];

			assert_non_null(EVP_Q_mac(
			        NULL, "HMAC", NULL, names[h], NULL, key_bytes,
			        key_lengths[k], message, sizeof(message),
			        expected, sizeof(expected), &expected_length));
			assert_int_equal(mac_length, expected_length);
			assert_cry_ok(cry_hmac_once((cry_hash)h, key, message,
			                            sizeof(message), mac));
			assert_memory_equal(expected, mac, mac_length);
			for (size_t split = 0; split <= sizeof(message);
			     split += 7) {
				cry_hmac *hmac = NULL;

				assert_cry_ok(
				        cry_hmac_new((cry_hash)h, key, &hmac));
				assert_cry_ok(
				        cry_hmac_update(hmac, message, split));
				assert_cry_ok(cry_hmac_update(
				        hmac, message + split,
				        sizeof(message) - split));
				assert_cry_ok(cry_hmac_final(hmac, mac));
				assert_memory_equal(expected, mac, mac_length);
				cry_hmac_free(hmac);
			}
			enc_free(key);
		}
	}
}

/* The keyed state is NOACCESS between calls; the key buffer can go
 * once the HMAC exists; an unfinished HMAC frees cleanly. */
static void test_state_handling(void **state)
{
	enc_buffer *key = secret_from_hex("000102030405060708090a0b0c0d0e0f");
	uint8_t mac[64];
	uint8_t expected[64];
	cry_hmac *sha2 = NULL;
	cry_hmac *sha3 = NULL;

	assert_cry_ok(cry_hmac_once(CRY_HASH_SHA256, key, (const uint8_t *)"x",
	                            1, expected));
	assert_cry_ok(cry_hmac_new(CRY_HASH_SHA256, key, &sha2));
	assert_cry_ok(cry_hmac_new(CRY_HASH_SHA3_256, key, &sha3));
	enc_free(key);
	assert_cry_ok(cry_hmac_update(sha2, (const uint8_t *)"x", 1));
	assert_cry_ok(cry_hmac_update(sha3, (const uint8_t *)"x", 1));
	assert_cry_ok(cry_hmac_final(sha2, mac));
	assert_memory_equal(expected, mac, 32);
	cry_hmac_free(sha2);
	cry_hmac_free(sha3); /* never finished */
	cry_hmac_free(NULL);

	assert_cry(CRY_ERR_INVALID, cry_hmac_new(CRY_HASH_SHA256, NULL, &sha2));
	key = secret_from_hex("00");
	assert_int_equal(ENC_OK, enc_protect(key, ENC_NOACCESS));
	assert_cry(CRY_ERR_INVALID, cry_hmac_new(CRY_HASH_SHA256, key, &sha2));
	assert_null(sha2);
	enc_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rfc4231),
	        cmocka_unit_test(test_rfc2202),
	        cmocka_unit_test(test_against_openssl),
	        cmocka_unit_test(test_state_handling),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
