/* Shared by the RSA integration tests: see p11_rsa_common.h. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"
#include "p11_rsa_common.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <stdlib.h>
#include <string.h>

EVP_PKEY *rsa_ossl_key;

const CK_ATTRIBUTE_TYPE rsa_part_types[RSA_PARTS] = {
        CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
        CKA_PRIME_2, CKA_EXPONENT_1,      CKA_EXPONENT_2,       CKA_COEFFICIENT,
};

static const char *const part_names[RSA_PARTS] = {
        OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
        OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
        OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

const char *rsa_rv_name(CK_RV rv)
{
	switch (rv) {
	case CKR_KEY_FUNCTION_NOT_PERMITTED:
		return "CKR_KEY_FUNCTION_NOT_PERMITTED";
	case CKR_KEY_NOT_WRAPPABLE:
		return "CKR_KEY_NOT_WRAPPABLE";
	case CKR_KEY_UNEXTRACTABLE:
		return "CKR_KEY_UNEXTRACTABLE";
	case CKR_SIGNATURE_INVALID:
		return "CKR_SIGNATURE_INVALID";
	case CKR_SIGNATURE_LEN_RANGE:
		return "CKR_SIGNATURE_LEN_RANGE";
	case CKR_ENCRYPTED_DATA_LEN_RANGE:
		return "CKR_ENCRYPTED_DATA_LEN_RANGE";
	case CKR_WRAPPED_KEY_INVALID:
		return "CKR_WRAPPED_KEY_INVALID";
	case CKR_WRAPPED_KEY_LEN_RANGE:
		return "CKR_WRAPPED_KEY_LEN_RANGE";
	case CKR_WRAPPING_KEY_HANDLE_INVALID:
		return "CKR_WRAPPING_KEY_HANDLE_INVALID";
	case CKR_WRAPPING_KEY_TYPE_INCONSISTENT:
		return "CKR_WRAPPING_KEY_TYPE_INCONSISTENT";
	case CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT:
		return "CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT";
	default:
		return h_rv_name(rv);
	}
}

/* ---- Keys ------------------------------------------------------------- */

CK_RV rsa_generate_rv(CK_SESSION_HANDLE s, CK_ULONG bits,
                      const CK_BYTE *exponent, size_t exponent_length,
                      const CK_ATTRIBUTE *extra, CK_ULONG extra_count,
                      CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM m = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE pub_t[] = {
	        H_ATTR_VAR(CKA_MODULUS_BITS, bits),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_VERIFY, h_true),
	        H_ATTR_VAR(CKA_ENCRYPT, h_true),
	        H_ATTR_VAR(CKA_WRAP, h_true),
	        H_ATTR_STR(CKA_LABEL, "rsa session"),
	        H_ATTR(CKA_PUBLIC_EXPONENT, exponent, exponent_length),
	};
	CK_ATTRIBUTE priv_t[16] = {
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_SIGN, h_true),
	        H_ATTR_VAR(CKA_DECRYPT, h_true),
	        H_ATTR_VAR(CKA_UNWRAP, h_true),
	        H_ATTR_STR(CKA_LABEL, "rsa session"),
	};
	CK_ULONG count = 5;
	for (CK_ULONG i = 0; i < extra_count; i++) {
		CK_ULONG j = 0;
		while (j < count && priv_t[j].type != extra[i].type)
			j++;
		assert_true(j < H_ARRAY_SIZE(priv_t));
		priv_t[j] = extra[i];
		if (j == count)
			count++;
	}
	*pub = *priv = CK_INVALID_HANDLE;
	return p11->C_GenerateKeyPair(s, &m, pub_t,
	                              H_ARRAY_SIZE(pub_t) - (exponent == NULL),
	                              priv_t, count, pub, priv);
}

size_t rsa_ossl_part(EVP_PKEY *key, int part, CK_BYTE *out, size_t size)
{
	BIGNUM *value = NULL;
	assert_int_equal(EVP_PKEY_get_bn_param(key, part_names[part], &value),
	                 1);
	size_t length = (size_t)BN_num_bytes(value);
	assert_true(length <= size);
	BN_bn2bin(value, out);
	BN_clear_free(value);
	return length;
}

static CK_RV import_rv(CK_SESSION_HANDLE s, EVP_PKEY *key, bool private_,
                       bool token, const char *label, unsigned omit, int flip,
                       const CK_ATTRIBUTE *extra, CK_ULONG extra_count,
                       CK_OBJECT_HANDLE *object)
{
	static CK_BYTE parts[RSA_PARTS][RSA_MAX_BYTES];
	CK_OBJECT_CLASS cls = private_ ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY;
	CK_KEY_TYPE type = CKK_RSA;
	CK_BBOOL is_token = token ? CK_TRUE : CK_FALSE;
	CK_ATTRIBUTE t[32] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_KEY_TYPE, type),
	        H_ATTR_VAR(CKA_TOKEN, is_token),
	        H_ATTR_STR(CKA_LABEL, label),
	};
	CK_ULONG count = 4;
	CK_ATTRIBUTE_TYPE usage[] = {CKA_SIGN, CKA_DECRYPT, CKA_UNWRAP};
	CK_ATTRIBUTE_TYPE public_usage[] = {CKA_VERIFY, CKA_ENCRYPT, CKA_WRAP};
	for (size_t i = 0; i < 3; i++)
		t[count++] = (CK_ATTRIBUTE)H_ATTR(private_ ? usage[i]
		                                           : public_usage[i],
		                                  &h_true, sizeof(h_true));
	for (int i = 0; i < (private_ ? RSA_PARTS : 2); i++) {
		if (omit & (1u << i))
			continue;
		size_t length = rsa_ossl_part(key, i, parts[i], RSA_MAX_BYTES);
		if (i == flip)
			parts[i][length - 1] ^= 1;
		t[count++] = (CK_ATTRIBUTE)H_ATTR(rsa_part_types[i], parts[i],
		                                  length);
	}
	for (CK_ULONG i = 0; i < extra_count; i++) {
		CK_ULONG j = 0;
		while (j < count && t[j].type != extra[i].type)
			j++;
		assert_true(j < H_ARRAY_SIZE(t));
		t[j] = extra[i];
		if (j == count)
			count++;
	}
	*object = CK_INVALID_HANDLE;
	return p11->C_CreateObject(s, t, count, object);
}

CK_RV rsa_import_private_rv(CK_SESSION_HANDLE s, EVP_PKEY *key, bool token,
                            const char *label, unsigned omit, int flip,
                            const CK_ATTRIBUTE *extra, CK_ULONG extra_count,
                            CK_OBJECT_HANDLE *object)
{
	return import_rv(s, key, true, token, label, omit, flip, extra,
	                 extra_count, object);
}

CK_RV rsa_import_public_rv(CK_SESSION_HANDLE s, EVP_PKEY *key, bool token,
                           const char *label, const CK_ATTRIBUTE *extra,
                           CK_ULONG extra_count, CK_OBJECT_HANDLE *object)
{
	return import_rv(s, key, false, token, label, 0, -1, extra, extra_count,
	                 object);
}

EVP_PKEY *rsa_token_public(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE object)
{
	CK_BYTE n[RSA_MAX_BYTES], e[16];
	CK_ULONG n_length = h_get_bytes(s, object, CKA_MODULUS, n, sizeof(n));
	CK_ULONG e_length =
	        h_get_bytes(s, object, CKA_PUBLIC_EXPONENT, e, sizeof(e));
	assert_true(n_length > 0 && n_length <= sizeof(n));
	assert_true(e_length > 0 && e_length <= sizeof(e));
	BIGNUM *bn_n = BN_bin2bn(n, (int)n_length, NULL);
	BIGNUM *bn_e = BN_bin2bn(e, (int)e_length, NULL);
	OSSL_PARAM_BLD *build = OSSL_PARAM_BLD_new();
	assert_non_null(build);
	assert_int_equal(
	        OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, bn_n), 1);
	assert_int_equal(
	        OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, bn_e), 1);
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(build);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *key = NULL;
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(
	        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params), 1);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(build);
	BN_free(bn_n);
	BN_free(bn_e);
	return key;
}

bool rsa_same_public(EVP_PKEY *a, EVP_PKEY *b)
{
	bool same = true;
	for (int i = 0; i < 2; i++) {
		BIGNUM *x = NULL, *y = NULL;
		assert_int_equal(EVP_PKEY_get_bn_param(a, part_names[i], &x),
		                 1);
		assert_int_equal(EVP_PKEY_get_bn_param(b, part_names[i], &y),
		                 1);
		same = same && BN_cmp(x, y) == 0;
		BN_free(x);
		BN_free(y);
	}
	return same;
}

/* ---- The template store's keys ---------------------------------------- */

static void make_template_keys(void)
{
	CK_SLOT_ID slot = h_initialised_slot();
	CK_SESSION_HANDLE s = h_open(slot, true);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	CK_MECHANISM m = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
	CK_ULONG bits = 2048;
	CK_BYTE id[] = {0x52, 0x01};
	CK_ATTRIBUTE pub_t[] = {
	        H_ATTR_VAR(CKA_MODULUS_BITS, bits),
	        H_ATTR_VAR(CKA_TOKEN, h_true),
	        H_ATTR_VAR(CKA_VERIFY, h_true),
	        H_ATTR_VAR(CKA_ENCRYPT, h_true),
	        H_ATTR_VAR(CKA_WRAP, h_true),
	        H_ATTR_STR(CKA_LABEL, RSA_GEN_LABEL),
	        H_ATTR(CKA_ID, id, sizeof(id)),
	};
	CK_ATTRIBUTE priv_t[] = {
	        H_ATTR_VAR(CKA_TOKEN, h_true),
	        H_ATTR_VAR(CKA_SIGN, h_true),
	        H_ATTR_VAR(CKA_DECRYPT, h_true),
	        H_ATTR_VAR(CKA_UNWRAP, h_true),
	        H_ATTR_STR(CKA_LABEL, RSA_GEN_LABEL),
	        H_ATTR(CKA_ID, id, sizeof(id)),
	};
	CK_OBJECT_HANDLE pub, priv;
	CK_RV rv = p11->C_GenerateKeyPair(s, &m, pub_t, H_ARRAY_SIZE(pub_t),
	                                  priv_t, H_ARRAY_SIZE(priv_t), &pub,
	                                  &priv);
	if (rv != CKR_OK)
		fail_msg("group setup: C_GenerateKeyPair(RSA 2048): %s",
		         rsa_rv_name(rv));

	rsa_ossl_key = EVP_RSA_gen(2048);
	assert_non_null(rsa_ossl_key);
	rv = rsa_import_private_rv(s, rsa_ossl_key, true, RSA_OSSL_LABEL, 0, -1,
	                           NULL, 0, &priv);
	if (rv != CKR_OK)
		fail_msg("group setup: importing OpenSSL's private key: %s",
		         rsa_rv_name(rv));
	rv = rsa_import_public_rv(s, rsa_ossl_key, true, RSA_OSSL_LABEL, NULL,
	                          0, &pub);
	if (rv != CKR_OK)
		fail_msg("group setup: importing OpenSSL's public key: %s",
		         rsa_rv_name(rv));
	assert_ok(p11->C_CloseSession(s));
}

int rsa_group_setup(void **state)
{
	if (h_group_setup_template(state) != 0)
		return -1;
	/* H still describes the template's directory. */
	setenv("GUARDHSM_CONF", H.conf, 1);
	if (p11->C_Initialize(NULL) != CKR_OK)
		return -1;
	make_template_keys();
	if (p11->C_Finalize(NULL) != CKR_OK)
		return -1;
	unsetenv("GUARDHSM_CONF");
	return 0;
}

int rsa_group_teardown(void **state)
{
	EVP_PKEY_free(rsa_ossl_key);
	rsa_ossl_key = NULL;
	return h_group_teardown(state);
}

static CK_OBJECT_HANDLE find_key(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
                                 const char *label)
{
	CK_ATTRIBUTE t[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_STR(CKA_LABEL, label),
	};
	CK_OBJECT_HANDLE found[2];
	CK_ULONG n = h_find(s, t, H_ARRAY_SIZE(t), found, 2);
	if (n != 1)
		fail_msg("%lu objects of class %lu labelled \"%s\"",
		         (unsigned long)n, (unsigned long)cls, label);
	return found[0];
}

rsa_keys rsa_session(void)
{
	rsa_keys keys;
	keys.s = h_open(H.slot, true);
	assert_ok(h_login(keys.s, CKU_USER, H_USER_PIN));
	keys.gen_pub = find_key(keys.s, CKO_PUBLIC_KEY, RSA_GEN_LABEL);
	keys.gen_priv = find_key(keys.s, CKO_PRIVATE_KEY, RSA_GEN_LABEL);
	keys.ossl_pub = find_key(keys.s, CKO_PUBLIC_KEY, RSA_OSSL_LABEL);
	keys.ossl_priv = find_key(keys.s, CKO_PRIVATE_KEY, RSA_OSSL_LABEL);
	return keys;
}

/* ---- OpenSSL's operations --------------------------------------------- */

static void configure(EVP_PKEY_CTX *ctx, const rsa_ossl_params *params,
                      bool signature)
{
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, params->padding), 1);
	if (signature && params->md != NULL)
		assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, params->md),
		                 1);
	if (params->padding == RSA_PKCS1_PSS_PADDING) {
		assert_int_equal(
		        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, params->salt), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, params->mgf),
		                 1);
	}
	if (params->padding == RSA_PKCS1_OAEP_PADDING) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_oaep_md(ctx, params->md),
		                 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, params->mgf),
		                 1);
		if (params->label_length > 0) {
			void *label = OPENSSL_memdup(params->label,
			                             params->label_length);
			assert_non_null(label);
			assert_int_equal(
			        EVP_PKEY_CTX_set0_rsa_oaep_label(
			                ctx, label, (int)params->label_length),
			        1);
		}
	}
}

bool rsa_ossl_verify(EVP_PKEY *key, const rsa_ossl_params *params,
                     const void *input, size_t length, const CK_BYTE *sig,
                     size_t sig_length)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	assert_non_null(ctx);
	bool ok;
	if (params->padding == RSA_NO_PADDING) {
		/* Raw RSA: the recovered block, the input left-padded. */
		CK_BYTE recovered[RSA_MAX_BYTES], expected[RSA_MAX_BYTES];
		size_t n = sizeof(recovered);
		assert_int_equal(EVP_PKEY_verify_recover_init(ctx), 1);
		configure(ctx, params, false);
		ok = EVP_PKEY_verify_recover(ctx, recovered, &n, sig,
		                             sig_length) == 1 &&
		     n >= length;
		if (ok) {
			memset(expected, 0, n - length);
			memcpy(expected + n - length, input, length);
			ok = memcmp(recovered, expected, n) == 0;
		}
	} else {
		assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
		configure(ctx, params, true);
		ok = EVP_PKEY_verify(ctx, sig, sig_length, input, length) == 1;
	}
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

size_t rsa_ossl_sign(EVP_PKEY *key, const rsa_ossl_params *params,
                     const void *input, size_t length, CK_BYTE *sig)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	configure(ctx, params, true);
	size_t n = RSA_MAX_BYTES;
	assert_int_equal(EVP_PKEY_sign(ctx, sig, &n, input, length), 1);
	EVP_PKEY_CTX_free(ctx);
	return n;
}

size_t rsa_ossl_encrypt(EVP_PKEY *key, const rsa_ossl_params *params,
                        const void *input, size_t length, CK_BYTE *out)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_encrypt_init(ctx), 1);
	configure(ctx, params, false);
	size_t n = RSA_MAX_BYTES;
	assert_int_equal(EVP_PKEY_encrypt(ctx, out, &n, input, length), 1);
	EVP_PKEY_CTX_free(ctx);
	return n;
}

size_t rsa_ossl_decrypt(EVP_PKEY *key, const rsa_ossl_params *params,
                        const void *input, size_t length, CK_BYTE *out)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_decrypt_init(ctx), 1);
	configure(ctx, params, false);
	size_t n = RSA_MAX_BYTES;
	int ok = EVP_PKEY_decrypt(ctx, out, &n, input, length);
	EVP_PKEY_CTX_free(ctx);
	return ok == 1 ? n : (size_t)-1;
}

size_t rsa_digest(const EVP_MD *md, const void *data, size_t length,
                  CK_BYTE *out)
{
	unsigned int n = 0;
	assert_int_equal(EVP_Digest(data, length, out, &n, md, NULL), 1);
	return n;
}

bool rsa_implicit_rejection(void)
{
	return OpenSSL_version_num() >= 0x30200000UL;
}

/* ---- Token operations ------------------------------------------------- */

CK_ULONG rsa_sign_one(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                      CK_OBJECT_HANDLE key, const void *data, size_t length,
                      CK_BYTE *sig)
{
	OK(p11->C_SignInit(s, m, key));
	CK_ULONG n = RSA_MAX_BYTES;
	OK(p11->C_Sign(s, (CK_BYTE_PTR)data, length, sig, &n));
	return n;
}

CK_ULONG rsa_sign_multi(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                        CK_OBJECT_HANDLE key, const void *data, size_t length,
                        CK_BYTE *sig)
{
	const CK_BYTE *p = data;
	size_t a = length / 3, b = length / 2;
	OK(p11->C_SignInit(s, m, key));
	OK(p11->C_SignUpdate(s, (CK_BYTE_PTR)p, a));
	OK(p11->C_SignUpdate(s, (CK_BYTE_PTR)p + a, b - a));
	OK(p11->C_SignUpdate(s, (CK_BYTE_PTR)p + b, length - b));
	CK_ULONG n = RSA_MAX_BYTES;
	OK(p11->C_SignFinal(s, sig, &n));
	return n;
}

CK_RV rsa_verify_rv(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE key,
                    const void *data, size_t length, const CK_BYTE *sig,
                    CK_ULONG sig_length)
{
	OK(p11->C_VerifyInit(s, m, key));
	return p11->C_Verify(s, (CK_BYTE_PTR)data, length, (CK_BYTE_PTR)sig,
	                     sig_length);
}

CK_RV rsa_verify_multi_rv(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                          CK_OBJECT_HANDLE key, const void *data, size_t length,
                          const CK_BYTE *sig, CK_ULONG sig_length)
{
	const CK_BYTE *p = data;
	size_t a = length / 2;
	OK(p11->C_VerifyInit(s, m, key));
	OK(p11->C_VerifyUpdate(s, (CK_BYTE_PTR)p, a));
	OK(p11->C_VerifyUpdate(s, (CK_BYTE_PTR)p + a, length - a));
	return p11->C_VerifyFinal(s, (CK_BYTE_PTR)sig, sig_length);
}

CK_ULONG rsa_encrypt_one(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                         CK_OBJECT_HANDLE key, const void *data, size_t length,
                         CK_BYTE *out)
{
	OK(p11->C_EncryptInit(s, m, key));
	CK_ULONG n = RSA_MAX_BYTES;
	OK(p11->C_Encrypt(s, (CK_BYTE_PTR)data, length, out, &n));
	return n;
}

CK_RV rsa_decrypt_rv(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE key,
                     const CK_BYTE *data, size_t length, CK_BYTE *out,
                     CK_ULONG *out_length)
{
	OK(p11->C_DecryptInit(s, m, key));
	*out_length = RSA_MAX_BYTES;
	return p11->C_Decrypt(s, (CK_BYTE_PTR)data, length, out, out_length);
}
