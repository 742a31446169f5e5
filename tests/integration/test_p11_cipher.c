/* AES (ECB, CBC, CBC_PAD, CTR, GCM, CCM, KEY_WRAP, KEY_WRAP_PAD/KWP)
 * and ChaCha20-Poly1305 through C_Encrypt* / C_Decrypt* of the real
 * module, every result checked against OpenSSL's EVP with the same key
 * value, and against published vectors typed in from their documents:
 * NIST SP 800-38A F.1.1, F.2.1, F.5.1 (ECB, CBC, CTR with AES-128), the
 * GCM specification's test cases 16 and 18 (AES-256, a 12- and a 60-byte
 * IV), NIST SP 800-38C example 1 (CCM, 7-byte nonce, 4-byte tag),
 * RFC 8439 section 2.8.2 (ChaCha20-Poly1305), RFC 3394 section 4.6 and
 * RFC 5649 section 6 (key wrap). Each mode runs single-part and
 * multi-part with awkward part sizes (0, 1, 15, 16, 17, 4096), which must
 * agree, and decrypts back. The length protocol, errors, key generation
 * and CMAC are in test_p11_cipher_api.c. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_symmetric.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIG 8448 /* the longest message (4195 bytes) and more */

static const size_t key_lengths[] = {16, 24, 32};

/* Part-size patterns for the multi-part runs (cycled). */
static const size_t SPLIT_MIX[] = {0, 1, 15, 16, 17, 4096};
static const size_t SPLIT_1[] = {1};
static const size_t SPLIT_15[] = {15};
static const size_t SPLIT_16[] = {16};
static const size_t SPLIT_17[] = {17};
static const size_t SPLIT_4096[] = {4096};
static const struct {
	const size_t *sizes;
	size_t count;
	const char *name;
} splits[] = {
        {SPLIT_MIX, H_ARRAY_SIZE(SPLIT_MIX), "0/1/15/16/17/4096"},
        {SPLIT_1, 1, "1"},
        {SPLIT_15, 1, "15"},
        {SPLIT_16, 1, "16"},
        {SPLIT_17, 1, "17"},
        {SPLIT_4096, 1, "4096"},
};

static uint8_t out[BIG];

/* Encrypts plain single- and multi-part (every split pattern; one-byte
 * parts only for short messages) and expects `expected`; decrypts it back
 * both ways. */
static void check_mode(CK_SESSION_HANDLE s, CK_MECHANISM *m,
                       CK_OBJECT_HANDLE key, const uint8_t *plain,
                       size_t length, const uint8_t *expected,
                       size_t expected_length, const char *what)
{
	char label[256];
	size_t n = sizeof(out);
	snprintf(label, sizeof(label), "%s, C_Encrypt of %zu bytes", what,
	         length);
	OKW(label, s_encrypt(s, m, key, plain, length, out, &n));
	s_same(label, out, n, expected, expected_length);
	n = sizeof(out);
	snprintf(label, sizeof(label), "%s, C_Decrypt of %zu bytes", what,
	         expected_length);
	OKW(label, s_decrypt(s, m, key, expected, expected_length, out, &n));
	s_same(label, out, n, plain, length);
	for (size_t p = 0; p < H_ARRAY_SIZE(splits); p++) {
		if (splits[p].sizes == SPLIT_1 && length > 1100)
			continue;
		snprintf(label, sizeof(label),
		         "%s, C_EncryptUpdate of %zu bytes in parts of %s",
		         what, length, splits[p].name);
		n = sizeof(out);
		OKW(label,
		    s_crypt_parts(s, true, m, key, plain, length,
		                  splits[p].sizes, splits[p].count, out, &n));
		s_same(label, out, n, expected, expected_length);
		snprintf(label, sizeof(label),
		         "%s, C_DecryptUpdate of %zu bytes in parts of %s",
		         what, expected_length, splits[p].name);
		n = sizeof(out);
		OKW(label,
		    s_crypt_parts(s, false, m, key, expected, expected_length,
		                  splits[p].sizes, splits[p].count, out, &n));
		s_same(label, out, n, plain, length);
	}
}

/* ===================================================================== */
/* Published vectors                                                       */
/* ===================================================================== */

/* NIST SP 800-38A appendix F: AES-128, the four-block plaintext. */
static const char SP800_38A_KEY[] = "2b7e151628aed2a6abf7158809cf4f3c";
static const char SP800_38A_PLAIN[] =
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
        "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

static void test_vectors_sp800_38a(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	uint8_t key_value[16], plain[64], expected[64], iv[16];
	s_unhex(SP800_38A_KEY, key_value, sizeof(key_value));
	s_unhex(SP800_38A_PLAIN, plain, sizeof(plain));
	CK_OBJECT_HANDLE key = s_import_key(s, CKK_AES, key_value, 16);
	s_mechanism m;

	/* F.1.1 ECB-AES128.Encrypt */
	s_unhex("3ad77bb40d7a3660a89ecaf32466ef97f5d3d58503b9699de785895a96fdba"
	        "af"
	        "43b1cd7f598ece23881b00e3ed0306887b0c785e27e8ad3f8223207104725d"
	        "d4",
	        expected, sizeof(expected));
	s_mech_plain(&m, CKM_AES_ECB);
	check_mode(s, &m.mechanism, key, plain, 64, expected, 64,
	           "SP 800-38A F.1.1 ECB");

	/* F.2.1 CBC-AES128.Encrypt */
	s_unhex("000102030405060708090a0b0c0d0e0f", iv, sizeof(iv));
	s_unhex("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678"
	        "b2"
	        "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1"
	        "a7",
	        expected, sizeof(expected));
	s_mech_cbc(&m, CKM_AES_CBC, iv);
	check_mode(s, &m.mechanism, key, plain, 64, expected, 64,
	           "SP 800-38A F.2.1 CBC");

	/* F.5.1 CTR-AES128.Encrypt, the whole block as the counter. */
	s_unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", iv, sizeof(iv));
	s_unhex("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffd"
	        "ff"
	        "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009c"
	        "ee",
	        expected, sizeof(expected));
	s_mech_ctr(&m, iv, 128);
	check_mode(s, &m.mechanism, key, plain, 64, expected, 64,
	           "SP 800-38A F.5.1 CTR");
	/* The counter's low byte goes 0xff -> 0x00 -> ... with a carry into
	 * byte 14: fine with 16 counter bits, and the same result. */
	s_mech_ctr(&m, iv, 16);
	check_mode(s, &m.mechanism, key, plain, 64, expected, 64,
	           "SP 800-38A F.5.1 CTR, 16 counter bits");
}

/* The GCM specification (McGrew, Viega), appendix B, test cases 16 (a
 * 96-bit IV) and 18 (a 60-byte IV), AES-256. */
static void test_vectors_gcm(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	uint8_t key_value[32], plain[60], aad[20], iv[60], expected[76];
	s_unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f94673083"
	        "08",
	        key_value, sizeof(key_value));
	s_unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a"
	        "72"
	        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	        plain, sizeof(plain));
	s_unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad, sizeof(aad));
	CK_OBJECT_HANDLE key = s_import_key(s, CKK_AES, key_value, 32);
	s_mechanism m;

	size_t iv_length = s_unhex("cafebabefacedbaddecaf888", iv, sizeof(iv));
	s_unhex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1"
	        "aa"
	        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
	        "76fc6ece0f4e1768cddf8853bb2d551b",
	        expected, sizeof(expected));
	s_mech_gcm(&m, iv, iv_length, aad, sizeof(aad), 128);
	check_mode(s, &m.mechanism, key, plain, 60, expected, 76,
	           "GCM test case 16");
	/* The same with the tag truncated to 96 bits. */
	s_mech_gcm(&m, iv, iv_length, aad, sizeof(aad), 96);
	check_mode(s, &m.mechanism, key, plain, 60, expected, 72,
	           "GCM test case 16, 96-bit tag");

	iv_length = s_unhex(
	        "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a7"
	        "28"
	        "c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b",
	        iv, sizeof(iv));
	assert_int_equal(iv_length, 60);
	s_unhex("5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746b"
	        "f4"
	        "0fc0c3b780f244452da3ebf1c5d82cdea2418997200ef82e44ae7e3f"
	        "a44a8266ee1c8eb0c8b5d4cf5ae9f19a",
	        expected, sizeof(expected));
	s_mech_gcm(&m, iv, iv_length, aad, sizeof(aad), 128);
	check_mode(s, &m.mechanism, key, plain, 60, expected, 76,
	           "GCM test case 18 (60-byte IV)");
}

/* NIST SP 800-38C appendix C.1 (example 1): 7-byte nonce, 4-byte tag. */
static void test_vectors_ccm(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	uint8_t key_value[16], nonce[7], aad[8], plain[4], expected[8];
	s_unhex("404142434445464748494a4b4c4d4e4f", key_value,
	        sizeof(key_value));
	s_unhex("10111213141516", nonce, sizeof(nonce));
	s_unhex("0001020304050607", aad, sizeof(aad));
	s_unhex("20212223", plain, sizeof(plain));
	s_unhex("7162015b4dac255d", expected, sizeof(expected));
	CK_OBJECT_HANDLE key = s_import_key(s, CKK_AES, key_value, 16);
	s_mechanism m;
	s_mech_ccm(&m, sizeof(plain), nonce, sizeof(nonce), aad, sizeof(aad),
	           4);
	check_mode(s, &m.mechanism, key, plain, 4, expected, 8,
	           "SP 800-38C example 1");
}

/* RFC 8439 section 2.8.2. */
static void test_vectors_chacha20_poly1305(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	static const char plain[] =
	        "Ladies and Gentlemen of the class of '99: If I could offer "
	        "you only one tip for the future, sunscreen would be it.";
	uint8_t key_value[32], nonce[12], aad[12], expected[130];
	s_unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e"
	        "9f",
	        key_value, sizeof(key_value));
	s_unhex("070000004041424344454647", nonce, sizeof(nonce));
	s_unhex("50515253c0c1c2c3c4c5c6c7", aad, sizeof(aad));
	size_t expected_length = s_unhex("d31a8d34648e60db7b86afbc53ef7ec2a4ade"
	                                 "d51296e08fea9e2b5a736ee62d6"
	                                 "3dbea45e8ca9671282fafb69da92728b1a71d"
	                                 "e0a9e060b2905d6a5b67ecd3b36"
	                                 "92ddbd7f2d778b8c9803aee328091b58fab32"
	                                 "4e4fad675945585808b4831d7bc"
	                                 "3ff4def08e4b7a9de576d26586cec64b6116"
	                                 "1ae10b594f09e26a7e902ecbd0600691",
	                                 expected, sizeof(expected));
	assert_int_equal(expected_length, strlen(plain) + 16);
	CK_OBJECT_HANDLE key = s_import_key(s, CKK_CHACHA20, key_value, 32);
	s_mechanism m;
	s_mech_chacha(&m, nonce, sizeof(nonce), aad, sizeof(aad));
	check_mode(s, &m.mechanism, key, (const uint8_t *)plain, strlen(plain),
	           expected, expected_length, "RFC 8439 2.8.2");
}

/* RFC 3394 section 4.6 (256 bits of key data, 256-bit KEK) and RFC 5649
 * section 6 (20 and 7 octets, 192-bit KEK), through C_Encrypt and
 * C_Decrypt. */
static void test_vectors_key_wrap(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	uint8_t kek[32], data[32], expected[40];
	s_unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e"
	        "1f",
	        kek, sizeof(kek));
	s_unhex("00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e"
	        "0f",
	        data, sizeof(data));
	s_unhex("28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f4"
	        "3b"
	        "fb988b9b7a02dd21",
	        expected, sizeof(expected));
	CK_OBJECT_HANDLE key = s_import_key(s, CKK_AES, kek, 32);
	CK_MECHANISM m = {CKM_AES_KEY_WRAP, NULL, 0};
	size_t n = sizeof(out);
	OK(s_encrypt(s, &m, key, data, 32, out, &n));
	s_same("RFC 3394 4.6 wrap", out, n, expected, 40);
	n = sizeof(out);
	OK(s_decrypt(s, &m, key, expected, 40, out, &n));
	s_same("RFC 3394 4.6 unwrap", out, n, data, 32);

	s_unhex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", kek, 24);
	key = s_import_key(s, CKK_AES, kek, 24);
	static const struct {
		const char *data, *wrapped;
	} rfc5649[] = {
	        {"c37b7e6492584340bed12207808941155068f738",
	         "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543"
	         "b6a"},
	        {"466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"},
	};
	CK_MECHANISM_TYPE kwp[] = {CKM_AES_KEY_WRAP_PAD, CKM_AES_KEY_WRAP_KWP};
	for (size_t t = 0; t < H_ARRAY_SIZE(kwp); t++)
		for (size_t v = 0; v < H_ARRAY_SIZE(rfc5649); v++) {
			size_t data_length =
			        s_unhex(rfc5649[v].data, data, sizeof(data));
			size_t wrapped_length = s_unhex(
			        rfc5649[v].wrapped, expected, sizeof(expected));
			CK_MECHANISM mp = {kwp[t], NULL, 0};
			char label[96];
			snprintf(label, sizeof(label),
			         "RFC 5649 (%zu octets) with 0x%lx",
			         data_length, (unsigned long)kwp[t]);
			n = sizeof(out);
			OKW(label,
			    s_encrypt(s, &mp, key, data, data_length, out, &n));
			s_same(label, out, n, expected, wrapped_length);
			n = sizeof(out);
			OKW(label, s_decrypt(s, &mp, key, expected,
			                     wrapped_length, out, &n));
			s_same(label, out, n, data, data_length);
		}
}

/* ===================================================================== */
/* Against OpenSSL                                                         */
/* ===================================================================== */

static uint8_t plain[BIG], expected[BIG];

static void test_block_modes(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	static const struct {
		const char *ossl_mode;
		CK_MECHANISM_TYPE type;
		bool padding;
		bool whole_blocks; /* the input must be whole blocks */
	} modes[] = {
	        {"ECB", CKM_AES_ECB, false, true},
	        {"CBC", CKM_AES_CBC, false, true},
	        {"CBC", CKM_AES_CBC_PAD, true, false},
	        {"CTR", CKM_AES_CTR, false, false},
	};
	/* Whole-block lengths for ECB/CBC; any for the others. */
	static const size_t block_lengths[] = {16, 48, 4192};
	static const size_t any_lengths[] = {0, 1, 15, 16, 17, 100, 4195};
	s_fill(plain, sizeof(plain), 1);
	uint8_t iv[16];
	s_fill(iv, sizeof(iv), 2);
	for (size_t k = 0; k < H_ARRAY_SIZE(key_lengths); k++) {
		uint8_t key_value[32];
		s_fill(key_value, key_lengths[k], 10 + (unsigned)k);
		CK_OBJECT_HANDLE key =
		        s_import_key(s, CKK_AES, key_value, key_lengths[k]);
		for (size_t i = 0; i < H_ARRAY_SIZE(modes); i++) {
			const size_t *lengths = modes[i].whole_blocks
			                                ? block_lengths
			                                : any_lengths;
			size_t count = modes[i].whole_blocks
			                       ? H_ARRAY_SIZE(block_lengths)
			                       : H_ARRAY_SIZE(any_lengths);
			s_mechanism m;
			if (modes[i].type == CKM_AES_ECB)
				s_mech_plain(&m, CKM_AES_ECB);
			else if (modes[i].type == CKM_AES_CTR)
				s_mech_ctr(&m, iv, 128);
			else
				s_mech_cbc(&m, modes[i].type, iv);
			for (size_t l = 0; l < count; l++) {
				const char *name = o_aes_name(
				        key_lengths[k], modes[i].ossl_mode);
				size_t n = o_cipher(
				        name, true, modes[i].padding, key_value,
				        modes[i].type == CKM_AES_ECB ? NULL
				                                     : iv,
				        plain, lengths[l], expected);
				char what[64];
				snprintf(what, sizeof(what), "%s%s", name,
				         modes[i].padding ? " with padding"
				                          : "");
				check_mode(s, &m.mechanism, key, plain,
				           lengths[l], expected, n, what);
			}
		}
	}
}

/* CTR with fewer counter bits: the same as OpenSSL's full-width counter
 * while the low bits do not wrap; a counter that would wrap is refused. */
static void test_ctr_counter_bits(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	uint8_t key_value[16], block[16];
	s_fill(key_value, sizeof(key_value), 3);
	s_fill(plain, sizeof(plain), 4);
	CK_OBJECT_HANDLE key = s_import_key(s, CKK_AES, key_value, 16);
	s_mechanism m;

	/* 32 counter bits starting at 0xfffffff0: 16 blocks fit. */
	s_fill(block, sizeof(block), 5);
	memset(block + 12, 0xff, 4);
	block[15] = 0xf0;
	size_t n = o_cipher("AES-128-CTR", true, false, key_value, block, plain,
	                    256, expected);
	s_mech_ctr(&m, block, 32);
	check_mode(s, &m.mechanism, key, plain, 256, expected, n,
	           "CTR, 32 counter bits, 16 blocks");
	/* ... and a partial 17th block would reuse counter 0. */
	n = sizeof(out);
	RV(s_encrypt(s, &m.mechanism, key, plain, 257, out, &n),
	   CKR_DATA_LEN_RANGE);
	n = sizeof(out);
	RV(s_crypt_parts(s, true, &m.mechanism, key, plain, 257, SPLIT_16, 1,
	                 out, &n),
	   CKR_DATA_LEN_RANGE);
	/* Decryption is the same operation and refuses the same way. */
	n = sizeof(out);
	RV(s_decrypt(s, &m.mechanism, key, plain, 272, out, &n),
	   CKR_ENCRYPTED_DATA_LEN_RANGE);

	/* 8 counter bits at 0xfe: two blocks, not three. */
	block[15] = 0xfe;
	s_mech_ctr(&m, block, 8);
	n = o_cipher("AES-128-CTR", true, false, key_value, block, plain, 32,
	             expected);
	check_mode(s, &m.mechanism, key, plain, 32, expected, n,
	           "CTR, 8 counter bits, 2 blocks");
	n = sizeof(out);
	RV(s_encrypt(s, &m.mechanism, key, plain, 33, out, &n),
	   CKR_DATA_LEN_RANGE);

	/* 128 counter bits, all ones: one block, then it would wrap. */
	memset(block, 0xff, sizeof(block));
	s_mech_ctr(&m, block, 128);
	n = o_cipher("AES-128-CTR", true, false, key_value, block, plain, 16,
	             expected);
	check_mode(s, &m.mechanism, key, plain, 16, expected, n,
	           "CTR, 128 counter bits at the top");
	n = sizeof(out);
	RV(s_encrypt(s, &m.mechanism, key, plain, 17, out, &n),
	   CKR_DATA_LEN_RANGE);

	/* 64 counter bits that carry inside the low half: as OpenSSL. */
	s_fill(block, sizeof(block), 6);
	memset(block + 8, 0, 8);
	block[15] = 0xf8;
	block[14] = 0xff;
	s_mech_ctr(&m, block, 64);
	n = o_cipher("AES-128-CTR", true, false, key_value, block, plain, 4195,
	             expected);
	check_mode(s, &m.mechanism, key, plain, 4195, expected, n,
	           "CTR, 64 counter bits, a carry inside them");
}

static void test_gcm(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	uint8_t iv[60], aad[300];
	s_fill(iv, sizeof(iv), 7);
	s_fill(aad, sizeof(aad), 8);
	s_fill(plain, sizeof(plain), 9);
	static const size_t iv_lengths[] = {12, 1, 60};
	static const size_t aad_lengths[] = {0, 20, 300};
	static const CK_ULONG tag_bits[] = {128, 96, 120, 64, 32};
	static const size_t lengths[] = {0, 1, 17, 4195};
	for (size_t k = 0; k < H_ARRAY_SIZE(key_lengths); k++) {
		uint8_t key_value[32];
		s_fill(key_value, key_lengths[k], 20 + (unsigned)k);
		CK_OBJECT_HANDLE key =
		        s_import_key(s, CKK_AES, key_value, key_lengths[k]);
		for (size_t v = 0; v < H_ARRAY_SIZE(iv_lengths); v++)
			for (size_t a = 0; a < H_ARRAY_SIZE(aad_lengths); a++)
				for (size_t t = 0; t < H_ARRAY_SIZE(tag_bits);
				     t++)
					for (size_t l = 0;
					     l < H_ARRAY_SIZE(lengths); l++) {
						/* The long message with the
						 * main parameters only. */
						if (lengths[l] > 100 &&
						    (a != 1 || t != 0))
							continue;
						s_mechanism m;
						s_mech_gcm(&m, iv,
						           iv_lengths[v], aad,
						           aad_lengths[a],
						           tag_bits[t]);
						size_t n = o_aead_encrypt(
						        O_GCM, key_value,
						        key_lengths[k], iv,
						        iv_lengths[v], aad,
						        aad_lengths[a],
						        tag_bits[t] / 8, plain,
						        lengths[l], expected);
						char what[96];
						snprintf(what, sizeof(what),
						         "AES-%zu-GCM, IV %zu, "
						         "AAD %zu, tag %lu",
						         key_lengths[k] * 8,
						         iv_lengths[v],
						         aad_lengths[a],
						         tag_bits[t]);
						check_mode(s, &m.mechanism, key,
						           plain, lengths[l],
						           expected, n, what);
					}
	}
}

static void test_ccm(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	uint8_t nonce[13], aad[40];
	s_fill(nonce, sizeof(nonce), 11);
	s_fill(aad, sizeof(aad), 12);
	s_fill(plain, sizeof(plain), 13);
	static const size_t nonce_lengths[] = {7, 13, 10};
	static const size_t lengths[] = {0, 1, 33, 4195};
	for (size_t k = 0; k < H_ARRAY_SIZE(key_lengths); k++) {
		uint8_t key_value[32];
		s_fill(key_value, key_lengths[k], 30 + (unsigned)k);
		CK_OBJECT_HANDLE key =
		        s_import_key(s, CKK_AES, key_value, key_lengths[k]);
		for (size_t v = 0; v < H_ARRAY_SIZE(nonce_lengths); v++)
			for (size_t tag = 4; tag <= 16; tag += 2)
				for (size_t l = 0; l < H_ARRAY_SIZE(lengths);
				     l++) {
					if (lengths[l] > 100 && tag != 16 &&
					    tag != 4)
						continue;
					size_t aad_length = (tag % 4) ? 0 : 40;
					s_mechanism m;
					s_mech_ccm(&m, lengths[l], nonce,
					           nonce_lengths[v], aad,
					           aad_length, tag);
					size_t n = o_aead_encrypt(
					        O_CCM, key_value,
					        key_lengths[k], nonce,
					        nonce_lengths[v], aad,
					        aad_length, tag, plain,
					        lengths[l], expected);
					char what[96];
					snprintf(what, sizeof(what),
					         "AES-%zu-CCM, nonce %zu, AAD "
					         "%zu, tag %zu",
					         key_lengths[k] * 8,
					         nonce_lengths[v], aad_length,
					         tag);
					check_mode(s, &m.mechanism, key, plain,
					           lengths[l], expected, n,
					           what);
				}
	}
}

static void test_chacha20_poly1305(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	uint8_t key_value[32], nonce[24], aad[50];
	s_fill(key_value, sizeof(key_value), 14);
	s_fill(nonce, sizeof(nonce), 15);
	s_fill(aad, sizeof(aad), 16);
	s_fill(plain, sizeof(plain), 17);
	CK_OBJECT_HANDLE key = s_import_key(s, CKK_CHACHA20, key_value, 32);
	static const size_t lengths[] = {0, 1, 64, 65, 4195};
	static const size_t aad_lengths[] = {0, 50};
	/* The IETF form (12-byte nonce) against OpenSSL. */
	for (size_t a = 0; a < H_ARRAY_SIZE(aad_lengths); a++)
		for (size_t l = 0; l < H_ARRAY_SIZE(lengths); l++) {
			s_mechanism m;
			s_mech_chacha(&m, nonce, 12, aad, aad_lengths[a]);
			size_t n =
			        o_aead_encrypt(O_CHACHA, key_value, 32, nonce,
			                       12, aad, aad_lengths[a], 16,
			                       plain, lengths[l], expected);
			char what[80];
			snprintf(what, sizeof(what),
			         "ChaCha20-Poly1305, AAD %zu", aad_lengths[a]);
			check_mode(s, &m.mechanism, key, plain, lengths[l],
			           expected, n, what);
		}
	/* The original (8-byte) and XChaCha20 (24-byte) nonces: the token
	 * agrees with itself, single- and multi-part, and each nonce length
	 * gives a different ciphertext. */
	uint8_t c12[200], c8[200], c24[200];
	size_t n12 = sizeof(c12), n8 = sizeof(c8), n24 = sizeof(c24);
	s_mechanism m;
	s_mech_chacha(&m, nonce, 12, aad, 50);
	OK(s_encrypt(s, &m.mechanism, key, plain, 100, c12, &n12));
	static const size_t other_nonces[] = {8, 24};
	for (size_t i = 0; i < H_ARRAY_SIZE(other_nonces); i++) {
		uint8_t *c = other_nonces[i] == 8 ? c8 : c24;
		size_t *cn = other_nonces[i] == 8 ? &n8 : &n24;
		s_mech_chacha(&m, nonce, other_nonces[i], aad, 50);
		OK(s_encrypt(s, &m.mechanism, key, plain, 100, c, cn));
		assert_int_equal(*cn, 116);
		char what[64];
		snprintf(what, sizeof(what),
		         "ChaCha20-Poly1305, %zu-byte nonce", other_nonces[i]);
		check_mode(s, &m.mechanism, key, plain, 100, c, *cn, what);
		size_t big = sizeof(out);
		OK(s_encrypt(s, &m.mechanism, key, plain, 4195, out, &big));
		memcpy(expected, out, big);
		check_mode(s, &m.mechanism, key, plain, 4195, expected, big,
		           what);
	}
	assert_int_equal(n12, 116);
	assert_memory_not_equal(c12, c8, 116);
	assert_memory_not_equal(c12, c24, 116);
	assert_memory_not_equal(c8, c24, 116);
}

/* KEY_WRAP and KEY_WRAP_PAD / KWP as single-part C_Encrypt of data. */
static void test_key_wrap_encrypt(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = s_user_session();
	s_fill(plain, sizeof(plain), 18);
	static const size_t kw_lengths[] = {16, 24, 32, 64, 4096};
	static const size_t kwp_lengths[] = {1, 7, 8, 9, 20, 32, 33, 4095};
	for (size_t k = 0; k < H_ARRAY_SIZE(key_lengths); k++) {
		uint8_t key_value[32];
		s_fill(key_value, key_lengths[k], 40 + (unsigned)k);
		CK_OBJECT_HANDLE key =
		        s_import_key(s, CKK_AES, key_value, key_lengths[k]);
		for (size_t l = 0; l < H_ARRAY_SIZE(kw_lengths); l++) {
			size_t n = o_wrap(key_value, key_lengths[k], false,
			                  plain, kw_lengths[l], expected);
			CK_MECHANISM m = {CKM_AES_KEY_WRAP, NULL, 0};
			char what[80];
			snprintf(what, sizeof(what), "AES-%zu KEY_WRAP of %zu",
			         key_lengths[k] * 8, kw_lengths[l]);
			size_t got = sizeof(out);
			OKW(what, s_encrypt(s, &m, key, plain, kw_lengths[l],
			                    out, &got));
			s_same(what, out, got, expected, n);
			got = sizeof(out);
			OKW(what,
			    s_decrypt(s, &m, key, expected, n, out, &got));
			s_same(what, out, got, plain, kw_lengths[l]);
		}
		CK_MECHANISM_TYPE kwp[] = {CKM_AES_KEY_WRAP_PAD,
		                           CKM_AES_KEY_WRAP_KWP};
		for (size_t t = 0; t < H_ARRAY_SIZE(kwp); t++)
			for (size_t l = 0; l < H_ARRAY_SIZE(kwp_lengths); l++) {
				size_t n =
				        o_wrap(key_value, key_lengths[k], true,
				               plain, kwp_lengths[l], expected);
				CK_MECHANISM m = {kwp[t], NULL, 0};
				char what[80];
				snprintf(what, sizeof(what),
				         "AES-%zu 0x%lx of %zu",
				         key_lengths[k] * 8,
				         (unsigned long)kwp[t], kwp_lengths[l]);
				size_t got = sizeof(out);
				OKW(what, s_encrypt(s, &m, key, plain,
				                    kwp_lengths[l], out, &got));
				s_same(what, out, got, expected, n);
				got = sizeof(out);
				OKW(what, s_decrypt(s, &m, key, expected, n,
				                    out, &got));
				s_same(what, out, got, plain, kwp_lengths[l]);
			}
	}
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_vectors_sp800_38a),
	        T(test_vectors_gcm),
	        T(test_vectors_ccm),
	        T(test_vectors_chacha20_poly1305),
	        T(test_vectors_key_wrap),
	        T(test_block_modes),
	        T(test_ctr_counter_bits),
	        T(test_gcm),
	        T(test_ccm),
	        T(test_chacha20_poly1305),
	        T(test_key_wrap_encrypt),
	};
#undef T
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
