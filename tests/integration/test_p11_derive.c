/* C_DeriveKey through the ABI of the real module:
 *  - CKM_HKDF_DERIVE with the RFC 5869 vectors (A.1-A.7): an imported
 *    generic secret IKM, extract and expand, extract only, expand only
 *    from the PRK; the derived value read back (extractable, not
 *    sensitive) and compared; OpenSSL's HKDF for the other hashes;
 *  - CKM_HKDF_DATA into data objects; the salt from a key
 *    (CKF_HKDF_SALT_KEY); CKM_HKDF_KEY_GEN; the secret key types a
 *    derivation can make (generic, AES 16/24/32, ChaCha20, HKDF);
 *  - every parameter and template error, with its CKR_ code, and the base
 *    and salt key checks;
 *  - the protection attributes a derived key inherits;
 *  - CKM_ECDH1_DERIVE (P-256, X25519) into AES and ChaCha20 keys, both
 *    sides of the agreement deriving the same value, and ECDH followed by
 *    HKDF.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Return values the harness does not name ------------------------- */

static const char *rv_name(CK_RV rv)
{
	switch (rv) {
	case CKR_KEY_FUNCTION_NOT_PERMITTED:
		return "CKR_KEY_FUNCTION_NOT_PERMITTED";
	case CKR_KEY_SIZE_RANGE:
		return "CKR_KEY_SIZE_RANGE";
	case CKR_KEY_TYPE_INCONSISTENT:
		return "CKR_KEY_TYPE_INCONSISTENT";
	case CKR_KEY_HANDLE_INVALID:
		return "CKR_KEY_HANDLE_INVALID";
	case CKR_MECHANISM_PARAM_INVALID:
		return "CKR_MECHANISM_PARAM_INVALID";
	default:
		return h_rv_name(rv);
	}
}

#define RV(expression, expected)                                               \
	do {                                                                   \
		CK_RV d_rv_ = (expression);                                    \
		CK_RV d_expected_ = (expected);                                \
		if (d_rv_ != d_expected_)                                      \
			fail_msg("%s:%d: %s returned %s, expected %s",         \
			         __FILE__, __LINE__, #expression,              \
			         rv_name(d_rv_), rv_name(d_expected_));        \
	} while (0)
#define OK(expression) RV(expression, CKR_OK)

/* ---- RFC 5869 Appendix A ---------------------------------------------- */

static const struct rfc5869_case {
	const char *name;
	CK_MECHANISM_TYPE prf;
	const char *ikm;
	const char *salt; /* "" : none (zero length or not provided) */
	const char *info;
	CK_ULONG length;
	const char *prk;
	const char *okm;
} cases[] = {
        {"A.1", CKM_SHA256, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
         "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42,
         "077709362c2e32df0ddc3f0dc47bba63"
         "90b6c73bb50f9c3122ec844ad7c2b3e5",
         "3cb25f25faacd57a90434f64d0362f2a"
         "2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
         "34007208d5b887185865"},
        {"A.2", CKM_SHA256,
         "000102030405060708090a0b0c0d0e0f"
         "101112131415161718191a1b1c1d1e1f"
         "202122232425262728292a2b2c2d2e2f"
         "303132333435363738393a3b3c3d3e3f"
         "404142434445464748494a4b4c4d4e4f",
         "606162636465666768696a6b6c6d6e6f"
         "707172737475767778797a7b7c7d7e7f"
         "808182838485868788898a8b8c8d8e8f"
         "909192939495969798999a9b9c9d9e9f"
         "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
         "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
         "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
         "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
         "e0e1e2e3e4e5e6e7e8e9eaebecedeeef"
         "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
         82,
         "06a6b88c5853361a06104c9ceb35b45c"
         "ef760014904671014a193f40c15fc244",
         "b11e398dc80327a1c8e7f78c596a4934"
         "4f012eda2d4efad8a050cc4c19afa97c"
         "59045a99cac7827271cb41c65e590e09"
         "da3275600c2f09b8367793a9aca3db71"
         "cc30c58179ec3e87c14c01d5c1f3434f"
         "1d87"},
        {"A.3", CKM_SHA256, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "",
         "", 42,
         "19ef24a32c717b167f33a91d6f648bdf"
         "96596776afdb6377ac434c1c293ccb04",
         "8da4e775a563c18f715f802a063c5a31"
         "b8a11f5c5ee1879ec3454e5f3c738d2d"
         "9d201395faa4b61a96c8"},
        {"A.4", CKM_SHA_1, "0b0b0b0b0b0b0b0b0b0b0b",
         "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42,
         "9b6c18c432a7bf8f0e71c8eb88f4b30baa2ba243",
         "085a01ea1b10f36933068b56efa5ad81"
         "a4f14b822f5b091568a9cdd4f155fda2"
         "c22e422478d305f3f896"},
        {"A.5", CKM_SHA_1,
         "000102030405060708090a0b0c0d0e0f"
         "101112131415161718191a1b1c1d1e1f"
         "202122232425262728292a2b2c2d2e2f"
         "303132333435363738393a3b3c3d3e3f"
         "404142434445464748494a4b4c4d4e4f",
         "606162636465666768696a6b6c6d6e6f"
         "707172737475767778797a7b7c7d7e7f"
         "808182838485868788898a8b8c8d8e8f"
         "909192939495969798999a9b9c9d9e9f"
         "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
         "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
         "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
         "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
         "e0e1e2e3e4e5e6e7e8e9eaebecedeeef"
         "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
         82, "8adae09a2a307059478d309b26c4115a224cfaf6",
         "0bd770a74d1160f7c9f12cd5912a06eb"
         "ff6adcae899d92191fe4305673ba2ffe"
         "8fa3f1a4e5ad79f3f334b3b202b2173c"
         "486ea37ce3d397ed034c7f9dfeb15c5e"
         "927336d0441f4c4300e2cff0d0900b52"
         "d3b4"},
        {"A.6", CKM_SHA_1, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "",
         "", 42, "da8c8a73c7fa77288ec6f5e7c297786aa0d32d01",
         "0ac1af7002b3d761d1e55298da9d0506"
         "b9ae52057220a306e07b6b87e8df21d0"
         "ea00033de03984d34918"},
        {"A.7", CKM_SHA_1, "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "",
         "", 42, "2adccada18779e7c2077ad2eb19d3f3e731385dd",
         "2c91117204d745f3500d636a62f64f0a"
         "b3bae548aa53d423b0d1f27ebba6f5e5"
         "673a081d70cce7acfc48"},
};

/* A decoded case. */
typedef struct vector {
	unsigned char ikm[80], salt[80], info[80], prk[32], okm[82];
	size_t ikm_length, salt_length, info_length, prk_length, okm_length;
} vector;

/* ---- Helpers ------------------------------------------------------------ */

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

static vector decode(const struct rfc5869_case *c)
{
	vector v;
	v.ikm_length = unhex(c->ikm, v.ikm, sizeof(v.ikm));
	v.salt_length = unhex(c->salt, v.salt, sizeof(v.salt));
	v.info_length = unhex(c->info, v.info, sizeof(v.info));
	v.prk_length = unhex(c->prk, v.prk, sizeof(v.prk));
	v.okm_length = unhex(c->okm, v.okm, sizeof(v.okm));
	return v;
}

/* A session secret key of a known value, usable for derivation unless
 * derive is false (sensitive, not extractable: the defaults). */
static CK_RV import_key_rv(CK_SESSION_HANDLE s, CK_KEY_TYPE type,
                           const void *value, size_t length, bool derive,
                           CK_OBJECT_HANDLE *key)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_BBOOL can_derive = derive ? CK_TRUE : CK_FALSE;
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_KEY_TYPE, type),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_DERIVE, can_derive),
	        H_ATTR_STR(CKA_LABEL, "derive base"),
	        H_ATTR(CKA_VALUE, value, length),
	};
	*key = CK_INVALID_HANDLE;
	return p11->C_CreateObject(s, template, H_ARRAY_SIZE(template), key);
}

static CK_OBJECT_HANDLE import_key(CK_SESSION_HANDLE s, CK_KEY_TYPE type,
                                   const void *value, size_t length)
{
	CK_OBJECT_HANDLE key;
	OK(import_key_rv(s, type, value, length, true, &key));
	return key;
}

static GUARDHSM_HKDF_PARAMS params_of(CK_MECHANISM_TYPE prf, bool extract,
                                      bool expand, const vector *v)
{
	GUARDHSM_HKDF_PARAMS p = {
	        .bExtract = extract ? CK_TRUE : CK_FALSE,
	        .bExpand = expand ? CK_TRUE : CK_FALSE,
	        .prfHashMechanism = prf,
	        .ulSaltType = CKF_HKDF_SALT_NULL,
	        .pSalt = NULL,
	        .ulSaltLen = 0,
	        .hSaltKey = CK_INVALID_HANDLE,
	        .pInfo = NULL,
	        .ulInfoLen = 0,
	};
	if (v != NULL && v->salt_length > 0) {
		p.ulSaltType = CKF_HKDF_SALT_DATA;
		p.pSalt = (CK_BYTE_PTR)v->salt;
		p.ulSaltLen = v->salt_length;
	}
	if (v != NULL && v->info_length > 0) {
		p.pInfo = (CK_BYTE_PTR)v->info;
		p.ulInfoLen = v->info_length;
	}
	return p;
}

/* The template of a derived session secret key: readable (extractable,
 * not sensitive), CKA_VALUE_LEN if length is not 0, extra appended. */
static CK_ULONG key_template(CK_ATTRIBUTE *template, CK_KEY_TYPE *type,
                             CK_ULONG *length, const CK_ATTRIBUTE *extra,
                             CK_ULONG extra_count)
{
	static CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ULONG n = 0;
	template[n++] = (CK_ATTRIBUTE)H_ATTR_VAR(CKA_CLASS, cls);
	template[n++] = (CK_ATTRIBUTE)H_ATTR(CKA_KEY_TYPE, type, sizeof(*type));
	template[n++] = (CK_ATTRIBUTE)H_ATTR_VAR(CKA_TOKEN, h_false);
	template[n++] = (CK_ATTRIBUTE)H_ATTR_VAR(CKA_SENSITIVE, h_false);
	template[n++] = (CK_ATTRIBUTE)H_ATTR_VAR(CKA_EXTRACTABLE, h_true);
	if (*length != 0)
		template[n++] = (CK_ATTRIBUTE)H_ATTR(CKA_VALUE_LEN, length,
		                                     sizeof(*length));
	for (CK_ULONG i = 0; i < extra_count; i++)
		template[n++] = extra[i];
	return n;
}

static CK_RV hkdf_rv(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mechanism,
                     CK_OBJECT_HANDLE base, GUARDHSM_HKDF_PARAMS *params,
                     CK_KEY_TYPE type, CK_ULONG length,
                     const CK_ATTRIBUTE *extra, CK_ULONG extra_count,
                     CK_OBJECT_HANDLE *out)
{
	CK_MECHANISM m = {mechanism, params, sizeof(*params)};
	CK_ATTRIBUTE template[16];
	assert_true(extra_count <= 8);
	CK_ULONG n = key_template(template, &type, &length, extra, extra_count);
	*out = CK_INVALID_HANDLE;
	return p11->C_DeriveKey(s, &m, base, template, n, out);
}

/* Derives a readable key and returns its value's length (value: the
 * bytes, at most size). */
static CK_ULONG hkdf_value(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE base,
                           GUARDHSM_HKDF_PARAMS *params, CK_KEY_TYPE type,
                           CK_ULONG length, unsigned char *value, size_t size)
{
	CK_OBJECT_HANDLE key;
	OK(hkdf_rv(s, CKM_HKDF_DERIVE, base, params, type, length, NULL, 0,
	           &key));
	assert_int_equal(h_get_ulong(s, key, CKA_CLASS), CKO_SECRET_KEY);
	assert_int_equal(h_get_ulong(s, key, CKA_KEY_TYPE), type);
	assert_int_equal(h_get_bool(s, key, CKA_LOCAL), CK_FALSE);
	assert_int_equal(h_get_ulong(s, key, CKA_KEY_GEN_MECHANISM),
	                 CK_UNAVAILABLE_INFORMATION);
	CK_ULONG n = h_get_bytes(s, key, CKA_VALUE, value, size);
	assert_true(n <= size);
	assert_int_equal(h_get_ulong(s, key, CKA_VALUE_LEN), n);
	return n;
}

/* CKM_HKDF_DATA into a data object; returns it. */
static CK_RV hkdf_data_rv(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE base,
                          GUARDHSM_HKDF_PARAMS *params, CK_ULONG length,
                          CK_OBJECT_HANDLE *out)
{
	CK_MECHANISM m = {CKM_HKDF_DATA, params, sizeof(*params)};
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_STR(CKA_LABEL, "okm"),
	        H_ATTR_VAR(CKA_VALUE_LEN, length),
	};
	*out = CK_INVALID_HANDLE;
	return p11->C_DeriveKey(s, &m, base, template, length ? 4 : 3, out);
}

static const EVP_MD *prf_md(CK_MECHANISM_TYPE prf)
{
	switch (prf) {
	case CKM_SHA_1:
		return EVP_sha1();
	case CKM_SHA224:
		return EVP_sha224();
	case CKM_SHA256:
		return EVP_sha256();
	case CKM_SHA384:
		return EVP_sha384();
	default:
		return EVP_sha512();
	}
}

/* OpenSSL's HKDF (extract and expand; salt may be empty: zeros). */
static void ossl_hkdf(CK_MECHANISM_TYPE prf, const void *ikm, size_t ikm_length,
                      const void *salt, size_t salt_length, const void *info,
                      size_t info_length, unsigned char *out, size_t length)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *context = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM params[5];
	size_t n = 0;
	assert_non_null(context);
	params[n++] = OSSL_PARAM_construct_utf8_string(
	        OSSL_KDF_PARAM_DIGEST, (char *)EVP_MD_get0_name(prf_md(prf)),
	        0);
	params[n++] = OSSL_PARAM_construct_octet_string(
	        OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_length);
	if (salt_length > 0)
		params[n++] = OSSL_PARAM_construct_octet_string(
		        OSSL_KDF_PARAM_SALT, (void *)salt, salt_length);
	if (info_length > 0)
		params[n++] = OSSL_PARAM_construct_octet_string(
		        OSSL_KDF_PARAM_INFO, (void *)info, info_length);
	params[n] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_KDF_derive(context, out, length, params), 1);
	EVP_KDF_CTX_free(context);
	EVP_KDF_free(kdf);
}

/* ===================================================================== */
/* CKM_HKDF_DERIVE                                                         */
/* ===================================================================== */

static void test_rfc5869(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	for (size_t i = 0; i < H_ARRAY_SIZE(cases); i++) {
		const struct rfc5869_case *c = &cases[i];
		vector v = decode(c);
		unsigned char out[128];
		CK_OBJECT_HANDLE ikm =
		        import_key(s, CKK_GENERIC_SECRET, v.ikm, v.ikm_length);

		/* Extract and expand: the OKM. */
		GUARDHSM_HKDF_PARAMS p = params_of(c->prf, true, true, &v);
		CK_ULONG n = hkdf_value(s, ikm, &p, CKK_GENERIC_SECRET,
		                        c->length, out, sizeof(out));
		if (n != v.okm_length || memcmp(out, v.okm, n) != 0)
			fail_msg("RFC 5869 %s: OKM differs", c->name);

		/* Extract only: the PRK, CKA_VALUE_LEN implied... */
		p = params_of(c->prf, true, false, &v);
		n = hkdf_value(s, ikm, &p, CKK_GENERIC_SECRET, 0, out,
		               sizeof(out));
		if (n != v.prk_length || memcmp(out, v.prk, n) != 0)
			fail_msg("RFC 5869 %s: PRK differs", c->name);
		/* ...or given as the hash length. */
		n = hkdf_value(s, ikm, &p, CKK_HKDF, v.prk_length, out,
		               sizeof(out));
		assert_int_equal(n, v.prk_length);
		assert_memory_equal(out, v.prk, n);

		/* Expand only, from the PRK as an HKDF key. */
		CK_OBJECT_HANDLE prk =
		        import_key(s, CKK_HKDF, v.prk, v.prk_length);
		p = params_of(c->prf, false, true, &v);
		n = hkdf_value(s, prk, &p, CKK_GENERIC_SECRET, c->length, out,
		               sizeof(out));
		if (n != v.okm_length || memcmp(out, v.okm, n) != 0)
			fail_msg("RFC 5869 %s: expand-only OKM differs",
			         c->name);
	}
}

/* The other hashes, and lengths up to the maximum, against OpenSSL. */
static void test_hashes_against_openssl(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	static const struct {
		CK_MECHANISM_TYPE prf;
		size_t length;
	} prfs[] = {{CKM_SHA_1, 20},
	            {CKM_SHA224, 28},
	            {CKM_SHA256, 32},
	            {CKM_SHA384, 48},
	            {CKM_SHA512, 64}};
	unsigned char ikm[40], salt[17], info[23];
	for (size_t i = 0; i < sizeof(ikm); i++)
		ikm[i] = (unsigned char)(3 * i + 1);
	memset(salt, 0x5a, sizeof(salt));
	memset(info, 0xa5, sizeof(info));
	vector v = {0};
	memcpy(v.salt, salt, sizeof(salt));
	v.salt_length = sizeof(salt);
	memcpy(v.info, info, sizeof(info));
	v.info_length = sizeof(info);
	CK_OBJECT_HANDLE base =
	        import_key(s, CKK_GENERIC_SECRET, ikm, sizeof(ikm));
	unsigned char *expected = malloc(255 * 64), *got = malloc(255 * 64);
	assert_non_null(expected);
	assert_non_null(got);
	for (size_t h = 0; h < H_ARRAY_SIZE(prfs); h++) {
		CK_ULONG lengths[] = {1, (CK_ULONG)prfs[h].length + 1, 100,
		                      (CK_ULONG)(255 * prfs[h].length)};
		for (size_t l = 0; l < H_ARRAY_SIZE(lengths); l++) {
			GUARDHSM_HKDF_PARAMS p =
			        params_of(prfs[h].prf, true, true, &v);
			ossl_hkdf(prfs[h].prf, ikm, sizeof(ikm), salt,
			          sizeof(salt), info, sizeof(info), expected,
			          lengths[l]);
			/* Data objects hold any length. */
			CK_OBJECT_HANDLE data;
			OK(hkdf_data_rv(s, base, &p, lengths[l], &data));
			CK_ULONG n =
			        h_get_bytes(s, data, CKA_VALUE, got, 255 * 64);
			assert_int_equal(n, lengths[l]);
			if (memcmp(got, expected, n) != 0)
				fail_msg("HKDF prf 0x%lx length %lu differs "
				         "from OpenSSL",
				         prfs[h].prf, lengths[l]);
		}
	}
	free(expected);
	free(got);
}

/* ===================================================================== */
/* CKM_HKDF_DATA                                                           */
/* ===================================================================== */

static void test_hkdf_data(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	vector v = decode(&cases[0]);
	CK_OBJECT_HANDLE ikm =
	        import_key(s, CKK_GENERIC_SECRET, v.ikm, v.ikm_length);
	GUARDHSM_HKDF_PARAMS p = params_of(CKM_SHA256, true, true, &v);
	CK_OBJECT_HANDLE data;
	OK(hkdf_data_rv(s, ikm, &p, 42, &data));
	assert_int_equal(h_get_ulong(s, data, CKA_CLASS), CKO_DATA);
	/* Private unless the template says otherwise. */
	assert_int_equal(h_get_bool(s, data, CKA_PRIVATE), CK_TRUE);
	assert_string_equal(h_get_label(s, data), "okm");
	unsigned char out[128];
	assert_int_equal(h_get_bytes(s, data, CKA_VALUE, out, sizeof(out)), 42);
	assert_memory_equal(out, v.okm, 42);
	/* A data object has no CKA_VALUE_LEN. */
	CK_ULONG length;
	CK_ATTRIBUTE get = H_ATTR_VAR(CKA_VALUE_LEN, length);
	RV(p11->C_GetAttributeValue(s, data, &get, 1),
	   CKR_ATTRIBUTE_TYPE_INVALID);

	/* Extract only: the PRK, without CKA_VALUE_LEN. */
	p = params_of(CKM_SHA256, true, false, &v);
	OK(hkdf_data_rv(s, ikm, &p, 0, &data));
	assert_int_equal(h_get_bytes(s, data, CKA_VALUE, out, sizeof(out)), 32);
	assert_memory_equal(out, v.prk, 32);

	/* The class: CKO_DATA must be named, and only for HKDF_DATA. */
	p = params_of(CKM_SHA256, true, true, &v);
	CK_MECHANISM m = {CKM_HKDF_DATA, &p, sizeof(p)};
	CK_ULONG l42 = 42;
	CK_ATTRIBUTE no_class[] = {H_ATTR_VAR(CKA_VALUE_LEN, l42)};
	RV(p11->C_DeriveKey(s, &m, ikm, no_class, 1, &data),
	   CKR_TEMPLATE_INCOMPLETE);
	CK_OBJECT_CLASS secret = CKO_SECRET_KEY, data_class = CKO_DATA;
	CK_ATTRIBUTE as_key[] = {H_ATTR_VAR(CKA_CLASS, secret),
	                         H_ATTR_VAR(CKA_VALUE_LEN, l42)};
	RV(p11->C_DeriveKey(s, &m, ikm, as_key, 2, &data),
	   CKR_TEMPLATE_INCONSISTENT);
	CK_ATTRIBUTE with_value[] = {H_ATTR_VAR(CKA_CLASS, data_class),
	                             H_ATTR_VAR(CKA_VALUE_LEN, l42),
	                             H_ATTR_STR(CKA_VALUE, "mine")};
	RV(p11->C_DeriveKey(s, &m, ikm, with_value, 3, &data),
	   CKR_ATTRIBUTE_READ_ONLY);
	CK_ATTRIBUTE missing_length[] = {H_ATTR_VAR(CKA_CLASS, data_class)};
	RV(p11->C_DeriveKey(s, &m, ikm, missing_length, 1, &data),
	   CKR_TEMPLATE_INCOMPLETE);
	m.mechanism = CKM_HKDF_DERIVE;
	CK_ATTRIBUTE data_template[] = {H_ATTR_VAR(CKA_CLASS, data_class),
	                                H_ATTR_VAR(CKA_VALUE_LEN, l42)};
	RV(p11->C_DeriveKey(s, &m, ikm, data_template, 2, &data),
	   CKR_TEMPLATE_INCONSISTENT);
}

/* ===================================================================== */
/* The salt from a key                                                     */
/* ===================================================================== */

static void test_salt_key(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	vector v = decode(&cases[1]); /* A.2: an 80-byte salt */
	CK_OBJECT_HANDLE ikm =
	        import_key(s, CKK_GENERIC_SECRET, v.ikm, v.ikm_length);
	unsigned char out[128];
	const CK_KEY_TYPE salt_types[] = {CKK_GENERIC_SECRET, CKK_HKDF};
	for (size_t t = 0; t < 2; t++) {
		/* Sensitive and unextractable: its value never leaves. */
		CK_OBJECT_HANDLE salt =
		        import_key(s, salt_types[t], v.salt, v.salt_length);
		GUARDHSM_HKDF_PARAMS p = params_of(CKM_SHA256, true, true, &v);
		p.ulSaltType = CKF_HKDF_SALT_KEY;
		p.pSalt = NULL;
		p.ulSaltLen = 0;
		p.hSaltKey = salt;
		CK_ULONG n = hkdf_value(s, ikm, &p, CKK_GENERIC_SECRET, 82, out,
		                        sizeof(out));
		assert_int_equal(n, 82);
		assert_memory_equal(out, v.okm, 82);
		p.bExpand = CK_FALSE;
		n = hkdf_value(s, ikm, &p, CKK_GENERIC_SECRET, 0, out,
		               sizeof(out));
		assert_int_equal(n, 32);
		assert_memory_equal(out, v.prk, 32);
	}

	/* The salt key's checks. */
	GUARDHSM_HKDF_PARAMS p = params_of(CKM_SHA256, true, true, &v);
	p.ulSaltType = CKF_HKDF_SALT_KEY;
	p.pSalt = NULL;
	p.ulSaltLen = 0;
	CK_OBJECT_HANDLE key;
	CK_OBJECT_HANDLE no_derive;
	OK(import_key_rv(s, CKK_GENERIC_SECRET, v.salt, v.salt_length, false,
	                 &no_derive));
	p.hSaltKey = no_derive;
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 32, NULL, 0,
	           &key),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);
	p.hSaltKey = import_key(s, CKK_AES, v.salt, 32);
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 32, NULL, 0,
	           &key),
	   CKR_KEY_TYPE_INCONSISTENT);
	p.hSaltKey = h_create_data(s, false, false, "not a key", "salt");
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 32, NULL, 0,
	           &key),
	   CKR_KEY_TYPE_INCONSISTENT);
	p.hSaltKey = 0x7fffffff;
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 32, NULL, 0,
	           &key),
	   CKR_KEY_HANDLE_INVALID);
	p.hSaltKey = CK_INVALID_HANDLE;
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 32, NULL, 0,
	           &key),
	   CKR_KEY_HANDLE_INVALID);
	/* A salt key limited to other mechanisms. */
	CK_MECHANISM_TYPE only_hmac[] = {CKM_SHA256_HMAC};
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE generic = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE limited[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_KEY_TYPE, generic),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_DERIVE, h_true),
	        H_ATTR(CKA_ALLOWED_MECHANISMS, only_hmac, sizeof(only_hmac)),
	        H_ATTR(CKA_VALUE, v.salt, v.salt_length),
	};
	OK(p11->C_CreateObject(s, limited, H_ARRAY_SIZE(limited), &p.hSaltKey));
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 32, NULL, 0,
	           &key),
	   CKR_MECHANISM_INVALID);
	/* Salt bytes beside a salt key. */
	p.hSaltKey = import_key(s, CKK_HKDF, v.salt, v.salt_length);
	p.pSalt = v.salt;
	p.ulSaltLen = v.salt_length;
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 32, NULL, 0,
	           &key),
	   CKR_MECHANISM_PARAM_INVALID);
	/* Without bExtract the salt key is not looked at. */
	p = params_of(CKM_SHA256, false, true, &v);
	p.ulSaltType = CKF_HKDF_SALT_KEY;
	p.hSaltKey = 0x7fffffff;
	CK_OBJECT_HANDLE prk = import_key(s, CKK_HKDF, v.prk, v.prk_length);
	assert_int_equal(hkdf_value(s, prk, &p, CKK_GENERIC_SECRET, 82, out,
	                            sizeof(out)),
	                 82);
	assert_memory_equal(out, v.okm, 82);
}

/* ===================================================================== */
/* Key types                                                               */
/* ===================================================================== */

static void test_key_types(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	vector v = decode(&cases[1]);
	CK_OBJECT_HANDLE ikm =
	        import_key(s, CKK_GENERIC_SECRET, v.ikm, v.ikm_length);
	GUARDHSM_HKDF_PARAMS p = params_of(CKM_SHA256, true, true, &v);
	unsigned char out[128];
	CK_OBJECT_HANDLE key;

	/* AES: 16, 24, 32 bytes, the leading bytes of the OKM; other
	 * lengths refused, and the length must be given. */
	CK_ULONG aes[] = {16, 24, 32};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(hkdf_value(s, ikm, &p, CKK_AES, aes[i], out,
		                            sizeof(out)),
		                 aes[i]);
		assert_memory_equal(out, v.okm, aes[i]);
	}
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_AES, 20, NULL, 0, &key),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_AES, 0, NULL, 0, &key),
	   CKR_TEMPLATE_INCOMPLETE);
	/* Extract only into AES: the hash length must suit it. */
	GUARDHSM_HKDF_PARAMS extract = params_of(CKM_SHA256, true, false, &v);
	assert_int_equal(
	        hkdf_value(s, ikm, &extract, CKK_AES, 0, out, sizeof(out)), 32);
	assert_memory_equal(out, v.prk, 32);
	extract.prfHashMechanism = CKM_SHA_1;
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &extract, CKK_AES, 0, NULL, 0,
	           &key),
	   CKR_ATTRIBUTE_VALUE_INVALID);

	/* ChaCha20: 32 bytes, implied. */
	assert_int_equal(
	        hkdf_value(s, ikm, &p, CKK_CHACHA20, 0, out, sizeof(out)), 32);
	assert_memory_equal(out, v.okm, 32);
	assert_int_equal(
	        hkdf_value(s, ikm, &p, CKK_CHACHA20, 32, out, sizeof(out)), 32);
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_CHACHA20, 16, NULL, 0,
	           &key),
	   CKR_ATTRIBUTE_VALUE_INVALID);

	/* An HKDF key, which can be derived from in turn (its CKA_DERIVE
	 * asked for) and gives what OpenSSL gives over the same bytes. */
	CK_ATTRIBUTE can_derive[] = {H_ATTR_VAR(CKA_DERIVE, h_true)};
	OK(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_HKDF, 48, can_derive, 1,
	           &key));
	assert_int_equal(h_get_ulong(s, key, CKA_KEY_TYPE), CKK_HKDF);
	assert_int_equal(h_get_bytes(s, key, CKA_VALUE, out, sizeof(out)), 48);
	assert_memory_equal(out, v.okm, 48);
	GUARDHSM_HKDF_PARAMS again = params_of(CKM_SHA384, true, true, NULL);
	unsigned char second[64], expected[64];
	assert_int_equal(hkdf_value(s, key, &again, CKK_GENERIC_SECRET, 64,
	                            second, sizeof(second)),
	                 64);
	ossl_hkdf(CKM_SHA384, v.okm, 48, NULL, 0, NULL, 0, expected, 64);
	assert_memory_equal(second, expected, 64);
	/* An HKDF key is not an HMAC key. */
	CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};
	RV(p11->C_SignInit(s, &hmac, key), CKR_KEY_TYPE_INCONSISTENT);
	/* Nor is a derived key a private key. */
	CK_OBJECT_CLASS private_class = CKO_PRIVATE_KEY;
	CK_KEY_TYPE generic = CKK_GENERIC_SECRET;
	CK_ULONG l32 = 32;
	CK_ATTRIBUTE as_private[] = {H_ATTR_VAR(CKA_CLASS, private_class),
	                             H_ATTR_VAR(CKA_KEY_TYPE, generic),
	                             H_ATTR_VAR(CKA_VALUE_LEN, l32)};
	CK_MECHANISM m = {CKM_HKDF_DERIVE, &p, sizeof(p)};
	RV(p11->C_DeriveKey(s, &m, ikm, as_private, 3, &key),
	   CKR_TEMPLATE_INCONSISTENT);
}

/* CKM_HKDF_KEY_GEN: random HKDF keys of CKA_VALUE_LEN bytes. */
static void test_hkdf_key_gen(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	CK_MECHANISM gen = {CKM_HKDF_KEY_GEN, NULL, 0};
	CK_ULONG length = 32;
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_VALUE_LEN, length),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_DERIVE, h_true),
	};
	CK_OBJECT_HANDLE key, derived;
	OK(p11->C_GenerateKey(s, &gen, template, 3, &key));
	assert_int_equal(h_get_ulong(s, key, CKA_CLASS), CKO_SECRET_KEY);
	assert_int_equal(h_get_ulong(s, key, CKA_KEY_TYPE), CKK_HKDF);
	assert_int_equal(h_get_ulong(s, key, CKA_VALUE_LEN), 32);
	assert_int_equal(h_get_ulong(s, key, CKA_KEY_GEN_MECHANISM),
	                 CKM_HKDF_KEY_GEN);
	assert_int_equal(h_get_bool(s, key, CKA_LOCAL), CK_TRUE);
	assert_int_equal(h_get_bool(s, key, CKA_ALWAYS_SENSITIVE), CK_TRUE);
	GUARDHSM_HKDF_PARAMS p = params_of(CKM_SHA256, true, true, NULL);
	OK(hkdf_rv(s, CKM_HKDF_DERIVE, key, &p, CKK_AES, 32, NULL, 0,
	           &derived));
	/* CKA_VALUE_LEN is required; the type must be CKK_HKDF. */
	RV(p11->C_GenerateKey(s, &gen, template + 1, 2, &key),
	   CKR_TEMPLATE_INCOMPLETE);
	CK_KEY_TYPE aes = CKK_AES;
	CK_ATTRIBUTE wrong_type[] = {H_ATTR_VAR(CKA_VALUE_LEN, length),
	                             H_ATTR_VAR(CKA_KEY_TYPE, aes)};
	RV(p11->C_GenerateKey(s, &gen, wrong_type, 2, &key),
	   CKR_TEMPLATE_INCONSISTENT);
	length = 0;
	RV(p11->C_GenerateKey(s, &gen, template, 3, &key),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	CK_MECHANISM with_param = {CKM_HKDF_KEY_GEN, &length, sizeof(length)};
	length = 32;
	RV(p11->C_GenerateKey(s, &with_param, template, 3, &key),
	   CKR_MECHANISM_PARAM_INVALID);
}

/* ===================================================================== */
/* Errors                                                                  */
/* ===================================================================== */

static void test_parameter_errors(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	vector v = decode(&cases[0]);
	CK_OBJECT_HANDLE ikm =
	        import_key(s, CKK_GENERIC_SECRET, v.ikm, v.ikm_length);
	CK_OBJECT_HANDLE key;
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ULONG l32 = 32;
	CK_ATTRIBUTE template[] = {H_ATTR_VAR(CKA_CLASS, cls),
	                           H_ATTR_VAR(CKA_VALUE_LEN, l32)};
	GUARDHSM_HKDF_PARAMS p = params_of(CKM_SHA256, true, true, &v);
	GUARDHSM_HKDF_PARAMS good = p;

	/* No parameter, or of the wrong length. */
	CK_MECHANISM m = {CKM_HKDF_DERIVE, NULL, 0};
	RV(p11->C_DeriveKey(s, &m, ikm, template, 2, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	m.ulParameterLen = sizeof(p);
	RV(p11->C_DeriveKey(s, &m, ikm, template, 2, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	m.pParameter = &p;
	m.ulParameterLen = sizeof(p) - 1;
	RV(p11->C_DeriveKey(s, &m, ikm, template, 2, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	m.ulParameterLen = sizeof(p) + 1;
	RV(p11->C_DeriveKey(s, &m, ikm, template, 2, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	m.ulParameterLen = sizeof(CK_ECDH1_DERIVE_PARAMS);
	RV(p11->C_DeriveKey(s, &m, ikm, template, 2, &key),
	   CKR_MECHANISM_PARAM_INVALID);
	m.mechanism = CKM_HKDF_DATA;
	m.pParameter = NULL;
	m.ulParameterLen = 0;
	RV(p11->C_DeriveKey(s, &m, ikm, template, 2, &key),
	   CKR_MECHANISM_PARAM_INVALID);

	/* Neither step. */
	p.bExtract = p.bExpand = CK_FALSE;
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 32, NULL, 0,
	           &key),
	   CKR_MECHANISM_PARAM_INVALID);

	/* Hashes: SHA-3 and anything not a SHA-1/SHA-2 digest. */
	CK_MECHANISM_TYPE bad_hashes[] = {
	        CKM_SHA3_256, CKM_SHA3_384,    CKM_SHA3_512,    CKM_SHA3_224,
	        CKM_MD5,      CKM_SHA256_HMAC, CKM_HKDF_DERIVE, CKM_SHA512_224,
	        0x7ffffff0UL, CKM_ECDSA,       CKM_SHA_1_HMAC};
	for (size_t i = 0; i < H_ARRAY_SIZE(bad_hashes); i++) {
		p = good;
		p.prfHashMechanism = bad_hashes[i];
		CK_RV rv = hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p,
		                   CKK_GENERIC_SECRET, 32, NULL, 0, &key);
		if (rv != CKR_MECHANISM_PARAM_INVALID)
			fail_msg("prfHashMechanism 0x%lx: %s",
			         (unsigned long)bad_hashes[i], rv_name(rv));
	}

	/* Salt types and their data. */
	CK_ULONG bad_types[] = {0, 3, 5, 6, 7, 8, 0x80000000UL};
	for (size_t i = 0; i < H_ARRAY_SIZE(bad_types); i++) {
		p = good;
		p.ulSaltType = bad_types[i];
		RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 32,
		           NULL, 0, &key),
		   CKR_MECHANISM_PARAM_INVALID);
	}
	p = good;
	p.pSalt = NULL; /* SALT_DATA without data */
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 32, NULL, 0,
	           &key),
	   CKR_MECHANISM_PARAM_INVALID);
	p = good;
	p.ulSaltLen = 0;
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 32, NULL, 0,
	           &key),
	   CKR_MECHANISM_PARAM_INVALID);
	p = good;
	p.ulSaltType = CKF_HKDF_SALT_NULL; /* with data */
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 32, NULL, 0,
	           &key),
	   CKR_MECHANISM_PARAM_INVALID);
	/* Info: a NULL pointer with a length. */
	p = good;
	p.pInfo = NULL;
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 32, NULL, 0,
	           &key),
	   CKR_MECHANISM_PARAM_INVALID);

	/* What a step does not use is ignored (the spec): a junk salt
	 * without bExtract, junk info without bExpand. */
	unsigned char out[64];
	CK_OBJECT_HANDLE prk = import_key(s, CKK_HKDF, v.prk, v.prk_length);
	p = good;
	p.bExtract = CK_FALSE;
	p.ulSaltType = 0x99;
	p.pSalt = NULL;
	p.ulSaltLen = 7;
	assert_int_equal(hkdf_value(s, prk, &p, CKK_GENERIC_SECRET, 42, out,
	                            sizeof(out)),
	                 42);
	assert_memory_equal(out, v.okm, 42);
	p = good;
	p.bExpand = CK_FALSE;
	p.pInfo = NULL;
	p.ulInfoLen = 9;
	assert_int_equal(
	        hkdf_value(s, ikm, &p, CKK_GENERIC_SECRET, 0, out, sizeof(out)),
	        32);
	assert_memory_equal(out, v.prk, 32);

	/* CKA_VALUE_LEN: missing with bExpand, 0, over 255 hash lengths,
	 * malformed, two different values, not the hash length without
	 * bExpand. */
	p = good;
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 0, NULL, 0,
	           &key),
	   CKR_TEMPLATE_INCOMPLETE);
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_HKDF, 0, NULL, 0, &key),
	   CKR_TEMPLATE_INCOMPLETE);
	CK_ULONG zero = 0;
	CK_ATTRIBUTE zero_length[] = {H_ATTR_VAR(CKA_VALUE_LEN, zero)};
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 0,
	           zero_length, 1, &key),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET,
	           255 * 32 + 1, NULL, 0, &key),
	   CKR_TEMPLATE_INCONSISTENT);
	RV(hkdf_data_rv(s, ikm, &p, 255 * 32 + 1, &key),
	   CKR_TEMPLATE_INCONSISTENT);
	p.prfHashMechanism = CKM_SHA_1;
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET,
	           255 * 20 + 1, NULL, 0, &key),
	   CKR_TEMPLATE_INCONSISTENT);
	OK(hkdf_data_rv(s, ikm, &p, 255 * 20, &key));
	p = good;
	uint32_t short_length = 32;
	CK_ATTRIBUTE malformed[] = {
	        H_ATTR(CKA_VALUE_LEN, &short_length, sizeof(short_length))};
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 0,
	           malformed, 1, &key),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	CK_ULONG other = 16;
	CK_ATTRIBUTE twice[] = {H_ATTR_VAR(CKA_VALUE_LEN, other)};
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 32, twice,
	           1, &key),
	   CKR_TEMPLATE_INCONSISTENT);
	CK_ATTRIBUTE same_twice[] = {H_ATTR_VAR(CKA_VALUE_LEN, l32)};
	assert_int_equal(hkdf_value(s, ikm, &p, CKK_GENERIC_SECRET, 32, out,
	                            sizeof(out)),
	                 32);
	OK(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 32,
	           same_twice, 1, &key));
	p.bExpand = CK_FALSE;
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 16, NULL, 0,
	           &key),
	   CKR_TEMPLATE_INCONSISTENT);
	/* The template may not give the value. */
	p = good;
	CK_ATTRIBUTE value[] = {H_ATTR_STR(CKA_VALUE, "0123456789abcdef")};
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, ikm, &p, CKK_GENERIC_SECRET, 16, value,
	           1, &key),
	   CKR_ATTRIBUTE_READ_ONLY);

	/* NULL template with a count, NULL key handle pointer. */
	m.mechanism = CKM_HKDF_DERIVE;
	m.pParameter = &p;
	m.ulParameterLen = sizeof(p);
	RV(p11->C_DeriveKey(s, &m, ikm, NULL, 1, &key), CKR_ARGUMENTS_BAD);
	RV(p11->C_DeriveKey(s, &m, ikm, template, 2, NULL), CKR_ARGUMENTS_BAD);
	RV(p11->C_DeriveKey(s, NULL, ikm, template, 2, &key),
	   CKR_ARGUMENTS_BAD);
}

static void test_base_key_errors(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	vector v = decode(&cases[0]);
	GUARDHSM_HKDF_PARAMS p = params_of(CKM_SHA256, true, true, &v);
	CK_OBJECT_HANDLE key, base;

	/* CKA_DERIVE false. */
	OK(import_key_rv(s, CKK_GENERIC_SECRET, v.ikm, v.ikm_length, false,
	                 &base));
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, base, &p, CKK_GENERIC_SECRET, 32, NULL,
	           0, &key),
	   CKR_KEY_FUNCTION_NOT_PERMITTED);
	RV(hkdf_data_rv(s, base, &p, 32, &key), CKR_KEY_FUNCTION_NOT_PERMITTED);
	/* Neither a generic secret nor an HKDF key (the spec's two). */
	base = import_key(s, CKK_AES, h_aes_key, 32);
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, base, &p, CKK_GENERIC_SECRET, 32, NULL,
	           0, &key),
	   CKR_KEY_TYPE_INCONSISTENT);
	base = import_key(s, CKK_CHACHA20, h_aes_key, 32);
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, base, &p, CKK_GENERIC_SECRET, 32, NULL,
	           0, &key),
	   CKR_KEY_TYPE_INCONSISTENT);
	base = h_create_data(s, false, false, "data", "not a key");
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, base, &p, CKK_GENERIC_SECRET, 32, NULL,
	           0, &key),
	   CKR_KEY_TYPE_INCONSISTENT);
	CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	static const CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
	                               0xce, 0x3d, 0x03, 0x01, 0x07};
	CK_ATTRIBUTE pub_t[] = {H_ATTR(CKA_EC_PARAMS, p256, sizeof(p256)),
	                        H_ATTR_VAR(CKA_TOKEN, h_false)};
	CK_ATTRIBUTE priv_t[] = {H_ATTR_VAR(CKA_TOKEN, h_false),
	                         H_ATTR_VAR(CKA_DERIVE, h_true)};
	CK_OBJECT_HANDLE pub, priv;
	OK(p11->C_GenerateKeyPair(s, &gen, pub_t, 2, priv_t, 2, &pub, &priv));
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, priv, &p, CKK_GENERIC_SECRET, 32, NULL,
	           0, &key),
	   CKR_KEY_TYPE_INCONSISTENT);
	/* No such key. */
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, 0x7fffffff, &p, CKK_GENERIC_SECRET, 32,
	           NULL, 0, &key),
	   CKR_KEY_HANDLE_INVALID);
	/* CKA_ALLOWED_MECHANISMS without HKDF. */
	CK_MECHANISM_TYPE only_data[] = {CKM_HKDF_DATA};
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE generic = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE limited[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_KEY_TYPE, generic),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_DERIVE, h_true),
	        H_ATTR(CKA_ALLOWED_MECHANISMS, only_data, sizeof(only_data)),
	        H_ATTR(CKA_VALUE, v.ikm, v.ikm_length),
	};
	OK(p11->C_CreateObject(s, limited, H_ARRAY_SIZE(limited), &base));
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, base, &p, CKK_GENERIC_SECRET, 32, NULL,
	           0, &key),
	   CKR_MECHANISM_INVALID);
	OK(hkdf_data_rv(s, base, &p, 32, &key));
	/* Expand alone from a key shorter than the hash (RFC 5869 wants a
	 * PRK of at least HashLen); extract takes any length. */
	base = import_key(s, CKK_GENERIC_SECRET, v.ikm, 16);
	p.bExtract = CK_FALSE;
	RV(hkdf_rv(s, CKM_HKDF_DERIVE, base, &p, CKK_GENERIC_SECRET, 32, NULL,
	           0, &key),
	   CKR_KEY_SIZE_RANGE);
	p.bExtract = CK_TRUE;
	OK(hkdf_rv(s, CKM_HKDF_DERIVE, base, &p, CKK_GENERIC_SECRET, 32, NULL,
	           0, &key));
	/* A token key from a read-only session. */
	CK_SESSION_HANDLE ro = h_open(H.slot, false);
	CK_ULONG l32 = 32;
	CK_ATTRIBUTE token[] = {H_ATTR_VAR(CKA_CLASS, cls),
	                        H_ATTR_VAR(CKA_TOKEN, h_true),
	                        H_ATTR_VAR(CKA_VALUE_LEN, l32)};
	CK_MECHANISM m = {CKM_HKDF_DERIVE, &p, sizeof(p)};
	RV(p11->C_DeriveKey(ro, &m, base, token, 3, &key),
	   CKR_SESSION_READ_ONLY);
	/* From the read-write one it persists. */
	OK(p11->C_DeriveKey(s, &m, base, token, 3, &key));
	assert_int_equal(h_get_bool(s, key, CKA_TOKEN), CK_TRUE);
	assert_int_equal(h_get_ulong(s, key, CKA_VALUE_LEN), 32);
	OK(p11->C_DestroyObject(s, key));
}

/* ===================================================================== */
/* Protection attributes                                                   */
/* ===================================================================== */

static void test_protection(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	GUARDHSM_HKDF_PARAMS p = params_of(CKM_SHA256, true, true, NULL);
	CK_MECHANISM m = {CKM_HKDF_DERIVE, &p, sizeof(p)};
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE aes = CKK_AES;
	CK_ULONG l32 = 32;

	/* A generated base: always sensitive, never extractable. */
	CK_MECHANISM gen = {CKM_GENERIC_SECRET_KEY_GEN, NULL, 0};
	CK_ATTRIBUTE gen_t[] = {H_ATTR_VAR(CKA_VALUE_LEN, l32),
	                        H_ATTR_VAR(CKA_TOKEN, h_false),
	                        H_ATTR_VAR(CKA_DERIVE, h_true)};
	CK_OBJECT_HANDLE base, key;
	OK(p11->C_GenerateKey(s, &gen, gen_t, 3, &base));
	assert_int_equal(h_get_bool(s, base, CKA_ALWAYS_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(s, base, CKA_NEVER_EXTRACTABLE), CK_TRUE);

	/* The defaults: sensitive, not extractable, and so always
	 * sensitive and never extractable like the base. */
	CK_ATTRIBUTE defaults[] = {
	        H_ATTR_VAR(CKA_CLASS, cls), H_ATTR_VAR(CKA_KEY_TYPE, aes),
	        H_ATTR_VAR(CKA_VALUE_LEN, l32), H_ATTR_VAR(CKA_TOKEN, h_false)};
	OK(p11->C_DeriveKey(s, &m, base, defaults, 4, &key));
	assert_int_equal(h_get_bool(s, key, CKA_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(s, key, CKA_EXTRACTABLE), CK_FALSE);
	assert_int_equal(h_get_bool(s, key, CKA_ALWAYS_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(s, key, CKA_NEVER_EXTRACTABLE), CK_TRUE);
	assert_int_equal(h_get_bool(s, key, CKA_LOCAL), CK_FALSE);
	assert_int_equal(h_get_ulong(s, key, CKA_VALUE_LEN), 32);
	unsigned char value[32];
	CK_ATTRIBUTE get = H_ATTR(CKA_VALUE, value, sizeof(value));
	RV(p11->C_GetAttributeValue(s, key, &get, 1), CKR_ATTRIBUTE_SENSITIVE);

	/* Sensitive but extractable: always sensitive only. */
	CK_ATTRIBUTE extractable[] = {
	        H_ATTR_VAR(CKA_CLASS, cls), H_ATTR_VAR(CKA_KEY_TYPE, aes),
	        H_ATTR_VAR(CKA_VALUE_LEN, l32), H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_EXTRACTABLE, h_true)};
	OK(p11->C_DeriveKey(s, &m, base, extractable, 5, &key));
	assert_int_equal(h_get_bool(s, key, CKA_ALWAYS_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(s, key, CKA_NEVER_EXTRACTABLE), CK_FALSE);

	/* Readable: neither. */
	OK(hkdf_rv(s, CKM_HKDF_DERIVE, base, &p, CKK_AES, 32, NULL, 0, &key));
	assert_int_equal(h_get_bool(s, key, CKA_ALWAYS_SENSITIVE), CK_FALSE);
	assert_int_equal(h_get_bool(s, key, CKA_NEVER_EXTRACTABLE), CK_FALSE);

	/* An imported base was exposed once: its derived keys never count
	 * as always sensitive. */
	vector v = decode(&cases[0]);
	CK_OBJECT_HANDLE imported =
	        import_key(s, CKK_GENERIC_SECRET, v.ikm, v.ikm_length);
	assert_int_equal(h_get_bool(s, imported, CKA_ALWAYS_SENSITIVE),
	                 CK_FALSE);
	OK(p11->C_DeriveKey(s, &m, imported, defaults, 4, &key));
	assert_int_equal(h_get_bool(s, key, CKA_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(s, key, CKA_ALWAYS_SENSITIVE), CK_FALSE);
	assert_int_equal(h_get_bool(s, key, CKA_NEVER_EXTRACTABLE), CK_FALSE);
}

/* ===================================================================== */
/* ECDH into AES and ChaCha20 keys                                         */
/* ===================================================================== */

static const CK_BYTE OID_P256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                   0xce, 0x3d, 0x03, 0x01, 0x07};
static const CK_BYTE OID_X25519[] = {0x06, 0x03, 0x2b, 0x65, 0x6e};

typedef struct party {
	CK_OBJECT_HANDLE pub, priv;
	unsigned char point[65]; /* raw */
	size_t point_length;
} party;

static party generate_party(CK_SESSION_HANDLE s, bool x25519)
{
	party p;
	CK_MECHANISM m = {x25519 ? CKM_EC_MONTGOMERY_KEY_PAIR_GEN
	                         : CKM_EC_KEY_PAIR_GEN,
	                  NULL, 0};
	CK_ATTRIBUTE pub_t[] = {
	        x25519 ? (CK_ATTRIBUTE)H_ATTR(CKA_EC_PARAMS, OID_X25519,
	                                      sizeof(OID_X25519))
	               : (CK_ATTRIBUTE)H_ATTR(CKA_EC_PARAMS, OID_P256,
	                                      sizeof(OID_P256)),
	        H_ATTR_VAR(CKA_TOKEN, h_false)};
	CK_ATTRIBUTE priv_t[] = {H_ATTR_VAR(CKA_TOKEN, h_false),
	                         H_ATTR_VAR(CKA_DERIVE, h_true)};
	OK(p11->C_GenerateKeyPair(s, &m, pub_t, 2, priv_t, 2, &p.pub, &p.priv));
	unsigned char der[70];
	CK_ULONG n = h_get_bytes(s, p.pub, CKA_EC_POINT, der, sizeof(der));
	/* A DER OCTET STRING: 04 len point. */
	assert_true(n > 2 && der[0] == 0x04 && der[1] == n - 2);
	p.point_length = n - 2;
	memcpy(p.point, der + 2, p.point_length);
	return p;
}

static CK_RV ecdh_rv(CK_SESSION_HANDLE s, const party *mine, const party *peer,
                     CK_ULONG kdf, CK_KEY_TYPE type, CK_ULONG length,
                     const CK_ATTRIBUTE *extra, CK_ULONG extra_count,
                     CK_OBJECT_HANDLE *out)
{
	static const unsigned char info[] = "guardhsm derive test";
	CK_ECDH1_DERIVE_PARAMS params = {
	        kdf, kdf == CKD_NULL ? 0 : sizeof(info) - 1,
	        kdf == CKD_NULL ? NULL : (CK_BYTE_PTR)info, peer->point_length,
	        (CK_BYTE_PTR)peer->point};
	CK_MECHANISM m = {CKM_ECDH1_DERIVE, &params, sizeof(params)};
	CK_ATTRIBUTE template[16];
	CK_ULONG n = key_template(template, &type, &length, extra, extra_count);
	*out = CK_INVALID_HANDLE;
	return p11->C_DeriveKey(s, &m, mine->priv, template, n, out);
}

/* Both sides derive; returns the (equal) length. */
static CK_ULONG agree(CK_SESSION_HANDLE s, const party *a, const party *b,
                      CK_ULONG kdf, CK_KEY_TYPE type, CK_ULONG length,
                      unsigned char *value)
{
	CK_OBJECT_HANDLE ka, kb;
	OK(ecdh_rv(s, a, b, kdf, type, length, NULL, 0, &ka));
	OK(ecdh_rv(s, b, a, kdf, type, length, NULL, 0, &kb));
	unsigned char other[64];
	assert_int_equal(h_get_ulong(s, ka, CKA_KEY_TYPE), type);
	assert_int_equal(h_get_bool(s, ka, CKA_LOCAL), CK_FALSE);
	CK_ULONG na = h_get_bytes(s, ka, CKA_VALUE, value, 64);
	CK_ULONG nb = h_get_bytes(s, kb, CKA_VALUE, other, sizeof(other));
	assert_int_equal(na, nb);
	assert_int_equal(h_get_ulong(s, ka, CKA_VALUE_LEN), na);
	assert_memory_equal(value, other, na);
	return na;
}

static void ecdh_into_keys(CK_SESSION_HANDLE s, bool x25519)
{
	party a = generate_party(s, x25519), b = generate_party(s, x25519);
	party c = generate_party(s, x25519);
	unsigned char value[64], whole[64], third[64];
	const CK_ULONG kdfs[] = {CKD_NULL, CKD_SHA256_KDF, CKD_SHA512_KDF};
	for (size_t k = 0; k < H_ARRAY_SIZE(kdfs); k++) {
		assert_int_equal(agree(s, &a, &b, kdfs[k], CKK_AES, 32, value),
		                 32);
		/* Not what a third party's key gives. */
		assert_int_equal(agree(s, &a, &c, kdfs[k], CKK_AES, 32, third),
		                 32);
		assert_memory_not_equal(value, third, 32);
		assert_int_equal(agree(s, &a, &b, kdfs[k], CKK_AES, 16, value),
		                 16);
		assert_int_equal(agree(s, &a, &b, kdfs[k], CKK_AES, 24, value),
		                 24);
		assert_int_equal(
		        agree(s, &a, &b, kdfs[k], CKK_CHACHA20, 0, value), 32);
		assert_int_equal(agree(s, &a, &b, kdfs[k], CKK_GENERIC_SECRET,
		                       20, value),
		                 20);
	}
	/* CKD_NULL: the keys are the leading bytes of the secret. */
	CK_ULONG n = agree(s, &a, &b, CKD_NULL, CKK_GENERIC_SECRET, 0, whole);
	assert_int_equal(n, 32);
	agree(s, &a, &b, CKD_NULL, CKK_AES, 16, value);
	assert_memory_equal(value, whole, 16);
	agree(s, &a, &b, CKD_NULL, CKK_CHACHA20, 0, value);
	assert_memory_equal(value, whole, 32);

	/* AES needs CKA_VALUE_LEN, and one of its three lengths. */
	CK_OBJECT_HANDLE key;
	RV(ecdh_rv(s, &a, &b, CKD_SHA256_KDF, CKK_AES, 0, NULL, 0, &key),
	   CKR_TEMPLATE_INCOMPLETE);
	RV(ecdh_rv(s, &a, &b, CKD_NULL, CKK_AES, 0, NULL, 0, &key),
	   CKR_TEMPLATE_INCOMPLETE);
	RV(ecdh_rv(s, &a, &b, CKD_SHA256_KDF, CKK_AES, 20, NULL, 0, &key),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	RV(ecdh_rv(s, &a, &b, CKD_SHA256_KDF, CKK_AES, 64, NULL, 0, &key),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	RV(ecdh_rv(s, &a, &b, CKD_SHA256_KDF, CKK_CHACHA20, 16, NULL, 0, &key),
	   CKR_ATTRIBUTE_VALUE_INVALID);
	/* More than the secret with CKD_NULL. */
	RV(ecdh_rv(s, &a, &b, CKD_NULL, CKK_GENERIC_SECRET, 33, NULL, 0, &key),
	   CKR_TEMPLATE_INCONSISTENT);
	CK_ULONG zero = 0;
	CK_ATTRIBUTE zero_length[] = {H_ATTR_VAR(CKA_VALUE_LEN, zero)};
	RV(ecdh_rv(s, &a, &b, CKD_SHA256_KDF, CKK_GENERIC_SECRET, 0,
	           zero_length, 1, &key),
	   CKR_ATTRIBUTE_VALUE_INVALID);

	/* The defaults from a generated base: always sensitive, never
	 * extractable; an HKDF key from ECDH, then HKDF on both sides
	 * into equal AES keys. */
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE hkdf_type = CKK_HKDF;
	CK_ATTRIBUTE secret_t[] = {
	        H_ATTR_VAR(CKA_CLASS, cls), H_ATTR_VAR(CKA_KEY_TYPE, hkdf_type),
	        H_ATTR_VAR(CKA_TOKEN, h_false), H_ATTR_VAR(CKA_DERIVE, h_true)};
	CK_ECDH1_DERIVE_PARAMS params = {CKD_NULL, 0, NULL, b.point_length,
	                                 b.point};
	CK_MECHANISM m = {CKM_ECDH1_DERIVE, &params, sizeof(params)};
	CK_OBJECT_HANDLE za, zb;
	OK(p11->C_DeriveKey(s, &m, a.priv, secret_t, 4, &za));
	params.pPublicData = a.point;
	OK(p11->C_DeriveKey(s, &m, b.priv, secret_t, 4, &zb));
	assert_int_equal(h_get_bool(s, za, CKA_ALWAYS_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(s, za, CKA_NEVER_EXTRACTABLE), CK_TRUE);
	assert_int_equal(h_get_ulong(s, za, CKA_VALUE_LEN), 32);
	static const unsigned char label[] = "tls13 key";
	vector v = {0};
	memcpy(v.info, label, sizeof(label) - 1);
	v.info_length = sizeof(label) - 1;
	GUARDHSM_HKDF_PARAMS hp = params_of(CKM_SHA256, true, true, &v);
	unsigned char ka[32], kb[32];
	assert_int_equal(hkdf_value(s, za, &hp, CKK_AES, 32, ka, sizeof(ka)),
	                 32);
	assert_int_equal(hkdf_value(s, zb, &hp, CKK_AES, 32, kb, sizeof(kb)),
	                 32);
	assert_memory_equal(ka, kb, 32);
	/* ...which is HKDF over the shared secret. */
	unsigned char expected[32];
	ossl_hkdf(CKM_SHA256, whole, 32, NULL, 0, label, sizeof(label) - 1,
	          expected, 32);
	assert_memory_equal(ka, expected, 32);
}

static void test_ecdh_p256(void **state)
{
	(void)state;
	ecdh_into_keys(user_session(), false);
}

static void test_ecdh_x25519(void **state)
{
	(void)state;
	ecdh_into_keys(user_session(), true);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_rfc5869),          T(test_hashes_against_openssl),
	        T(test_hkdf_data),        T(test_salt_key),
	        T(test_key_types),        T(test_hkdf_key_gen),
	        T(test_parameter_errors), T(test_base_key_errors),
	        T(test_protection),       T(test_ecdh_p256),
	        T(test_ecdh_x25519),
	};
#undef T
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
