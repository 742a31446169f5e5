/* Helpers for the cipher tests. */
#include "config.h"

#include "cipher_common.h"

#include <string.h>

cry_cipher_params cipher_params(cry_cipher_mode mode, const uint8_t *iv,
                                size_t iv_length)
{
	cry_cipher_params params;

	memset(&params, 0, sizeof(params));
	params.mode = mode;
	params.iv = iv;
	params.iv_length = iv_length;
	return params;
}

cry_status cipher_once(const enc_buffer *key, const cry_cipher_params *params,
                       bool encrypt, const uint8_t *input, size_t length,
                       uint8_t *output, size_t capacity, size_t *written)
{
	cry_cipher *cipher = NULL;
	cry_status status = cry_cipher_new(key, params, encrypt, &cipher);

	*written = 0;
	if (status != CRY_OK)
		return status;
	*written = capacity;
	status = cry_cipher_once(cipher, input, length, output, written);
	if (status != CRY_OK && status != CRY_ERR_BUFFER)
		*written = 0;
	cry_cipher_free(cipher);
	return status;
}

cry_status cipher_split(const enc_buffer *key, const cry_cipher_params *params,
                        bool encrypt, const uint8_t *input, size_t length,
                        const size_t *chunks, size_t chunk_count,
                        uint8_t *output, size_t capacity, size_t *written)
{
	cry_cipher *cipher = NULL;
	size_t offset = 0, total = 0, promised_total, promised, got;
	size_t turn = 0;
	cry_status status = cry_cipher_new(key, params, encrypt, &cipher);

	*written = 0;
	if (status != CRY_OK)
		return status;
	promised_total = cry_cipher_total_length(cipher, length);
	do {
		size_t part = chunks[turn++ % chunk_count];

		if (part > length - offset)
			part = length - offset;
		promised = cry_cipher_update_length(cipher, part);
		assert_true(total + promised <= capacity);
		got = capacity - total;
		status = cry_cipher_update(cipher, input + offset, part,
		                           output + total, &got);
		if (status != CRY_OK)
			goto done;
		assert_int_equal(promised, got);
		offset += part;
		total += got;
	} while (offset < length);
	promised = cry_cipher_final_length(cipher);
	got = capacity - total;
	status = cry_cipher_final(cipher, output + total, &got);
	if (status != CRY_OK)
		goto done;
	assert_true(got <= promised);
	total += got;
	assert_true(total <= promised_total);
	*written = total;
done:
	cry_cipher_free(cipher);
	return status;
}

void fill_bytes(uint8_t *data, size_t length, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < length; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (uint8_t)(x >> 16);
	}
}

/* ---- Shared inputs and modes ------------------------------------------- */

const uint8_t test_iv16[16] = {0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
                               0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff};
const uint8_t test_nonce24[24] = {1,  2,  3,  4,  5,  6,  7,  8,
                                  9,  10, 11, 12, 13, 14, 15, 16,
                                  17, 18, 19, 20, 21, 22, 23, 24};
const uint8_t test_aad[21] = "associated data here";

enc_buffer *test_key(size_t length, unsigned seed)
{
	uint8_t bytes[32];
	enc_buffer *key;

	fill_bytes(bytes, length, seed);
	key = secret_from_bytes(bytes, length);
	return key;
}

const cipher_setup cipher_setups[] = {
        {"ECB-128", CRY_AES_ECB, 16, 0, 0, 0, false, true},
        {"ECB-256", CRY_AES_ECB, 32, 0, 0, 0, false, true},
        {"CBC-192", CRY_AES_CBC, 24, 16, 0, 0, false, true},
        {"CBC_PAD-128", CRY_AES_CBC_PAD, 16, 16, 0, 0, false, false},
        {"CBC_PAD-256", CRY_AES_CBC_PAD, 32, 16, 0, 0, false, false},
        {"CTR-128/128", CRY_AES_CTR, 16, 16, 0, 128, false, false},
        {"CTR-256/32", CRY_AES_CTR, 32, 16, 0, 32, false, false},
        {"GCM-256 (libsodium)", CRY_AES_GCM, 32, 12, 16, 0, true, false},
        {"GCM-256 24-byte IV", CRY_AES_GCM, 32, 24, 16, 0, true, false},
        {"GCM-128 tag 12", CRY_AES_GCM, 16, 12, 12, 0, true, false},
        {"GCM-192 IV 1", CRY_AES_GCM, 24, 1, 8, 0, false, false},
        {"CCM-128 nonce 13", CRY_AES_CCM, 16, 13, 16, 0, true, false},
        {"CCM-256 nonce 7", CRY_AES_CCM, 32, 7, 4, 0, false, false},
        {"ChaCha20-Poly1305", CRY_CHACHA20_POLY1305, 32, 8, 16, 0, true, false},
        {"ChaCha20-Poly1305 IETF", CRY_CHACHA20_POLY1305, 32, 12, 16, 0, true,
         false},
        {"XChaCha20-Poly1305", CRY_CHACHA20_POLY1305, 32, 24, 0, 0, true,
         false},
};
const size_t cipher_setup_count =
        sizeof(cipher_setups) / sizeof(cipher_setups[0]);

cry_cipher_params cipher_setup_params(const cipher_setup *s, size_t data_length)
{
	cry_cipher_params params = cipher_params(
	        s->mode,
	        s->iv_length > 0
	                ? (s->iv_length == 16 ? test_iv16 : test_nonce24)
	                : NULL,
	        s->iv_length);

	params.tag_length = s->tag_length;
	params.counter_length_bits = s->counter_bits;
	if (s->with_aad) {
		params.aad = test_aad;
		params.aad_length = sizeof(test_aad);
	}
	if (s->mode == CRY_AES_CCM)
		params.data_length = data_length;
	return params;
}

bool mode_is_aead(cry_cipher_mode mode)
{
	return mode == CRY_AES_GCM || mode == CRY_AES_CCM ||
	       mode == CRY_CHACHA20_POLY1305;
}
