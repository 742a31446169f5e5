/* Errors of the encryption API with the symmetric mechanisms, through
 * the real module: every mechanism-parameter error (CBC IVs, CTR counter
 * bits, GCM IV and tag lengths, CCM nonce and tag lengths and ulDataLen,
 * ChaCha20-Poly1305 nonces) refused by both inits with no operation left
 * behind; key and state errors (wrong key type, CKA_ENCRYPT / CKA_DECRYPT,
 * CKA_ALLOWED_MECHANISMS, mechanisms that do not encrypt, an operation
 * active twice or not at all, single-part-only mechanisms, a destroyed
 * key, a closed session). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_symmetric.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t key16[16], key32[32];

static CK_OBJECT_HANDLE aes_key(CK_SESSION_HANDLE s, size_t length)
{
	uint8_t *value = length == 16 ? key16 : key32;
	s_fill(value, length, (unsigned)length);
	return s_import_key(s, CKK_AES, value, length);
}

/* ===================================================================== */
/* Mechanism parameters                                                    */
/* ===================================================================== */

/* Both inits refuse the mechanism, and leave no operation behind. */
static void refuse_params(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                          CK_OBJECT_HANDLE key, const char *what)
{
	RVW(what, p11->C_EncryptInit(s, m, key), CKR_MECHANISM_PARAM_INVALID);
	RVW(what, p11->C_DecryptInit(s, m, key), CKR_MECHANISM_PARAM_INVALID);
	uint8_t data[16] = {0}, out[64];
	CK_ULONG n = sizeof(out);
	RVW(what, p11->C_Encrypt(s, data, 16, out, &n),
	    CKR_OPERATION_NOT_INITIALIZED);
	n = sizeof(out);
	RVW(what, p11->C_Decrypt(s, data, 16, out, &n),
	    CKR_OPERATION_NOT_INITIALIZED);
}

static void test_mechanism_param_errors(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	CK_OBJECT_HANDLE key = aes_key(s, 16);
	uint8_t chacha_value[32];
	s_fill(chacha_value, sizeof(chacha_value), 13);
	CK_OBJECT_HANDLE chacha =
	        s_import_key(s, CKK_CHACHA20, chacha_value, 32);
	uint8_t iv[64];
	s_fill(iv, sizeof(iv), 14);
	s_mechanism m;

	/* CBC, CBC_PAD: a 16-byte IV and nothing else. */
	CK_MECHANISM_TYPE cbc[] = {CKM_AES_CBC, CKM_AES_CBC_PAD};
	for (size_t i = 0; i < 2; i++) {
		CK_MECHANISM bad = {cbc[i], iv, 15};
		refuse_params(s, &bad, key, "CBC IV of 15 bytes");
		bad.ulParameterLen = 17;
		refuse_params(s, &bad, key, "CBC IV of 17 bytes");
		bad.pParameter = NULL;
		bad.ulParameterLen = 0;
		refuse_params(s, &bad, key, "CBC without an IV");
		bad.ulParameterLen = 16;
		refuse_params(s, &bad, key, "CBC with a NULL IV of 16 bytes");
	}
	CK_MECHANISM ecb = {CKM_AES_ECB, iv, 16};
	refuse_params(s, &ecb, key, "ECB with an IV");

	/* CTR: 1..128 counter bits. */
	s_mech_ctr(&m, iv, 0);
	refuse_params(s, &m.mechanism, key, "CTR, 0 counter bits");
	s_mech_ctr(&m, iv, 129);
	refuse_params(s, &m.mechanism, key, "CTR, 129 counter bits");
	s_mech_ctr(&m, iv, 64);
	m.mechanism.ulParameterLen -= 1;
	refuse_params(s, &m.mechanism, key, "CTR, short parameter");
	m.mechanism.pParameter = NULL;
	m.mechanism.ulParameterLen = 0;
	refuse_params(s, &m.mechanism, key, "CTR without a parameter");

	/* GCM. */
	s_mech_gcm(&m, iv, 12, NULL, 0, 0);
	refuse_params(s, &m.mechanism, key, "GCM, tag of 0 bits");
	s_mech_gcm(&m, iv, 12, NULL, 0, 136);
	refuse_params(s, &m.mechanism, key, "GCM, tag of 136 bits");
	s_mech_gcm(&m, iv, 12, NULL, 0, 7);
	refuse_params(s, &m.mechanism, key, "GCM, tag of 7 bits");
	s_mech_gcm(&m, iv, 12, NULL, 0, 100);
	refuse_params(s, &m.mechanism, key, "GCM, tag of 100 bits");
	s_mech_gcm(&m, iv, 0, NULL, 0, 128);
	refuse_params(s, &m.mechanism, key, "GCM, IV of 0 bytes");
	s_mech_gcm(&m, NULL, 12, NULL, 0, 128);
	refuse_params(s, &m.mechanism, key, "GCM, NULL IV");
	s_mech_gcm(&m, iv, 12, NULL, 5, 128);
	refuse_params(s, &m.mechanism, key, "GCM, NULL AAD of 5 bytes");
	s_mech_gcm(&m, iv, 12, NULL, 0, 128);
	m.params.gcm.ulIvBits = 95;
	refuse_params(s, &m.mechanism, key, "GCM, ulIvBits disagrees");
	s_mech_gcm(&m, iv, 12, NULL, 0, 128);
	m.mechanism.ulParameterLen = 8;
	refuse_params(s, &m.mechanism, key, "GCM, short parameter");
	m.mechanism.pParameter = NULL;
	m.mechanism.ulParameterLen = 0;
	refuse_params(s, &m.mechanism, key, "GCM without a parameter");

	/* CCM: nonce 7..13, tag 4..16 and even. */
	s_mech_ccm(&m, 16, iv, 6, NULL, 0, 16);
	refuse_params(s, &m.mechanism, key, "CCM, nonce of 6 bytes");
	s_mech_ccm(&m, 16, iv, 14, NULL, 0, 16);
	refuse_params(s, &m.mechanism, key, "CCM, nonce of 14 bytes");
	static const CK_ULONG bad_tags[] = {0, 2, 5, 15, 18};
	for (size_t t = 0; t < H_ARRAY_SIZE(bad_tags); t++) {
		char what[48];
		snprintf(what, sizeof(what), "CCM, tag of %lu bytes",
		         (unsigned long)bad_tags[t]);
		s_mech_ccm(&m, 16, iv, 12, NULL, 0, bad_tags[t]);
		refuse_params(s, &m.mechanism, key, what);
	}
	/* A 13-byte nonce leaves 2 bytes for the length: 65536 is too
	 * many. */
	s_mech_ccm(&m, 65536, iv, 13, NULL, 0, 16);
	refuse_params(s, &m.mechanism, key, "CCM, data too long for L=2");
	s_mech_ccm(&m, 16, NULL, 12, NULL, 0, 16);
	refuse_params(s, &m.mechanism, key, "CCM, NULL nonce");
	m.mechanism.pParameter = NULL;
	m.mechanism.ulParameterLen = 0;
	refuse_params(s, &m.mechanism, key, "CCM without a parameter");

	/* ChaCha20-Poly1305: nonces of 8, 12 or 24 bytes. */
	static const size_t bad_nonces[] = {0, 7, 16, 25};
	for (size_t i = 0; i < H_ARRAY_SIZE(bad_nonces); i++) {
		char what[64];
		snprintf(what, sizeof(what), "ChaCha20-Poly1305, nonce of %zu",
		         bad_nonces[i]);
		s_mech_chacha(&m, iv, bad_nonces[i], NULL, 0);
		refuse_params(s, &m.mechanism, chacha, what);
	}
	s_mech_chacha(&m, NULL, 12, NULL, 0);
	refuse_params(s, &m.mechanism, chacha, "ChaCha20-Poly1305, NULL nonce");
	m.mechanism.pParameter = NULL;
	m.mechanism.ulParameterLen = 0;
	refuse_params(s, &m.mechanism, chacha,
	              "ChaCha20-Poly1305 without a parameter");

	/* CCM: the data must be as long as ulDataLen said. */
	uint8_t data[32], out[64];
	s_fill(data, sizeof(data), 15);
	s_mech_ccm(&m, 16, iv, 12, NULL, 0, 16);
	size_t n = sizeof(out);
	RV(s_encrypt(s, &m.mechanism, key, data, 17, out, &n),
	   CKR_DATA_LEN_RANGE);
	n = sizeof(out);
	RV(s_encrypt(s, &m.mechanism, key, data, 15, out, &n),
	   CKR_DATA_LEN_RANGE);
	n = sizeof(out);
	OK(s_encrypt(s, &m.mechanism, key, data, 16, out, &n));
	assert_int_equal(n, 32);

	/* After all that, the key still works. */
	s_mech_gcm(&m, iv, 12, NULL, 0, 128);
	n = sizeof(out);
	OK(s_encrypt(s, &m.mechanism, key, data, 16, out, &n));
	assert_int_equal(n, 32);
}

/* ===================================================================== */
/* Keys and operation state                                                */
/* ===================================================================== */

static void test_key_and_state_errors(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	CK_OBJECT_HANDLE key = aes_key(s, 16);
	uint8_t iv[16], data[32], out[64];
	s_fill(iv, sizeof(iv), 16);
	s_fill(data, sizeof(data), 17);
	s_mechanism cbc;
	s_mech_cbc(&cbc, CKM_AES_CBC, iv);

	/* Key types. */
	CK_OBJECT_HANDLE hmac = s_import_key(s, CKK_GENERIC_SECRET, key32, 32);
	RV(p11->C_EncryptInit(s, &cbc.mechanism, hmac),
	   CKR_KEY_TYPE_INCONSISTENT);
	RV(p11->C_DecryptInit(s, &cbc.mechanism, hmac),
	   CKR_KEY_TYPE_INCONSISTENT);
	CK_OBJECT_HANDLE chacha = s_import_key(s, CKK_CHACHA20, key32, 32);
	RV(p11->C_EncryptInit(s, &cbc.mechanism, chacha),
	   CKR_KEY_TYPE_INCONSISTENT);
	s_mechanism aead;
	s_mech_chacha(&aead, iv, 12, NULL, 0);
	RV(p11->C_EncryptInit(s, &aead.mechanism, key),
	   CKR_KEY_TYPE_INCONSISTENT);
	s_mech_gcm(&aead, iv, 12, NULL, 0, 128);
	RV(p11->C_EncryptInit(s, &aead.mechanism, chacha),
	   CKR_KEY_TYPE_INCONSISTENT);

	/* Usage flags. */
	CK_ATTRIBUTE no_encrypt[] = {H_ATTR_VAR(CKA_ENCRYPT, h_false)};
	CK_OBJECT_HANDLE decrypt_only;
	OK(s_import_key_rv(s, CKK_AES, key16, 16, no_encrypt, 1,
	                   &decrypt_only));
	RV(p11->C_EncryptInit(s, &cbc.mechanism, decrypt_only),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);
	OK(p11->C_DecryptInit(s, &cbc.mechanism, decrypt_only));
	CK_ULONG n = sizeof(out);
	OK(p11->C_Decrypt(s, data, 32, out, &n));
	CK_ATTRIBUTE no_decrypt[] = {H_ATTR_VAR(CKA_DECRYPT, h_false)};
	CK_OBJECT_HANDLE encrypt_only;
	OK(s_import_key_rv(s, CKK_AES, key16, 16, no_decrypt, 1,
	                   &encrypt_only));
	RV(p11->C_DecryptInit(s, &cbc.mechanism, encrypt_only),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);
	OK(p11->C_EncryptInit(s, &cbc.mechanism, encrypt_only));
	n = sizeof(out);
	OK(p11->C_Encrypt(s, data, 32, out, &n));

	/* CKA_ALLOWED_MECHANISMS. */
	CK_MECHANISM_TYPE allowed[] = {CKM_AES_GCM, CKM_AES_CTR};
	CK_ATTRIBUTE only_gcm[] = {
	        H_ATTR(CKA_ALLOWED_MECHANISMS, allowed, sizeof(allowed))};
	CK_OBJECT_HANDLE limited;
	OK(s_import_key_rv(s, CKK_AES, key16, 16, only_gcm, 1, &limited));
	RV(p11->C_EncryptInit(s, &cbc.mechanism, limited),
	   CKR_MECHANISM_INVALID);
	RV(p11->C_DecryptInit(s, &cbc.mechanism, limited),
	   CKR_MECHANISM_INVALID);
	OK(p11->C_EncryptInit(s, &aead.mechanism, limited));
	n = sizeof(out);
	OK(p11->C_Encrypt(s, data, 16, out, &n));

	/* Mechanisms that do not encrypt, and unknown handles. */
	CK_MECHANISM cmac = {CKM_AES_CMAC, NULL, 0};
	RV(p11->C_EncryptInit(s, &cmac, key), CKR_MECHANISM_INVALID);
	CK_MECHANISM keygen = {CKM_AES_KEY_GEN, NULL, 0};
	RV(p11->C_EncryptInit(s, &keygen, key), CKR_MECHANISM_INVALID);
	CK_MECHANISM unknown = {0x7ffffff0UL, NULL, 0};
	RV(p11->C_DecryptInit(s, &unknown, key), CKR_MECHANISM_INVALID);
	RV(p11->C_EncryptInit(s, &cbc.mechanism, 9999), CKR_KEY_HANDLE_INVALID);
	RV(p11->C_EncryptInit(s, NULL, key), CKR_ARGUMENTS_BAD);
	RV(p11->C_EncryptInit(9999, &cbc.mechanism, key),
	   CKR_SESSION_HANDLE_INVALID);

	/* State: no operation, then twice. */
	n = sizeof(out);
	RV(p11->C_Encrypt(s, data, 16, out, &n), CKR_OPERATION_NOT_INITIALIZED);
	RV(p11->C_EncryptUpdate(s, data, 16, out, &n),
	   CKR_OPERATION_NOT_INITIALIZED);
	RV(p11->C_EncryptFinal(s, out, &n), CKR_OPERATION_NOT_INITIALIZED);
	RV(p11->C_Decrypt(s, data, 16, out, &n), CKR_OPERATION_NOT_INITIALIZED);
	RV(p11->C_DecryptUpdate(s, data, 16, out, &n),
	   CKR_OPERATION_NOT_INITIALIZED);
	RV(p11->C_DecryptFinal(s, out, &n), CKR_OPERATION_NOT_INITIALIZED);
	OK(p11->C_EncryptInit(s, &cbc.mechanism, key));
	RV(p11->C_EncryptInit(s, &cbc.mechanism, key), CKR_OPERATION_ACTIVE);
	/* Decryption is a separate operation and may run alongside. */
	OK(p11->C_DecryptInit(s, &cbc.mechanism, key));
	uint8_t expected[32];
	o_cipher("AES-128-CBC", true, false, key16, iv, data, 32, expected);
	n = sizeof(out);
	OK(p11->C_Encrypt(s, data, 32, out, &n));
	s_same("CBC after a refused second init", out, n, expected, 32);
	n = sizeof(out);
	OK(p11->C_Decrypt(s, expected, 32, out, &n));
	s_same("CBC decryption alongside", out, n, data, 32);

	/* KEY_WRAP is single-part: C_EncryptUpdate is refused and ends the
	 * operation, as a failed update does. */
	CK_MECHANISM kw = {CKM_AES_KEY_WRAP, NULL, 0};
	CK_MECHANISM_TYPE single_only[] = {
	        CKM_AES_KEY_WRAP, CKM_AES_KEY_WRAP_PAD, CKM_AES_KEY_WRAP_KWP};
	for (size_t i = 0; i < H_ARRAY_SIZE(single_only); i++) {
		kw.mechanism = single_only[i];
		OK(p11->C_EncryptInit(s, &kw, key));
		n = sizeof(out);
		RV(p11->C_EncryptUpdate(s, data, 16, out, &n),
		   CKR_FUNCTION_NOT_SUPPORTED);
		n = sizeof(out);
		RV(p11->C_Encrypt(s, data, 16, out, &n),
		   CKR_OPERATION_NOT_INITIALIZED);
		OK(p11->C_DecryptInit(s, &kw, key));
		n = sizeof(out);
		RV(p11->C_DecryptFinal(s, out, &n), CKR_FUNCTION_NOT_SUPPORTED);
		RV(p11->C_DecryptFinal(s, out, &n),
		   CKR_OPERATION_NOT_INITIALIZED);
	}
	/* A destroyed key's running operation is not affected, but a new
	 * init with its handle is refused. */
	OK(p11->C_EncryptInit(s, &cbc.mechanism, encrypt_only));
	OK(p11->C_DestroyObject(s, encrypt_only));
	n = sizeof(out);
	OK(p11->C_Encrypt(s, data, 32, out, &n));
	RV(p11->C_EncryptInit(s, &cbc.mechanism, encrypt_only),
	   CKR_KEY_HANDLE_INVALID);
	/* Closing the session ends its operations. */
	OK(p11->C_EncryptInit(s, &cbc.mechanism, key));
	OK(p11->C_CloseSession(s));
	n = sizeof(out);
	RV(p11->C_Encrypt(s, data, 16, out, &n), CKR_SESSION_HANDLE_INVALID);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_mechanism_param_errors),
	        T(test_key_and_state_errors),
	};
#undef T
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
