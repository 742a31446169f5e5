/* RSA signatures through the module's ABI, checked against OpenSSL
 * (linked here):
 *  - CKM_RSA_PKCS (caller's DigestInfo, raw data), SHA*_RSA_PKCS single-
 *    and multi-part, CKM_RSA_PKCS_PSS, SHA*_RSA_PKCS_PSS with several salt
 *    lengths and MGF1 hashes, CKM_RSA_X_509: every token signature
 *    verified by OpenSSL, OpenSSL's signatures verified by the token, and
 *    the deterministic ones compared byte for byte with OpenSSL's;
 *  - the errors: tampered and wrongly sized signatures, PSS parameters,
 *    input lengths, key kinds and usage, multi-part on single-part
 *    mechanisms, and the length-query protocol.
 * Encryption: test_p11_rsa_crypt.c; key generation, import, wrapping:
 * test_p11_rsa_keys.c. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"
#include "p11_rsa_common.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdlib.h>
#include <string.h>

static const char message[] = "a message signed with RSA by guardhsm";
#define MESSAGE_LENGTH (sizeof(message) - 1)
static CK_BYTE big[3000];

typedef struct hash_case {
	const char *name;
	CK_MECHANISM_TYPE hash;
	CK_RSA_PKCS_MGF_TYPE mgf;
	CK_MECHANISM_TYPE pkcs, pss;
	const EVP_MD *(*md)(void);
	size_t length;
} hash_case;

static const hash_case hashes[] = {
        {"SHA-1", CKM_SHA_1, CKG_MGF1_SHA1, CKM_SHA1_RSA_PKCS,
         CKM_SHA1_RSA_PKCS_PSS, EVP_sha1, 20},
        {"SHA-224", CKM_SHA224, CKG_MGF1_SHA224, CKM_SHA224_RSA_PKCS,
         CKM_SHA224_RSA_PKCS_PSS, EVP_sha224, 28},
        {"SHA-256", CKM_SHA256, CKG_MGF1_SHA256, CKM_SHA256_RSA_PKCS,
         CKM_SHA256_RSA_PKCS_PSS, EVP_sha256, 32},
        {"SHA-384", CKM_SHA384, CKG_MGF1_SHA384, CKM_SHA384_RSA_PKCS,
         CKM_SHA384_RSA_PKCS_PSS, EVP_sha384, 48},
        {"SHA-512", CKM_SHA512, CKG_MGF1_SHA512, CKM_SHA512_RSA_PKCS,
         CKM_SHA512_RSA_PKCS_PSS, EVP_sha512, 64},
};
#define SHA256_CASE (&hashes[2])

static void fill_big(void)
{
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (CK_BYTE)(i * 7 + 3);
}

/* ===================================================================== */
/* Signatures                                                              */
/* ===================================================================== */

/* SHA*_RSA_PKCS: deterministic, so the token's signature of both keys is
 * checked by OpenSSL, and with OpenSSL's key compared with OpenSSL's own
 * signature. */
static void test_sign_pkcs1_hashed(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	fill_big();
	EVP_PKEY *gen = rsa_token_public(k.s, k.gen_pub);
	struct {
		CK_OBJECT_HANDLE pub, priv;
		EVP_PKEY *key;
	} keys[] = {{k.gen_pub, k.gen_priv, gen},
	            {k.ossl_pub, k.ossl_priv, rsa_ossl_key}};
	for (size_t h = 0; h < H_ARRAY_SIZE(hashes); h++) {
		const hash_case *hc = &hashes[h];
		CK_MECHANISM m = {hc->pkcs, NULL, 0};
		rsa_ossl_params params = {
		        RSA_PKCS1_PADDING, hc->md(), NULL, 0, NULL, 0};
		CK_BYTE digest[64], one[RSA_MAX_BYTES], multi[RSA_MAX_BYTES];
		CK_BYTE ossl[RSA_MAX_BYTES];
		size_t dl = rsa_digest(hc->md(), big, sizeof(big), digest);
		for (size_t i = 0; i < H_ARRAY_SIZE(keys); i++) {
			CK_ULONG n1 = rsa_sign_one(k.s, &m, keys[i].priv, big,
			                           sizeof(big), one);
			CK_ULONG n2 = rsa_sign_multi(k.s, &m, keys[i].priv, big,
			                             sizeof(big), multi);
			assert_int_equal(n1, RSA_BYTES);
			assert_int_equal(n2, RSA_BYTES);
			if (memcmp(one, multi, RSA_BYTES) != 0)
				fail_msg("%s: single- and multi-part "
				         "signatures differ",
				         hc->name);
			if (!rsa_ossl_verify(keys[i].key, &params, digest, dl,
			                     one, n1))
				fail_msg("%s: OpenSSL rejects the token's "
				         "signature (key %zu)",
				         hc->name, i);
			OK(rsa_verify_rv(k.s, &m, keys[i].pub, big, sizeof(big),
			                 one, n1));
			OK(rsa_verify_multi_rv(k.s, &m, keys[i].pub, big,
			                       sizeof(big), one, n1));
			one[100] ^= 0x40;
			RV(rsa_verify_rv(k.s, &m, keys[i].pub, big, sizeof(big),
			                 one, n1),
			   CKR_SIGNATURE_INVALID);
			RV(rsa_verify_multi_rv(k.s, &m, keys[i].pub, big,
			                       sizeof(big), one, n1),
			   CKR_SIGNATURE_INVALID);
			/* Another message. */
			one[100] ^= 0x40;
			RV(rsa_verify_rv(k.s, &m, keys[i].pub, big,
			                 sizeof(big) - 1, one, n1),
			   CKR_SIGNATURE_INVALID);
		}
		/* OpenSSL's signature: the same bytes, and the token
		 * verifies it. */
		size_t n =
		        rsa_ossl_sign(rsa_ossl_key, &params, digest, dl, ossl);
		assert_int_equal(n, RSA_BYTES);
		if (memcmp(one, ossl, n) != 0)
			fail_msg("%s: the token's signature differs from "
			         "OpenSSL's",
			         hc->name);
		OK(rsa_verify_rv(k.s, &m, k.ossl_pub, big, sizeof(big), ossl,
		                 n));
		/* A short message, single-part. */
		n = rsa_sign_one(k.s, &m, k.gen_priv, message, MESSAGE_LENGTH,
		                 one);
		dl = rsa_digest(hc->md(), message, MESSAGE_LENGTH, digest);
		assert_true(rsa_ossl_verify(gen, &params, digest, dl, one, n));
	}
	EVP_PKEY_free(gen);
}

/* CKM_RSA_PKCS: the caller's DigestInfo, or any data up to k - 11. */
static void test_sign_pkcs1_raw(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	EVP_PKEY *gen = rsa_token_public(k.s, k.gen_pub);
	CK_MECHANISM m = {CKM_RSA_PKCS, NULL, 0};
	CK_MECHANISM sha256 = {CKM_SHA256_RSA_PKCS, NULL, 0};
	static const CK_BYTE prefix[] = {
	        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	        0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
	CK_BYTE info[sizeof(prefix) + 32], sig[RSA_MAX_BYTES];
	CK_BYTE hashed[RSA_MAX_BYTES];
	memcpy(info, prefix, sizeof(prefix));
	rsa_digest(EVP_sha256(), message, MESSAGE_LENGTH,
	           info + sizeof(prefix));

	/* A DigestInfo: what SHA256_RSA_PKCS signs for the message. */
	CK_ULONG n = rsa_sign_one(k.s, &m, k.gen_priv, info, sizeof(info), sig);
	assert_int_equal(n, RSA_BYTES);
	CK_ULONG hn = rsa_sign_one(k.s, &sha256, k.gen_priv, message,
	                           MESSAGE_LENGTH, hashed);
	assert_int_equal(hn, n);
	assert_memory_equal(sig, hashed, n);
	rsa_ossl_params with_md = {
	        RSA_PKCS1_PADDING, EVP_sha256(), NULL, 0, NULL, 0};
	assert_true(rsa_ossl_verify(gen, &with_md, info + sizeof(prefix), 32,
	                            sig, n));
	OK(rsa_verify_rv(k.s, &m, k.gen_pub, info, sizeof(info), sig, n));
	OK(rsa_verify_rv(k.s, &sha256, k.gen_pub, message, MESSAGE_LENGTH, sig,
	                 n));

	/* Raw data, 1 to k - 11 bytes, both keys. */
	rsa_ossl_params raw = {RSA_PKCS1_PADDING, NULL, NULL, 0, NULL, 0};
	fill_big();
	size_t lengths[] = {1, 20, 100, RSA_BYTES - 11};
	for (size_t i = 0; i < H_ARRAY_SIZE(lengths); i++) {
		n = rsa_sign_one(k.s, &m, k.gen_priv, big, lengths[i], sig);
		assert_int_equal(n, RSA_BYTES);
		if (!rsa_ossl_verify(gen, &raw, big, lengths[i], sig, n))
			fail_msg("OpenSSL rejects CKM_RSA_PKCS over %zu bytes",
			         lengths[i]);
		OK(rsa_verify_rv(k.s, &m, k.gen_pub, big, lengths[i], sig, n));
		RV(rsa_verify_rv(k.s, &m, k.gen_pub, big + 1, lengths[i], sig,
		                 n),
		   CKR_SIGNATURE_INVALID);
		/* OpenSSL's, the same bytes, verified by the token. */
		CK_BYTE ossl[RSA_MAX_BYTES];
		n = rsa_sign_one(k.s, &m, k.ossl_priv, big, lengths[i], sig);
		size_t on = rsa_ossl_sign(rsa_ossl_key, &raw, big, lengths[i],
		                          ossl);
		assert_int_equal(on, n);
		assert_memory_equal(sig, ossl, n);
		OK(rsa_verify_rv(k.s, &m, k.ossl_pub, big, lengths[i], ossl,
		                 on));
	}
	/* k - 10 bytes do not fit; the failure ends the operation. */
	OK(p11->C_SignInit(k.s, &m, k.gen_priv));
	n = sizeof(sig);
	RV(p11->C_Sign(k.s, big, RSA_BYTES - 10, sig, &n), CKR_DATA_LEN_RANGE);
	n = sizeof(sig);
	RV(p11->C_Sign(k.s, big, 20, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
	OK(p11->C_VerifyInit(k.s, &m, k.gen_pub));
	RV(p11->C_Verify(k.s, big, RSA_BYTES - 10, sig, RSA_BYTES),
	   CKR_DATA_LEN_RANGE);
	EVP_PKEY_free(gen);
}

static CK_RSA_PKCS_PSS_PARAMS
pss_params(CK_MECHANISM_TYPE hash, CK_RSA_PKCS_MGF_TYPE mgf, CK_ULONG salt)
{
	CK_RSA_PKCS_PSS_PARAMS params = {hash, mgf, salt};
	return params;
}

/* One PSS case: the token signs (single- and, when it hashes,
 * multi-part), OpenSSL and the token verify, OpenSSL signs and the token
 * verifies. hc: the message hash; mgf: MGF1's. */
static void check_pss(const rsa_keys *k, CK_MECHANISM_TYPE type,
                      const hash_case *hc, const hash_case *mgf, CK_ULONG salt)
{
	CK_RSA_PKCS_PSS_PARAMS p = pss_params(hc->hash, mgf->mgf, salt);
	CK_MECHANISM m = {type, &p, sizeof(p)};
	bool hashing = type != CKM_RSA_PKCS_PSS;
	rsa_ossl_params params = {
	        RSA_PKCS1_PSS_PADDING, hc->md(), mgf->md(), (int)salt, NULL, 0};
	CK_BYTE digest[64], sig[RSA_MAX_BYTES], again[RSA_MAX_BYTES];
	size_t dl = rsa_digest(hc->md(), big, sizeof(big), digest);
	const void *input = hashing ? (const void *)big : digest;
	size_t length = hashing ? sizeof(big) : dl;
	CK_ULONG n = rsa_sign_one(k->s, &m, k->ossl_priv, input, length, sig);
	assert_int_equal(n, RSA_BYTES);
	if (!rsa_ossl_verify(rsa_ossl_key, &params, digest, dl, sig, n))
		fail_msg("PSS 0x%lx %s, MGF1 %s, salt %lu: OpenSSL rejects "
		         "the token's signature",
		         (unsigned long)type, hc->name, mgf->name,
		         (unsigned long)salt);
	OK(rsa_verify_rv(k->s, &m, k->ossl_pub, input, length, sig, n));
	if (hashing) {
		OK(rsa_verify_multi_rv(k->s, &m, k->ossl_pub, big, sizeof(big),
		                       sig, n));
		n = rsa_sign_multi(k->s, &m, k->ossl_priv, big, sizeof(big),
		                   again);
		assert_true(rsa_ossl_verify(rsa_ossl_key, &params, digest, dl,
		                            again, n));
	} else {
		n = rsa_sign_one(k->s, &m, k->ossl_priv, input, length, again);
	}
	/* Salted signatures are randomised. */
	if (salt >= 16 && memcmp(sig, again, n) == 0)
		fail_msg("PSS with a %lu-byte salt signed twice alike",
		         (unsigned long)salt);
	sig[n - 1] ^= 1;
	RV(rsa_verify_rv(k->s, &m, k->ossl_pub, input, length, sig, n),
	   CKR_SIGNATURE_INVALID);
	size_t on = rsa_ossl_sign(rsa_ossl_key, &params, digest, dl, sig);
	OK(rsa_verify_rv(k->s, &m, k->ossl_pub, input, length, sig, on));
	/* The generated key too (its public half rebuilt for OpenSSL). */
	n = rsa_sign_one(k->s, &m, k->gen_priv, input, length, sig);
	EVP_PKEY *gen = rsa_token_public(k->s, k->gen_pub);
	assert_true(rsa_ossl_verify(gen, &params, digest, dl, sig, n));
	EVP_PKEY_free(gen);
	OK(rsa_verify_rv(k->s, &m, k->gen_pub, input, length, sig, n));
}

static void test_sign_pss(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	fill_big();
	for (size_t h = 0; h < H_ARRAY_SIZE(hashes); h++) {
		const hash_case *hc = &hashes[h];
		/* CKM_RSA_PKCS_PSS over the caller's digest. */
		check_pss(&k, CKM_RSA_PKCS_PSS, hc, hc, hc->length);
		/* The token hashes: salts from none to the largest. */
		CK_ULONG salts[] = {0, 20, hc->length, 64,
		                    RSA_BYTES - hc->length - 2};
		for (size_t i = 0; i < H_ARRAY_SIZE(salts); i++)
			check_pss(&k, hc->pss, hc, hc, salts[i]);
	}
	/* MGF1 with another hash than the message's. */
	check_pss(&k, CKM_SHA256_RSA_PKCS_PSS, SHA256_CASE, &hashes[0], 32);
	check_pss(&k, CKM_SHA512_RSA_PKCS_PSS, &hashes[4], SHA256_CASE, 64);
	check_pss(&k, CKM_RSA_PKCS_PSS, &hashes[1], &hashes[3], 28);

	/* Verification checks the parameters: another salt length or
	 * MGF1 hash does not verify. */
	CK_BYTE sig[RSA_MAX_BYTES];
	CK_RSA_PKCS_PSS_PARAMS p = pss_params(CKM_SHA256, CKG_MGF1_SHA256, 32);
	CK_MECHANISM m = {CKM_SHA256_RSA_PKCS_PSS, &p, sizeof(p)};
	CK_ULONG n =
	        rsa_sign_one(k.s, &m, k.gen_priv, message, MESSAGE_LENGTH, sig);
	p.s_len = 20;
	RV(rsa_verify_rv(k.s, &m, k.gen_pub, message, MESSAGE_LENGTH, sig, n),
	   CKR_SIGNATURE_INVALID);
	p.s_len = 32;
	p.mgf = CKG_MGF1_SHA1;
	RV(rsa_verify_rv(k.s, &m, k.gen_pub, message, MESSAGE_LENGTH, sig, n),
	   CKR_SIGNATURE_INVALID);
	p.mgf = CKG_MGF1_SHA256;
	OK(rsa_verify_rv(k.s, &m, k.gen_pub, message, MESSAGE_LENGTH, sig, n));
	/* A PKCS#1 v1.5 signature is not a PSS one. */
	CK_MECHANISM pkcs = {CKM_SHA256_RSA_PKCS, NULL, 0};
	n = rsa_sign_one(k.s, &pkcs, k.gen_priv, message, MESSAGE_LENGTH, sig);
	RV(rsa_verify_rv(k.s, &m, k.gen_pub, message, MESSAGE_LENGTH, sig, n),
	   CKR_SIGNATURE_INVALID);
}

/* CKM_RSA_X_509: raw RSA, the input left-padded with zeros to k bytes. */
static void test_sign_x509(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	CK_MECHANISM m = {CKM_RSA_X_509, NULL, 0};
	rsa_ossl_params raw = {RSA_NO_PADDING, NULL, NULL, 0, NULL, 0};
	EVP_PKEY *gen = rsa_token_public(k.s, k.gen_pub);
	CK_BYTE block[RSA_BYTES], sig[RSA_MAX_BYTES], ossl[RSA_MAX_BYTES];
	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (CK_BYTE)(0x5a ^ i);
	block[0] = 0x00; /* below any 2048-bit modulus */

	CK_ULONG n =
	        rsa_sign_one(k.s, &m, k.gen_priv, block, sizeof(block), sig);
	assert_int_equal(n, RSA_BYTES);
	assert_true(rsa_ossl_verify(gen, &raw, block, sizeof(block), sig, n));
	OK(rsa_verify_rv(k.s, &m, k.gen_pub, block, sizeof(block), sig, n));
	sig[7] ^= 0x10;
	RV(rsa_verify_rv(k.s, &m, k.gen_pub, block, sizeof(block), sig, n),
	   CKR_SIGNATURE_INVALID);

	/* Short input: as if left-padded. */
	n = rsa_sign_one(k.s, &m, k.gen_priv, block + 200, 56, sig);
	assert_true(rsa_ossl_verify(gen, &raw, block + 200, 56, sig, n));
	OK(rsa_verify_rv(k.s, &m, k.gen_pub, block + 200, 56, sig, n));

	/* Deterministic: OpenSSL's raw signature is the same. */
	n = rsa_sign_one(k.s, &m, k.ossl_priv, block, sizeof(block), sig);
	size_t on =
	        rsa_ossl_sign(rsa_ossl_key, &raw, block, sizeof(block), ossl);
	assert_int_equal(on, n);
	assert_memory_equal(sig, ossl, n);
	OK(rsa_verify_rv(k.s, &m, k.ossl_pub, block, sizeof(block), ossl, on));

	/* Input not below the modulus, or longer than it. */
	CK_BYTE ones[RSA_BYTES + 1];
	memset(ones, 0xff, sizeof(ones));
	OK(p11->C_SignInit(k.s, &m, k.gen_priv));
	n = sizeof(sig);
	RV(p11->C_Sign(k.s, ones, RSA_BYTES, sig, &n), CKR_DATA_LEN_RANGE);
	OK(p11->C_SignInit(k.s, &m, k.gen_priv));
	n = sizeof(sig);
	RV(p11->C_Sign(k.s, ones, RSA_BYTES + 1, sig, &n), CKR_DATA_LEN_RANGE);
	/* Single-part only. */
	OK(p11->C_SignInit(k.s, &m, k.gen_priv));
	RV(p11->C_SignUpdate(k.s, block, 10), CKR_FUNCTION_NOT_SUPPORTED);
	n = sizeof(sig);
	RV(p11->C_Sign(k.s, block, 10, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
	EVP_PKEY_free(gen);
}

/* Tampered and wrongly sized signatures, multi-part refusals. */
static void test_sign_errors_signature(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, NULL, 0};
	CK_BYTE sig[RSA_MAX_BYTES + 1];
	CK_ULONG n =
	        rsa_sign_one(k.s, &m, k.gen_priv, message, MESSAGE_LENGTH, sig);
	size_t positions[] = {0, 1, 128, RSA_BYTES - 1};
	for (size_t i = 0; i < H_ARRAY_SIZE(positions); i++) {
		sig[positions[i]] ^= 0x01;
		RV(rsa_verify_rv(k.s, &m, k.gen_pub, message, MESSAGE_LENGTH,
		                 sig, n),
		   CKR_SIGNATURE_INVALID);
		sig[positions[i]] ^= 0x01;
	}
	OK(rsa_verify_rv(k.s, &m, k.gen_pub, message, MESSAGE_LENGTH, sig, n));
	/* All zeros, and a value above the modulus. */
	CK_BYTE zeros[RSA_BYTES] = {0}, ones[RSA_BYTES];
	memset(ones, 0xff, sizeof(ones));
	RV(rsa_verify_rv(k.s, &m, k.gen_pub, message, MESSAGE_LENGTH, zeros,
	                 RSA_BYTES),
	   CKR_SIGNATURE_INVALID);
	RV(rsa_verify_rv(k.s, &m, k.gen_pub, message, MESSAGE_LENGTH, ones,
	                 RSA_BYTES),
	   CKR_SIGNATURE_INVALID);
	/* A failed verification ends the operation. */
	RV(p11->C_Verify(k.s, (CK_BYTE_PTR)message, MESSAGE_LENGTH, sig, n),
	   CKR_OPERATION_NOT_INITIALIZED);

	/* Not k bytes, for each kind of padding, single and multi-part. */
	CK_RSA_PKCS_PSS_PARAMS p = pss_params(CKM_SHA256, CKG_MGF1_SHA256, 32);
	CK_MECHANISM kinds[] = {{CKM_SHA256_RSA_PKCS, NULL, 0},
	                        {CKM_SHA256_RSA_PKCS_PSS, &p, sizeof(p)},
	                        {CKM_RSA_PKCS, NULL, 0},
	                        {CKM_RSA_X_509, NULL, 0}};
	CK_ULONG wrong[] = {0, 1, RSA_BYTES - 1, RSA_BYTES + 1, 384};
	for (size_t i = 0; i < H_ARRAY_SIZE(kinds); i++) {
		for (size_t j = 0; j < H_ARRAY_SIZE(wrong); j++) {
			CK_RV rv = rsa_verify_rv(k.s, &kinds[i], k.gen_pub,
			                         message, 32, sig, wrong[j]);
			if (rv != CKR_SIGNATURE_LEN_RANGE)
				fail_msg("mechanism 0x%lx, %lu-byte "
				         "signature: %s",
				         (unsigned long)kinds[i].mechanism,
				         (unsigned long)wrong[j],
				         rsa_rv_name(rv));
		}
	}
	RV(rsa_verify_multi_rv(k.s, &kinds[0], k.gen_pub, message,
	                       MESSAGE_LENGTH, sig, RSA_BYTES - 1),
	   CKR_SIGNATURE_LEN_RANGE);
	RV(rsa_verify_multi_rv(k.s, &kinds[1], k.gen_pub, message,
	                       MESSAGE_LENGTH, sig, RSA_BYTES + 1),
	   CKR_SIGNATURE_LEN_RANGE);

	/* CKM_RSA_PKCS and CKM_RSA_PKCS_PSS are single-part: C_SignUpdate
	 * and C_SignFinal are refused and end the operation. */
	CK_MECHANISM raw = {CKM_RSA_PKCS, NULL, 0};
	CK_MECHANISM pss = {CKM_RSA_PKCS_PSS, &p, sizeof(p)};
	CK_MECHANISM *single[] = {&raw, &pss};
	for (size_t i = 0; i < H_ARRAY_SIZE(single); i++) {
		OK(p11->C_SignInit(k.s, single[i], k.gen_priv));
		RV(p11->C_SignUpdate(k.s, (CK_BYTE_PTR)message, 4),
		   CKR_FUNCTION_NOT_SUPPORTED);
		n = sizeof(sig);
		RV(p11->C_Sign(k.s, (CK_BYTE_PTR)message, 32, sig, &n),
		   CKR_OPERATION_NOT_INITIALIZED);
		OK(p11->C_SignInit(k.s, single[i], k.gen_priv));
		n = sizeof(sig);
		RV(p11->C_SignFinal(k.s, sig, &n), CKR_FUNCTION_NOT_SUPPORTED);
		RV(p11->C_Sign(k.s, (CK_BYTE_PTR)message, 32, sig, &n),
		   CKR_OPERATION_NOT_INITIALIZED);
		OK(p11->C_VerifyInit(k.s, single[i], k.gen_pub));
		RV(p11->C_VerifyUpdate(k.s, (CK_BYTE_PTR)message, 4),
		   CKR_FUNCTION_NOT_SUPPORTED);
		RV(p11->C_Verify(k.s, (CK_BYTE_PTR)message, 32, sig, RSA_BYTES),
		   CKR_OPERATION_NOT_INITIALIZED);
		OK(p11->C_VerifyInit(k.s, single[i], k.gen_pub));
		RV(p11->C_VerifyFinal(k.s, sig, RSA_BYTES),
		   CKR_FUNCTION_NOT_SUPPORTED);
		RV(p11->C_Verify(k.s, (CK_BYTE_PTR)message, 32, sig, RSA_BYTES),
		   CKR_OPERATION_NOT_INITIALIZED);
	}
	/* Single-part after multi-part, on a hashing mechanism. */
	OK(p11->C_SignInit(k.s, &m, k.gen_priv));
	OK(p11->C_SignUpdate(k.s, (CK_BYTE_PTR)message, 4));
	n = sizeof(sig);
	RV(p11->C_Sign(k.s, (CK_BYTE_PTR)message, 4, sig, &n),
	   CKR_OPERATION_ACTIVE);
	OK(p11->C_SignFinal(k.s, sig, &n));
}

/* PSS parameters, input lengths. */
static void test_sign_errors_parameters(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	CK_BYTE sig[RSA_MAX_BYTES], digest[64] = {0};
	CK_ULONG n;
	CK_RSA_PKCS_PSS_PARAMS good =
	        pss_params(CKM_SHA256, CKG_MGF1_SHA256, 32);
	struct {
		CK_MECHANISM_TYPE type;
		CK_RSA_PKCS_PSS_PARAMS params;
		CK_ULONG length; /* of the parameter */
		bool null;
		const char *what;
	} bad[] = {
	        {CKM_RSA_PKCS_PSS, good, 0, true, "no parameter"},
	        {CKM_RSA_PKCS_PSS, good, sizeof(good), true, "NULL parameter"},
	        {CKM_RSA_PKCS_PSS, good, sizeof(good) - 1, false, "too short"},
	        {CKM_RSA_PKCS_PSS, good, sizeof(good) + 8, false, "too long"},
	        {CKM_SHA256_RSA_PKCS_PSS, good, 0, true, "no parameter"},
	        {CKM_SHA256_RSA_PKCS_PSS, good, sizeof(good) - 4, false,
	         "too short"},
	        {CKM_RSA_PKCS_PSS, pss_params(CKM_MD5, CKG_MGF1_SHA256, 16),
	         sizeof(good), false, "MD5"},
	        {CKM_RSA_PKCS_PSS, pss_params(0x7777, CKG_MGF1_SHA256, 16),
	         sizeof(good), false, "unknown hash"},
	        {CKM_RSA_PKCS_PSS,
	         pss_params(CKM_SHA3_256, CKG_MGF1_SHA256, 32), sizeof(good),
	         false, "SHA3-256"},
	        {CKM_RSA_PKCS_PSS, pss_params(CKM_SHA256, 0, 32), sizeof(good),
	         false, "MGF 0"},
	        {CKM_RSA_PKCS_PSS, pss_params(CKM_SHA256, 0x99, 32),
	         sizeof(good), false, "unknown MGF"},
	        {CKM_SHA256_RSA_PKCS_PSS,
	         pss_params(0x7777, CKG_MGF1_SHA256, 32), sizeof(good), false,
	         "unknown hash"},
	        {CKM_SHA256_RSA_PKCS_PSS, pss_params(CKM_SHA256, 0x99, 32),
	         sizeof(good), false, "unknown MGF"},
	        {CKM_SHA256_RSA_PKCS_PSS,
	         pss_params(CKM_SHA_1, CKG_MGF1_SHA1, 20), sizeof(good), false,
	         "SHA-1 for SHA256_RSA_PKCS_PSS"},
	        {CKM_SHA1_RSA_PKCS_PSS,
	         pss_params(CKM_SHA512, CKG_MGF1_SHA1, 20), sizeof(good), false,
	         "SHA-512 for SHA1_RSA_PKCS_PSS"},
	};
	for (size_t i = 0; i < H_ARRAY_SIZE(bad); i++) {
		CK_MECHANISM m = {bad[i].type,
		                  bad[i].null ? NULL : &bad[i].params,
		                  bad[i].length};
		CK_RV rv = p11->C_SignInit(k.s, &m, k.gen_priv);
		if (rv != CKR_MECHANISM_PARAM_INVALID)
			fail_msg("C_SignInit, PSS parameter %s: %s",
			         bad[i].what, rsa_rv_name(rv));
		rv = p11->C_VerifyInit(k.s, &m, k.gen_pub);
		if (rv != CKR_MECHANISM_PARAM_INVALID)
			fail_msg("C_VerifyInit, PSS parameter %s: %s",
			         bad[i].what, rsa_rv_name(rv));
	}
	/* Parameters where none belong. */
	CK_MECHANISM with_param[] = {{CKM_RSA_PKCS, &good, sizeof(good)},
	                             {CKM_SHA256_RSA_PKCS, &good, sizeof(good)},
	                             {CKM_RSA_X_509, &good, sizeof(good)}};
	for (size_t i = 0; i < H_ARRAY_SIZE(with_param); i++) {
		RV(p11->C_SignInit(k.s, &with_param[i], k.gen_priv),
		   CKR_MECHANISM_PARAM_INVALID);
		RV(p11->C_VerifyInit(k.s, &with_param[i], k.gen_pub),
		   CKR_MECHANISM_PARAM_INVALID);
	}

	/* CKM_RSA_PKCS_PSS signs a digest of the named hash's length. */
	CK_MECHANISM pss = {CKM_RSA_PKCS_PSS, &good, sizeof(good)};
	CK_ULONG lengths[] = {0, 20, 31, 33, 64};
	for (size_t i = 0; i < H_ARRAY_SIZE(lengths); i++) {
		OK(p11->C_SignInit(k.s, &pss, k.gen_priv));
		n = sizeof(sig);
		CK_RV rv = p11->C_Sign(k.s, digest, lengths[i], sig, &n);
		if (rv != CKR_DATA_LEN_RANGE)
			fail_msg("CKM_RSA_PKCS_PSS over %lu bytes: %s",
			         (unsigned long)lengths[i], rsa_rv_name(rv));
		OK(p11->C_VerifyInit(k.s, &pss, k.gen_pub));
		RV(p11->C_Verify(k.s, digest, lengths[i], sig, RSA_BYTES),
		   CKR_DATA_LEN_RANGE);
	}
	n = rsa_sign_one(k.s, &pss, k.gen_priv, digest, 32, sig);
	OK(rsa_verify_rv(k.s, &pss, k.gen_pub, digest, 32, sig, n));

	/* A salt too long for the modulus: refused at init or at signing,
	 * never a signature. */
	CK_RSA_PKCS_PSS_PARAMS long_salt =
	        pss_params(CKM_SHA256, CKG_MGF1_SHA256, RSA_BYTES - 32 - 1);
	CK_MECHANISM salted = {CKM_SHA256_RSA_PKCS_PSS, &long_salt,
	                       sizeof(long_salt)};
	CK_RV rv = p11->C_SignInit(k.s, &salted, k.gen_priv);
	if (rv == CKR_OK) {
		n = sizeof(sig);
		rv = p11->C_Sign(k.s, (CK_BYTE_PTR)message, MESSAGE_LENGTH, sig,
		                 &n);
		if (rv != CKR_DATA_LEN_RANGE &&
		    rv != CKR_MECHANISM_PARAM_INVALID)
			fail_msg(
			        "PSS salt of %lu bytes with a 2048-bit key: %s",
			        (unsigned long)long_salt.s_len,
			        rsa_rv_name(rv));
	} else if (rv != CKR_MECHANISM_PARAM_INVALID) {
		fail_msg("PSS salt of %lu bytes: C_SignInit %s",
		         (unsigned long)long_salt.s_len, rsa_rv_name(rv));
	}
}

/* Keys of the wrong kind or use, mechanisms that do not sign. */
static void test_sign_errors_keys(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, NULL, 0};
	RV(p11->C_SignInit(k.s, &m, k.gen_pub), CKR_KEY_TYPE_INCONSISTENT);
	RV(p11->C_VerifyInit(k.s, &m, k.gen_priv), CKR_KEY_TYPE_INCONSISTENT);
	CK_MECHANISM not_signing[] = {
	        {CKM_RSA_PKCS_OAEP, NULL, 0},
	        {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0},
	        {CKM_SHA256, NULL, 0},
	        {CKM_MD5_RSA_PKCS, NULL, 0},
	        {0x66UL /* CKM_SHA3_256_RSA_PKCS */, NULL, 0}};
	for (size_t i = 0; i < H_ARRAY_SIZE(not_signing); i++) {
		RV(p11->C_SignInit(k.s, &not_signing[i], k.gen_priv),
		   CKR_MECHANISM_INVALID);
		RV(p11->C_VerifyInit(k.s, &not_signing[i], k.gen_pub),
		   CKR_MECHANISM_INVALID);
	}
	/* An EC key with an RSA mechanism and the other way round. */
	static const CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
	                               0xce, 0x3d, 0x03, 0x01, 0x07};
	CK_MECHANISM ec_gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE ec_t[] = {H_ATTR(CKA_EC_PARAMS, p256, sizeof(p256))};
	CK_OBJECT_HANDLE ec_pub, ec_priv;
	OK(p11->C_GenerateKeyPair(k.s, &ec_gen, ec_t, 1, NULL, 0, &ec_pub,
	                          &ec_priv));
	RV(p11->C_SignInit(k.s, &m, ec_priv), CKR_KEY_TYPE_INCONSISTENT);
	RV(p11->C_VerifyInit(k.s, &m, ec_pub), CKR_KEY_TYPE_INCONSISTENT);
	CK_MECHANISM ecdsa = {CKM_ECDSA_SHA256, NULL, 0};
	RV(p11->C_SignInit(k.s, &ecdsa, k.gen_priv), CKR_KEY_TYPE_INCONSISTENT);
	RV(p11->C_VerifyInit(k.s, &ecdsa, k.gen_pub),
	   CKR_KEY_TYPE_INCONSISTENT);

	/* CKA_SIGN / CKA_VERIFY false. */
	CK_ATTRIBUTE no_sign[] = {H_ATTR_VAR(CKA_SIGN, h_false)};
	CK_OBJECT_HANDLE priv, pub;
	OK(rsa_import_private_rv(k.s, rsa_ossl_key, false, "no sign", 0, -1,
	                         no_sign, 1, &priv));
	RV(p11->C_SignInit(k.s, &m, priv), CKR_KEY_FUNCTION_NOT_PERMITTED);
	CK_ATTRIBUTE no_verify[] = {H_ATTR_VAR(CKA_VERIFY, h_false)};
	OK(rsa_import_public_rv(k.s, rsa_ossl_key, false, "no verify",
	                        no_verify, 1, &pub));
	RV(p11->C_VerifyInit(k.s, &m, pub), CKR_KEY_FUNCTION_NOT_PERMITTED);
	/* CKA_ALLOWED_MECHANISMS. */
	CK_MECHANISM_TYPE only_pss[] = {CKM_SHA256_RSA_PKCS_PSS};
	CK_ATTRIBUTE limited[] = {
	        H_ATTR(CKA_ALLOWED_MECHANISMS, only_pss, sizeof(only_pss))};
	OK(rsa_import_private_rv(k.s, rsa_ossl_key, false, "pss only", 0, -1,
	                         limited, 1, &priv));
	RV(p11->C_SignInit(k.s, &m, priv), CKR_MECHANISM_INVALID);
	CK_RSA_PKCS_PSS_PARAMS p = pss_params(CKM_SHA256, CKG_MGF1_SHA256, 32);
	CK_MECHANISM pss = {CKM_SHA256_RSA_PKCS_PSS, &p, sizeof(p)};
	CK_BYTE sig[RSA_MAX_BYTES];
	CK_ULONG n =
	        rsa_sign_one(k.s, &pss, priv, message, MESSAGE_LENGTH, sig);
	OK(rsa_verify_rv(k.s, &pss, k.ossl_pub, message, MESSAGE_LENGTH, sig,
	                 n));
}

/* The length query: NULL gives k, a short buffer CKR_BUFFER_TOO_SMALL
 * with k, and the operation stays active for the real call. */
static void test_sign_length_protocol(void **state)
{
	(void)state;
	rsa_keys k = rsa_session();
	EVP_PKEY *gen = rsa_token_public(k.s, k.gen_pub);
	CK_RSA_PKCS_PSS_PARAMS p = pss_params(CKM_SHA256, CKG_MGF1_SHA256, 32);
	CK_MECHANISM kinds[] = {{CKM_SHA256_RSA_PKCS, NULL, 0},
	                        {CKM_SHA256_RSA_PKCS_PSS, &p, sizeof(p)},
	                        {CKM_RSA_PKCS, NULL, 0}};
	rsa_ossl_params params[] = {
	        {RSA_PKCS1_PADDING, EVP_sha256(), NULL, 0, NULL, 0},
	        {RSA_PKCS1_PSS_PADDING, EVP_sha256(), EVP_sha256(), 32, NULL,
	         0},
	        {RSA_PKCS1_PADDING, NULL, NULL, 0, NULL, 0}};
	CK_BYTE sig[RSA_MAX_BYTES * 2], digest[32];
	rsa_digest(EVP_sha256(), message, MESSAGE_LENGTH, digest);
	for (size_t i = 0; i < H_ARRAY_SIZE(kinds); i++) {
		bool hashing = kinds[i].mechanism != CKM_RSA_PKCS;
		OK(p11->C_SignInit(k.s, &kinds[i], k.gen_priv));
		CK_ULONG n = 0;
		OK(p11->C_Sign(k.s, (CK_BYTE_PTR)message, MESSAGE_LENGTH, NULL,
		               &n));
		assert_int_equal(n, RSA_BYTES);
		n = RSA_BYTES - 1;
		RV(p11->C_Sign(k.s, (CK_BYTE_PTR)message, MESSAGE_LENGTH, sig,
		               &n),
		   CKR_BUFFER_TOO_SMALL);
		assert_int_equal(n, RSA_BYTES);
		n = 0;
		RV(p11->C_Sign(k.s, (CK_BYTE_PTR)message, MESSAGE_LENGTH, sig,
		               &n),
		   CKR_BUFFER_TOO_SMALL);
		assert_int_equal(n, RSA_BYTES);
		RV(p11->C_SignInit(k.s, &kinds[i], k.gen_priv),
		   CKR_OPERATION_ACTIVE);
		/* A bigger buffer than needed: k is written and returned. */
		n = sizeof(sig);
		OK(p11->C_Sign(k.s, (CK_BYTE_PTR)message, MESSAGE_LENGTH, sig,
		               &n));
		assert_int_equal(n, RSA_BYTES);
		assert_true(rsa_ossl_verify(
		        gen, &params[i], hashing ? digest : (CK_BYTE *)message,
		        hashing ? 32 : MESSAGE_LENGTH, sig, n));
		RV(p11->C_Sign(k.s, (CK_BYTE_PTR)message, MESSAGE_LENGTH, sig,
		               &n),
		   CKR_OPERATION_NOT_INITIALIZED);
		if (!hashing)
			continue;
		/* C_SignFinal: the data fed is not lost by the queries. */
		OK(p11->C_SignInit(k.s, &kinds[i], k.gen_priv));
		OK(p11->C_SignUpdate(k.s, (CK_BYTE_PTR)message, 10));
		OK(p11->C_SignUpdate(k.s, (CK_BYTE_PTR)message + 10,
		                     MESSAGE_LENGTH - 10));
		n = 0;
		OK(p11->C_SignFinal(k.s, NULL, &n));
		assert_int_equal(n, RSA_BYTES);
		n = 100;
		RV(p11->C_SignFinal(k.s, sig, &n), CKR_BUFFER_TOO_SMALL);
		assert_int_equal(n, RSA_BYTES);
		n = RSA_BYTES;
		OK(p11->C_SignFinal(k.s, sig, &n));
		assert_int_equal(n, RSA_BYTES);
		assert_true(
		        rsa_ossl_verify(gen, &params[i], digest, 32, sig, n));
		RV(p11->C_SignFinal(k.s, sig, &n),
		   CKR_OPERATION_NOT_INITIALIZED);
	}
	/* No length pointer. */
	CK_MECHANISM m = {CKM_SHA256_RSA_PKCS, NULL, 0};
	OK(p11->C_SignInit(k.s, &m, k.gen_priv));
	RV(p11->C_Sign(k.s, (CK_BYTE_PTR)message, MESSAGE_LENGTH, sig, NULL),
	   CKR_ARGUMENTS_BAD);
	EVP_PKEY_free(gen);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_sign_pkcs1_hashed),
	        T(test_sign_pkcs1_raw),
	        T(test_sign_pss),
	        T(test_sign_x509),
	        T(test_sign_errors_signature),
	        T(test_sign_errors_parameters),
	        T(test_sign_errors_keys),
	        T(test_sign_length_protocol),
	};
#undef T
	return cmocka_run_group_tests(tests, rsa_group_setup,
	                              rsa_group_teardown);
}
