/* Helpers of the symmetric-mechanism integration tests (see
 * p11_symmetric.h). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_symmetric.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *s_rv_name(CK_RV rv)
{
	switch (rv) {
	case CKR_KEY_FUNCTION_NOT_PERMITTED:
		return "CKR_KEY_FUNCTION_NOT_PERMITTED";
	case CKR_ENCRYPTED_DATA_LEN_RANGE:
		return "CKR_ENCRYPTED_DATA_LEN_RANGE";
	case CKR_KEY_NOT_WRAPPABLE:
		return "CKR_KEY_NOT_WRAPPABLE";
	case CKR_KEY_UNEXTRACTABLE:
		return "CKR_KEY_UNEXTRACTABLE";
	case CKR_WRAPPED_KEY_INVALID:
		return "CKR_WRAPPED_KEY_INVALID";
	case CKR_WRAPPED_KEY_LEN_RANGE:
		return "CKR_WRAPPED_KEY_LEN_RANGE";
	case CKR_WRAPPING_KEY_HANDLE_INVALID:
		return "CKR_WRAPPING_KEY_HANDLE_INVALID";
	case CKR_WRAPPING_KEY_SIZE_RANGE:
		return "CKR_WRAPPING_KEY_SIZE_RANGE";
	case CKR_WRAPPING_KEY_TYPE_INCONSISTENT:
		return "CKR_WRAPPING_KEY_TYPE_INCONSISTENT";
	case CKR_UNWRAPPING_KEY_HANDLE_INVALID:
		return "CKR_UNWRAPPING_KEY_HANDLE_INVALID";
	case CKR_UNWRAPPING_KEY_SIZE_RANGE:
		return "CKR_UNWRAPPING_KEY_SIZE_RANGE";
	case CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT:
		return "CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT";
	case CKR_SIGNATURE_INVALID:
		return "CKR_SIGNATURE_INVALID";
	case CKR_SIGNATURE_LEN_RANGE:
		return "CKR_SIGNATURE_LEN_RANGE";
	case CKR_KEY_NEEDED:
		return "CKR_KEY_NEEDED";
	default:
		return h_rv_name(rv);
	}
}

CK_SESSION_HANDLE s_user_session(void)
{
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	return s;
}

size_t s_unhex(const char *hex, uint8_t *out, size_t size)
{
	size_t n = strlen(hex) / 2;
	assert_true(strlen(hex) % 2 == 0 && n <= size);
	for (size_t i = 0; i < n; i++) {
		unsigned int byte;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
		out[i] = (uint8_t)byte;
	}
	return n;
}

void s_fill(uint8_t *out, size_t length, unsigned seed)
{
	uint32_t x = 0x9e3779b9u * (seed + 1);
	for (size_t i = 0; i < length; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		out[i] = (uint8_t)(x >> 11);
	}
}

CK_RV s_import_key_rv(CK_SESSION_HANDLE s, CK_KEY_TYPE type, const void *value,
                      size_t length, const CK_ATTRIBUTE *extra,
                      CK_ULONG extra_count, CK_OBJECT_HANDLE *key)
{
	static CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE key_type = type;
	CK_ATTRIBUTE template[32] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_KEY_TYPE, key_type),
	        H_ATTR_VAR(CKA_TOKEN, h_false),
	        H_ATTR_VAR(CKA_SENSITIVE, h_false),
	        H_ATTR_VAR(CKA_EXTRACTABLE, h_true),
	        H_ATTR_VAR(CKA_ENCRYPT, h_true),
	        H_ATTR_VAR(CKA_DECRYPT, h_true),
	        H_ATTR_VAR(CKA_WRAP, h_true),
	        H_ATTR_VAR(CKA_UNWRAP, h_true),
	        H_ATTR_VAR(CKA_SIGN, h_true),
	        H_ATTR_VAR(CKA_VERIFY, h_true),
	        H_ATTR_STR(CKA_LABEL, "symmetric test key"),
	        H_ATTR(CKA_VALUE, value, length),
	};
	CK_ULONG count = 13;
	for (CK_ULONG i = 0; i < extra_count; i++) {
		CK_ULONG j;
		for (j = 0; j < count; j++)
			if (template[j].type == extra[i].type)
				break;
		if (j == count) {
			assert_true(count < H_ARRAY_SIZE(template));
			count++;
		}
		template[j] = extra[i];
	}
	*key = CK_INVALID_HANDLE;
	return p11->C_CreateObject(s, template, count, key);
}

CK_OBJECT_HANDLE s_import_key(CK_SESSION_HANDLE s, CK_KEY_TYPE type,
                              const void *value, size_t length)
{
	CK_OBJECT_HANDLE key;
	OK(s_import_key_rv(s, type, value, length, NULL, 0, &key));
	assert_true(key != CK_INVALID_HANDLE);
	return key;
}

size_t s_key_value(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, uint8_t *out,
                   size_t size)
{
	CK_ATTRIBUTE attribute = H_ATTR(CKA_VALUE, out, size);
	OK(p11->C_GetAttributeValue(s, key, &attribute, 1));
	return attribute.ulValueLen;
}

/* ---- Mechanism parameters ------------------------------------------- */

void s_mech_plain(s_mechanism *m, CK_MECHANISM_TYPE type)
{
	memset(m, 0, sizeof(*m));
	m->mechanism.mechanism = type;
}

void s_mech_cbc(s_mechanism *m, CK_MECHANISM_TYPE type, const uint8_t iv[16])
{
	s_mech_plain(m, type);
	memcpy(m->params.iv, iv, 16);
	m->mechanism.pParameter = m->params.iv;
	m->mechanism.ulParameterLen = 16;
}

void s_mech_ctr(s_mechanism *m, const uint8_t block[16], CK_ULONG bits)
{
	s_mech_plain(m, CKM_AES_CTR);
	m->params.ctr.ulCounterBits = bits;
	memcpy(m->params.ctr.cb, block, 16);
	m->mechanism.pParameter = &m->params.ctr;
	m->mechanism.ulParameterLen = sizeof(m->params.ctr);
}

void s_mech_gcm(s_mechanism *m, const uint8_t *iv, size_t iv_length,
                const uint8_t *aad, size_t aad_length, CK_ULONG tag_bits)
{
	s_mech_plain(m, CKM_AES_GCM);
	m->params.gcm.pIv = (CK_BYTE_PTR)iv;
	m->params.gcm.ulIvLen = iv_length;
	m->params.gcm.ulIvBits = iv_length * 8;
	m->params.gcm.pAAD = (CK_BYTE_PTR)aad;
	m->params.gcm.ulAADLen = aad_length;
	m->params.gcm.ulTagBits = tag_bits;
	m->mechanism.pParameter = &m->params.gcm;
	m->mechanism.ulParameterLen = sizeof(m->params.gcm);
}

void s_mech_ccm(s_mechanism *m, CK_ULONG data_length, const uint8_t *nonce,
                size_t nonce_length, const uint8_t *aad, size_t aad_length,
                CK_ULONG tag_length)
{
	s_mech_plain(m, CKM_AES_CCM);
	m->params.ccm.ulDataLen = data_length;
	m->params.ccm.pNonce = (CK_BYTE_PTR)nonce;
	m->params.ccm.ulNonceLen = nonce_length;
	m->params.ccm.pAAD = (CK_BYTE_PTR)aad;
	m->params.ccm.ulAADLen = aad_length;
	m->params.ccm.ulMACLen = tag_length;
	m->mechanism.pParameter = &m->params.ccm;
	m->mechanism.ulParameterLen = sizeof(m->params.ccm);
}

void s_mech_chacha(s_mechanism *m, const uint8_t *nonce, size_t nonce_length,
                   const uint8_t *aad, size_t aad_length)
{
	s_mech_plain(m, CKM_CHACHA20_POLY1305);
	m->params.chacha.pNonce = (CK_BYTE_PTR)nonce;
	m->params.chacha.ulNonceLen = nonce_length;
	m->params.chacha.pAAD = (CK_BYTE_PTR)aad;
	m->params.chacha.ulAADLen = aad_length;
	m->mechanism.pParameter = &m->params.chacha;
	m->mechanism.ulParameterLen = sizeof(m->params.chacha);
}

/* ---- The token ------------------------------------------------------- */

static CK_RV single(CK_SESSION_HANDLE s, bool encrypting, CK_MECHANISM *m,
                    CK_OBJECT_HANDLE key, const uint8_t *in, size_t length,
                    uint8_t *out, size_t *out_length)
{
	CK_ULONG n = *out_length;
	CK_RV rv;
	if (encrypting) {
		OK(p11->C_EncryptInit(s, m, key));
		rv = p11->C_Encrypt(s, (CK_BYTE_PTR)in, length, out, &n);
	} else {
		OK(p11->C_DecryptInit(s, m, key));
		rv = p11->C_Decrypt(s, (CK_BYTE_PTR)in, length, out, &n);
	}
	*out_length = n;
	return rv;
}

CK_RV s_encrypt(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE key,
                const uint8_t *in, size_t length, uint8_t *out,
                size_t *out_length)
{
	return single(s, true, m, key, in, length, out, out_length);
}

CK_RV s_decrypt(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE key,
                const uint8_t *in, size_t length, uint8_t *out,
                size_t *out_length)
{
	return single(s, false, m, key, in, length, out, out_length);
}

CK_RV s_crypt_parts(CK_SESSION_HANDLE s, bool encrypting, CK_MECHANISM *m,
                    CK_OBJECT_HANDLE key, const uint8_t *in, size_t length,
                    const size_t *splits, size_t split_count, uint8_t *out,
                    size_t *out_length)
{
	if (encrypting)
		OK(p11->C_EncryptInit(s, m, key));
	else
		OK(p11->C_DecryptInit(s, m, key));
	size_t done = 0, written = 0, capacity = *out_length;
	CK_RV rv = CKR_OK;
	for (size_t i = 0; done < length || i == 0; i++) {
		size_t part = splits[i % split_count];
		if (part > length - done)
			part = length - done;
		CK_ULONG n = capacity - written;
		/* An empty part still gets a valid pointer, as clients do. */
		CK_BYTE_PTR data = (CK_BYTE_PTR)in + done;
		rv = encrypting ? p11->C_EncryptUpdate(s, data, part,
		                                       out + written, &n)
		                : p11->C_DecryptUpdate(s, data, part,
		                                       out + written, &n);
		if (rv != CKR_OK) {
			*out_length = written;
			return rv;
		}
		assert_true(n <= capacity - written);
		written += n;
		done += part;
	}
	CK_ULONG n = capacity - written;
	rv = encrypting ? p11->C_EncryptFinal(s, out + written, &n)
	                : p11->C_DecryptFinal(s, out + written, &n);
	if (rv == CKR_OK) {
		assert_true(n <= capacity - written);
		written += n;
	}
	*out_length = written;
	return rv;
}

/* ---- OpenSSL --------------------------------------------------------- */

const char *o_aes_name(size_t key_length, const char *mode)
{
	static _Thread_local char name[32];
	snprintf(name, sizeof(name), "AES-%zu-%s", key_length * 8, mode);
	return name;
}

size_t o_cipher(const char *name, bool encrypting, bool padding,
                const uint8_t *key, const uint8_t *iv, const uint8_t *in,
                size_t length, uint8_t *out)
{
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, name, NULL);
	if (cipher == NULL)
		fail_msg("OpenSSL has no %s", name);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(
	        EVP_CipherInit_ex2(ctx, cipher, key, iv, encrypting, NULL), 1);
	assert_int_equal(EVP_CIPHER_CTX_set_padding(ctx, padding), 1);
	int n = 0, m = 0;
	assert_int_equal(EVP_CipherUpdate(ctx, out, &n, in, (int)length), 1);
	assert_int_equal(EVP_CipherFinal_ex(ctx, out + n, &m), 1);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	return (size_t)n + (size_t)m;
}

size_t o_aead_encrypt(o_aead_kind kind, const uint8_t *key, size_t key_length,
                      const uint8_t *iv, size_t iv_length, const uint8_t *aad,
                      size_t aad_length, size_t tag_length, const uint8_t *in,
                      size_t length, uint8_t *out)
{
	const char *name =
	        kind == O_CHACHA
	                ? "ChaCha20-Poly1305"
	                : o_aes_name(key_length, kind == O_GCM ? "GCM" : "CCM");
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, name, NULL);
	if (cipher == NULL)
		fail_msg("OpenSSL has no %s", name);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(EVP_EncryptInit_ex2(ctx, cipher, NULL, NULL, NULL), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN,
	                                     (int)iv_length, NULL),
	                 1);
	if (kind == O_CCM)
		assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
		                                     (int)tag_length, NULL),
		                 1);
	assert_int_equal(EVP_EncryptInit_ex2(ctx, NULL, key, iv, NULL), 1);
	int n = 0;
	if (kind == O_CCM) /* CCM needs the total length first */
		assert_int_equal(
		        EVP_EncryptUpdate(ctx, NULL, &n, NULL, (int)length), 1);
	if (aad_length > 0)
		assert_int_equal(
		        EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aad_length),
		        1);
	n = 0;
	/* CCM's update must run even for no data (it computes the tag). */
	static const uint8_t empty[1];
	assert_int_equal(EVP_EncryptUpdate(ctx, out, &n, length ? in : empty,
	                                   (int)length),
	                 1);
	int m = 0;
	assert_int_equal(EVP_EncryptFinal_ex(ctx, out + n, &m), 1);
	size_t total = (size_t)n + (size_t)m;
	assert_int_equal(total, length);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
	                                     (int)tag_length, out + total),
	                 1);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	return total + tag_length;
}

size_t o_wrap(const uint8_t *key, size_t key_length, bool pad,
              const uint8_t *in, size_t length, uint8_t *out)
{
	const char *name = o_aes_name(key_length, pad ? "WRAP-PAD" : "WRAP");
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, name, NULL);
	if (cipher == NULL)
		fail_msg("OpenSSL has no %s", name);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	assert_non_null(ctx);
	EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	assert_int_equal(EVP_EncryptInit_ex2(ctx, cipher, key, NULL, NULL), 1);
	int n = 0, m = 0;
	assert_int_equal(EVP_EncryptUpdate(ctx, out, &n, in, (int)length), 1);
	assert_int_equal(EVP_EncryptFinal_ex(ctx, out + n, &m), 1);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	return (size_t)n + (size_t)m;
}

size_t o_unwrap(const uint8_t *key, size_t key_length, bool pad,
                const uint8_t *in, size_t length, uint8_t *out)
{
	const char *name = o_aes_name(key_length, pad ? "WRAP-PAD" : "WRAP");
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, name, NULL);
	if (cipher == NULL)
		fail_msg("OpenSSL has no %s", name);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	assert_non_null(ctx);
	EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	assert_int_equal(EVP_DecryptInit_ex2(ctx, cipher, key, NULL, NULL), 1);
	int n = 0, m = 0;
	if (EVP_DecryptUpdate(ctx, out, &n, in, (int)length) != 1 ||
	    EVP_DecryptFinal_ex(ctx, out + n, &m) != 1)
		fail_msg("OpenSSL's %s refused %zu wrapped bytes", name,
		         length);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	return (size_t)n + (size_t)m;
}

size_t o_aead_decrypt(o_aead_kind kind, const uint8_t *key, size_t key_length,
                      const uint8_t *iv, size_t iv_length, const uint8_t *aad,
                      size_t aad_length, size_t tag_length, const uint8_t *in,
                      size_t length, uint8_t *out)
{
	assert_true(kind != O_CCM && length >= tag_length);
	const char *name = kind == O_CHACHA ? "ChaCha20-Poly1305"
	                                    : o_aes_name(key_length, "GCM");
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, name, NULL);
	if (cipher == NULL)
		fail_msg("OpenSSL has no %s", name);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	assert_non_null(ctx);
	size_t data = length - tag_length;
	assert_int_equal(EVP_DecryptInit_ex2(ctx, cipher, NULL, NULL, NULL), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN,
	                                     (int)iv_length, NULL),
	                 1);
	assert_int_equal(EVP_DecryptInit_ex2(ctx, NULL, key, iv, NULL), 1);
	int n = 0, m = 0;
	if (aad_length > 0)
		assert_int_equal(
		        EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_length),
		        1);
	assert_int_equal(EVP_DecryptUpdate(ctx, out, &n, in, (int)data), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
	                                     (int)tag_length,
	                                     (void *)(in + data)),
	                 1);
	if (EVP_DecryptFinal_ex(ctx, out + n, &m) != 1)
		fail_msg("OpenSSL's %s: the tag does not verify", name);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	return (size_t)n + (size_t)m;
}

void o_cmac(const uint8_t *key, size_t key_length, const uint8_t *message,
            size_t length, uint8_t mac[16])
{
	EVP_MAC *cmac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	assert_non_null(cmac);
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(cmac);
	assert_non_null(ctx);
	char cipher[32];
	snprintf(cipher, sizeof(cipher), "AES-%zu-CBC", key_length * 8);
	OSSL_PARAM params[] = {
	        OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
	        OSSL_PARAM_END,
	};
	assert_int_equal(EVP_MAC_init(ctx, key, key_length, params), 1);
	assert_int_equal(EVP_MAC_update(ctx, message, length), 1);
	size_t n = 0;
	assert_int_equal(EVP_MAC_final(ctx, mac, &n, 16), 1);
	assert_int_equal(n, 16);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(cmac);
}

void s_same(const char *what, const uint8_t *got, size_t got_length,
            const uint8_t *expected, size_t expected_length)
{
	if (got_length == expected_length &&
	    (got_length == 0 || memcmp(got, expected, got_length) == 0))
		return;
	char g[129], e[129];
	snprintf(g, sizeof(g), "%s",
	         h_hex(got, got_length < 64 ? got_length : 64));
	snprintf(e, sizeof(e), "%s",
	         h_hex(expected, expected_length < 64 ? expected_length : 64));
	fail_msg("%s: got %zu bytes %s..., expected %zu bytes %s...", what,
	         got_length, g, expected_length, e);
}
