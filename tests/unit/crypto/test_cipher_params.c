/* Symmetric ciphers: every parameter error cry_cipher_check knows (key
 * sizes, IV and nonce lengths, tag lengths, CTR counter bits, CCM's
 * length field, fields a mode does not use), NULL pointers and closed
 * keys everywhere, and use after the end of an operation. */
#include "config.h"

#include "cipher_common.h"

#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

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
	p.aad_length = 4; /* and no test_aad pointer */
	assert_cry(CRY_ERR_INVALID, cry_cipher_check(&p, 16));
}

static void test_null_and_state_errors(void **state)
{
	enc_buffer *key = test_key(16, 1);
	enc_buffer *closed = test_key(16, 1);
	enc_buffer *plain = NULL;
	cry_cipher_params params = cipher_params(CRY_AES_CBC, test_iv16, 16);
	cry_cipher_params bad = cipher_params(CRY_AES_CBC, test_iv16, 3);
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
	params = cipher_params(CRY_AES_CTR, test_iv16, 16);
	params.counter_length_bits = 32;
	assert_cry(CRY_ERR_INVALID,
	           cry_cipher_encrypt_secret(key, &params, key, out, &written));
	enc_free(closed);
	enc_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parameter_errors),
	        cmocka_unit_test(test_null_and_state_errors),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
