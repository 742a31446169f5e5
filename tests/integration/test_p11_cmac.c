/* AES-CMAC and secret-key generation through the real module:
 *  - CKM_AES_CMAC and CKM_AES_CMAC_GENERAL (1..16 bytes) with AES-128/192/
 *    256, single- and multi-part, against OpenSSL's CMAC and the RFC 4493
 *    section 4 vectors; verification, tampering, wrong lengths, and the
 *    parameter and key errors;
 *  - C_GenerateKey with CKM_AES_KEY_GEN (16, 24, 32 bytes; other lengths
 *    and a missing CKA_VALUE_LEN refused with the codes of PKCS#11 3.0
 *    section 4.1.1) and CKM_CHACHA20_KEY_GEN (32 bytes by default):
 *    the attributes a generated key has, and that it encrypts as OpenSSL
 *    does with its value. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_symmetric.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static CK_ULONG sign_one(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                         CK_OBJECT_HANDLE key, const uint8_t *data,
                         size_t length, uint8_t *mac)
{
	OK(p11->C_SignInit(s, m, key));
	CK_ULONG n = 0;
	OK(p11->C_Sign(s, (CK_BYTE_PTR)data, length, NULL, &n));
	CK_ULONG wanted = n;
	OK(p11->C_Sign(s, (CK_BYTE_PTR)data, length, mac, &n));
	assert_int_equal(n, wanted);
	return n;
}

/* Parts of 1, 15 and 17 bytes (and an empty one), then the final. */
static CK_ULONG sign_multi(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                           CK_OBJECT_HANDLE key, const uint8_t *data,
                           size_t length, uint8_t *mac)
{
	static const size_t parts[] = {0, 1, 15, 17};
	OK(p11->C_SignInit(s, m, key));
	size_t done = 0;
	for (size_t i = 0; done < length || i == 0; i++) {
		size_t part = parts[i % 4];
		if (part > length - done)
			part = length - done;
		OK(p11->C_SignUpdate(s, (CK_BYTE_PTR)data + done, part));
		done += part;
	}
	CK_ULONG n = 16;
	OK(p11->C_SignFinal(s, mac, &n));
	return n;
}

static CK_RV verify_one(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                        CK_OBJECT_HANDLE key, const uint8_t *data,
                        size_t length, const uint8_t *mac, size_t mac_length)
{
	OK(p11->C_VerifyInit(s, m, key));
	return p11->C_Verify(s, (CK_BYTE_PTR)data, length, (CK_BYTE_PTR)mac,
	                     mac_length);
}

static CK_RV verify_multi(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                          CK_OBJECT_HANDLE key, const uint8_t *data,
                          size_t length, const uint8_t *mac, size_t mac_length)
{
	OK(p11->C_VerifyInit(s, m, key));
	size_t half = length / 2;
	OK(p11->C_VerifyUpdate(s, (CK_BYTE_PTR)data, half));
	OK(p11->C_VerifyUpdate(s, (CK_BYTE_PTR)data + half, length - half));
	return p11->C_VerifyFinal(s, (CK_BYTE_PTR)mac, mac_length);
}

/* RFC 4493 section 4: AES-128, messages of 0, 16, 40 and 64 bytes. */
static void test_cmac_rfc4493(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	uint8_t key_value[16], message[64];
	s_unhex("2b7e151628aed2a6abf7158809cf4f3c", key_value, 16);
	s_unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e"
	        "51"
	        "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c37"
	        "10",
	        message, sizeof(message));
	/* Sensitive and unextractable: the token's defaults. */
	CK_ATTRIBUTE hidden[] = {H_ATTR_VAR(CKA_SENSITIVE, h_true),
	                         H_ATTR_VAR(CKA_EXTRACTABLE, h_false)};
	CK_OBJECT_HANDLE key;
	OK(s_import_key_rv(s, CKK_AES, key_value, 16, hidden, 2, &key));
	static const struct {
		size_t length;
		const char *mac;
	} vectors[] = {
	        {0, "bb1d6929e95937287fa37d129b756746"},
	        {16, "070a16b46b4d4144f79bdd9dd04a287c"},
	        {40, "dfa66747de9ae63030ca32611497c827"},
	        {64, "51f0bebf7e3b9d92fc49741779363cfe"},
	};
	CK_MECHANISM m = {CKM_AES_CMAC, NULL, 0};
	for (size_t v = 0; v < H_ARRAY_SIZE(vectors); v++) {
		uint8_t expected[16], mac[16];
		s_unhex(vectors[v].mac, expected, 16);
		char what[64];
		snprintf(what, sizeof(what), "RFC 4493, %zu-byte message",
		         vectors[v].length);
		CK_ULONG n =
		        sign_one(s, &m, key, message, vectors[v].length, mac);
		s_same(what, mac, n, expected, 16);
		n = sign_multi(s, &m, key, message, vectors[v].length, mac);
		s_same(what, mac, n, expected, 16);
		OKW(what, verify_one(s, &m, key, message, vectors[v].length,
		                     expected, 16));
		OKW(what, verify_multi(s, &m, key, message, vectors[v].length,
		                       expected, 16));
	}
}

static void test_cmac_openssl(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	uint8_t message[1000];
	s_fill(message, sizeof(message), 1);
	static const size_t key_lengths[] = {16, 24, 32};
	static const size_t lengths[] = {0, 1, 15, 16, 17, 64, 1000};
	for (size_t k = 0; k < H_ARRAY_SIZE(key_lengths); k++) {
		uint8_t key_value[32];
		s_fill(key_value, key_lengths[k], 2 + (unsigned)k);
		CK_OBJECT_HANDLE key =
		        s_import_key(s, CKK_AES, key_value, key_lengths[k]);
		for (size_t l = 0; l < H_ARRAY_SIZE(lengths); l++) {
			uint8_t expected[16], mac[16];
			o_cmac(key_value, key_lengths[k], message, lengths[l],
			       expected);
			char what[64];
			snprintf(what, sizeof(what),
			         "AES-%zu-CMAC of %zu bytes",
			         key_lengths[k] * 8, lengths[l]);
			CK_MECHANISM m = {CKM_AES_CMAC, NULL, 0};
			CK_ULONG n =
			        sign_one(s, &m, key, message, lengths[l], mac);
			s_same(what, mac, n, expected, 16);
			n = sign_multi(s, &m, key, message, lengths[l], mac);
			s_same(what, mac, n, expected, 16);
			OKW(what, verify_one(s, &m, key, message, lengths[l],
			                     expected, 16));
			OKW(what, verify_multi(s, &m, key, message, lengths[l],
			                       expected, 16));
			expected[15] ^= 0x01;
			RVW(what,
			    verify_one(s, &m, key, message, lengths[l],
			               expected, 16),
			    CKR_SIGNATURE_INVALID);
			RVW(what,
			    verify_multi(s, &m, key, message, lengths[l],
			                 expected, 16),
			    CKR_SIGNATURE_INVALID);
			expected[15] ^= 0x01;
			RVW(what,
			    verify_one(s, &m, key, message, lengths[l],
			               expected, 15),
			    CKR_SIGNATURE_LEN_RANGE);
			if (lengths[l] > 0) {
				uint8_t other[1000];
				memcpy(other, message, lengths[l]);
				other[lengths[l] - 1] ^= 0x40;
				RVW(what,
				    verify_one(s, &m, key, other, lengths[l],
				               expected, 16),
				    CKR_SIGNATURE_INVALID);
			}
			/* _GENERAL: every length, a prefix of the full MAC. */
			for (CK_ULONG g = 1; g <= 16; g++) {
				CK_MECHANISM general = {CKM_AES_CMAC_GENERAL,
				                        &g, sizeof(g)};
				n = sign_one(s, &general, key, message,
				             lengths[l], mac);
				s_same(what, mac, n, expected, g);
				n = sign_multi(s, &general, key, message,
				               lengths[l], mac);
				s_same(what, mac, n, expected, g);
				OKW(what, verify_one(s, &general, key, message,
				                     lengths[l], expected, g));
				OKW(what,
				    verify_multi(s, &general, key, message,
				                 lengths[l], expected, g));
				mac[g - 1] ^= 0x01;
				RVW(what,
				    verify_one(s, &general, key, message,
				               lengths[l], mac, g),
				    CKR_SIGNATURE_INVALID);
				if (g < 16)
					RVW(what,
					    verify_one(s, &general, key,
					               message, lengths[l],
					               expected, 16),
					    CKR_SIGNATURE_LEN_RANGE);
			}
		}
	}
}

static void test_cmac_errors(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	uint8_t key_value[32], mac[16];
	s_fill(key_value, sizeof(key_value), 5);
	CK_OBJECT_HANDLE key = s_import_key(s, CKK_AES, key_value, 16);
	static const CK_ULONG bad_lengths[] = {0, 17, 32};
	for (size_t i = 0; i < H_ARRAY_SIZE(bad_lengths); i++) {
		CK_ULONG g = bad_lengths[i];
		CK_MECHANISM general = {CKM_AES_CMAC_GENERAL, &g, sizeof(g)};
		RV(p11->C_SignInit(s, &general, key),
		   CKR_MECHANISM_PARAM_INVALID);
		RV(p11->C_VerifyInit(s, &general, key),
		   CKR_MECHANISM_PARAM_INVALID);
	}
	CK_MECHANISM general = {CKM_AES_CMAC_GENERAL, NULL, 0};
	RV(p11->C_SignInit(s, &general, key), CKR_MECHANISM_PARAM_INVALID);
	CK_ULONG g = 8;
	general.pParameter = &g;
	general.ulParameterLen = sizeof(g) - 1;
	RV(p11->C_SignInit(s, &general, key), CKR_MECHANISM_PARAM_INVALID);
	CK_MECHANISM plain = {CKM_AES_CMAC, &g, sizeof(g)};
	RV(p11->C_SignInit(s, &plain, key), CKR_MECHANISM_PARAM_INVALID);
	CK_ULONG n = sizeof(mac);
	RV(p11->C_Sign(s, key_value, 16, mac, &n),
	   CKR_OPERATION_NOT_INITIALIZED);

	/* Keys of other types. */
	plain.pParameter = NULL;
	plain.ulParameterLen = 0;
	CK_OBJECT_HANDLE hmac =
	        s_import_key(s, CKK_GENERIC_SECRET, key_value, 16);
	RV(p11->C_SignInit(s, &plain, hmac), CKR_KEY_TYPE_INCONSISTENT);
	CK_OBJECT_HANDLE chacha = s_import_key(s, CKK_CHACHA20, key_value, 32);
	RV(p11->C_VerifyInit(s, &plain, chacha), CKR_KEY_TYPE_INCONSISTENT);
	/* Usage flags. */
	CK_ATTRIBUTE no_sign[] = {H_ATTR_VAR(CKA_SIGN, h_false)};
	CK_OBJECT_HANDLE verify_only;
	OK(s_import_key_rv(s, CKK_AES, key_value, 16, no_sign, 1,
	                   &verify_only));
	RV(p11->C_SignInit(s, &plain, verify_only),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);
	OK(p11->C_VerifyInit(s, &plain, verify_only));
	/* The length protocol of C_Sign. */
	OK(p11->C_SignInit(s, &plain, key));
	n = 0;
	OK(p11->C_Sign(s, key_value, 16, NULL, &n));
	assert_int_equal(n, 16);
	n = 15;
	RV(p11->C_Sign(s, key_value, 16, mac, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 16);
	OK(p11->C_Sign(s, key_value, 16, mac, &n));
	uint8_t expected[16];
	o_cmac(key_value, 16, key_value, 16, expected);
	s_same("CMAC after CKR_BUFFER_TOO_SMALL", mac, n, expected, 16);
}

/* ===================================================================== */
/* C_GenerateKey                                                           */
/* ===================================================================== */

static CK_RV generate_rv(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE type,
                         const CK_ULONG *length, bool readable,
                         CK_OBJECT_HANDLE *key)
{
	CK_MECHANISM m = {type, NULL, 0};
	CK_ULONG value_length = length ? *length : 0;
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_ENCRYPT, h_true),
	        H_ATTR_VAR(CKA_DECRYPT, h_true),
	        H_ATTR(CKA_SENSITIVE, readable ? &h_false : &h_true, 1),
	        H_ATTR(CKA_EXTRACTABLE, readable ? &h_true : &h_false, 1),
	        H_ATTR_VAR(CKA_VALUE_LEN, value_length),
	};
	*key = CK_INVALID_HANDLE;
	return p11->C_GenerateKey(s, &m, template,
	                          H_ARRAY_SIZE(template) - (length ? 0 : 1),
	                          key);
}

/* The key encrypts with AES-CBC / ChaCha20-Poly1305 as OpenSSL does with
 * its value (read from the readable key). */
static void check_generated(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
                            CK_KEY_TYPE type, CK_MECHANISM_TYPE generator,
                            size_t length, bool readable)
{
	assert_int_equal(h_get_ulong(s, key, CKA_CLASS), CKO_SECRET_KEY);
	assert_int_equal(h_get_ulong(s, key, CKA_KEY_TYPE), type);
	assert_int_equal(h_get_ulong(s, key, CKA_VALUE_LEN), length);
	assert_int_equal(h_get_bool(s, key, CKA_LOCAL), CK_TRUE);
	assert_int_equal(h_get_ulong(s, key, CKA_KEY_GEN_MECHANISM), generator);
	assert_int_equal(h_get_bool(s, key, CKA_ALWAYS_SENSITIVE),
	                 readable ? CK_FALSE : CK_TRUE);
	assert_int_equal(h_get_bool(s, key, CKA_NEVER_EXTRACTABLE),
	                 readable ? CK_FALSE : CK_TRUE);
	uint8_t value[64], data[48], iv[16], expected[80], out[80];
	s_fill(data, sizeof(data), 7);
	s_fill(iv, sizeof(iv), 8);
	if (!readable) {
		CK_ATTRIBUTE attribute =
		        H_ATTR(CKA_VALUE, value, sizeof(value));
		RV(p11->C_GetAttributeValue(s, key, &attribute, 1),
		   CKR_ATTRIBUTE_SENSITIVE);
		/* It still works: a round trip. */
		s_mechanism m;
		if (type == CKK_AES)
			s_mech_cbc(&m, CKM_AES_CBC_PAD, iv);
		else
			s_mech_chacha(&m, iv, 12, NULL, 0);
		size_t n = sizeof(out), back = sizeof(value);
		OK(s_encrypt(s, &m.mechanism, key, data, sizeof(data), out,
		             &n));
		OK(s_decrypt(s, &m.mechanism, key, out, n, value, &back));
		s_same("round trip with a generated key", value, back, data,
		       sizeof(data));
		return;
	}
	assert_int_equal(s_key_value(s, key, value, sizeof(value)), length);
	s_mechanism m;
	size_t expected_length;
	if (type == CKK_AES) {
		s_mech_cbc(&m, CKM_AES_CBC_PAD, iv);
		expected_length =
		        o_cipher(o_aes_name(length, "CBC"), true, true, value,
		                 iv, data, sizeof(data), expected);
	} else {
		s_mech_chacha(&m, iv, 12, NULL, 0);
		expected_length =
		        o_aead_encrypt(O_CHACHA, value, 32, iv, 12, NULL, 0, 16,
		                       data, sizeof(data), expected);
	}
	size_t n = sizeof(out);
	OK(s_encrypt(s, &m.mechanism, key, data, sizeof(data), out, &n));
	s_same("a generated key against OpenSSL", out, n, expected,
	       expected_length);
	n = sizeof(out);
	OK(s_decrypt(s, &m.mechanism, key, expected, expected_length, out, &n));
	s_same("a generated key decrypting", out, n, data, sizeof(data));
}

static void test_generate_aes(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	static const CK_ULONG lengths[] = {16, 24, 32};
	uint8_t first[32], second[32];
	for (size_t l = 0; l < H_ARRAY_SIZE(lengths); l++) {
		for (int readable = 0; readable < 2; readable++) {
			CK_OBJECT_HANDLE key;
			OK(generate_rv(s, CKM_AES_KEY_GEN, &lengths[l],
			               readable, &key));
			check_generated(s, key, CKK_AES, CKM_AES_KEY_GEN,
			                lengths[l], readable);
		}
	}
	/* Two keys differ. */
	CK_OBJECT_HANDLE a, b;
	OK(generate_rv(s, CKM_AES_KEY_GEN, &lengths[2], true, &a));
	OK(generate_rv(s, CKM_AES_KEY_GEN, &lengths[2], true, &b));
	s_key_value(s, a, first, 32);
	s_key_value(s, b, second, 32);
	assert_memory_not_equal(first, second, 32);

	/* CKA_VALUE_LEN is required for AES (section 4.1.1: a template
	 * lacking an attribute the object needs is incomplete), and must be
	 * one of AES's sizes (an invalid attribute value). */
	CK_OBJECT_HANDLE key;
	RV(generate_rv(s, CKM_AES_KEY_GEN, NULL, false, &key),
	   CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(key, CK_INVALID_HANDLE);
	static const CK_ULONG bad[] = {0, 8, 20, 31, 33, 64};
	for (size_t i = 0; i < H_ARRAY_SIZE(bad); i++) {
		char what[48];
		snprintf(what, sizeof(what), "AES key of %lu bytes",
		         (unsigned long)bad[i]);
		RVW(what, generate_rv(s, CKM_AES_KEY_GEN, &bad[i], false, &key),
		    CKR_ATTRIBUTE_VALUE_INVALID);
	}
	/* A template naming another type (with a length both types
	 * allow); a mechanism parameter. */
	CK_KEY_TYPE chacha = CKK_CHACHA20;
	CK_ULONG sixteen = 16, thirty_two = 32;
	CK_ATTRIBUTE wrong_type[] = {H_ATTR_VAR(CKA_KEY_TYPE, chacha),
	                             H_ATTR_VAR(CKA_VALUE_LEN, thirty_two)};
	CK_MECHANISM m = {CKM_AES_KEY_GEN, NULL, 0};
	RV(p11->C_GenerateKey(s, &m, wrong_type, 2, &key),
	   CKR_TEMPLATE_INCONSISTENT);
	CK_ATTRIBUTE length_only[] = {H_ATTR_VAR(CKA_VALUE_LEN, sixteen)};
	m.pParameter = &sixteen;
	m.ulParameterLen = sizeof(sixteen);
	RV(p11->C_GenerateKey(s, &m, length_only, 1, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	RV(p11->C_GenerateKey(s, NULL, length_only, 1, &key),
	   CKR_ARGUMENTS_BAD);
	m.pParameter = NULL;
	m.ulParameterLen = 0;
	RV(p11->C_GenerateKey(s, &m, length_only, 1, NULL), CKR_ARGUMENTS_BAD);
	/* The value itself cannot be given. */
	CK_ATTRIBUTE with_value[] = {H_ATTR_VAR(CKA_VALUE_LEN, sixteen),
	                             H_ATTR(CKA_VALUE, first, 16)};
	CK_RV rv = p11->C_GenerateKey(s, &m, with_value, 2, &key);
	if (rv != CKR_TEMPLATE_INCONSISTENT && rv != CKR_ATTRIBUTE_READ_ONLY)
		fail_msg("C_GenerateKey with CKA_VALUE: %s", s_rv_name(rv));
}

static void test_generate_chacha20(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	CK_OBJECT_HANDLE key;
	/* One size: CKA_VALUE_LEN may be left out. */
	OK(generate_rv(s, CKM_CHACHA20_KEY_GEN, NULL, true, &key));
	check_generated(s, key, CKK_CHACHA20, CKM_CHACHA20_KEY_GEN, 32, true);
	OK(generate_rv(s, CKM_CHACHA20_KEY_GEN, NULL, false, &key));
	check_generated(s, key, CKK_CHACHA20, CKM_CHACHA20_KEY_GEN, 32, false);
	CK_ULONG length = 32;
	OK(generate_rv(s, CKM_CHACHA20_KEY_GEN, &length, true, &key));
	check_generated(s, key, CKK_CHACHA20, CKM_CHACHA20_KEY_GEN, 32, true);
	length = 16;
	RV(generate_rv(s, CKM_CHACHA20_KEY_GEN, &length, true, &key),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	CK_MECHANISM m = {CKM_CHACHA20_KEY_GEN, &length, sizeof(length)};
	RV(p11->C_GenerateKey(s, &m, NULL, 0, &key),
	   CKR_MECHANISM_PARAM_INVALID);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_cmac_rfc4493),      T(test_cmac_openssl),
	        T(test_cmac_errors),       T(test_generate_aes),
	        T(test_generate_chacha20),
	};
#undef T
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
