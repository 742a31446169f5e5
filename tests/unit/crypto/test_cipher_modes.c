/* Symmetric ciphers: behaviour beyond the vectors.
 *  - every mode multi-part equals single-part at awkward split points,
 *    and single-part equals OpenSSL / libsodium called directly;
 *  - CBC_PAD decryption holds back the last block; CTR counters cross a
 *    byte boundary, and a counter that would wrap is refused;
 *  - in-place and overlapping buffers;
 *  - the enclave-side wrapping calls equal cry_cipher_once in every mode.
 * Failures and the length protocol: test_cipher_errors.c. */
#include "config.h"

#include "cipher_common.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_DATA 200

/* ---- Against the libraries themselves --------------------------------- */

static const EVP_CIPHER *evp_for(const cipher_setup *s)
{
	static const char *const names[][3] = {
	        {"AES-128-ECB", "AES-192-ECB", "AES-256-ECB"},
	        {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"},
	        {"AES-128-CTR", "AES-192-CTR", "AES-256-CTR"},
	        {"AES-128-GCM", "AES-192-GCM", "AES-256-GCM"},
	        {"AES-128-CCM", "AES-192-CCM", "AES-256-CCM"},
	};
	size_t row = s->mode == CRY_AES_ECB                                 ? 0
	             : s->mode == CRY_AES_CBC || s->mode == CRY_AES_CBC_PAD ? 1
	             : s->mode == CRY_AES_CTR                               ? 2
	             : s->mode == CRY_AES_GCM                               ? 3
	                                                                    : 4;

	return EVP_get_cipherbyname(names[row][(s->key_length - 16) / 8]);
}

/* The expected encryption, from OpenSSL or libsodium directly. */
static size_t reference_encrypt(const cipher_setup *s, const uint8_t *key,
                                const uint8_t *in, size_t length, uint8_t *out)
{
	cry_cipher_params params = cipher_setup_params(s, length);
	EVP_CIPHER_CTX *context;
	int written = 0, more = 0;
	unsigned long long tag_length = 0;

	if (s->mode == CRY_CHACHA20_POLY1305) {
		if (s->iv_length == 8)
			crypto_aead_chacha20poly1305_encrypt_detached(
			        out, out + length, &tag_length, in, length,
			        params.aad, params.aad_length, NULL, params.iv,
			        key);
		else if (s->iv_length == 12)
			crypto_aead_chacha20poly1305_ietf_encrypt_detached(
			        out, out + length, &tag_length, in, length,
			        params.aad, params.aad_length, NULL, params.iv,
			        key);
		else
			crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
			        out, out + length, &tag_length, in, length,
			        params.aad, params.aad_length, NULL, params.iv,
			        key);
		return length + 16;
	}
	context = EVP_CIPHER_CTX_new();
	assert_non_null(context);
	assert_int_equal(
	        1, EVP_EncryptInit_ex(context, evp_for(s), NULL, NULL, NULL));
	if (mode_is_aead(s->mode)) {
		assert_int_equal(
		        1, EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_IVLEN,
		                               (int)s->iv_length, NULL));
		if (s->mode == CRY_AES_CCM)
			assert_int_equal(1,
			                 EVP_CIPHER_CTX_ctrl(
			                         context, EVP_CTRL_AEAD_SET_TAG,
			                         (int)s->tag_length, NULL));
	}
	assert_int_equal(
	        1, EVP_EncryptInit_ex(context, NULL, NULL, key, params.iv));
	if (s->mode != CRY_AES_CBC_PAD)
		EVP_CIPHER_CTX_set_padding(context, 0);
	if (s->mode == CRY_AES_CCM)
		assert_int_equal(1, EVP_EncryptUpdate(context, NULL, &written,
		                                      NULL, (int)length));
	if (params.aad_length > 0)
		assert_int_equal(1, EVP_EncryptUpdate(context, NULL, &written,
		                                      params.aad,
		                                      (int)params.aad_length));
	assert_int_equal(1,
	                 EVP_EncryptUpdate(context, out, &written,
	                                   in != NULL ? in : out, (int)length));
	assert_int_equal(1, EVP_EncryptFinal_ex(context, out + written, &more));
	written += more;
	if (mode_is_aead(s->mode)) {
		assert_int_equal(1, EVP_CIPHER_CTX_ctrl(
		                            context, EVP_CTRL_AEAD_GET_TAG,
		                            (int)s->tag_length, out + written));
		written += (int)s->tag_length;
	}
	EVP_CIPHER_CTX_free(context);
	return (size_t)written;
}

static const size_t lengths[] = {0, 1, 15, 16, 17, 31, 32, 33, 48, 100, 160};
static const struct {
	size_t count;
	size_t chunks[6];
} patterns[] = {
        {1, {1}},
        {1, {15}},
        {1, {16}},
        {1, {17}},
        {6, {0, 1, 15, 16, 17, 3}},
        {2, {31, 0}},
};

static void test_multipart_equals_single(void **state)
{
	uint8_t plain[MAX_DATA], once[MAX_DATA + 16], split[MAX_DATA + 16];
	uint8_t reference[MAX_DATA + 32], back[MAX_DATA + 16];
	uint8_t key_bytes[32];

	fill_bytes(plain, sizeof(plain), 7);
	for (size_t m = 0; m < cipher_setup_count; m++) {
		const cipher_setup *s = &cipher_setups[m];
		enc_buffer *key;

		print_message("%s\n", s->name);
		fill_bytes(key_bytes, s->key_length, (unsigned)m);
		key = secret_from_bytes(key_bytes, s->key_length);
		for (size_t l = 0; l < COUNT(lengths); l++) {
			size_t length = lengths[l];
			cry_cipher_params params =
			        cipher_setup_params(s, length);
			size_t once_length, reference_length, written;

			if (s->whole_blocks && length % 16 != 0)
				continue;
			assert_cry_ok(cipher_once(key, &params, true, plain,
			                          length, once, sizeof(once),
			                          &once_length));
			reference_length = reference_encrypt(
			        s, key_bytes, plain, length, reference);
			assert_int_equal(reference_length, once_length);
			assert_memory_equal(reference, once, once_length);
			for (size_t p = 0; p < COUNT(patterns); p++) {
				const size_t *chunks = patterns[p].chunks;
				size_t count = patterns[p].count;

				assert_cry_ok(cipher_split(
				        key, &params, true, plain, length,
				        chunks, count, split, sizeof(split),
				        &written));
				assert_int_equal(once_length, written);
				assert_memory_equal(once, split, written);
				/* Decrypt it back, split the same way. */
				assert_cry_ok(cipher_split(
				        key, &params, false, once, once_length,
				        chunks, count, back, sizeof(back),
				        &written));
				assert_int_equal(length, written);
				assert_memory_equal(plain, back, length);
			}
			assert_cry_ok(cipher_once(key, &params, false, once,
			                          once_length, back,
			                          sizeof(back), &written));
			assert_int_equal(length, written);
			assert_memory_equal(plain, back, length);
		}
		enc_free(key);
	}
}

/* ---- CBC_PAD holds back; CTR counters ---------------------------------- */

static void test_cbc_pad_holds_back(void **state)
{
	enc_buffer *key = test_key(16, 1);
	cry_cipher_params params =
	        cipher_params(CRY_AES_CBC_PAD, test_iv16, 16);
	uint8_t plain[32], ciphertext[48], out[48];
	size_t written;
	cry_cipher *cipher = NULL;

	fill_bytes(plain, sizeof(plain), 3);
	assert_cry_ok(cipher_once(key, &params, true, plain, 32, ciphertext,
	                          sizeof(ciphertext), &written));
	assert_int_equal(48, written);
	assert_cry_ok(cry_cipher_new(key, &params, false, &cipher));
	/* A whole block could be the last: nothing comes out yet. */
	assert_int_equal(0, cry_cipher_update_length(cipher, 16));
	written = sizeof(out);
	assert_cry_ok(cry_cipher_update(cipher, ciphertext, 16, out, &written));
	assert_int_equal(0, written);
	/* 17 more bytes: the first block goes, the second is whole but not
	 * the end (a byte follows), so it goes too. */
	assert_int_equal(32, cry_cipher_update_length(cipher, 17));
	assert_int_equal(16 + 16 + 15, cry_cipher_total_length(cipher, 32));
	written = sizeof(out);
	assert_cry_ok(
	        cry_cipher_update(cipher, ciphertext + 16, 17, out, &written));
	assert_int_equal(32, written);
	assert_memory_equal(plain, out, 32);
	/* 15 more complete the third block, which is held back. */
	assert_int_equal(0, cry_cipher_update_length(cipher, 15));
	written = sizeof(out);
	assert_cry_ok(
	        cry_cipher_update(cipher, ciphertext + 33, 15, out, &written));
	assert_int_equal(0, written);
	/* Final: at most 15 bytes; this block is all padding. */
	assert_int_equal(15, cry_cipher_final_length(cipher));
	written = 0;
	assert_cry_ok(cry_cipher_final(cipher, NULL, &written));
	assert_int_equal(0, written);
	cry_cipher_free(cipher);
	enc_free(key);
}

static void ctr_reference(const uint8_t *key, const uint8_t counter[16],
                          const uint8_t *in, size_t length, uint8_t *out)
{
	EVP_CIPHER_CTX *context = EVP_CIPHER_CTX_new();
	int written = 0;

	assert_int_equal(1, EVP_EncryptInit_ex(context, EVP_aes_128_ctr(), NULL,
	                                       key, counter));
	assert_int_equal(
	        1, EVP_EncryptUpdate(context, out, &written, in, (int)length));
	EVP_CIPHER_CTX_free(context);
}

/* A 16-bit counter from 0x00fe through 0x0101: the carry crosses into
 * the next byte, in pieces that split blocks. */
static void test_ctr_crosses_byte(void **state)
{
	uint8_t key_bytes[16], counter[16] = {0};
	uint8_t plain[64], expected[64], out[64];
	static const size_t pieces[] = {5, 20, 23, 16};
	cry_cipher_params params = cipher_params(CRY_AES_CTR, counter, 16);
	enc_buffer *key;
	size_t written;

	fill_bytes(key_bytes, 16, 11);
	fill_bytes(plain, sizeof(plain), 12);
	counter[0] = 0x42;
	counter[15] = 0xfe;
	key = secret_from_bytes(key_bytes, 16);
	ctr_reference(key_bytes, counter, plain, 64, expected);
	params.counter_length_bits = 16;
	assert_cry_ok(cipher_split(key, &params, true, plain, 64, pieces,
	                           COUNT(pieces), out, sizeof(out), &written));
	assert_int_equal(64, written);
	assert_memory_equal(expected, out, 64);
	/* 9 bits: 0x0fe..0x101 still fits in 9 bits (0x101 < 0x200). */
	params.counter_length_bits = 9;
	assert_cry_ok(cipher_split(key, &params, true, plain, 64, pieces,
	                           COUNT(pieces), out, sizeof(out), &written));
	assert_memory_equal(expected, out, 64);
	/* 8 bits: 0xfe, 0xff, then it would wrap. */
	params.counter_length_bits = 8;
	assert_cry(CRY_ERR_INVALID, cipher_once(key, &params, true, plain, 33,
	                                        out, sizeof(out), &written));
	assert_cry_ok(cipher_once(key, &params, true, plain, 32, out,
	                          sizeof(out), &written));
	assert_memory_equal(expected, out, 32);
	enc_free(key);
}

static void test_ctr_wrap_refused(void **state)
{
	uint8_t counter[16] = {0};
	uint8_t plain[64], out[64], untouched[64];
	cry_cipher_params params = cipher_params(CRY_AES_CTR, counter, 16);
	enc_buffer *key = test_key(16, 5);
	cry_cipher *cipher = NULL;
	size_t written;

	fill_bytes(plain, sizeof(plain), 1);
	counter[14] = 0x77;
	counter[15] = 0xff;
	params.counter_length_bits = 8;
	/* One block left: 10 + 6 bytes use it up, one more byte wraps. */
	assert_cry_ok(cry_cipher_new(key, &params, true, &cipher));
	written = sizeof(out);
	assert_cry_ok(cry_cipher_update(cipher, plain, 10, out, &written));
	written = sizeof(out);
	assert_cry_ok(cry_cipher_update(cipher, plain, 6, out, &written));
	memset(out, 0xaa, sizeof(out));
	memset(untouched, 0xaa, sizeof(untouched));
	written = sizeof(out);
	assert_cry(CRY_ERR_INVALID,
	           cry_cipher_update(cipher, plain, 1, out, &written));
	assert_memory_equal(untouched, out, sizeof(out));
	/* The failure ended the operation. */
	written = sizeof(out);
	assert_cry(CRY_ERR_INVALID, cry_cipher_final(cipher, out, &written));
	cry_cipher_free(cipher);

	/* All 128 bits: the all-ones block is the last. */
	memset(counter, 0xff, sizeof(counter));
	params.counter_length_bits = 128;
	assert_cry_ok(cipher_once(key, &params, true, plain, 16, out,
	                          sizeof(out), &written));
	assert_cry(CRY_ERR_INVALID, cipher_once(key, &params, true, plain, 17,
	                                        out, sizeof(out), &written));
	/* 12 bits: 0xfff is the last value, the byte above keeps its top
	 * nibble. */
	memset(counter, 0, sizeof(counter));
	counter[14] = 0xaf;
	counter[15] = 0xfe;
	params.counter_length_bits = 12;
	assert_cry_ok(cipher_once(key, &params, true, plain, 32, out,
	                          sizeof(out), &written));
	assert_cry(CRY_ERR_INVALID, cipher_once(key, &params, true, plain, 33,
	                                        out, sizeof(out), &written));
	enc_free(key);
}

/* ---- In place and overlapping ---------------------------------------------
 */

static void test_in_place(void **state)
{
	enc_buffer *key = test_key(16, 10);
	cry_cipher_params modes[3];
	uint8_t data[80], expected[96], buffer[96];
	size_t expected_length, written, total;

	modes[0] = cipher_params(CRY_AES_CBC, test_iv16, 16);
	modes[1] = cipher_params(CRY_AES_CTR, test_iv16, 16);
	modes[1].counter_length_bits = 64;
	modes[2] = cipher_params(CRY_AES_ECB, NULL, 0);
	fill_bytes(data, sizeof(data), 6);
	for (size_t m = 0; m < 3; m++) {
		cry_cipher *cipher = NULL;

		assert_cry_ok(cipher_once(key, &modes[m], true, data, 80,
		                          expected, sizeof(expected),
		                          &expected_length));
		/* Exactly in place, then shifted by a buffered partial
		 * block (the output runs ahead of the input). */
		memcpy(buffer, data, 80);
		assert_cry_ok(cry_cipher_new(key, &modes[m], true, &cipher));
		written = 5;
		assert_cry_ok(
		        cry_cipher_update(cipher, buffer, 5, buffer, &written));
		total = written;
		written = sizeof(buffer) - total;
		assert_cry_ok(cry_cipher_update(cipher, buffer + 5, 75,
		                                buffer + total, &written));
		total += written;
		written = sizeof(buffer) - total;
		assert_cry_ok(
		        cry_cipher_final(cipher, buffer + total, &written));
		total += written;
		assert_int_equal(expected_length, total);
		assert_memory_equal(expected, buffer, total);
		cry_cipher_free(cipher);
		/* Single-part in place. */
		memcpy(buffer, data, 80);
		assert_cry_ok(cipher_once(key, &modes[m], true, buffer, 80,
		                          buffer, sizeof(buffer), &written));
		assert_memory_equal(expected, buffer, 80);
		assert_cry_ok(cipher_once(key, &modes[m], false, buffer, 80,
		                          buffer, sizeof(buffer), &written));
		assert_memory_equal(data, buffer, 80);
	}
	enc_free(key);
}

/* One encryption through cry_cipher_encrypt_secret (which pads CBC_PAD
 * itself and makes the ciphertext in an enclave buffer before copying it
 * out) equals cry_cipher_once's, and cry_cipher_decrypt_secret undoes
 * it. */
static void check_secret_side(const enc_buffer *key,
                              const cry_cipher_params *params,
                              const uint8_t *data, size_t length,
                              const char *name)
{
	uint8_t expected[128], got[128];
	size_t n = 0, m = sizeof(got);
	assert_cry_ok(cipher_once(key, params, true, data, length, expected,
	                          sizeof(expected), &n));
	enc_buffer *secret = secret_from_bytes(data, length);
	assert_cry_ok(cry_cipher_encrypt_secret(key, params, secret, got, &m));
	if (m != n || memcmp(got, expected, n) != 0)
		fail_msg("%s, %zu bytes: the secret side differs", name,
		         length);
	enc_buffer *back = NULL;
	assert_cry_ok(cry_cipher_decrypt_secret(key, params, got, m, &back));
	assert_int_equal(enc_size(back), length);
	assert_memory_equal(enc_data(back), data, length);
	enc_free(back);
	enc_free(secret);
}

static void test_secret_side_equals_once(void **state)
{
	(void)state;
	uint8_t data[72];
	fill_bytes(data, sizeof(data), 31);
	for (size_t i = 0; i < cipher_setup_count; i++) {
		const cipher_setup *s = &cipher_setups[i];
		if (s->mode == CRY_AES_ECB || s->mode == CRY_AES_CTR)
			continue;
		enc_buffer *key = test_key(s->key_length, 5);
		for (size_t length = 1; length <= sizeof(data); length++) {
			if (s->whole_blocks && length % 16 != 0)
				continue;
			cry_cipher_params params =
			        cipher_setup_params(s, length);
			check_secret_side(key, &params, data, length, s->name);
		}
		enc_free(key);
	}
	enc_buffer *kek = test_key(32, 6);
	for (size_t length = 1; length <= sizeof(data); length++) {
		cry_cipher_params params =
		        cipher_params(CRY_AES_KEY_WRAP_PAD, NULL, 0);
		check_secret_side(kek, &params, data, length, "KWP");
		params = cipher_params(CRY_AES_KEY_WRAP, NULL, 0);
		if (length % 8 == 0 && length >= 16)
			check_secret_side(kek, &params, data, length, "KW");
	}
	enc_free(kek);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_multipart_equals_single),
	        cmocka_unit_test(test_cbc_pad_holds_back),
	        cmocka_unit_test(test_ctr_crosses_byte),
	        cmocka_unit_test(test_ctr_wrap_refused),
	        cmocka_unit_test(test_in_place),
	        cmocka_unit_test(test_secret_side_equals_once),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
