/* Shared by the RSA integration tests (test_p11_rsa*.c): the two key
 * pairs every test uses, made once per program, and OpenSSL's side of
 * each RSA operation. Include after p11_harness.h.
 *
 * rsa_group_setup prepares the harness's template store (one token, see
 * h_group_setup_template) and puts two 2048-bit token key pairs in it,
 * which h_setup_token then copies for each test: RSA keygen is slow
 * (seconds under valgrind or ASan), so it runs once per program.
 *  - "rsa generated": made by C_GenerateKeyPair (public exponent left to
 *    the token: 65537); its private half never leaves the token.
 *  - "rsa openssl": made by OpenSSL (rsa_ossl_key, kept for the whole
 *    program) and imported with all CRT parts, so that OpenSSL can
 *    decrypt and sign with the private key the token holds. */
#ifndef GUARDHSM_TESTS_P11_RSA_COMMON_H
#define GUARDHSM_TESTS_P11_RSA_COMMON_H

#include <openssl/evp.h>

#include <stdbool.h>
#include <stddef.h>

#define RSA_GEN_LABEL "rsa generated"
#define RSA_OSSL_LABEL "rsa openssl"
#define RSA_BYTES 256 /* k for the 2048-bit keys */
#define RSA_MAX_BYTES 512

extern EVP_PKEY *rsa_ossl_key;

int rsa_group_setup(void **state);
int rsa_group_teardown(void **state);

/* A logged-in R/W user session and the four keys, found by label. */
typedef struct rsa_keys {
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE gen_pub, gen_priv;
	CK_OBJECT_HANDLE ossl_pub, ossl_priv;
} rsa_keys;
rsa_keys rsa_session(void);

/* ---- Return values the harness does not name -------------------------- */

const char *rsa_rv_name(CK_RV rv);
#define RV(expression, expected)                                               \
	do {                                                                   \
		CK_RV r_rv_ = (expression);                                    \
		CK_RV r_expected_ = (expected);                                \
		if (r_rv_ != r_expected_)                                      \
			fail_msg("%s:%d: %s returned %s, expected %s",         \
			         __FILE__, __LINE__, #expression,              \
			         rsa_rv_name(r_rv_),                           \
			         rsa_rv_name(r_expected_));                    \
	} while (0)
#define OK(expression) RV(expression, CKR_OK)

/* ---- Keys ----------------------------------------------------------------
 */

/* The parts of an RSA private key in CKA_ order: modulus, public
 * exponent, private exponent, prime 1, prime 2, exponent 1, exponent 2,
 * coefficient. */
#define RSA_PARTS 8
extern const CK_ATTRIBUTE_TYPE rsa_part_types[RSA_PARTS];

/* C_GenerateKeyPair(CKM_RSA_PKCS_KEY_PAIR_GEN) of session objects with
 * every usage flag set; exponent NULL leaves it to the token; the extra
 * attributes are added to (or replace those of) the private template. */
CK_RV rsa_generate_rv(CK_SESSION_HANDLE s, CK_ULONG bits,
                      const CK_BYTE *exponent, size_t exponent_length,
                      const CK_ATTRIBUTE *extra, CK_ULONG extra_count,
                      CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv);

/* Imports an OpenSSL key's private half as a session object (token: a
 * token object) with every usage flag set. Parts whose bit is set in
 * omit are left out; flip (0..7, or -1) names a part whose lowest bit is
 * flipped; extra attributes are added or replace. */
CK_RV rsa_import_private_rv(CK_SESSION_HANDLE s, EVP_PKEY *key, bool token,
                            const char *label, unsigned omit, int flip,
                            const CK_ATTRIBUTE *extra, CK_ULONG extra_count,
                            CK_OBJECT_HANDLE *object);
CK_RV rsa_import_public_rv(CK_SESSION_HANDLE s, EVP_PKEY *key, bool token,
                           const char *label, const CK_ATTRIBUTE *extra,
                           CK_ULONG extra_count, CK_OBJECT_HANDLE *object);

/* A part of an OpenSSL key, big-endian without leading zeros; returns
 * its length. */
size_t rsa_ossl_part(EVP_PKEY *key, int part, CK_BYTE *out, size_t size);
/* An OpenSSL public key from a token object's CKA_MODULUS and
 * CKA_PUBLIC_EXPONENT. */
EVP_PKEY *rsa_token_public(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE object);
/* Same n and e? */
bool rsa_same_public(EVP_PKEY *a, EVP_PKEY *b);

/* ---- OpenSSL's operations -------------------------------------------------
 * padding: RSA_PKCS1_PADDING, RSA_PKCS1_PSS_PADDING, RSA_NO_PADDING,
 * RSA_PKCS1_OAEP_PADDING. md: the signature's digest (input is then a
 * digest of its length; NULL for raw PKCS#1 v1.5 and no padding) or the
 * OAEP hash; mgf: MGF1's digest (PSS, OAEP); salt: the PSS salt length. */
typedef struct rsa_ossl_params {
	int padding;
	const EVP_MD *md;
	const EVP_MD *mgf;
	int salt;
	const CK_BYTE *label;
	size_t label_length;
} rsa_ossl_params;

bool rsa_ossl_verify(EVP_PKEY *key, const rsa_ossl_params *params,
                     const void *input, size_t length, const CK_BYTE *sig,
                     size_t sig_length);
size_t rsa_ossl_sign(EVP_PKEY *key, const rsa_ossl_params *params,
                     const void *input, size_t length, CK_BYTE *sig);
size_t rsa_ossl_encrypt(EVP_PKEY *key, const rsa_ossl_params *params,
                        const void *input, size_t length, CK_BYTE *out);
/* Returns the plaintext length, or (size_t)-1 if OpenSSL refuses. */
size_t rsa_ossl_decrypt(EVP_PKEY *key, const rsa_ossl_params *params,
                        const void *input, size_t length, CK_BYTE *out);
size_t rsa_digest(const EVP_MD *md, const void *data, size_t length,
                  CK_BYTE *out);
/* OpenSSL 3.2 and later (the module's libcrypto too) answer a bad PKCS#1
 * v1.5 encryption padding with a pseudo-random message instead of an
 * error ("implicit rejection"): the token then decrypts to garbage. */
bool rsa_implicit_rejection(void);

/* ---- Token operations (asserting the init and, for the _one helpers,
 * the call) ------------------------------------------------------------- */

CK_ULONG rsa_sign_one(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                      CK_OBJECT_HANDLE key, const void *data, size_t length,
                      CK_BYTE *sig);
/* Three C_SignUpdate calls split unevenly, then C_SignFinal. */
CK_ULONG rsa_sign_multi(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                        CK_OBJECT_HANDLE key, const void *data, size_t length,
                        CK_BYTE *sig);
CK_RV rsa_verify_rv(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE key,
                    const void *data, size_t length, const CK_BYTE *sig,
                    CK_ULONG sig_length);
CK_RV rsa_verify_multi_rv(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                          CK_OBJECT_HANDLE key, const void *data, size_t length,
                          const CK_BYTE *sig, CK_ULONG sig_length);
CK_ULONG rsa_encrypt_one(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                         CK_OBJECT_HANDLE key, const void *data, size_t length,
                         CK_BYTE *out);
CK_RV rsa_decrypt_rv(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE key,
                     const CK_BYTE *data, size_t length, CK_BYTE *out,
                     CK_ULONG *out_length);

#endif
