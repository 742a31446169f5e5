/* RSA key objects through the module's ABI, checked against OpenSSL
 * (linked here):
 *  - C_GenerateKeyPair(CKM_RSA_PKCS_KEY_PAIR_GEN): the attributes of a
 *    generated pair, CKA_PUBLIC_KEY_INFO as OpenSSL parses it, the public
 *    exponent given or not, 3072 bits, the template errors;
 *  - C_CreateObject of private keys (all CRT parts, none, some, a part
 *    altered by one bit, sizes) and public keys (CKA_MODULUS_BITS and
 *    CKA_PUBLIC_KEY_INFO computed);
 *  - C_WrapKey / C_UnwrapKey of AES keys with CKM_RSA_PKCS_OAEP and
 *    CKM_RSA_PKCS, OpenSSL decrypting what the token wrapped and the
 *    token unwrapping what OpenSSL encrypted, and the errors;
 *  - CKA_ALWAYS_AUTHENTICATE on decryption and signing;
 *  - C_CopyObject of an RSA private key. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"
#include "p11_rsa_common.h"

#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdlib.h>
#include <string.h>

static const char message[] = "imported RSA keys sign like OpenSSL's";
#define MESSAGE_LENGTH (sizeof(message) - 1)

static const rsa_ossl_params PKCS1_SHA256 = {
        RSA_PKCS1_PADDING, NULL, NULL, 0, NULL, 0};

/* The key signs SHA256_RSA_PKCS exactly as OpenSSL does with its key. */
static void check_signs_like(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv,
                             EVP_PKEY *key, const char *what)
{
	CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, NULL, 0};
	CK_BYTE sig[RSA_MAX_BYTES], ossl[RSA_MAX_BYTES], digest[32];
	OK(p11->C_SignInit(s, &m, priv));
	CK_ULONG n = sizeof(sig);
	CK_RV rv =
	        p11->C_Sign(s, (CK_BYTE_PTR)message, MESSAGE_LENGTH, sig, &n);
	if (rv != CKR_OK)
		fail_msg("%s: C_Sign %s", what, rsa_rv_name(rv));
	rsa_digest(EVP_sha256(), message, MESSAGE_LENGTH, digest);
	rsa_ossl_params params = PKCS1_SHA256;
	params.md = EVP_sha256();
	size_t on = rsa_ossl_sign(key, &params, digest, 32, ossl);
	if (n != on || memcmp(sig, ossl, n) != 0)
		fail_msg("%s: the signature differs from OpenSSL's", what);
}

/* ===================================================================== */
/* Key generation                                                          */
/* ===================================================================== */

static void test_mechanism_info(void **state)
{
	(void)state;
	CK_MECHANISM_INFO info;
	OK(p11->C_GetMechanismInfo(H.slot, CKM_RSA_PKCS_KEY_PAIR_GEN, &info));
	assert_int_equal(info.flags & CKF_GENERATE_KEY_PAIR,
	                 CKF_GENERATE_KEY_PAIR);
	assert_int_equal(info.ulMinKeySize, 2048);
	assert_true(info.ulMaxKeySize >= 4096);
	CK_MECHANISM_TYPE signing[] = {CKM_RSA_PKCS, CKM_RSA_X_509,
	                               CKM_RSA_PKCS_PSS, CKM_SHA1_RSA_PKCS,
	                               CKM_SHA512_RSA_PKCS_PSS};
	for (size_t i = 0; i < H_ARRAY_SIZE(signing); i++) {
		OK(p11->C_GetMechanismInfo(H.slot, signing[i], &info));
		assert_int_equal(info.flags & (CKF_SIGN | CKF_VERIFY),
		                 CKF_SIGN | CKF_VERIFY);
		/* In bits, as the spec has it for RSA. */
		assert_true(info.ulMinKeySize <= 2048);
		assert_true(info.ulMaxKeySize >= 4096);
	}
}

/* The public key of an object's CKA_PUBLIC_KEY_INFO, as OpenSSL reads it. */
static EVP_PKEY *spki_of(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
	CK_BYTE der[1200];
	CK_ULONG n = h_get_bytes(s, o, CKA_PUBLIC_KEY_INFO, der, sizeof(der));
	assert_true(n > 0 && n <= sizeof(der));
	const unsigned char *p = der;
	EVP_PKEY *key = d2i_PUBKEY(NULL, &p, (long)n);
	if (key == NULL)
		fail_msg("d2i_PUBKEY cannot parse CKA_PUBLIC_KEY_INFO (%lu "
		         "bytes)",
		         (unsigned long)n);
	assert_ptr_equal(p, der + n);
	assert_int_equal(EVP_PKEY_get_base_id(key), EVP_PKEY_RSA);
	return key;
}

/* What every generated pair must have. */
static void check_generated(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub,
                            CK_OBJECT_HANDLE priv, CK_ULONG bits,
                            const CK_BYTE *exponent, size_t exponent_length)
{
	assert_int_equal(h_get_ulong(s, pub, CKA_CLASS), CKO_PUBLIC_KEY);
	assert_int_equal(h_get_ulong(s, priv, CKA_CLASS), CKO_PRIVATE_KEY);
	assert_int_equal(h_get_ulong(s, pub, CKA_KEY_TYPE), CKK_RSA);
	assert_int_equal(h_get_ulong(s, priv, CKA_KEY_TYPE), CKK_RSA);
	assert_int_equal(h_get_bool(s, pub, CKA_LOCAL), CK_TRUE);
	assert_int_equal(h_get_bool(s, priv, CKA_LOCAL), CK_TRUE);
	assert_int_equal(h_get_ulong(s, pub, CKA_KEY_GEN_MECHANISM),
	                 CKM_RSA_PKCS_KEY_PAIR_GEN);
	assert_int_equal(h_get_ulong(s, priv, CKA_KEY_GEN_MECHANISM),
	                 CKM_RSA_PKCS_KEY_PAIR_GEN);
	assert_int_equal(h_get_bool(s, priv, CKA_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(s, priv, CKA_EXTRACTABLE), CK_FALSE);
	assert_int_equal(h_get_bool(s, priv, CKA_ALWAYS_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(s, priv, CKA_NEVER_EXTRACTABLE), CK_TRUE);
	assert_int_equal(h_get_bool(s, priv, CKA_PRIVATE), CK_TRUE);
	assert_int_equal(h_get_ulong(s, pub, CKA_MODULUS_BITS), bits);

	/* The same modulus and exponent on both halves. */
	CK_BYTE n1[RSA_MAX_BYTES], n2[RSA_MAX_BYTES], e1[16], e2[16];
	CK_ULONG l1 = h_get_bytes(s, pub, CKA_MODULUS, n1, sizeof(n1));
	CK_ULONG l2 = h_get_bytes(s, priv, CKA_MODULUS, n2, sizeof(n2));
	assert_int_equal(l1, bits / 8);
	assert_int_equal(l2, bits / 8);
	assert_memory_equal(n1, n2, l1);
	assert_true(n1[0] & 0x80);
	assert_true(n1[l1 - 1] & 1);
	l1 = h_get_bytes(s, pub, CKA_PUBLIC_EXPONENT, e1, sizeof(e1));
	l2 = h_get_bytes(s, priv, CKA_PUBLIC_EXPONENT, e2, sizeof(e2));
	assert_int_equal(l1, exponent_length);
	assert_int_equal(l2, exponent_length);
	assert_memory_equal(e1, exponent, exponent_length);
	assert_memory_equal(e2, exponent, exponent_length);

	/* The private parts cannot be read, alone or with others. */
	for (int i = 2; i < RSA_PARTS; i++) {
		CK_BYTE value[RSA_MAX_BYTES];
		CK_ATTRIBUTE a =
		        H_ATTR(rsa_part_types[i], value, sizeof(value));
		RV(p11->C_GetAttributeValue(s, priv, &a, 1),
		   CKR_ATTRIBUTE_SENSITIVE);
		assert_int_equal(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
	}
	CK_BYTE d[RSA_MAX_BYTES];
	CK_ATTRIBUTE both[] = {H_ATTR(CKA_MODULUS, n2, sizeof(n2)),
	                       H_ATTR(CKA_PRIVATE_EXPONENT, d, sizeof(d))};
	RV(p11->C_GetAttributeValue(s, priv, both, 2), CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(both[0].ulValueLen, bits / 8);
	assert_int_equal(both[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);

	/* CKA_PUBLIC_KEY_INFO on both: OpenSSL reads n and e from it. */
	EVP_PKEY *from_attributes = rsa_token_public(s, pub);
	EVP_PKEY *pub_info = spki_of(s, pub);
	EVP_PKEY *priv_info = spki_of(s, priv);
	assert_true(rsa_same_public(from_attributes, pub_info));
	assert_true(rsa_same_public(from_attributes, priv_info));
	assert_int_equal(EVP_PKEY_get_bits(pub_info), (int)bits);
	EVP_PKEY_free(from_attributes);
	EVP_PKEY_free(pub_info);
	EVP_PKEY_free(priv_info);
}

/* Signs with the private key, verified by OpenSSL with the public key's
 * modulus and exponent. */
static void check_signs(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub,
                        CK_OBJECT_HANDLE priv, CK_ULONG bytes)
{
	CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, NULL, 0};
	CK_BYTE sig[RSA_MAX_BYTES], digest[64];
	OK(p11->C_SignInit(s, &m, priv));
	CK_ULONG n = 0;
	OK(p11->C_Sign(s, (CK_BYTE_PTR)message, MESSAGE_LENGTH, NULL, &n));
	assert_int_equal(n, bytes);
	OK(p11->C_Sign(s, (CK_BYTE_PTR)message, MESSAGE_LENGTH, sig, &n));
	assert_int_equal(n, bytes);
	EVP_PKEY *key = rsa_token_public(s, pub);
	rsa_ossl_params params = {
	        RSA_PKCS1_PADDING, EVP_sha256(), NULL, 0, NULL, 0};
	size_t dl = rsa_digest(EVP_sha256(), message, MESSAGE_LENGTH, digest);
	assert_true(rsa_ossl_verify(key, &params, digest, dl, sig, n));
	OK(rsa_verify_rv(s, &m, pub, message, MESSAGE_LENGTH, sig, n));
	EVP_PKEY_free(key);
}

static void test_keygen_attributes(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	static const CK_BYTE f4[] = {0x01, 0x00, 0x01};
	check_generated(k.s, k.gen_pub, k.gen_priv, 2048, f4, sizeof(f4));
	/* The template's CKA_ID and CKA_TOKEN were kept. */
	CK_BYTE id[8];
	assert_int_equal(h_get_bytes(k.s, k.gen_pub, CKA_ID, id, sizeof(id)),
	                 2);
	assert_int_equal(h_get_bool(k.s, k.gen_priv, CKA_TOKEN), CK_TRUE);
	check_signs(k.s, k.gen_pub, k.gen_priv, 256);
}

static void test_keygen_exponent(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	static const CK_BYTE three[] = {0x03};
	CK_OBJECT_HANDLE pub, priv;
	OK(rsa_generate_rv(k.s, 2048, three, sizeof(three), NULL, 0, &pub,
	                   &priv));
	check_generated(k.s, pub, priv, 2048, three, sizeof(three));
	check_signs(k.s, pub, priv, 256);
	/* CKA_LOCAL, CKA_ALWAYS_SENSITIVE... for session objects too; the
	 * pair is gone with the session. */
	OK(p11->C_CloseSession(k.s));
	CK_SESSION_HANDLE s = h_open(H.slot, false);
	CK_BYTE n[RSA_MAX_BYTES];
	CK_ATTRIBUTE a = H_ATTR(CKA_MODULUS, n, sizeof(n));
	RV(p11->C_GetAttributeValue(s, pub, &a, 1), CKR_OBJECT_HANDLE_INVALID);
}

static void test_keygen_3072(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	static const CK_BYTE f4[] = {0x01, 0x00, 0x01};
	CK_OBJECT_HANDLE pub, priv;
	OK(rsa_generate_rv(k.s, 3072, NULL, 0, NULL, 0, &pub, &priv));
	check_generated(k.s, pub, priv, 3072, f4, sizeof(f4));
	check_signs(k.s, pub, priv, 384);
}

static void test_keygen_errors(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	CK_SESSION_HANDLE s = k.s;
	CK_OBJECT_HANDLE pub, priv;
	CK_MECHANISM m = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};

	/* No CKA_MODULUS_BITS. */
	CK_ATTRIBUTE no_bits[] = {H_ATTR_VAR(CKA_TOKEN, h_false)};
	RV(p11->C_GenerateKeyPair(s, &m, no_bits, 1, NULL, 0, &pub, &priv),
	   CKR_TEMPLATE_INCOMPLETE);
	RV(p11->C_GenerateKeyPair(s, &m, NULL, 0, NULL, 0, &pub, &priv),
	   CKR_TEMPLATE_INCOMPLETE);

	/* Sizes the mechanism does not make. */
	CK_ULONG sizes[] = {0, 512, 1000, 1024, 2047, 2049, 8200, 16384};
	for (size_t i = 0; i < H_ARRAY_SIZE(sizes); i++) {
		CK_RV rv = rsa_generate_rv(s, sizes[i], NULL, 0, NULL, 0, &pub,
		                           &priv);
		if (rv != CKR_KEY_SIZE_RANGE)
			fail_msg("%lu bits: %s, expected CKR_KEY_SIZE_RANGE",
			         (unsigned long)sizes[i], rsa_rv_name(rv));
	}
	/* A CKA_MODULUS_BITS that is not a CK_ULONG. */
	CK_BYTE four[4] = {0, 8, 0, 0};
	CK_ATTRIBUTE short_bits[] = {H_ATTR(CKA_MODULUS_BITS, four, 4)};
	RV(p11->C_GenerateKeyPair(s, &m, short_bits, 1, NULL, 0, &pub, &priv),
	   CKR_ATTRIBUTE_VALUE_INVALID);

	/* Public exponents RSA cannot use: even, 1, 0. */
	static const CK_BYTE even[][3] = {{0x01, 0x00, 0x00},
	                                  {0x00, 0x00, 0x04},
	                                  {0x00, 0x00, 0x01},
	                                  {0x00, 0x00, 0x00}};
	for (size_t i = 0; i < H_ARRAY_SIZE(even); i++) {
		CK_RV rv = rsa_generate_rv(s, 2048, even[i], 3, NULL, 0, &pub,
		                           &priv);
		if (rv != CKR_ATTRIBUTE_VALUE_INVALID)
			fail_msg("exponent %s: %s, expected "
			         "CKR_ATTRIBUTE_VALUE_INVALID",
			         h_hex(even[i], 3), rsa_rv_name(rv));
	}

	/* Material the mechanism makes cannot be given. */
	CK_BYTE modulus[RSA_BYTES];
	memset(modulus, 0xc5, sizeof(modulus));
	CK_ULONG bits = 2048;
	CK_ATTRIBUTE with_modulus[] = {
	        H_ATTR_VAR(CKA_MODULUS_BITS, bits),
	        H_ATTR(CKA_MODULUS, modulus, sizeof(modulus)),
	};
	RV(p11->C_GenerateKeyPair(s, &m, with_modulus, 2, NULL, 0, &pub, &priv),
	   CKR_ATTRIBUTE_READ_ONLY);
	CK_ATTRIBUTE with_d[] = {H_ATTR(CKA_PRIVATE_EXPONENT, modulus, 256)};
	RV(p11->C_GenerateKeyPair(s, &m, with_modulus, 1, with_d, 1, &pub,
	                          &priv),
	   CKR_ATTRIBUTE_READ_ONLY);

	/* Another key type, a parameter, the wrong mechanism. */
	CK_KEY_TYPE ec = CKK_EC;
	CK_ATTRIBUTE ec_type[] = {H_ATTR_VAR(CKA_MODULUS_BITS, bits),
	                          H_ATTR_VAR(CKA_KEY_TYPE, ec)};
	RV(p11->C_GenerateKeyPair(s, &m, ec_type, 2, NULL, 0, &pub, &priv),
	   CKR_TEMPLATE_INCONSISTENT);
	CK_ULONG parameter = 1;
	CK_MECHANISM with_parameter = {CKM_RSA_PKCS_KEY_PAIR_GEN, &parameter,
	                               sizeof(parameter)};
	RV(p11->C_GenerateKeyPair(s, &with_parameter, with_modulus, 1, NULL, 0,
	                          &pub, &priv),
	   CKR_MECHANISM_PARAM_INVALID);
	CK_MECHANISM pkcs = {CKM_RSA_PKCS, NULL, 0};
	RV(p11->C_GenerateKeyPair(s, &pkcs, with_modulus, 1, NULL, 0, &pub,
	                          &priv),
	   CKR_MECHANISM_INVALID);
	CK_ATTRIBUTE len[] = {H_ATTR_VAR(CKA_VALUE_LEN, bits)};
	RV(p11->C_GenerateKey(s, &m, len, 1, &pub), CKR_MECHANISM_INVALID);
	/* No mechanism at all (keygen.c's argument checks); a parameter to
	 * a secret-key generator that takes none. */
	RV(p11->C_GenerateKeyPair(s, NULL, with_modulus, 1, NULL, 0, &pub,
	                          &priv),
	   CKR_ARGUMENTS_BAD);
	RV(p11->C_GenerateKey(s, NULL, len, 1, &pub), CKR_ARGUMENTS_BAD);
	CK_ULONG aes_length = 32;
	CK_ATTRIBUTE aes_t[] = {H_ATTR_VAR(CKA_VALUE_LEN, aes_length)};
	CK_MECHANISM aes_gen = {CKM_AES_KEY_GEN, &parameter, sizeof(parameter)};
	RV(p11->C_GenerateKey(s, &aes_gen, aes_t, 1, &pub),
	   CKR_MECHANISM_PARAM_INVALID);
	aes_gen.pParameter = NULL;
	aes_gen.ulParameterLen = 0;
	OK(p11->C_GenerateKey(s, &aes_gen, aes_t, 1, &pub));

	/* Nothing was left behind. */
	CK_ATTRIBUTE label[] = {H_ATTR_STR(CKA_LABEL, "rsa session")};
	CK_OBJECT_HANDLE found[4];
	assert_int_equal(h_find(s, label, 1, found, 4), 0);
}

/* ===================================================================== */
/* Import                                                                  */
/* ===================================================================== */

static void test_import_private(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	CK_OBJECT_HANDLE o;
	/* All parts. */
	OK(rsa_import_private_rv(k.s, rsa_ossl_key, false, "all", 0, -1, NULL,
	                         0, &o));
	check_signs_like(k.s, o, rsa_ossl_key, "all parts");
	check_signs_like(k.s, k.ossl_priv, rsa_ossl_key, "token object");
	assert_int_equal(h_get_bool(k.s, o, CKA_LOCAL), CK_FALSE);
	assert_int_equal(h_get_bool(k.s, o, CKA_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(k.s, o, CKA_ALWAYS_SENSITIVE), CK_FALSE);
	assert_int_equal(h_get_bool(k.s, o, CKA_NEVER_EXTRACTABLE), CK_FALSE);
	CK_BYTE value[RSA_MAX_BYTES];
	CK_ATTRIBUTE d = H_ATTR(CKA_PRIVATE_EXPONENT, value, sizeof(value));
	RV(p11->C_GetAttributeValue(k.s, o, &d, 1), CKR_ATTRIBUTE_SENSITIVE);
	/* CKA_PUBLIC_KEY_INFO computed from n and e. */
	EVP_PKEY *info = spki_of(k.s, o);
	assert_true(rsa_same_public(info, rsa_ossl_key));
	EVP_PKEY_free(info);

	/* Not sensitive: every part reads back as OpenSSL has it. */
	CK_ATTRIBUTE readable[] = {H_ATTR_VAR(CKA_SENSITIVE, h_false),
	                           H_ATTR_VAR(CKA_EXTRACTABLE, h_true)};
	OK(rsa_import_private_rv(k.s, rsa_ossl_key, false, "readable", 0, -1,
	                         readable, 2, &o));
	for (int i = 0; i < RSA_PARTS; i++) {
		CK_BYTE expected[RSA_MAX_BYTES];
		size_t el = rsa_ossl_part(rsa_ossl_key, i, expected,
		                          sizeof(expected));
		CK_ULONG got = h_get_bytes(k.s, o, rsa_part_types[i], value,
		                           sizeof(value));
		if (got != el || memcmp(value, expected, el) != 0)
			fail_msg(
			        "part %d reads back as %lu bytes, expected %zu",
			        i, (unsigned long)got, el);
	}

	/* Without the CRT parts (n, e, d only). */
	OK(rsa_import_private_rv(k.s, rsa_ossl_key, false, "no CRT", 0xf8, -1,
	                         NULL, 0, &o));
	check_signs_like(k.s, o, rsa_ossl_key, "no CRT parts");

	/* Without the public exponent (allowed for a private key): it
	 * signs, and has no CKA_PUBLIC_KEY_INFO to offer. */
	OK(rsa_import_private_rv(k.s, rsa_ossl_key, false, "no e", 0x02, -1,
	                         NULL, 0, &o));
	check_signs_like(k.s, o, rsa_ossl_key, "no public exponent");

	/* Missing n or d. */
	RV(rsa_import_private_rv(k.s, rsa_ossl_key, false, "no n", 0x01, -1,
	                         NULL, 0, &o),
	   CKR_TEMPLATE_INCOMPLETE);
	RV(rsa_import_private_rv(k.s, rsa_ossl_key, false, "no d", 0x04, -1,
	                         NULL, 0, &o),
	   CKR_TEMPLATE_INCOMPLETE);

	/* Some CRT parts only: all or none. */
	unsigned some[] = {0x08, 0x10, 0x80, 0xc0, 0xe0, 0x70};
	for (size_t i = 0; i < H_ARRAY_SIZE(some); i++) {
		CK_RV rv =
		        rsa_import_private_rv(k.s, rsa_ossl_key, false, "some",
		                              some[i], -1, NULL, 0, &o);
		if (rv != CKR_ATTRIBUTE_VALUE_INVALID)
			fail_msg("parts 0x%02x left out: %s, expected "
			         "CKR_ATTRIBUTE_VALUE_INVALID",
			         some[i], rsa_rv_name(rv));
	}

	/* Each part altered by one bit: the key is inconsistent. */
	for (int i = 0; i < RSA_PARTS; i++) {
		CK_RV rv = rsa_import_private_rv(k.s, rsa_ossl_key, false,
		                                 "flipped", 0, i, NULL, 0, &o);
		if (rv != CKR_ATTRIBUTE_VALUE_INVALID)
			fail_msg("part %d altered: %s, expected "
			         "CKR_ATTRIBUTE_VALUE_INVALID",
			         i, rsa_rv_name(rv));
	}
	/* Altered with no CRT parts to check against: d alone. */
	RV(rsa_import_private_rv(k.s, rsa_ossl_key, false, "flipped d", 0xf8, 2,
	                         NULL, 0, &o),
	   CKR_ATTRIBUTE_VALUE_INVALID);

	/* Nothing was stored by the failures. */
	CK_ATTRIBUTE flipped[] = {H_ATTR_STR(CKA_LABEL, "flipped")};
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find(k.s, flipped, 1, found, 2), 0);
}

static void test_import_sizes(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	CK_OBJECT_HANDLE o;
	/* 1024 bits, the smallest accepted. */
	EVP_PKEY *small = EVP_RSA_gen(1024);
	assert_non_null(small);
	OK(rsa_import_private_rv(k.s, small, false, "1024", 0, -1, NULL, 0,
	                         &o));
	check_signs_like(k.s, o, small, "1024 bits");
	OK(rsa_import_public_rv(k.s, small, false, "1024", NULL, 0, &o));
	assert_int_equal(h_get_ulong(k.s, o, CKA_MODULUS_BITS), 1024);
	EVP_PKEY_free(small);
	/* 512 bits: too small. */
	EVP_PKEY *tiny = EVP_RSA_gen(512);
	assert_non_null(tiny);
	RV(rsa_import_private_rv(k.s, tiny, false, "512", 0, -1, NULL, 0, &o),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	RV(rsa_import_public_rv(k.s, tiny, false, "512", NULL, 0, &o),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	EVP_PKEY_free(tiny);
}

static void test_import_public(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	CK_OBJECT_HANDLE o;
	OK(rsa_import_public_rv(k.s, rsa_ossl_key, false, "public", NULL, 0,
	                        &o));
	assert_int_equal(h_get_ulong(k.s, o, CKA_MODULUS_BITS), 2048);
	assert_int_equal(h_get_bool(k.s, o, CKA_LOCAL), CK_FALSE);
	EVP_PKEY *info = spki_of(k.s, o);
	assert_true(rsa_same_public(info, rsa_ossl_key));
	EVP_PKEY_free(info);

	/* It verifies OpenSSL's signature and encrypts for OpenSSL. */
	CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, NULL, 0};
	CK_BYTE sig[RSA_MAX_BYTES], digest[32], out[RSA_MAX_BYTES];
	rsa_digest(EVP_sha256(), message, MESSAGE_LENGTH, digest);
	rsa_ossl_params params = PKCS1_SHA256;
	params.md = EVP_sha256();
	size_t n = rsa_ossl_sign(rsa_ossl_key, &params, digest, 32, sig);
	OK(rsa_verify_rv(k.s, &m, o, message, MESSAGE_LENGTH, sig, n));
	CK_MECHANISM pkcs = {CKM_RSA_PKCS, NULL, 0};
	n = rsa_encrypt_one(k.s, &pkcs, o, "secret", 6, sig);
	rsa_ossl_params pad = PKCS1_SHA256;
	assert_int_equal(rsa_ossl_decrypt(rsa_ossl_key, &pad, sig, n, out), 6);
	assert_memory_equal(out, "secret", 6);

	/* A modulus with a leading zero byte: still 2048 bits, k = 256. */
	CK_BYTE modulus[RSA_BYTES + 1] = {0};
	rsa_ossl_part(rsa_ossl_key, 0, modulus + 1, RSA_BYTES);
	CK_ATTRIBUTE padded[] = {H_ATTR(CKA_MODULUS, modulus, sizeof(modulus))};
	OK(rsa_import_public_rv(k.s, rsa_ossl_key, false, "padded", padded, 1,
	                        &o));
	assert_int_equal(h_get_ulong(k.s, o, CKA_MODULUS_BITS), 2048);
	n = rsa_ossl_sign(rsa_ossl_key, &params, digest, 32, sig);
	OK(rsa_verify_rv(k.s, &m, o, message, MESSAGE_LENGTH, sig, n));
	n = rsa_encrypt_one(k.s, &pkcs, o, "secret", 6, sig);
	assert_int_equal(n, RSA_BYTES);

	/* CKA_MODULUS_BITS is computed, not given; n and e are needed. */
	CK_ULONG bits = 2048;
	CK_ATTRIBUTE with_bits[] = {H_ATTR_VAR(CKA_MODULUS_BITS, bits)};
	RV(rsa_import_public_rv(k.s, rsa_ossl_key, false, "bits", with_bits, 1,
	                        &o),
	   CKR_ATTRIBUTE_READ_ONLY);
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE type = CKK_RSA;
	CK_BYTE e[] = {1, 0, 1};
	CK_ATTRIBUTE only_e[] = {H_ATTR_VAR(CKA_CLASS, cls),
	                         H_ATTR_VAR(CKA_KEY_TYPE, type),
	                         H_ATTR(CKA_PUBLIC_EXPONENT, e, sizeof(e))};
	RV(p11->C_CreateObject(k.s, only_e, 3, &o), CKR_TEMPLATE_INCOMPLETE);
	CK_ATTRIBUTE only_n[] = {H_ATTR_VAR(CKA_CLASS, cls),
	                         H_ATTR_VAR(CKA_KEY_TYPE, type),
	                         H_ATTR(CKA_MODULUS, modulus + 1, RSA_BYTES)};
	RV(p11->C_CreateObject(k.s, only_n, 3, &o), CKR_TEMPLATE_INCOMPLETE);
}

/* ===================================================================== */
/* Wrapping                                                                */
/* ===================================================================== */

static CK_OBJECT_HANDLE unwrap_rv_handle;

static CK_RV unwrap_aes(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                        CK_OBJECT_HANDLE key, const CK_BYTE *wrapped,
                        CK_ULONG length, CK_ULONG value_length)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_AES;
	CK_ATTRIBUTE t[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_KEY_TYPE, type),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_SENSITIVE, h_false),
	        H_ATTR_VAR(CKA_EXTRACTABLE, h_true),
	        H_ATTR_STR(CKA_LABEL, "unwrapped"),
	        H_ATTR_VAR(CKA_VALUE_LEN, value_length),
	};
	unwrap_rv_handle = CK_INVALID_HANDLE;
	return p11->C_UnwrapKey(s, m, key, (CK_BYTE_PTR)wrapped, length, t,
	                        H_ARRAY_SIZE(t) - (value_length == 0),
	                        &unwrap_rv_handle);
}

static void check_unwrapped(CK_SESSION_HANDLE s, const CK_BYTE *expected,
                            size_t length)
{
	CK_BYTE value[64];
	CK_ULONG n = h_get_bytes(s, unwrap_rv_handle, CKA_VALUE, value,
	                         sizeof(value));
	assert_int_equal(n, length);
	assert_memory_equal(value, expected, length);
	assert_int_equal(h_get_ulong(s, unwrap_rv_handle, CKA_VALUE_LEN),
	                 length);
	assert_int_equal(h_get_bool(s, unwrap_rv_handle, CKA_LOCAL), CK_FALSE);
}

static void test_wrap_oaep(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	CK_OBJECT_HANDLE aes;
	OK(h_create_aes_rv(k.s, false, true, true, true, "extractable", &aes));
	static const char label[] = "wrapping label";
	CK_RSA_PKCS_OAEP_PARAMS oaep[] = {
	        {CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, NULL, 0},
	        {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, (void *)label,
	         sizeof(label) - 1},
	};
	rsa_ossl_params params[] = {
	        {RSA_PKCS1_OAEP_PADDING, EVP_sha1(), EVP_sha1(), 0, NULL, 0},
	        {RSA_PKCS1_OAEP_PADDING, EVP_sha256(), EVP_sha256(), 0,
	         (const CK_BYTE *)label, sizeof(label) - 1},
	};
	CK_BYTE wrapped[RSA_MAX_BYTES], out[RSA_MAX_BYTES];
	for (size_t i = 0; i < H_ARRAY_SIZE(oaep); i++) {
		CK_MECHANISM m = {CKM_RSA_PKCS_OAEP, &oaep[i], sizeof(oaep[i])};
		/* The length query. */
		CK_ULONG n = 0;
		OK(p11->C_WrapKey(k.s, &m, k.ossl_pub, aes, NULL, &n));
		assert_int_equal(n, RSA_BYTES);
		n = RSA_BYTES - 1;
		RV(p11->C_WrapKey(k.s, &m, k.ossl_pub, aes, wrapped, &n),
		   CKR_BUFFER_TOO_SMALL);
		assert_int_equal(n, RSA_BYTES);
		n = sizeof(wrapped);
		OK(p11->C_WrapKey(k.s, &m, k.ossl_pub, aes, wrapped, &n));
		assert_int_equal(n, RSA_BYTES);
		/* OpenSSL, holding the private key, finds the AES key. */
		size_t d = rsa_ossl_decrypt(rsa_ossl_key, &params[i], wrapped,
		                            n, out);
		assert_int_equal(d, 32);
		assert_memory_equal(out, h_aes_key, 32);
		/* The token unwraps it into a key of the same value. */
		OK(unwrap_aes(k.s, &m, k.ossl_priv, wrapped, n, 0));
		check_unwrapped(k.s, h_aes_key, 32);
		OK(unwrap_aes(k.s, &m, k.ossl_priv, wrapped, n, 32));
		check_unwrapped(k.s, h_aes_key, 32);
		/* The unwrapped key works: it encrypts like the original. */
		CK_MECHANISM ecb = {CKM_AES_ECB, NULL, 0};
		CK_BYTE block[16] = {1, 2, 3}, c1[16], c2[16];
		OK(p11->C_EncryptInit(k.s, &ecb, aes));
		CK_ULONG cl = sizeof(c1);
		OK(p11->C_Encrypt(k.s, block, 16, c1, &cl));
		OK(p11->C_EncryptInit(k.s, &ecb, unwrap_rv_handle));
		cl = sizeof(c2);
		OK(p11->C_Encrypt(k.s, block, 16, c2, &cl));
		assert_memory_equal(c1, c2, 16);

		/* Tampered: refused, no key made. */
		wrapped[40] ^= 0x20;
		RV(unwrap_aes(k.s, &m, k.ossl_priv, wrapped, n, 0),
		   CKR_WRAPPED_KEY_INVALID);
		assert_int_equal(unwrap_rv_handle, CK_INVALID_HANDLE);
		wrapped[40] ^= 0x20;
		/* Not k bytes. */
		RV(unwrap_aes(k.s, &m, k.ossl_priv, wrapped, n - 1, 0),
		   CKR_WRAPPED_KEY_LEN_RANGE);
		RV(unwrap_aes(k.s, &m, k.ossl_priv, wrapped, n + 1, 0),
		   CKR_WRAPPED_KEY_LEN_RANGE);
		/* A length the template does not allow. */
		RV(unwrap_aes(k.s, &m, k.ossl_priv, wrapped, n, 16),
		   CKR_TEMPLATE_INCONSISTENT);
		/* OpenSSL wraps a 16-byte key for the generated pair. */
		EVP_PKEY *gen = rsa_token_public(k.s, k.gen_pub);
		static const CK_BYTE aes128[16] = {
		        0xa1, 0xa2, 0xa3, 0xa4, 5,  6,  7,  8,
		        9,    10,   11,   12,   13, 14, 15, 16};
		size_t on =
		        rsa_ossl_encrypt(gen, &params[i], aes128, 16, wrapped);
		OK(unwrap_aes(k.s, &m, k.gen_priv, wrapped, on, 0));
		check_unwrapped(k.s, aes128, 16);
		/* 20 bytes cannot be an AES key, nor can none. */
		on = rsa_ossl_encrypt(gen, &params[i], out, 20, wrapped);
		RV(unwrap_aes(k.s, &m, k.gen_priv, wrapped, on, 0),
		   CKR_WRAPPED_KEY_INVALID);
		on = rsa_ossl_encrypt(gen, &params[i], out, 0, wrapped);
		RV(unwrap_aes(k.s, &m, k.gen_priv, wrapped, on, 0),
		   CKR_WRAPPED_KEY_INVALID);
		EVP_PKEY_free(gen);
	}
}

static void test_wrap_pkcs1_and_errors(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	CK_OBJECT_HANDLE aes, locked;
	OK(h_create_aes_rv(k.s, false, true, true, true, "extractable", &aes));
	OK(h_create_aes_rv(k.s, false, true, true, false, "unextractable",
	                   &locked));
	CK_MECHANISM m = {CKM_RSA_PKCS, NULL, 0};
	CK_BYTE wrapped[RSA_MAX_BYTES], out[RSA_MAX_BYTES];
	CK_ULONG n = sizeof(wrapped);
	OK(p11->C_WrapKey(k.s, &m, k.ossl_pub, aes, wrapped, &n));
	assert_int_equal(n, RSA_BYTES);
	rsa_ossl_params pad = PKCS1_SHA256;
	assert_int_equal(rsa_ossl_decrypt(rsa_ossl_key, &pad, wrapped, n, out),
	                 32);
	assert_memory_equal(out, h_aes_key, 32);
	OK(unwrap_aes(k.s, &m, k.ossl_priv, wrapped, n, 0));
	check_unwrapped(k.s, h_aes_key, 32);
	/* Tampered (with OpenSSL 3.2's implicit rejection the padding
	 * check cannot fail: a pseudo-random value, not checked here). */
	wrapped[3] ^= 1;
	if (!rsa_implicit_rejection())
		RV(unwrap_aes(k.s, &m, k.ossl_priv, wrapped, n, 0),
		   CKR_WRAPPED_KEY_INVALID);

	CK_RSA_PKCS_OAEP_PARAMS p = {CKM_SHA256, CKG_MGF1_SHA256,
	                             CKZ_DATA_SPECIFIED, NULL, 0};
	CK_MECHANISM oaep = {CKM_RSA_PKCS_OAEP, &p, sizeof(p)};
	/* Unextractable, or not a secret key. */
	n = sizeof(wrapped);
	RV(p11->C_WrapKey(k.s, &oaep, k.gen_pub, locked, wrapped, &n),
	   CKR_KEY_UNEXTRACTABLE);
	n = sizeof(wrapped);
	RV(p11->C_WrapKey(k.s, &oaep, k.gen_pub, k.ossl_priv, wrapped, &n),
	   CKR_KEY_NOT_WRAPPABLE);
	/* The wrapping key must allow it and be of the right kind. */
	CK_ATTRIBUTE no_wrap[] = {H_ATTR_VAR(CKA_WRAP, h_false)};
	CK_OBJECT_HANDLE pub, priv;
	OK(rsa_import_public_rv(k.s, rsa_ossl_key, false, "no wrap", no_wrap, 1,
	                        &pub));
	n = sizeof(wrapped);
	RV(p11->C_WrapKey(k.s, &oaep, pub, aes, wrapped, &n),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);
	n = sizeof(wrapped);
	RV(p11->C_WrapKey(k.s, &oaep, k.gen_priv, aes, wrapped, &n),
	   CKR_WRAPPING_KEY_TYPE_INCONSISTENT);
	n = sizeof(wrapped);
	RV(p11->C_WrapKey(k.s, &oaep, aes, aes, wrapped, &n),
	   CKR_WRAPPING_KEY_TYPE_INCONSISTENT);
	n = sizeof(wrapped);
	OK(p11->C_WrapKey(k.s, &oaep, k.gen_pub, aes, wrapped, &n));
	CK_ATTRIBUTE no_unwrap[] = {H_ATTR_VAR(CKA_UNWRAP, h_false)};
	OK(rsa_import_private_rv(k.s, rsa_ossl_key, false, "no unwrap", 0, -1,
	                         no_unwrap, 1, &priv));
	RV(unwrap_aes(k.s, &oaep, priv, wrapped, n, 0),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);
	RV(unwrap_aes(k.s, &oaep, k.gen_pub, wrapped, n, 0),
	   CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT);
	/* The wrong private key: the padding does not check. */
	RV(unwrap_aes(k.s, &oaep, k.ossl_priv, wrapped, n, 0),
	   CKR_WRAPPED_KEY_INVALID);
	OK(unwrap_aes(k.s, &oaep, k.gen_priv, wrapped, n, 0));
	check_unwrapped(k.s, h_aes_key, 32);
	/* Bad parameters; mechanisms that do not wrap. */
	CK_RSA_PKCS_OAEP_PARAMS bad = p;
	bad.hash_alg = 0x7777;
	CK_MECHANISM bad_oaep = {CKM_RSA_PKCS_OAEP, &bad, sizeof(bad)};
	n = sizeof(wrapped);
	RV(p11->C_WrapKey(k.s, &bad_oaep, k.gen_pub, aes, wrapped, &n),
	   CKR_MECHANISM_PARAM_INVALID);
	RV(unwrap_aes(k.s, &bad_oaep, k.gen_priv, wrapped, RSA_BYTES, 0),
	   CKR_MECHANISM_PARAM_INVALID);
	CK_MECHANISM x509 = {CKM_RSA_X_509, NULL, 0};
	CK_MECHANISM pss = {CKM_SHA256_RSA_PKCS_PSS, NULL, 0};
	n = sizeof(wrapped);
	RV(p11->C_WrapKey(k.s, &x509, k.gen_pub, aes, wrapped, &n),
	   CKR_MECHANISM_INVALID);
	n = sizeof(wrapped);
	RV(p11->C_WrapKey(k.s, &pss, k.gen_pub, aes, wrapped, &n),
	   CKR_MECHANISM_INVALID);
	RV(unwrap_aes(k.s, &x509, k.gen_priv, wrapped, RSA_BYTES, 0),
	   CKR_MECHANISM_INVALID);
}

/* ===================================================================== */
/* CKA_ALWAYS_AUTHENTICATE, C_CopyObject                                   */
/* ===================================================================== */

static void test_always_authenticate(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	CK_ATTRIBUTE always[] = {H_ATTR_VAR(CKA_ALWAYS_AUTHENTICATE, h_true)};
	CK_OBJECT_HANDLE priv;
	OK(rsa_import_private_rv(k.s, rsa_ossl_key, false, "always", 0, -1,
	                         always, 1, &priv));
	assert_int_equal(h_get_bool(k.s, priv, CKA_ALWAYS_AUTHENTICATE),
	                 CK_TRUE);
	CK_RSA_PKCS_OAEP_PARAMS p = {CKM_SHA256, CKG_MGF1_SHA256,
	                             CKZ_DATA_SPECIFIED, NULL, 0};
	CK_MECHANISM oaep = {CKM_RSA_PKCS_OAEP, &p, sizeof(p)};
	CK_BYTE c[RSA_MAX_BYTES], out[RSA_MAX_BYTES];
	CK_ULONG cn =
	        rsa_encrypt_one(k.s, &oaep, k.ossl_pub, "pin first", 9, c);

	/* Decryption: refused until the context-specific login, which
	 * is good for one decryption. */
	OK(p11->C_DecryptInit(k.s, &oaep, priv));
	CK_ULONG n = sizeof(out);
	RV(p11->C_Decrypt(k.s, c, cn, out, &n), CKR_USER_NOT_LOGGED_IN);
	RV(p11->C_DecryptInit(k.s, &oaep, priv), CKR_OPERATION_ACTIVE);
	RV(h_login(k.s, CKU_CONTEXT_SPECIFIC, "wrong-pin-000"),
	   CKR_PIN_INCORRECT);
	n = sizeof(out);
	RV(p11->C_Decrypt(k.s, c, cn, out, &n), CKR_USER_NOT_LOGGED_IN);
	OK(h_login(k.s, CKU_CONTEXT_SPECIFIC, H_USER_PIN));
	/* A short buffer does not use up the login. */
	n = 2;
	RV(p11->C_Decrypt(k.s, c, cn, out, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 9);
	n = sizeof(out);
	OK(p11->C_Decrypt(k.s, c, cn, out, &n));
	assert_int_equal(n, 9);
	assert_memory_equal(out, "pin first", 9);
	OK(p11->C_DecryptInit(k.s, &oaep, priv));
	n = sizeof(out);
	RV(p11->C_Decrypt(k.s, c, cn, out, &n), CKR_USER_NOT_LOGGED_IN);
	OK(h_login(k.s, CKU_CONTEXT_SPECIFIC, H_USER_PIN));
	n = sizeof(out);
	OK(p11->C_Decrypt(k.s, c, cn, out, &n));
	assert_int_equal(n, 9);

	/* Signing: the same. */
	CK_MECHANISM sha = {CKM_SHA256_RSA_PKCS, NULL, 0};
	OK(p11->C_SignInit(k.s, &sha, priv));
	n = sizeof(out);
	RV(p11->C_Sign(k.s, (CK_BYTE_PTR)message, MESSAGE_LENGTH, out, &n),
	   CKR_USER_NOT_LOGGED_IN);
	OK(h_login(k.s, CKU_CONTEXT_SPECIFIC, H_USER_PIN));
	n = sizeof(out);
	OK(p11->C_Sign(k.s, (CK_BYTE_PTR)message, MESSAGE_LENGTH, out, &n));
	OK(rsa_verify_rv(k.s, &sha, k.ossl_pub, message, MESSAGE_LENGTH, out,
	                 n));
	/* The keys without the attribute need nothing more. */
	OK(p11->C_DecryptInit(k.s, &oaep, k.ossl_priv));
	n = sizeof(out);
	OK(p11->C_Decrypt(k.s, c, cn, out, &n));
}

static void test_copy_object(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	CK_ATTRIBUTE t[] = {H_ATTR_VAR(CKA_TOKEN, h_false),
	                    H_ATTR_STR(CKA_LABEL, "copy")};
	CK_OBJECT_HANDLE copy, ossl_copy;
	OK(p11->C_CopyObject(k.s, k.gen_priv, t, H_ARRAY_SIZE(t), &copy));
	OK(p11->C_CopyObject(k.s, k.ossl_priv, t, H_ARRAY_SIZE(t), &ossl_copy));
	/* Deterministic PKCS#1 v1.5: the copy signs the same bytes. */
	CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, NULL, 0};
	CK_BYTE a[RSA_MAX_BYTES], b[RSA_MAX_BYTES];
	CK_ULONG na =
	        rsa_sign_one(k.s, &m, k.gen_priv, message, MESSAGE_LENGTH, a);
	CK_ULONG nb = rsa_sign_one(k.s, &m, copy, message, MESSAGE_LENGTH, b);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);
	OK(rsa_verify_rv(k.s, &m, k.gen_pub, message, MESSAGE_LENGTH, b, nb));
	check_signs_like(k.s, ossl_copy, rsa_ossl_key, "copy of an import");
	/* The copy keeps what the original was. */
	assert_int_equal(h_get_bool(k.s, copy, CKA_ALWAYS_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(k.s, copy, CKA_NEVER_EXTRACTABLE), CK_TRUE);
	assert_int_equal(h_get_bool(k.s, copy, CKA_LOCAL), CK_TRUE);
	CK_BYTE value[RSA_MAX_BYTES];
	CK_ATTRIBUTE d = H_ATTR(CKA_PRIME_1, value, sizeof(value));
	RV(p11->C_GetAttributeValue(k.s, copy, &d, 1), CKR_ATTRIBUTE_SENSITIVE);
	/* It decrypts too. */
	CK_MECHANISM pkcs = {CKM_RSA_PKCS, NULL, 0};
	CK_ULONG cn = rsa_encrypt_one(k.s, &pkcs, k.gen_pub, "copied", 6, a);
	CK_ULONG n;
	OK(rsa_decrypt_rv(k.s, &pkcs, copy, a, cn, b, &n));
	assert_int_equal(n, 6);
	assert_memory_equal(b, "copied", 6);
	/* A copy that may not sign. */
	CK_ATTRIBUTE no_sign[] = {H_ATTR_VAR(CKA_SIGN, h_false)};
	CK_OBJECT_HANDLE limited;
	OK(p11->C_CopyObject(k.s, k.gen_priv, no_sign, 1, &limited));
	RV(p11->C_SignInit(k.s, &m, limited), CKR_KEY_FUNCTION_NOT_PERMITTED);
	/* Destroying the original leaves the copy working. */
	OK(p11->C_DestroyObject(k.s, k.ossl_priv));
	check_signs_like(k.s, ossl_copy, rsa_ossl_key, "copy, original gone");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_mechanism_info),      T(test_keygen_attributes),
	        T(test_keygen_exponent),     T(test_keygen_3072),
	        T(test_keygen_errors),       T(test_import_private),
	        T(test_import_sizes),        T(test_import_public),
	        T(test_wrap_oaep),           T(test_wrap_pkcs1_and_errors),
	        T(test_always_authenticate), T(test_copy_object),
	};
#undef T
	return cmocka_run_group_tests(tests, rsa_group_setup,
	                              rsa_group_teardown);
}
