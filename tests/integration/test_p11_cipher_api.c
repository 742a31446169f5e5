/* The encryption API around the symmetric mechanisms, through the real
 * module: the length protocol of C_Encrypt / C_Decrypt / C_*Update /
 * C_*Final (a NULL buffer asks the size, a short one gives
 * CKR_BUFFER_TOO_SMALL and keeps the operation, CBC_PAD decryption into a
 * buffer of exactly the plaintext's length); AEAD decryption (GCM, CCM,
 * ChaCha20-Poly1305) of a tampered tag, ciphertext or AAD, which must
 * write no plaintext at all, single- or multi-part; block-length and
 * padding errors, and RFC 3394/5649 lengths and integrity failures.
 * Parameter, key and state errors are in test_p11_cipher_errors.c.
 * Results are checked against OpenSSL where there is one. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_symmetric.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATTERN 0xa5

static uint8_t key16[16], key32[32];

static CK_OBJECT_HANDLE aes_key(CK_SESSION_HANDLE s, size_t length)
{
	uint8_t *value = length == 16 ? key16 : key32;
	s_fill(value, length, (unsigned)length);
	return s_import_key(s, CKK_AES, value, length);
}

static bool all_pattern(const uint8_t *buffer, size_t length)
{
	for (size_t i = 0; i < length; i++)
		if (buffer[i] != PATTERN)
			return false;
	return true;
}

/* ===================================================================== */
/* The length protocol                                                     */
/* ===================================================================== */

static void test_length_single_part(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	CK_OBJECT_HANDLE key = aes_key(s, 32);
	uint8_t plain[40], iv[16], expected[64], out[64];
	s_fill(plain, sizeof(plain), 1);
	s_fill(iv, sizeof(iv), 2);
	size_t expected_length = o_cipher("AES-256-CBC", true, true, key32, iv,
	                                  plain, 20, expected);
	assert_int_equal(expected_length, 32);
	s_mechanism m;
	s_mech_cbc(&m, CKM_AES_CBC_PAD, iv);

	/* Encryption: the size, a short buffer, the retry. */
	OK(p11->C_EncryptInit(s, &m.mechanism, key));
	CK_ULONG n = 0;
	OK(p11->C_Encrypt(s, plain, 20, NULL, &n));
	assert_int_equal(n, 32);
	n = 31;
	memset(out, PATTERN, sizeof(out));
	RV(p11->C_Encrypt(s, plain, 20, out, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 32);
	n = 0;
	OK(p11->C_Encrypt(s, plain, 20, NULL, &n));
	assert_int_equal(n, 32);
	n = sizeof(out);
	OK(p11->C_Encrypt(s, plain, 20, out, &n));
	s_same("CBC_PAD after CKR_BUFFER_TOO_SMALL", out, n, expected, 32);
	/* The operation is over. */
	n = sizeof(out);
	RV(p11->C_Encrypt(s, plain, 20, out, &n),
	   CKR_OPERATION_NOT_INITIALIZED);

	/* Decryption: the query gives a bound; a buffer of exactly the
	 * plaintext's length (20, below the 32 of the ciphertext) works. */
	OK(p11->C_DecryptInit(s, &m.mechanism, key));
	n = 0;
	OK(p11->C_Decrypt(s, expected, 32, NULL, &n));
	assert_true(n >= 20 && n <= 32);
	n = 20;
	OK(p11->C_Decrypt(s, expected, 32, out, &n));
	s_same("CBC_PAD into 20 bytes", out, n, plain, 20);
	/* Too small by one: the exact size, then the retry. */
	OK(p11->C_DecryptInit(s, &m.mechanism, key));
	n = 19;
	memset(out, PATTERN, sizeof(out));
	RV(p11->C_Decrypt(s, expected, 32, out, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 20);
	assert_true(all_pattern(out, sizeof(out)));
	n = 20;
	OK(p11->C_Decrypt(s, expected, 32, out, &n));
	s_same("CBC_PAD after CKR_BUFFER_TOO_SMALL", out, n, plain, 20);

	/* GCM: ciphertext and a 16-byte tag. */
	uint8_t gcm_iv[12];
	s_fill(gcm_iv, sizeof(gcm_iv), 3);
	expected_length = o_aead_encrypt(O_GCM, key32, 32, gcm_iv, 12, iv, 16,
	                                 16, plain, 40, expected);
	s_mech_gcm(&m, gcm_iv, 12, iv, 16, 128);
	OK(p11->C_EncryptInit(s, &m.mechanism, key));
	n = 0;
	OK(p11->C_Encrypt(s, plain, 40, NULL, &n));
	assert_int_equal(n, 56);
	n = 55;
	RV(p11->C_Encrypt(s, plain, 40, out, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 56);
	n = 56;
	OK(p11->C_Encrypt(s, plain, 40, out, &n));
	s_same("GCM after CKR_BUFFER_TOO_SMALL", out, n, expected, 56);
	OK(p11->C_DecryptInit(s, &m.mechanism, key));
	n = 0;
	OK(p11->C_Decrypt(s, expected, 56, NULL, &n));
	assert_int_equal(n, 40);
	n = 39;
	RV(p11->C_Decrypt(s, expected, 56, out, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 40);
	n = 40;
	OK(p11->C_Decrypt(s, expected, 56, out, &n));
	s_same("GCM decryption after CKR_BUFFER_TOO_SMALL", out, n, plain, 40);

	/* No data at all (a NULL pointer with length 0): the tag alone. */
	expected_length = o_aead_encrypt(O_GCM, key32, 32, gcm_iv, 12, iv, 16,
	                                 16, plain, 0, expected);
	OK(p11->C_EncryptInit(s, &m.mechanism, key));
	n = sizeof(out);
	OK(p11->C_Encrypt(s, NULL, 0, out, &n));
	s_same("GCM of nothing", out, n, expected, expected_length);
	OK(p11->C_DecryptInit(s, &m.mechanism, key));
	n = sizeof(out);
	OK(p11->C_Decrypt(s, expected, expected_length, out, &n));
	assert_int_equal(n, 0);
	OK(p11->C_EncryptInit(s, &m.mechanism, key));
	n = sizeof(out);
	RV(p11->C_Encrypt(s, NULL, 5, out, &n), CKR_ARGUMENTS_BAD);

	/* NULL length pointer. */
	OK(p11->C_EncryptInit(s, &m.mechanism, key));
	RV(p11->C_Encrypt(s, plain, 40, out, NULL), CKR_ARGUMENTS_BAD);
}

static void test_length_multi_part(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	CK_OBJECT_HANDLE key = aes_key(s, 16);
	uint8_t plain[100], iv[16], expected[128], out[128];
	s_fill(plain, sizeof(plain), 4);
	s_fill(iv, sizeof(iv), 5);
	size_t expected_length = o_cipher("AES-128-CBC", true, true, key16, iv,
	                                  plain, 100, expected);
	assert_int_equal(expected_length, 112);
	s_mechanism m;
	s_mech_cbc(&m, CKM_AES_CBC_PAD, iv);

	OK(p11->C_EncryptInit(s, &m.mechanism, key));
	/* 40 bytes give two blocks now: the query says at least 32. */
	CK_ULONG n = 0;
	OK(p11->C_EncryptUpdate(s, plain, 40, NULL, &n));
	assert_true(n >= 32);
	CK_ULONG needed = n;
	n = 16;
	RV(p11->C_EncryptUpdate(s, plain, 40, out, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, needed);
	n = sizeof(out);
	OK(p11->C_EncryptUpdate(s, plain, 40, out, &n));
	assert_int_equal(n, 32);
	size_t done = n;
	n = sizeof(out) - done;
	OK(p11->C_EncryptUpdate(s, plain + 40, 60, out + done, &n));
	done += n;
	/* The final block: query, too small, retry. */
	n = 0;
	OK(p11->C_EncryptFinal(s, NULL, &n));
	assert_true(n >= expected_length - done);
	n = expected_length - done - 1;
	RV(p11->C_EncryptFinal(s, out + done, &n), CKR_BUFFER_TOO_SMALL);
	assert_true(n >= expected_length - done);
	n = sizeof(out) - done;
	OK(p11->C_EncryptFinal(s, out + done, &n));
	done += n;
	s_same("CBC_PAD multi-part after CKR_BUFFER_TOO_SMALL", out, done,
	       expected, expected_length);
	RV(p11->C_EncryptFinal(s, out, &n), CKR_OPERATION_NOT_INITIALIZED);

	/* CBC_PAD decryption holds the last block back until the final. */
	OK(p11->C_DecryptInit(s, &m.mechanism, key));
	n = sizeof(out);
	OK(p11->C_DecryptUpdate(s, expected, 112, out, &n));
	assert_int_equal(n, 96);
	done = n;
	n = 0;
	OK(p11->C_DecryptFinal(s, NULL, &n));
	assert_true(n >= 4);
	n = 3;
	RV(p11->C_DecryptFinal(s, out + done, &n), CKR_BUFFER_TOO_SMALL);
	n = 4;
	OK(p11->C_DecryptFinal(s, out + done, &n));
	done += n;
	s_same("CBC_PAD multi-part decryption", out, done, plain, 100);

	/* GCM multi-part encryption: everything comes at the final. */
	uint8_t gcm_iv[12];
	s_fill(gcm_iv, sizeof(gcm_iv), 6);
	expected_length = o_aead_encrypt(O_GCM, key16, 16, gcm_iv, 12, NULL, 0,
	                                 16, plain, 100, expected);
	s_mech_gcm(&m, gcm_iv, 12, NULL, 0, 128);
	OK(p11->C_EncryptInit(s, &m.mechanism, key));
	n = sizeof(out);
	OK(p11->C_EncryptUpdate(s, plain, 100, out, &n));
	done = n;
	n = 0;
	OK(p11->C_EncryptFinal(s, NULL, &n));
	assert_true(n >= expected_length - done);
	n = 10;
	RV(p11->C_EncryptFinal(s, out + done, &n), CKR_BUFFER_TOO_SMALL);
	assert_true(n >= expected_length - done);
	n = sizeof(out) - done;
	OK(p11->C_EncryptFinal(s, out + done, &n));
	done += n;
	s_same("GCM multi-part after CKR_BUFFER_TOO_SMALL", out, done, expected,
	       expected_length);

	/* Empty parts may come as NULL pointers. */
	OK(p11->C_EncryptInit(s, &m.mechanism, key));
	n = sizeof(out);
	OK(p11->C_EncryptUpdate(s, NULL, 0, out, &n));
	assert_int_equal(n, 0);
	n = sizeof(out);
	OK(p11->C_EncryptUpdate(s, plain, 100, out, &n));
	done = n;
	n = sizeof(out);
	OK(p11->C_EncryptUpdate(s, NULL, 0, out + done, &n));
	done += n;
	n = sizeof(out) - done;
	OK(p11->C_EncryptFinal(s, out + done, &n));
	done += n;
	s_same("GCM multi-part with empty NULL parts", out, done, expected,
	       expected_length);

	/* C_Encrypt cannot finish a multi-part operation. */
	OK(p11->C_EncryptInit(s, &m.mechanism, key));
	n = sizeof(out);
	OK(p11->C_EncryptUpdate(s, plain, 16, out, &n));
	n = sizeof(out);
	CK_RV rv = p11->C_Encrypt(s, plain, 16, out, &n);
	if (rv == CKR_OK)
		fail_msg("C_Encrypt in the middle of a multi-part operation "
		         "succeeded");
	p11->C_EncryptFinal(s, NULL, &n); /* whatever is left */
}

/* ===================================================================== */
/* AEAD: no plaintext unless the tag verifies                              */
/* ===================================================================== */

typedef struct aead_case {
	const char *name;
	CK_KEY_TYPE key_type;
	size_t key_length;
	o_aead_kind kind; /* for the mechanism */
	size_t nonce_length;
	size_t tag_length;
} aead_case;

static void aead_mechanism(s_mechanism *m, const aead_case *c,
                           const uint8_t *nonce, const uint8_t *aad,
                           size_t aad_length, size_t data_length)
{
	switch (c->kind) {
	case O_GCM:
		s_mech_gcm(m, nonce, c->nonce_length, aad, aad_length,
		           c->tag_length * 8);
		break;
	case O_CCM:
		s_mech_ccm(m, data_length, nonce, c->nonce_length, aad,
		           aad_length, c->tag_length);
		break;
	case O_CHACHA:
		s_mech_chacha(m, nonce, c->nonce_length, aad, aad_length);
		break;
	}
}

/* Decrypts a bad input every way; nothing may reach the output. */
static void refuse_everywhere(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                              CK_OBJECT_HANDLE key, const uint8_t *input,
                              size_t length, const char *what)
{
	uint8_t out[300];
	/* Single-part into a big buffer. */
	memset(out, PATTERN, sizeof(out));
	OKW(what, p11->C_DecryptInit(s, m, key));
	CK_ULONG n = sizeof(out);
	RVW(what, p11->C_Decrypt(s, (CK_BYTE_PTR)input, length, out, &n),
	    CKR_ENCRYPTED_DATA_INVALID);
	if (!all_pattern(out, sizeof(out)))
		fail_msg("%s: C_Decrypt wrote to the output", what);
	/* The operation is over. */
	RVW(what, p11->C_Decrypt(s, (CK_BYTE_PTR)input, length, out, &n),
	    CKR_OPERATION_NOT_INITIALIZED);
	/* Single-part into a short buffer (the token decrypts aside). */
	OKW(what, p11->C_DecryptInit(s, m, key));
	n = 1;
	RVW(what, p11->C_Decrypt(s, (CK_BYTE_PTR)input, length, out, &n),
	    CKR_ENCRYPTED_DATA_INVALID);
	if (!all_pattern(out, sizeof(out)))
		fail_msg("%s: C_Decrypt (short buffer) wrote to the output",
		         what);
	/* Multi-part: the updates release nothing, the final fails. */
	OKW(what, p11->C_DecryptInit(s, m, key));
	size_t done = 0;
	while (done < length) {
		size_t part = length - done < 17 ? length - done : 17;
		n = sizeof(out);
		OKW(what, p11->C_DecryptUpdate(s, (CK_BYTE_PTR)input + done,
		                               part, out, &n));
		if (n != 0)
			fail_msg("%s: C_DecryptUpdate released %lu bytes", what,
			         (unsigned long)n);
		done += part;
	}
	n = sizeof(out);
	RVW(what, p11->C_DecryptFinal(s, out, &n), CKR_ENCRYPTED_DATA_INVALID);
	if (!all_pattern(out, sizeof(out)))
		fail_msg("%s: C_DecryptUpdate/C_DecryptFinal wrote plaintext",
		         what);
	RVW(what, p11->C_DecryptFinal(s, out, &n),
	    CKR_OPERATION_NOT_INITIALIZED);
}

static void test_aead_tampered(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	static const aead_case cases[] = {
	        {"AES-256-GCM, 12-byte IV", CKK_AES, 32, O_GCM, 12, 16},
	        {"AES-128-GCM, 12-byte IV", CKK_AES, 16, O_GCM, 12, 16},
	        {"AES-256-GCM, 60-byte IV, 96-bit tag", CKK_AES, 32, O_GCM, 60,
	         12},
	        {"AES-128-CCM, 13-byte nonce", CKK_AES, 16, O_CCM, 13, 16},
	        {"AES-256-CCM, 7-byte nonce, 8-byte tag", CKK_AES, 32, O_CCM, 7,
	         8},
	        {"ChaCha20-Poly1305, 12-byte nonce", CKK_CHACHA20, 32, O_CHACHA,
	         12, 16},
	        {"ChaCha20-Poly1305, 8-byte nonce", CKK_CHACHA20, 32, O_CHACHA,
	         8, 16},
	        {"ChaCha20-Poly1305, 24-byte nonce", CKK_CHACHA20, 32, O_CHACHA,
	         24, 16},
	};
	uint8_t nonce[60], aad[24], other_aad[24], plain[100];
	s_fill(nonce, sizeof(nonce), 7);
	s_fill(aad, sizeof(aad), 8);
	memcpy(other_aad, aad, sizeof(aad));
	other_aad[5] ^= 0x01;
	s_fill(plain, sizeof(plain), 9);
	for (size_t i = 0; i < H_ARRAY_SIZE(cases); i++) {
		const aead_case *c = &cases[i];
		uint8_t key_value[32];
		s_fill(key_value, c->key_length, 50 + (unsigned)i);
		CK_OBJECT_HANDLE key =
		        s_import_key(s, c->key_type, key_value, c->key_length);
		s_mechanism m;
		aead_mechanism(&m, c, nonce, aad, sizeof(aad), sizeof(plain));
		uint8_t sealed[200], out[200];
		size_t sealed_length = sizeof(sealed);
		OKW(c->name, s_encrypt(s, &m.mechanism, key, plain,
		                       sizeof(plain), sealed, &sealed_length));
		assert_int_equal(sealed_length, sizeof(plain) + c->tag_length);
		if (c->kind != O_CHACHA || c->nonce_length == 12) {
			uint8_t expected[200];
			size_t expected_length = o_aead_encrypt(
			        c->kind, key_value, c->key_length, nonce,
			        c->nonce_length, aad, sizeof(aad),
			        c->tag_length, plain, sizeof(plain), expected);
			s_same(c->name, sealed, sealed_length, expected,
			       expected_length);
		}
		/* The untouched input decrypts. */
		size_t n = sizeof(out);
		OKW(c->name, s_decrypt(s, &m.mechanism, key, sealed,
		                       sealed_length, out, &n));
		s_same(c->name, out, n, plain, sizeof(plain));

		char what[128];
		sealed[sealed_length - 1] ^= 0x80;
		snprintf(what, sizeof(what), "%s, tag tampered", c->name);
		refuse_everywhere(s, &m.mechanism, key, sealed, sealed_length,
		                  what);
		sealed[sealed_length - 1] ^= 0x80;
		sealed[0] ^= 0x01;
		snprintf(what, sizeof(what), "%s, ciphertext tampered",
		         c->name);
		refuse_everywhere(s, &m.mechanism, key, sealed, sealed_length,
		                  what);
		sealed[0] ^= 0x01;
		s_mechanism other;
		aead_mechanism(&other, c, nonce, other_aad, sizeof(other_aad),
		               sizeof(plain));
		snprintf(what, sizeof(what), "%s, AAD changed", c->name);
		refuse_everywhere(s, &other.mechanism, key, sealed,
		                  sealed_length, what);
		/* Another nonce. */
		nonce[0] ^= 0x01;
		aead_mechanism(&other, c, nonce, aad, sizeof(aad),
		               sizeof(plain));
		snprintf(what, sizeof(what), "%s, nonce changed", c->name);
		refuse_everywhere(s, &other.mechanism, key, sealed,
		                  sealed_length, what);
		nonce[0] ^= 0x01;
		/* Shorter than the tag: refused on its length (or as
		 * invalid), and nothing written. */
		if (c->kind != O_CCM) {
			uint8_t buffer[64];
			memset(buffer, PATTERN, sizeof(buffer));
			OK(p11->C_DecryptInit(s, &m.mechanism, key));
			CK_ULONG got = sizeof(buffer);
			CK_RV rv = p11->C_Decrypt(s, sealed, c->tag_length - 1,
			                          buffer, &got);
			if (rv != CKR_ENCRYPTED_DATA_LEN_RANGE &&
			    rv != CKR_ENCRYPTED_DATA_INVALID)
				fail_msg("%s: %zu bytes decrypted: %s", c->name,
				         c->tag_length - 1, s_rv_name(rv));
			assert_true(all_pattern(buffer, sizeof(buffer)));
		}
	}
}

/* ===================================================================== */
/* Block lengths and padding                                               */
/* ===================================================================== */

static void test_block_length_errors(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	CK_OBJECT_HANDLE key = aes_key(s, 16);
	uint8_t data[64], out[128], iv[16];
	s_fill(data, sizeof(data), 10);
	s_fill(iv, sizeof(iv), 11);
	static const size_t one[] = {1}, seven[] = {7};
	s_mechanism modes[3];
	s_mech_plain(&modes[0], CKM_AES_ECB);
	s_mech_cbc(&modes[1], CKM_AES_CBC, iv);
	s_mech_cbc(&modes[2], CKM_AES_CBC_PAD, iv);
	static const char *names[] = {"ECB", "CBC", "CBC_PAD"};
	for (size_t i = 0; i < 3; i++) {
		CK_MECHANISM *m = &modes[i].mechanism;
		size_t lengths[] = {17, 15, 1};
		for (size_t l = 0; l < H_ARRAY_SIZE(lengths); l++) {
			char what[64];
			snprintf(what, sizeof(what), "%s, %zu bytes", names[i],
			         lengths[l]);
			size_t n = sizeof(out);
			if (i < 2) {
				RVW(what,
				    s_encrypt(s, m, key, data, lengths[l], out,
				              &n),
				    CKR_DATA_LEN_RANGE);
				n = sizeof(out);
				RVW(what,
				    s_crypt_parts(s, true, m, key, data,
				                  lengths[l], seven, 1, out,
				                  &n),
				    CKR_DATA_LEN_RANGE);
			}
			n = sizeof(out);
			RVW(what,
			    s_decrypt(s, m, key, data, lengths[l], out, &n),
			    CKR_ENCRYPTED_DATA_LEN_RANGE);
			n = sizeof(out);
			RVW(what,
			    s_crypt_parts(s, false, m, key, data, lengths[l],
			                  one, 1, out, &n),
			    CKR_ENCRYPTED_DATA_LEN_RANGE);
		}
	}
	/* CBC_PAD: nothing to decrypt is not a ciphertext either. */
	size_t n = sizeof(out);
	RV(s_decrypt(s, &modes[2].mechanism, key, data, 0, out, &n),
	   CKR_ENCRYPTED_DATA_LEN_RANGE);

	/* Bad padding: blocks whose plaintext ends in 0x00, 0x11, or in
	 * 0x02 after a byte that is not 0x02. */
	static const uint8_t endings[][2] = {
	        {0x05, 0x00}, {0x05, 0x11}, {0x05, 0x02}};
	for (size_t e = 0; e < H_ARRAY_SIZE(endings); e++) {
		uint8_t block[32], sealed[32];
		s_fill(block, sizeof(block), 12);
		block[30] = endings[e][0];
		block[31] = endings[e][1];
		size_t sealed_length = o_cipher("AES-128-CBC", true, false,
		                                key16, iv, block, 32, sealed);
		char what[64];
		snprintf(what, sizeof(what), "CBC_PAD ending %02x %02x",
		         endings[e][0], endings[e][1]);
		n = sizeof(out);
		RVW(what,
		    s_decrypt(s, &modes[2].mechanism, key, sealed,
		              sealed_length, out, &n),
		    CKR_ENCRYPTED_DATA_INVALID);
		n = sizeof(out);
		RVW(what,
		    s_crypt_parts(s, false, &modes[2].mechanism, key, sealed,
		                  sealed_length, seven, 1, out, &n),
		    CKR_ENCRYPTED_DATA_INVALID);
		/* A buffer below the bound takes the other path. */
		CK_ULONG small = 8;
		OK(p11->C_DecryptInit(s, &modes[2].mechanism, key));
		RVW(what, p11->C_Decrypt(s, sealed, 32, out, &small),
		    CKR_ENCRYPTED_DATA_INVALID);
	}

	/* Key wrap as encryption: RFC 3394 takes 16 bytes or more, in
	 * multiples of 8; RFC 5649 one byte or more. */
	CK_MECHANISM kw = {CKM_AES_KEY_WRAP, NULL, 0};
	static const size_t bad_kw[] = {0, 8, 15, 17};
	for (size_t l = 0; l < H_ARRAY_SIZE(bad_kw); l++) {
		char what[64];
		snprintf(what, sizeof(what), "KEY_WRAP of %zu bytes",
		         bad_kw[l]);
		n = sizeof(out);
		RVW(what, s_encrypt(s, &kw, key, data, bad_kw[l], out, &n),
		    CKR_DATA_LEN_RANGE);
	}
	CK_MECHANISM kwp = {CKM_AES_KEY_WRAP_KWP, NULL, 0};
	n = sizeof(out);
	RV(s_encrypt(s, &kwp, key, data, 0, out, &n), CKR_DATA_LEN_RANGE);
	static const size_t bad_unwrap[] = {0, 8, 20, 23};
	for (size_t l = 0; l < H_ARRAY_SIZE(bad_unwrap); l++) {
		char what[64];
		snprintf(what, sizeof(what), "KEY_WRAP decryption of %zu bytes",
		         bad_unwrap[l]);
		n = sizeof(out);
		RVW(what, s_decrypt(s, &kw, key, data, bad_unwrap[l], out, &n),
		    CKR_ENCRYPTED_DATA_LEN_RANGE);
	}
	/* A tampered wrapped value fails its integrity check. */
	uint8_t wrapped[40];
	size_t wrapped_length = o_wrap(key16, 16, false, data, 32, wrapped);
	wrapped[3] ^= 0x10;
	n = sizeof(out);
	memset(out, PATTERN, sizeof(out));
	RV(s_decrypt(s, &kw, key, wrapped, wrapped_length, out, &n),
	   CKR_ENCRYPTED_DATA_INVALID);
	assert_true(all_pattern(out, sizeof(out)));
}

/* RFC 5649 decryption of a tampered value (its own test: a failed
 * check must not write past the plaintext's room either). */
static void test_kwp_tampered(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	CK_OBJECT_HANDLE key = aes_key(s, 16);
	uint8_t data[64], wrapped[40], out[128];
	s_fill(data, sizeof(data), 10);
	CK_MECHANISM_TYPE types[] = {CKM_AES_KEY_WRAP_KWP,
	                             CKM_AES_KEY_WRAP_PAD};
	static const size_t lengths[] = {20, 7};
	for (size_t t = 0; t < H_ARRAY_SIZE(types); t++)
		for (size_t l = 0; l < H_ARRAY_SIZE(lengths); l++) {
			CK_MECHANISM kwp = {types[t], NULL, 0};
			size_t wrapped_length = o_wrap(key16, 16, true, data,
			                               lengths[l], wrapped);
			wrapped[wrapped_length - 1] ^= 0x10;
			memset(out, PATTERN, sizeof(out));
			size_t n = sizeof(out);
			RV(s_decrypt(s, &kwp, key, wrapped, wrapped_length, out,
			             &n),
			   CKR_ENCRYPTED_DATA_INVALID);
			assert_true(all_pattern(out, sizeof(out)));
			/* Into a buffer of the bound exactly. */
			n = wrapped_length - 8;
			RV(s_decrypt(s, &kwp, key, wrapped, wrapped_length, out,
			             &n),
			   CKR_ENCRYPTED_DATA_INVALID);
			assert_true(all_pattern(out, sizeof(out)));
		}
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_length_single_part), T(test_length_multi_part),
	        T(test_aead_tampered),      T(test_block_length_errors),
	        T(test_kwp_tampered),
	};
#undef T
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
