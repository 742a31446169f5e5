/* PKCS#11 3.0 message-based encryption through the real module's 3.0
 * interface: C_MessageEncryptInit / C_EncryptMessage /
 * C_MessageEncryptFinal and the decrypting three, for AES-GCM (every key
 * size; libsodium's fast path and the OpenSSL path for other IV and tag
 * lengths) and ChaCha20-Poly1305 (8-, 12- and 24-byte nonces). Every
 * ciphertext and tag is checked against OpenSSL's EVP with the same key
 * value; decryption round-trips, refuses a wrong tag with zeros in the
 * output and keeps the operation going. IV generation (counter, random,
 * fixed bits kept), the length protocol, C_SessionCancel and every
 * refusal are covered. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_symmetric.h"

#include <stdio.h>
#include <string.h>

#define BIG 5000

static uint8_t plain[BIG], out[BIG], back[BIG], expected[BIG + 16];

static CK_MECHANISM gcm_mechanism = {CKM_AES_GCM, NULL, 0};
static CK_MECHANISM chacha_mechanism = {CKM_CHACHA20_POLY1305, NULL, 0};

static GUARDHSM_GCM_MESSAGE_PARAMS gcm_params(uint8_t *iv, size_t iv_length,
                                              uint8_t *tag, size_t tag_length)
{
	return (GUARDHSM_GCM_MESSAGE_PARAMS){
	        iv, iv_length, 0, CKG_NO_GENERATE, tag, 8 * tag_length};
}

/* One message each way, checked against OpenSSL (ciphertext || tag). */
static void check_gcm(CK_SESSION_HANDLE s, const uint8_t *key_value,
                      size_t key_length, size_t iv_length, size_t tag_length,
                      size_t aad_length, size_t length)
{
	char what[128];
	uint8_t iv[64], tag[16], aad[100];
	CK_OBJECT_HANDLE key = s_import_key(s, CKK_AES, key_value, key_length);
	snprintf(what, sizeof(what),
	         "AES-%zu-GCM, IV %zu, tag %zu, AAD %zu, %zu bytes",
	         8 * key_length, iv_length, tag_length, aad_length, length);
	s_fill(iv, iv_length, (unsigned)length + 1);
	s_fill(aad, aad_length, 7);
	s_fill(plain, length, (unsigned)iv_length);
	size_t n =
	        o_aead_encrypt(O_GCM, key_value, key_length, iv, iv_length, aad,
	                       aad_length, tag_length, plain, length, expected);
	assert_int_equal(n, length + tag_length);

	GUARDHSM_GCM_MESSAGE_PARAMS p =
	        gcm_params(iv, iv_length, tag, tag_length);
	OKW(what, p11v3->C_MessageEncryptInit(s, &gcm_mechanism, key));
	CK_ULONG out_length = sizeof(out);
	OKW(what, p11v3->C_EncryptMessage(s, &p, sizeof(p), aad, aad_length,
	                                  plain, length, out, &out_length));
	s_same(what, out, out_length, expected, length);
	s_same(what, tag, tag_length, expected + length, tag_length);
	OKW(what, p11v3->C_MessageEncryptFinal(s));

	OKW(what, p11v3->C_MessageDecryptInit(s, &gcm_mechanism, key));
	CK_ULONG back_length = sizeof(back);
	OKW(what, p11v3->C_DecryptMessage(s, &p, sizeof(p), aad, aad_length,
	                                  out, out_length, back, &back_length));
	s_same(what, back, back_length, plain, length);
	/* A wrong tag: refused, zeros out, and the operation goes on. */
	tag[0] ^= 1;
	back_length = sizeof(back);
	memset(back, 0xee, length);
	RVW(what,
	    p11v3->C_DecryptMessage(s, &p, sizeof(p), aad, aad_length, out,
	                            out_length, back, &back_length),
	    CKR_ENCRYPTED_DATA_INVALID);
	for (size_t i = 0; i < length; i++)
		assert_int_equal(back[i], 0);
	tag[0] ^= 1;
	back_length = sizeof(back);
	OKW(what, p11v3->C_DecryptMessage(s, &p, sizeof(p), aad, aad_length,
	                                  out, out_length, back, &back_length));
	s_same(what, back, back_length, plain, length);
	OKW(what, p11v3->C_MessageDecryptFinal(s));
	OK(p11->C_DestroyObject(s, key));
}

static void test_gcm_against_openssl(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	uint8_t key[32];
	static const size_t lengths[] = {0, 1, 16, 17, 4096, 4195};
	for (size_t k = 16; k <= 32; k += 8) {
		s_fill(key, k, (unsigned)k);
		for (size_t i = 0; i < H_ARRAY_SIZE(lengths); i++) {
			/* The fast path for AES-256 (IV 12, tag 16). */
			check_gcm(s, key, k, 12, 16, 20, lengths[i]);
			check_gcm(s, key, k, 12, 16, 0, lengths[i]);
		}
		check_gcm(s, key, k, 16, 16, 13, 100); /* other IV length */
		check_gcm(s, key, k, 60, 12, 13, 100);
		check_gcm(s, key, k, 12, 12, 13, 100); /* shorter tag */
		check_gcm(s, key, k, 1, 8, 0, 33);
	}
}

/* Many messages in one operation, each its own IV and AAD. */
static void test_gcm_many_messages(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	uint8_t key_value[32], iv[12], tag[16], aad[8];
	s_fill(key_value, sizeof(key_value), 3);
	CK_OBJECT_HANDLE key =
	        s_import_key(s, CKK_AES, key_value, sizeof(key_value));
	OK(p11v3->C_MessageEncryptInit(s, &gcm_mechanism, key));
	for (unsigned m = 0; m < 50; m++) {
		size_t length = 1 + 37 * m;
		s_fill(iv, sizeof(iv), m);
		s_fill(aad, sizeof(aad), m + 100);
		s_fill(plain, length, m + 200);
		GUARDHSM_GCM_MESSAGE_PARAMS p =
		        gcm_params(iv, sizeof(iv), tag, sizeof(tag));
		CK_ULONG out_length = sizeof(out);
		OK(p11v3->C_EncryptMessage(s, &p, sizeof(p), aad, sizeof(aad),
		                           plain, length, out, &out_length));
		o_aead_encrypt(O_GCM, key_value, sizeof(key_value), iv,
		               sizeof(iv), aad, sizeof(aad), 16, plain, length,
		               expected);
		s_same("message", out, out_length, expected, length);
		s_same("tag", tag, 16, expected + length, 16);
	}
	OK(p11v3->C_MessageEncryptFinal(s));
	RV(p11v3->C_MessageEncryptFinal(s), CKR_OPERATION_NOT_INITIALIZED);
}

static void test_chacha(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	uint8_t key_value[32], nonce[24], tag[16], aad[30];
	s_fill(key_value, sizeof(key_value), 11);
	s_fill(aad, sizeof(aad), 12);
	CK_OBJECT_HANDLE key =
	        s_import_key(s, CKK_CHACHA20, key_value, sizeof(key_value));
	static const size_t nonces[] = {8, 12, 24};
	for (size_t i = 0; i < H_ARRAY_SIZE(nonces); i++) {
		size_t length = 300 + i;
		s_fill(nonce, nonces[i], (unsigned)i);
		s_fill(plain, length, (unsigned)i + 40);
		GUARDHSM_SALSA20_CHACHA20_POLY1305_MSG_PARAMS p = {
		        nonce, nonces[i], tag};
		OK(p11v3->C_MessageEncryptInit(s, &chacha_mechanism, key));
		CK_ULONG out_length = sizeof(out);
		OK(p11v3->C_EncryptMessage(s, &p, sizeof(p), aad, sizeof(aad),
		                           plain, length, out, &out_length));
		OK(p11v3->C_MessageEncryptFinal(s));
		/* The 12-byte nonce is RFC 8439's, which OpenSSL has. For
		 * the others the token's own single-part C_Encrypt (checked
		 * against RFC 8439 and libsodium in test_p11_cipher) must
		 * agree. */
		size_t n;
		if (nonces[i] == 12) {
			n = o_aead_encrypt(O_CHACHA, key_value,
			                   sizeof(key_value), nonce, 12, aad,
			                   sizeof(aad), 16, plain, length,
			                   expected);
		} else {
			s_mechanism m;
			s_mech_chacha(&m, nonce, nonces[i], aad, sizeof(aad));
			n = sizeof(expected);
			OK(s_encrypt(s, &m.mechanism, key, plain, length,
			             expected, &n));
		}
		assert_int_equal(n, length + 16);
		s_same("ChaCha20-Poly1305", out, out_length, expected, length);
		s_same("its tag", tag, 16, expected + length, 16);

		OK(p11v3->C_MessageDecryptInit(s, &chacha_mechanism, key));
		CK_ULONG back_length = sizeof(back);
		OK(p11v3->C_DecryptMessage(s, &p, sizeof(p), aad, sizeof(aad),
		                           out, out_length, back,
		                           &back_length));
		s_same("decrypted", back, back_length, plain, length);
		aad[0] ^= 1; /* the AAD is authenticated too */
		back_length = sizeof(back);
		RV(p11v3->C_DecryptMessage(s, &p, sizeof(p), aad, sizeof(aad),
		                           out, out_length, back, &back_length),
		   CKR_ENCRYPTED_DATA_INVALID);
		aad[0] ^= 1;
		OK(p11v3->C_MessageDecryptFinal(s));
	}
}

/* CKG_GENERATE_COUNTER: fixed bits kept, the rest counts messages;
 * CKG_GENERATE_RANDOM: fixed bits kept, the rest differs. The returned IV
 * is the one used (OpenSSL agrees). */
static void test_iv_generation(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	uint8_t key_value[32], iv[12], tag[16];
	s_fill(key_value, sizeof(key_value), 5);
	CK_OBJECT_HANDLE key =
	        s_import_key(s, CKK_AES, key_value, sizeof(key_value));
	s_fill(plain, 64, 9);
	OK(p11v3->C_MessageEncryptInit(s, &gcm_mechanism, key));
	for (unsigned m = 0; m < 3; m++) {
		memset(iv, 0xa5, sizeof(iv));
		GUARDHSM_GCM_MESSAGE_PARAMS p = {
		        iv, sizeof(iv), 36, CKG_GENERATE_COUNTER, tag, 128};
		CK_ULONG out_length = sizeof(out);
		OK(p11v3->C_EncryptMessage(s, &p, sizeof(p), NULL, 0, plain, 64,
		                           out, &out_length));
		/* 36 fixed bits: 4.5 bytes of 0xa5, then the counter. */
		uint8_t want[12] = {0xa5, 0xa5, 0xa5, 0xa5, 0xa0};
		want[11] = (uint8_t)m;
		s_same("counter IV", iv, sizeof(iv), want, sizeof(want));
		o_aead_encrypt(O_GCM, key_value, 32, iv, 12, NULL, 0, 16, plain,
		               64, expected);
		s_same("counter IV message", out, 64, expected, 64);
		s_same("counter IV tag", tag, 16, expected + 64, 16);
	}
	uint8_t first[12];
	for (unsigned m = 0; m < 2; m++) {
		memset(iv, 0x5a, sizeof(iv));
		GUARDHSM_GCM_MESSAGE_PARAMS p = {
		        iv, sizeof(iv), 32, CKG_GENERATE_RANDOM, tag, 128};
		CK_ULONG out_length = sizeof(out);
		OK(p11v3->C_EncryptMessage(s, &p, sizeof(p), NULL, 0, plain, 64,
		                           out, &out_length));
		for (int i = 0; i < 4; i++)
			assert_int_equal(iv[i], 0x5a);
		if (m == 0)
			memcpy(first, iv, sizeof(first));
		else
			assert_memory_not_equal(first + 4, iv + 4, 8);
		o_aead_encrypt(O_GCM, key_value, 32, iv, 12, NULL, 0, 16, plain,
		               64, expected);
		s_same("random IV message", out, 64, expected, 64);
	}
	OK(p11v3->C_MessageEncryptFinal(s));
	/* 94 fixed bits leave a 2-bit counter: 4 messages, then refused
	 * (an IV must never repeat). */
	OK(p11v3->C_MessageEncryptInit(s, &gcm_mechanism, key));
	for (unsigned m = 0; m < 5; m++) {
		memset(iv, 0xff, sizeof(iv));
		GUARDHSM_GCM_MESSAGE_PARAMS p = {
		        iv, sizeof(iv), 94, CKG_GENERATE_COUNTER, tag, 128};
		CK_ULONG out_length = sizeof(out);
		RV(p11v3->C_EncryptMessage(s, &p, sizeof(p), NULL, 0, plain, 64,
		                           out, &out_length),
		   m < 4 ? CKR_OK : CKR_MECHANISM_PARAM_INVALID);
		if (m < 4)
			assert_int_equal(iv[11], 0xfc | m);
	}
	/* An unknown generator is refused. */
	GUARDHSM_GCM_MESSAGE_PARAMS bad = {iv, sizeof(iv), 0, 77, tag, 128};
	CK_ULONG out_length = sizeof(out);
	RV(p11v3->C_EncryptMessage(s, &bad, sizeof(bad), NULL, 0, plain, 64,
	                           out, &out_length),
	   CKR_MECHANISM_PARAM_INVALID);
	OK(p11v3->C_MessageEncryptFinal(s));
}

static void test_length_protocol(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	uint8_t key_value[32], iv[12] = {1}, tag[16];
	s_fill(key_value, sizeof(key_value), 8);
	CK_OBJECT_HANDLE key =
	        s_import_key(s, CKK_AES, key_value, sizeof(key_value));
	s_fill(plain, 100, 1);
	GUARDHSM_GCM_MESSAGE_PARAMS p = gcm_params(iv, 12, tag, 16);
	OK(p11v3->C_MessageEncryptInit(s, &gcm_mechanism, key));
	CK_ULONG n = 0;
	OK(p11v3->C_EncryptMessage(s, &p, sizeof(p), NULL, 0, plain, 100, NULL,
	                           &n));
	assert_int_equal(n, 100);
	n = 99;
	RV(p11v3->C_EncryptMessage(s, &p, sizeof(p), NULL, 0, plain, 100, out,
	                           &n),
	   CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 100);
	n = 100;
	OK(p11v3->C_EncryptMessage(s, &p, sizeof(p), NULL, 0, plain, 100, out,
	                           &n));
	o_aead_encrypt(O_GCM, key_value, 32, iv, 12, NULL, 0, 16, plain, 100,
	               expected);
	s_same("after the length query", out, n, expected, 100);
	OK(p11v3->C_MessageEncryptFinal(s));
}

static void test_refusals(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	uint8_t key_value[32], iv[12] = {1}, tag[16];
	s_fill(key_value, sizeof(key_value), 2);
	CK_OBJECT_HANDLE key =
	        s_import_key(s, CKK_AES, key_value, sizeof(key_value));
	CK_OBJECT_HANDLE chacha =
	        s_import_key(s, CKK_CHACHA20, key_value, sizeof(key_value));
	CK_BBOOL no = CK_FALSE;
	CK_ATTRIBUTE no_encrypt[] = {{CKA_ENCRYPT, &no, sizeof(no)},
	                             {CKA_DECRYPT, &no, sizeof(no)}};
	CK_OBJECT_HANDLE locked;
	OK(s_import_key_rv(s, CKK_AES, key_value, 32, no_encrypt, 2, &locked));
	GUARDHSM_GCM_MESSAGE_PARAMS p = gcm_params(iv, 12, tag, 16);
	CK_ULONG n = sizeof(out);
	CK_MECHANISM cbc = {CKM_AES_CBC, iv, 16};

	/* Nothing active yet. */
	RV(p11v3->C_EncryptMessage(s, &p, sizeof(p), NULL, 0, plain, 16, out,
	                           &n),
	   CKR_OPERATION_NOT_INITIALIZED);
	RV(p11v3->C_MessageDecryptFinal(s), CKR_OPERATION_NOT_INITIALIZED);
	/* Init: the mechanism, the key's type and its usage. */
	RV(p11v3->C_MessageEncryptInit(s, NULL, key), CKR_ARGUMENTS_BAD);
	RV(p11v3->C_MessageEncryptInit(s, &cbc, key), CKR_MECHANISM_INVALID);
	RV(p11v3->C_MessageEncryptInit(s, &chacha_mechanism, key),
	   CKR_KEY_TYPE_INCONSISTENT);
	RV(p11v3->C_MessageEncryptInit(s, &gcm_mechanism, chacha),
	   CKR_KEY_TYPE_INCONSISTENT);
	RV(p11v3->C_MessageEncryptInit(s, &gcm_mechanism, locked),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);
	RV(p11v3->C_MessageDecryptInit(s, &gcm_mechanism, locked),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);
	RV(p11v3->C_MessageEncryptInit(s, &gcm_mechanism, 0xdead),
	   CKR_KEY_HANDLE_INVALID);
	OK(p11v3->C_MessageEncryptInit(s, &gcm_mechanism, key));
	RV(p11v3->C_MessageEncryptInit(s, &gcm_mechanism, key),
	   CKR_OPERATION_ACTIVE);
	/* Per-message parameters and arguments; none ends the operation. */
	RV(p11v3->C_EncryptMessage(s, NULL, 0, NULL, 0, plain, 16, out, &n),
	   CKR_ARGUMENTS_BAD);
	RV(p11v3->C_EncryptMessage(s, &p, sizeof(p) - 1, NULL, 0, plain, 16,
	                           out, &n),
	   CKR_MECHANISM_PARAM_INVALID);
	RV(p11v3->C_EncryptMessage(s, &p, sizeof(p), NULL, 0, plain, 16, out,
	                           NULL),
	   CKR_ARGUMENTS_BAD);
	RV(p11v3->C_EncryptMessage(s, &p, sizeof(p), NULL, 5, plain, 16, out,
	                           &n),
	   CKR_ARGUMENTS_BAD);
	GUARDHSM_GCM_MESSAGE_PARAMS bad = p;
	bad.pTag = NULL;
	RV(p11v3->C_EncryptMessage(s, &bad, sizeof(bad), NULL, 0, plain, 16,
	                           out, &n),
	   CKR_MECHANISM_PARAM_INVALID);
	bad = p;
	bad.ulIvLen = 0;
	RV(p11v3->C_EncryptMessage(s, &bad, sizeof(bad), NULL, 0, plain, 16,
	                           out, &n),
	   CKR_MECHANISM_PARAM_INVALID);
	bad = p;
	bad.ulTagBits = 100; /* not whole bytes */
	RV(p11v3->C_EncryptMessage(s, &bad, sizeof(bad), NULL, 0, plain, 16,
	                           out, &n),
	   CKR_MECHANISM_PARAM_INVALID);
	bad = p;
	bad.ulTagBits = 40; /* whole bytes, but not a GCM tag length */
	RV(p11v3->C_EncryptMessage(s, &bad, sizeof(bad), NULL, 0, plain, 16,
	                           out, &n),
	   CKR_MECHANISM_PARAM_INVALID);
	bad = p;
	bad.ulIvFixedBits = 97;
	bad.ivGenerator = CKG_GENERATE_RANDOM;
	RV(p11v3->C_EncryptMessage(s, &bad, sizeof(bad), NULL, 0, plain, 16,
	                           out, &n),
	   CKR_MECHANISM_PARAM_INVALID);
	n = sizeof(out);
	OK(p11v3->C_EncryptMessage(s, &p, sizeof(p), NULL, 0, plain, 16, out,
	                           &n));
	/* Multi-part messages are not offered. */
	RV(p11v3->C_EncryptMessageBegin(s, &p, sizeof(p), NULL, 0),
	   CKR_FUNCTION_NOT_SUPPORTED);
	/* C_SessionCancel ends it like a Final. */
	OK(p11v3->C_SessionCancel(s, CKF_MESSAGE_ENCRYPT));
	RV(p11v3->C_EncryptMessage(s, &p, sizeof(p), NULL, 0, plain, 16, out,
	                           &n),
	   CKR_OPERATION_NOT_INITIALIZED);
	/* ChaCha20-Poly1305 takes 8-, 12- or 24-byte nonces. */
	OK(p11v3->C_MessageEncryptInit(s, &chacha_mechanism, chacha));
	uint8_t nonce[16] = {0};
	GUARDHSM_SALSA20_CHACHA20_POLY1305_MSG_PARAMS cp = {nonce, 16, tag};
	RV(p11v3->C_EncryptMessage(s, &cp, sizeof(cp), NULL, 0, plain, 16, out,
	                           &n),
	   CKR_MECHANISM_PARAM_INVALID);
	/* Closing the session ends the operation with it. */
	OK(p11->C_CloseSession(s));
}

/* The mechanism table says what it offers. */
static void test_mechanism_info(void **state)
{
	(void)state;
	CK_MECHANISM_INFO info;
	static const CK_MECHANISM_TYPE types[] = {CKM_AES_GCM,
	                                          CKM_CHACHA20_POLY1305};
	for (size_t i = 0; i < H_ARRAY_SIZE(types); i++) {
		OK(p11->C_GetMechanismInfo(H.slot, types[i], &info));
		assert_true(info.flags & CKF_MESSAGE_ENCRYPT);
		assert_true(info.flags & CKF_MESSAGE_DECRYPT);
		assert_false(info.flags & CKF_MULTI_MESSAGE);
	}
	OK(p11->C_GetMechanismInfo(H.slot, CKM_AES_CBC, &info));
	assert_false(info.flags & (CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_gcm_against_openssl),
	        T(test_gcm_many_messages),
	        T(test_chacha),
	        T(test_iv_generation),
	        T(test_length_protocol),
	        T(test_refusals),
	        T(test_mechanism_info),
	};
#undef T
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
