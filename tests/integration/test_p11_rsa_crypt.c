/* RSA encryption and decryption through the module's ABI, checked
 * against OpenSSL (linked here): CKM_RSA_PKCS, CKM_RSA_PKCS_OAEP (SHA-1
 * to SHA-512, MGF1 with another hash, with and without a label) and
 * CKM_RSA_X_509, each way round (token encrypts and OpenSSL decrypts,
 * OpenSSL encrypts and the token decrypts); bad and wrongly sized
 * ciphertexts, too long plaintexts, OAEP parameters, key kinds and usage,
 * and the length-query protocol of C_Encrypt and C_Decrypt.
 * Import, wrapping, CKA_ALWAYS_AUTHENTICATE, C_CopyObject:
 * test_p11_rsa_keys.c. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"
#include "p11_rsa_common.h"

#include <openssl/rsa.h>

#include <stdlib.h>
#include <string.h>

static CK_BYTE plain[RSA_BYTES];

static void fill_plain(void)
{
	for (size_t i = 0; i < sizeof(plain); i++)
		plain[i] = (CK_BYTE)(0x3c + i * 11);
	plain[0] = 0x00; /* a raw block below any 2048-bit modulus */
}

/* A ciphertext that does not decrypt: CKR_ENCRYPTED_DATA_INVALID, or
 * under implicit rejection (PKCS#1 v1.5, OpenSSL 3.2+) anything but the
 * original plaintext. */
static void check_bad_decrypt(CK_RV rv, const CK_MECHANISM *m,
                              const CK_BYTE *out, CK_ULONG n,
                              const CK_BYTE *original, size_t length,
                              const char *what)
{
	if (rv == CKR_OK && m->mechanism == CKM_RSA_PKCS &&
	    rsa_implicit_rejection()) {
		if (n == length && memcmp(out, original, length) == 0)
			fail_msg("%s: decrypts to the original", what);
		return;
	}
	if (rv != CKR_ENCRYPTED_DATA_INVALID)
		fail_msg("%s: %s, expected CKR_ENCRYPTED_DATA_INVALID", what,
		         rsa_rv_name(rv));
}

/* The token decrypts ciphertext into exactly expected. */
static void check_decrypts(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                           CK_OBJECT_HANDLE key, const CK_BYTE *ciphertext,
                           size_t length, const CK_BYTE *expected,
                           size_t expected_length, const char *what)
{
	CK_BYTE out[RSA_MAX_BYTES];
	CK_ULONG n;
	CK_RV rv = rsa_decrypt_rv(s, m, key, ciphertext, length, out, &n);
	if (rv != CKR_OK)
		fail_msg("%s: C_Decrypt %s", what, rsa_rv_name(rv));
	if (n != expected_length || memcmp(out, expected, n) != 0)
		fail_msg("%s: decrypted %lu bytes %s, expected %zu", what,
		         (unsigned long)n, h_hex(out, n < 32 ? n : 32),
		         expected_length);
}

/* ===================================================================== */
/* PKCS#1 v1.5                                                             */
/* ===================================================================== */

static void test_encrypt_pkcs1(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	fill_plain();
	CK_MECHANISM m = {CKM_RSA_PKCS, NULL, 0};
	rsa_ossl_params params = {RSA_PKCS1_PADDING, NULL, NULL, 0, NULL, 0};
	EVP_PKEY *gen = rsa_token_public(k.s, k.gen_pub);
	CK_BYTE c1[RSA_MAX_BYTES], c2[RSA_MAX_BYTES], out[RSA_MAX_BYTES];
	size_t lengths[] = {0, 1, 16, 32, RSA_BYTES - 11};
	for (size_t i = 0; i < H_ARRAY_SIZE(lengths); i++) {
		size_t l = lengths[i];
		char what[64];
		snprintf(what, sizeof(what), "PKCS#1 v1.5, %zu bytes", l);
		/* Token encrypts, OpenSSL decrypts. */
		CK_ULONG n =
		        rsa_encrypt_one(k.s, &m, k.ossl_pub, plain + 1, l, c1);
		assert_int_equal(n, RSA_BYTES);
		size_t d = rsa_ossl_decrypt(rsa_ossl_key, &params, c1, n, out);
		if (d != l || memcmp(out, plain + 1, l) != 0)
			fail_msg("%s: OpenSSL decrypts %zd bytes", what,
			         (ssize_t)d);
		/* Randomised padding. */
		CK_ULONG n2 =
		        rsa_encrypt_one(k.s, &m, k.ossl_pub, plain + 1, l, c2);
		assert_int_equal(n2, RSA_BYTES);
		assert_true(memcmp(c1, c2, n) != 0);
		/* The token decrypts its own and OpenSSL's. */
		check_decrypts(k.s, &m, k.ossl_priv, c2, n2, plain + 1, l,
		               what);
		size_t on = rsa_ossl_encrypt(gen, &params, plain + 1, l, c1);
		assert_int_equal(on, RSA_BYTES);
		check_decrypts(k.s, &m, k.gen_priv, c1, on, plain + 1, l, what);
	}
	/* k - 10 bytes do not fit. */
	OK(p11->C_EncryptInit(k.s, &m, k.gen_pub));
	CK_ULONG n = sizeof(c1);
	RV(p11->C_Encrypt(k.s, plain, RSA_BYTES - 10, c1, &n),
	   CKR_DATA_LEN_RANGE);
	n = sizeof(c1);
	RV(p11->C_Encrypt(k.s, plain, 10, c1, &n),
	   CKR_OPERATION_NOT_INITIALIZED);
	EVP_PKEY_free(gen);
}

/* ===================================================================== */
/* OAEP                                                                    */
/* ===================================================================== */

typedef struct oaep_case {
	CK_MECHANISM_TYPE hash;
	CK_RSA_PKCS_MGF_TYPE mgf;
	const char *label;
	const EVP_MD *(*md)(void);
	const EVP_MD *(*mgf_md)(void);
	size_t hash_length;
} oaep_case;

static const oaep_case oaep_cases[] = {
        {CKM_SHA_1, CKG_MGF1_SHA1, NULL, EVP_sha1, EVP_sha1, 20},
        {CKM_SHA_1, CKG_MGF1_SHA1, "a label", EVP_sha1, EVP_sha1, 20},
        {CKM_SHA224, CKG_MGF1_SHA224, NULL, EVP_sha224, EVP_sha224, 28},
        {CKM_SHA256, CKG_MGF1_SHA256, NULL, EVP_sha256, EVP_sha256, 32},
        {CKM_SHA256, CKG_MGF1_SHA256, "label for SHA-256", EVP_sha256,
         EVP_sha256, 32},
        {CKM_SHA256, CKG_MGF1_SHA1, "MGF1 with SHA-1", EVP_sha256, EVP_sha1,
         32},
        {CKM_SHA_1, CKG_MGF1_SHA256, NULL, EVP_sha1, EVP_sha256, 20},
        {CKM_SHA384, CKG_MGF1_SHA384, "384", EVP_sha384, EVP_sha384, 48},
        {CKM_SHA512, CKG_MGF1_SHA256, NULL, EVP_sha512, EVP_sha256, 64},
        {CKM_SHA512, CKG_MGF1_SHA512, "the longest hash", EVP_sha512,
         EVP_sha512, 64},
};

static CK_RSA_PKCS_OAEP_PARAMS oaep_params(const oaep_case *c)
{
	CK_RSA_PKCS_OAEP_PARAMS p = {c->hash, c->mgf, CKZ_DATA_SPECIFIED,
	                             (void *)c->label,
	                             c->label ? strlen(c->label) : 0};
	return p;
}

static rsa_ossl_params oaep_ossl(const oaep_case *c)
{
	rsa_ossl_params p = {RSA_PKCS1_OAEP_PADDING,
	                     c->md(),
	                     c->mgf_md(),
	                     0,
	                     (const CK_BYTE *)c->label,
	                     c->label ? strlen(c->label) : 0};
	return p;
}

static void test_encrypt_oaep(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	fill_plain();
	EVP_PKEY *gen = rsa_token_public(k.s, k.gen_pub);
	CK_BYTE c[RSA_MAX_BYTES], out[RSA_MAX_BYTES];
	for (size_t i = 0; i < H_ARRAY_SIZE(oaep_cases); i++) {
		const oaep_case *oc = &oaep_cases[i];
		CK_RSA_PKCS_OAEP_PARAMS p = oaep_params(oc);
		CK_MECHANISM m = {CKM_RSA_PKCS_OAEP, &p, sizeof(p)};
		rsa_ossl_params params = oaep_ossl(oc);
		size_t max = RSA_BYTES - 2 * oc->hash_length - 2;
		size_t lengths[] = {0, 32, max};
		for (size_t j = 0; j < H_ARRAY_SIZE(lengths); j++) {
			size_t l = lengths[j];
			char what[96];
			snprintf(what, sizeof(what),
			         "OAEP case %zu (label %s), %zu bytes", i,
			         oc->label ? oc->label : "none", l);
			CK_ULONG n = rsa_encrypt_one(k.s, &m, k.ossl_pub,
			                             plain + 1, l, c);
			assert_int_equal(n, RSA_BYTES);
			size_t d = rsa_ossl_decrypt(rsa_ossl_key, &params, c, n,
			                            out);
			if (d != l || memcmp(out, plain + 1, l) != 0)
				fail_msg("%s: OpenSSL decrypts %zd bytes", what,
				         (ssize_t)d);
			check_decrypts(k.s, &m, k.ossl_priv, c, n, plain + 1, l,
			               what);
			size_t on =
			        rsa_ossl_encrypt(gen, &params, plain + 1, l, c);
			check_decrypts(k.s, &m, k.gen_priv, c, on, plain + 1, l,
			               what);
		}
		/* One byte more than fits. */
		OK(p11->C_EncryptInit(k.s, &m, k.gen_pub));
		CK_ULONG n = sizeof(c);
		RV(p11->C_Encrypt(k.s, plain, max + 1, c, &n),
		   CKR_DATA_LEN_RANGE);
		/* Another label or hash does not decrypt. */
		n = rsa_encrypt_one(k.s, &m, k.gen_pub, plain, 20, c);
		CK_RSA_PKCS_OAEP_PARAMS other = p;
		other.source_data = (void *)"another label";
		other.source_data_len = 13;
		CK_MECHANISM wrong = {CKM_RSA_PKCS_OAEP, &other, sizeof(other)};
		CK_ULONG on;
		RV(rsa_decrypt_rv(k.s, &wrong, k.gen_priv, c, n, out, &on),
		   CKR_ENCRYPTED_DATA_INVALID);
		other = p;
		other.hash_alg =
		        oc->hash == CKM_SHA256 ? CKM_SHA384 : CKM_SHA256;
		RV(rsa_decrypt_rv(k.s, &wrong, k.gen_priv, c, n, out, &on),
		   CKR_ENCRYPTED_DATA_INVALID);
		check_decrypts(k.s, &m, k.gen_priv, c, n, plain, 20, "again");
	}
	/* CKZ_DATA_SPECIFIED with no data is no label; so is source 0. */
	CK_RSA_PKCS_OAEP_PARAMS empty = {CKM_SHA256, CKG_MGF1_SHA256,
	                                 CKZ_DATA_SPECIFIED, NULL, 0};
	CK_RSA_PKCS_OAEP_PARAMS none = {CKM_SHA256, CKG_MGF1_SHA256, 0, NULL,
	                                0};
	CK_MECHANISM m1 = {CKM_RSA_PKCS_OAEP, &empty, sizeof(empty)};
	CK_MECHANISM m2 = {CKM_RSA_PKCS_OAEP, &none, sizeof(none)};
	CK_ULONG n = rsa_encrypt_one(k.s, &m1, k.ossl_pub, plain, 40, c);
	check_decrypts(k.s, &m2, k.ossl_priv, c, n, plain, 40, "no label");
	rsa_ossl_params params = oaep_ossl(&oaep_cases[3]);
	size_t d = rsa_ossl_decrypt(rsa_ossl_key, &params, c, n, out);
	assert_int_equal(d, 40);
	assert_memory_equal(out, plain, 40);
	EVP_PKEY_free(gen);
}

static void test_oaep_parameters(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	CK_RSA_PKCS_OAEP_PARAMS good = {CKM_SHA256, CKG_MGF1_SHA256,
	                                CKZ_DATA_SPECIFIED, NULL, 0};
	struct {
		CK_RSA_PKCS_OAEP_PARAMS p;
		CK_ULONG length;
		bool null;
		const char *what;
	} bad[] = {
	        {good, 0, true, "no parameter"},
	        {good, sizeof(good), true, "NULL parameter"},
	        {good, sizeof(good) - 1, false, "too short"},
	        {good, sizeof(good) + 8, false, "too long"},
	        {{CKM_MD5, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0},
	         sizeof(good),
	         false,
	         "MD5"},
	        {{0x7777, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0},
	         sizeof(good),
	         false,
	         "unknown hash"},
	        {{CKM_SHA256, 0, CKZ_DATA_SPECIFIED, NULL, 0},
	         sizeof(good),
	         false,
	         "MGF 0"},
	        {{CKM_SHA256, 0x99, CKZ_DATA_SPECIFIED, NULL, 0},
	         sizeof(good),
	         false,
	         "unknown MGF"},
	        {{CKM_SHA256, CKG_MGF1_SHA256, 2, NULL, 0},
	         sizeof(good),
	         false,
	         "unknown source"},
	        {{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 5},
	         sizeof(good),
	         false,
	         "NULL label of 5 bytes"},
	};
	for (size_t i = 0; i < H_ARRAY_SIZE(bad); i++) {
		CK_MECHANISM m = {CKM_RSA_PKCS_OAEP,
		                  bad[i].null ? NULL : &bad[i].p,
		                  bad[i].length};
		CK_RV rv = p11->C_EncryptInit(k.s, &m, k.gen_pub);
		if (rv != CKR_MECHANISM_PARAM_INVALID)
			fail_msg("C_EncryptInit, OAEP parameter %s: %s",
			         bad[i].what, rsa_rv_name(rv));
		rv = p11->C_DecryptInit(k.s, &m, k.gen_priv);
		if (rv != CKR_MECHANISM_PARAM_INVALID)
			fail_msg("C_DecryptInit, OAEP parameter %s: %s",
			         bad[i].what, rsa_rv_name(rv));
	}
	/* Parameters where none belong. */
	CK_MECHANISM pkcs = {CKM_RSA_PKCS, &good, sizeof(good)};
	CK_MECHANISM raw = {CKM_RSA_X_509, &good, sizeof(good)};
	RV(p11->C_EncryptInit(k.s, &pkcs, k.gen_pub),
	   CKR_MECHANISM_PARAM_INVALID);
	RV(p11->C_DecryptInit(k.s, &raw, k.gen_priv),
	   CKR_MECHANISM_PARAM_INVALID);
	/* The label is copied at init: changing it afterwards has no
	 * effect. */
	char label[] = "copied label";
	CK_RSA_PKCS_OAEP_PARAMS p = {CKM_SHA256, CKG_MGF1_SHA256,
	                             CKZ_DATA_SPECIFIED, label, strlen(label)};
	CK_MECHANISM m = {CKM_RSA_PKCS_OAEP, &p, sizeof(p)};
	OK(p11->C_EncryptInit(k.s, &m, k.ossl_pub));
	label[0] = 'X';
	CK_BYTE c[RSA_MAX_BYTES], out[RSA_MAX_BYTES];
	CK_ULONG n = sizeof(c);
	OK(p11->C_Encrypt(k.s, (CK_BYTE_PTR) "data", 4, c, &n));
	label[0] = 'c';
	oaep_case oc = {CKM_SHA256, CKG_MGF1_SHA256, label,
	                EVP_sha256, EVP_sha256,      32};
	rsa_ossl_params params = oaep_ossl(&oc);
	assert_int_equal(rsa_ossl_decrypt(rsa_ossl_key, &params, c, n, out), 4);
}

/* ===================================================================== */
/* Raw RSA                                                                 */
/* ===================================================================== */

static void test_encrypt_x509(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	fill_plain();
	CK_MECHANISM m = {CKM_RSA_X_509, NULL, 0};
	rsa_ossl_params raw = {RSA_NO_PADDING, NULL, NULL, 0, NULL, 0};
	CK_BYTE c[RSA_MAX_BYTES], ossl[RSA_MAX_BYTES], out[RSA_MAX_BYTES];

	/* A whole block: the same as OpenSSL's, and back. */
	CK_ULONG n = rsa_encrypt_one(k.s, &m, k.ossl_pub, plain, RSA_BYTES, c);
	assert_int_equal(n, RSA_BYTES);
	size_t on =
	        rsa_ossl_encrypt(rsa_ossl_key, &raw, plain, RSA_BYTES, ossl);
	assert_int_equal(on, n);
	assert_memory_equal(c, ossl, n);
	assert_int_equal(rsa_ossl_decrypt(rsa_ossl_key, &raw, c, n, out),
	                 RSA_BYTES);
	assert_memory_equal(out, plain, RSA_BYTES);
	/* Decryption gives the whole k-byte block, leading zero included. */
	check_decrypts(k.s, &m, k.ossl_priv, c, n, plain, RSA_BYTES,
	               "X.509 block");

	/* A short input is a number: left-padded with zeros. */
	CK_BYTE padded[RSA_BYTES] = {0};
	memcpy(padded + RSA_BYTES - 10, plain + 50, 10);
	n = rsa_encrypt_one(k.s, &m, k.ossl_pub, plain + 50, 10, c);
	assert_int_equal(rsa_ossl_decrypt(rsa_ossl_key, &raw, c, n, out),
	                 RSA_BYTES);
	assert_memory_equal(out, padded, RSA_BYTES);
	check_decrypts(k.s, &m, k.ossl_priv, c, n, padded, RSA_BYTES,
	               "X.509 short input");

	/* The generated key: OpenSSL encrypts, the token decrypts. */
	EVP_PKEY *gen = rsa_token_public(k.s, k.gen_pub);
	on = rsa_ossl_encrypt(gen, &raw, plain, RSA_BYTES, ossl);
	check_decrypts(k.s, &m, k.gen_priv, ossl, on, plain, RSA_BYTES,
	               "X.509, generated key");
	EVP_PKEY_free(gen);

	/* Not below the modulus, or longer than it. */
	CK_BYTE ones[RSA_BYTES + 1];
	memset(ones, 0xff, sizeof(ones));
	OK(p11->C_EncryptInit(k.s, &m, k.gen_pub));
	n = sizeof(c);
	RV(p11->C_Encrypt(k.s, ones, RSA_BYTES, c, &n), CKR_DATA_LEN_RANGE);
	OK(p11->C_EncryptInit(k.s, &m, k.gen_pub));
	n = sizeof(c);
	RV(p11->C_Encrypt(k.s, ones, RSA_BYTES + 1, c, &n), CKR_DATA_LEN_RANGE);
	RV(rsa_decrypt_rv(k.s, &m, k.gen_priv, ones, RSA_BYTES, out, &n),
	   CKR_ENCRYPTED_DATA_INVALID);
}

/* ===================================================================== */
/* Errors                                                                  */
/* ===================================================================== */

static void test_decrypt_errors(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	fill_plain();
	CK_RSA_PKCS_OAEP_PARAMS p = {CKM_SHA256, CKG_MGF1_SHA256,
	                             CKZ_DATA_SPECIFIED, NULL, 0};
	CK_MECHANISM kinds[] = {{CKM_RSA_PKCS, NULL, 0},
	                        {CKM_RSA_PKCS_OAEP, &p, sizeof(p)}};
	CK_BYTE c[RSA_MAX_BYTES + 1], out[RSA_MAX_BYTES];
	CK_ULONG n;
	for (size_t i = 0; i < H_ARRAY_SIZE(kinds); i++) {
		CK_MECHANISM *m = &kinds[i];
		CK_ULONG cn = rsa_encrypt_one(k.s, m, k.gen_pub, plain, 32, c);
		/* Any changed byte: bad padding. */
		size_t positions[] = {0, 1, 2, 100, RSA_BYTES - 1};
		for (size_t j = 0; j < H_ARRAY_SIZE(positions); j++) {
			c[positions[j]] ^= 0x04;
			CK_RV rv = rsa_decrypt_rv(k.s, m, k.gen_priv, c, cn,
			                          out, &n);
			char what[64];
			snprintf(what, sizeof(what),
			         "mechanism 0x%lx, byte %zu changed",
			         (unsigned long)m->mechanism, positions[j]);
			check_bad_decrypt(rv, m, out, n, plain, 32, what);
			c[positions[j]] ^= 0x04;
			/* The failure ended the operation. */
			n = sizeof(out);
			RV(p11->C_Decrypt(k.s, c, cn, out, &n),
			   CKR_OPERATION_NOT_INITIALIZED);
		}
		/* Zeros, and a value above the modulus. */
		CK_BYTE zeros[RSA_BYTES] = {0}, ones[RSA_BYTES];
		memset(ones, 0xff, sizeof(ones));
		check_bad_decrypt(rsa_decrypt_rv(k.s, m, k.gen_priv, zeros,
		                                 RSA_BYTES, out, &n),
		                  m, out, n, plain, 32, "zeros");
		RV(rsa_decrypt_rv(k.s, m, k.gen_priv, ones, RSA_BYTES, out, &n),
		   CKR_ENCRYPTED_DATA_INVALID);
		/* Not k bytes. */
		CK_ULONG wrong[] = {0, 1, RSA_BYTES - 1, RSA_BYTES + 1};
		for (size_t j = 0; j < H_ARRAY_SIZE(wrong); j++) {
			CK_RV rv = rsa_decrypt_rv(k.s, m, k.gen_priv, c,
			                          wrong[j], out, &n);
			if (rv != CKR_ENCRYPTED_DATA_LEN_RANGE)
				fail_msg("mechanism 0x%lx, %lu-byte "
				         "ciphertext: %s",
				         (unsigned long)m->mechanism,
				         (unsigned long)wrong[j],
				         rsa_rv_name(rv));
		}
		check_decrypts(k.s, m, k.gen_priv, c, cn, plain, 32, "intact");
	}
	CK_MECHANISM raw = {CKM_RSA_X_509, NULL, 0};
	RV(rsa_decrypt_rv(k.s, &raw, k.gen_priv, c, RSA_BYTES - 1, out, &n),
	   CKR_ENCRYPTED_DATA_LEN_RANGE);

	/* Single-part only. */
	OK(p11->C_EncryptInit(k.s, &kinds[1], k.gen_pub));
	n = sizeof(c);
	RV(p11->C_EncryptUpdate(k.s, plain, 10, c, &n),
	   CKR_FUNCTION_NOT_SUPPORTED);
	n = sizeof(c);
	RV(p11->C_Encrypt(k.s, plain, 10, c, &n),
	   CKR_OPERATION_NOT_INITIALIZED);
	OK(p11->C_DecryptInit(k.s, &kinds[0], k.gen_priv));
	n = sizeof(out);
	RV(p11->C_DecryptFinal(k.s, out, &n), CKR_FUNCTION_NOT_SUPPORTED);
	n = sizeof(out);
	RV(p11->C_Decrypt(k.s, c, RSA_BYTES, out, &n),
	   CKR_OPERATION_NOT_INITIALIZED);
}

static void test_encrypt_errors_keys(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	CK_MECHANISM m = {CKM_RSA_PKCS, NULL, 0};
	RV(p11->C_EncryptInit(k.s, &m, k.gen_priv), CKR_KEY_TYPE_INCONSISTENT);
	RV(p11->C_DecryptInit(k.s, &m, k.gen_pub), CKR_KEY_TYPE_INCONSISTENT);
	/* Mechanisms that do not encrypt. */
	CK_MECHANISM_TYPE not_encrypting[] = {
	        CKM_SHA256_RSA_PKCS, CKM_RSA_PKCS_PSS,
	        CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_SHA256, 0x7ffffff0UL};
	for (size_t i = 0; i < H_ARRAY_SIZE(not_encrypting); i++) {
		CK_MECHANISM other = {not_encrypting[i], NULL, 0};
		RV(p11->C_EncryptInit(k.s, &other, k.gen_pub),
		   CKR_MECHANISM_INVALID);
		RV(p11->C_DecryptInit(k.s, &other, k.gen_priv),
		   CKR_MECHANISM_INVALID);
	}
	/* An AES key with an RSA mechanism, an RSA key with an AES one. */
	CK_OBJECT_HANDLE aes;
	OK(h_create_aes_rv(k.s, false, true, true, false, "aes", &aes));
	RV(p11->C_EncryptInit(k.s, &m, aes), CKR_KEY_TYPE_INCONSISTENT);
	RV(p11->C_DecryptInit(k.s, &m, aes), CKR_KEY_TYPE_INCONSISTENT);
	CK_MECHANISM ecb = {CKM_AES_ECB, NULL, 0};
	RV(p11->C_EncryptInit(k.s, &ecb, k.gen_pub), CKR_KEY_TYPE_INCONSISTENT);
	RV(p11->C_DecryptInit(k.s, &ecb, k.gen_priv),
	   CKR_KEY_TYPE_INCONSISTENT);
	/* CKA_DECRYPT / CKA_ENCRYPT false. */
	CK_ATTRIBUTE no_decrypt[] = {H_ATTR_VAR(CKA_DECRYPT, h_false)};
	CK_OBJECT_HANDLE priv, pub;
	OK(rsa_import_private_rv(k.s, rsa_ossl_key, false, "no decrypt", 0, -1,
	                         no_decrypt, 1, &priv));
	RV(p11->C_DecryptInit(k.s, &m, priv), CKR_KEY_FUNCTION_NOT_PERMITTED);
	CK_ATTRIBUTE no_encrypt[] = {H_ATTR_VAR(CKA_ENCRYPT, h_false)};
	OK(rsa_import_public_rv(k.s, rsa_ossl_key, false, "no encrypt",
	                        no_encrypt, 1, &pub));
	RV(p11->C_EncryptInit(k.s, &m, pub), CKR_KEY_FUNCTION_NOT_PERMITTED);
	/* The same keys still sign and verify. */
	CK_MECHANISM sha = {CKM_SHA256_RSA_PKCS, NULL, 0};
	CK_BYTE sig[RSA_MAX_BYTES];
	CK_ULONG n = rsa_sign_one(k.s, &sha, priv, "x", 1, sig);
	OK(rsa_verify_rv(k.s, &sha, pub, "x", 1, sig, n));
	/* Operation state. */
	OK(p11->C_DecryptInit(k.s, &m, k.gen_priv));
	RV(p11->C_DecryptInit(k.s, &m, k.gen_priv), CKR_OPERATION_ACTIVE);
	CK_BYTE c[RSA_MAX_BYTES];
	n = sizeof(c);
	RV(p11->C_Decrypt(k.s, NULL, RSA_BYTES, c, &n), CKR_ARGUMENTS_BAD);
	n = sizeof(c);
	RV(p11->C_Encrypt(k.s, c, 4, c, &n), CKR_OPERATION_NOT_INITIALIZED);
}

/* The length queries: C_Encrypt gives k; C_Decrypt an upper bound, and
 * a short buffer the exact length, the operation kept for the retry. */
static void test_length_protocol(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	fill_plain();
	CK_RSA_PKCS_OAEP_PARAMS p = {CKM_SHA_1, CKG_MGF1_SHA1,
	                             CKZ_DATA_SPECIFIED, NULL, 0};
	CK_MECHANISM kinds[] = {{CKM_RSA_PKCS, NULL, 0},
	                        {CKM_RSA_PKCS_OAEP, &p, sizeof(p)}};
	for (size_t i = 0; i < H_ARRAY_SIZE(kinds); i++) {
		CK_MECHANISM *m = &kinds[i];
		CK_BYTE c[RSA_MAX_BYTES], out[RSA_MAX_BYTES];
		const CK_ULONG l = 37;

		/* C_Encrypt. */
		OK(p11->C_EncryptInit(k.s, m, k.gen_pub));
		CK_ULONG n = 0;
		OK(p11->C_Encrypt(k.s, plain, l, NULL, &n));
		assert_int_equal(n, RSA_BYTES);
		n = RSA_BYTES - 1;
		RV(p11->C_Encrypt(k.s, plain, l, c, &n), CKR_BUFFER_TOO_SMALL);
		assert_int_equal(n, RSA_BYTES);
		RV(p11->C_EncryptInit(k.s, m, k.gen_pub), CKR_OPERATION_ACTIVE);
		n = RSA_BYTES;
		OK(p11->C_Encrypt(k.s, plain, l, c, &n));
		assert_int_equal(n, RSA_BYTES);
		n = RSA_BYTES;
		RV(p11->C_Encrypt(k.s, plain, l, c, &n),
		   CKR_OPERATION_NOT_INITIALIZED);

		/* C_Decrypt with NULL: an upper bound. */
		OK(p11->C_DecryptInit(k.s, m, k.gen_priv));
		n = 0;
		OK(p11->C_Decrypt(k.s, c, RSA_BYTES, NULL, &n));
		assert_true(n >= l && n <= RSA_BYTES);
		/* A buffer of exactly the plaintext's length works. */
		n = l;
		OK(p11->C_Decrypt(k.s, c, RSA_BYTES, out, &n));
		assert_int_equal(n, l);
		assert_memory_equal(out, plain, l);
		n = l;
		RV(p11->C_Decrypt(k.s, c, RSA_BYTES, out, &n),
		   CKR_OPERATION_NOT_INITIALIZED);

		/* A short one: the exact length, then the retry works. */
		OK(p11->C_DecryptInit(k.s, m, k.gen_priv));
		n = l - 1;
		RV(p11->C_Decrypt(k.s, c, RSA_BYTES, out, &n),
		   CKR_BUFFER_TOO_SMALL);
		assert_int_equal(n, l);
		n = 0;
		RV(p11->C_Decrypt(k.s, c, RSA_BYTES, out, &n),
		   CKR_BUFFER_TOO_SMALL);
		assert_int_equal(n, l);
		n = 0;
		OK(p11->C_Decrypt(k.s, c, RSA_BYTES, NULL, &n));
		assert_int_equal(n, l);
		RV(p11->C_DecryptInit(k.s, m, k.gen_priv),
		   CKR_OPERATION_ACTIVE);
		memset(out, 0, sizeof(out));
		n = sizeof(out);
		OK(p11->C_Decrypt(k.s, c, RSA_BYTES, out, &n));
		assert_int_equal(n, l);
		assert_memory_equal(out, plain, l);
		n = sizeof(out);
		RV(p11->C_Decrypt(k.s, c, RSA_BYTES, out, &n),
		   CKR_OPERATION_NOT_INITIALIZED);

		/* A bad ciphertext behind a short buffer: the error, and the
		 * operation ends. */
		if (m->mechanism == CKM_RSA_PKCS && rsa_implicit_rejection())
			continue;
		c[5] ^= 1;
		OK(p11->C_DecryptInit(k.s, m, k.gen_priv));
		n = 1;
		RV(p11->C_Decrypt(k.s, c, RSA_BYTES, out, &n),
		   CKR_ENCRYPTED_DATA_INVALID);
		n = sizeof(out);
		RV(p11->C_Decrypt(k.s, c, RSA_BYTES, out, &n),
		   CKR_OPERATION_NOT_INITIALIZED);
	}
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_encrypt_pkcs1),   T(test_encrypt_oaep),
	        T(test_oaep_parameters), T(test_encrypt_x509),
	        T(test_decrypt_errors),  T(test_encrypt_errors_keys),
	        T(test_length_protocol),
	};
#undef T
	return cmocka_run_group_tests(tests, rsa_group_setup,
	                              rsa_group_teardown);
}
