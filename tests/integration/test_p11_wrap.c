/* C_WrapKey and C_UnwrapKey with the symmetric mechanisms, through the
 * real module, checked against OpenSSL with the same key values:
 *  - AES_KEY_WRAP (RFC 3394) of an AES-256 key, AES_KEY_WRAP_PAD and
 *    AES_KEY_WRAP_KWP (RFC 5649) of a 20-byte generic secret, equal to
 *    OpenSSL's wrap; AES_GCM, CHACHA20_POLY1305 and AES_CBC_PAD wrapping
 *    equal to OpenSSL's encryption of the key value, and round trips;
 *  - the unwrapped key: class, type, length, CKA_LOCAL, CKA_ALWAYS_SENSITIVE
 *    and CKA_NEVER_EXTRACTABLE false, its value, and that it encrypts as
 *    the original does;
 *  - C_WrapKey's length protocol;
 *  - policy: CKA_EXTRACTABLE, CKA_WRAP / CKA_UNWRAP, CKA_WRAP_WITH_TRUSTED
 *    with and without an SO-trusted wrapping key, CKA_WRAP_TEMPLATE,
 *    CKA_UNWRAP_TEMPLATE applied and conflicting, CKA_ALLOWED_MECHANISMS,
 *    public keys (never wrappable);
 *  - bad wrapped blobs (tampered, wrong length), bad handles and
 *    templates. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_symmetric.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY;
static CK_KEY_TYPE aes_type = CKK_AES;

static uint8_t kek_value[32], aes_value[32], generic_value[20];

static void fill_values(void)
{
	s_fill(kek_value, sizeof(kek_value), 1);
	s_fill(aes_value, sizeof(aes_value), 2);
	s_fill(generic_value, sizeof(generic_value), 3);
}

static CK_RV wrap_rv(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE kek,
                     CK_OBJECT_HANDLE key, uint8_t *out, size_t *length)
{
	CK_ULONG n = *length;
	CK_RV rv = p11->C_WrapKey(s, m, kek, key, out, &n);
	*length = n;
	return rv;
}

/* A readable unwrapped key of this type (optionally of a given length). */
static CK_RV unwrap_rv(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                       CK_OBJECT_HANDLE kek, const uint8_t *wrapped,
                       size_t length, CK_KEY_TYPE type,
                       const CK_ATTRIBUTE *extra, CK_ULONG extra_count,
                       CK_OBJECT_HANDLE *key)
{
	CK_KEY_TYPE key_type = type;
	CK_ATTRIBUTE template[16] = {
	        H_ATTR_VAR(CKA_CLASS, secret_class),
	        H_ATTR_VAR(CKA_KEY_TYPE, key_type),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_SENSITIVE, h_false),
	        H_ATTR_VAR(CKA_EXTRACTABLE, h_true),
	        H_ATTR_VAR(CKA_ENCRYPT, h_true),
	        H_ATTR_VAR(CKA_DECRYPT, h_true),
	        H_ATTR_STR(CKA_LABEL, "unwrapped"),
	};
	CK_ULONG count = 8;
	for (CK_ULONG i = 0; i < extra_count; i++) {
		CK_ULONG j;
		for (j = 0; j < count; j++)
			if (template[j].type == extra[i].type)
				break;
		if (j == count)
			count++;
		template[j] = extra[i];
	}
	*key = CK_INVALID_HANDLE;
	return p11->C_UnwrapKey(s, m, kek, (CK_BYTE_PTR)wrapped, length,
	                        template, count, key);
}

/* The unwrapped key has the attributes of an unwrapped key, the value,
 * and encrypts (AES-CBC) as the original does. */
static void check_unwrapped(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
                            CK_KEY_TYPE type, const uint8_t *value,
                            size_t length, CK_OBJECT_HANDLE original)
{
	assert_int_equal(h_get_ulong(s, key, CKA_CLASS), CKO_SECRET_KEY);
	assert_int_equal(h_get_ulong(s, key, CKA_KEY_TYPE), type);
	assert_int_equal(h_get_ulong(s, key, CKA_VALUE_LEN), length);
	assert_int_equal(h_get_bool(s, key, CKA_LOCAL), CK_FALSE);
	assert_int_equal(h_get_bool(s, key, CKA_ALWAYS_SENSITIVE), CK_FALSE);
	assert_int_equal(h_get_bool(s, key, CKA_NEVER_EXTRACTABLE), CK_FALSE);
	assert_int_equal(h_get_ulong(s, key, CKA_KEY_GEN_MECHANISM),
	                 CK_UNAVAILABLE_INFORMATION);
	uint8_t got[64];
	size_t n = s_key_value(s, key, got, sizeof(got));
	s_same("unwrapped value", got, n, value, length);
	if (type != CKK_AES)
		return;
	uint8_t data[64], iv[16], a[80], b[80];
	s_fill(data, sizeof(data), 4);
	s_fill(iv, sizeof(iv), 5);
	s_mechanism m;
	s_mech_cbc(&m, CKM_AES_CBC, iv);
	size_t na = sizeof(a), nb = sizeof(b);
	OK(s_encrypt(s, &m.mechanism, key, data, sizeof(data), a, &na));
	OK(s_encrypt(s, &m.mechanism, original, data, sizeof(data), b, &nb));
	s_same("the unwrapped key encrypts as the original", a, na, b, nb);
	size_t no = o_cipher(o_aes_name(length, "CBC"), true, false, value, iv,
	                     data, sizeof(data), b);
	s_same("the unwrapped key encrypts as OpenSSL", a, na, b, no);
}

/* ===================================================================== */
/* AES key wrap against OpenSSL                                            */
/* ===================================================================== */

static void test_key_wrap(void **state)
{
	(void)state;
	fill_values();
	CK_SESSION_HANDLE s = s_user_session();
	CK_OBJECT_HANDLE key = s_import_key(s, CKK_AES, aes_value, 32);
	static const size_t kek_lengths[] = {32, 16, 24};
	for (size_t k = 0; k < H_ARRAY_SIZE(kek_lengths); k++) {
		CK_OBJECT_HANDLE kek =
		        s_import_key(s, CKK_AES, kek_value, kek_lengths[k]);
		uint8_t expected[48], wrapped[48];
		size_t expected_length = o_wrap(kek_value, kek_lengths[k],
		                                false, aes_value, 32, expected);
		assert_int_equal(expected_length, 40);
		CK_MECHANISM m = {CKM_AES_KEY_WRAP, NULL, 0};
		/* The length protocol. */
		size_t n = 0;
		OK(wrap_rv(s, &m, kek, key, NULL, &n));
		assert_int_equal(n, 40);
		n = 39;
		RV(wrap_rv(s, &m, kek, key, wrapped, &n), CKR_BUFFER_TOO_SMALL);
		assert_int_equal(n, 40);
		n = sizeof(wrapped);
		OK(wrap_rv(s, &m, kek, key, wrapped, &n));
		char what[64];
		snprintf(what, sizeof(what), "AES-256 key wrapped by AES-%zu",
		         kek_lengths[k] * 8);
		s_same(what, wrapped, n, expected, 40);

		CK_OBJECT_HANDLE unwrapped;
		OK(unwrap_rv(s, &m, kek, wrapped, n, CKK_AES, NULL, 0,
		             &unwrapped));
		check_unwrapped(s, unwrapped, CKK_AES, aes_value, 32, key);
		/* With CKA_VALUE_LEN given, and right. */
		CK_ULONG thirty_two = 32;
		CK_ATTRIBUTE with_length[] = {
		        H_ATTR_VAR(CKA_VALUE_LEN, thirty_two)};
		OK(unwrap_rv(s, &m, kek, expected, 40, CKK_AES, with_length, 1,
		             &unwrapped));
		check_unwrapped(s, unwrapped, CKK_AES, aes_value, 32, key);
		/* A 16-byte AES key too. */
		CK_OBJECT_HANDLE small =
		        s_import_key(s, CKK_AES, aes_value, 16);
		expected_length = o_wrap(kek_value, kek_lengths[k], false,
		                         aes_value, 16, expected);
		n = sizeof(wrapped);
		OK(wrap_rv(s, &m, kek, small, wrapped, &n));
		s_same("AES-128 key wrapped", wrapped, n, expected,
		       expected_length);
		OK(unwrap_rv(s, &m, kek, wrapped, n, CKK_AES, NULL, 0,
		             &unwrapped));
		check_unwrapped(s, unwrapped, CKK_AES, aes_value, 16, small);
	}
}

static void test_key_wrap_pad(void **state)
{
	(void)state;
	fill_values();
	CK_SESSION_HANDLE s = s_user_session();
	CK_OBJECT_HANDLE generic =
	        s_import_key(s, CKK_GENERIC_SECRET, generic_value, 20);
	CK_OBJECT_HANDLE aes = s_import_key(s, CKK_AES, aes_value, 24);
	CK_MECHANISM_TYPE types[] = {CKM_AES_KEY_WRAP_PAD,
	                             CKM_AES_KEY_WRAP_KWP};
	static const size_t kek_lengths[] = {16, 32};
	for (size_t k = 0; k < H_ARRAY_SIZE(kek_lengths); k++) {
		CK_OBJECT_HANDLE kek =
		        s_import_key(s, CKK_AES, kek_value, kek_lengths[k]);
		for (size_t t = 0; t < H_ARRAY_SIZE(types); t++) {
			CK_MECHANISM m = {types[t], NULL, 0};
			char what[80];
			snprintf(what, sizeof(what),
			         "mechanism 0x%lx, AES-%zu KEK",
			         (unsigned long)types[t], kek_lengths[k] * 8);
			uint8_t expected[48], wrapped[48];
			size_t expected_length =
			        o_wrap(kek_value, kek_lengths[k], true,
			               generic_value, 20, expected);
			assert_int_equal(expected_length, 32);
			size_t n = 0;
			OKW(what, wrap_rv(s, &m, kek, generic, NULL, &n));
			assert_int_equal(n, 32);
			n = 31;
			RVW(what, wrap_rv(s, &m, kek, generic, wrapped, &n),
			    CKR_BUFFER_TOO_SMALL);
			assert_int_equal(n, 32);
			n = sizeof(wrapped);
			OKW(what, wrap_rv(s, &m, kek, generic, wrapped, &n));
			s_same(what, wrapped, n, expected, 32);
			CK_OBJECT_HANDLE unwrapped;
			OKW(what,
			    unwrap_rv(s, &m, kek, wrapped, n,
			              CKK_GENERIC_SECRET, NULL, 0, &unwrapped));
			check_unwrapped(s, unwrapped, CKK_GENERIC_SECRET,
			                generic_value, 20, generic);
			/* The wrapped generic secret cannot become an AES
			 * key: 20 bytes are not an AES length. */
			RVW(what,
			    unwrap_rv(s, &m, kek, wrapped, n, CKK_AES, NULL, 0,
			              &unwrapped),
			    CKR_WRAPPED_KEY_INVALID);
			/* An AES-192 key. */
			expected_length = o_wrap(kek_value, kek_lengths[k],
			                         true, aes_value, 24, expected);
			n = sizeof(wrapped);
			OKW(what, wrap_rv(s, &m, kek, aes, wrapped, &n));
			s_same(what, wrapped, n, expected, expected_length);
			OKW(what, unwrap_rv(s, &m, kek, wrapped, n, CKK_AES,
			                    NULL, 0, &unwrapped));
			check_unwrapped(s, unwrapped, CKK_AES, aes_value, 24,
			                aes);
		}
	}
	/* KW (without padding) cannot wrap 20 bytes. */
	CK_OBJECT_HANDLE kek = s_import_key(s, CKK_AES, kek_value, 32);
	CK_MECHANISM kw = {CKM_AES_KEY_WRAP, NULL, 0};
	uint8_t wrapped[48];
	size_t n = sizeof(wrapped);
	RV(wrap_rv(s, &kw, kek, generic, wrapped, &n), CKR_KEY_SIZE_RANGE);
	/* ... and says so when asked the length: it has none to give. */
	n = 0;
	RV(wrap_rv(s, &kw, kek, generic, NULL, &n), CKR_KEY_SIZE_RANGE);
}

/* ===================================================================== */
/* AEAD and CBC_PAD wrapping                                               */
/* ===================================================================== */

static void test_wrap_aead_cbc_pad(void **state)
{
	(void)state;
	fill_values();
	CK_SESSION_HANDLE s = s_user_session();
	CK_OBJECT_HANDLE key = s_import_key(s, CKK_AES, aes_value, 32);
	CK_OBJECT_HANDLE generic =
	        s_import_key(s, CKK_GENERIC_SECRET, generic_value, 20);
	CK_OBJECT_HANDLE aes_kek = s_import_key(s, CKK_AES, kek_value, 32);
	CK_OBJECT_HANDLE chacha_kek =
	        s_import_key(s, CKK_CHACHA20, kek_value, 32);
	uint8_t iv[16], aad[10];
	s_fill(iv, sizeof(iv), 6);
	s_fill(aad, sizeof(aad), 7);

	for (int which = 0; which < 2; which++) {
		CK_OBJECT_HANDLE target = which == 0 ? key : generic;
		const uint8_t *value = which == 0 ? aes_value : generic_value;
		size_t length = which == 0 ? 32 : 20;
		CK_KEY_TYPE type = which == 0 ? CKK_AES : CKK_GENERIC_SECRET;
		struct {
			const char *name;
			s_mechanism m;
			CK_OBJECT_HANDLE kek;
			size_t expected_length;
		} cases[3];
		uint8_t expected[3][64];
		cases[0].name = "AES_GCM";
		s_mech_gcm(&cases[0].m, iv, 12, aad, sizeof(aad), 128);
		cases[0].kek = aes_kek;
		cases[0].expected_length = o_aead_encrypt(
		        O_GCM, kek_value, 32, iv, 12, aad, sizeof(aad), 16,
		        value, length, expected[0]);
		cases[1].name = "CHACHA20_POLY1305";
		s_mech_chacha(&cases[1].m, iv, 12, aad, sizeof(aad));
		cases[1].kek = chacha_kek;
		cases[1].expected_length = o_aead_encrypt(
		        O_CHACHA, kek_value, 32, iv, 12, aad, sizeof(aad), 16,
		        value, length, expected[1]);
		cases[2].name = "AES_CBC_PAD";
		s_mech_cbc(&cases[2].m, CKM_AES_CBC_PAD, iv);
		cases[2].kek = aes_kek;
		cases[2].expected_length =
		        o_cipher("AES-256-CBC", true, true, kek_value, iv,
		                 value, length, expected[2]);
		for (size_t c = 0; c < 3; c++) {
			CK_MECHANISM *m = &cases[c].m.mechanism;
			char what[80];
			snprintf(what, sizeof(what), "%s of a %zu-byte key",
			         cases[c].name, length);
			uint8_t wrapped[64];
			size_t n = 0;
			OKW(what,
			    wrap_rv(s, m, cases[c].kek, target, NULL, &n));
			assert_true(n >= cases[c].expected_length);
			n = cases[c].expected_length - 1;
			RVW(what,
			    wrap_rv(s, m, cases[c].kek, target, wrapped, &n),
			    CKR_BUFFER_TOO_SMALL);
			assert_true(n >= cases[c].expected_length);
			n = sizeof(wrapped);
			OKW(what,
			    wrap_rv(s, m, cases[c].kek, target, wrapped, &n));
			s_same(what, wrapped, n, expected[c],
			       cases[c].expected_length);
			CK_OBJECT_HANDLE unwrapped;
			OKW(what, unwrap_rv(s, m, cases[c].kek, wrapped, n,
			                    type, NULL, 0, &unwrapped));
			check_unwrapped(s, unwrapped, type, value, length,
			                target);
			/* Tampered: the tag fails (AEAD: the first or the
			 * last byte), or the padding (CBC_PAD: the byte of
			 * the previous block that the last plaintext byte,
			 * the padding length, depends on). */
			size_t at_first = c == 2 ? n - 17 : 0;
			size_t step = c == 2 ? n : n - 1;
			for (size_t at = at_first; at < n; at += step) {
				wrapped[at] ^= 0x04;
				RVW(what,
				    unwrap_rv(s, m, cases[c].kek, wrapped, n,
				              type, NULL, 0, &unwrapped),
				    CKR_WRAPPED_KEY_INVALID);
				wrapped[at] ^= 0x04;
			}
		}
		/* The other nonce lengths of ChaCha20-Poly1305 round trip. */
		static const size_t nonces[] = {8, 24};
		uint8_t nonce[24];
		s_fill(nonce, sizeof(nonce), 8);
		for (size_t i = 0; i < H_ARRAY_SIZE(nonces); i++) {
			s_mechanism m;
			s_mech_chacha(&m, nonce, nonces[i], NULL, 0);
			uint8_t wrapped[64];
			size_t n = sizeof(wrapped);
			OK(wrap_rv(s, &m.mechanism, chacha_kek, target, wrapped,
			           &n));
			assert_int_equal(n, length + 16);
			CK_OBJECT_HANDLE unwrapped;
			OK(unwrap_rv(s, &m.mechanism, chacha_kek, wrapped, n,
			             type, NULL, 0, &unwrapped));
			check_unwrapped(s, unwrapped, type, value, length,
			                target);
		}
	}
}

/* ===================================================================== */
/* Policy                                                                  */
/* ===================================================================== */

static void test_wrap_policy(void **state)
{
	(void)state;
	fill_values();
	CK_SESSION_HANDLE s = s_user_session();
	CK_OBJECT_HANDLE kek = s_import_key(s, CKK_AES, kek_value, 32);
	CK_MECHANISM kw = {CKM_AES_KEY_WRAP, NULL, 0};
	uint8_t wrapped[64];
	size_t n;

	/* CKA_EXTRACTABLE false. */
	CK_ATTRIBUTE stuck[] = {H_ATTR_VAR(CKA_EXTRACTABLE, h_false),
	                        H_ATTR_VAR(CKA_SENSITIVE, h_true)};
	CK_OBJECT_HANDLE unextractable;
	OK(s_import_key_rv(s, CKK_AES, aes_value, 32, stuck, 2,
	                   &unextractable));
	n = sizeof(wrapped);
	RV(wrap_rv(s, &kw, kek, unextractable, wrapped, &n),
	   CKR_KEY_UNEXTRACTABLE);
	n = 0;
	RV(wrap_rv(s, &kw, kek, unextractable, NULL, &n),
	   CKR_KEY_UNEXTRACTABLE);
	/* Sensitive but extractable: wrapping is how it leaves. */
	CK_ATTRIBUTE sensitive[] = {H_ATTR_VAR(CKA_SENSITIVE, h_true)};
	CK_OBJECT_HANDLE hidden;
	OK(s_import_key_rv(s, CKK_AES, aes_value, 32, sensitive, 1, &hidden));
	n = sizeof(wrapped);
	OK(wrap_rv(s, &kw, kek, hidden, wrapped, &n));
	uint8_t expected[48];
	o_wrap(kek_value, 32, false, aes_value, 32, expected);
	s_same("a sensitive, extractable key wrapped", wrapped, n, expected,
	       40);

	/* CKA_WRAP / CKA_UNWRAP false. */
	CK_OBJECT_HANDLE key = s_import_key(s, CKK_AES, aes_value, 32);
	CK_ATTRIBUTE no_wrap[] = {H_ATTR_VAR(CKA_WRAP, h_false),
	                          H_ATTR_VAR(CKA_UNWRAP, h_false)};
	CK_OBJECT_HANDLE lazy_kek;
	OK(s_import_key_rv(s, CKK_AES, kek_value, 32, no_wrap, 2, &lazy_kek));
	n = sizeof(wrapped);
	RV(wrap_rv(s, &kw, lazy_kek, key, wrapped, &n),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);
	CK_OBJECT_HANDLE unwrapped;
	RV(unwrap_rv(s, &kw, lazy_kek, expected, 40, CKK_AES, NULL, 0,
	             &unwrapped),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);

	/* Wrapping keys of the wrong type for the mechanism. */
	CK_OBJECT_HANDLE chacha = s_import_key(s, CKK_CHACHA20, kek_value, 32);
	n = sizeof(wrapped);
	RV(wrap_rv(s, &kw, chacha, key, wrapped, &n),
	   CKR_WRAPPING_KEY_TYPE_INCONSISTENT);
	RV(unwrap_rv(s, &kw, chacha, expected, 40, CKK_AES, NULL, 0,
	             &unwrapped),
	   CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT);
	CK_OBJECT_HANDLE generic_kek =
	        s_import_key(s, CKK_GENERIC_SECRET, kek_value, 32);
	n = sizeof(wrapped);
	RV(wrap_rv(s, &kw, generic_kek, key, wrapped, &n),
	   CKR_WRAPPING_KEY_TYPE_INCONSISTENT);

	/* CKA_ALLOWED_MECHANISMS of the wrapping key. */
	CK_MECHANISM_TYPE only_gcm = CKM_AES_GCM;
	CK_ATTRIBUTE allowed[] = {H_ATTR_VAR(CKA_ALLOWED_MECHANISMS, only_gcm)};
	CK_OBJECT_HANDLE gcm_kek;
	OK(s_import_key_rv(s, CKK_AES, kek_value, 32, allowed, 1, &gcm_kek));
	n = sizeof(wrapped);
	RV(wrap_rv(s, &kw, gcm_kek, key, wrapped, &n), CKR_MECHANISM_INVALID);

	/* Mechanisms that do not wrap. */
	CK_MECHANISM ecb = {CKM_AES_ECB, NULL, 0};
	n = sizeof(wrapped);
	RV(wrap_rv(s, &ecb, kek, key, wrapped, &n), CKR_MECHANISM_INVALID);
	RV(unwrap_rv(s, &ecb, kek, expected, 32, CKK_AES, NULL, 0, &unwrapped),
	   CKR_MECHANISM_INVALID);
	CK_MECHANISM cmac = {CKM_AES_CMAC, NULL, 0};
	n = sizeof(wrapped);
	RV(wrap_rv(s, &cmac, kek, key, wrapped, &n), CKR_MECHANISM_INVALID);

	/* An extractable private key wraps (as PKCS#8: see
	 * test_p11_wrap_private.c); its public half never does. */
	static const CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
	                               0xce, 0x3d, 0x03, 0x01, 0x07};
	CK_MECHANISM ec_gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE pub[] = {H_ATTR(CKA_EC_PARAMS, p256, sizeof(p256)),
	                      H_ATTR_VAR(CKA_TOKEN, h_false)};
	CK_ATTRIBUTE priv[] = {H_ATTR_VAR(CKA_TOKEN, h_false),
	                       H_ATTR_VAR(CKA_EXTRACTABLE, h_true)};
	CK_OBJECT_HANDLE ec_pub, ec_priv;
	OK(p11->C_GenerateKeyPair(s, &ec_gen, pub, 2, priv, 2, &ec_pub,
	                          &ec_priv));
	CK_MECHANISM kwp = {CKM_AES_KEY_WRAP_KWP, NULL, 0};
	uint8_t wrapped_private[160];
	n = sizeof(wrapped_private);
	OK(wrap_rv(s, &kwp, kek, ec_priv, wrapped_private, &n));
	/* RFC 5649: the 138 bytes of a P-256 PKCS#8, padded to 8, + 8. */
	assert_int_equal(n, (138 + 7) / 8 * 8 + 8);
	n = sizeof(wrapped);
	RV(wrap_rv(s, &kwp, kek, ec_pub, wrapped, &n), CKR_KEY_NOT_WRAPPABLE);
}

static void test_wrap_with_trusted(void **state)
{
	(void)state;
	fill_values();
	/* The SO makes a trusted wrapping key (a public token object, so
	 * the user sees it). */
	CK_SESSION_HANDLE so = h_open(H.slot, true);
	assert_ok(h_login(so, CKU_SO, H_SO_PIN));
	CK_ATTRIBUTE trusted_attributes[] = {
	        H_ATTR_VAR(CKA_TOKEN, h_true),
	        H_ATTR_VAR(CKA_PRIVATE, h_false),
	        H_ATTR_VAR(CKA_TRUSTED, h_true),
	};
	CK_OBJECT_HANDLE trusted;
	OK(s_import_key_rv(so, CKK_AES, kek_value, 32, trusted_attributes, 3,
	                   &trusted));
	OK(p11->C_Logout(so));
	OK(p11->C_CloseSession(so));

	CK_SESSION_HANDLE s = s_user_session();
	assert_int_equal(h_get_bool(s, trusted, CKA_TRUSTED), CK_TRUE);
	/* The user cannot make one. */
	CK_OBJECT_HANDLE fake;
	CK_ATTRIBUTE fake_attributes[] = {H_ATTR_VAR(CKA_TRUSTED, h_true)};
	RV(s_import_key_rv(s, CKK_AES, kek_value, 32, fake_attributes, 1,
	                   &fake),
	   CKR_ATTRIBUTE_READ_ONLY);
	CK_OBJECT_HANDLE untrusted = s_import_key(s, CKK_AES, kek_value, 32);
	CK_ATTRIBUTE only_trusted[] = {
	        H_ATTR_VAR(CKA_WRAP_WITH_TRUSTED, h_true)};
	CK_OBJECT_HANDLE key;
	OK(s_import_key_rv(s, CKK_AES, aes_value, 32, only_trusted, 1, &key));
	CK_MECHANISM kw = {CKM_AES_KEY_WRAP, NULL, 0};
	uint8_t wrapped[48], expected[48];
	size_t n = sizeof(wrapped);
	RV(wrap_rv(s, &kw, untrusted, key, wrapped, &n), CKR_KEY_NOT_WRAPPABLE);
	n = sizeof(wrapped);
	OK(wrap_rv(s, &kw, trusted, key, wrapped, &n));
	o_wrap(kek_value, 32, false, aes_value, 32, expected);
	s_same("wrapped with the trusted key", wrapped, n, expected, 40);
	/* An ordinary key wraps with either. */
	CK_OBJECT_HANDLE ordinary = s_import_key(s, CKK_AES, aes_value, 32);
	n = sizeof(wrapped);
	OK(wrap_rv(s, &kw, untrusted, ordinary, wrapped, &n));
	/* CKA_WRAP_WITH_TRUSTED can be set, never cleared. */
	CK_ATTRIBUTE clear[] = {H_ATTR_VAR(CKA_WRAP_WITH_TRUSTED, h_false)};
	RV(p11->C_SetAttributeValue(s, key, clear, 1), CKR_ATTRIBUTE_READ_ONLY);
	CK_ATTRIBUTE set[] = {H_ATTR_VAR(CKA_WRAP_WITH_TRUSTED, h_true)};
	OK(p11->C_SetAttributeValue(s, ordinary, set, 1));
	n = sizeof(wrapped);
	RV(wrap_rv(s, &kw, untrusted, ordinary, wrapped, &n),
	   CKR_KEY_NOT_WRAPPABLE);
}

static void test_wrap_unwrap_templates(void **state)
{
	(void)state;
	fill_values();
	CK_SESSION_HANDLE s = s_user_session();
	/* A wrapping key that wraps only 32-byte AES keys. */
	CK_ULONG thirty_two = 32;
	CK_ATTRIBUTE wrap_template[] = {
	        H_ATTR_VAR(CKA_KEY_TYPE, aes_type),
	        H_ATTR_VAR(CKA_VALUE_LEN, thirty_two),
	};
	CK_ATTRIBUTE kek_attributes[] = {
	        H_ATTR(CKA_WRAP_TEMPLATE, wrap_template, sizeof(wrap_template)),
	};
	CK_OBJECT_HANDLE kek;
	OK(s_import_key_rv(s, CKK_AES, kek_value, 32, kek_attributes, 1, &kek));
	CK_OBJECT_HANDLE aes256 = s_import_key(s, CKK_AES, aes_value, 32);
	CK_OBJECT_HANDLE aes128 = s_import_key(s, CKK_AES, aes_value, 16);
	CK_OBJECT_HANDLE generic =
	        s_import_key(s, CKK_GENERIC_SECRET, aes_value, 32);
	CK_MECHANISM kw = {CKM_AES_KEY_WRAP, NULL, 0};
	uint8_t wrapped[48];
	size_t n = sizeof(wrapped);
	OK(wrap_rv(s, &kw, kek, aes256, wrapped, &n));
	n = sizeof(wrapped);
	RV(wrap_rv(s, &kw, kek, aes128, wrapped, &n), CKR_KEY_NOT_WRAPPABLE);
	n = sizeof(wrapped);
	RV(wrap_rv(s, &kw, kek, generic, wrapped, &n), CKR_KEY_NOT_WRAPPABLE);

	/* An unwrapping key whose template makes every key it unwraps
	 * sensitive and unextractable. */
	CK_ATTRIBUTE unwrap_template[] = {
	        H_ATTR_VAR(CKA_SENSITIVE, h_true),
	        H_ATTR_VAR(CKA_EXTRACTABLE, h_false),
	};
	CK_ATTRIBUTE unwrapper_attributes[] = {
	        H_ATTR(CKA_UNWRAP_TEMPLATE, unwrap_template,
	               sizeof(unwrap_template)),
	};
	CK_OBJECT_HANDLE unwrapper;
	OK(s_import_key_rv(s, CKK_AES, kek_value, 32, unwrapper_attributes, 1,
	                   &unwrapper));
	uint8_t blob[40];
	size_t blob_length = o_wrap(kek_value, 32, false, aes_value, 32, blob);
	/* A template that says nothing of them: the unwrap template
	 * decides. */
	CK_KEY_TYPE type = CKK_AES;
	CK_ATTRIBUTE quiet[] = {
	        H_ATTR_VAR(CKA_CLASS, secret_class),
	        H_ATTR_VAR(CKA_KEY_TYPE, type),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_ENCRYPT, h_true),
	};
	CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
	OK(p11->C_UnwrapKey(s, &kw, unwrapper, blob, blob_length, quiet,
	                    H_ARRAY_SIZE(quiet), &key));
	assert_int_equal(h_get_bool(s, key, CKA_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(s, key, CKA_EXTRACTABLE), CK_FALSE);
	/* Sensitive now, but it existed outside the token before. */
	assert_int_equal(h_get_bool(s, key, CKA_ALWAYS_SENSITIVE), CK_FALSE);
	assert_int_equal(h_get_bool(s, key, CKA_NEVER_EXTRACTABLE), CK_FALSE);
	uint8_t value[32];
	CK_ATTRIBUTE read = H_ATTR(CKA_VALUE, value, sizeof(value));
	RV(p11->C_GetAttributeValue(s, key, &read, 1), CKR_ATTRIBUTE_SENSITIVE);
	/* ... and it is the right key. */
	uint8_t data[32], iv[16], a[48], b[48];
	s_fill(data, sizeof(data), 9);
	s_fill(iv, sizeof(iv), 10);
	s_mechanism cbc;
	s_mech_cbc(&cbc, CKM_AES_CBC, iv);
	size_t na = sizeof(a);
	OK(s_encrypt(s, &cbc.mechanism, key, data, 32, a, &na));
	size_t nb = o_cipher("AES-256-CBC", true, false, aes_value, iv, data,
	                     32, b);
	s_same("a key unwrapped under a template", a, na, b, nb);
	/* A template that agrees is fine; one that conflicts is not. */
	CK_OBJECT_HANDLE other;
	CK_ATTRIBUTE agree[] = {H_ATTR_VAR(CKA_SENSITIVE, h_true),
	                        H_ATTR_VAR(CKA_EXTRACTABLE, h_false)};
	OK(unwrap_rv(s, &kw, unwrapper, blob, blob_length, CKK_AES, agree, 2,
	             &other));
	assert_int_equal(h_get_bool(s, other, CKA_SENSITIVE), CK_TRUE);
	/* unwrap_rv's own template asks for a readable key. */
	RV(unwrap_rv(s, &kw, unwrapper, blob, blob_length, CKK_AES, NULL, 0,
	             &other),
	   CKR_TEMPLATE_INCONSISTENT);
	CK_ATTRIBUTE disagree[] = {
	        H_ATTR_VAR(CKA_CLASS, secret_class),
	        H_ATTR_VAR(CKA_KEY_TYPE, type),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_EXTRACTABLE, h_true),
	};
	other = CK_INVALID_HANDLE;
	RV(p11->C_UnwrapKey(s, &kw, unwrapper, blob, blob_length, disagree,
	                    H_ARRAY_SIZE(disagree), &other),
	   CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(other, CK_INVALID_HANDLE);
}

/* ===================================================================== */
/* Bad blobs, handles and templates                                        */
/* ===================================================================== */

static CK_ULONG count_label(CK_SESSION_HANDLE s, const char *label)
{
	CK_OBJECT_HANDLE found[8];
	return h_find_label(s, label, found, 8);
}

static void test_unwrap_errors(void **state)
{
	(void)state;
	fill_values();
	CK_SESSION_HANDLE s = s_user_session();
	CK_OBJECT_HANDLE kek = s_import_key(s, CKK_AES, kek_value, 32);
	CK_OBJECT_HANDLE key = s_import_key(s, CKK_AES, aes_value, 32);
	CK_MECHANISM kw = {CKM_AES_KEY_WRAP, NULL, 0};
	CK_MECHANISM kwp = {CKM_AES_KEY_WRAP_KWP, NULL, 0};
	uint8_t blob[64];
	size_t blob_length = o_wrap(kek_value, 32, false, aes_value, 32, blob);
	CK_OBJECT_HANDLE unwrapped;

	/* Tampered anywhere: the integrity check fails. */
	static const size_t positions[] = {0, 7, 8, 20, 39};
	for (size_t i = 0; i < H_ARRAY_SIZE(positions); i++) {
		blob[positions[i]] ^= 0x01;
		RV(unwrap_rv(s, &kw, kek, blob, blob_length, CKK_AES, NULL, 0,
		             &unwrapped),
		   CKR_WRAPPED_KEY_INVALID);
		assert_int_equal(unwrapped, CK_INVALID_HANDLE);
		blob[positions[i]] ^= 0x01;
	}
	/* Another KEK. */
	uint8_t other_kek[32];
	s_fill(other_kek, sizeof(other_kek), 11);
	CK_OBJECT_HANDLE wrong = s_import_key(s, CKK_AES, other_kek, 32);
	RV(unwrap_rv(s, &kw, wrong, blob, blob_length, CKK_AES, NULL, 0,
	             &unwrapped),
	   CKR_WRAPPED_KEY_INVALID);
	/* Lengths KW cannot have produced. */
	static const size_t bad_lengths[] = {36, 41, 39, 8, 0};
	for (size_t i = 0; i < H_ARRAY_SIZE(bad_lengths); i++) {
		char what[48];
		snprintf(what, sizeof(what), "a KW blob of %zu bytes",
		         bad_lengths[i]);
		RVW(what,
		    unwrap_rv(s, &kw, kek, blob, bad_lengths[i], CKK_AES, NULL,
		              0, &unwrapped),
		    CKR_WRAPPED_KEY_LEN_RANGE);
	}
	RV(unwrap_rv(s, &kwp, kek, blob, 12, CKK_AES, NULL, 0, &unwrapped),
	   CKR_WRAPPED_KEY_LEN_RANGE);
	/* Nothing was left behind by the failures. */
	assert_int_equal(count_label(s, "unwrapped"), 0);

	/* Handles. */
	uint8_t wrapped[64];
	size_t n = sizeof(wrapped);
	RV(wrap_rv(s, &kw, 9999, key, wrapped, &n),
	   CKR_WRAPPING_KEY_HANDLE_INVALID);
	n = sizeof(wrapped);
	RV(wrap_rv(s, &kw, kek, 9999, wrapped, &n), CKR_KEY_HANDLE_INVALID);
	RV(unwrap_rv(s, &kw, 9999, blob, blob_length, CKK_AES, NULL, 0,
	             &unwrapped),
	   CKR_UNWRAPPING_KEY_HANDLE_INVALID);
	CK_OBJECT_HANDLE gone = s_import_key(s, CKK_AES, kek_value, 32);
	OK(p11->C_DestroyObject(s, gone));
	n = sizeof(wrapped);
	RV(wrap_rv(s, &kw, gone, key, wrapped, &n),
	   CKR_WRAPPING_KEY_HANDLE_INVALID);
	RV(unwrap_rv(s, &kw, gone, blob, blob_length, CKK_AES, NULL, 0,
	             &unwrapped),
	   CKR_UNWRAPPING_KEY_HANDLE_INVALID);

	/* Templates. */
	CK_ULONG sixteen = 16;
	CK_ATTRIBUTE wrong_length[] = {H_ATTR_VAR(CKA_VALUE_LEN, sixteen)};
	RV(unwrap_rv(s, &kw, kek, blob, blob_length, CKK_AES, wrong_length, 1,
	             &unwrapped),
	   CKR_TEMPLATE_INCONSISTENT);
	CK_ATTRIBUTE no_type[] = {H_ATTR_VAR(CKA_CLASS, secret_class),
	                          H_ATTR_VAR(CKA_TOKEN, h_false)};
	unwrapped = CK_INVALID_HANDLE;
	RV(p11->C_UnwrapKey(s, &kw, kek, blob, blob_length, no_type, 2,
	                    &unwrapped),
	   CKR_TEMPLATE_INCOMPLETE);
	CK_OBJECT_CLASS private_class = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE as_private[] = {H_ATTR_VAR(CKA_CLASS, private_class)};
	RV(unwrap_rv(s, &kw, kek, blob, blob_length, CKK_AES, as_private, 1,
	             &unwrapped),
	   CKR_TEMPLATE_INCONSISTENT);
	CK_ATTRIBUTE with_value[] = {H_ATTR(CKA_VALUE, aes_value, 32)};
	CK_RV rv = unwrap_rv(s, &kw, kek, blob, blob_length, CKK_AES,
	                     with_value, 1, &unwrapped);
	if (rv != CKR_ATTRIBUTE_READ_ONLY && rv != CKR_TEMPLATE_INCONSISTENT)
		fail_msg("C_UnwrapKey with CKA_VALUE in the template: %s",
		         s_rv_name(rv));
	CK_ATTRIBUTE local[] = {H_ATTR_VAR(CKA_LOCAL, h_true)};
	RV(unwrap_rv(s, &kw, kek, blob, blob_length, CKK_AES, local, 1,
	             &unwrapped),
	   CKR_ATTRIBUTE_READ_ONLY);
	RV(p11->C_UnwrapKey(s, &kw, kek, NULL, 40, no_type, 2, &unwrapped),
	   CKR_ARGUMENTS_BAD);
	RV(p11->C_UnwrapKey(s, &kw, kek, blob, 40, no_type, 2, NULL),
	   CKR_ARGUMENTS_BAD);
	CK_ULONG room = sizeof(wrapped);
	RV(p11->C_WrapKey(s, &kw, kek, key, wrapped, NULL), CKR_ARGUMENTS_BAD);
	RV(p11->C_WrapKey(s, NULL, kek, key, wrapped, &room),
	   CKR_ARGUMENTS_BAD);
	assert_int_equal(count_label(s, "unwrapped"), 0);

	/* A token object needs an R/W session (this one is) and the user;
	 * in a read-only session it is refused. */
	CK_SESSION_HANDLE ro = h_open(H.slot, false);
	CK_ATTRIBUTE on_token[] = {H_ATTR_VAR(CKA_TOKEN, h_true)};
	RV(unwrap_rv(ro, &kw, kek, blob, blob_length, CKK_AES, on_token, 1,
	             &unwrapped),
	   CKR_SESSION_READ_ONLY);
	OK(unwrap_rv(s, &kw, kek, blob, blob_length, CKK_AES, on_token, 1,
	             &unwrapped));
	assert_int_equal(h_get_bool(s, unwrapped, CKA_TOKEN), CK_TRUE);
	assert_int_equal(count_label(s, "unwrapped"), 1);
}

/* RFC 5649 unwrapping that fails its check (its own test: the failure
 * must not write past the room of the plaintext either). */
static void test_unwrap_kwp_invalid(void **state)
{
	(void)state;
	fill_values();
	CK_SESSION_HANDLE s = s_user_session();
	CK_OBJECT_HANDLE kek = s_import_key(s, CKK_AES, kek_value, 32);
	CK_MECHANISM_TYPE types[] = {CKM_AES_KEY_WRAP_KWP,
	                             CKM_AES_KEY_WRAP_PAD};
	uint8_t blob[48];
	CK_OBJECT_HANDLE unwrapped;
	for (size_t t = 0; t < H_ARRAY_SIZE(types); t++) {
		CK_MECHANISM kwp = {types[t], NULL, 0};
		/* A KW blob (the IVs differ). */
		size_t blob_length =
		        o_wrap(kek_value, 32, false, aes_value, 32, blob);
		RV(unwrap_rv(s, &kwp, kek, blob, blob_length, CKK_AES, NULL, 0,
		             &unwrapped),
		   CKR_WRAPPED_KEY_INVALID);
		/* A tampered KWP blob. */
		blob_length =
		        o_wrap(kek_value, 32, true, generic_value, 20, blob);
		blob[blob_length - 1] ^= 0x01;
		RV(unwrap_rv(s, &kwp, kek, blob, blob_length,
		             CKK_GENERIC_SECRET, NULL, 0, &unwrapped),
		   CKR_WRAPPED_KEY_INVALID);
	}
	assert_int_equal(count_label(s, "unwrapped"), 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_key_wrap),          T(test_key_wrap_pad),
	        T(test_wrap_aead_cbc_pad), T(test_wrap_policy),
	        T(test_wrap_with_trusted), T(test_wrap_unwrap_templates),
	        T(test_unwrap_errors),     T(test_unwrap_kwp_invalid),
	};
#undef T
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
