/* Digests: FIPS 180-4 / FIPS 202 "abc" and empty-message vectors,
 * multi-part equals one-shot, secret input from the enclave. */
#include "config.h"

#include "common.h"

#include <string.h>

#define HASH_COUNT 8

static const char *const abc_vectors[HASH_COUNT] = {
        "a9993e364706816aba3e25717850c26c9cd0d89d",
        "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
        "8086072ba1e7cc2358baeca134c825a7",
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
        "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b2"
        "98d88cea927ac7f539f1edf228376d25",
        "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e"
        "10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0",
};

static const char *const empty_vectors[HASH_COUNT] = {
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da"
        "274edebfe76f65fbd51ad2f14898b95b",
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
        "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
        "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a",
        "0c63a75b845e4f7d01107d852e4c2485c51a50aaaa94fc61995e71bbee983a2a"
        "c3713831264adb47fb6bd1e058d5f004",
        "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a6"
        "15b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26",
};

static void test_known_answers(void **state)
{
	static const size_t lengths[HASH_COUNT] = {20, 28, 32, 48,
	                                           64, 32, 48, 64};
	static const size_t blocks[HASH_COUNT] = {64,  64,  64,  128,
	                                          128, 136, 104, 72};
	uint8_t out[64];

	for (int h = 0; h < HASH_COUNT; h++) {
		cry_digest *digest = NULL;

		assert_int_equal(lengths[h], cry_hash_length((cry_hash)h));
		assert_int_equal(blocks[h], cry_hash_block_length((cry_hash)h));
		assert_cry_ok(cry_digest_once((cry_hash)h,
		                              (const uint8_t *)"abc", 3, out));
		assert_hex_equal(out, lengths[h], abc_vectors[h]);
		assert_cry_ok(cry_digest_once((cry_hash)h, NULL, 0, out));
		assert_hex_equal(out, lengths[h], empty_vectors[h]);

		assert_cry_ok(cry_digest_new((cry_hash)h, &digest));
		assert_cry_ok(
		        cry_digest_update(digest, (const uint8_t *)"ab", 2));
		assert_cry_ok(cry_digest_update(digest, NULL, 0));
		assert_cry_ok(
		        cry_digest_update(digest, (const uint8_t *)"c", 1));
		assert_cry_ok(cry_digest_final(digest, out));
		assert_hex_equal(out, lengths[h], abc_vectors[h]);
		/* Finished: no more input, no second final. */
		assert_cry(CRY_ERR_INVALID,
		           cry_digest_update(digest, (const uint8_t *)"c", 1));
		assert_cry(CRY_ERR_INVALID, cry_digest_final(digest, out));
		cry_digest_free(digest);

		assert_cry_ok(cry_digest_new((cry_hash)h, &digest));
		assert_cry_ok(cry_digest_final(digest, out));
		assert_hex_equal(out, lengths[h], empty_vectors[h]);
		cry_digest_free(digest);
	}
	assert_cry(CRY_ERR_INVALID, cry_digest_new((cry_hash)8, NULL));
	assert_int_equal(0, cry_hash_length((cry_hash)8));
}

/* A 200-byte message split at every offset gives the one-shot digest. */
static void test_split_everywhere(void **state)
{
	uint8_t message[200];
	uint8_t expected[64];
	uint8_t out[64];

	for (size_t i = 0; i < sizeof(message); i++)
		message[i] = (uint8_t)(i * 7 + 3);
	for (int h = 0; h < HASH_COUNT; h++) {
		size_t length = cry_hash_length((cry_hash)h);

		assert_cry_ok(cry_digest_once((cry_hash)h, message,
		                              sizeof(message), expected));
		for (size_t split = 0; split <= sizeof(message); split++) {
			cry_digest *digest = NULL;

			assert_cry_ok(cry_digest_new((cry_hash)h, &digest));
			assert_cry_ok(
			        cry_digest_update(digest, message, split));
			assert_cry_ok(
			        cry_digest_update(digest, message + split,
			                          sizeof(message) - split));
			assert_cry_ok(cry_digest_final(digest, out));
			assert_memory_equal(expected, out, length);
			cry_digest_free(digest);
		}
	}
}

/* C_DigestKey: a key fed from the enclave hashes like the same bytes
 * given in the clear; SHA-3 refuses it. */
static void test_secret_input(void **state)
{
	static const char *key_hex = "000102030405060708090a0b0c0d0e0f10111213"
	                             "1415161718191a1b1c1d1e1f";
	enc_buffer *key = secret_from_hex(key_hex);
	uint8_t clear[64];
	uint8_t expected[64];
	uint8_t out[64];

	for (int h = 0; h < HASH_COUNT; h++) {
		cry_digest *digest = NULL;
		size_t length = hex_decode(key_hex, clear, sizeof(clear));

		memcpy(clear + length, "tail", 4);
		assert_cry_ok(cry_digest_once((cry_hash)h, clear, length + 4,
		                              expected));
		assert_cry_ok(cry_digest_new((cry_hash)h, &digest));
		if (h >= CRY_HASH_SHA3_256) {
			assert_cry(CRY_ERR_INVALID,
			           cry_digest_update_secret(digest, key));
			cry_digest_free(digest);
			continue;
		}
		assert_cry_ok(cry_digest_update_secret(digest, key));
		assert_cry_ok(
		        cry_digest_update(digest, (const uint8_t *)"tail", 4));
		assert_cry_ok(cry_digest_final(digest, out));
		assert_memory_equal(expected, out,
		                    cry_hash_length((cry_hash)h));
		cry_digest_free(digest);
	}
	/* An unreadable buffer is refused. */
	{
		cry_digest *digest = NULL;

		assert_cry_ok(cry_digest_new(CRY_HASH_SHA256, &digest));
		assert_int_equal(ENC_OK, enc_protect(key, ENC_NOACCESS));
		assert_cry(CRY_ERR_INVALID,
		           cry_digest_update_secret(digest, key));
		assert_cry(CRY_ERR_INVALID,
		           cry_digest_update_secret(digest, NULL));
		cry_digest_free(digest);
	}
	cry_digest_free(NULL);
	enc_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_known_answers),
	        cmocka_unit_test(test_split_everywhere),
	        cmocka_unit_test(test_secret_input),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
