/* Shared by the symmetric-mechanism integration tests (test_p11_cipher,
 * test_p11_cipher_errors, test_p11_wrap): keys with known values, the
 * token's encryption single- and multi-part, and OpenSSL's EVP doing the
 * same independently (the tests link libcrypto; the module's own use of
 * it is not involved). Include after p11_harness.h. */
#ifndef GUARDHSM_TESTS_P11_SYMMETRIC_H
#define GUARDHSM_TESTS_P11_SYMMETRIC_H

#include "p11_harness.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CKR_ names the harness lacks, then the harness's. */
const char *s_rv_name(CK_RV rv);

#define RV(expression, expected)                                               \
	do {                                                                   \
		CK_RV s_rv_ = (expression);                                    \
		CK_RV s_expected_ = (expected);                                \
		if (s_rv_ != s_expected_)                                      \
			fail_msg("%s:%d: %s returned %s, expected %s",         \
			         __FILE__, __LINE__, #expression,              \
			         s_rv_name(s_rv_), s_rv_name(s_expected_));    \
	} while (0)
#define OK(expression) RV(expression, CKR_OK)
/* The same, naming the case (a string) that failed. */
#define RVW(what, expression, expected)                                        \
	do {                                                                   \
		CK_RV s_rv_ = (expression);                                    \
		CK_RV s_expected_ = (expected);                                \
		if (s_rv_ != s_expected_)                                      \
			fail_msg("%s:%d: %s: %s returned %s, expected %s",     \
			         __FILE__, __LINE__, (what), #expression,      \
			         s_rv_name(s_rv_), s_rv_name(s_expected_));    \
	} while (0)
#define OKW(what, expression) RVW(what, expression, CKR_OK)

/* An R/W session with the user logged in. */
CK_SESSION_HANDLE s_user_session(void);

/* Hex (no spaces) into out; returns the byte count. */
size_t s_unhex(const char *hex, uint8_t *out, size_t size);
/* A deterministic, non-repeating filler. */
void s_fill(uint8_t *out, size_t length, unsigned seed);

/* A session secret key of this type and value, readable (not sensitive,
 * extractable) and with every usage flag; extra attributes replace or add
 * to the template. */
CK_RV s_import_key_rv(CK_SESSION_HANDLE s, CK_KEY_TYPE type, const void *value,
                      size_t length, const CK_ATTRIBUTE *extra,
                      CK_ULONG extra_count, CK_OBJECT_HANDLE *key);
CK_OBJECT_HANDLE s_import_key(CK_SESSION_HANDLE s, CK_KEY_TYPE type,
                              const void *value, size_t length);
/* CKA_VALUE of a readable key; returns its length. */
size_t s_key_value(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, uint8_t *out,
                   size_t size);

/* ---- Mechanism parameters ------------------------------------------- */

/* A mechanism with its parameter block (which the mechanism points into,
 * so a s_mechanism must not be copied once s_mech_* filled it). */
typedef struct s_mechanism {
	CK_MECHANISM mechanism;
	union {
		CK_BYTE iv[16];
		CK_AES_CTR_PARAMS ctr;
		CK_GCM_PARAMS gcm;
		GUARDHSM_CCM_PARAMS ccm;
		GUARDHSM_SALSA20_CHACHA20_POLY1305_PARAMS chacha;
		CK_ULONG length;
	} params;
} s_mechanism;

void s_mech_plain(s_mechanism *m, CK_MECHANISM_TYPE type); /* no parameter */
void s_mech_cbc(s_mechanism *m, CK_MECHANISM_TYPE type, const uint8_t iv[16]);
void s_mech_ctr(s_mechanism *m, const uint8_t block[16], CK_ULONG bits);
void s_mech_gcm(s_mechanism *m, const uint8_t *iv, size_t iv_length,
                const uint8_t *aad, size_t aad_length, CK_ULONG tag_bits);
void s_mech_ccm(s_mechanism *m, CK_ULONG data_length, const uint8_t *nonce,
                size_t nonce_length, const uint8_t *aad, size_t aad_length,
                CK_ULONG tag_length);
void s_mech_chacha(s_mechanism *m, const uint8_t *nonce, size_t nonce_length,
                   const uint8_t *aad, size_t aad_length);

/* ---- The token ------------------------------------------------------- */

/* C_EncryptInit + C_Encrypt (or decrypt) into out (*out_length: its
 * capacity in, the result's length out). The return value is that of
 * C_Encrypt; C_EncryptInit must succeed. */
CK_RV s_encrypt(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE key,
                const uint8_t *in, size_t length, uint8_t *out,
                size_t *out_length);
CK_RV s_decrypt(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE key,
                const uint8_t *in, size_t length, uint8_t *out,
                size_t *out_length);

/* Multi-part: init, C_*Update with parts whose sizes cycle through
 * splits[0..split_count-1] (0 is an empty update), C_*Final. Each call
 * gets exactly the room it still has in out. Returns the first failing
 * return value (the operation is then over); *out_length as above. */
CK_RV s_crypt_parts(CK_SESSION_HANDLE s, bool encrypting, CK_MECHANISM *m,
                    CK_OBJECT_HANDLE key, const uint8_t *in, size_t length,
                    const size_t *splits, size_t split_count, uint8_t *out,
                    size_t *out_length);

/* ---- OpenSSL --------------------------------------------------------- */

/* A block or stream mode by OpenSSL name ("AES-128-CBC"...), padding on
 * or off; returns the output length (asserts success). */
size_t o_cipher(const char *name, bool encrypting, bool padding,
                const uint8_t *key, const uint8_t *iv, const uint8_t *in,
                size_t length, uint8_t *out);
/* The AES-<bits>-<mode> name for a key length in bytes ("ECB"...). */
const char *o_aes_name(size_t key_length, const char *mode);

typedef enum o_aead_kind { O_GCM, O_CCM, O_CHACHA } o_aead_kind;
/* AEAD encryption: ciphertext then tag into out; returns the length. */
size_t o_aead_encrypt(o_aead_kind kind, const uint8_t *key, size_t key_length,
                      const uint8_t *iv, size_t iv_length, const uint8_t *aad,
                      size_t aad_length, size_t tag_length, const uint8_t *in,
                      size_t length, uint8_t *out);

/* RFC 3394 (pad false) or RFC 5649 (pad true) wrapping with the default
 * IV; returns the output length. */
size_t o_wrap(const uint8_t *key, size_t key_length, bool pad,
              const uint8_t *in, size_t length, uint8_t *out);
/* Their inverses, and AEAD decryption of ciphertext then tag (length
 * bytes in all); each returns the plaintext's length, asserting that
 * OpenSSL accepts the input. */
size_t o_unwrap(const uint8_t *key, size_t key_length, bool pad,
                const uint8_t *in, size_t length, uint8_t *out);
size_t o_aead_decrypt(o_aead_kind kind, const uint8_t *key, size_t key_length,
                      const uint8_t *iv, size_t iv_length, const uint8_t *aad,
                      size_t aad_length, size_t tag_length, const uint8_t *in,
                      size_t length, uint8_t *out);
/* AES-CMAC (16 bytes). */
void o_cmac(const uint8_t *key, size_t key_length, const uint8_t *message,
            size_t length, uint8_t mac[16]);

/* Fails the test with a hex dump of both if they differ. */
void s_same(const char *what, const uint8_t *got, size_t got_length,
            const uint8_t *expected, size_t expected_length);

#endif
