/* Symmetric ciphers: failures and the length protocol.
 *  - tampered ciphertext, tag or AAD (GCM, CCM, ChaCha20-Poly1305), KW
 *    and KWP integrity failures, bad CBC padding: CRY_ERR_SIGNATURE and
 *    nothing written (single-part, multi-part, into the enclave);
 *  - data lengths a mode cannot take, and the length queries;
 *  - short output buffers: CRY_ERR_BUFFER with the length needed, and the
 *    cipher still works;
 *  - cry_cipher_decrypt_secret: exact sizes, READONLY, no empty secret.
 * Parameter and pointer errors: test_cipher_params.c. */
#include "config.h"

#include "cipher_common.h"

#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_DATA 200

/* ---- Authentication failures ------------------------------------------- */

/* Decryption of a tampered message fails everywhere, writing nothing. */
static void expect_rejected(const enc_buffer *key,
                            const cry_cipher_params *params,
                            const uint8_t *input, size_t length)
{
	static const size_t halves[] = {7};
	uint8_t out[MAX_DATA + 16], untouched[MAX_DATA + 16];
	size_t written;
	enc_buffer *secret = (enc_buffer *)1;

	memset(untouched, 0xaa, sizeof(untouched));
	memset(out, 0xaa, sizeof(out));
	assert_cry(CRY_ERR_SIGNATURE,
	           cipher_once(key, params, false, input, length, out,
	                       sizeof(out), &written));
	assert_memory_equal(untouched, out, sizeof(out));
	/* Multi-part (not KW/KWP): CBC_PAD releases all but the last block
	 * before final, so only AEAD is checked for silence. */
	if (params->mode != CRY_AES_KEY_WRAP &&
	    params->mode != CRY_AES_KEY_WRAP_PAD) {
		assert_cry(CRY_ERR_SIGNATURE,
		           cipher_split(key, params, false, input, length,
		                        halves, 1, out, sizeof(out), &written));
		if (params->mode != CRY_AES_CBC_PAD)
			assert_memory_equal(untouched, out, sizeof(out));
	}
	assert_cry(
	        CRY_ERR_SIGNATURE,
	        cry_cipher_decrypt_secret(key, params, input, length, &secret));
	assert_null(secret);
}

static void test_tampering(void **state)
{
	uint8_t plain[MAX_DATA], sealed[MAX_DATA + 16];
	uint8_t altered_aad[sizeof(test_aad)];

	fill_bytes(plain, sizeof(plain), 9);
	for (size_t m = 0; m < cipher_setup_count; m++) {
		const cipher_setup *s = &cipher_setups[m];
		size_t length = 40, sealed_length;
		cry_cipher_params params = cipher_setup_params(s, length);
		enc_buffer *key;

		if (!mode_is_aead(s->mode))
			continue;
		print_message("%s\n", s->name);
		key = test_key(s->key_length, (unsigned)m);
		assert_cry_ok(cipher_once(key, &params, true, plain, length,
		                          sealed, sizeof(sealed),
		                          &sealed_length));
		/* Ciphertext, first and last byte of the tag. */
		sealed[3] ^= 0x01;
		expect_rejected(key, &params, sealed, sealed_length);
		sealed[3] ^= 0x01;
		sealed[length] ^= 0x80;
		expect_rejected(key, &params, sealed, sealed_length);
		sealed[length] ^= 0x80;
		sealed[sealed_length - 1] ^= 0x01;
		expect_rejected(key, &params, sealed, sealed_length);
		sealed[sealed_length - 1] ^= 0x01;
		/* AAD, or its absence. */
		memcpy(altered_aad, test_aad, sizeof(test_aad));
		altered_aad[0] ^= 0x20;
		params.aad = altered_aad;
		params.aad_length = sizeof(test_aad);
		if (!s->with_aad)
			params.aad_length = 1;
		expect_rejected(key, &params, sealed, sealed_length);
		/* The untouched message still opens. */
		params = cipher_setup_params(s, length);
		{
			uint8_t out[MAX_DATA];
			size_t written;

			assert_cry_ok(cipher_once(key, &params, false, sealed,
			                          sealed_length, out,
			                          sizeof(out), &written));
			assert_memory_equal(plain, out, length);
		}
		enc_free(key);
	}
}

static void test_key_wrap_integrity(void **state)
{
	static const cry_cipher_mode modes[] = {CRY_AES_KEY_WRAP,
	                                        CRY_AES_KEY_WRAP_PAD};
	uint8_t data[32], wrapped[48];
	enc_buffer *key = test_key(32, 2);

	fill_bytes(data, sizeof(data), 4);
	for (size_t m = 0; m < 2; m++) {
		cry_cipher_params params = cipher_params(modes[m], NULL, 0);
		cry_cipher_params other_iv = params;
		static const uint8_t custom[8] = {1, 2, 3, 4, 5, 6, 7, 8};
		size_t written;

		assert_cry_ok(cipher_once(key, &params, true, data, 24, wrapped,
		                          sizeof(wrapped), &written));
		assert_int_equal(32, written);
		for (size_t i = 0; i < written; i += 9) {
			wrapped[i] ^= 0x04;
			expect_rejected(key, &params, wrapped, written);
			wrapped[i] ^= 0x04;
		}
		/* The wrong IV is an integrity failure too. */
		other_iv.iv = custom;
		other_iv.iv_length = modes[m] == CRY_AES_KEY_WRAP ? 8 : 4;
		expect_rejected(key, &other_iv, wrapped, written);
	}
	enc_free(key);
}

/* Ciphertexts of a last block with the given padding, by plain CBC. */
static void bad_padding(const enc_buffer *key, const uint8_t last[16])
{
	cry_cipher_params cbc = cipher_params(CRY_AES_CBC, test_iv16, 16);
	cry_cipher_params pad = cipher_params(CRY_AES_CBC_PAD, test_iv16, 16);
	uint8_t blocks[32], sealed[32];
	size_t written;

	fill_bytes(blocks, 16, 8);
	memcpy(blocks + 16, last, 16);
	assert_cry_ok(cipher_once(key, &cbc, true, blocks, 32, sealed,
	                          sizeof(sealed), &written));
	expect_rejected(key, &pad, sealed, 32);
}

static void test_bad_padding(void **state)
{
	enc_buffer *key = test_key(16, 6);
	uint8_t last[16];

	memset(last, 0x11, 16); /* 17: too long */
	bad_padding(key, last);
	memset(last, 0x00, 16); /* 0 */
	bad_padding(key, last);
	memset(last, 0x03, 16);
	last[13] = 0x02; /* 03 03 inside 02 */
	bad_padding(key, last);
	memset(last, 0x10, 16);
	last[0] = 0x0f; /* a full block of padding, one byte off */
	bad_padding(key, last);
	enc_free(key);
}

/* ---- Lengths ------------------------------------------------------------ */

static cry_status run_final(const enc_buffer *key,
                            const cry_cipher_params *params, bool encrypt,
                            size_t length)
{
	static const size_t one[] = {5};
	uint8_t data[MAX_DATA], out[MAX_DATA + 16];
	size_t written;

	fill_bytes(data, sizeof(data), 0);
	return cipher_split(key, params, encrypt, data, length, one, 1, out,
	                    sizeof(out), &written);
}

static void test_data_lengths(void **state)
{
	enc_buffer *key = test_key(16, 3);
	cry_cipher_params params = cipher_params(CRY_AES_ECB, NULL, 0);
	uint8_t data[64], out[80];
	size_t written;

	fill_bytes(data, sizeof(data), 1);
	assert_cry(CRY_ERR_INVALID, run_final(key, &params, true, 17));
	assert_cry(CRY_ERR_SIGNATURE_LENGTH,
	           run_final(key, &params, false, 17));
	params = cipher_params(CRY_AES_CBC, test_iv16, 16);
	assert_cry(CRY_ERR_INVALID, run_final(key, &params, true, 33));
	assert_cry(CRY_ERR_SIGNATURE_LENGTH, run_final(key, &params, false, 1));
	assert_cry(CRY_ERR_INVALID, cipher_once(key, &params, true, data, 15,
	                                        out, sizeof(out), &written));
	params = cipher_params(CRY_AES_CBC_PAD, test_iv16, 16);
	assert_cry(CRY_ERR_SIGNATURE_LENGTH, run_final(key, &params, false, 0));
	assert_cry(CRY_ERR_SIGNATURE_LENGTH,
	           run_final(key, &params, false, 31));
	assert_cry(CRY_ERR_SIGNATURE_LENGTH,
	           cipher_once(key, &params, false, data, 0, out, sizeof(out),
	                       &written));
	/* AEAD: shorter than the tag; CCM: not the announced length. */
	params = cipher_params(CRY_AES_GCM, test_nonce24, 12);
	params.tag_length = 16;
	assert_cry(CRY_ERR_SIGNATURE_LENGTH,
	           run_final(key, &params, false, 15));
	params = cipher_params(CRY_AES_CCM, test_nonce24, 12);
	params.tag_length = 8;
	params.data_length = 20;
	assert_cry(CRY_ERR_INVALID, run_final(key, &params, true, 19));
	assert_cry(CRY_ERR_INVALID, run_final(key, &params, true, 21));
	assert_cry(CRY_ERR_INVALID, run_final(key, &params, false, 27));
	assert_cry_ok(run_final(key, &params, true, 20));
	/* KW: multiples of 8, at least 16 (wrapped: 24); KWP: not empty. */
	params = cipher_params(CRY_AES_KEY_WRAP, NULL, 0);
	assert_cry(CRY_ERR_INVALID, cipher_once(key, &params, true, data, 8,
	                                        out, sizeof(out), &written));
	assert_cry(CRY_ERR_INVALID, cipher_once(key, &params, true, data, 17,
	                                        out, sizeof(out), &written));
	assert_cry(CRY_ERR_SIGNATURE_LENGTH,
	           cipher_once(key, &params, false, data, 16, out, sizeof(out),
	                       &written));
	assert_cry(CRY_ERR_SIGNATURE_LENGTH,
	           cipher_once(key, &params, false, data, 28, out, sizeof(out),
	                       &written));
	/* ... and single-part only. */
	assert_cry(CRY_ERR_INVALID, run_final(key, &params, true, 16));
	params = cipher_params(CRY_AES_KEY_WRAP_PAD, NULL, 0);
	assert_cry(CRY_ERR_INVALID, cipher_once(key, &params, true, data, 0,
	                                        out, sizeof(out), &written));
	assert_cry_ok(cipher_once(key, &params, true, data, 1, out, sizeof(out),
	                          &written));
	assert_int_equal(16, written);
	assert_cry(CRY_ERR_SIGNATURE_LENGTH,
	           cipher_once(key, &params, false, data, 8, out, sizeof(out),
	                       &written));
	enc_free(key);
}

static void test_length_queries(void **state)
{
	enc_buffer *key = test_key(32, 3);
	cry_cipher_params params =
	        cipher_params(CRY_AES_CBC_PAD, test_iv16, 16);
	cry_cipher *cipher = NULL;
	uint8_t data[64], out[80];
	size_t written;

	fill_bytes(data, sizeof(data), 1);
	assert_cry_ok(cry_cipher_new(key, &params, true, &cipher));
	assert_int_equal(16, cry_cipher_total_length(cipher, 0));
	assert_int_equal(48, cry_cipher_total_length(cipher, 33));
	assert_int_equal(0, cry_cipher_update_length(cipher, 15));
	assert_int_equal(16, cry_cipher_final_length(cipher));
	written = sizeof(out);
	assert_cry_ok(cry_cipher_update(cipher, data, 15, out, &written));
	assert_int_equal(16, cry_cipher_update_length(cipher, 1));
	assert_int_equal(32, cry_cipher_total_length(cipher, 1));
	cry_cipher_free(cipher);

	/* AEAD: the lead's single-part protocol, update then final_length. */
	params = cipher_params(CRY_AES_GCM, test_nonce24, 12);
	params.tag_length = 16;
	assert_cry_ok(cry_cipher_new(key, &params, true, &cipher));
	assert_int_equal(16, cry_cipher_final_length(cipher));
	assert_int_equal(0, cry_cipher_update_length(cipher, 50));
	assert_int_equal(66, cry_cipher_total_length(cipher, 50));
	written = 0;
	assert_cry_ok(cry_cipher_update(cipher, data, 50, NULL, &written));
	assert_int_equal(0, written);
	assert_int_equal(66, cry_cipher_final_length(cipher));
	written = 0;
	assert_cry(CRY_ERR_BUFFER, cry_cipher_final(cipher, NULL, &written));
	assert_int_equal(66, written);
	written = sizeof(out);
	assert_cry_ok(cry_cipher_final(cipher, out, &written));
	assert_int_equal(66, written);
	assert_int_equal(0, cry_cipher_final_length(cipher)); /* finished */
	cry_cipher_free(cipher);
	assert_cry_ok(cry_cipher_new(key, &params, false, &cipher));
	assert_int_equal(50, cry_cipher_total_length(cipher, 66));
	assert_int_equal(0, cry_cipher_total_length(cipher, 10));
	written = 0;
	assert_cry_ok(cry_cipher_update(cipher, out, 66, NULL, &written));
	assert_int_equal(50, cry_cipher_final_length(cipher));
	written = 50;
	assert_cry_ok(cry_cipher_final(cipher, out, &written));
	assert_memory_equal(data, out, 50);
	cry_cipher_free(cipher);

	/* KW/KWP: the total is the whole answer. */
	params = cipher_params(CRY_AES_KEY_WRAP_PAD, NULL, 0);
	assert_cry_ok(cry_cipher_new(key, &params, true, &cipher));
	assert_int_equal(24, cry_cipher_total_length(cipher, 9));
	assert_int_equal(0, cry_cipher_update_length(cipher, 9));
	assert_int_equal(0, cry_cipher_total_length(cipher, 0));
	cry_cipher_free(cipher);
	assert_int_equal(0, cry_cipher_update_length(NULL, 5));
	assert_int_equal(0, cry_cipher_final_length(NULL));
	assert_int_equal(0, cry_cipher_total_length(NULL, 5));
	enc_free(key);
}

/* ---- Short buffers ------------------------------------------------------ */

static void test_short_buffers(void **state)
{
	enc_buffer *key = test_key(32, 8);
	cry_cipher_params params =
	        cipher_params(CRY_AES_CBC_PAD, test_iv16, 16);
	uint8_t data[64], expected[80], out[80];
	size_t expected_length, written, total;
	cry_cipher *cipher = NULL;

	fill_bytes(data, sizeof(data), 2);
	/* CBC_PAD encryption: update and final each refuse, then work. */
	assert_cry_ok(cipher_once(key, &params, true, data, 40, expected,
	                          sizeof(expected), &expected_length));
	assert_cry_ok(cry_cipher_new(key, &params, true, &cipher));
	written = 31;
	assert_cry(CRY_ERR_BUFFER,
	           cry_cipher_update(cipher, data, 40, out, &written));
	assert_int_equal(32, written);
	written = 0;
	assert_cry(CRY_ERR_BUFFER,
	           cry_cipher_update(cipher, data, 40, NULL, &written));
	assert_int_equal(32, written);
	written = 32;
	assert_cry_ok(cry_cipher_update(cipher, data, 40, out, &written));
	total = written;
	written = 15;
	assert_cry(CRY_ERR_BUFFER,
	           cry_cipher_final(cipher, out + total, &written));
	assert_int_equal(16, written);
	written = 16;
	assert_cry_ok(cry_cipher_final(cipher, out + total, &written));
	total += written;
	assert_int_equal(expected_length, total);
	assert_memory_equal(expected, out, total);
	cry_cipher_free(cipher);

	/* CBC_PAD decryption: final asks for the exact plaintext length. */
	assert_cry_ok(cry_cipher_new(key, &params, false, &cipher));
	written = sizeof(out);
	assert_cry_ok(cry_cipher_update(cipher, expected, 48, out, &written));
	assert_int_equal(32, written);
	total = written;
	written = 7;
	assert_cry(CRY_ERR_BUFFER,
	           cry_cipher_final(cipher, out + total, &written));
	assert_int_equal(8, written); /* 40 - 32 */
	assert_cry_ok(cry_cipher_final(cipher, out + total, &written));
	assert_int_equal(8, written);
	assert_memory_equal(data, out, 40);
	cry_cipher_free(cipher);

	/* once: the exact length, found by decrypting the last block. */
	assert_cry_ok(cry_cipher_new(key, &params, false, &cipher));
	written = 39;
	assert_cry(CRY_ERR_BUFFER,
	           cry_cipher_once(cipher, expected, 48, out, &written));
	assert_int_equal(40, written);
	assert_cry_ok(cry_cipher_once(cipher, expected, 48, out, &written));
	assert_int_equal(40, written);
	assert_memory_equal(data, out, 40);
	cry_cipher_free(cipher);

	/* AEAD decryption and KWP unwrapping. */
	params = cipher_params(CRY_CHACHA20_POLY1305, test_nonce24, 24);
	assert_cry_ok(cipher_once(key, &params, true, data, 30, expected,
	                          sizeof(expected), &expected_length));
	assert_cry_ok(cry_cipher_new(key, &params, false, &cipher));
	written = 0;
	assert_cry_ok(cry_cipher_update(cipher, expected, expected_length, NULL,
	                                &written));
	written = 29;
	assert_cry(CRY_ERR_BUFFER, cry_cipher_final(cipher, out, &written));
	assert_int_equal(30, written);
	assert_cry_ok(cry_cipher_final(cipher, out, &written));
	assert_memory_equal(data, out, 30);
	cry_cipher_free(cipher);

	params = cipher_params(CRY_AES_KEY_WRAP_PAD, NULL, 0);
	assert_cry_ok(cipher_once(key, &params, true, data, 13, expected,
	                          sizeof(expected), &expected_length));
	assert_int_equal(24, expected_length);
	assert_cry_ok(cry_cipher_new(key, &params, false, &cipher));
	assert_int_equal(16, cry_cipher_total_length(cipher, 24));
	written = 12;
	assert_cry(CRY_ERR_BUFFER,
	           cry_cipher_once(cipher, expected, 24, out, &written));
	assert_int_equal(13, written);
	assert_cry_ok(cry_cipher_once(cipher, expected, 24, out, &written));
	assert_int_equal(13, written);
	assert_memory_equal(data, out, 13);
	cry_cipher_free(cipher);

	/* Key wrapping from the enclave. */
	{
		enc_buffer *secret = secret_from_bytes(data, 32);

		written = 39;
		assert_cry(CRY_ERR_BUFFER,
		           cry_cipher_encrypt_secret(key, &params, secret, out,
		                                     &written));
		assert_int_equal(40, written);
		assert_cry_ok(cry_cipher_encrypt_secret(key, &params, secret,
		                                        out, &written));
		enc_free(secret);
	}
	enc_free(key);
}

/* ---- Unwrapping into the enclave ---------------------------------------- */

static void test_decrypt_secret(void **state)
{
	enc_buffer *key = test_key(16, 4);
	cry_cipher_params params =
	        cipher_params(CRY_AES_CBC_PAD, test_iv16, 16);
	uint8_t data[32], sealed[48];
	size_t written;
	enc_buffer *plain = NULL;

	fill_bytes(data, sizeof(data), 5);
	/* Padding removed: exactly 21 bytes, READONLY. */
	assert_cry_ok(cipher_once(key, &params, true, data, 21, sealed,
	                          sizeof(sealed), &written));
	assert_cry_ok(cry_cipher_decrypt_secret(key, &params, sealed, written,
	                                        &plain));
	assert_int_equal(21, enc_size(plain));
	assert_int_equal(ENC_READONLY, enc_access_of(plain));
	assert_memory_equal(data, enc_data(plain), 21);
	enc_free(plain);
	plain = NULL;
	/* An empty plaintext cannot be a secret. */
	assert_cry_ok(cipher_once(key, &params, true, data, 0, sealed,
	                          sizeof(sealed), &written));
	assert_cry(CRY_ERR_SIGNATURE_LENGTH,
	           cry_cipher_decrypt_secret(key, &params, sealed, written,
	                                     &plain));
	assert_null(plain);
	assert_cry(CRY_ERR_SIGNATURE_LENGTH,
	           cry_cipher_decrypt_secret(key, &params, sealed, 15, &plain));
	/* CCM wrapping a secret of its announced length. */
	params = cipher_params(CRY_AES_CCM, test_nonce24, 11);
	params.tag_length = 10;
	params.data_length = 32;
	{
		enc_buffer *secret = secret_from_bytes(data, 32);

		written = sizeof(sealed);
		assert_cry_ok(cry_cipher_encrypt_secret(key, &params, secret,
		                                        sealed, &written));
		assert_int_equal(42, written);
		assert_cry_ok(cry_cipher_decrypt_secret(key, &params, sealed,
		                                        written, &plain));
		assert_int_equal(32, enc_size(plain));
		assert_memory_equal(data, enc_data(plain), 32);
		enc_free(plain);
		params.data_length = 31;
		written = sizeof(sealed);
		assert_cry(CRY_ERR_INVALID,
		           cry_cipher_encrypt_secret(key, &params, secret,
		                                     sealed, &written));
		enc_free(secret);
	}
	enc_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_tampering),
	        cmocka_unit_test(test_key_wrap_integrity),
	        cmocka_unit_test(test_bad_padding),
	        cmocka_unit_test(test_data_lengths),
	        cmocka_unit_test(test_length_queries),
	        cmocka_unit_test(test_short_buffers),
	        cmocka_unit_test(test_decrypt_secret),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
