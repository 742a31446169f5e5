/* C_WrapKey and C_UnwrapKey of private keys (RSA-2048, P-256, P-384,
 * P-521, Ed25519, X25519) through the real module, checked against
 * OpenSSL, with AES_KEY_WRAP_KWP, AES_KEY_WRAP_PAD, AES_KEY_WRAP (where
 * the encoding is a multiple of 8 bytes), AES_CBC_PAD, AES_GCM and
 * CHACHA20_POLY1305:
 *  - keys generated in the token, wrapped: OpenSSL unwraps the bytes,
 *    reads the PKCS#8 as the token's key (its public key; the token's
 *    signature, or X25519 agreement, checks with OpenSSL's key) and
 *    writes the same bytes back; the length protocol is exact;
 *  - keys made by OpenSSL: their PKCS#8 wrapped by OpenSSL unwraps into
 *    the token (with or without CKA_KEY_TYPE, as a token object too) as a
 *    key the token signs with and OpenSSL verifies, with the attributes
 *    of an unwrapped key; imported instead, they wrap to exactly what
 *    OpenSSL makes of its own PKCS#8;
 *  - CKA_UNWRAP_TEMPLATE applied to private keys.
 * Refusals: test_p11_wrap_private_errors.c. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_private.h"

#include <stdio.h>
#include <string.h>

/* The token wraps priv (whose OpenSSL twin, if known, is key) with every
 * mechanism: OpenSSL unwraps each to the same PrivateKeyInfo, which it
 * reads back as the key and encodes identically; the token unwraps it
 * again into the same key. Returns OpenSSL's reading (free it). */
static EVP_PKEY *wrap_everywhere(CK_SESSION_HANDLE s, const pk_keks *keks,
                                 pk_kind kind, CK_OBJECT_HANDLE priv)
{
	static uint8_t wrapped[PK_MAX], der[PK_MAX], first[PK_MAX],
	        again[PK_MAX];
	size_t first_length = 0;
	EVP_PKEY *key = NULL;
	for (pk_wrap w = 0; w < PK_WRAPS; w++) {
		char what[64];
		snprintf(what, sizeof(what), "%s by %s", pk_name(kind),
		         pk_wrap_name(w));
		/* The length query first: NULL, then one byte short. */
		size_t n = 0;
		CK_RV rv = pk_wrap_rv(s, w, keks, priv, NULL, &n);
		if (w == PK_KW && first_length % 8 != 0) {
			/* RFC 3394 cannot take it, said at the query too. */
			RVW(what, rv, CKR_KEY_SIZE_RANGE);
			n = sizeof(wrapped);
			RVW(what, pk_wrap_rv(s, w, keks, priv, wrapped, &n),
			    CKR_KEY_SIZE_RANGE);
			continue;
		}
		OKW(what, rv);
		size_t needed = n;
		n = needed - 1;
		RVW(what, pk_wrap_rv(s, w, keks, priv, wrapped, &n),
		    CKR_BUFFER_TOO_SMALL);
		assert_int_equal(n, needed);
		n = sizeof(wrapped);
		OKW(what, pk_wrap_rv(s, w, keks, priv, wrapped, &n));
		assert_int_equal(n, needed);
		size_t length = pk_ossl_unwrap(w, wrapped, n, der);
		assert_int_equal(n, pk_wrapped_length(w, length));
		if (key == NULL) {
			/* OpenSSL reads it, and writes it the same way. */
			key = pk_ossl_parse(der, length);
			size_t written =
			        pk_ossl_pkcs8(key, again, sizeof(again));
			s_same(what, again, written, der, length);
			memcpy(first, der, length);
			first_length = length;
		}
		s_same(what, der, length, first, first_length);
		CK_OBJECT_HANDLE back;
		OKW(what,
		    pk_unwrap_rv(s, w, keks, wrapped, n,
		                 CK_UNAVAILABLE_INFORMATION, NULL, 0, &back));
		pk_assert_unwrapped(s, back, kind, key);
		pk_assert_same_key(s, back, kind, key);
	}
	return key;
}

static void test_wrap_generated_keys(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	pk_keks keks = pk_make_keks(s);
	for (pk_kind kind = 0; kind < PK_KINDS; kind++) {
		CK_OBJECT_HANDLE pub, priv;
		CK_ATTRIBUTE sign[] = {H_ATTR_VAR(CKA_SIGN, h_true)};
		OK(pk_generate_rv(s, kind, sign, kind == PK_X25519 ? 0 : 1,
		                  &pub, &priv));
		EVP_PKEY *key = wrap_everywhere(s, &keks, kind, priv);
		/* The token's key, and OpenSSL's reading of it, are one. */
		pk_assert_same_key(s, priv, kind, key);
		EVP_PKEY_free(key);
	}
}

/* Keys made by OpenSSL, their PKCS#8 wrapped by OpenSSL. */
static void test_unwrap_openssl_keys(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	pk_keks keks = pk_make_keks(s);
	static uint8_t der[PK_MAX], wrapped[PK_MAX];
	for (pk_kind kind = 0; kind < PK_KINDS; kind++) {
		EVP_PKEY *key = pk_ossl_key(kind);
		size_t length = pk_ossl_pkcs8(key, der, sizeof(der));
		for (pk_wrap w = 0; w < PK_WRAPS; w++) {
			if (w == PK_KW && length % 8 != 0)
				continue; /* OpenSSL's KW cannot either */
			char what[64];
			snprintf(what, sizeof(what), "%s by OpenSSL's %s",
			         pk_name(kind), pk_wrap_name(w));
			size_t n = pk_ossl_wrap(w, der, length, wrapped);
			/* Alternately with and without CKA_KEY_TYPE. */
			CK_KEY_TYPE type = w % 2 == 0
			                           ? pk_key_type(kind)
			                           : CK_UNAVAILABLE_INFORMATION;
			CK_OBJECT_HANDLE object;
			OKW(what, pk_unwrap_rv(s, w, &keks, wrapped, n, type,
			                       NULL, 0, &object));
			pk_assert_unwrapped(s, object, kind, key);
			pk_assert_same_key(s, object, kind, key);
		}
		EVP_PKEY_free(key);
	}
}

/* A sensitive token object, persisted: still the key after a new
 * session, and it cannot be read. */
static void test_unwrap_token_object(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	pk_keks keks = pk_make_keks(s);
	static uint8_t der[PK_MAX], wrapped[PK_MAX];
	EVP_PKEY *key = pk_ossl_key(PK_P384);
	size_t length = pk_ossl_pkcs8(key, der, sizeof(der));
	size_t n = pk_ossl_wrap(PK_KWP, der, length, wrapped);
	CK_ATTRIBUTE stored[] = {H_ATTR_VAR(CKA_TOKEN, h_true),
	                         H_ATTR_VAR(CKA_SENSITIVE, h_true),
	                         H_ATTR_VAR(CKA_EXTRACTABLE, h_false)};
	CK_OBJECT_HANDLE object;
	OK(pk_unwrap_rv(s, PK_KWP, &keks, wrapped, n, CKK_EC, stored, 3,
	                &object));
	OK(p11->C_CloseAllSessions(H.slot));
	s = s_user_session();
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find_label(s, PK_UNWRAPPED_LABEL, found, 2), 1);
	assert_int_equal(h_get_bool(s, found[0], CKA_TOKEN), CK_TRUE);
	pk_assert_unwrapped(s, found[0], PK_P384, key);
	pk_assert_same_key(s, found[0], PK_P384, key);
	uint8_t value[64];
	CK_ATTRIBUTE read = H_ATTR(CKA_VALUE, value, sizeof(value));
	RV(p11->C_GetAttributeValue(s, found[0], &read, 1),
	   CKR_ATTRIBUTE_SENSITIVE);
	keks = pk_make_keks(s);
	n = sizeof(wrapped);
	RV(pk_wrap_rv(s, PK_KWP, &keks, found[0], wrapped, &n),
	   CKR_KEY_UNEXTRACTABLE);
	EVP_PKEY_free(key);
}

/* OpenSSL's key imported: the token's wrapping of it is, byte for byte,
 * OpenSSL's wrapping of OpenSSL's own PKCS#8 (every mechanism here is
 * deterministic with fixed parameters). */
static void test_wrap_equals_openssl(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	pk_keks keks = pk_make_keks(s);
	static uint8_t der[PK_MAX], ours[PK_MAX], theirs[PK_MAX];
	for (pk_kind kind = 0; kind < PK_KINDS; kind++) {
		EVP_PKEY *key = pk_ossl_key(kind);
		size_t length = pk_ossl_pkcs8(key, der, sizeof(der));
		CK_OBJECT_HANDLE object = pk_import(s, key, kind);
		for (pk_wrap w = 0; w < PK_WRAPS; w++) {
			if (w == PK_KW && length % 8 != 0)
				continue;
			char what[64];
			snprintf(what, sizeof(what), "%s wrapped by %s",
			         pk_name(kind), pk_wrap_name(w));
			size_t n = sizeof(ours);
			OKW(what, pk_wrap_rv(s, w, &keks, object, ours, &n));
			size_t m = pk_ossl_wrap(w, der, length, theirs);
			s_same(what, ours, n, theirs, m);
		}
		EVP_PKEY_free(key);
	}
}

/* CKA_UNWRAP_TEMPLATE of the unwrapping key: applied to private keys as
 * to secret keys, and it may be what makes the key private. */
static void test_unwrap_template(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	CK_OBJECT_CLASS private_class = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE wanted[] = {
	        H_ATTR_VAR(CKA_CLASS, private_class),
	        H_ATTR_VAR(CKA_SENSITIVE, h_true),
	        H_ATTR_VAR(CKA_EXTRACTABLE, h_false),
	};
	CK_ATTRIBUTE attributes[] = {
	        H_ATTR(CKA_UNWRAP_TEMPLATE, wanted, sizeof(wanted)),
	};
	pk_keks keks;
	OK(s_import_key_rv(s, CKK_AES, pk_kek_value, 32, attributes, 1,
	                   &keks.aes));
	keks.chacha = CK_INVALID_HANDLE;
	static uint8_t der[PK_MAX], wrapped[PK_MAX];
	EVP_PKEY *key = pk_ossl_key(PK_ED25519);
	size_t length = pk_ossl_pkcs8(key, der, sizeof(der));
	size_t n = pk_ossl_wrap(PK_KWP, der, length, wrapped);
	/* The caller's template says neither class nor sensitivity. */
	CK_ATTRIBUTE quiet[] = {H_ATTR_VAR(CKA_TOKEN, h_false),
	                        H_ATTR_VAR(CKA_SIGN, h_true)};
	s_mechanism m;
	pk_mech(PK_KWP, &m);
	CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
	OK(p11->C_UnwrapKey(s, &m.mechanism, keks.aes, wrapped, n, quiet, 2,
	                    &object));
	assert_int_equal(h_get_bool(s, object, CKA_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(s, object, CKA_EXTRACTABLE), CK_FALSE);
	pk_assert_unwrapped(s, object, PK_ED25519, key);
	pk_assert_same_key(s, object, PK_ED25519, key);
	/* One that agrees, and one that does not: pk_unwrap_rv's template
	 * asks for a readable key. */
	CK_ATTRIBUTE agree[] = {H_ATTR_VAR(CKA_SENSITIVE, h_true),
	                        H_ATTR_VAR(CKA_EXTRACTABLE, h_false)};
	OK(pk_unwrap_rv(s, PK_KWP, &keks, wrapped, n, CKK_EC_EDWARDS, agree, 2,
	                &object));
	RV(pk_unwrap_rv(s, PK_KWP, &keks, wrapped, n, CKK_EC_EDWARDS, NULL, 0,
	                &object),
	   CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(object, CK_INVALID_HANDLE);
	EVP_PKEY_free(key);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_wrap_generated_keys), T(test_unwrap_openssl_keys),
	        T(test_unwrap_token_object), T(test_wrap_equals_openssl),
	        T(test_unwrap_template),
	};
#undef T
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
