/* cry_aead_key: an AEAD key held open for many messages (PKCS#11 3.0
 * message-based encryption).
 *  - RFC 8439 2.8.2 (ChaCha20-Poly1305) as a known answer;
 *  - every AES-GCM key size, IV and tag length, and ChaCha20-Poly1305
 *    with each nonce size, agree with the single-message cry_cipher
 *    (itself checked against NIST and RFC vectors in test_cipher_vectors),
 *    over many messages through one held key;
 *  - decryption round-trips, and a wrong tag, AAD or ciphertext gives
 *    CRY_ERR_SIGNATURE with the output zeroed;
 *  - the key lives in enclave buffers only while held: one buffer (two for
 *    AES-256 on AES-NI, the expanded state), none after free;
 *  - bad arguments are refused. */
#include "config.h"

#include "cipher_common.h"

#include <sodium.h>
#include <string.h>

static enc_sealed *sealed_key(size_t length, unsigned seed, uint8_t *value)
{
	enc_sealed *sealed = NULL;

	fill_bytes(value, length, seed);
	assert_int_equal(ENC_OK,
	                 enc_seal_bytes(value, length, NULL, 0, &sealed));
	return sealed;
}

static size_t live_buffers(void)
{
	enc_stats stats;

	assert_int_equal(ENC_OK, enc_get_stats(&stats));
	return stats.slab_buffers + stats.guarded_buffers;
}

static void test_rfc8439(void **state)
{
	static const char plain_hex[] = "4c616469657320616e642047656e746c656d65"
	                                "6e206f662074686520636c6173"
	                                "73206f66202739393a204966204920636f756c"
	                                "64206f6666657220796f75206f"
	                                "6e6c79206f6e652074697020666f7220746865"
	                                "206675747572652c2073756e73"
	                                "637265656e20776f756c642062652069742e";
	uint8_t key[32], nonce[12], aad[12], plain[114], out[114], tag[16];
	enc_sealed *sealed = NULL;
	cry_aead_key *held = NULL;

	hex_decode("808182838485868788898a8b8c8d8e8f"
	           "909192939495969798999a9b9c9d9e9f",
	           key, sizeof(key));
	hex_decode("070000004041424344454647", nonce, sizeof(nonce));
	hex_decode("50515253c0c1c2c3c4c5c6c7", aad, sizeof(aad));
	assert_int_equal(sizeof(plain),
	                 hex_decode(plain_hex, plain, sizeof(plain)));
	assert_int_equal(ENC_OK, enc_seal_bytes(key, 32, NULL, 0, &sealed));
	sodium_memzero(key, sizeof(key));
	assert_cry_ok(cry_aead_key_open(sealed, CRY_CHACHA20_POLY1305, &held));
	cry_aead_message m = {nonce, 12, aad, 12, 16};
	assert_cry_ok(cry_aead_seal_message(held, &m, plain, sizeof(plain), out,
	                                    tag));
	assert_hex_equal(out, sizeof(out),
	                 "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b"
	                 "5a736ee62d6"
	                 "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a"
	                 "5b67ecd3b36"
	                 "92ddbd7f2d778b8c9803aee328091b58fab324e4fad6759455858"
	                 "08b4831d7bc"
	                 "3ff4def08e4b7a9de576d26586cec64b6116");
	assert_hex_equal(tag, 16, "1ae10b594f09e26a7e902ecbd0600691");
	cry_aead_key_free(held);
	enc_sealed_free(sealed);
}

typedef struct shape {
	cry_cipher_mode mode;
	size_t key_length, nonce_length, tag_length;
} shape;

static const shape shapes[] = {
        {CRY_AES_GCM, 32, 12, 16}, /* libsodium's fast path */
        {CRY_AES_GCM, 32, 12, 12},
        {CRY_AES_GCM, 32, 16, 16},
        {CRY_AES_GCM, 16, 12, 16},
        {CRY_AES_GCM, 24, 60, 8},
        {CRY_AES_GCM, 16, 1, 4},
        {CRY_CHACHA20_POLY1305, 32, 8, 16},
        {CRY_CHACHA20_POLY1305, 32, 12, 16},
        {CRY_CHACHA20_POLY1305, 32, 24, 16},
};

/* What cry_cipher_once makes of the same message: ciphertext || tag. */
static void reference(const shape *s, const uint8_t *key_value,
                      const cry_aead_message *m, const uint8_t *in,
                      size_t length, uint8_t *out)
{
	enc_buffer *key = secret_from_bytes(key_value, s->key_length);
	cry_cipher_params p = cipher_params(s->mode, m->nonce, m->nonce_length);
	size_t written;

	p.aad = m->aad;
	p.aad_length = m->aad_length;
	p.tag_length = s->mode == CRY_AES_GCM ? s->tag_length : 0;
	assert_cry_ok(cipher_once(key, &p, true, in, length, out,
	                          length + s->tag_length, &written));
	assert_int_equal(written, length + s->tag_length);
	enc_free(key);
}

static void test_agrees_with_cry_cipher(void **state)
{
	static uint8_t plain[5000], out[5000], back[5000], expected[5016];
	static const size_t lengths[] = {0, 1, 15, 16, 17, 100, 4096, 4999};
	uint8_t key_value[32], nonce[64], tag[16], aad[40];

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const shape *s = &shapes[i];
		size_t before = live_buffers();
		enc_sealed *sealed =
		        sealed_key(s->key_length, (unsigned)i, key_value);
		cry_aead_key *held = NULL;

		assert_cry_ok(cry_aead_key_open(sealed, s->mode, &held));
		enc_sealed_free(sealed); /* the held key does not need it */
		/* One buffer for the key, one more for libsodium's state. */
		assert_int_equal(
		        live_buffers() - before,
		        s->mode == CRY_AES_GCM && s->key_length == 32 &&
		                        crypto_aead_aes256gcm_is_available()
		                ? 2
		                : 1);
		for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]);
		     l++) {
			size_t length = lengths[l];
			cry_aead_message m = {nonce, s->nonce_length, aad,
			                      l % 2 ? sizeof(aad) : 0,
			                      s->tag_length};

			fill_bytes(nonce, s->nonce_length, (unsigned)(i + l));
			fill_bytes(aad, sizeof(aad), (unsigned)l);
			fill_bytes(plain, length, (unsigned)(100 + l));
			reference(s, key_value, &m, plain, length, expected);
			assert_cry_ok(cry_aead_seal_message(held, &m, plain,
			                                    length, out, tag));
			assert_memory_equal(out, expected, length);
			assert_memory_equal(tag, expected + length,
			                    s->tag_length);
			assert_cry_ok(cry_aead_open_message(held, &m, out,
			                                    length, tag, back));
			assert_memory_equal(back, plain, length);
			/* A flipped tag bit, then a flipped ciphertext bit. */
			tag[s->tag_length - 1] ^= 0x80;
			memset(back, 0x77, length);
			assert_cry(CRY_ERR_SIGNATURE,
			           cry_aead_open_message(held, &m, out, length,
			                                 tag, back));
			for (size_t b = 0; b < length; b++)
				assert_int_equal(back[b], 0);
			tag[s->tag_length - 1] ^= 0x80;
			if (length > 0) {
				out[length / 2] ^= 1;
				assert_cry(CRY_ERR_SIGNATURE,
				           cry_aead_open_message(held, &m, out,
				                                 length, tag,
				                                 back));
				out[length / 2] ^= 1;
			}
		}
		cry_aead_key_free(held);
		assert_int_equal(before, live_buffers());
	}
	sodium_memzero(key_value, sizeof(key_value));
}

static void test_refusals(void **state)
{
	uint8_t key_value[32], nonce[24] = {0}, tag[16], data[16] = {0};
	enc_sealed *aes = sealed_key(32, 1, key_value);
	enc_sealed *short_key = sealed_key(20, 2, key_value);
	cry_aead_key *held = NULL;
	cry_aead_message m = {nonce, 12, NULL, 0, 16};

	assert_cry(CRY_ERR_INVALID,
	           cry_aead_key_open(aes, CRY_CHACHA20_POLY1305, NULL));
	assert_cry(CRY_ERR_INVALID, cry_aead_key_open(aes, CRY_AES_CBC, &held));
	assert_null(held);
	assert_cry(CRY_ERR_KEY, cry_aead_key_open(NULL, CRY_AES_GCM, &held));
	assert_cry(CRY_ERR_KEY,
	           cry_aead_key_open(short_key, CRY_AES_GCM, &held));
	assert_cry(CRY_ERR_KEY,
	           cry_aead_key_open(short_key, CRY_CHACHA20_POLY1305, &held));
	assert_null(held);
	cry_aead_key_free(NULL);

	assert_cry_ok(cry_aead_key_open(aes, CRY_CHACHA20_POLY1305, &held));
	assert_cry(CRY_ERR_INVALID,
	           cry_aead_seal_message(NULL, &m, data, 16, data, tag));
	assert_cry(CRY_ERR_INVALID,
	           cry_aead_seal_message(held, NULL, data, 16, data, tag));
	assert_cry(CRY_ERR_INVALID,
	           cry_aead_seal_message(held, &m, data, 16, data, NULL));
	assert_cry(CRY_ERR_INVALID,
	           cry_aead_seal_message(held, &m, NULL, 16, data, tag));
	m.nonce_length = 16; /* ChaCha20 takes 8, 12 or 24 */
	assert_cry(CRY_ERR_INVALID,
	           cry_aead_seal_message(held, &m, data, 16, data, tag));
	m.nonce_length = 12;
	m.tag_length = 12; /* Poly1305's tag is 16 bytes */
	assert_cry(CRY_ERR_INVALID,
	           cry_aead_open_message(held, &m, data, 16, tag, data));
	m.tag_length = 16;
	m.aad_length = 3; /* with no AAD pointer */
	assert_cry(CRY_ERR_INVALID,
	           cry_aead_seal_message(held, &m, data, 16, data, tag));
	cry_aead_key_free(held);
	enc_sealed_free(aes);
	enc_sealed_free(short_key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rfc8439),
	        cmocka_unit_test(test_agrees_with_cry_cipher),
	        cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
