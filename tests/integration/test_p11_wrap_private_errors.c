/* What C_WrapKey and C_UnwrapKey refuse for private keys, each next to
 * the call that succeeds, through the real module:
 *  - policy: CKA_EXTRACTABLE false, CKA_WRAP_WITH_TRUSTED without (and
 *    with) a CKA_TRUSTED wrapping key, CKA_WRAP_TEMPLATE of the wrapping
 *    key, public keys, an RSA key without its CRT parts, RFC 3394 on an
 *    encoding that is not a multiple of 8 bytes;
 *  - RSA's mechanisms (OAEP, PKCS#1 v1.5), which carry secret keys only,
 *    even a private key's encoding that would fit;
 *  - tampered, truncated, oversized and garbage wrapped keys (a valid
 *    wrapping of something that is not a key's PKCS#8, or of an RSA key
 *    whose parts disagree, or of a secret key), per mechanism;
 *  - templates: a class and type that do not go together, a type that
 *    is not the encoding's, attributes the encoding decides, token
 *    objects in a read-only session;
 * and that no failure leaves an object behind. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_private.h"

#include <openssl/rsa.h>

#include <stdio.h>
#include <string.h>

/* The longest PKCS#8 encoding the module reads (CRY_PKCS8_MAX_BYTES). */
#define PKCS8_MAX 16384

static CK_ULONG unwrapped_objects(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE found[8];
	return h_find_label(s, PK_UNWRAPPED_LABEL, found, 8);
}

static void test_wrap_policy(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	pk_keks keks = pk_make_keks(s);
	EVP_PKEY *key = pk_ossl_key(PK_P256);
	static uint8_t wrapped[PK_MAX];
	size_t n = sizeof(wrapped);
	CK_OBJECT_HANDLE ok = pk_import(s, key, PK_P256);
	OK(pk_wrap_rv(s, PK_KWP, &keks, ok, wrapped, &n));

	/* Not extractable (the length query is refused too). */
	CK_ATTRIBUTE locked[] = {H_ATTR_VAR(CKA_EXTRACTABLE, h_false)};
	CK_OBJECT_HANDLE object;
	OK(pk_import_rv(s, key, PK_P256, true, locked, 1, &object));
	n = 0;
	RV(pk_wrap_rv(s, PK_KWP, &keks, object, NULL, &n),
	   CKR_KEY_UNEXTRACTABLE);
	n = sizeof(wrapped);
	RV(pk_wrap_rv(s, PK_GCM, &keks, object, wrapped, &n),
	   CKR_KEY_UNEXTRACTABLE);
	/* Generated keys are unextractable unless asked. */
	CK_OBJECT_HANDLE pub, priv;
	CK_ATTRIBUTE by_default[] = {H_ATTR_VAR(CKA_EXTRACTABLE, h_false)};
	OK(pk_generate_rv(s, PK_ED25519, by_default, 1, &pub, &priv));
	n = sizeof(wrapped);
	RV(pk_wrap_rv(s, PK_KWP, &keks, priv, wrapped, &n),
	   CKR_KEY_UNEXTRACTABLE);
	/* Public keys never wrap. */
	n = sizeof(wrapped);
	RV(pk_wrap_rv(s, PK_KWP, &keks, pub, wrapped, &n),
	   CKR_KEY_NOT_WRAPPABLE);

	/* CKA_WRAP_TEMPLATE: this KEK wraps EC keys only. */
	CK_KEY_TYPE ec = CKK_EC;
	CK_ATTRIBUTE only_ec[] = {H_ATTR_VAR(CKA_KEY_TYPE, ec)};
	CK_ATTRIBUTE kek_attributes[] = {
	        H_ATTR(CKA_WRAP_TEMPLATE, only_ec, sizeof(only_ec))};
	pk_keks ec_keks = keks;
	OK(s_import_key_rv(s, CKK_AES, pk_kek_value, 32, kek_attributes, 1,
	                   &ec_keks.aes));
	n = sizeof(wrapped);
	OK(pk_wrap_rv(s, PK_KWP, &ec_keks, ok, wrapped, &n));
	EVP_PKEY *ed = pk_ossl_key(PK_ED25519);
	CK_OBJECT_HANDLE ed_key = pk_import(s, ed, PK_ED25519);
	n = sizeof(wrapped);
	RV(pk_wrap_rv(s, PK_KWP, &ec_keks, ed_key, wrapped, &n),
	   CKR_KEY_NOT_WRAPPABLE);
	/* ... and this one secret keys only. */
	CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
	CK_ATTRIBUTE only_secret[] = {H_ATTR_VAR(CKA_CLASS, secret)};
	kek_attributes[0] = (CK_ATTRIBUTE)H_ATTR(CKA_WRAP_TEMPLATE, only_secret,
	                                         sizeof(only_secret));
	OK(s_import_key_rv(s, CKK_AES, pk_kek_value, 32, kek_attributes, 1,
	                   &ec_keks.aes));
	n = sizeof(wrapped);
	RV(pk_wrap_rv(s, PK_KWP, &ec_keks, ok, wrapped, &n),
	   CKR_KEY_NOT_WRAPPABLE);
	/* A KEK that may not wrap. */
	CK_ATTRIBUTE no_wrap[] = {H_ATTR_VAR(CKA_WRAP, h_false)};
	OK(s_import_key_rv(s, CKK_AES, pk_kek_value, 32, no_wrap, 1,
	                   &ec_keks.aes));
	n = sizeof(wrapped);
	RV(pk_wrap_rv(s, PK_KWP, &ec_keks, ok, wrapped, &n),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);

	/* RFC 3394 takes whole 8-byte blocks: a P-256 PKCS#8 is 138 bytes,
	 * an Ed25519 one 48. */
	n = 0;
	RV(pk_wrap_rv(s, PK_KW, &keks, ok, NULL, &n), CKR_KEY_SIZE_RANGE);
	n = sizeof(wrapped);
	RV(pk_wrap_rv(s, PK_KW, &keks, ok, wrapped, &n), CKR_KEY_SIZE_RANGE);
	n = sizeof(wrapped);
	OK(pk_wrap_rv(s, PK_KW, &keks, ed_key, wrapped, &n));
	assert_int_equal(n, pk_wrapped_length(PK_KW, 48));

	/* RSAPrivateKey needs the CRT parts; a key imported without them
	 * signs, but cannot be wrapped. */
	EVP_PKEY *rsa = pk_ossl_key(PK_RSA);
	OK(pk_import_rv(s, rsa, PK_RSA, false, NULL, 0, &object));
	n = sizeof(wrapped);
	RV(pk_wrap_rv(s, PK_KWP, &keks, object, wrapped, &n),
	   CKR_KEY_NOT_WRAPPABLE);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(key);
}

static void test_wrap_with_trusted(void **state)
{
	(void)state;
	/* The SO makes a trusted KEK (public, on the token: the user sees
	 * it). */
	CK_SESSION_HANDLE so = h_open(H.slot, true);
	assert_ok(h_login(so, CKU_SO, H_SO_PIN));
	CK_ATTRIBUTE trusted_attributes[] = {
	        H_ATTR_VAR(CKA_TOKEN, h_true),
	        H_ATTR_VAR(CKA_PRIVATE, h_false),
	        H_ATTR_VAR(CKA_TRUSTED, h_true),
	};
	pk_keks trusted = {CK_INVALID_HANDLE, CK_INVALID_HANDLE};
	OK(s_import_key_rv(so, CKK_AES, pk_kek_value, 32, trusted_attributes, 3,
	                   &trusted.aes));
	OK(p11->C_Logout(so));
	OK(p11->C_CloseSession(so));

	CK_SESSION_HANDLE s = s_user_session();
	pk_keks untrusted = pk_make_keks(s);
	EVP_PKEY *key = pk_ossl_key(PK_X25519);
	CK_ATTRIBUTE only_trusted[] = {
	        H_ATTR_VAR(CKA_WRAP_WITH_TRUSTED, h_true)};
	CK_OBJECT_HANDLE object;
	OK(pk_import_rv(s, key, PK_X25519, true, only_trusted, 1, &object));
	static uint8_t wrapped[PK_MAX], der[PK_MAX], theirs[PK_MAX];
	size_t n = sizeof(wrapped);
	RV(pk_wrap_rv(s, PK_KWP, &untrusted, object, wrapped, &n),
	   CKR_KEY_NOT_WRAPPABLE);
	n = sizeof(wrapped);
	OK(pk_wrap_rv(s, PK_KWP, &trusted, object, wrapped, &n));
	size_t length = pk_ossl_pkcs8(key, der, sizeof(der));
	size_t m = pk_ossl_wrap(PK_KWP, der, length, theirs);
	s_same("wrapped with the trusted KEK", wrapped, n, theirs, m);
	EVP_PKEY_free(key);
}

/* RSA-OAEP and PKCS#1 v1.5 wrap secret keys only: not a private key's
 * PKCS#8, even an Ed25519 one of 48 bytes that would fit. */
static void test_rsa_mechanisms(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	CK_OBJECT_HANDLE rsa_pub, rsa_priv;
	OK(pk_generate_rv(s, PK_RSA, NULL, 0, &rsa_pub, &rsa_priv));
	EVP_PKEY *key = pk_ossl_key(PK_ED25519);
	CK_OBJECT_HANDLE object = pk_import(s, key, PK_ED25519);
	CK_RSA_PKCS_OAEP_PARAMS p = {CKM_SHA256, CKG_MGF1_SHA256,
	                             CKZ_DATA_SPECIFIED, NULL, 0};
	CK_MECHANISM mechanisms[] = {{CKM_RSA_PKCS_OAEP, &p, sizeof(p)},
	                             {CKM_RSA_PKCS, NULL, 0}};
	static uint8_t wrapped[PK_MAX], der[PK_MAX];
	size_t length = pk_ossl_pkcs8(key, der, sizeof(der));
	EVP_PKEY *rsa = pk_token_public(s, rsa_pub);
	for (size_t i = 0; i < 2; i++) {
		CK_ULONG n = sizeof(wrapped);
		RV(p11->C_WrapKey(s, &mechanisms[i], rsa_pub, object, wrapped,
		                  &n),
		   CKR_KEY_NOT_WRAPPABLE);
		n = 0;
		RV(p11->C_WrapKey(s, &mechanisms[i], rsa_pub, object, NULL, &n),
		   CKR_KEY_NOT_WRAPPABLE);
		/* OpenSSL encrypts the PKCS#8 to the token's RSA key; the
		 * token will not make a private key of it. */
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(rsa, NULL);
		size_t out = sizeof(wrapped);
		assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
		if (i == 0) {
			assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(
			                         ctx, RSA_PKCS1_OAEP_PADDING),
			                 1);
			assert_int_equal(
			        EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()),
			        1);
			assert_int_equal(
			        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()),
			        1);
		} else {
			assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(
			                         ctx, RSA_PKCS1_PADDING),
			                 1);
		}
		assert_int_equal(
		        EVP_PKEY_encrypt(ctx, wrapped, &out, der, length), 1);
		EVP_PKEY_CTX_free(ctx);
		static CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
		CK_KEY_TYPE type = CKK_EC_EDWARDS;
		CK_ATTRIBUTE template[] = {
		        H_ATTR_VAR(CKA_CLASS, cls),
		        H_ATTR_VAR(CKA_KEY_TYPE, type),
		        H_ATTR_VAR(CKA_TOKEN, h_false),
		        H_ATTR_STR(CKA_LABEL, PK_UNWRAPPED_LABEL),
		};
		CK_OBJECT_HANDLE unwrapped = CK_INVALID_HANDLE;
		RV(p11->C_UnwrapKey(s, &mechanisms[i], rsa_priv, wrapped, out,
		                    template, 4, &unwrapped),
		   CKR_TEMPLATE_INCONSISTENT);
		assert_int_equal(unwrapped, CK_INVALID_HANDLE);
		/* Without CKA_KEY_TYPE too. */
		RV(p11->C_UnwrapKey(s, &mechanisms[i], rsa_priv, wrapped, out,
		                    template, 1, &unwrapped),
		   CKR_TEMPLATE_INCONSISTENT);
	}
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(key);
	assert_int_equal(unwrapped_objects(s), 0);
}

/* Bad wrapped keys: per mechanism, what the secret-key path answers. */
static void test_tampered_and_truncated(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	pk_keks keks = pk_make_keks(s);
	static uint8_t der[PK_MAX], wrapped[PK_MAX];
	static const pk_kind kinds[] = {PK_RSA, PK_ED25519, PK_P521};
	for (size_t k = 0; k < H_ARRAY_SIZE(kinds); k++) {
		EVP_PKEY *key = pk_ossl_key(kinds[k]);
		size_t length = pk_ossl_pkcs8(key, der, sizeof(der));
		for (pk_wrap w = 0; w < PK_WRAPS; w++) {
			if (w == PK_KW && length % 8 != 0)
				continue;
			char what[64];
			snprintf(what, sizeof(what), "%s by %s",
			         pk_name(kinds[k]), pk_wrap_name(w));
			size_t n = pk_ossl_wrap(w, der, length, wrapped);
			CK_OBJECT_HANDLE object;
			OKW(what, pk_unwrap_rv(s, w, &keks, wrapped, n,
			                       pk_key_type(kinds[k]), NULL, 0,
			                       &object));
			OK(p11->C_DestroyObject(s, object));
			/* A bit flipped: the integrity check, the tag, or (CBC,
			 * the last block) the padding or the encoding fails. */
			size_t from = w == PK_CBC_PAD ? n - 16 : 0;
			for (size_t at = from; at < n; at += (n - from) / 5) {
				wrapped[at] ^= 0x04;
				RVW(what,
				    pk_unwrap_rv(s, w, &keks, wrapped, n,
				                 pk_key_type(kinds[k]), NULL, 0,
				                 &object),
				    CKR_WRAPPED_KEY_INVALID);
				wrapped[at] ^= 0x04;
			}
			/* Truncated: by a byte (KWP, KW and CBC see it from
			 * the length; AEAD from the tag), by a block. */
			bool blocks = w == PK_KWP || w == PK_WRAP_PAD ||
			              w == PK_KW || w == PK_CBC_PAD;
			RVW(what,
			    pk_unwrap_rv(s, w, &keks, wrapped, n - 1,
			                 pk_key_type(kinds[k]), NULL, 0,
			                 &object),
			    blocks ? CKR_WRAPPED_KEY_LEN_RANGE
			           : CKR_WRAPPED_KEY_INVALID);
			size_t block = w == PK_CBC_PAD ? 16 : 8;
			RVW(what,
			    pk_unwrap_rv(s, w, &keks, wrapped, n - block,
			                 pk_key_type(kinds[k]), NULL, 0,
			                 &object),
			    CKR_WRAPPED_KEY_INVALID);
			RVW(what,
			    pk_unwrap_rv(s, w, &keks, wrapped, 0,
			                 pk_key_type(kinds[k]), NULL, 0,
			                 &object),
			    CKR_WRAPPED_KEY_LEN_RANGE);
		}
		EVP_PKEY_free(key);
	}
	/* More than any PKCS#8 key we read can wrap to. */
	static uint8_t big[PKCS8_MAX + 64];
	CK_OBJECT_HANDLE object;
	RV(pk_unwrap_rv(s, PK_GCM, &keks, big, sizeof(big), CKK_RSA, NULL, 0,
	                &object),
	   CKR_WRAPPED_KEY_LEN_RANGE);
	assert_int_equal(unwrapped_objects(s), 0);
}

/* Valid wrappings of what is not a usable private key. */
static void test_wrapped_garbage(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	pk_keks keks = pk_make_keks(s);
	static uint8_t der[PK_MAX], wrapped[PK_MAX];
	CK_OBJECT_HANDLE object;
	/* Noise, and an AES key's value. */
	uint8_t noise[200];
	s_fill(noise, sizeof(noise), 77);
	for (size_t length = 32; length <= sizeof(noise); length += 56) {
		size_t n = pk_ossl_wrap(PK_KWP, noise, length, wrapped);
		RV(pk_unwrap_rv(s, PK_KWP, &keks, wrapped, n,
		                CK_UNAVAILABLE_INFORMATION, NULL, 0, &object),
		   CKR_WRAPPED_KEY_INVALID);
		RV(pk_unwrap_rv(s, PK_KWP, &keks, wrapped, n, CKK_RSA, NULL, 0,
		                &object),
		   CKR_WRAPPED_KEY_INVALID);
	}
	/* PKCS#8 with a byte after it. */
	EVP_PKEY *key = pk_ossl_key(PK_P256);
	size_t length = pk_ossl_pkcs8(key, der, sizeof(der));
	der[length] = 0;
	size_t n = pk_ossl_wrap(PK_GCM, der, length + 1, wrapped);
	RV(pk_unwrap_rv(s, PK_GCM, &keks, wrapped, n, CKK_EC, NULL, 0, &object),
	   CKR_WRAPPED_KEY_INVALID);
	n = pk_ossl_wrap(PK_GCM, der, length, wrapped);
	OK(pk_unwrap_rv(s, PK_GCM, &keks, wrapped, n, CKK_EC, NULL, 0,
	                &object));
	OK(p11->C_DestroyObject(s, object));
	EVP_PKEY_free(key);
	/* Well-formed RSA PKCS#8 whose parts disagree: the coefficient's
	 * last byte altered (the encoding ends with it). */
	key = pk_ossl_key(PK_RSA);
	length = pk_ossl_pkcs8(key, der, sizeof(der));
	der[length - 1] ^= 0x01;
	n = pk_ossl_wrap(PK_KWP, der, length, wrapped);
	RV(pk_unwrap_rv(s, PK_KWP, &keks, wrapped, n, CKK_RSA, NULL, 0,
	                &object),
	   CKR_WRAPPED_KEY_INVALID);
	RV(pk_unwrap_rv(s, PK_KWP, &keks, wrapped, n,
	                CK_UNAVAILABLE_INFORMATION, NULL, 0, &object),
	   CKR_WRAPPED_KEY_INVALID);
	EVP_PKEY_free(key);
	assert_int_equal(unwrapped_objects(s), 0);
}

static void test_template_errors(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	pk_keks keks = pk_make_keks(s);
	static uint8_t der[PK_MAX], wrapped[PK_MAX];
	EVP_PKEY *key = pk_ossl_key(PK_RSA);
	size_t length = pk_ossl_pkcs8(key, der, sizeof(der));
	size_t n = pk_ossl_wrap(PK_KWP, der, length, wrapped);
	CK_OBJECT_HANDLE object;
	/* A private AES key cannot exist. */
	RV(pk_unwrap_rv(s, PK_KWP, &keks, wrapped, n, CKK_AES, NULL, 0,
	                &object),
	   CKR_TEMPLATE_INCONSISTENT);
	/* Another type than the encoding's: not a wrapped key of it. */
	static const CK_KEY_TYPE others[] = {CKK_EC, CKK_EC_EDWARDS,
	                                     CKK_EC_MONTGOMERY};
	for (size_t i = 0; i < H_ARRAY_SIZE(others); i++)
		RV(pk_unwrap_rv(s, PK_KWP, &keks, wrapped, n, others[i], NULL,
		                0, &object),
		   CKR_WRAPPED_KEY_INVALID);
	/* What the encoding decides cannot be given (footnote 6). */
	uint8_t modulus[4] = {1, 2, 3, 4};
	CK_ATTRIBUTE given[] = {
	        H_ATTR(CKA_MODULUS, modulus, 4),
	        H_ATTR(CKA_PUBLIC_EXPONENT, modulus, 3),
	        H_ATTR(CKA_PRIVATE_EXPONENT, modulus, 4),
	        H_ATTR(CKA_PRIME_1, modulus, 4),
	        H_ATTR_VAR(CKA_LOCAL, h_true),
	        H_ATTR_VAR(CKA_ALWAYS_SENSITIVE, h_true),
	        H_ATTR_VAR(CKA_NEVER_EXTRACTABLE, h_true),
	};
	for (size_t i = 0; i < H_ARRAY_SIZE(given); i++)
		RV(pk_unwrap_rv(s, PK_KWP, &keks, wrapped, n, CKK_RSA,
		                &given[i], 1, &object),
		   CKR_ATTRIBUTE_READ_ONLY);
	EVP_PKEY_free(key);
	key = pk_ossl_key(PK_P256);
	length = pk_ossl_pkcs8(key, der, sizeof(der));
	n = pk_ossl_wrap(PK_KWP, der, length, wrapped);
	static const uint8_t p384[] = {0x06, 0x05, 0x2b, 0x81,
	                               0x04, 0x00, 0x22};
	CK_ATTRIBUTE ec_given[] = {H_ATTR(CKA_EC_PARAMS, p384, sizeof(p384)),
	                           H_ATTR(CKA_VALUE, der, 32)};
	for (size_t i = 0; i < H_ARRAY_SIZE(ec_given); i++)
		RV(pk_unwrap_rv(s, PK_KWP, &keks, wrapped, n,
		                i == 0 ? CKK_EC : CK_UNAVAILABLE_INFORMATION,
		                &ec_given[i], 1, &object),
		   CKR_ATTRIBUTE_READ_ONLY);
	/* CKA_VALUE_LEN belongs to secret keys. */
	CK_ULONG value_length = 32;
	CK_ATTRIBUTE with_length[] = {H_ATTR_VAR(CKA_VALUE_LEN, value_length)};
	RV(pk_unwrap_rv(s, PK_KWP, &keks, wrapped, n, CKK_EC, with_length, 1,
	                &object),
	   CKR_TEMPLATE_INCONSISTENT);
	/* A token object in a read-only session, before any decryption
	 * when the type is given, after it otherwise. */
	CK_SESSION_HANDLE ro = h_open(H.slot, false);
	CK_ATTRIBUTE on_token[] = {H_ATTR_VAR(CKA_TOKEN, h_true)};
	RV(pk_unwrap_rv(ro, PK_KWP, &keks, wrapped, n, CKK_EC, on_token, 1,
	                &object),
	   CKR_SESSION_READ_ONLY);
	RV(pk_unwrap_rv(ro, PK_KWP, &keks, wrapped, n,
	                CK_UNAVAILABLE_INFORMATION, on_token, 1, &object),
	   CKR_SESSION_READ_ONLY);
	assert_int_equal(unwrapped_objects(s), 0);
	/* The same calls, right, succeed. */
	OK(pk_unwrap_rv(s, PK_KWP, &keks, wrapped, n,
	                CK_UNAVAILABLE_INFORMATION, on_token, 1, &object));
	pk_assert_unwrapped(s, object, PK_P256, key);
	assert_int_equal(unwrapped_objects(s), 1);
	EVP_PKEY_free(key);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_wrap_policy),     T(test_wrap_with_trusted),
	        T(test_rsa_mechanisms),  T(test_tampered_and_truncated),
	        T(test_wrapped_garbage), T(test_template_errors),
	};
#undef T
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
