/* Symmetric ciphers: behaviour beyond the vectors.
 *  - every mode multi-part equals single-part at awkward split points,
 *    and single-part equals OpenSSL / libsodium called directly;
 *  - CBC_PAD decryption holds back the last block; CTR counters cross a
 *    byte boundary, and a counter that would wrap is refused;
 *  - tampered ciphertext, tag or AAD (GCM, CCM, ChaCha20-Poly1305), KW
 *    and KWP integrity failures, bad CBC padding: CRY_ERR_SIGNATURE and
 *    nothing written;
 *  - wrong data lengths, every parameter error, NULL pointers;
 *  - short output buffers: CRY_ERR_BUFFER, and the cipher still works;
 *  - in-place and overlapping buffers. */
#include "config.h"

#include "cipher_common.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_DATA 200

static const uint8_t iv16[16] = {0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5,
                                 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb,
                                 0xfc, 0xfd, 0xfe, 0xff};
static const uint8_t nonce24[24] = {1,  2,  3,  4,  5,  6,  7,  8,
                                    9,  10, 11, 12, 13, 14, 15, 16,
                                    17, 18, 19, 20, 21, 22, 23, 24};
static const uint8_t aad[21] = "associated data here";

static enc_buffer *test_key(size_t length, unsigned seed)
{
	uint8_t bytes[32];
	enc_buffer *key;

	fill_bytes(bytes, length, seed);
	key = secret_from_bytes(bytes, length);
	return key;
}

/* A mode under test: its parameters and key size. */
typedef struct setup {
	const char *name;
	cry_cipher_mode mode;
	size_t key_length;
	size_t iv_length;
	size_t tag_length;
	size_t counter_bits;
	bool with_aad;
	bool whole_blocks; /* ECB, CBC: lengths multiple of 16 */
} setup;

static const setup setups[] = {
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

static cry_cipher_params setup_params(const setup *s, size_t data_length)
{
	cry_cipher_params params = cipher_params(
	        s->mode,
	        s->iv_length > 0 ? (s->iv_length == 16 ? iv16 : nonce24) : NULL,
	        s->iv_length);

	params.tag_length = s->tag_length;
	params.counter_length_bits = s->counter_bits;
	if (s->with_aad) {
		params.aad = aad;
		params.aad_length = sizeof(aad);
	}
	if (s->mode == CRY_AES_CCM)
		params.data_length = data_length;
	return params;
}

static bool is_aead(cry_cipher_mode mode)
{
	return mode == CRY_AES_GCM || mode == CRY_AES_CCM ||
	       mode == CRY_CHACHA20_POLY1305;
}

/* ---- Against the libraries themselves --------------------------------- */

static const EVP_CIPHER *evp_for(const setup *s)
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
static size_t reference_encrypt(const setup *s, const uint8_t *key,
                                const uint8_t *in, size_t length, uint8_t *out)
{
	cry_cipher_params params = setup_params(s, length);
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
	if (is_aead(s->mode)) {
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
	if (is_aead(s->mode)) {
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
	for (size_t m = 0; m < COUNT(setups); m++) {
		const setup *s = &setups[m];
		enc_buffer *key;

		print_message("%s\n", s->name);
		fill_bytes(key_bytes, s->key_length, (unsigned)m);
		key = secret_from_bytes(key_bytes, s->key_length);
		for (size_t l = 0; l < COUNT(lengths); l++) {
			size_t length = lengths[l];
			cry_cipher_params params = setup_params(s, length);
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
	cry_cipher_params params = cipher_params(CRY_AES_CBC_PAD, iv16, 16);
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
	uint8_t altered_aad[sizeof(aad)];

	fill_bytes(plain, sizeof(plain), 9);
	for (size_t m = 0; m < COUNT(setups); m++) {
		const setup *s = &setups[m];
		size_t length = 40, sealed_length;
		cry_cipher_params params = setup_params(s, length);
		enc_buffer *key;

		if (!is_aead(s->mode))
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
		memcpy(altered_aad, aad, sizeof(aad));
		altered_aad[0] ^= 0x20;
		params.aad = altered_aad;
		params.aad_length = sizeof(aad);
		if (!s->with_aad)
			params.aad_length = 1;
		expect_rejected(key, &params, sealed, sealed_length);
		/* The untouched message still opens. */
		params = setup_params(s, length);
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
	cry_cipher_params cbc = cipher_params(CRY_AES_CBC, iv16, 16);
	cry_cipher_params pad = cipher_params(CRY_AES_CBC_PAD, iv16, 16);
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
	params = cipher_params(CRY_AES_CBC, iv16, 16);
	assert_cry(CRY_ERR_INVALID, run_final(key, &params, true, 33));
	assert_cry(CRY_ERR_SIGNATURE_LENGTH, run_final(key, &params, false, 1));
	assert_cry(CRY_ERR_INVALID, cipher_once(key, &params, true, data, 15,
	                                        out, sizeof(out), &written));
	params = cipher_params(CRY_AES_CBC_PAD, iv16, 16);
	assert_cry(CRY_ERR_SIGNATURE_LENGTH, run_final(key, &params, false, 0));
	assert_cry(CRY_ERR_SIGNATURE_LENGTH,
	           run_final(key, &params, false, 31));
	assert_cry(CRY_ERR_SIGNATURE_LENGTH,
	           cipher_once(key, &params, false, data, 0, out, sizeof(out),
	                       &written));
	/* AEAD: shorter than the tag; CCM: not the announced length. */
	params = cipher_params(CRY_AES_GCM, nonce24, 12);
	params.tag_length = 16;
	assert_cry(CRY_ERR_SIGNATURE_LENGTH,
	           run_final(key, &params, false, 15));
	params = cipher_params(CRY_AES_CCM, nonce24, 12);
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
	cry_cipher_params params = cipher_params(CRY_AES_CBC_PAD, iv16, 16);
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
	params = cipher_params(CRY_AES_GCM, nonce24, 12);
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

/* ---- Parameters and pointers --------------------------------------------- */

static void test_parameter_errors(void **state)
{
	uint8_t iv[300] = {0};
	cry_cipher_params p;

	assert_cry(CRY_ERR_INVALID, cry_cipher_check(NULL, 16));
	/* Key sizes. */
	p = cipher_params(CRY_AES_ECB, NULL, 0);
	assert_cry_ok(cry_cipher_check(&p, 24));
	assert_cry(CRY_ERR_KEY, cry_cipher_check(&p, 0));
	assert_cry(CRY_ERR_KEY, cry_cipher_check(&p, 20));
	assert_cry(CRY_ERR_KEY, cry_cipher_check(&p, 64));
	p = cipher_params(CRY_CHACHA20_POLY1305, iv, 12);
	assert_cry_ok(cry_cipher_check(&p, 32));
	assert_cry(CRY_ERR_KEY, cry_cipher_check(&p, 16));
	/* Unknown mode. */
	p = cipher_params((cry_cipher_mode)42, NULL, 0);
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	/* IVs: ECB none, CBC 16, CTR 16, GCM 1..256. */
	p = cipher_params(CRY_AES_ECB, iv, 16);
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	p = cipher_params(CRY_AES_CBC, iv, 15);
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	p = cipher_params(CRY_AES_CBC_PAD, NULL, 16);
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	p = cipher_params(CRY_AES_CBC_PAD, iv, 0);
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	/* CTR counter bits 1..128. */
	p = cipher_params(CRY_AES_CTR, iv, 16);
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	p.counter_length_bits = 129;
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	p.counter_length_bits = 1;
	assert_cry_ok(cry_cipher_check(&p, 16));
	p.counter_length_bits = 128;
	assert_cry_ok(cry_cipher_check(&p, 16));
	p.iv_length = 12;
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	/* GCM: IV 1..256, tags 4, 8, 12..16. */
	p = cipher_params(CRY_AES_GCM, iv, 0);
	p.tag_length = 16;
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	p.iv_length = 257;
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	p.iv_length = 256;
	assert_cry_ok(cry_cipher_check(&p, 16));
	p.iv_length = 1;
	assert_cry_ok(cry_cipher_check(&p, 16));
	{
		static const size_t good[] = {4, 8, 12, 13, 14, 15, 16};
		static const size_t bad[] = {0, 1, 3, 5, 6, 7, 9, 10, 11, 17};

		for (size_t i = 0; i < COUNT(good); i++) {
			p.tag_length = good[i];
			assert_cry_ok(cry_cipher_check(&p, 16));
		}
		for (size_t i = 0; i < COUNT(bad); i++) {
			p.tag_length = bad[i];
			assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
		}
	}
	/* CCM: nonce 7..13, tag 4..16 even, length fits 15 - nonce bytes. */
	p = cipher_params(CRY_AES_CCM, iv, 7);
	p.tag_length = 4;
	assert_cry_ok(cry_cipher_check(&p, 16));
	p.iv_length = 6;
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	p.iv_length = 14;
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	p.iv_length = 13;
	for (size_t t = 0; t <= 18; t++) {
		p.tag_length = t;
		assert_cry(t >= 4 && t <= 16 && t % 2 == 0 ? CRY_OK
		                                           : CRY_ERR_INVALID,
		           cry_cipher_check(&p, 16));
	}
	p.tag_length = 16;
	p.data_length = 65535;
	assert_cry_ok(cry_cipher_check(&p, 16));
	p.data_length = 65536; /* 13-byte nonce: a 2-byte length */
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	p.iv_length = 12;
	assert_cry_ok(cry_cipher_check(&p, 16));
	/* KW: no IV or 8 bytes; KWP: no IV or 4 bytes. */
	p = cipher_params(CRY_AES_KEY_WRAP, iv, 4);
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	p.iv_length = 8;
	assert_cry_ok(cry_cipher_check(&p, 16));
	p = cipher_params(CRY_AES_KEY_WRAP_PAD, iv, 8);
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	p.iv_length = 4;
	assert_cry_ok(cry_cipher_check(&p, 16));
	/* ChaCha20-Poly1305: nonce 8, 12, 24; tag 16 (or 0). */
	p = cipher_params(CRY_CHACHA20_POLY1305, iv, 16);
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 32));
	p.iv_length = 24;
	p.tag_length = 12;
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 32));
	p.tag_length = 16;
	assert_cry_ok(cry_cipher_check(&p, 32));
	/* Fields the mode does not use. */
	p = cipher_params(CRY_AES_CBC, iv, 16);
	p.aad = iv;
	p.aad_length = 3;
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	p = cipher_params(CRY_AES_CBC, iv, 16);
	p.tag_length = 16;
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	p = cipher_params(CRY_AES_CBC, iv, 16);
	p.counter_length_bits = 32;
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	p = cipher_params(CRY_AES_GCM, iv, 12);
	p.tag_length = 16;
	p.data_length = 5;
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
	p.data_length = 0;
	p.aad_length = 4; /* and no aad pointer */
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
}

static void test_null_and_state_errors(void **state)
{
	enc_buffer *key = test_key(16, 1);
	enc_buffer *closed = test_key(16, 1);
	enc_buffer *plain = NULL;
	cry_cipher_params params = cipher_params(CRY_AES_CBC, iv16, 16);
	cry_cipher_params bad = cipher_params(CRY_AES_CBC, iv16, 3);
	cry_cipher *cipher = (cry_cipher *)1;
	uint8_t data[32] = {0}, out[48];
	size_t written = sizeof(out);

	assert_int_equal(ENC_OK, enc_protect(closed, ENC_NOACCESS));
	assert_cry(CRY_ERR_INVALID, cry_cipher_new(key, &params, true, NULL));
	assert_cry(CRY_ERR_INVALID,
	           cry_cipher_new(NULL, &params, true, &cipher));
	assert_null(cipher);
	assert_cry(CRY_ERR_INVALID, cry_cipher_new(key, NULL, true, &cipher));
	assert_cry(CRY_ERR_INVALID, cry_cipher_new(key, &bad, true, &cipher));
	assert_cry(CRY_ERR_INVALID,
	           cry_cipher_new(closed, &params, true, &cipher));
	assert_null(cipher);
	{
		enc_buffer *short_key = test_key(15, 1);

		assert_cry(CRY_ERR_KEY,
		           cry_cipher_new(short_key, &params, true, &cipher));
		enc_free(short_key);
	}
	assert_cry(CRY_ERR_INVALID,
	           cry_cipher_update(NULL, data, 16, out, &written));
	assert_cry(CRY_ERR_INVALID, cry_cipher_final(NULL, out, &written));
	assert_cry(CRY_ERR_INVALID,
	           cry_cipher_once(NULL, data, 16, out, &written));
	cry_cipher_free(NULL);

	assert_cry_ok(cry_cipher_new(key, &params, true, &cipher));
	assert_cry(CRY_ERR_INVALID,
	           cry_cipher_update(cipher, NULL, 16, out, &written));
	cry_cipher_free(cipher);
	assert_cry_ok(cry_cipher_new(key, &params, true, &cipher));
	assert_cry(CRY_ERR_INVALID,
	           cry_cipher_update(cipher, data, 16, out, NULL));
	cry_cipher_free(cipher);
	assert_cry_ok(cry_cipher_new(key, &params, true, &cipher));
	assert_cry(CRY_ERR_INVALID, cry_cipher_final(cipher, out, NULL));
	/* finished by the error */
	assert_cry(CRY_ERR_INVALID, cry_cipher_final(cipher, out, &written));
	cry_cipher_free(cipher);
	/* once: only on a fresh cipher; nothing after final. */
	assert_cry_ok(cry_cipher_new(key, &params, true, &cipher));
	written = sizeof(out);
	assert_cry_ok(cry_cipher_update(cipher, data, 16, out, &written));
	written = sizeof(out);
	assert_cry(CRY_ERR_INVALID,
	           cry_cipher_once(cipher, data, 16, out, &written));
	cry_cipher_free(cipher);
	assert_cry_ok(cry_cipher_new(key, &params, true, &cipher));
	written = sizeof(out);
	assert_cry_ok(cry_cipher_final(cipher, out, &written));
	assert_int_equal(0, written);
	assert_cry(CRY_ERR_INVALID,
	           cry_cipher_update(cipher, data, 16, out, &written));
	assert_cry(CRY_ERR_INVALID, cry_cipher_final(cipher, out, &written));
	cry_cipher_free(cipher);

	/* The enclave calls. */
	written = sizeof(out);
	assert_cry(CRY_ERR_INVALID, cry_cipher_encrypt_secret(
	                                    key, &params, NULL, out, &written));
	assert_cry(
	        CRY_ERR_INVALID,
	        cry_cipher_encrypt_secret(key, &params, closed, out, &written));
	assert_cry(CRY_ERR_INVALID,
	           cry_cipher_encrypt_secret(key, NULL, key, out, &written));
	assert_cry(CRY_ERR_INVALID,
	           cry_cipher_encrypt_secret(key, &params, key, out, NULL));
	assert_cry(CRY_ERR_INVALID, cry_cipher_encrypt_secret(
	                                    NULL, &params, key, out, &written));
	assert_cry(CRY_ERR_INVALID,
	           cry_cipher_decrypt_secret(key, &params, data, 16, NULL));
	assert_cry(CRY_ERR_INVALID,
	           cry_cipher_decrypt_secret(key, &params, NULL, 16, &plain));
	assert_cry(CRY_ERR_INVALID, cry_cipher_decrypt_secret(
	                                    closed, &params, data, 16, &plain));
	assert_null(plain);
	/* Not for ECB and CTR. */
	params = cipher_params(CRY_AES_ECB, NULL, 0);
	assert_cry(CRY_ERR_INVALID,
	           cry_cipher_encrypt_secret(key, &params, key, out, &written));
	assert_cry(CRY_ERR_INVALID,
	           cry_cipher_decrypt_secret(key, &params, data, 16, &plain));
	params = cipher_params(CRY_AES_CTR, iv16, 16);
	params.counter_length_bits = 32;
	assert_cry(CRY_ERR_INVALID,
	           cry_cipher_encrypt_secret(key, &params, key, out, &written));
	enc_free(closed);
	enc_free(key);
}

/* ---- Short buffers ------------------------------------------------------ */

static void test_short_buffers(void **state)
{
	enc_buffer *key = test_key(32, 8);
	cry_cipher_params params = cipher_params(CRY_AES_CBC_PAD, iv16, 16);
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
	params = cipher_params(CRY_CHACHA20_POLY1305, nonce24, 24);
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
	cry_cipher_params params = cipher_params(CRY_AES_CBC_PAD, iv16, 16);
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
	params = cipher_params(CRY_AES_CCM, nonce24, 11);
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

/* ---- In place and overlapping ---------------------------------------------
 */

static void test_in_place(void **state)
{
	enc_buffer *key = test_key(16, 10);
	cry_cipher_params modes[3];
	uint8_t data[80], expected[96], buffer[96];
	size_t expected_length, written, total;

	modes[0] = cipher_params(CRY_AES_CBC, iv16, 16);
	modes[1] = cipher_params(CRY_AES_CTR, iv16, 16);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_multipart_equals_single),
	        cmocka_unit_test(test_cbc_pad_holds_back),
	        cmocka_unit_test(test_ctr_crosses_byte),
	        cmocka_unit_test(test_ctr_wrap_refused),
	        cmocka_unit_test(test_tampering),
	        cmocka_unit_test(test_key_wrap_integrity),
	        cmocka_unit_test(test_bad_padding),
	        cmocka_unit_test(test_data_lengths),
	        cmocka_unit_test(test_length_queries),
	        cmocka_unit_test(test_parameter_errors),
	        cmocka_unit_test(test_null_and_state_errors),
	        cmocka_unit_test(test_short_buffers),
	        cmocka_unit_test(test_decrypt_secret),
	        cmocka_unit_test(test_in_place),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
