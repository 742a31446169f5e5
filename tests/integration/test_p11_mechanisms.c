/* The module's cryptographic mechanisms through the ABI, checked against
 * OpenSSL (linked here, independent of the module's own use of it) and
 * published test vectors:
 *  - C_GetMechanismList / C_GetMechanismInfo: every mechanism expected and
 *    consistent, nothing unknown listed, unknown ones refused;
 *  - key pairs on P-256, P-384, P-521, Ed25519 (OID and "edwards25519"),
 *    X25519: the attributes a generated key must have, CKA_EC_POINT and
 *    CKA_PUBLIC_KEY_INFO as OpenSSL parses them;
 *  - ECDSA (raw digest, SHA-1..SHA-512, single- and multi-part), EdDSA
 *    (pure, Ed25519ph, Ed25519ctx: RFC 8032 vectors), HMAC (every hash,
 *    _GENERAL lengths, RFC 4231 vectors): signatures verified by OpenSSL,
 *    OpenSSL's signatures verified by the token, tampering detected;
 *  - digests and C_DigestKey against OpenSSL;
 *  - ECDH1 (P-256/384/521, X25519) with CKD_NULL and the X9.63 KDF, the
 *    token agreeing with itself and with OpenSSL;
 *  - imported keys checked (scalar range, point on the curve);
 *  - the error codes of the sign/verify/digest/derive functions;
 *  - two threads signing with one key.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- Return values the harness does not name ------------------------- */

static const char *rv_name(CK_RV rv)
{
	switch (rv) {
	case CKR_KEY_FUNCTION_NOT_PERMITTED:
		return "CKR_KEY_FUNCTION_NOT_PERMITTED";
	case CKR_KEY_INDIGESTIBLE:
		return "CKR_KEY_INDIGESTIBLE";
	case CKR_SIGNATURE_INVALID:
		return "CKR_SIGNATURE_INVALID";
	case CKR_SIGNATURE_LEN_RANGE:
		return "CKR_SIGNATURE_LEN_RANGE";
	case CKR_CURVE_NOT_SUPPORTED:
		return "CKR_CURVE_NOT_SUPPORTED";
	case CKR_KEY_NOT_NEEDED:
		return "CKR_KEY_NOT_NEEDED";
	case CKR_KEY_NEEDED:
		return "CKR_KEY_NEEDED";
	default:
		return h_rv_name(rv);
	}
}

#define RV(expression, expected)                                               \
	do {                                                                   \
		CK_RV m_rv_ = (expression);                                    \
		CK_RV m_expected_ = (expected);                                \
		if (m_rv_ != m_expected_)                                      \
			fail_msg("%s:%d: %s returned %s, expected %s",         \
			         __FILE__, __LINE__, #expression,              \
			         rv_name(m_rv_), rv_name(m_expected_));        \
	} while (0)
#define OK(expression) RV(expression, CKR_OK)
#define RV2(expression, expected1, expected2)                                  \
	do {                                                                   \
		CK_RV m_rv_ = (expression);                                    \
		if (m_rv_ != (expected1) && m_rv_ != (expected2))              \
			fail_msg("%s:%d: %s returned %s, expected %s or %s",   \
			         __FILE__, __LINE__, #expression,              \
			         rv_name(m_rv_), rv_name(expected1),           \
			         rv_name(expected2));                          \
	} while (0)

/* ---- Curves -------------------------------------------------------- */

static const CK_BYTE OID_P256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                   0xce, 0x3d, 0x03, 0x01, 0x07};
static const CK_BYTE OID_P384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
static const CK_BYTE OID_P521[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
static const CK_BYTE OID_ED25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const CK_BYTE OID_X25519[] = {0x06, 0x03, 0x2b, 0x65, 0x6e};
/* PKCS#11 3.0: the curve name as a DER PrintableString. */
static const CK_BYTE STR_EDWARDS25519[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r',
                                           'd',  's',  '2', '5', '5', '1', '9'};

typedef struct curve_case {
	const char *name;
	const CK_BYTE *params;
	size_t params_length;
	CK_MECHANISM_TYPE generator;
	CK_KEY_TYPE key_type;
	size_t point_length;   /* raw public point */
	size_t scalar_length;  /* private value */
	int pkey_type;         /* OpenSSL's EVP_PKEY_... */
	const char *ossl_name; /* for EVP_PKEY_Q_keygen */
	const char *ossl_group;
} curve_case;

static const curve_case P256 = {"P-256",
                                OID_P256,
                                sizeof(OID_P256),
                                CKM_EC_KEY_PAIR_GEN,
                                CKK_EC,
                                65,
                                32,
                                EVP_PKEY_EC,
                                "EC",
                                "P-256"};
static const curve_case P384 = {"P-384",
                                OID_P384,
                                sizeof(OID_P384),
                                CKM_EC_KEY_PAIR_GEN,
                                CKK_EC,
                                97,
                                48,
                                EVP_PKEY_EC,
                                "EC",
                                "P-384"};
static const curve_case P521 = {"P-521",
                                OID_P521,
                                sizeof(OID_P521),
                                CKM_EC_KEY_PAIR_GEN,
                                CKK_EC,
                                133,
                                66,
                                EVP_PKEY_EC,
                                "EC",
                                "P-521"};
static const curve_case ED25519 = {"Ed25519",
                                   OID_ED25519,
                                   sizeof(OID_ED25519),
                                   CKM_EC_EDWARDS_KEY_PAIR_GEN,
                                   CKK_EC_EDWARDS,
                                   32,
                                   32,
                                   EVP_PKEY_ED25519,
                                   "ED25519",
                                   NULL};
static const curve_case ED25519_NAMED = {"edwards25519",
                                         STR_EDWARDS25519,
                                         sizeof(STR_EDWARDS25519),
                                         CKM_EC_EDWARDS_KEY_PAIR_GEN,
                                         CKK_EC_EDWARDS,
                                         32,
                                         32,
                                         EVP_PKEY_ED25519,
                                         "ED25519",
                                         NULL};
static const curve_case X25519 = {"X25519",
                                  OID_X25519,
                                  sizeof(OID_X25519),
                                  CKM_EC_MONTGOMERY_KEY_PAIR_GEN,
                                  CKK_EC_MONTGOMERY,
                                  32,
                                  32,
                                  EVP_PKEY_X25519,
                                  "X25519",
                                  NULL};

/* ---- Small helpers ------------------------------------------------- */

static CK_SESSION_HANDLE user_session(void)
{
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	return s;
}

static size_t unhex(const char *hex, unsigned char *out, size_t size)
{
	size_t n = strlen(hex) / 2;
	assert_true(n <= size);
	for (size_t i = 0; i < n; i++) {
		unsigned int byte;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
		out[i] = (unsigned char)byte;
	}
	return n;
}

/* A DER OCTET STRING around a raw point. */
static size_t der_octets(const unsigned char *raw, size_t length,
                         unsigned char *out)
{
	size_t header = 0;
	out[header++] = 0x04;
	if (length > 127)
		out[header++] = 0x81;
	out[header++] = (unsigned char)length;
	memcpy(out + header, raw, length);
	return header + length;
}

/* Replaces or appends attributes of extra in template (count updated). */
static void merge(CK_ATTRIBUTE *template, CK_ULONG *count, CK_ULONG capacity,
                  const CK_ATTRIBUTE *extra, CK_ULONG extra_count)
{
	for (CK_ULONG i = 0; i < extra_count; i++) {
		CK_ULONG j;
		for (j = 0; j < *count; j++)
			if (template[j].type == extra[i].type)
				break;
		if (j == *count) {
			assert_true(*count < capacity);
			(*count)++;
		}
		template[j] = extra[i];
	}
}

typedef struct key_pair {
	CK_OBJECT_HANDLE pub, priv;
} key_pair;

/* A session key pair; the private template may add or override. */
static CK_RV generate_rv(CK_SESSION_HANDLE s, const curve_case *curve,
                         const CK_ATTRIBUTE *extra, CK_ULONG extra_count,
                         key_pair *pair)
{
	CK_MECHANISM mechanism = {curve->generator, NULL, 0};
	CK_ATTRIBUTE pub[] = {
	        H_ATTR(CKA_EC_PARAMS, curve->params, curve->params_length),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_STR(CKA_LABEL, "mech pub"),
	};
	CK_ATTRIBUTE priv[16] = {
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_DERIVE, h_true),
	        H_ATTR_STR(CKA_LABEL, "mech priv"),
	};
	CK_ULONG count = 3;
	merge(priv, &count, H_ARRAY_SIZE(priv), extra, extra_count);
	pair->pub = pair->priv = CK_INVALID_HANDLE;
	return p11->C_GenerateKeyPair(s, &mechanism, pub, H_ARRAY_SIZE(pub),
	                              priv, count, &pair->pub, &pair->priv);
}

static key_pair generate(CK_SESSION_HANDLE s, const curve_case *curve)
{
	key_pair pair;
	OK(generate_rv(s, curve, NULL, 0, &pair));
	assert_true(pair.pub != CK_INVALID_HANDLE);
	assert_true(pair.priv != CK_INVALID_HANDLE);
	return pair;
}

/* The raw public point of a public key (CKA_EC_POINT must be a DER OCTET
 * STRING of the curve's point length). */
static void ec_point(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                     const curve_case *curve, unsigned char *raw)
{
	unsigned char der[200];
	CK_ULONG n = h_get_bytes(s, o, CKA_EC_POINT, der, sizeof(der));
	size_t header = curve->point_length > 127 ? 3 : 2;
	if (n != curve->point_length + header)
		fail_msg("%s: CKA_EC_POINT is %lu bytes, expected %zu",
		         curve->name, (unsigned long)n,
		         curve->point_length + header);
	assert_int_equal(der[0], 0x04);
	if (header == 3)
		assert_int_equal(der[1], 0x81);
	assert_int_equal(der[header - 1], curve->point_length);
	memcpy(raw, der + header, curve->point_length);
	if (curve->key_type == CKK_EC)
		assert_int_equal(raw[0], 0x04); /* uncompressed */
}

/* CKA_PUBLIC_KEY_INFO parsed by OpenSSL (the whole attribute). */
static EVP_PKEY *spki_of(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
	unsigned char der[400];
	CK_ULONG n = h_get_bytes(s, o, CKA_PUBLIC_KEY_INFO, der, sizeof(der));
	if (n == 0 || n > sizeof(der))
		fail_msg("object %lu (class %lu, key type 0x%lx): "
		         "CKA_PUBLIC_KEY_INFO is %lu bytes",
		         (unsigned long)o,
		         (unsigned long)h_get_ulong(s, o, CKA_CLASS),
		         (unsigned long)h_get_ulong(s, o, CKA_KEY_TYPE),
		         (unsigned long)n);
	const unsigned char *p = der;
	EVP_PKEY *key = d2i_PUBKEY(NULL, &p, (long)n);
	if (key == NULL)
		fail_msg("d2i_PUBKEY cannot parse CKA_PUBLIC_KEY_INFO (%lu "
		         "bytes)",
		         (unsigned long)n);
	assert_ptr_equal(p, der + n);
	return key;
}

/* An OpenSSL public key built from CKA_EC_POINT and the curve (not from
 * CKA_PUBLIC_KEY_INFO, which test_public_key_info checks on its own). */
static EVP_PKEY *pubkey_of(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                           const curve_case *curve);

/* The public point as OpenSSL encodes it (uncompressed / raw 32 bytes). */
static size_t ossl_point(EVP_PKEY *key, unsigned char *out, size_t size)
{
	size_t n = size;
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) {
		assert_int_equal(EVP_PKEY_get_raw_public_key(key, out, &n), 1);
		return n;
	}
	assert_int_equal(
	        EVP_PKEY_get_octet_string_param(
	                key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out, size, &n),
	        1);
	return n;
}

static EVP_PKEY *pubkey_of(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                           const curve_case *curve)
{
	unsigned char point[133];
	ec_point(s, o, curve, point);
	EVP_PKEY *key = NULL;
	if (curve->key_type == CKK_EC) {
		OSSL_PARAM params[] = {
		        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
		                               (char *)curve->ossl_group, 0),
		        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point,
		                                curve->point_length),
		        OSSL_PARAM_END,
		};
		EVP_PKEY_CTX *ctx =
		        EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
		assert_non_null(ctx);
		assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
		assert_int_equal(EVP_PKEY_fromdata(ctx, &key,
		                                   EVP_PKEY_PUBLIC_KEY, params),
		                 1);
		EVP_PKEY_CTX_free(ctx);
	} else {
		key = EVP_PKEY_new_raw_public_key(curve->pkey_type, NULL, point,
		                                  32);
	}
	assert_non_null(key);
	return key;
}

static EVP_PKEY *ossl_generate(const curve_case *curve)
{
	EVP_PKEY *key =
	        curve->ossl_group
	                ? EVP_PKEY_Q_keygen(NULL, NULL, curve->ossl_name,
	                                    curve->ossl_group)
	                : EVP_PKEY_Q_keygen(NULL, NULL, curve->ossl_name);
	assert_non_null(key);
	return key;
}

/* The private value of an OpenSSL key in PKCS#11 form. */
static size_t ossl_private(EVP_PKEY *key, const curve_case *curve,
                           unsigned char *out)
{
	if (curve->key_type == CKK_EC) {
		BIGNUM *d = NULL;
		assert_int_equal(EVP_PKEY_get_bn_param(
		                         key, OSSL_PKEY_PARAM_PRIV_KEY, &d),
		                 1);
		assert_int_equal(
		        BN_bn2binpad(d, out, (int)curve->scalar_length),
		        (int)curve->scalar_length);
		BN_clear_free(d);
		return curve->scalar_length;
	}
	size_t n = curve->scalar_length;
	assert_int_equal(EVP_PKEY_get_raw_private_key(key, out, &n), 1);
	assert_int_equal(n, curve->scalar_length);
	return n;
}

static CK_RV import_private_rv(CK_SESSION_HANDLE s, const curve_case *curve,
                               const unsigned char *value, size_t length,
                               CK_OBJECT_HANDLE *object)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE type = curve->key_type;
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_KEY_TYPE, type),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_SIGN, h_true),
	        H_ATTR_VAR(CKA_DERIVE, h_true),
	        H_ATTR_STR(CKA_LABEL, "imported private"),
	        H_ATTR(CKA_EC_PARAMS, curve->params, curve->params_length),
	        H_ATTR(CKA_VALUE, value, length),
	};
	*object = CK_INVALID_HANDLE;
	return p11->C_CreateObject(s, template, H_ARRAY_SIZE(template), object);
}

static CK_RV import_public_rv(CK_SESSION_HANDLE s, const curve_case *curve,
                              const unsigned char *point, size_t length,
                              CK_OBJECT_HANDLE *object)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE type = curve->key_type;
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_KEY_TYPE, type),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_VERIFY, h_true),
	        H_ATTR_STR(CKA_LABEL, "imported public"),
	        H_ATTR(CKA_EC_PARAMS, curve->params, curve->params_length),
	        H_ATTR(CKA_EC_POINT, point, length),
	};
	*object = CK_INVALID_HANDLE;
	return p11->C_CreateObject(s, template, H_ARRAY_SIZE(template), object);
}

/* A generic secret with a known value (sensitive, not extractable: the
 * defaults). */
static CK_OBJECT_HANDLE import_secret(CK_SESSION_HANDLE s, CK_KEY_TYPE type,
                                      const void *value, size_t length)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_KEY_TYPE, type),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_STR(CKA_LABEL, "imported secret"),
	        H_ATTR(CKA_VALUE, value, length),
	};
	CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
	OK(p11->C_CreateObject(s, template, H_ARRAY_SIZE(template), &object));
	return object;
}

/* ---- Signing through the token ---------------------------------------- */

static CK_ULONG sign_one(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                         CK_OBJECT_HANDLE key, const void *data, size_t length,
                         CK_BYTE *signature, CK_ULONG size)
{
	OK(p11->C_SignInit(s, m, key));
	CK_ULONG n = size;
	OK(p11->C_Sign(s, (CK_BYTE_PTR)data, length, signature, &n));
	return n;
}

/* Three C_SignUpdate calls (split unevenly), then C_SignFinal. */
static CK_ULONG sign_multi(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                           CK_OBJECT_HANDLE key, const void *data,
                           size_t length, CK_BYTE *signature, CK_ULONG size)
{
	const CK_BYTE *p = data;
	size_t a = length / 3, b = length / 2;
	OK(p11->C_SignInit(s, m, key));
	OK(p11->C_SignUpdate(s, (CK_BYTE_PTR)p, a));
	OK(p11->C_SignUpdate(s, (CK_BYTE_PTR)p + a, b - a));
	OK(p11->C_SignUpdate(s, (CK_BYTE_PTR)p + b, length - b));
	CK_ULONG n = size;
	OK(p11->C_SignFinal(s, signature, &n));
	return n;
}

static CK_RV verify_one(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                        CK_OBJECT_HANDLE key, const void *data, size_t length,
                        const CK_BYTE *signature, CK_ULONG signature_length)
{
	OK(p11->C_VerifyInit(s, m, key));
	return p11->C_Verify(s, (CK_BYTE_PTR)data, length,
	                     (CK_BYTE_PTR)signature, signature_length);
}

static CK_RV verify_multi(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                          CK_OBJECT_HANDLE key, const void *data, size_t length,
                          const CK_BYTE *signature, CK_ULONG signature_length)
{
	const CK_BYTE *p = data;
	size_t a = length / 2;
	OK(p11->C_VerifyInit(s, m, key));
	OK(p11->C_VerifyUpdate(s, (CK_BYTE_PTR)p, a));
	OK(p11->C_VerifyUpdate(s, (CK_BYTE_PTR)p + a, length - a));
	return p11->C_VerifyFinal(s, (CK_BYTE_PTR)signature, signature_length);
}

/* ---- OpenSSL's side --------------------------------------------------- */

/* r||s to a DER ECDSA-Sig-Value. */
static int rs_to_der(const CK_BYTE *signature, size_t length,
                     unsigned char **der)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(signature, (int)(length / 2), NULL);
	BIGNUM *s = BN_bin2bn(signature + length / 2, (int)(length / 2), NULL);
	assert_non_null(sig);
	assert_true(r != NULL && s != NULL);
	assert_int_equal(ECDSA_SIG_set0(sig, r, s), 1);
	*der = NULL;
	int n = i2d_ECDSA_SIG(sig, der);
	ECDSA_SIG_free(sig);
	assert_true(n > 0);
	return n;
}

/* md NULL: data is the digest itself (CKM_ECDSA). */
static bool ossl_ecdsa_verify(EVP_PKEY *key, const EVP_MD *md, const void *data,
                              size_t length, const CK_BYTE *signature,
                              size_t signature_length)
{
	unsigned char *der;
	int der_length = rs_to_der(signature, signature_length, &der);
	int ok;
	if (md != NULL) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		assert_non_null(ctx);
		assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, md, NULL, key),
		                 1);
		ok = EVP_DigestVerify(ctx, der, (size_t)der_length, data,
		                      length);
		EVP_MD_CTX_free(ctx);
	} else {
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
		assert_non_null(ctx);
		assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
		ok = EVP_PKEY_verify(ctx, der, (size_t)der_length, data,
		                     length);
		EVP_PKEY_CTX_free(ctx);
	}
	OPENSSL_free(der);
	return ok == 1;
}

static bool ossl_ed25519_verify(EVP_PKEY *key, const void *data, size_t length,
                                const CK_BYTE *signature,
                                size_t signature_length)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key), 1);
	int ok = EVP_DigestVerify(ctx, signature, signature_length, data,
	                          length);
	EVP_MD_CTX_free(ctx);
	return ok == 1;
}

/* An OpenSSL ECDSA signature as r||s (each scalar_length bytes). */
static size_t ossl_ecdsa_sign(EVP_PKEY *key, const EVP_MD *md, const void *data,
                              size_t length, size_t scalar_length, CK_BYTE *out)
{
	unsigned char der[200];
	size_t der_length = sizeof(der);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, md, NULL, key), 1);
	assert_int_equal(EVP_DigestSign(ctx, der, &der_length, data, length),
	                 1);
	EVP_MD_CTX_free(ctx);
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_length);
	assert_non_null(sig);
	assert_int_equal(
	        BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, (int)scalar_length),
	        (int)scalar_length);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(sig),
	                              out + scalar_length, (int)scalar_length),
	                 (int)scalar_length);
	ECDSA_SIG_free(sig);
	return 2 * scalar_length;
}

static size_t ossl_digest(const EVP_MD *md, const void *data, size_t length,
                          unsigned char *out)
{
	unsigned int n = 0;
	assert_int_equal(EVP_Digest(data, length, out, &n, md, NULL), 1);
	return n;
}

static size_t ossl_derive(EVP_PKEY *mine, EVP_PKEY *peer, unsigned char *out,
                          size_t size)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(mine, NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(ctx, peer), 1);
	size_t n = size;
	assert_int_equal(EVP_PKEY_derive(ctx, out, &n), 1);
	EVP_PKEY_CTX_free(ctx);
	return n;
}

/* ANSI X9.63 KDF: H(Z || counter || info) ..., counter from 1. */
static void x963_kdf(const EVP_MD *md, const unsigned char *z, size_t z_length,
                     const unsigned char *info, size_t info_length,
                     unsigned char *out, size_t out_length)
{
	size_t done = 0;
	for (uint32_t counter = 1; done < out_length; counter++) {
		unsigned char block[EVP_MAX_MD_SIZE];
		unsigned char c[4] = {(unsigned char)(counter >> 24),
		                      (unsigned char)(counter >> 16),
		                      (unsigned char)(counter >> 8),
		                      (unsigned char)counter};
		unsigned int n = 0;
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		assert_non_null(ctx);
		assert_int_equal(EVP_DigestInit_ex(ctx, md, NULL), 1);
		EVP_DigestUpdate(ctx, z, z_length);
		EVP_DigestUpdate(ctx, c, 4);
		if (info_length > 0)
			EVP_DigestUpdate(ctx, info, info_length);
		assert_int_equal(EVP_DigestFinal_ex(ctx, block, &n), 1);
		EVP_MD_CTX_free(ctx);
		size_t take = out_length - done < n ? out_length - done : n;
		memcpy(out + done, block, take);
		done += take;
	}
}

/* ===================================================================== */
/* Mechanism list and info                                                */
/* ===================================================================== */

#define FUNCTION_FLAGS                                                         \
	(CKF_ENCRYPT | CKF_DECRYPT | CKF_DIGEST | CKF_SIGN |                   \
	 CKF_SIGN_RECOVER | CKF_VERIFY | CKF_VERIFY_RECOVER | CKF_GENERATE |   \
	 CKF_GENERATE_KEY_PAIR | CKF_WRAP | CKF_UNWRAP | CKF_DERIVE)
#define EC_CAPS (CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS)

enum size_kind {
	SIZE_NONE,
	SIZE_EC_BITS,
	SIZE_25519_BITS,
	SIZE_BYTES,
	SIZE_RSA_BITS,
	SIZE_AES_BYTES,
	SIZE_CHACHA_BYTES,
};
#define SV (CKF_SIGN | CKF_VERIFY)
#define ED (CKF_ENCRYPT | CKF_DECRYPT)
#define WU (CKF_WRAP | CKF_UNWRAP)

static const struct expected_mechanism {
	CK_MECHANISM_TYPE type;
	const char *name;
	CK_FLAGS functions; /* exactly these function flags */
	CK_FLAGS also;      /* and at least these */
	enum size_kind size;
} expected_mechanisms[] = {
        {CKM_EC_KEY_PAIR_GEN, "EC_KEY_PAIR_GEN", CKF_GENERATE_KEY_PAIR, EC_CAPS,
         SIZE_EC_BITS},
        {CKM_EC_EDWARDS_KEY_PAIR_GEN, "EC_EDWARDS_KEY_PAIR_GEN",
         CKF_GENERATE_KEY_PAIR, 0, SIZE_25519_BITS},
        {CKM_EC_MONTGOMERY_KEY_PAIR_GEN, "EC_MONTGOMERY_KEY_PAIR_GEN",
         CKF_GENERATE_KEY_PAIR, 0, SIZE_25519_BITS},
        {CKM_GENERIC_SECRET_KEY_GEN, "GENERIC_SECRET_KEY_GEN", CKF_GENERATE, 0,
         SIZE_BYTES},
        {CKM_ECDSA, "ECDSA", CKF_SIGN | CKF_VERIFY, EC_CAPS, SIZE_EC_BITS},
        {CKM_ECDSA_SHA1, "ECDSA_SHA1", CKF_SIGN | CKF_VERIFY, EC_CAPS,
         SIZE_EC_BITS},
        {CKM_ECDSA_SHA224, "ECDSA_SHA224", CKF_SIGN | CKF_VERIFY, EC_CAPS,
         SIZE_EC_BITS},
        {CKM_ECDSA_SHA256, "ECDSA_SHA256", CKF_SIGN | CKF_VERIFY, EC_CAPS,
         SIZE_EC_BITS},
        {CKM_ECDSA_SHA384, "ECDSA_SHA384", CKF_SIGN | CKF_VERIFY, EC_CAPS,
         SIZE_EC_BITS},
        {CKM_ECDSA_SHA512, "ECDSA_SHA512", CKF_SIGN | CKF_VERIFY, EC_CAPS,
         SIZE_EC_BITS},
        {CKM_EDDSA, "EDDSA", CKF_SIGN | CKF_VERIFY, 0, SIZE_25519_BITS},
        {CKM_ECDH1_DERIVE, "ECDH1_DERIVE", CKF_DERIVE, EC_CAPS, SIZE_EC_BITS},
        /* HKDF (3.0) */
        {CKM_HKDF_KEY_GEN, "HKDF_KEY_GEN", CKF_GENERATE, 0, SIZE_BYTES},
        {CKM_HKDF_DERIVE, "HKDF_DERIVE", CKF_DERIVE, 0, SIZE_BYTES},
        {CKM_HKDF_DATA, "HKDF_DATA", CKF_DERIVE, 0, SIZE_BYTES},
        {CKM_SHA_1, "SHA_1", CKF_DIGEST, 0, SIZE_NONE},
        {CKM_SHA224, "SHA224", CKF_DIGEST, 0, SIZE_NONE},
        {CKM_SHA256, "SHA256", CKF_DIGEST, 0, SIZE_NONE},
        {CKM_SHA384, "SHA384", CKF_DIGEST, 0, SIZE_NONE},
        {CKM_SHA512, "SHA512", CKF_DIGEST, 0, SIZE_NONE},
        {CKM_SHA3_256, "SHA3_256", CKF_DIGEST, 0, SIZE_NONE},
        {CKM_SHA3_384, "SHA3_384", CKF_DIGEST, 0, SIZE_NONE},
        {CKM_SHA3_512, "SHA3_512", CKF_DIGEST, 0, SIZE_NONE},
#define HMAC_PAIR(m, name)                                                     \
	{m, name, CKF_SIGN | CKF_VERIFY, 0, SIZE_BYTES},                       \
	{                                                                      \
		m##_GENERAL, name "_GENERAL", CKF_SIGN | CKF_VERIFY, 0,        \
		        SIZE_BYTES                                             \
	}
        HMAC_PAIR(CKM_SHA_1_HMAC, "SHA_1_HMAC"),
        HMAC_PAIR(CKM_SHA224_HMAC, "SHA224_HMAC"),
        HMAC_PAIR(CKM_SHA256_HMAC, "SHA256_HMAC"),
        HMAC_PAIR(CKM_SHA384_HMAC, "SHA384_HMAC"),
        HMAC_PAIR(CKM_SHA512_HMAC, "SHA512_HMAC"),
        HMAC_PAIR(CKM_SHA3_256_HMAC, "SHA3_256_HMAC"),
        HMAC_PAIR(CKM_SHA3_384_HMAC, "SHA3_384_HMAC"),
        HMAC_PAIR(CKM_SHA3_512_HMAC, "SHA3_512_HMAC"),
#undef HMAC_PAIR
        {CKM_RSA_PKCS_KEY_PAIR_GEN, "RSA_PKCS_KEY_PAIR_GEN",
         CKF_GENERATE_KEY_PAIR, 0, SIZE_RSA_BITS},
        {CKM_RSA_PKCS, "RSA_PKCS", SV | ED | WU, 0, SIZE_RSA_BITS},
        {CKM_RSA_X_509, "RSA_X_509", SV | ED, 0, SIZE_RSA_BITS},
        {CKM_RSA_PKCS_OAEP, "RSA_PKCS_OAEP", ED | WU, 0, SIZE_RSA_BITS},
        {CKM_RSA_PKCS_PSS, "RSA_PKCS_PSS", SV, 0, SIZE_RSA_BITS},
        {CKM_SHA1_RSA_PKCS, "SHA1_RSA_PKCS", SV, 0, SIZE_RSA_BITS},
        {CKM_SHA224_RSA_PKCS, "SHA224_RSA_PKCS", SV, 0, SIZE_RSA_BITS},
        {CKM_SHA256_RSA_PKCS, "SHA256_RSA_PKCS", SV, 0, SIZE_RSA_BITS},
        {CKM_SHA384_RSA_PKCS, "SHA384_RSA_PKCS", SV, 0, SIZE_RSA_BITS},
        {CKM_SHA512_RSA_PKCS, "SHA512_RSA_PKCS", SV, 0, SIZE_RSA_BITS},
        {CKM_SHA1_RSA_PKCS_PSS, "SHA1_RSA_PKCS_PSS", SV, 0, SIZE_RSA_BITS},
        {CKM_SHA224_RSA_PKCS_PSS, "SHA224_RSA_PKCS_PSS", SV, 0, SIZE_RSA_BITS},
        {CKM_SHA256_RSA_PKCS_PSS, "SHA256_RSA_PKCS_PSS", SV, 0, SIZE_RSA_BITS},
        {CKM_SHA384_RSA_PKCS_PSS, "SHA384_RSA_PKCS_PSS", SV, 0, SIZE_RSA_BITS},
        {CKM_SHA512_RSA_PKCS_PSS, "SHA512_RSA_PKCS_PSS", SV, 0, SIZE_RSA_BITS},
        {CKM_AES_KEY_GEN, "AES_KEY_GEN", CKF_GENERATE, 0, SIZE_AES_BYTES},
        {CKM_AES_ECB, "AES_ECB", ED, 0, SIZE_AES_BYTES},
        {CKM_AES_CBC, "AES_CBC", ED, 0, SIZE_AES_BYTES},
        {CKM_AES_CBC_PAD, "AES_CBC_PAD", ED | WU, 0, SIZE_AES_BYTES},
        {CKM_AES_CTR, "AES_CTR", ED, 0, SIZE_AES_BYTES},
        {CKM_AES_GCM, "AES_GCM", ED | WU, 0, SIZE_AES_BYTES},
        {CKM_AES_CCM, "AES_CCM", ED, 0, SIZE_AES_BYTES},
        {CKM_AES_KEY_WRAP, "AES_KEY_WRAP", ED | WU, 0, SIZE_AES_BYTES},
        {CKM_AES_KEY_WRAP_PAD, "AES_KEY_WRAP_PAD", ED | WU, 0, SIZE_AES_BYTES},
        {CKM_AES_KEY_WRAP_KWP, "AES_KEY_WRAP_KWP", ED | WU, 0, SIZE_AES_BYTES},
        {CKM_AES_CMAC, "AES_CMAC", SV, 0, SIZE_AES_BYTES},
        {CKM_AES_CMAC_GENERAL, "AES_CMAC_GENERAL", SV, 0, SIZE_AES_BYTES},
        {CKM_CHACHA20_KEY_GEN, "CHACHA20_KEY_GEN", CKF_GENERATE, 0,
         SIZE_CHACHA_BYTES},
        {CKM_CHACHA20_POLY1305, "CHACHA20_POLY1305", ED | WU, 0,
         SIZE_CHACHA_BYTES},
};

static void test_mechanism_list(void **state)
{
	(void)state;
	CK_ULONG count = 0;
	OK(p11->C_GetMechanismList(H.slot, NULL, &count));
	assert_int_equal(count, H_ARRAY_SIZE(expected_mechanisms));
	CK_MECHANISM_TYPE list[128];
	assert_true(count <= H_ARRAY_SIZE(list));
	CK_ULONG small = count - 1;
	RV(p11->C_GetMechanismList(H.slot, list, &small), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(small, count);
	CK_ULONG n = H_ARRAY_SIZE(list);
	OK(p11->C_GetMechanismList(H.slot, list, &n));
	assert_int_equal(n, count);
	RV(p11->C_GetMechanismList(9999, NULL, &n), CKR_SLOT_ID_INVALID);

	bool seen[H_ARRAY_SIZE(expected_mechanisms)] = {false};
	for (CK_ULONG i = 0; i < n; i++) {
		size_t k;
		for (k = 0; k < H_ARRAY_SIZE(expected_mechanisms); k++)
			if (expected_mechanisms[k].type == list[i])
				break;
		if (k == H_ARRAY_SIZE(expected_mechanisms))
			fail_msg("unexpected mechanism 0x%lx listed",
			         (unsigned long)list[i]);
		const struct expected_mechanism *e = &expected_mechanisms[k];
		if (seen[k])
			fail_msg("%s listed twice", e->name);
		seen[k] = true;

		CK_MECHANISM_INFO info;
		memset(&info, 0xa5, sizeof(info));
		OK(p11->C_GetMechanismInfo(H.slot, list[i], &info));
		if ((info.flags & FUNCTION_FLAGS) != e->functions)
			fail_msg("%s: function flags 0x%lx, expected 0x%lx",
			         e->name, (unsigned long)info.flags,
			         (unsigned long)e->functions);
		if ((info.flags & e->also) != e->also)
			fail_msg("%s: flags 0x%lx lack 0x%lx", e->name,
			         (unsigned long)info.flags,
			         (unsigned long)e->also);
		if (info.ulMinKeySize > info.ulMaxKeySize)
			fail_msg("%s: min key size %lu > max %lu", e->name,
			         info.ulMinKeySize, info.ulMaxKeySize);
		switch (e->size) {
		case SIZE_NONE:
			assert_int_equal(info.ulMinKeySize, 0);
			assert_int_equal(info.ulMaxKeySize, 0);
			break;
		case SIZE_EC_BITS: /* P-256..P-521 (255: X25519 for ECDH) */
			assert_true(info.ulMinKeySize == 255 ||
			            info.ulMinKeySize == 256);
			assert_int_equal(info.ulMaxKeySize, 521);
			break;
		case SIZE_25519_BITS:
			assert_true(info.ulMinKeySize >= 255 &&
			            info.ulMaxKeySize <= 256);
			break;
		case SIZE_BYTES: /* HMAC keys: bytes, at least 1 */
			assert_true(info.ulMinKeySize >= 1);
			assert_true(info.ulMaxKeySize >= 64);
			break;
		case SIZE_RSA_BITS: /* 2048..4096 at least */
			assert_true(info.ulMinKeySize >= 1024 &&
			            info.ulMinKeySize <= 2048);
			assert_true(info.ulMaxKeySize >= 4096);
			break;
		case SIZE_AES_BYTES:
			assert_int_equal(info.ulMinKeySize, 16);
			assert_int_equal(info.ulMaxKeySize, 32);
			break;
		case SIZE_CHACHA_BYTES:
			assert_int_equal(info.ulMinKeySize, 32);
			assert_int_equal(info.ulMaxKeySize, 32);
			break;
		}
	}
	for (size_t k = 0; k < H_ARRAY_SIZE(expected_mechanisms); k++)
		if (!seen[k])
			fail_msg("%s not listed", expected_mechanisms[k].name);

	CK_MECHANISM_INFO info;
	RV(p11->C_GetMechanismInfo(H.slot, 0x7ffffff0UL, &info),
	   CKR_MECHANISM_INVALID);
	RV(p11->C_GetMechanismInfo(H.slot, CKM_DES3_CBC, &info),
	   CKR_MECHANISM_INVALID);
	RV(p11->C_GetMechanismInfo(H.slot, CKM_SHA3_224, &info),
	   CKR_MECHANISM_INVALID);
	RV(p11->C_GetMechanismInfo(9999, CKM_SHA256, &info),
	   CKR_SLOT_ID_INVALID);
	RV(p11->C_GetMechanismInfo(H.slot, CKM_SHA256, NULL),
	   CKR_ARGUMENTS_BAD);
}

/* ===================================================================== */
/* Key generation                                                          */
/* ===================================================================== */

static void check_generated(CK_SESSION_HANDLE s, const curve_case *curve,
                            key_pair pair)
{
	/* Class, type, origin. */
	assert_int_equal(h_get_ulong(s, pair.pub, CKA_CLASS), CKO_PUBLIC_KEY);
	assert_int_equal(h_get_ulong(s, pair.priv, CKA_CLASS), CKO_PRIVATE_KEY);
	assert_int_equal(h_get_ulong(s, pair.pub, CKA_KEY_TYPE),
	                 curve->key_type);
	assert_int_equal(h_get_ulong(s, pair.priv, CKA_KEY_TYPE),
	                 curve->key_type);
	assert_int_equal(h_get_bool(s, pair.pub, CKA_LOCAL), CK_TRUE);
	assert_int_equal(h_get_bool(s, pair.priv, CKA_LOCAL), CK_TRUE);
	assert_int_equal(h_get_ulong(s, pair.pub, CKA_KEY_GEN_MECHANISM),
	                 curve->generator);
	assert_int_equal(h_get_ulong(s, pair.priv, CKA_KEY_GEN_MECHANISM),
	                 curve->generator);
	/* The defaults: sensitive, not extractable, so always/never. */
	assert_int_equal(h_get_bool(s, pair.priv, CKA_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(s, pair.priv, CKA_EXTRACTABLE), CK_FALSE);
	assert_int_equal(h_get_bool(s, pair.priv, CKA_ALWAYS_SENSITIVE),
	                 CK_TRUE);
	assert_int_equal(h_get_bool(s, pair.priv, CKA_NEVER_EXTRACTABLE),
	                 CK_TRUE);
	assert_int_equal(h_get_bool(s, pair.priv, CKA_PRIVATE), CK_TRUE);
	/* The private key knows its curve too. */
	unsigned char params[64];
	CK_ULONG n = h_get_bytes(s, pair.priv, CKA_EC_PARAMS, params,
	                         sizeof(params));
	assert_true(n > 0);

	/* CKA_EC_POINT: a DER OCTET STRING holding a point OpenSSL
	 * accepts for the curve. */
	EVP_PKEY *key = pubkey_of(s, pair.pub, curve);
	EVP_PKEY_free(key);

	/* The private value cannot be read. */
	unsigned char value[128];
	CK_ATTRIBUTE attribute = H_ATTR(CKA_VALUE, value, sizeof(value));
	RV(p11->C_GetAttributeValue(s, pair.priv, &attribute, 1),
	   CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(attribute.ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

static void test_keygen_curves(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	const curve_case *curves[] = {&P256,    &P384,          &P521,
	                              &ED25519, &ED25519_NAMED, &X25519};
	for (size_t i = 0; i < H_ARRAY_SIZE(curves); i++) {
		key_pair pair = generate(s, curves[i]);
		check_generated(s, curves[i], pair);
		/* The public key keeps the CKA_EC_PARAMS it was given. */
		unsigned char params[64];
		CK_ULONG n = h_get_bytes(s, pair.pub, CKA_EC_PARAMS, params,
		                         sizeof(params));
		assert_int_equal(n, curves[i]->params_length);
		assert_memory_equal(params, curves[i]->params, n);
	}
	/* Two generations give different keys. */
	key_pair a = generate(s, &P256), b = generate(s, &P256);
	unsigned char pa[65], pb[65];
	ec_point(s, a.pub, &P256, pa);
	ec_point(s, b.pub, &P256, pb);
	assert_memory_not_equal(pa, pb, 65);

	/* Mechanism and curve must agree. */
	curve_case wrong = P256;
	wrong.generator = CKM_EC_EDWARDS_KEY_PAIR_GEN;
	key_pair pair;
	RV2(generate_rv(s, &wrong, NULL, 0, &pair), CKR_TEMPLATE_INCONSISTENT,
	    CKR_CURVE_NOT_SUPPORTED);
	wrong = ED25519;
	wrong.generator = CKM_EC_KEY_PAIR_GEN;
	RV2(generate_rv(s, &wrong, NULL, 0, &pair), CKR_TEMPLATE_INCONSISTENT,
	    CKR_CURVE_NOT_SUPPORTED);
	/* An unsupported curve (secp256k1). */
	static const CK_BYTE k1[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a};
	wrong = P256;
	wrong.params = k1;
	wrong.params_length = sizeof(k1);
	RV2(generate_rv(s, &wrong, NULL, 0, &pair), CKR_CURVE_NOT_SUPPORTED,
	    CKR_ATTRIBUTE_VALUE_INVALID);
	/* Extractable, not sensitive: ALWAYS_SENSITIVE / NEVER_EXTRACTABLE
	 * false, and the value can be read. */
	CK_ATTRIBUTE open[] = {H_ATTR_VAR(CKA_SENSITIVE, h_false),
	                       H_ATTR_VAR(CKA_EXTRACTABLE, h_true)};
	OK(generate_rv(s, &P256, open, 2, &pair));
	assert_int_equal(h_get_bool(s, pair.priv, CKA_ALWAYS_SENSITIVE),
	                 CK_FALSE);
	assert_int_equal(h_get_bool(s, pair.priv, CKA_NEVER_EXTRACTABLE),
	                 CK_FALSE);
	unsigned char scalar[66];
	assert_int_equal(
	        h_get_bytes(s, pair.priv, CKA_VALUE, scalar, sizeof(scalar)),
	        32);
}

/* A token key pair survives C_Finalize and still signs. */
static void test_keygen_token_persists(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	CK_MECHANISM mechanism = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE pub[] = {H_ATTR(CKA_EC_PARAMS, OID_P256, sizeof(OID_P256)),
	                      H_ATTR_VAR(CKA_TOKEN, h_true),
	                      H_ATTR_STR(CKA_LABEL, "persistent")};
	CK_ATTRIBUTE priv[] = {H_ATTR_VAR(CKA_TOKEN, h_true),
	                       H_ATTR_STR(CKA_LABEL, "persistent")};
	key_pair pair;
	OK(p11->C_GenerateKeyPair(s, &mechanism, pub, 3, priv, 2, &pair.pub,
	                          &pair.priv));
	OK(p11->C_Finalize(NULL));
	OK(p11->C_Initialize(NULL));
	s = user_session();
	CK_OBJECT_HANDLE found[4];
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE find_priv[] = {H_ATTR_VAR(CKA_CLASS, cls),
	                            H_ATTR_STR(CKA_LABEL, "persistent")};
	assert_int_equal(h_find(s, find_priv, 2, found, 4), 1);
	pair.priv = found[0];
	cls = CKO_PUBLIC_KEY;
	assert_int_equal(h_find(s, find_priv, 2, found, 4), 1);
	pair.pub = found[0];
	CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
	CK_BYTE sig[64];
	static const char message[] = "persisted";
	assert_int_equal(
	        sign_one(s, &m, pair.priv, message, 9, sig, sizeof(sig)), 64);
	OK(verify_one(s, &m, pair.pub, message, 9, sig, 64));
	EVP_PKEY *key = pubkey_of(s, pair.pub, &P256);
	assert_true(ossl_ecdsa_verify(key, EVP_sha256(), message, 9, sig, 64));
	EVP_PKEY_free(key);
	check_generated(s, &P256, pair);
}

/* CKA_PUBLIC_KEY_INFO: present on generated and imported public and
 * private keys, a SubjectPublicKeyInfo that OpenSSL parses to the key's
 * point, equal to OpenSSL's own encoding of the key. */
static void check_spki(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                       const curve_case *curve, const unsigned char *point,
                       const unsigned char *expected, size_t expected_length)
{
	EVP_PKEY *key = spki_of(s, o);
	assert_int_equal(EVP_PKEY_get_base_id(key), curve->pkey_type);
	if (curve->key_type == CKK_EC) {
		char group[32] = "";
		size_t group_length = 0;
		assert_int_equal(EVP_PKEY_get_utf8_string_param(
		                         key, OSSL_PKEY_PARAM_GROUP_NAME, group,
		                         sizeof(group), &group_length),
		                 1);
		assert_int_equal(EC_curve_nist2nid(curve->ossl_group),
		                 OBJ_sn2nid(group));
	}
	unsigned char from_spki[133];
	assert_int_equal(ossl_point(key, from_spki, sizeof(from_spki)),
	                 curve->point_length);
	assert_memory_equal(from_spki, point, curve->point_length);
	EVP_PKEY_free(key);
	if (expected != NULL) {
		unsigned char spki[300];
		CK_ULONG n = h_get_bytes(s, o, CKA_PUBLIC_KEY_INFO, spki,
		                         sizeof(spki));
		assert_int_equal(n, expected_length);
		assert_memory_equal(spki, expected, n);
	}
}

static void test_public_key_info(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	const curve_case *curves[] = {&P256,    &P384,          &P521,
	                              &ED25519, &ED25519_NAMED, &X25519};
	for (size_t c = 0; c < H_ARRAY_SIZE(curves); c++) {
		const curve_case *curve = curves[c];
		/* Generated: both halves carry it. */
		key_pair pair = generate(s, curve);
		unsigned char point[133];
		ec_point(s, pair.pub, curve, point);
		check_spki(s, pair.pub, curve, point, NULL, 0);
		check_spki(s, pair.priv, curve, point, NULL, 0);
		unsigned char a[300], b[300];
		CK_ULONG al = h_get_bytes(s, pair.pub, CKA_PUBLIC_KEY_INFO, a,
		                          sizeof(a));
		CK_ULONG bl = h_get_bytes(s, pair.priv, CKA_PUBLIC_KEY_INFO, b,
		                          sizeof(b));
		assert_int_equal(al, bl);
		assert_memory_equal(a, b, al);

		/* Imported from OpenSSL: equal to OpenSSL's encoding. */
		EVP_PKEY *key = ossl_generate(curve);
		unsigned char value[66], der_point[136];
		size_t vl = ossl_private(key, curve, value);
		size_t pl = ossl_point(key, point, sizeof(point));
		unsigned char *expected = NULL;
		int el = i2d_PUBKEY(key, &expected);
		assert_true(el > 0);
		CK_OBJECT_HANDLE priv, pub, pub_raw;
		OK(import_private_rv(s, curve, value, vl, &priv));
		OK(import_public_rv(s, curve, der_point,
		                    der_octets(point, pl, der_point), &pub));
		OK(import_public_rv(s, curve, point, pl, &pub_raw));
		check_spki(s, pub, curve, point, expected, (size_t)el);
		check_spki(s, pub_raw, curve, point, expected, (size_t)el);
		check_spki(s, priv, curve, point, expected, (size_t)el);
		OPENSSL_free(expected);
		EVP_PKEY_free(key);
	}
	/* The public key computed from an imported private value: RFC 8032
	 * TEST 2, and the P-256 scalar 1 (the generator). */
	unsigned char seed[32], rfc_public[32], g[65];
	unhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6f"
	      "b",
	      seed, 32);
	unhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660"
	      "c",
	      rfc_public, 32);
	CK_OBJECT_HANDLE o;
	OK(import_private_rv(s, &ED25519, seed, 32, &o));
	check_spki(s, o, &ED25519, rfc_public, NULL, 0);
	unhex("046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2"
	      "96"
	      "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f"
	      "5",
	      g, 65);
	unsigned char one = 1;
	OK(import_private_rv(s, &P256, &one, 1, &o));
	check_spki(s, o, &P256, g, NULL, 0);
}

/* ===================================================================== */
/* ECDSA                                                                    */
/* ===================================================================== */

static const struct {
	CK_MECHANISM_TYPE type;
	const char *name;
	const EVP_MD *(*md)(void);
} ecdsa_hashes[] = {
        {CKM_ECDSA_SHA1, "ECDSA_SHA1", EVP_sha1},
        {CKM_ECDSA_SHA224, "ECDSA_SHA224", EVP_sha224},
        {CKM_ECDSA_SHA256, "ECDSA_SHA256", EVP_sha256},
        {CKM_ECDSA_SHA384, "ECDSA_SHA384", EVP_sha384},
        {CKM_ECDSA_SHA512, "ECDSA_SHA512", EVP_sha512},
};

static void ecdsa_curve(CK_SESSION_HANDLE s, const curve_case *curve)
{
	key_pair pair = generate(s, curve);
	EVP_PKEY *key = pubkey_of(s, pair.pub, curve);
	CK_ULONG expected = 2 * curve->scalar_length;
	CK_BYTE sig[200];
	unsigned char message[300];
	for (size_t i = 0; i < sizeof(message); i++)
		message[i] = (unsigned char)(i * 7 + 1);

	/* CKM_ECDSA over a digest: a hash of the curve's size, and shorter
	 * and longer inputs (truncated as ECDSA specifies). */
	CK_MECHANISM raw = {CKM_ECDSA, NULL, 0};
	size_t digest_lengths[] = {20, 32, 48, 64};
	for (size_t i = 0; i < H_ARRAY_SIZE(digest_lengths); i++) {
		size_t dl = digest_lengths[i];
		CK_ULONG n = sign_one(s, &raw, pair.priv, message, dl, sig,
		                      sizeof(sig));
		assert_int_equal(n, expected);
		if (!ossl_ecdsa_verify(key, NULL, message, dl, sig, n))
			fail_msg("%s CKM_ECDSA (%zu-byte digest): OpenSSL "
			         "rejects the signature",
			         curve->name, dl);
		OK(verify_one(s, &raw, pair.pub, message, dl, sig, n));
		sig[n - 1] ^= 0x01;
		RV(verify_one(s, &raw, pair.pub, message, dl, sig, n),
		   CKR_SIGNATURE_INVALID);
		sig[n - 1] ^= 0x01;
		message[0] ^= 0x80;
		RV(verify_one(s, &raw, pair.pub, message, dl, sig, n),
		   CKR_SIGNATURE_INVALID);
		message[0] ^= 0x80;
	}
	/* Randomised: two signatures of the same digest differ. */
	CK_BYTE sig2[200];
	sign_one(s, &raw, pair.priv, message, 32, sig, sizeof(sig));
	sign_one(s, &raw, pair.priv, message, 32, sig2, sizeof(sig2));
	assert_memory_not_equal(sig, sig2, expected);

	for (size_t h = 0; h < H_ARRAY_SIZE(ecdsa_hashes); h++) {
		CK_MECHANISM m = {ecdsa_hashes[h].type, NULL, 0};
		const EVP_MD *md = ecdsa_hashes[h].md();
		size_t lengths[] = {0, 1, 57, sizeof(message)};
		for (size_t l = 0; l < H_ARRAY_SIZE(lengths); l++) {
			size_t ml = lengths[l];
			CK_ULONG n = sign_one(s, &m, pair.priv, message, ml,
			                      sig, sizeof(sig));
			assert_int_equal(n, expected);
			if (!ossl_ecdsa_verify(key, md, message, ml, sig, n))
				fail_msg("%s %s single-part (%zu bytes): "
				         "OpenSSL rejects it",
				         curve->name, ecdsa_hashes[h].name, ml);
			OK(verify_one(s, &m, pair.pub, message, ml, sig, n));
			OK(verify_multi(s, &m, pair.pub, message, ml, sig, n));
			/* Multi-part signing. */
			n = sign_multi(s, &m, pair.priv, message, ml, sig,
			               sizeof(sig));
			assert_int_equal(n, expected);
			if (!ossl_ecdsa_verify(key, md, message, ml, sig, n))
				fail_msg("%s %s multi-part (%zu bytes): "
				         "OpenSSL rejects it",
				         curve->name, ecdsa_hashes[h].name, ml);
			OK(verify_one(s, &m, pair.pub, message, ml, sig, n));
		}
		/* Tampering. */
		CK_ULONG n = sign_one(s, &m, pair.priv, message, 100, sig,
		                      sizeof(sig));
		sig[3] ^= 0x10;
		RV(verify_one(s, &m, pair.pub, message, 100, sig, n),
		   CKR_SIGNATURE_INVALID);
		RV(verify_multi(s, &m, pair.pub, message, 100, sig, n),
		   CKR_SIGNATURE_INVALID);
		sig[3] ^= 0x10;
		RV(verify_one(s, &m, pair.pub, message, 99, sig, n),
		   CKR_SIGNATURE_INVALID);
		OK(verify_one(s, &m, pair.pub, message, 100, sig, n));
	}
	EVP_PKEY_free(key);
}

static void test_ecdsa_p256(void **state)
{
	(void)state;
	ecdsa_curve(user_session(), &P256);
}

static void test_ecdsa_p384_p521(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	ecdsa_curve(s, &P384);
	ecdsa_curve(s, &P521);
}

/* Keys made by OpenSSL, imported: OpenSSL's signatures verify on the
 * token, the token's verify with OpenSSL's key, and the imported keys get
 * CKA_PUBLIC_KEY_INFO. */
static void test_ecdsa_openssl_interop(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	const curve_case *curves[] = {&P256, &P384, &P521};
	for (size_t c = 0; c < H_ARRAY_SIZE(curves); c++) {
		const curve_case *curve = curves[c];
		EVP_PKEY *key = ossl_generate(curve);
		unsigned char scalar[66], point[133], der_point[136];
		size_t scalar_length = ossl_private(key, curve, scalar);
		size_t point_length = ossl_point(key, point, sizeof(point));
		assert_int_equal(point_length, curve->point_length);
		size_t der_length = der_octets(point, point_length, der_point);
		CK_OBJECT_HANDLE priv, pub, pub_raw;
		OK(import_private_rv(s, curve, scalar, scalar_length, &priv));
		OK(import_public_rv(s, curve, der_point, der_length, &pub));
		/* A raw (non-DER) CKA_EC_POINT is accepted and stored as DER.
		 */
		OK(import_public_rv(s, curve, point, point_length, &pub_raw));
		unsigned char back[133];
		ec_point(s, pub_raw, curve, back);
		assert_memory_equal(back, point, point_length);

		assert_int_equal(h_get_bool(s, priv, CKA_LOCAL), CK_FALSE);
		assert_int_equal(h_get_bool(s, priv, CKA_ALWAYS_SENSITIVE),
		                 CK_FALSE);

		static const char message[] = "signed by OpenSSL, checked by "
		                              "the token";
		size_t ml = sizeof(message) - 1;
		for (size_t h = 0; h < H_ARRAY_SIZE(ecdsa_hashes); h++) {
			CK_MECHANISM m = {ecdsa_hashes[h].type, NULL, 0};
			const EVP_MD *md = ecdsa_hashes[h].md();
			CK_BYTE sig[200];
			size_t n = ossl_ecdsa_sign(key, md, message, ml,
			                           curve->scalar_length, sig);
			OK(verify_one(s, &m, pub, message, ml, sig, n));
			OK(verify_multi(s, &m, pub, message, ml, sig, n));
			sig[n / 2] ^= 0x40;
			RV(verify_one(s, &m, pub, message, ml, sig, n),
			   CKR_SIGNATURE_INVALID);
			/* The token signs with the imported scalar. */
			n = sign_one(s, &m, priv, message, ml, sig,
			             sizeof(sig));
			if (!ossl_ecdsa_verify(key, md, message, ml, sig, n))
				fail_msg("%s %s: OpenSSL rejects the token's "
				         "signature with the imported key",
				         curve->name, ecdsa_hashes[h].name);
		}
		/* CKM_ECDSA: OpenSSL signs a SHA-256 digest it computed. */
		unsigned char digest[32];
		ossl_digest(EVP_sha256(), message, ml, digest);
		CK_BYTE sig[200];
		size_t n = ossl_ecdsa_sign(key, EVP_sha256(), message, ml,
		                           curve->scalar_length, sig);
		CK_MECHANISM raw = {CKM_ECDSA, NULL, 0};
		OK(verify_one(s, &raw, pub, digest, 32, sig, n));
		EVP_PKEY_free(key);
	}
}

/* ===================================================================== */
/* EdDSA                                                                    */
/* ===================================================================== */

static void test_eddsa(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	const curve_case *curves[] = {&ED25519, &ED25519_NAMED};
	for (size_t c = 0; c < 2; c++) {
		key_pair pair = generate(s, curves[c]);
		EVP_PKEY *key = pubkey_of(s, pair.pub, curves[c]);
		CK_MECHANISM m = {CKM_EDDSA, NULL, 0};
		unsigned char message[1000];
		for (size_t i = 0; i < sizeof(message); i++)
			message[i] = (unsigned char)(i ^ 0x5a);
		size_t lengths[] = {0, 1, 64, sizeof(message)};
		for (size_t l = 0; l < H_ARRAY_SIZE(lengths); l++) {
			size_t ml = lengths[l];
			CK_BYTE sig[64], sig2[64];
			assert_int_equal(sign_one(s, &m, pair.priv, message, ml,
			                          sig, sizeof(sig)),
			                 64);
			if (!ossl_ed25519_verify(key, message, ml, sig, 64))
				fail_msg(
				        "%s EdDSA (%zu bytes): OpenSSL rejects "
				        "the signature",
				        curves[c]->name, ml);
			OK(verify_one(s, &m, pair.pub, message, ml, sig, 64));
			OK(verify_multi(s, &m, pair.pub, message, ml, sig, 64));
			/* Multi-part signing gives the same (deterministic)
			 * signature. */
			assert_int_equal(sign_multi(s, &m, pair.priv, message,
			                            ml, sig2, sizeof(sig2)),
			                 64);
			assert_memory_equal(sig, sig2, 64);
			sig[10] ^= 0x01;
			RV(verify_one(s, &m, pair.pub, message, ml, sig, 64),
			   CKR_SIGNATURE_INVALID);
			RV(verify_multi(s, &m, pair.pub, message, ml, sig, 64),
			   CKR_SIGNATURE_INVALID);
			sig[10] ^= 0x01;
			if (ml > 0) {
				message[ml - 1] ^= 1;
				RV(verify_one(s, &m, pair.pub, message, ml, sig,
				              64),
				   CKR_SIGNATURE_INVALID);
				message[ml - 1] ^= 1;
			}
			/* CK_EDDSA_PARAMS without flag or context: pure. */
			CK_EDDSA_PARAMS pure = {CK_FALSE, 0, NULL};
			CK_MECHANISM mp = {CKM_EDDSA, &pure, sizeof(pure)};
			assert_int_equal(sign_one(s, &mp, pair.priv, message,
			                          ml, sig2, sizeof(sig2)),
			                 64);
			assert_memory_equal(sig, sig2, 64);
			OK(verify_one(s, &mp, pair.pub, message, ml, sig, 64));

			/* Ed25519ph: a different signature, which pure
			 * verification rejects. */
			CK_EDDSA_PARAMS ph = {CK_TRUE, 0, NULL};
			CK_MECHANISM mph = {CKM_EDDSA, &ph, sizeof(ph)};
			assert_int_equal(sign_one(s, &mph, pair.priv, message,
			                          ml, sig2, sizeof(sig2)),
			                 64);
			assert_memory_not_equal(sig, sig2, 64);
			OK(verify_one(s, &mph, pair.pub, message, ml, sig2,
			              64));
			OK(verify_multi(s, &mph, pair.pub, message, ml, sig2,
			                64));
			RV(verify_one(s, &m, pair.pub, message, ml, sig2, 64),
			   CKR_SIGNATURE_INVALID);
			RV(verify_one(s, &mph, pair.pub, message, ml, sig, 64),
			   CKR_SIGNATURE_INVALID);
			assert_int_equal(sign_multi(s, &mph, pair.priv, message,
			                            ml, sig, sizeof(sig)),
			                 64);
			assert_memory_equal(sig, sig2, 64);
			/* Ed25519ph with a context: bound to it. */
			CK_BYTE context[] = {'c', 't', 'x'};
			CK_EDDSA_PARAMS phc = {CK_TRUE, 3, context};
			CK_MECHANISM mphc = {CKM_EDDSA, &phc, sizeof(phc)};
			sign_one(s, &mphc, pair.priv, message, ml, sig,
			         sizeof(sig));
			assert_memory_not_equal(sig, sig2, 64);
			OK(verify_one(s, &mphc, pair.pub, message, ml, sig,
			              64));
			RV(verify_one(s, &mph, pair.pub, message, ml, sig, 64),
			   CKR_SIGNATURE_INVALID);
			context[0] = 'C';
			RV(verify_one(s, &mphc, pair.pub, message, ml, sig, 64),
			   CKR_SIGNATURE_INVALID);
		}
		EVP_PKEY_free(key);
	}
}

/* Imported Ed25519 seeds: RFC 8032 section 7.1 (pure) and 7.3 (ph) vectors
 * signed by the token give exactly the published signatures; an OpenSSL
 * key's signatures verify on the token. */
static void test_eddsa_vectors_and_openssl(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	static const struct {
		const char *seed, *public_key, *message, *signature;
		bool prehash;
	} vectors[] = {
	        {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a"
	         "6fb",
	         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af46"
	         "60c",
	         "72",
	         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb6"
	         "9da"
	         "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0"
	         "c00",
	         false},
	        {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b445"
	         "8f7",
	         "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908"
	         "025",
	         "af82",
	         "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac"
	         "3ac"
	         "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec"
	         "40a",
	         false},
	        {"833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3"
	         "d42",
	         "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e"
	         "2bf",
	         "616263",
	         "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6da"
	         "e41"
	         "31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083"
	         "406",
	         true},
	};
	for (size_t v = 0; v < H_ARRAY_SIZE(vectors); v++) {
		unsigned char seed[32], pub[32], message[8], expected[64];
		unhex(vectors[v].seed, seed, 32);
		unhex(vectors[v].public_key, pub, 32);
		size_t ml = unhex(vectors[v].message, message, sizeof(message));
		unhex(vectors[v].signature, expected, 64);
		CK_OBJECT_HANDLE priv, pub_object;
		OK(import_private_rv(s, &ED25519, seed, 32, &priv));
		unsigned char der[34];
		OK(import_public_rv(s, &ED25519, der, der_octets(pub, 32, der),
		                    &pub_object));
		CK_EDDSA_PARAMS params = {
		        vectors[v].prehash ? CK_TRUE : CK_FALSE, 0, NULL};
		CK_MECHANISM m = {CKM_EDDSA, &params, sizeof(params)};
		CK_MECHANISM bare = {CKM_EDDSA, NULL, 0};
		CK_MECHANISM *mechanism = vectors[v].prehash ? &m : &bare;
		CK_BYTE sig[64];
		sign_one(s, mechanism, priv, message, ml, sig, sizeof(sig));
		if (memcmp(sig, expected, 64) != 0)
			fail_msg("RFC 8032 vector %zu (%s): the token signs %s",
			         v,
			         vectors[v].prehash ? "Ed25519ph" : "Ed25519",
			         h_hex(sig, 64));
		OK(verify_one(s, mechanism, pub_object, message, ml, expected,
		              64));
	}

	/* An OpenSSL Ed25519 key. */
	EVP_PKEY *key = ossl_generate(&ED25519);
	unsigned char seed[32], point[32], der[34];
	ossl_private(key, &ED25519, seed);
	assert_int_equal(ossl_point(key, point, sizeof(point)), 32);
	CK_OBJECT_HANDLE priv, pub;
	OK(import_private_rv(s, &ED25519, seed, 32, &priv));
	OK(import_public_rv(s, &ED25519, der, der_octets(point, 32, der),
	                    &pub));
	static const char message[] = "Ed25519 from OpenSSL";
	size_t ml = sizeof(message) - 1;
	unsigned char sig[64];
	size_t sl = sizeof(sig);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, NULL, NULL, key), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &sl,
	                                (const unsigned char *)message, ml),
	                 1);
	EVP_MD_CTX_free(ctx);
	CK_MECHANISM m = {CKM_EDDSA, NULL, 0};
	OK(verify_one(s, &m, pub, message, ml, sig, 64));
	/* Deterministic: the token's signature with the same seed is equal. */
	CK_BYTE token_sig[64];
	sign_one(s, &m, priv, message, ml, token_sig, sizeof(token_sig));
	assert_memory_equal(token_sig, sig, 64);
	sig[63] ^= 0x20;
	RV(verify_one(s, &m, pub, message, ml, sig, 64), CKR_SIGNATURE_INVALID);
	EVP_PKEY_free(key);
}

/* Ed25519ctx (CK_EDDSA_PARAMS phFlag FALSE with a context): RFC 8032
 * section 7.2. */
static void test_eddsa_context(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	unsigned char seed[32], message[16], expected_foo[64], expected_bar[64];
	unhex("0305334e381af78f141cb666f6199f57bc3495335a256a95bd2a55bf546663f"
	      "6",
	      seed, 32);
	unhex("f726936d19c800494e3fdaff20b276a8", message, 16);
	unhex("55a4cc2f70a54e04288c5f4cd1e45a7bb520b36292911876cada7323198dd87a"
	      "8b36950b95130022907a7fb7c4e9b2d5f6cca685a587b4b21f4b888e4e7edb0"
	      "d",
	      expected_foo, 64);
	unhex("fc60d5872fc46b3aa69f8b5b4351d5808f92bcc044606db097abab6dbcb1aee3"
	      "216c48e8b3b66431b5b186d1d28f8ee15a5ca2df6668346291c2043d4eb3e90"
	      "d",
	      expected_bar, 64);
	CK_OBJECT_HANDLE priv;
	OK(import_private_rv(s, &ED25519, seed, 32, &priv));
	CK_BYTE foo[] = {'f', 'o', 'o'}, bar[] = {'b', 'a', 'r'};
	CK_EDDSA_PARAMS params = {CK_FALSE, 3, foo};
	CK_MECHANISM m = {CKM_EDDSA, &params, sizeof(params)};
	CK_BYTE sig[64];
	CK_ULONG n = sizeof(sig);
	CK_RV rv = p11->C_SignInit(s, &m, priv);
	if (rv != CKR_OK)
		fail_msg("C_SignInit(CKM_EDDSA, Ed25519ctx context \"foo\") "
		         "returned %s: Ed25519ctx is refused",
		         rv_name(rv));
	OK(p11->C_Sign(s, message, 16, sig, &n));
	if (memcmp(sig, expected_foo, 64) != 0)
		fail_msg("Ed25519ctx \"foo\": the token signs %s",
		         h_hex(sig, 64));
	params.pContextData = bar;
	sign_one(s, &m, priv, message, 16, sig, sizeof(sig));
	assert_memory_equal(sig, expected_bar, 64);
}

/* ===================================================================== */
/* HMAC                                                                     */
/* ===================================================================== */

static const struct {
	CK_MECHANISM_TYPE type, general;
	const char *name;
	const EVP_MD *(*md)(void);
	size_t length;
} hmacs[] = {
        {CKM_SHA_1_HMAC, CKM_SHA_1_HMAC_GENERAL, "SHA1", EVP_sha1, 20},
        {CKM_SHA224_HMAC, CKM_SHA224_HMAC_GENERAL, "SHA224", EVP_sha224, 28},
        {CKM_SHA256_HMAC, CKM_SHA256_HMAC_GENERAL, "SHA256", EVP_sha256, 32},
        {CKM_SHA384_HMAC, CKM_SHA384_HMAC_GENERAL, "SHA384", EVP_sha384, 48},
        {CKM_SHA512_HMAC, CKM_SHA512_HMAC_GENERAL, "SHA512", EVP_sha512, 64},
        {CKM_SHA3_256_HMAC, CKM_SHA3_256_HMAC_GENERAL, "SHA3-256", EVP_sha3_256,
         32},
        {CKM_SHA3_384_HMAC, CKM_SHA3_384_HMAC_GENERAL, "SHA3-384", EVP_sha3_384,
         48},
        {CKM_SHA3_512_HMAC, CKM_SHA3_512_HMAC_GENERAL, "SHA3-512", EVP_sha3_512,
         64},
};

static CK_OBJECT_HANDLE generate_secret(CK_SESSION_HANDLE s, CK_ULONG length,
                                        bool readable)
{
	CK_MECHANISM m = {CKM_GENERIC_SECRET_KEY_GEN, NULL, 0};
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_VALUE_LEN, length),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR(CKA_SENSITIVE, readable ? &h_false : &h_true, 1),
	        H_ATTR(CKA_EXTRACTABLE, readable ? &h_true : &h_false, 1),
	};
	CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
	OK(p11->C_GenerateKey(s, &m, template, H_ARRAY_SIZE(template), &key));
	return key;
}

static void test_hmac_generated(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	/* A default (sensitive) generated key: its attributes. */
	CK_OBJECT_HANDLE hidden = generate_secret(s, 32, false);
	assert_int_equal(h_get_ulong(s, hidden, CKA_KEY_TYPE),
	                 CKK_GENERIC_SECRET);
	assert_int_equal(h_get_ulong(s, hidden, CKA_VALUE_LEN), 32);
	assert_int_equal(h_get_bool(s, hidden, CKA_LOCAL), CK_TRUE);
	assert_int_equal(h_get_ulong(s, hidden, CKA_KEY_GEN_MECHANISM),
	                 CKM_GENERIC_SECRET_KEY_GEN);
	assert_int_equal(h_get_bool(s, hidden, CKA_ALWAYS_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(s, hidden, CKA_NEVER_EXTRACTABLE), CK_TRUE);
	CK_BYTE value[64];
	CK_ATTRIBUTE attribute = H_ATTR(CKA_VALUE, value, sizeof(value));
	RV(p11->C_GetAttributeValue(s, hidden, &attribute, 1),
	   CKR_ATTRIBUTE_SENSITIVE);

	/* A readable one, so OpenSSL can compute the same MACs. */
	CK_OBJECT_HANDLE key = generate_secret(s, 40, true);
	assert_int_equal(h_get_bytes(s, key, CKA_VALUE, value, sizeof(value)),
	                 40);
	assert_int_equal(h_get_bool(s, key, CKA_ALWAYS_SENSITIVE), CK_FALSE);
	unsigned char message[500];
	for (size_t i = 0; i < sizeof(message); i++)
		message[i] = (unsigned char)(3 * i);
	for (size_t h = 0; h < H_ARRAY_SIZE(hmacs); h++) {
		CK_MECHANISM m = {hmacs[h].type, NULL, 0};
		size_t lengths[] = {0, 13, sizeof(message)};
		for (size_t l = 0; l < H_ARRAY_SIZE(lengths); l++) {
			size_t ml = lengths[l];
			unsigned char expected[64];
			unsigned int el = 0;
			assert_non_null(HMAC(hmacs[h].md(), value, 40, message,
			                     ml, expected, &el));
			assert_int_equal(el, hmacs[h].length);
			CK_BYTE mac[64];
			CK_ULONG n = sign_one(s, &m, key, message, ml, mac,
			                      sizeof(mac));
			assert_int_equal(n, hmacs[h].length);
			if (memcmp(mac, expected, n) != 0)
				fail_msg("HMAC-%s (%zu bytes) differs from "
				         "OpenSSL's",
				         hmacs[h].name, ml);
			n = sign_multi(s, &m, key, message, ml, mac,
			               sizeof(mac));
			assert_int_equal(n, hmacs[h].length);
			assert_memory_equal(mac, expected, n);
			OK(verify_one(s, &m, key, message, ml, mac, n));
			OK(verify_multi(s, &m, key, message, ml, mac, n));
			mac[0] ^= 1;
			RV(verify_one(s, &m, key, message, ml, mac, n),
			   CKR_SIGNATURE_INVALID);
			RV(verify_multi(s, &m, key, message, ml, mac, n),
			   CKR_SIGNATURE_INVALID);
			mac[0] ^= 1;
			RV(verify_one(s, &m, key, message, ml, mac, n - 1),
			   CKR_SIGNATURE_LEN_RANGE);
			/* The sensitive key works too. */
			n = sign_one(s, &m, hidden, message, ml, mac,
			             sizeof(mac));
			OK(verify_one(s, &m, hidden, message, ml, mac, n));
		}
		/* _GENERAL: 1 byte, half, all. */
		size_t wanted[] = {1, hmacs[h].length / 2, hmacs[h].length};
		unsigned char expected[64];
		unsigned int el = 0;
		HMAC(hmacs[h].md(), value, 40, message, 100, expected, &el);
		for (size_t w = 0; w < H_ARRAY_SIZE(wanted); w++) {
			CK_ULONG length = wanted[w];
			CK_MECHANISM g = {hmacs[h].general, &length,
			                  sizeof(length)};
			CK_BYTE mac[64];
			CK_ULONG n = sign_one(s, &g, key, message, 100, mac,
			                      sizeof(mac));
			if (n != length)
				fail_msg("HMAC-%s_GENERAL(%lu): %lu bytes",
				         hmacs[h].name, length,
				         (unsigned long)n);
			assert_memory_equal(mac, expected, n);
			n = sign_multi(s, &g, key, message, 100, mac,
			               sizeof(mac));
			assert_int_equal(n, length);
			assert_memory_equal(mac, expected, n);
			OK(verify_one(s, &g, key, message, 100, mac, n));
			OK(verify_multi(s, &g, key, message, 100, mac, n));
			mac[n - 1] ^= 0x80;
			RV(verify_one(s, &g, key, message, 100, mac, n),
			   CKR_SIGNATURE_INVALID);
			mac[n - 1] ^= 0x80;
			/* The full MAC is the wrong length for _GENERAL. */
			if (length < hmacs[h].length)
				RV(verify_one(s, &g, key, message, 100,
				              expected, hmacs[h].length),
				   CKR_SIGNATURE_LEN_RANGE);
		}
	}
}

/* RFC 4231 test cases 2 (a 4-byte key) and 6 (a key longer than the
 * block), RFC 2202 for SHA-1, with imported CKK_GENERIC_SECRET keys. */
static void test_hmac_rfc4231(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	static const struct {
		const char *key, *data;
		const char *mac[5]; /* SHA-1, SHA-224, -256, -384, -512 */
	} cases[] = {
	        {"4a656665",
	         "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
	         {"effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
	          "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
	          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec"
	          "3843",
	          "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322"
	          "445e"
	          "8e2240ca5e69e2c78b3239ecfab21649",
	          "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea25"
	          "0554"
	          "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bc"
	          "e737"}},
	        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	         "aaa"
	         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	         "aaa"
	         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	         "aaa"
	         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	         "aaa"
	         "aaaaaa",
	         "54657374205573696e67204c6172676572205468616e20426c6f636b2d536"
	         "97a"
	         "65204b6579202d2048617368204b6579204669727374",
	         {NULL,
	          "95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e",
	          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee3"
	          "7f54",
	          "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033a"
	          "c4c6"
	          "0c2ef6ab4030fe8296248df163f44952",
	          "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8"
	          "f352"
	          "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d78"
	          "6598"}},
	};
	for (size_t c = 0; c < H_ARRAY_SIZE(cases); c++) {
		unsigned char key_bytes[200], data[100];
		size_t kl = unhex(cases[c].key, key_bytes, sizeof(key_bytes));
		size_t dl = unhex(cases[c].data, data, sizeof(data));
		CK_OBJECT_HANDLE key =
		        import_secret(s, CKK_GENERIC_SECRET, key_bytes, kl);
		assert_int_equal(h_get_ulong(s, key, CKA_VALUE_LEN), kl);
		assert_int_equal(h_get_bool(s, key, CKA_LOCAL), CK_FALSE);
		for (size_t h = 0; h < 5; h++) {
			if (cases[c].mac[h] == NULL)
				continue;
			unsigned char expected[64];
			size_t el = unhex(cases[c].mac[h], expected,
			                  sizeof(expected));
			CK_MECHANISM m = {hmacs[h].type, NULL, 0};
			CK_BYTE mac[64];
			CK_ULONG n = sign_one(s, &m, key, data, dl, mac,
			                      sizeof(mac));
			assert_int_equal(n, el);
			if (memcmp(mac, expected, el) != 0)
				fail_msg("RFC 4231 case %zu HMAC-%s: the token "
				         "gives %s",
				         c, hmacs[h].name, h_hex(mac, n));
			OK(verify_one(s, &m, key, data, dl, expected, el));
		}
		/* SHA-3 HMACs of the same key agree with OpenSSL. */
		for (size_t h = 5; h < H_ARRAY_SIZE(hmacs); h++) {
			unsigned char expected[64];
			unsigned int el = 0;
			HMAC(hmacs[h].md(), key_bytes, (int)kl, data, dl,
			     expected, &el);
			CK_MECHANISM m = {hmacs[h].type, NULL, 0};
			CK_BYTE mac[64];
			CK_ULONG n = sign_multi(s, &m, key, data, dl, mac,
			                        sizeof(mac));
			assert_int_equal(n, el);
			if (memcmp(mac, expected, el) != 0)
				fail_msg("HMAC-%s (key %zu bytes) differs from "
				         "OpenSSL's",
				         hmacs[h].name, kl);
		}
	}
}

/* ===================================================================== */
/* Digests                                                                  */
/* ===================================================================== */

static const struct {
	CK_MECHANISM_TYPE type;
	const char *name;
	const EVP_MD *(*md)(void);
	size_t length;
	bool digests_keys;
} digests[] = {
        {CKM_SHA_1, "SHA-1", EVP_sha1, 20, true},
        {CKM_SHA224, "SHA-224", EVP_sha224, 28, true},
        {CKM_SHA256, "SHA-256", EVP_sha256, 32, true},
        {CKM_SHA384, "SHA-384", EVP_sha384, 48, true},
        {CKM_SHA512, "SHA-512", EVP_sha512, 64, true},
        {CKM_SHA3_256, "SHA3-256", EVP_sha3_256, 32, false},
        {CKM_SHA3_384, "SHA3-384", EVP_sha3_384, 48, false},
        {CKM_SHA3_512, "SHA3-512", EVP_sha3_512, 64, false},
};

static void test_digests(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, false); /* no login needed */
	unsigned char message[1000];
	for (size_t i = 0; i < sizeof(message); i++)
		message[i] = (unsigned char)(i * 13);
	for (size_t d = 0; d < H_ARRAY_SIZE(digests); d++) {
		CK_MECHANISM m = {digests[d].type, NULL, 0};
		size_t lengths[] = {0,  3,   55,  56,
		                    64, 135, 136, sizeof(message)};
		for (size_t l = 0; l < H_ARRAY_SIZE(lengths); l++) {
			size_t ml = lengths[l];
			unsigned char expected[64];
			size_t el = ossl_digest(digests[d].md(), message, ml,
			                        expected);
			assert_int_equal(el, digests[d].length);
			CK_BYTE out[64];
			CK_ULONG n = sizeof(out);
			OK(p11->C_DigestInit(s, &m));
			OK(p11->C_Digest(s, message, ml, out, &n));
			assert_int_equal(n, el);
			if (memcmp(out, expected, el) != 0)
				fail_msg("%s of %zu bytes differs from OpenSSL",
				         digests[d].name, ml);
			/* Multi-part, three updates. */
			OK(p11->C_DigestInit(s, &m));
			OK(p11->C_DigestUpdate(s, message, ml / 3));
			OK(p11->C_DigestUpdate(s, message + ml / 3, 0));
			OK(p11->C_DigestUpdate(s, message + ml / 3,
			                       ml / 2 - ml / 3));
			OK(p11->C_DigestUpdate(s, message + ml / 2,
			                       ml - ml / 2));
			n = sizeof(out);
			OK(p11->C_DigestFinal(s, out, &n));
			assert_int_equal(n, el);
			assert_memory_equal(out, expected, el);
		}
		/* The length query: NULL gives the length; too small gives
		 * CKR_BUFFER_TOO_SMALL and the length, the operation goes
		 * on; then the digest. */
		unsigned char expected[64];
		ossl_digest(digests[d].md(), message, 100, expected);
		CK_BYTE out[64];
		CK_ULONG n = 0;
		OK(p11->C_DigestInit(s, &m));
		OK(p11->C_Digest(s, message, 100, NULL, &n));
		assert_int_equal(n, digests[d].length);
		n = digests[d].length - 1;
		RV(p11->C_Digest(s, message, 100, out, &n),
		   CKR_BUFFER_TOO_SMALL);
		assert_int_equal(n, digests[d].length);
		RV(p11->C_DigestInit(s, &m), CKR_OPERATION_ACTIVE);
		n = sizeof(out);
		OK(p11->C_Digest(s, message, 100, out, &n));
		assert_int_equal(n, digests[d].length);
		assert_memory_equal(out, expected, n);
		RV(p11->C_Digest(s, message, 100, out, &n),
		   CKR_OPERATION_NOT_INITIALIZED);
		/* The same for C_DigestFinal. */
		OK(p11->C_DigestInit(s, &m));
		OK(p11->C_DigestUpdate(s, message, 100));
		n = 0;
		OK(p11->C_DigestFinal(s, NULL, &n));
		assert_int_equal(n, digests[d].length);
		n = 1;
		RV(p11->C_DigestFinal(s, out, &n), CKR_BUFFER_TOO_SMALL);
		assert_int_equal(n, digests[d].length);
		n = sizeof(out);
		OK(p11->C_DigestFinal(s, out, &n));
		assert_memory_equal(out, expected, digests[d].length);
		RV(p11->C_DigestFinal(s, out, &n),
		   CKR_OPERATION_NOT_INITIALIZED);
	}
}

static void test_digest_key(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	/* An imported secret (sensitive: the test knows its value). */
	static const unsigned char known[] = "0123456789abcdef-known-secret";
	size_t kl = sizeof(known) - 1;
	CK_OBJECT_HANDLE imported =
	        import_secret(s, CKK_GENERIC_SECRET, known, kl);
	/* A generated, extractable one (the test reads its value). */
	CK_OBJECT_HANDLE generated = generate_secret(s, 48, true);
	unsigned char generated_value[48];
	assert_int_equal(h_get_bytes(s, generated, CKA_VALUE, generated_value,
	                             sizeof(generated_value)),
	                 48);
	/* An AES key (the harness's). */
	CK_OBJECT_HANDLE aes;
	OK(h_create_aes_rv(s, false, true, true, false, "aes", &aes));
	static const char prefix[] = "before:", suffix[] = ":after";

	for (size_t d = 0; d < H_ARRAY_SIZE(digests); d++) {
		CK_MECHANISM m = {digests[d].type, NULL, 0};
		if (!digests[d].digests_keys) {
			/* SHA-3 states live outside the enclave: refused, and
			 * the operation is over. */
			OK(p11->C_DigestInit(s, &m));
			RV(p11->C_DigestKey(s, imported), CKR_KEY_INDIGESTIBLE);
			CK_ULONG n = 64;
			CK_BYTE out[64];
			RV(p11->C_DigestFinal(s, out, &n),
			   CKR_OPERATION_NOT_INITIALIZED);
			continue;
		}
		struct {
			CK_OBJECT_HANDLE key;
			const unsigned char *value;
			size_t length;
		} keys[] = {{imported, known, kl},
		            {generated, generated_value, 48},
		            {aes, h_aes_key, 32}};
		for (size_t k = 0; k < H_ARRAY_SIZE(keys); k++) {
			/* Only the key. */
			unsigned char expected[64];
			ossl_digest(digests[d].md(), keys[k].value,
			            keys[k].length, expected);
			CK_BYTE out[64];
			CK_ULONG n = sizeof(out);
			OK(p11->C_DigestInit(s, &m));
			OK(p11->C_DigestKey(s, keys[k].key));
			OK(p11->C_DigestFinal(s, out, &n));
			assert_int_equal(n, digests[d].length);
			if (memcmp(out, expected, n) != 0)
				fail_msg(
				        "%s of key %zu differs from the digest "
				        "of its value",
				        digests[d].name, k);
			/* Between data: prefix || key || suffix. */
			unsigned char all[200];
			size_t al = 0;
			memcpy(all + al, prefix, strlen(prefix));
			al += strlen(prefix);
			memcpy(all + al, keys[k].value, keys[k].length);
			al += keys[k].length;
			memcpy(all + al, suffix, strlen(suffix));
			al += strlen(suffix);
			ossl_digest(digests[d].md(), all, al, expected);
			OK(p11->C_DigestInit(s, &m));
			OK(p11->C_DigestUpdate(s, (CK_BYTE_PTR)prefix,
			                       strlen(prefix)));
			OK(p11->C_DigestKey(s, keys[k].key));
			OK(p11->C_DigestUpdate(s, (CK_BYTE_PTR)suffix,
			                       strlen(suffix)));
			n = sizeof(out);
			OK(p11->C_DigestFinal(s, out, &n));
			assert_memory_equal(out, expected, n);
			/* Once C_DigestKey has run, C_Digest is refused. */
			OK(p11->C_DigestInit(s, &m));
			OK(p11->C_DigestKey(s, keys[k].key));
			n = sizeof(out);
			RV(p11->C_Digest(s, (CK_BYTE_PTR)prefix, 1, out, &n),
			   CKR_OPERATION_ACTIVE);
			OK(p11->C_DigestFinal(s, out, &n));
		}
	}

	/* Keys that cannot be digested, bad handles, no operation. */
	key_pair pair = generate(s, &P256);
	CK_OBJECT_HANDLE data = h_create_data(s, false, false, "data", "xyz");
	CK_MECHANISM sha256 = {CKM_SHA256, NULL, 0};
	CK_OBJECT_HANDLE indigestible[] = {pair.priv, pair.pub};
	for (size_t i = 0; i < H_ARRAY_SIZE(indigestible); i++) {
		OK(p11->C_DigestInit(s, &sha256));
		RV(p11->C_DigestKey(s, indigestible[i]), CKR_KEY_INDIGESTIBLE);
		RV(p11->C_DigestUpdate(s, (CK_BYTE_PTR) "x", 1),
		   CKR_OPERATION_NOT_INITIALIZED);
	}
	OK(p11->C_DigestInit(s, &sha256));
	RV2(p11->C_DigestKey(s, data), CKR_KEY_INDIGESTIBLE,
	    CKR_KEY_HANDLE_INVALID);
	OK(p11->C_DigestInit(s, &sha256));
	RV(p11->C_DigestKey(s, 0xdeadbeef), CKR_KEY_HANDLE_INVALID);
	OK(p11->C_DigestInit(s, &sha256));
	RV(p11->C_DigestKey(s, CK_INVALID_HANDLE), CKR_KEY_HANDLE_INVALID);
	RV(p11->C_DigestKey(s, imported), CKR_OPERATION_NOT_INITIALIZED);
}

/* ===================================================================== */
/* ECDH                                                                     */
/* ===================================================================== */

static CK_RV derive_rv(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE base, CK_ULONG kdf,
                       const void *shared, size_t shared_length,
                       const unsigned char *peer, size_t peer_length,
                       CK_KEY_TYPE key_type, CK_ULONG value_length,
                       CK_OBJECT_HANDLE *out)
{
	CK_ECDH1_DERIVE_PARAMS params = {kdf, shared_length,
	                                 (CK_BYTE_PTR)shared, peer_length,
	                                 (CK_BYTE_PTR)peer};
	CK_MECHANISM m = {CKM_ECDH1_DERIVE, &params, sizeof(params)};
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_KEY_TYPE, key_type),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_SENSITIVE, h_false),
	        H_ATTR_VAR(CKA_EXTRACTABLE, h_true),
	        H_ATTR_VAR(CKA_VALUE_LEN, value_length),
	};
	*out = CK_INVALID_HANDLE;
	return p11->C_DeriveKey(s, &m, base, template, value_length ? 6 : 5,
	                        out);
}

static size_t derive_value(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE base,
                           CK_ULONG kdf, const void *shared,
                           size_t shared_length, const unsigned char *peer,
                           size_t peer_length, CK_KEY_TYPE key_type,
                           CK_ULONG value_length, unsigned char *value)
{
	CK_OBJECT_HANDLE key;
	OK(derive_rv(s, base, kdf, shared, shared_length, peer, peer_length,
	             key_type, value_length, &key));
	assert_int_equal(h_get_ulong(s, key, CKA_CLASS), CKO_SECRET_KEY);
	assert_int_equal(h_get_ulong(s, key, CKA_KEY_TYPE), key_type);
	assert_int_equal(h_get_bool(s, key, CKA_LOCAL), CK_FALSE);
	assert_int_equal(h_get_bool(s, key, CKA_ALWAYS_SENSITIVE), CK_FALSE);
	assert_int_equal(h_get_bool(s, key, CKA_NEVER_EXTRACTABLE), CK_FALSE);
	CK_ULONG n = h_get_bytes(s, key, CKA_VALUE, value, 128);
	assert_true(n <= 128);
	assert_int_equal(h_get_ulong(s, key, CKA_VALUE_LEN), n);
	return n;
}

static void ecdh_curve(CK_SESSION_HANDLE s, const curve_case *curve)
{
	size_t secret_length =
	        curve->key_type == CKK_EC ? curve->scalar_length : 32;
	key_pair a = generate(s, curve), b = generate(s, curve);
	unsigned char pa[133], pb[133], der_pb[136];
	ec_point(s, a.pub, curve, pa);
	ec_point(s, b.pub, curve, pb);
	size_t pl = curve->point_length;

	/* CKD_NULL: both sides get the same secret, the whole of it. */
	unsigned char ab[128], ba[128], tmp[128];
	size_t n = derive_value(s, a.priv, CKD_NULL, NULL, 0, pb, pl,
	                        CKK_GENERIC_SECRET, 0, ab);
	assert_int_equal(n, secret_length);
	assert_int_equal(derive_value(s, b.priv, CKD_NULL, NULL, 0, pa, pl,
	                              CKK_GENERIC_SECRET, 0, ba),
	                 secret_length);
	assert_memory_equal(ab, ba, n);
	/* The peer point may come DER-wrapped. */
	size_t dl = der_octets(pb, pl, der_pb);
	assert_int_equal(derive_value(s, a.priv, CKD_NULL, NULL, 0, der_pb, dl,
	                              CKK_GENERIC_SECRET, 0, tmp),
	                 secret_length);
	assert_memory_equal(tmp, ab, n);
	/* CKA_VALUE_LEN shorter: the leading bytes. */
	assert_int_equal(derive_value(s, a.priv, CKD_NULL, NULL, 0, pb, pl,
	                              CKK_GENERIC_SECRET, 16, tmp),
	                 16);
	assert_memory_equal(tmp, ab, 16);

	/* OpenSSL agrees: an OpenSSL peer, its point given to the token. */
	EVP_PKEY *peer = ossl_generate(curve);
	EVP_PKEY *token_public = pubkey_of(s, a.pub, curve);
	unsigned char peer_point[133], z[128];
	assert_int_equal(ossl_point(peer, peer_point, sizeof(peer_point)), pl);
	size_t zl = ossl_derive(peer, token_public, z, sizeof(z));
	assert_int_equal(zl, secret_length);
	n = derive_value(s, a.priv, CKD_NULL, NULL, 0, peer_point, pl,
	                 CKK_GENERIC_SECRET, 0, tmp);
	assert_int_equal(n, zl);
	if (memcmp(tmp, z, zl) != 0)
		fail_msg("%s ECDH (CKD_NULL) differs from OpenSSL's",
		         curve->name);

	/* X9.63 KDFs with shared data; CKA_VALUE_LEN honoured (several
	 * blocks). */
	static const unsigned char info[] = "guardhsm shared info";
	size_t il = sizeof(info) - 1;
	struct {
		CK_ULONG kdf;
		const EVP_MD *(*md)(void);
		size_t hash_length;
	} kdfs[] = {{CKD_SHA1_KDF, EVP_sha1, 20},
	            {CKD_SHA256_KDF, EVP_sha256, 32},
	            {CKD_SHA512_KDF, EVP_sha512, 64},
	            {CKD_SHA3_256_KDF, EVP_sha3_256, 32}};
	for (size_t k = 0; k < H_ARRAY_SIZE(kdfs); k++) {
		unsigned char expected[128];
		CK_ULONG lengths[] = {0 /* default: one hash */, 16, 80};
		for (size_t l = 0; l < H_ARRAY_SIZE(lengths); l++) {
			size_t want =
			        lengths[l] ? lengths[l] : kdfs[k].hash_length;
			x963_kdf(kdfs[k].md(), z, zl, info, il, expected, want);
			n = derive_value(s, a.priv, kdfs[k].kdf, info, il,
			                 peer_point, pl, CKK_GENERIC_SECRET,
			                 lengths[l], tmp);
			if (n != want)
				fail_msg("%s KDF %lu length %lu: got %zu bytes",
				         curve->name, kdfs[k].kdf, lengths[l],
				         n);
			if (memcmp(tmp, expected, want) != 0)
				fail_msg("%s KDF %lu length %lu: differs from "
				         "X9.63 over OpenSSL's secret",
				         curve->name, kdfs[k].kdf, lengths[l]);
		}
		/* Without shared data. */
		x963_kdf(kdfs[k].md(), z, zl, NULL, 0, expected, 32);
		n = derive_value(s, a.priv, kdfs[k].kdf, NULL, 0, peer_point,
		                 pl, CKK_GENERIC_SECRET, 32, tmp);
		assert_int_equal(n, 32);
		assert_memory_equal(tmp, expected, 32);
	}
	/* Both token sides with CKD_SHA256_KDF. */
	assert_int_equal(derive_value(s, a.priv, CKD_SHA256_KDF, info, il, pb,
	                              pl, CKK_GENERIC_SECRET, 32, ab),
	                 32);
	assert_int_equal(derive_value(s, b.priv, CKD_SHA256_KDF, info, il, pa,
	                              pl, CKK_GENERIC_SECRET, 32, ba),
	                 32);
	assert_memory_equal(ab, ba, 32);

	/* Into an AES-256 key: by CKA_VALUE_LEN with a KDF, or with
	 * CKD_NULL from a secret of at least 32 bytes. The type does not
	 * fix the length, so the template must. */
	unsigned char expected[32];
	x963_kdf(EVP_sha256(), z, zl, info, il, expected, 32);
	assert_int_equal(derive_value(s, a.priv, CKD_SHA256_KDF, info, il,
	                              peer_point, pl, CKK_AES, 32, tmp),
	                 32);
	assert_memory_equal(tmp, expected, 32);
	assert_int_equal(derive_value(s, a.priv, CKD_NULL, NULL, 0, peer_point,
	                              pl, CKK_AES, 32, tmp),
	                 32);
	assert_memory_equal(tmp, z, 32);
	CK_OBJECT_HANDLE key;
	RV(derive_rv(s, a.priv, CKD_NULL, NULL, 0, peer_point, pl, CKK_AES, 0,
	             &key),
	   CKR_TEMPLATE_INCOMPLETE);
	/* An AES key of an invalid length. */
	RV2(derive_rv(s, a.priv, CKD_SHA256_KDF, info, il, peer_point, pl,
	              CKK_AES, 20, &key),
	    CKR_ATTRIBUTE_VALUE_INVALID, CKR_TEMPLATE_INCONSISTENT);
	/* CKD_NULL cannot give more than the secret. */
	RV2(derive_rv(s, a.priv, CKD_NULL, NULL, 0, peer_point, pl,
	              CKK_GENERIC_SECRET, (CK_ULONG)secret_length + 1, &key),
	    CKR_TEMPLATE_INCONSISTENT, CKR_KEY_SIZE_RANGE);

	/* A derived key with the defaults (sensitive) from a generated
	 * base: always sensitive, never extractable. */
	CK_ECDH1_DERIVE_PARAMS params = {CKD_SHA256_KDF, 0, NULL, pl,
	                                 peer_point};
	CK_MECHANISM m = {CKM_ECDH1_DERIVE, &params, sizeof(params)};
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE generic = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE template[] = {H_ATTR_VAR(CKA_CLASS, cls),
	                           H_ATTR_VAR(CKA_KEY_TYPE, generic),
	                           H_ATTR_VAR(CKA_TOKEN, h_false)};
	OK(p11->C_DeriveKey(s, &m, a.priv, template, 3, &key));
	assert_int_equal(h_get_bool(s, key, CKA_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(s, key, CKA_ALWAYS_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(s, key, CKA_NEVER_EXTRACTABLE), CK_TRUE);
	assert_int_equal(h_get_ulong(s, key, CKA_VALUE_LEN), 32);
	/* It works as an HMAC key equal to the expected value. */
	x963_kdf(EVP_sha256(), z, zl, NULL, 0, expected, 32);
	CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};
	CK_BYTE mac[32], want[32];
	unsigned int wl;
	HMAC(EVP_sha256(), expected, 32, (const unsigned char *)"m", 1, want,
	     &wl);
	sign_one(s, &hmac, key, "m", 1, mac, sizeof(mac));
	assert_memory_equal(mac, want, 32);

	EVP_PKEY_free(peer);
	EVP_PKEY_free(token_public);
}

static void test_ecdh_p256_x25519(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	ecdh_curve(s, &P256);
	ecdh_curve(s, &X25519);
}

static void test_ecdh_p384_p521(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	ecdh_curve(s, &P384);
	ecdh_curve(s, &P521);
}

/* An imported OpenSSL private key derives what OpenSSL derives. */
static void test_ecdh_imported(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	const curve_case *curves[] = {&P256, &X25519};
	for (size_t c = 0; c < 2; c++) {
		const curve_case *curve = curves[c];
		EVP_PKEY *mine = ossl_generate(curve),
		         *peer = ossl_generate(curve);
		unsigned char value[66], point[133], z[66], out[128];
		size_t vl = ossl_private(mine, curve, value);
		size_t pl = ossl_point(peer, point, sizeof(point));
		CK_OBJECT_HANDLE priv;
		OK(import_private_rv(s, curve, value, vl, &priv));
		size_t zl = ossl_derive(mine, peer, z, sizeof(z));
		size_t n = derive_value(s, priv, CKD_NULL, NULL, 0, point, pl,
		                        CKK_GENERIC_SECRET, 0, out);
		assert_int_equal(n, zl);
		assert_memory_equal(out, z, zl);
		EVP_PKEY_free(mine);
		EVP_PKEY_free(peer);
	}
}

/* ===================================================================== */
/* Import checks                                                            */
/* ===================================================================== */

static void test_import_invalid(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	CK_OBJECT_HANDLE o;
	/* P-256 scalars outside [1, n-1]. */
	unsigned char scalar[32];
	memset(scalar, 0, 32);
	RV(import_private_rv(s, &P256, scalar, 32, &o),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63255"
	      "1",
	      scalar, 32); /* n */
	RV(import_private_rv(s, &P256, scalar, 32, &o),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	scalar[31] = 0x52; /* n + 1 */
	RV(import_private_rv(s, &P256, scalar, 32, &o),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	memset(scalar, 0xff, 32);
	RV(import_private_rv(s, &P256, scalar, 32, &o),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	/* n - 1 is a valid scalar; so is 1 given as a single byte (a short
	 * big-endian integer). */
	unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63255"
	      "0",
	      scalar, 32);
	OK(import_private_rv(s, &P256, scalar, 32, &o));
	unsigned char one = 1;
	OK(import_private_rv(s, &P256, &one, 1, &o));
	unsigned char g[65];
	unhex("046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2"
	      "96"
	      "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f"
	      "5",
	      g, 65);
	/* Too long. */
	unsigned char long_scalar[33] = {0};
	long_scalar[32] = 1;
	RV2(import_private_rv(s, &P256, long_scalar, 33, &o),
	    CKR_ATTRIBUTE_VALUE_INVALID, CKR_TEMPLATE_INCONSISTENT);
	/* A short Ed25519 seed. */
	RV2(import_private_rv(s, &ED25519, scalar, 31, &o),
	    CKR_ATTRIBUTE_VALUE_INVALID, CKR_TEMPLATE_INCONSISTENT);

	/* Public points: off the curve, the wrong length, compressed, the
	 * point at infinity. */
	unsigned char bad[66], der[70];
	memcpy(bad, g, 65);
	bad[64] ^= 0x01; /* y changed: not on the curve */
	RV(import_public_rv(s, &P256, bad, 65, &o),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	RV(import_public_rv(s, &P256, der, der_octets(bad, 65, der), &o),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	RV(import_public_rv(s, &P256, g, 64, &o), CKR_ATTRIBUTE_VALUE_INVALID);
	RV(import_public_rv(s, &P256, der, der_octets(g, 33, der), &o),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	memset(bad, 0, 65);
	bad[0] = 0x04;
	RV(import_public_rv(s, &P256, bad, 65, &o),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	/* A P-256 point declared as P-384. */
	RV(import_public_rv(s, &P384, g, 65, &o), CKR_ATTRIBUTE_VALUE_INVALID);
	/* The valid one is accepted. */
	OK(import_public_rv(s, &P256, g, 65, &o));
	/* X25519 and Ed25519 public keys of the wrong length. */
	RV(import_public_rv(s, &X25519, g, 31, &o),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	RV(import_public_rv(s, &ED25519, g, 33, &o),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	/* Mismatched key type and curve. */
	curve_case mixed = P256;
	mixed.key_type = CKK_EC_EDWARDS;
	RV2(import_public_rv(s, &mixed, g, 65, &o), CKR_TEMPLATE_INCONSISTENT,
	    CKR_ATTRIBUTE_VALUE_INVALID);
}

/* ===================================================================== */
/* Error codes                                                              */
/* ===================================================================== */

/* CKR_OPERATION_ACTIVE, CKR_OPERATION_NOT_INITIALIZED and the length
 * query protocol of C_Sign / C_SignFinal. */
static void test_error_operation_state(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	key_pair ec = generate(s, &P256), ed = generate(s, &ED25519);
	CK_OBJECT_HANDLE secret = generate_secret(s, 32, false);
	CK_BYTE sig[200];
	CK_ULONG n;
	static const char message[] = "operation state";
	CK_BYTE_PTR msg = (CK_BYTE_PTR)message;

	/* Nothing initialised. */
	n = sizeof(sig);
	RV(p11->C_Sign(s, msg, 4, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
	RV(p11->C_SignUpdate(s, msg, 4), CKR_OPERATION_NOT_INITIALIZED);
	RV(p11->C_SignFinal(s, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
	RV(p11->C_Verify(s, msg, 4, sig, 64), CKR_OPERATION_NOT_INITIALIZED);
	RV(p11->C_VerifyUpdate(s, msg, 4), CKR_OPERATION_NOT_INITIALIZED);
	RV(p11->C_VerifyFinal(s, sig, 64), CKR_OPERATION_NOT_INITIALIZED);
	RV(p11->C_Digest(s, msg, 4, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
	RV(p11->C_DigestUpdate(s, msg, 4), CKR_OPERATION_NOT_INITIALIZED);
	RV(p11->C_DigestFinal(s, sig, &n), CKR_OPERATION_NOT_INITIALIZED);

	/* Active: a second init of the same kind is refused, the first
	 * goes on. Sign, verify and digest are independent. */
	CK_MECHANISM ecdsa = {CKM_ECDSA_SHA256, NULL, 0};
	CK_MECHANISM eddsa = {CKM_EDDSA, NULL, 0};
	CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};
	CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
	OK(p11->C_SignInit(s, &ecdsa, ec.priv));
	RV(p11->C_SignInit(s, &ecdsa, ec.priv), CKR_OPERATION_ACTIVE);
	RV(p11->C_SignInit(s, &eddsa, ed.priv), CKR_OPERATION_ACTIVE);
	OK(p11->C_VerifyInit(s, &ecdsa, ec.pub));
	RV(p11->C_VerifyInit(s, &hmac, secret), CKR_OPERATION_ACTIVE);
	OK(p11->C_DigestInit(s, &sha));
	RV(p11->C_DigestInit(s, &sha), CKR_OPERATION_ACTIVE);
	n = sizeof(sig);
	OK(p11->C_Sign(s, msg, 4, sig, &n));
	assert_int_equal(n, 64);
	OK(p11->C_Verify(s, msg, 4, sig, n));
	n = sizeof(sig);
	OK(p11->C_Digest(s, msg, 4, sig, &n));
	/* All finished. */
	RV(p11->C_Sign(s, msg, 4, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
	RV(p11->C_Verify(s, msg, 4, sig, 64), CKR_OPERATION_NOT_INITIALIZED);

	/* Single-part after multi-part: refused. */
	OK(p11->C_SignInit(s, &ecdsa, ec.priv));
	OK(p11->C_SignUpdate(s, msg, 4));
	n = sizeof(sig);
	RV(p11->C_Sign(s, msg, 4, sig, &n), CKR_OPERATION_ACTIVE);
	OK(p11->C_SignFinal(s, sig, &n));
	OK(p11->C_VerifyInit(s, &ecdsa, ec.pub));
	OK(p11->C_VerifyUpdate(s, msg, 4));
	RV(p11->C_Verify(s, msg, 4, sig, n), CKR_OPERATION_ACTIVE);
	OK(p11->C_VerifyFinal(s, sig, n));

	/* CKM_ECDSA is single-part only: C_SignUpdate fails and ends the
	 * operation. */
	CK_MECHANISM raw = {CKM_ECDSA, NULL, 0};
	OK(p11->C_SignInit(s, &raw, ec.priv));
	CK_RV rv = p11->C_SignUpdate(s, msg, 4);
	if (rv == CKR_OK)
		fail_msg("C_SignUpdate with CKM_ECDSA succeeded");
	RV(p11->C_Sign(s, msg, 4, sig, &n), CKR_OPERATION_NOT_INITIALIZED);

	/* The length query, for each kind of signature. */
	struct {
		CK_MECHANISM *m;
		CK_OBJECT_HANDLE sign_key, verify_key;
		CK_ULONG length;
	} kinds[] = {{&ecdsa, ec.priv, ec.pub, 64},
	             {&raw, ec.priv, ec.pub, 64},
	             {&eddsa, ed.priv, ed.pub, 64},
	             {&hmac, secret, secret, 32}};
	for (size_t k = 0; k < H_ARRAY_SIZE(kinds); k++) {
		CK_ULONG want = kinds[k].length;
		size_t ml = kinds[k].m == &raw ? 32 : 10;
		OK(p11->C_SignInit(s, kinds[k].m, kinds[k].sign_key));
		n = 0;
		OK(p11->C_Sign(s, msg, ml, NULL, &n));
		assert_int_equal(n, want);
		n = want - 1;
		RV(p11->C_Sign(s, msg, ml, sig, &n), CKR_BUFFER_TOO_SMALL);
		assert_int_equal(n, want);
		n = 0;
		RV(p11->C_Sign(s, msg, ml, sig, &n), CKR_BUFFER_TOO_SMALL);
		assert_int_equal(n, want);
		/* Still active. */
		RV(p11->C_SignInit(s, kinds[k].m, kinds[k].sign_key),
		   CKR_OPERATION_ACTIVE);
		n = sizeof(sig);
		OK(p11->C_Sign(s, msg, ml, sig, &n));
		assert_int_equal(n, want);
		OK(verify_one(s, kinds[k].m, kinds[k].verify_key, msg, ml, sig,
		              n));
		RV(p11->C_Sign(s, msg, ml, sig, &n),
		   CKR_OPERATION_NOT_INITIALIZED);
		if (kinds[k].m == &raw)
			continue;
		/* C_SignFinal too; the data is not lost by the queries. */
		OK(p11->C_SignInit(s, kinds[k].m, kinds[k].sign_key));
		OK(p11->C_SignUpdate(s, msg, 4));
		OK(p11->C_SignUpdate(s, msg + 4, ml - 4));
		n = 0;
		OK(p11->C_SignFinal(s, NULL, &n));
		assert_int_equal(n, want);
		n = 3;
		RV(p11->C_SignFinal(s, sig, &n), CKR_BUFFER_TOO_SMALL);
		assert_int_equal(n, want);
		n = sizeof(sig);
		OK(p11->C_SignFinal(s, sig, &n));
		assert_int_equal(n, want);
		OK(verify_one(s, kinds[k].m, kinds[k].verify_key, msg, ml, sig,
		              n));
		RV(p11->C_SignFinal(s, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
	}
	/* A failed verification ends the operation. */
	OK(p11->C_VerifyInit(s, &ecdsa, ec.pub));
	memset(sig, 0x11, 64);
	RV(p11->C_Verify(s, msg, 4, sig, 64), CKR_SIGNATURE_INVALID);
	RV(p11->C_Verify(s, msg, 4, sig, 64), CKR_OPERATION_NOT_INITIALIZED);
	/* Closing the session discards its operations. */
	CK_SESSION_HANDLE other = h_open(H.slot, false);
	OK(p11->C_SignInit(other, &ecdsa, ec.priv));
	OK(p11->C_CloseSession(other));
	n = sizeof(sig);
	RV(p11->C_Sign(other, msg, 4, sig, &n), CKR_SESSION_HANDLE_INVALID);
	/* Operations are per session. */
	other = h_open(H.slot, false);
	OK(p11->C_SignInit(s, &ecdsa, ec.priv));
	OK(p11->C_SignInit(other, &ecdsa, ec.priv));
	n = sizeof(sig);
	OK(p11->C_Sign(other, msg, 4, sig, &n));
	RV(p11->C_Sign(other, msg, 4, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
	n = sizeof(sig);
	OK(p11->C_Sign(s, msg, 4, sig, &n));
}

/* CKR_KEY_FUNCTION_NOT_PERMITTED and CKR_KEY_TYPE_INCONSISTENT. */
static void test_error_key_usage(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	CK_ATTRIBUTE no_sign[] = {H_ATTR_VAR(CKA_SIGN, h_false),
	                          H_ATTR_VAR(CKA_DERIVE, h_false)};
	key_pair ec_nosign, ed_nosign;
	OK(generate_rv(s, &P256, no_sign, 2, &ec_nosign));
	OK(generate_rv(s, &ED25519, no_sign, 2, &ed_nosign));
	key_pair ec = generate(s, &P256), ed = generate(s, &ED25519),
	         x = generate(s, &X25519);
	CK_MECHANISM ecdsa = {CKM_ECDSA_SHA256, NULL, 0};
	CK_MECHANISM raw = {CKM_ECDSA, NULL, 0};
	CK_MECHANISM eddsa = {CKM_EDDSA, NULL, 0};
	CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};
	RV(p11->C_SignInit(s, &ecdsa, ec_nosign.priv),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);
	RV(p11->C_SignInit(s, &raw, ec_nosign.priv),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);
	RV(p11->C_SignInit(s, &eddsa, ed_nosign.priv),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);
	/* A public key with CKA_VERIFY false (set after creation). */
	CK_ATTRIBUTE verify_false = H_ATTR_VAR(CKA_VERIFY, h_false);
	OK(p11->C_SetAttributeValue(s, ec.pub, &verify_false, 1));
	RV(p11->C_VerifyInit(s, &ecdsa, ec.pub),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);
	/* Secret keys with CKA_SIGN / CKA_VERIFY false. */
	CK_OBJECT_HANDLE secret = generate_secret(s, 32, false);
	CK_ATTRIBUTE sign_false = H_ATTR_VAR(CKA_SIGN, h_false);
	OK(p11->C_SetAttributeValue(s, secret, &sign_false, 1));
	RV(p11->C_SignInit(s, &hmac, secret), CKR_KEY_FUNCTION_NOT_PERMITTED);
	OK(p11->C_VerifyInit(s, &hmac, secret));
	RV(p11->C_Verify(s, (CK_BYTE_PTR) "x", 1,
	                 (CK_BYTE_PTR) "0123456789abcdef0123456789abcdef", 32),
	   CKR_SIGNATURE_INVALID);
	OK(p11->C_SetAttributeValue(s, secret, &verify_false, 1));
	RV(p11->C_VerifyInit(s, &hmac, secret), CKR_KEY_FUNCTION_NOT_PERMITTED);
	/* ECDH with CKA_DERIVE false. */
	unsigned char peer[65];
	ec_point(s, ec.pub, &P256, peer);
	CK_OBJECT_HANDLE derived;
	RV(derive_rv(s, ec_nosign.priv, CKD_NULL, NULL, 0, peer, 65,
	             CKK_GENERIC_SECRET, 0, &derived),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);

	/* Key and mechanism of different kinds. */
	CK_OBJECT_HANDLE aes;
	OK(h_create_aes_rv(s, false, true, true, false, "aes", &aes));
	CK_OBJECT_HANDLE good_secret = generate_secret(s, 32, false);
	struct {
		CK_MECHANISM *m;
		CK_OBJECT_HANDLE key;
		bool signing;
		const char *what;
	} mismatches[] = {
	        {&eddsa, ec.priv, true, "EDDSA with a P-256 key"},
	        {&eddsa, ec.pub, false, "EDDSA verify with a P-256 key"},
	        {&eddsa, x.priv, true, "EDDSA with an X25519 key"},
	        {&ecdsa, good_secret, true, "ECDSA with an HMAC key"},
	        {&raw, good_secret, true, "CKM_ECDSA with an HMAC key"},
	        {&ecdsa, good_secret, false, "ECDSA verify with an HMAC key"},
	        {&ecdsa, ed.priv, true, "ECDSA with an Ed25519 key"},
	        {&ecdsa, ed.pub, false, "ECDSA verify with an Ed25519 key"},
	        {&ecdsa, x.priv, true, "ECDSA with an X25519 key"},
	        {&hmac, ec.priv, true, "HMAC with a P-256 key"},
	        {&hmac, aes, true, "HMAC with an AES key"},
	        {&hmac, aes, false, "HMAC verify with an AES key"},
	        {&ecdsa, ec.pub, true, "ECDSA sign with a public key"},
	        {&eddsa, ed.pub, true, "EDDSA sign with a public key"},
	        {&ecdsa, ec.priv, false, "ECDSA verify with a private key"},
	};
	for (size_t i = 0; i < H_ARRAY_SIZE(mismatches); i++) {
		CK_RV rv = mismatches[i].signing
		                   ? p11->C_SignInit(s, mismatches[i].m,
		                                     mismatches[i].key)
		                   : p11->C_VerifyInit(s, mismatches[i].m,
		                                       mismatches[i].key);
		if (rv != CKR_KEY_TYPE_INCONSISTENT)
			fail_msg("%s: %s, expected CKR_KEY_TYPE_INCONSISTENT",
			         mismatches[i].what, rv_name(rv));
	}
	/* ECDH with keys that cannot agree. */
	RV(derive_rv(s, ed.priv, CKD_NULL, NULL, 0, peer, 32,
	             CKK_GENERIC_SECRET, 0, &derived),
	   CKR_KEY_TYPE_INCONSISTENT);
	RV(derive_rv(s, ec.pub, CKD_NULL, NULL, 0, peer, 65, CKK_GENERIC_SECRET,
	             0, &derived),
	   CKR_KEY_TYPE_INCONSISTENT);
	RV(derive_rv(s, good_secret, CKD_NULL, NULL, 0, peer, 65,
	             CKK_GENERIC_SECRET, 0, &derived),
	   CKR_KEY_TYPE_INCONSISTENT);
	/* Nothing was left active by the failures. */
	OK(p11->C_SignInit(s, &ecdsa, ec.priv));
	CK_BYTE sig[64];
	CK_ULONG n = sizeof(sig);
	OK(p11->C_Sign(s, (CK_BYTE_PTR) "x", 1, sig, &n));
}

/* CKR_SIGNATURE_INVALID and CKR_SIGNATURE_LEN_RANGE. */
static void test_error_signature(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	key_pair ec = generate(s, &P256), ec384 = generate(s, &P384),
	         ed = generate(s, &ED25519);
	CK_OBJECT_HANDLE secret = generate_secret(s, 32, false);
	static const char message[] = "signature checks";
	size_t ml = sizeof(message) - 1;
	CK_BYTE sig[200];
	CK_MECHANISM ecdsa = {CKM_ECDSA_SHA256, NULL, 0};
	CK_MECHANISM eddsa = {CKM_EDDSA, NULL, 0};
	CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};

	CK_ULONG n =
	        sign_one(s, &ecdsa, ec.priv, message, ml, sig, sizeof(sig));
	assert_int_equal(n, 64);
	RV(verify_one(s, &ecdsa, ec.pub, message, ml, sig, 63),
	   CKR_SIGNATURE_LEN_RANGE);
	RV(verify_one(s, &ecdsa, ec.pub, message, ml, sig, 65),
	   CKR_SIGNATURE_LEN_RANGE);
	RV(verify_one(s, &ecdsa, ec.pub, message, ml, sig, 0),
	   CKR_SIGNATURE_LEN_RANGE);
	RV(verify_multi(s, &ecdsa, ec.pub, message, ml, sig, 96),
	   CKR_SIGNATURE_LEN_RANGE);
	/* A P-256 signature given to a P-384 key: the wrong length. */
	RV(verify_one(s, &ecdsa, ec384.pub, message, ml, sig, 64),
	   CKR_SIGNATURE_LEN_RANGE);
	/* Right length, wrong values: zeros, r = n, another key's. */
	CK_BYTE bad[96];
	memset(bad, 0, 64);
	RV(verify_one(s, &ecdsa, ec.pub, message, ml, bad, 64),
	   CKR_SIGNATURE_INVALID);
	unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63255"
	      "1",
	      bad, 32);
	memcpy(bad + 32, sig + 32, 32);
	RV(verify_one(s, &ecdsa, ec.pub, message, ml, bad, 64),
	   CKR_SIGNATURE_INVALID);
	memset(bad, 0xff, 64);
	RV(verify_one(s, &ecdsa, ec.pub, message, ml, bad, 64),
	   CKR_SIGNATURE_INVALID);
	key_pair other = generate(s, &P256);
	RV(verify_one(s, &ecdsa, other.pub, message, ml, sig, 64),
	   CKR_SIGNATURE_INVALID);
	/* The right signature under another hash mechanism. */
	CK_MECHANISM ecdsa384 = {CKM_ECDSA_SHA384, NULL, 0};
	RV(verify_one(s, &ecdsa384, ec.pub, message, ml, sig, 64),
	   CKR_SIGNATURE_INVALID);

	n = sign_one(s, &eddsa, ed.priv, message, ml, sig, sizeof(sig));
	RV(verify_one(s, &eddsa, ed.pub, message, ml, sig, 63),
	   CKR_SIGNATURE_LEN_RANGE);
	RV(verify_one(s, &eddsa, ed.pub, message, ml, sig, 65),
	   CKR_SIGNATURE_LEN_RANGE);
	RV(verify_multi(s, &eddsa, ed.pub, message, ml, sig, 32),
	   CKR_SIGNATURE_LEN_RANGE);
	memset(bad, 0, 64);
	RV(verify_one(s, &eddsa, ed.pub, message, ml, bad, 64),
	   CKR_SIGNATURE_INVALID);
	/* S >= L (non-canonical): set the top bits of S. */
	memcpy(bad, sig, 64);
	bad[63] |= 0xf0;
	RV(verify_one(s, &eddsa, ed.pub, message, ml, bad, 64),
	   CKR_SIGNATURE_INVALID);

	n = sign_one(s, &hmac, secret, message, ml, sig, sizeof(sig));
	RV(verify_one(s, &hmac, secret, message, ml, sig, 31),
	   CKR_SIGNATURE_LEN_RANGE);
	RV(verify_one(s, &hmac, secret, message, ml, sig, 33),
	   CKR_SIGNATURE_LEN_RANGE);
	RV(verify_multi(s, &hmac, secret, message, ml, sig, 20),
	   CKR_SIGNATURE_LEN_RANGE);
	RV(verify_one(s, &hmac, secret, message, ml - 1, sig, 32),
	   CKR_SIGNATURE_INVALID);
	/* After each failure the operation is over. */
	RV(p11->C_Verify(s, (CK_BYTE_PTR)message, ml, sig, 32),
	   CKR_OPERATION_NOT_INITIALIZED);
	(void)n;
}

/* CKR_MECHANISM_PARAM_INVALID. */
static void test_error_mechanism_param(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	key_pair ec = generate(s, &P256), ed = generate(s, &ED25519),
	         x = generate(s, &X25519);
	CK_OBJECT_HANDLE secret = generate_secret(s, 32, false);
	CK_ULONG junk = 32;

	/* Parameters where none are allowed. */
	CK_MECHANISM_TYPE plain[] = {CKM_ECDSA, CKM_ECDSA_SHA1,
	                             CKM_ECDSA_SHA256, CKM_ECDSA_SHA512};
	for (size_t i = 0; i < H_ARRAY_SIZE(plain); i++) {
		CK_MECHANISM m = {plain[i], &junk, sizeof(junk)};
		RV(p11->C_SignInit(s, &m, ec.priv),
		   CKR_MECHANISM_PARAM_INVALID);
		RV(p11->C_VerifyInit(s, &m, ec.pub),
		   CKR_MECHANISM_PARAM_INVALID);
		CK_MECHANISM dangling = {plain[i], NULL, 8};
		RV(p11->C_SignInit(s, &dangling, ec.priv),
		   CKR_MECHANISM_PARAM_INVALID);
	}
	for (size_t h = 0; h < H_ARRAY_SIZE(hmacs); h++) {
		CK_MECHANISM m = {hmacs[h].type, &junk, sizeof(junk)};
		RV(p11->C_SignInit(s, &m, secret), CKR_MECHANISM_PARAM_INVALID);
	}
	CK_MECHANISM digest = {CKM_SHA256, &junk, sizeof(junk)};
	RV(p11->C_DigestInit(s, &digest), CKR_MECHANISM_PARAM_INVALID);
	CK_MECHANISM keygen = {CKM_EC_KEY_PAIR_GEN, &junk, sizeof(junk)};
	CK_ATTRIBUTE pub_t[] = {
	        H_ATTR(CKA_EC_PARAMS, OID_P256, sizeof(OID_P256))};
	CK_OBJECT_HANDLE a, b;
	RV(p11->C_GenerateKeyPair(s, &keygen, pub_t, 1, NULL, 0, &a, &b),
	   CKR_MECHANISM_PARAM_INVALID);
	CK_MECHANISM secret_gen = {CKM_GENERIC_SECRET_KEY_GEN, &junk,
	                           sizeof(junk)};
	CK_ATTRIBUTE len_t[] = {H_ATTR_VAR(CKA_VALUE_LEN, junk)};
	RV(p11->C_GenerateKey(s, &secret_gen, len_t, 1, &a),
	   CKR_MECHANISM_PARAM_INVALID);

	/* Bad CK_EDDSA_PARAMS. */
	CK_BYTE context[300];
	memset(context, 'c', sizeof(context));
	CK_EDDSA_PARAMS params = {CK_TRUE, 0, NULL};
	CK_MECHANISM eddsa = {CKM_EDDSA, &params, sizeof(params) - 1};
	RV(p11->C_SignInit(s, &eddsa, ed.priv), CKR_MECHANISM_PARAM_INVALID);
	eddsa.ulParameterLen = sizeof(params) + 1;
	RV(p11->C_SignInit(s, &eddsa, ed.priv), CKR_MECHANISM_PARAM_INVALID);
	eddsa.pParameter = NULL;
	eddsa.ulParameterLen = sizeof(params);
	RV(p11->C_SignInit(s, &eddsa, ed.priv), CKR_MECHANISM_PARAM_INVALID);
	eddsa.pParameter = &params;
	params.ulContextDataLen = 256; /* over 255 */
	params.pContextData = context;
	RV(p11->C_SignInit(s, &eddsa, ed.priv), CKR_MECHANISM_PARAM_INVALID);
	RV(p11->C_VerifyInit(s, &eddsa, ed.pub), CKR_MECHANISM_PARAM_INVALID);
	params.ulContextDataLen = 3;
	params.pContextData = NULL;
	RV(p11->C_SignInit(s, &eddsa, ed.priv), CKR_MECHANISM_PARAM_INVALID);
	/* 255 bytes is the limit. */
	params.ulContextDataLen = 255;
	params.pContextData = context;
	OK(p11->C_SignInit(s, &eddsa, ed.priv));
	CK_BYTE sig[64];
	CK_ULONG n = sizeof(sig);
	OK(p11->C_Sign(s, (CK_BYTE_PTR) "m", 1, sig, &n));
	OK(verify_one(s, &eddsa, ed.pub, "m", 1, sig, 64));

	/* HMAC _GENERAL lengths: 0, over the hash, missing, malformed. */
	for (size_t h = 0; h < H_ARRAY_SIZE(hmacs); h++) {
		CK_ULONG length = 0;
		CK_MECHANISM g = {hmacs[h].general, &length, sizeof(length)};
		RV(p11->C_SignInit(s, &g, secret), CKR_MECHANISM_PARAM_INVALID);
		RV(p11->C_VerifyInit(s, &g, secret),
		   CKR_MECHANISM_PARAM_INVALID);
		length = hmacs[h].length + 1;
		RV(p11->C_SignInit(s, &g, secret), CKR_MECHANISM_PARAM_INVALID);
		length = hmacs[h].length;
		g.ulParameterLen = 4;
		RV(p11->C_SignInit(s, &g, secret), CKR_MECHANISM_PARAM_INVALID);
		CK_MECHANISM none = {hmacs[h].general, NULL, 0};
		RV(p11->C_SignInit(s, &none, secret),
		   CKR_MECHANISM_PARAM_INVALID);
	}

	/* ECDH1: a bad KDF, shared data with CKD_NULL, points of the wrong
	 * length or off the curve, missing or malformed parameters. */
	unsigned char point[65], xpoint[32], der[70];
	key_pair ec2 = generate(s, &P256), x2 = generate(s, &X25519);
	ec_point(s, ec2.pub, &P256, point);
	ec_point(s, x2.pub, &X25519, xpoint);
	CK_OBJECT_HANDLE key;
	RV(derive_rv(s, ec.priv, 0x7777, NULL, 0, point, 65, CKK_GENERIC_SECRET,
	             0, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	RV(derive_rv(s, ec.priv, CKD_SHA3_224_KDF + 100, NULL, 0, point, 65,
	             CKK_GENERIC_SECRET, 0, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	RV(derive_rv(s, ec.priv, CKD_NULL, "info", 4, point, 65,
	             CKK_GENERIC_SECRET, 0, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	RV(derive_rv(s, ec.priv, CKD_SHA256_KDF, NULL, 4, point, 65,
	             CKK_GENERIC_SECRET, 0, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	RV(derive_rv(s, ec.priv, CKD_NULL, NULL, 0, point, 64,
	             CKK_GENERIC_SECRET, 0, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	RV(derive_rv(s, ec.priv, CKD_NULL, NULL, 0, point, 33,
	             CKK_GENERIC_SECRET, 0, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	RV(derive_rv(s, ec.priv, CKD_NULL, NULL, 0, xpoint, 32,
	             CKK_GENERIC_SECRET, 0, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	RV(derive_rv(s, x.priv, CKD_NULL, NULL, 0, point, 65,
	             CKK_GENERIC_SECRET, 0, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	RV(derive_rv(s, x.priv, CKD_NULL, NULL, 0, xpoint, 31,
	             CKK_GENERIC_SECRET, 0, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	RV(derive_rv(s, ec.priv, CKD_NULL, NULL, 0, NULL, 65,
	             CKK_GENERIC_SECRET, 0, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	/* DER with a wrong inner length. */
	size_t dl = der_octets(point, 65, der);
	der[1] = 0x40;
	RV(derive_rv(s, ec.priv, CKD_NULL, NULL, 0, der, dl, CKK_GENERIC_SECRET,
	             0, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	/* Off the curve; the point at infinity; an all-zero X25519 point
	 * (a zero shared secret). */
	point[64] ^= 1;
	RV(derive_rv(s, ec.priv, CKD_NULL, NULL, 0, point, 65,
	             CKK_GENERIC_SECRET, 0, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	memset(point, 0, 65);
	point[0] = 0x04;
	RV(derive_rv(s, ec.priv, CKD_NULL, NULL, 0, point, 65,
	             CKK_GENERIC_SECRET, 0, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	memset(xpoint, 0, 32);
	RV(derive_rv(s, x.priv, CKD_NULL, NULL, 0, xpoint, 32,
	             CKK_GENERIC_SECRET, 0, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	CK_MECHANISM ecdh = {CKM_ECDH1_DERIVE, NULL, 0};
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ATTRIBUTE t[] = {H_ATTR_VAR(CKA_CLASS, cls)};
	RV(p11->C_DeriveKey(s, &ecdh, ec.priv, t, 1, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, NULL, 65, point};
	ecdh.pParameter = &p;
	ecdh.ulParameterLen = sizeof(p) - 1;
	RV(p11->C_DeriveKey(s, &ecdh, ec.priv, t, 1, &key),
	   CKR_MECHANISM_PARAM_INVALID);
}

/* CKR_MECHANISM_INVALID. */
static void test_error_mechanism_invalid(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	key_pair ec = generate(s, &P256);
	CK_OBJECT_HANDLE secret = generate_secret(s, 32, false);
	CK_MECHANISM_TYPE not_signing[] = {
	        0x7ffffff0UL,
	        CKM_RSA_PKCS_OAEP,
	        CKM_SHA256,
	        CKM_SHA3_256,
	        CKM_ECDH1_DERIVE,
	        CKM_EC_KEY_PAIR_GEN,
	        CKM_GENERIC_SECRET_KEY_GEN,
	        CKM_MD5_RSA_PKCS,
	        0x1048UL /* CKM_ECDSA_SHA3_256 */,
	};
	for (size_t i = 0; i < H_ARRAY_SIZE(not_signing); i++) {
		CK_MECHANISM m = {not_signing[i], NULL, 0};
		CK_RV rv = p11->C_SignInit(s, &m, ec.priv);
		if (rv != CKR_MECHANISM_INVALID)
			fail_msg("C_SignInit(0x%lx): %s",
			         (unsigned long)not_signing[i], rv_name(rv));
		rv = p11->C_VerifyInit(s, &m, ec.pub);
		if (rv != CKR_MECHANISM_INVALID)
			fail_msg("C_VerifyInit(0x%lx): %s",
			         (unsigned long)not_signing[i], rv_name(rv));
		RV(p11->C_SignInit(s, &m, secret), CKR_MECHANISM_INVALID);
	}
	CK_MECHANISM_TYPE not_digest[] = {0x7ffffff0UL, CKM_ECDSA,
	                                  CKM_SHA256_HMAC, CKM_SHA3_224,
	                                  CKM_MD5};
	for (size_t i = 0; i < H_ARRAY_SIZE(not_digest); i++) {
		CK_MECHANISM m = {not_digest[i], NULL, 0};
		RV(p11->C_DigestInit(s, &m), CKR_MECHANISM_INVALID);
	}
	CK_MECHANISM bogus = {0x7ffffff0UL, NULL, 0};
	CK_MECHANISM ecdsa = {CKM_ECDSA, NULL, 0};
	CK_ATTRIBUTE pub_t[] = {
	        H_ATTR(CKA_EC_PARAMS, OID_P256, sizeof(OID_P256))};
	CK_OBJECT_HANDLE a, b;
	RV(p11->C_GenerateKeyPair(s, &bogus, pub_t, 1, NULL, 0, &a, &b),
	   CKR_MECHANISM_INVALID);
	RV(p11->C_GenerateKeyPair(s, &ecdsa, pub_t, 1, NULL, 0, &a, &b),
	   CKR_MECHANISM_INVALID);
	CK_MECHANISM pair_gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_ULONG len = 32;
	CK_ATTRIBUTE len_t[] = {H_ATTR_VAR(CKA_VALUE_LEN, len)};
	RV(p11->C_GenerateKey(s, &pair_gen, len_t, 1, &a),
	   CKR_MECHANISM_INVALID);
	RV(p11->C_GenerateKey(s, &bogus, len_t, 1, &a), CKR_MECHANISM_INVALID);
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ATTRIBUTE t[] = {H_ATTR_VAR(CKA_CLASS, cls)};
	RV(p11->C_DeriveKey(s, &ecdsa, ec.priv, t, 1, &a),
	   CKR_MECHANISM_INVALID);
	RV(p11->C_DeriveKey(s, &bogus, ec.priv, t, 1, &a),
	   CKR_MECHANISM_INVALID);

	/* CKA_ALLOWED_MECHANISMS: only ECDSA_SHA256 (and ECDSA_SHA384 for
	 * the public key). */
	CK_MECHANISM_TYPE allowed_priv[] = {CKM_ECDSA_SHA256};
	CK_MECHANISM_TYPE allowed_pub[] = {CKM_ECDSA_SHA256, CKM_ECDSA_SHA384};
	CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE pub[] = {
	        H_ATTR(CKA_EC_PARAMS, OID_P256, sizeof(OID_P256)),
	        H_ATTR(CKA_ALLOWED_MECHANISMS, allowed_pub,
	               sizeof(allowed_pub)),
	};
	CK_ATTRIBUTE priv[] = {
	        H_ATTR(CKA_ALLOWED_MECHANISMS, allowed_priv,
	               sizeof(allowed_priv)),
	};
	key_pair limited;
	OK(p11->C_GenerateKeyPair(s, &m, pub, 2, priv, 1, &limited.pub,
	                          &limited.priv));
	CK_MECHANISM sha256 = {CKM_ECDSA_SHA256, NULL, 0};
	CK_MECHANISM sha384 = {CKM_ECDSA_SHA384, NULL, 0};
	CK_MECHANISM sha512 = {CKM_ECDSA_SHA512, NULL, 0};
	RV(p11->C_SignInit(s, &sha384, limited.priv), CKR_MECHANISM_INVALID);
	RV(p11->C_SignInit(s, &ecdsa, limited.priv), CKR_MECHANISM_INVALID);
	RV(p11->C_VerifyInit(s, &sha512, limited.pub), CKR_MECHANISM_INVALID);
	CK_BYTE sig[64];
	CK_ULONG n =
	        sign_one(s, &sha256, limited.priv, "ok", 2, sig, sizeof(sig));
	OK(verify_one(s, &sha256, limited.pub, "ok", 2, sig, n));
	OK(p11->C_VerifyInit(s, &sha384, limited.pub));
	RV(p11->C_Verify(s, (CK_BYTE_PTR) "ok", 2, sig, n),
	   CKR_SIGNATURE_INVALID);
	/* The attribute reads back as given. */
	CK_MECHANISM_TYPE back[4];
	assert_int_equal(h_get_bytes(s, limited.pub, CKA_ALLOWED_MECHANISMS,
	                             back, sizeof(back)),
	                 sizeof(allowed_pub));
	assert_memory_equal(back, allowed_pub, sizeof(allowed_pub));
	/* An HMAC key limited to SHA-512 HMAC. */
	CK_MECHANISM_TYPE only_512[] = {CKM_SHA512_HMAC};
	CK_MECHANISM gen = {CKM_GENERIC_SECRET_KEY_GEN, NULL, 0};
	CK_ATTRIBUTE st[] = {
	        H_ATTR_VAR(CKA_VALUE_LEN, len),
	        H_ATTR(CKA_ALLOWED_MECHANISMS, only_512, sizeof(only_512))};
	CK_OBJECT_HANDLE limited_secret;
	OK(p11->C_GenerateKey(s, &gen, st, 2, &limited_secret));
	CK_MECHANISM h256 = {CKM_SHA256_HMAC, NULL, 0};
	CK_MECHANISM h512 = {CKM_SHA512_HMAC, NULL, 0};
	RV(p11->C_SignInit(s, &h256, limited_secret), CKR_MECHANISM_INVALID);
	OK(p11->C_SignInit(s, &h512, limited_secret));
	/* An empty list allows nothing... or everything: the spec leaves
	 * it; not checked. */
}

/* CKA_ALLOWED_MECHANISMS also limits C_DeriveKey. */
static void test_error_allowed_mechanisms_derive(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	CK_MECHANISM_TYPE allowed[] = {CKM_ECDSA_SHA256};
	CK_ATTRIBUTE extra[] = {
	        H_ATTR(CKA_ALLOWED_MECHANISMS, allowed, sizeof(allowed))};
	key_pair limited, peer = generate(s, &P256);
	OK(generate_rv(s, &P256, extra, 1, &limited));
	assert_int_equal(h_get_bool(s, limited.priv, CKA_DERIVE), CK_TRUE);
	unsigned char point[65];
	ec_point(s, peer.pub, &P256, point);
	CK_OBJECT_HANDLE key;
	CK_RV rv = derive_rv(s, limited.priv, CKD_NULL, NULL, 0, point, 65,
	                     CKK_GENERIC_SECRET, 0, &key);
	if (rv != CKR_MECHANISM_INVALID)
		fail_msg(
		        "C_DeriveKey(CKM_ECDH1_DERIVE) with a key whose "
		        "CKA_ALLOWED_MECHANISMS is {CKM_ECDSA_SHA256} returned "
		        "%s, expected CKR_MECHANISM_INVALID",
		        rv_name(rv));
}

/* CKR_KEY_HANDLE_INVALID. */
static void test_error_key_handle(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	key_pair ec = generate(s, &P256);
	CK_MECHANISM ecdsa = {CKM_ECDSA_SHA256, NULL, 0};
	CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};
	CK_OBJECT_HANDLE handles[] = {CK_INVALID_HANDLE, 0xdeadbeef,
	                              0x7fffffff};
	for (size_t i = 0; i < H_ARRAY_SIZE(handles); i++) {
		RV(p11->C_SignInit(s, &ecdsa, handles[i]),
		   CKR_KEY_HANDLE_INVALID);
		RV(p11->C_VerifyInit(s, &ecdsa, handles[i]),
		   CKR_KEY_HANDLE_INVALID);
		RV(p11->C_SignInit(s, &hmac, handles[i]),
		   CKR_KEY_HANDLE_INVALID);
	}
	unsigned char point[65];
	ec_point(s, ec.pub, &P256, point);
	CK_OBJECT_HANDLE key;
	RV(derive_rv(s, 0xdeadbeef, CKD_NULL, NULL, 0, point, 65,
	             CKK_GENERIC_SECRET, 0, &key),
	   CKR_KEY_HANDLE_INVALID);
	/* A destroyed key. */
	key_pair gone = generate(s, &P256);
	OK(p11->C_DestroyObject(s, gone.priv));
	OK(p11->C_DestroyObject(s, gone.pub));
	RV(p11->C_SignInit(s, &ecdsa, gone.priv), CKR_KEY_HANDLE_INVALID);
	RV(p11->C_VerifyInit(s, &ecdsa, gone.pub), CKR_KEY_HANDLE_INVALID);
	/* A data object is not a key. */
	CK_OBJECT_HANDLE data = h_create_data(s, false, false, "d", "v");
	RV2(p11->C_SignInit(s, &ecdsa, data), CKR_KEY_HANDLE_INVALID,
	    CKR_KEY_TYPE_INCONSISTENT);
	/* A private key is invisible once logged out. */
	key_pair token_pair;
	CK_ATTRIBUTE persistent[] = {H_ATTR_VAR(CKA_TOKEN, h_true)};
	OK(generate_rv(s, &P256, persistent, 1, &token_pair));
	OK(p11->C_Logout(s));
	RV2(p11->C_SignInit(s, &ecdsa, token_pair.priv), CKR_KEY_HANDLE_INVALID,
	    CKR_USER_NOT_LOGGED_IN);
	RV2(p11->C_SignInit(s, &ecdsa, ec.priv), CKR_KEY_HANDLE_INVALID,
	    CKR_USER_NOT_LOGGED_IN);
	/* Invalid sessions. */
	RV(p11->C_SignInit(0xdeadbeef, &ecdsa, ec.priv),
	   CKR_SESSION_HANDLE_INVALID);
	RV(p11->C_DigestInit(0xdeadbeef, &hmac), CKR_SESSION_HANDLE_INVALID);
	RV(p11->C_SignInit(s, NULL, ec.priv), CKR_ARGUMENTS_BAD);
}

/* CKA_ALWAYS_AUTHENTICATE: each signature needs
 * C_Login(CKU_CONTEXT_SPECIFIC). */
static void test_always_authenticate(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	CK_ATTRIBUTE extra[] = {H_ATTR_VAR(CKA_ALWAYS_AUTHENTICATE, h_true)};
	key_pair pair;
	OK(generate_rv(s, &P256, extra, 1, &pair));
	assert_int_equal(h_get_bool(s, pair.priv, CKA_ALWAYS_AUTHENTICATE),
	                 CK_TRUE);
	CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
	CK_BYTE sig[64];
	CK_ULONG n;
	CK_BYTE_PTR msg = (CK_BYTE_PTR) "authenticated";

	/* No operation: nothing to log in for. */
	RV2(h_login(s, CKU_CONTEXT_SPECIFIC, H_USER_PIN),
	    CKR_OPERATION_NOT_INITIALIZED, CKR_USER_NOT_LOGGED_IN);

	OK(p11->C_SignInit(s, &m, pair.priv));
	n = sizeof(sig);
	RV(p11->C_Sign(s, msg, 13, sig, &n), CKR_USER_NOT_LOGGED_IN);
	/* Still active, still refused. */
	RV(p11->C_SignInit(s, &m, pair.priv), CKR_OPERATION_ACTIVE);
	n = sizeof(sig);
	RV(p11->C_Sign(s, msg, 13, sig, &n), CKR_USER_NOT_LOGGED_IN);
	RV(h_login(s, CKU_CONTEXT_SPECIFIC, "wrong-pin-000"),
	   CKR_PIN_INCORRECT);
	n = sizeof(sig);
	RV(p11->C_Sign(s, msg, 13, sig, &n), CKR_USER_NOT_LOGGED_IN);
	OK(h_login(s, CKU_CONTEXT_SPECIFIC, H_USER_PIN));
	n = sizeof(sig);
	OK(p11->C_Sign(s, msg, 13, sig, &n));
	OK(verify_one(s, &m, pair.pub, msg, 13, sig, n));
	/* Once per signature. */
	OK(p11->C_SignInit(s, &m, pair.priv));
	n = sizeof(sig);
	RV(p11->C_Sign(s, msg, 13, sig, &n), CKR_USER_NOT_LOGGED_IN);
	OK(h_login(s, CKU_CONTEXT_SPECIFIC, H_USER_PIN));
	/* The length query does not use up the authentication. */
	n = 0;
	OK(p11->C_Sign(s, msg, 13, NULL, &n));
	assert_int_equal(n, 64);
	n = sizeof(sig);
	OK(p11->C_Sign(s, msg, 13, sig, &n));
	/* Multi-part. */
	OK(p11->C_SignInit(s, &m, pair.priv));
	OK(p11->C_SignUpdate(s, msg, 13));
	n = sizeof(sig);
	RV(p11->C_SignFinal(s, sig, &n), CKR_USER_NOT_LOGGED_IN);
	OK(h_login(s, CKU_CONTEXT_SPECIFIC, H_USER_PIN));
	n = sizeof(sig);
	OK(p11->C_SignFinal(s, sig, &n));
	OK(verify_one(s, &m, pair.pub, msg, 13, sig, n));
	/* Verification needs nothing more. */
	OK(verify_one(s, &m, pair.pub, msg, 13, sig, n));
	/* A key without the attribute signs straight away. */
	key_pair plain = generate(s, &P256);
	OK(p11->C_SignInit(s, &m, plain.priv));
	n = sizeof(sig);
	OK(p11->C_Sign(s, msg, 13, sig, &n));
}

/* C_DeriveKey with a NULL template and a non-zero count must return
 * CKR_ARGUMENTS_BAD, not crash (in a child, in case it does). */
static void test_derive_null_template(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* CMocka catches SIGSEGV and would go on running tests in
		 * the child: let a crash kill it. */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		signal(SIGFPE, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		CK_SESSION_HANDLE s = h_child_session(H.slot, false);
		unsigned char point[65] = {0x04};
		CK_ECDH1_DERIVE_PARAMS params = {CKD_NULL, 0, NULL, 65, point};
		CK_MECHANISM m = {CKM_ECDH1_DERIVE, &params, sizeof(params)};
		CK_OBJECT_HANDLE key;
		CHILD_RV(p11->C_DeriveKey(s, &m, 1, NULL, 1, &key),
		         CKR_ARGUMENTS_BAD);
		CHILD_RV(p11->C_DeriveKey(s, &m, 1, NULL, 0, NULL),
		         CKR_ARGUMENTS_BAD);
		p11->C_Finalize(NULL);
		_exit(0);
	}
	h_wait_child_ok(pid);
}

/* ===================================================================== */
/* Threads                                                                  */
/* ===================================================================== */

#define THREAD_SIGNATURES 500

struct signer {
	pthread_t thread;
	CK_SESSION_HANDLE session;
	CK_OBJECT_HANDLE key;
	int index;
	CK_BYTE signatures[THREAD_SIGNATURES][64];
	char error[200];
};

static void thread_message(int thread, int i, char *out, size_t size)
{
	snprintf(out, size, "thread %d message %d", thread, i);
}

static void *signer_main(void *argument)
{
	struct signer *me = argument;
	CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
	for (int i = 0; i < THREAD_SIGNATURES; i++) {
		char message[64];
		thread_message(me->index, i, message, sizeof(message));
		CK_RV rv = p11->C_SignInit(me->session, &m, me->key);
		CK_ULONG n = 64;
		if (rv == CKR_OK)
			rv = p11->C_Sign(me->session, (CK_BYTE_PTR)message,
			                 strlen(message), me->signatures[i],
			                 &n);
		if (rv != CKR_OK || n != 64) {
			snprintf(me->error, sizeof(me->error),
			         "thread %d signature %d: %s (%lu bytes)",
			         me->index, i, rv_name(rv), (unsigned long)n);
			break;
		}
	}
	return NULL;
}

static void test_threads_sign(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	key_pair pair = generate(s, &P256);
	static struct signer signers[2];
	for (int t = 0; t < 2; t++) {
		memset(&signers[t], 0, sizeof(signers[t]));
		signers[t].session = h_open(H.slot, false);
		signers[t].key = pair.priv;
		signers[t].index = t;
	}
	for (int t = 0; t < 2; t++)
		assert_int_equal(pthread_create(&signers[t].thread, NULL,
		                                signer_main, &signers[t]),
		                 0);
	for (int t = 0; t < 2; t++)
		assert_int_equal(pthread_join(signers[t].thread, NULL), 0);
	for (int t = 0; t < 2; t++)
		if (signers[t].error[0] != '\0')
			fail_msg("%s", signers[t].error);
	EVP_PKEY *key = pubkey_of(s, pair.pub, &P256);
	CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
	for (int t = 0; t < 2; t++)
		for (int i = 0; i < THREAD_SIGNATURES; i++) {
			char message[64];
			thread_message(t, i, message, sizeof(message));
			if (!ossl_ecdsa_verify(key, EVP_sha256(), message,
			                       strlen(message),
			                       signers[t].signatures[i], 64))
				fail_msg("thread %d signature %d does not "
				         "verify",
				         t, i);
			if (i % 50 == 0)
				OK(verify_one(s, &m, pair.pub, message,
				              strlen(message),
				              signers[t].signatures[i], 64));
		}
	EVP_PKEY_free(key);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_mechanism_list),
	        T(test_keygen_curves),
	        T(test_keygen_token_persists),
	        T(test_public_key_info),
	        T(test_ecdsa_p256),
	        T(test_ecdsa_p384_p521),
	        T(test_ecdsa_openssl_interop),
	        T(test_eddsa),
	        T(test_eddsa_vectors_and_openssl),
	        T(test_eddsa_context),
	        T(test_hmac_generated),
	        T(test_hmac_rfc4231),
	        T(test_digests),
	        T(test_digest_key),
	        T(test_ecdh_p256_x25519),
	        T(test_ecdh_p384_p521),
	        T(test_ecdh_imported),
	        T(test_import_invalid),
	        T(test_error_operation_state),
	        T(test_error_key_usage),
	        T(test_error_signature),
	        T(test_error_mechanism_param),
	        T(test_error_mechanism_invalid),
	        T(test_error_allowed_mechanisms_derive),
	        T(test_error_key_handle),
	        T(test_always_authenticate),
	        T(test_derive_null_template),
	        T(test_threads_sign),
	};
#undef T
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
