/* Private keys on both sides of wrapping: see p11_private.h. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_private.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <string.h>

#define MAX_PART 512

static const struct {
	const char *name;
	CK_KEY_TYPE type;
	const char *group; /* OpenSSL's name (EC) */
	const uint8_t *oid;
	size_t oid_length;
} kinds[PK_KINDS] = {
        [PK_RSA] = {"RSA-2048", CKK_RSA, NULL, NULL, 0},
        [PK_P256] =
                {"P-256", CKK_EC, "P-256",
                 (const uint8_t *)"\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07",
                 10},
        [PK_P384] = {"P-384", CKK_EC, "P-384",
                     (const uint8_t *)"\x06\x05\x2b\x81\x04\x00\x22", 7},
        [PK_P521] = {"P-521", CKK_EC, "P-521",
                     (const uint8_t *)"\x06\x05\x2b\x81\x04\x00\x23", 7},
        [PK_ED25519] = {"Ed25519", CKK_EC_EDWARDS, NULL,
                        (const uint8_t *)"\x06\x03\x2b\x65\x70", 5},
        [PK_X25519] = {"X25519", CKK_EC_MONTGOMERY, NULL,
                       (const uint8_t *)"\x06\x03\x2b\x65\x6e", 5},
};

const char *pk_name(pk_kind kind)
{
	return kinds[kind].name;
}

CK_KEY_TYPE pk_key_type(pk_kind kind)
{
	return kinds[kind].type;
}

EVP_PKEY *pk_ossl_key(pk_kind kind)
{
	static EVP_PKEY *rsa;
	EVP_PKEY *key = NULL;
	switch (kind) {
	case PK_RSA:
		if (rsa == NULL)
			rsa = EVP_RSA_gen(2048);
		assert_non_null(rsa);
		assert_int_equal(EVP_PKEY_up_ref(rsa), 1);
		return rsa;
	case PK_ED25519:
		key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	case PK_X25519:
		key = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
		break;
	default:
		key = EVP_EC_gen(kinds[kind].group);
		break;
	}
	assert_non_null(key);
	return key;
}

size_t pk_ossl_pkcs8(EVP_PKEY *key, uint8_t *out, size_t size)
{
	PKCS8_PRIV_KEY_INFO *info = EVP_PKEY2PKCS8(key);
	assert_non_null(info);
	int length = i2d_PKCS8_PRIV_KEY_INFO(info, NULL);
	assert_true(length > 0 && (size_t)length <= size);
	unsigned char *cursor = out;
	assert_int_equal(i2d_PKCS8_PRIV_KEY_INFO(info, &cursor), length);
	PKCS8_PRIV_KEY_INFO_free(info);
	return (size_t)length;
}

EVP_PKEY *pk_ossl_parse(const uint8_t *der, size_t length)
{
	const unsigned char *cursor = der;
	EVP_PKEY *key = d2i_AutoPrivateKey(NULL, &cursor, (long)length);
	if (key == NULL)
		fail_msg("OpenSSL cannot read the %zu-byte PrivateKeyInfo",
		         length);
	assert_ptr_equal(cursor, der + length);
	return key;
}

/* ---- Key parts ---------------------------------------------------------- */

static const char *const rsa_params[8] = {
        OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
        OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
        OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};
static const CK_ATTRIBUTE_TYPE rsa_attributes[8] = {
        CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
        CKA_PRIME_2, CKA_EXPONENT_1,      CKA_EXPONENT_2,       CKA_COEFFICIENT,
};

/* RSA part i, big-endian without leading zeros. */
static size_t rsa_part(EVP_PKEY *key, int i, uint8_t *out)
{
	BIGNUM *number = NULL;
	assert_int_equal(EVP_PKEY_get_bn_param(key, rsa_params[i], &number), 1);
	size_t length = (size_t)BN_num_bytes(number);
	assert_true(length <= MAX_PART);
	BN_bn2bin(number, out);
	BN_clear_free(number);
	return length;
}

/* The private value of a curve key (NIST: the scalar at full width). */
static size_t curve_private(EVP_PKEY *key, pk_kind kind, uint8_t *out)
{
	if (kind == PK_ED25519 || kind == PK_X25519) {
		size_t length = 32;
		assert_int_equal(
		        EVP_PKEY_get_raw_private_key(key, out, &length), 1);
		return length;
	}
	size_t length = (size_t)(EVP_PKEY_get_bits(key) + 7) / 8;
	BIGNUM *scalar = NULL;
	assert_int_equal(
	        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &scalar),
	        1);
	assert_int_equal(BN_bn2binpad(scalar, out, (int)length), (int)length);
	BN_clear_free(scalar);
	return length;
}

/* Adds extra to template (count entries), replacing equal types. */
static CK_ULONG merge(CK_ATTRIBUTE *template, CK_ULONG count, CK_ULONG room,
                      const CK_ATTRIBUTE *extra, CK_ULONG extra_count)
{
	for (CK_ULONG i = 0; i < extra_count; i++) {
		CK_ULONG j;
		for (j = 0; j < count; j++)
			if (template[j].type == extra[i].type)
				break;
		if (j == count) {
			assert_true(count < room);
			count++;
		}
		template[j] = extra[i];
	}
	return count;
}

CK_RV pk_import_rv(CK_SESSION_HANDLE s, EVP_PKEY *key, pk_kind kind, bool crt,
                   const CK_ATTRIBUTE *extra, CK_ULONG extra_count,
                   CK_OBJECT_HANDLE *object)
{
	static uint8_t parts[8][MAX_PART];
	static CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE type = kinds[kind].type;
	CK_ATTRIBUTE template[32] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_KEY_TYPE, type),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_SENSITIVE, h_false),
	        H_ATTR_VAR(CKA_EXTRACTABLE, h_true),
	        H_ATTR_VAR(CKA_SIGN, h_true),
	        H_ATTR_VAR(CKA_DERIVE, h_true),
	        H_ATTR_STR(CKA_LABEL, "imported private"),
	};
	CK_ULONG count = 8;
	if (kind == PK_RSA) {
		for (int i = 0; i < (crt ? 8 : 3); i++)
			template[count++] = (CK_ATTRIBUTE)H_ATTR(
			        rsa_attributes[i], parts[i],
			        rsa_part(key, i, parts[i]));
	} else {
		template[count++] = (CK_ATTRIBUTE)H_ATTR(
		        CKA_EC_PARAMS, kinds[kind].oid, kinds[kind].oid_length);
		template[count++] = (CK_ATTRIBUTE)H_ATTR(
		        CKA_VALUE, parts[0],
		        curve_private(key, kind, parts[0]));
	}
	count = merge(template, count, H_ARRAY_SIZE(template), extra,
	              extra_count);
	*object = CK_INVALID_HANDLE;
	CK_RV rv = p11->C_CreateObject(s, template, count, object);
	memset(parts, 0, sizeof(parts));
	return rv;
}

CK_OBJECT_HANDLE pk_import(CK_SESSION_HANDLE s, EVP_PKEY *key, pk_kind kind)
{
	CK_OBJECT_HANDLE object;
	OK(pk_import_rv(s, key, kind, true, NULL, 0, &object));
	return object;
}

CK_RV pk_generate_rv(CK_SESSION_HANDLE s, pk_kind kind,
                     const CK_ATTRIBUTE *extra, CK_ULONG extra_count,
                     CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_ULONG bits = 2048;
	CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE public_template[] = {
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        kind == PK_RSA
	                ? (CK_ATTRIBUTE)H_ATTR_VAR(CKA_MODULUS_BITS, bits)
	                : (CK_ATTRIBUTE)H_ATTR(CKA_EC_PARAMS, kinds[kind].oid,
	                                       kinds[kind].oid_length),
	};
	if (kind == PK_RSA)
		m.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
	else if (kind == PK_ED25519)
		m.mechanism = CKM_EC_EDWARDS_KEY_PAIR_GEN;
	else if (kind == PK_X25519)
		m.mechanism = CKM_EC_MONTGOMERY_KEY_PAIR_GEN;
	CK_ATTRIBUTE template[16] = {
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_EXTRACTABLE, h_true),
	        H_ATTR_VAR(CKA_DERIVE, h_true),
	        H_ATTR_STR(CKA_LABEL, "generated private"),
	};
	CK_ULONG count =
	        merge(template, 4, H_ARRAY_SIZE(template), extra, extra_count);
	return p11->C_GenerateKeyPair(s, &m, public_template, 2, template,
	                              count, pub, priv);
}

/* ---- The same key ------------------------------------------------------- */

EVP_PKEY *pk_token_public(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE object)
{
	uint8_t info[1024];
	CK_ULONG length =
	        h_get_bytes(s, object, CKA_PUBLIC_KEY_INFO, info, sizeof(info));
	assert_true(length > 0 && length <= sizeof(info));
	const unsigned char *cursor = info;
	EVP_PKEY *key = d2i_PUBKEY(NULL, &cursor, (long)length);
	assert_non_null(key);
	return key;
}

/* The token's signature of message, in OpenSSL's form (ECDSA: DER). */
static size_t token_sign(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE object,
                         pk_kind kind, const uint8_t *message, size_t length,
                         uint8_t *out)
{
	CK_MECHANISM m = {kind == PK_RSA       ? CKM_SHA256_RSA_PKCS
	                  : kind == PK_ED25519 ? CKM_EDDSA
	                                       : CKM_ECDSA_SHA256,
	                  NULL, 0};
	uint8_t raw[512];
	CK_ULONG n = sizeof(raw);
	OK(p11->C_SignInit(s, &m, object));
	OK(p11->C_Sign(s, (CK_BYTE_PTR)message, length, raw, &n));
	if (m.mechanism != CKM_ECDSA_SHA256) {
		memcpy(out, raw, n);
		return n;
	}
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, (int)n / 2, NULL);
	BIGNUM *s_ = BN_bin2bn(raw + n / 2, (int)n / 2, NULL);
	assert_true(sig != NULL && r != NULL && s_ != NULL);
	assert_int_equal(ECDSA_SIG_set0(sig, r, s_), 1);
	unsigned char *cursor = out;
	int der = i2d_ECDSA_SIG(sig, &cursor);
	ECDSA_SIG_free(sig);
	assert_true(der > 0);
	return (size_t)der;
}

/* X25519: the token agrees with a fresh peer; OpenSSL with the key. */
static void assert_same_agreement(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE object,
                                  EVP_PKEY *key)
{
	EVP_PKEY *peer = pk_ossl_key(PK_X25519);
	uint8_t point[32], theirs[32], ours[64];
	size_t length = sizeof(point);
	assert_int_equal(EVP_PKEY_get_raw_public_key(peer, point, &length), 1);
	CK_ECDH1_DERIVE_PARAMS params = {CKD_NULL, 0, NULL, 32, point};
	CK_MECHANISM m = {CKM_ECDH1_DERIVE, &params, sizeof(params)};
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_GENERIC_SECRET;
	CK_ULONG value_length = 32;
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_KEY_TYPE, type),
	        H_ATTR_VAR(CKA_VALUE_LEN, value_length),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_SENSITIVE, h_false),
	        H_ATTR_VAR(CKA_EXTRACTABLE, h_true),
	};
	CK_OBJECT_HANDLE secret;
	OK(p11->C_DeriveKey(s, &m, object, template, H_ARRAY_SIZE(template),
	                    &secret));
	size_t n = s_key_value(s, secret, ours, sizeof(ours));
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	length = sizeof(theirs);
	assert_true(ctx != NULL && EVP_PKEY_derive_init(ctx) == 1 &&
	            EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
	            EVP_PKEY_derive(ctx, theirs, &length) == 1);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	s_same("the X25519 secret", ours, n, theirs, length);
}

void pk_assert_same_key(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE object,
                        pk_kind kind, EVP_PKEY *key)
{
	EVP_PKEY *public_key = pk_token_public(s, object);
	if (EVP_PKEY_eq(public_key, key) != 1)
		fail_msg("%s: the token's public key is not OpenSSL's",
		         pk_name(kind));
	EVP_PKEY_free(public_key);
	if (kind == PK_X25519) {
		assert_same_agreement(s, object, key);
		return;
	}
	uint8_t message[100], sig[600];
	s_fill(message, sizeof(message), (unsigned)kind);
	size_t n = token_sign(s, object, kind, message, sizeof(message), sig);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(
	        EVP_DigestVerifyInit_ex(ctx, NULL,
	                                kind == PK_ED25519 ? NULL : "SHA256",
	                                NULL, NULL, key, NULL),
	        1);
	if (EVP_DigestVerify(ctx, sig, n, message, sizeof(message)) != 1)
		fail_msg("%s: OpenSSL does not verify the token's signature",
		         pk_name(kind));
	EVP_MD_CTX_free(ctx);
}

static void assert_attribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE object,
                             CK_ATTRIBUTE_TYPE type, const uint8_t *expected,
                             size_t length)
{
	uint8_t value[MAX_PART * 2];
	CK_ULONG n = h_get_bytes(s, object, type, value, sizeof(value));
	char what[48];
	snprintf(what, sizeof(what), "attribute 0x%lx", (unsigned long)type);
	s_same(what, value, n, expected, length);
}

void pk_assert_unwrapped(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE object,
                         pk_kind kind, EVP_PKEY *key)
{
	uint8_t part[MAX_PART], info[1024];
	assert_int_equal(h_get_ulong(s, object, CKA_CLASS), CKO_PRIVATE_KEY);
	assert_int_equal(h_get_ulong(s, object, CKA_KEY_TYPE),
	                 kinds[kind].type);
	assert_int_equal(h_get_bool(s, object, CKA_LOCAL), CK_FALSE);
	assert_int_equal(h_get_bool(s, object, CKA_ALWAYS_SENSITIVE), CK_FALSE);
	assert_int_equal(h_get_bool(s, object, CKA_NEVER_EXTRACTABLE),
	                 CK_FALSE);
	assert_int_equal(h_get_ulong(s, object, CKA_KEY_GEN_MECHANISM),
	                 CK_UNAVAILABLE_INFORMATION);
	unsigned char *cursor = info;
	int info_length = i2d_PUBKEY(key, NULL);
	assert_true(info_length > 0 && (size_t)info_length <= sizeof(info));
	i2d_PUBKEY(key, &cursor);
	assert_attribute(s, object, CKA_PUBLIC_KEY_INFO, info,
	                 (size_t)info_length);
	bool readable = !h_get_bool(s, object, CKA_SENSITIVE) &&
	                h_get_bool(s, object, CKA_EXTRACTABLE);
	if (kind == PK_RSA) {
		for (int i = 0; i < (readable ? 8 : 2); i++)
			assert_attribute(s, object, rsa_attributes[i], part,
			                 rsa_part(key, i, part));
		return;
	}
	assert_attribute(s, object, CKA_EC_PARAMS, kinds[kind].oid,
	                 kinds[kind].oid_length);
	if (readable)
		assert_attribute(s, object, CKA_VALUE, part,
		                 curve_private(key, kind, part));
}

/* ---- Wrapping mechanisms ------------------------------------------------ */

const uint8_t pk_kek_value[32] = {
        0x6b, 0x65, 0x6b, 0x20, 0x66, 0x6f, 0x72, 0x20, 0x70, 0x6b, 0x63,
        0x73, 0x38, 0x20, 0x77, 0x72, 0x61, 0x70, 0x70, 0x69, 0x6e, 0x67,
        0x20, 0x74, 0x65, 0x73, 0x74, 0x73, 0x2e, 0x2e, 0x2e, 0x21};
static const uint8_t iv[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
                               0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
static const uint8_t aad[] = "a private key, wrapped";

static const char *const wrap_names[PK_WRAPS] = {
        "AES_KEY_WRAP_KWP", "AES_KEY_WRAP_PAD", "AES_KEY_WRAP",
        "AES_CBC_PAD",      "AES_GCM",          "CHACHA20_POLY1305",
};

const char *pk_wrap_name(pk_wrap wrap)
{
	return wrap_names[wrap];
}

void pk_mech(pk_wrap wrap, s_mechanism *m)
{
	switch (wrap) {
	case PK_KWP:
		s_mech_plain(m, CKM_AES_KEY_WRAP_KWP);
		break;
	case PK_WRAP_PAD:
		s_mech_plain(m, CKM_AES_KEY_WRAP_PAD);
		break;
	case PK_KW:
		s_mech_plain(m, CKM_AES_KEY_WRAP);
		break;
	case PK_CBC_PAD:
		s_mech_cbc(m, CKM_AES_CBC_PAD, iv);
		break;
	case PK_GCM:
		s_mech_gcm(m, iv, 12, aad, sizeof(aad) - 1, 128);
		break;
	default:
		s_mech_chacha(m, iv, 12, aad, sizeof(aad) - 1);
		break;
	}
}

pk_keks pk_make_keks(CK_SESSION_HANDLE s)
{
	pk_keks keks = {s_import_key(s, CKK_AES, pk_kek_value, 32),
	                s_import_key(s, CKK_CHACHA20, pk_kek_value, 32)};
	return keks;
}

CK_OBJECT_HANDLE pk_kek_for(const pk_keks *keks, pk_wrap wrap)
{
	return wrap == PK_CHACHA ? keks->chacha : keks->aes;
}

size_t pk_wrapped_length(pk_wrap wrap, size_t length)
{
	switch (wrap) {
	case PK_KWP:
	case PK_WRAP_PAD:
		return (length + 7) / 8 * 8 + 8; /* RFC 5649: padded, + AIV */
	case PK_KW:
		return length + 8; /* RFC 3394: + IV */
	case PK_CBC_PAD:
		return length / 16 * 16 + 16; /* PKCS#7: 1..16 bytes */
	default:
		return length + 16; /* the tag */
	}
}

size_t pk_ossl_wrap(pk_wrap wrap, const uint8_t *in, size_t length,
                    uint8_t *out)
{
	switch (wrap) {
	case PK_KWP:
	case PK_WRAP_PAD:
	case PK_KW:
		return o_wrap(pk_kek_value, 32, wrap != PK_KW, in, length, out);
	case PK_CBC_PAD:
		return o_cipher("AES-256-CBC", true, true, pk_kek_value, iv, in,
		                length, out);
	default:
		return o_aead_encrypt(wrap == PK_GCM ? O_GCM : O_CHACHA,
		                      pk_kek_value, 32, iv, 12, aad,
		                      sizeof(aad) - 1, 16, in, length, out);
	}
}

size_t pk_ossl_unwrap(pk_wrap wrap, const uint8_t *in, size_t length,
                      uint8_t *out)
{
	switch (wrap) {
	case PK_KWP:
	case PK_WRAP_PAD:
	case PK_KW:
		return o_unwrap(pk_kek_value, 32, wrap != PK_KW, in, length,
		                out);
	case PK_CBC_PAD:
		return o_cipher("AES-256-CBC", false, true, pk_kek_value, iv,
		                in, length, out);
	default:
		return o_aead_decrypt(wrap == PK_GCM ? O_GCM : O_CHACHA,
		                      pk_kek_value, 32, iv, 12, aad,
		                      sizeof(aad) - 1, 16, in, length, out);
	}
}

CK_RV pk_wrap_rv(CK_SESSION_HANDLE s, pk_wrap wrap, const pk_keks *keks,
                 CK_OBJECT_HANDLE key, uint8_t *out, size_t *length)
{
	s_mechanism m;
	pk_mech(wrap, &m);
	CK_ULONG n = *length;
	CK_RV rv = p11->C_WrapKey(s, &m.mechanism, pk_kek_for(keks, wrap), key,
	                          out, &n);
	*length = n;
	return rv;
}

CK_RV pk_unwrap_rv(CK_SESSION_HANDLE s, pk_wrap wrap, const pk_keks *keks,
                   const uint8_t *wrapped, size_t length, CK_KEY_TYPE type,
                   const CK_ATTRIBUTE *extra, CK_ULONG extra_count,
                   CK_OBJECT_HANDLE *key)
{
	static CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE key_type = type;
	CK_ATTRIBUTE template[24] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_SENSITIVE, h_false),
	        H_ATTR_VAR(CKA_EXTRACTABLE, h_true),
	        H_ATTR_VAR(CKA_SIGN, h_true),
	        H_ATTR_VAR(CKA_DERIVE, h_true),
	        H_ATTR_STR(CKA_LABEL, PK_UNWRAPPED_LABEL),
	};
	CK_ULONG count = 7;
	if (type != CK_UNAVAILABLE_INFORMATION)
		template[count++] =
		        (CK_ATTRIBUTE)H_ATTR_VAR(CKA_KEY_TYPE, key_type);
	count = merge(template, count, H_ARRAY_SIZE(template), extra,
	              extra_count);
	s_mechanism m;
	pk_mech(wrap, &m);
	*key = CK_INVALID_HANDLE;
	return p11->C_UnwrapKey(s, &m.mechanism, pk_kek_for(keks, wrap),
	                        (CK_BYTE_PTR)wrapped, length, template, count,
	                        key);
}
