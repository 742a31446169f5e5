/* Symmetric ciphers: known-answer vectors from the standards, each run
 * single-part (cry_cipher_once), in one update, and in updates of 1, 15,
 * 16, 17 and mixed byte chunks, both directions, and through the enclave
 * key-wrapping calls where the mode allows them.
 *  - NIST SP 800-38A F.1 (ECB), F.2 (CBC), F.5 (CTR), AES-128/192/256;
 *  - the GCM specification (McGrew and Viega; SP 800-38D) test cases 2,
 *    4, 5 (64-bit IV), 6 (480-bit IV), 13-16 and 18 (AES-256), and case
 *    4 with its tag truncated to 4, 8 and 12 bytes;
 *  - NIST SP 800-38C C.1-C.3 and RFC 3610 packet vector #1 (CCM);
 *  - RFC 3394 4.1-4.6 (KW) and RFC 5649 section 6 (KWP);
 *  - RFC 8439 2.8.2 (ChaCha20-Poly1305, IETF), draft-agl-tls-
 *    chacha20poly1305-04 section 7 (the original 8-byte nonce), and
 *    draft-irtf-cfrg-xchacha-03 A.3.1 (XChaCha20-Poly1305). */
#include "config.h"

#include "cipher_common.h"

#include <string.h>

typedef struct vector {
	const char *name;
	cry_cipher_mode mode;
	const char *key;
	const char *iv; /* "" for none */
	const char *aad;
	size_t tag_length;
	size_t counter_bits;
	const char *plain;
	const char *cipher; /* AEAD: ciphertext then tag */
} vector;

#define SP800_38A_PLAIN                                                        \
	"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"     \
	"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
#define AES128_KEY "2b7e151628aed2a6abf7158809cf4f3c"
#define AES192_KEY "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b"
#define AES256_KEY                                                             \
	"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"
#define CBC_IV "000102030405060708090a0b0c0d0e0f"
#define CTR_BLOCK "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"

static const vector sp800_38a[] = {
        {"F.1.1 ECB-AES128", CRY_AES_ECB, AES128_KEY, "", "", 0, 0,
         SP800_38A_PLAIN,
         "3ad77bb40d7a3660a89ecaf32466ef97f5d3d58503b9699de785895a96fdbaaf"
         "43b1cd7f598ece23881b00e3ed0306887b0c785e27e8ad3f8223207104725dd4"},
        {"F.1.3 ECB-AES192", CRY_AES_ECB, AES192_KEY, "", "", 0, 0,
         SP800_38A_PLAIN,
         "bd334f1d6e45f25ff712a214571fa5cc974104846d0ad3ad7734ecb3ecee4eef"
         "ef7afd2270e2e60adce0ba2face6444e9a4b41ba738d6c72fb16691603c18e0e"},
        {"F.1.5 ECB-AES256", CRY_AES_ECB, AES256_KEY, "", "", 0, 0,
         SP800_38A_PLAIN,
         "f3eed1bdb5d2a03c064b5a7e3db181f8591ccb10d410ed26dc5ba74a31362870"
         "b6ed21b99ca6f4f9f153e7b1beafed1d23304b7a39f9f3ff067d8d8f9e24ecc7"},
        {"F.2.1 CBC-AES128", CRY_AES_CBC, AES128_KEY, CBC_IV, "", 0, 0,
         SP800_38A_PLAIN,
         "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
         "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"},
        {"F.2.3 CBC-AES192", CRY_AES_CBC, AES192_KEY, CBC_IV, "", 0, 0,
         SP800_38A_PLAIN,
         "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a"
         "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd"},
        {"F.2.5 CBC-AES256", CRY_AES_CBC, AES256_KEY, CBC_IV, "", 0, 0,
         SP800_38A_PLAIN,
         "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
         "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"},
        {"F.5.1 CTR-AES128", CRY_AES_CTR, AES128_KEY, CTR_BLOCK, "", 0, 128,
         SP800_38A_PLAIN,
         "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
         "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee"},
        /* 16 counter bits: feff to ff02, no wrap. */
        {"F.5.3 CTR-AES192", CRY_AES_CTR, AES192_KEY, CTR_BLOCK, "", 0, 16,
         SP800_38A_PLAIN,
         "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e94"
         "1e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050"},
        {"F.5.5 CTR-AES256", CRY_AES_CTR, AES256_KEY, CTR_BLOCK, "", 0, 32,
         SP800_38A_PLAIN,
         "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
         "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6"},
};

#define GCM_KEY "feffe9928665731c6d6a8f9467308308"
#define GCM_PLAIN                                                              \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"     \
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define GCM_AAD "feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define GCM_IV "cafebabefacedbaddecaf888"
#define GCM_LONG_IV                                                            \
	"9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728"     \
	"c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b"
#define GCM4_CIPHER                                                            \
	"42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"     \
	"21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
#define GCM16_CIPHER                                                           \
	"522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"     \
	"8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"

static const vector gcm[] = {
        {"GCM case 2", CRY_AES_GCM, "00000000000000000000000000000000",
         "000000000000000000000000", "", 16, 0,
         "00000000000000000000000000000000",
         "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf"},
        {"GCM case 4", CRY_AES_GCM, GCM_KEY, GCM_IV, GCM_AAD, 16, 0, GCM_PLAIN,
         GCM4_CIPHER "5bc94fbc3221a5db94fae95ae7121a47"},
        {"GCM case 4, 12-byte tag", CRY_AES_GCM, GCM_KEY, GCM_IV, GCM_AAD, 12,
         0, GCM_PLAIN, GCM4_CIPHER "5bc94fbc3221a5db94fae95a"},
        {"GCM case 4, 8-byte tag", CRY_AES_GCM, GCM_KEY, GCM_IV, GCM_AAD, 8, 0,
         GCM_PLAIN, GCM4_CIPHER "5bc94fbc3221a5db"},
        {"GCM case 4, 4-byte tag", CRY_AES_GCM, GCM_KEY, GCM_IV, GCM_AAD, 4, 0,
         GCM_PLAIN, GCM4_CIPHER "5bc94fbc"},
        {"GCM case 5 (64-bit IV)", CRY_AES_GCM, GCM_KEY, "cafebabefacedbad",
         GCM_AAD, 16, 0, GCM_PLAIN,
         "61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c7423"
         "73806900e49f24b22b097544d4896b424989b5e1ebac0f07c23f4598"
         "3612d2e79e3b0785561be14aaca2fccb"},
        {"GCM case 6 (480-bit IV)", CRY_AES_GCM, GCM_KEY, GCM_LONG_IV, GCM_AAD,
         16, 0, GCM_PLAIN,
         "8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca7"
         "01e4a9a4fba43c90ccdcb281d48c7c6fd62875d2aca417034c34aee5"
         "619cc5aefffe0bfa462af43c1699d050"},
        {"GCM case 13", CRY_AES_GCM,
         "0000000000000000000000000000000000000000000000000000000000000000",
         "000000000000000000000000", "", 16, 0, "",
         "530f8afbc74536b9a963b4f1c4cb738b"},
        {"GCM case 14", CRY_AES_GCM,
         "0000000000000000000000000000000000000000000000000000000000000000",
         "000000000000000000000000", "", 16, 0,
         "00000000000000000000000000000000",
         "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"},
        {"GCM case 15", CRY_AES_GCM, GCM_KEY GCM_KEY, GCM_IV, "", 16, 0,
         GCM_PLAIN "1aafd255",
         GCM16_CIPHER "898015adb094dac5d93471bdec1a502270e3cc6c"},
        {"GCM case 16", CRY_AES_GCM, GCM_KEY GCM_KEY, GCM_IV, GCM_AAD, 16, 0,
         GCM_PLAIN, GCM16_CIPHER "76fc6ece0f4e1768cddf8853bb2d551b"},
        {"GCM case 16, 12-byte tag (OpenSSL path)", CRY_AES_GCM,
         GCM_KEY GCM_KEY, GCM_IV, GCM_AAD, 12, 0, GCM_PLAIN,
         GCM16_CIPHER "76fc6ece0f4e1768cddf8853"},
        {"GCM case 18 (480-bit IV)", CRY_AES_GCM, GCM_KEY GCM_KEY, GCM_LONG_IV,
         GCM_AAD, 16, 0, GCM_PLAIN,
         "5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746bf4"
         "0fc0c3b780f244452da3ebf1c5d82cdea2418997200ef82e44ae7e3f"
         "a44a8266ee1c8eb0c8b5d4cf5ae9f19a"},
};

#define CCM_KEY "404142434445464748494a4b4c4d4e4f"

static const vector ccm[] = {
        {"SP 800-38C C.1", CRY_AES_CCM, CCM_KEY, "10111213141516",
         "0001020304050607", 4, 0, "20212223", "7162015b4dac255d"},
        {"SP 800-38C C.2", CRY_AES_CCM, CCM_KEY, "1011121314151617",
         "000102030405060708090a0b0c0d0e0f", 6, 0,
         "202122232425262728292a2b2c2d2e2f",
         "d2a1f0e051ea5f62081a7792073d593d1fc64fbfaccd"},
        {"SP 800-38C C.3", CRY_AES_CCM, CCM_KEY, "101112131415161718191a1b",
         "000102030405060708090a0b0c0d0e0f10111213", 8, 0,
         "202122232425262728292a2b2c2d2e2f3031323334353637",
         "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5484392fbc1b09951"},
        {"RFC 3610 packet vector #1", CRY_AES_CCM,
         "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000003020100a0a1a2a3a4a5",
         "0001020304050607", 8, 0,
         "08090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
         "588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0"},
};

#define KEK "000102030405060708090a0b0c0d0e0f1011121314151617"
#define KEK256 KEK "18191a1b1c1d1e1f"
#define KEY_DATA "00112233445566778899aabbccddeeff"

static const vector key_wrap[] = {
        {"RFC 3394 4.1", CRY_AES_KEY_WRAP, "000102030405060708090a0b0c0d0e0f",
         "", "", 0, 0, KEY_DATA,
         "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5"},
        {"RFC 3394 4.2", CRY_AES_KEY_WRAP, KEK, "", "", 0, 0, KEY_DATA,
         "96778b25ae6ca435f92b5b97c050aed2468ab8a17ad84e5d"},
        {"RFC 3394 4.3", CRY_AES_KEY_WRAP, KEK256, "", "", 0, 0, KEY_DATA,
         "64e8c3f9ce0f5ba263e9777905818a2a93c8191e7d6e8ae7"},
        {"RFC 3394 4.4", CRY_AES_KEY_WRAP, KEK, "", "", 0, 0,
         KEY_DATA "0001020304050607",
         "031d33264e15d33268f24ec260743edce1c6c7ddee725a936ba814915c6762d2"},
        {"RFC 3394 4.5", CRY_AES_KEY_WRAP, KEK256, "", "", 0, 0,
         KEY_DATA "0001020304050607",
         "a8f9bc1612c68b3ff6e6f4fbe30e71e4769c8b80a32cb8958cd5d17d6b254da1"},
        {"RFC 3394 4.6", CRY_AES_KEY_WRAP, KEK256, "", "", 0, 0,
         KEY_DATA "000102030405060708090a0b0c0d0e0f",
         "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43b"
         "fb988b9b7a02dd21"},
        /* An explicit IV equal to the default gives the same result. */
        {"RFC 3394 4.1, explicit IV", CRY_AES_KEY_WRAP,
         "000102030405060708090a0b0c0d0e0f", "a6a6a6a6a6a6a6a6", "", 0, 0,
         KEY_DATA, "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5"},
        {"RFC 5649 6, 20 octets", CRY_AES_KEY_WRAP_PAD,
         "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", "", "", 0, 0,
         "c37b7e6492584340bed12207808941155068f738",
         "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a"},
        {"RFC 5649 6, 7 octets", CRY_AES_KEY_WRAP_PAD,
         "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", "", "", 0, 0,
         "466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"},
        {"RFC 5649 6, 7 octets, explicit IV", CRY_AES_KEY_WRAP_PAD,
         "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", "a65959a6", "", 0,
         0, "466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"},
};

/* "Ladies and Gentlemen of the class of '99: If I could offer you only
 * one tip for the future, sunscreen would be it." */
#define SUNSCREEN                                                              \
	"4c616469657320616e642047656e746c656d656e206f662074686520636c6173"     \
	"73206f66202739393a204966204920636f756c64206f6666657220796f75206f"     \
	"6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"     \
	"637265656e20776f756c642062652069742e"
#define CHACHA_KEY                                                             \
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"

static const vector chacha[] = {
        {"RFC 8439 2.8.2", CRY_CHACHA20_POLY1305, CHACHA_KEY,
         "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7", 16, 0,
         SUNSCREEN,
         "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
         "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
         "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
         "3ff4def08e4b7a9de576d26586cec64b6116"
         "1ae10b594f09e26a7e902ecbd0600691"},
        {"draft-agl-tls-chacha20poly1305 7", CRY_CHACHA20_POLY1305,
         "4290bcb154173531f314af57f3be3b5006da371ece272afa1b5dbdd1100a1007",
         "cd7cf67be39c794a", "87e229d4500845a079c0", 16, 0,
         "86d09974840bded2a5ca",
         "e3e446f7ede9a19b62a4677dabf4e3d24b876bb284753896e1d6"},
        {"draft-irtf-cfrg-xchacha A.3.1", CRY_CHACHA20_POLY1305, CHACHA_KEY,
         "404142434445464748494a4b4c4d4e4f5051525354555657",
         "50515253c0c1c2c3c4c5c6c7", 16, 0, SUNSCREEN,
         "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
         "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
         "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
         "21f9664c97637da9768812f615c68b13b52e"
         "c0875924c1c7987947deafd8780acf49"},
};

typedef struct decoded {
	enc_buffer *key;
	uint8_t *iv, *aad, *plain, *cipher;
	size_t iv_length, aad_length, plain_length, cipher_length;
	cry_cipher_params params;
} decoded;

static void decode(const vector *v, decoded *d)
{
	d->key = secret_from_hex(v->key);
	d->iv = hex_alloc(v->iv, &d->iv_length);
	d->aad = hex_alloc(v->aad, &d->aad_length);
	d->plain = hex_alloc(v->plain, &d->plain_length);
	d->cipher = hex_alloc(v->cipher, &d->cipher_length);
	d->params = cipher_params(v->mode, d->iv_length > 0 ? d->iv : NULL,
	                          d->iv_length);
	d->params.counter_length_bits = v->counter_bits;
	d->params.tag_length = v->tag_length;
	if (d->aad_length > 0) {
		d->params.aad = d->aad;
		d->params.aad_length = d->aad_length;
	}
	if (v->mode == CRY_AES_CCM)
		d->params.data_length = d->plain_length;
}

static void release(decoded *d)
{
	enc_free(d->key);
	free(d->iv);
	free(d->aad);
	free(d->plain);
	free(d->cipher);
}

static const size_t chunk_patterns[][4] = {
        {1}, {15}, {16}, {17}, {0, 7, 33, 1}, {64},
};

/* One direction, every way: once, one update, chunked updates. */
static void check_direction(const decoded *d, bool encrypt, bool multi_part)
{
	const uint8_t *in = encrypt ? d->plain : d->cipher;
	size_t in_length = encrypt ? d->plain_length : d->cipher_length;
	const uint8_t *expected = encrypt ? d->cipher : d->plain;
	size_t expected_length = encrypt ? d->cipher_length : d->plain_length;
	uint8_t out[256];
	size_t written;

	assert_cry_ok(cipher_once(d->key, &d->params, encrypt, in, in_length,
	                          out, sizeof(out), &written));
	assert_int_equal(expected_length, written);
	assert_memory_equal(expected, out, written);
	if (!multi_part)
		return;
	for (size_t p = 0;
	     p < sizeof(chunk_patterns) / sizeof(chunk_patterns[0]); p++) {
		size_t count = 0;

		while (count < 4 && (count == 0 || chunk_patterns[p][count]))
			count++;
		memset(out, 0, sizeof(out));
		assert_cry_ok(cipher_split(d->key, &d->params, encrypt, in,
		                           in_length, chunk_patterns[p], count,
		                           out, sizeof(out), &written));
		assert_int_equal(expected_length, written);
		assert_memory_equal(expected, out, written);
	}
}

/* The key-wrapping calls, where the mode allows them. */
static void check_secret(const decoded *d)
{
	uint8_t out[256];
	size_t written = 0;
	enc_buffer *secret, *plain = NULL;

	if (d->params.mode == CRY_AES_ECB || d->params.mode == CRY_AES_CTR ||
	    d->plain_length == 0)
		return;
	secret = secret_from_bytes(d->plain, d->plain_length);
	/* The length query, then the real call. */
	assert_cry(CRY_ERR_BUFFER,
	           cry_cipher_encrypt_secret(d->key, &d->params, secret, NULL,
	                                     &written));
	assert_int_equal(d->cipher_length, written);
	written = sizeof(out);
	assert_cry_ok(cry_cipher_encrypt_secret(d->key, &d->params, secret, out,
	                                        &written));
	assert_int_equal(d->cipher_length, written);
	assert_memory_equal(d->cipher, out, written);
	assert_cry_ok(cry_cipher_decrypt_secret(d->key, &d->params, d->cipher,
	                                        d->cipher_length, &plain));
	assert_int_equal(ENC_READONLY, enc_access_of(plain));
	assert_int_equal(d->plain_length, enc_size(plain));
	assert_memory_equal(d->plain, enc_data(plain), d->plain_length);
	enc_free(plain);
	enc_free(secret);
}

static void check_vectors(const vector *vectors, size_t count, bool multi_part)
{
	for (size_t i = 0; i < count; i++) {
		decoded d;

		print_message("%s\n", vectors[i].name);
		decode(&vectors[i], &d);
		check_direction(&d, true, multi_part);
		check_direction(&d, false, multi_part);
		check_secret(&d);
		release(&d);
	}
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void test_sp800_38a(void **state)
{
	check_vectors(sp800_38a, COUNT(sp800_38a), true);
}

static void test_gcm(void **state)
{
	check_vectors(gcm, COUNT(gcm), true);
}

static void test_ccm(void **state)
{
	check_vectors(ccm, COUNT(ccm), true);
}

static void test_key_wrap(void **state)
{
	check_vectors(key_wrap, COUNT(key_wrap), false);
}

static void test_chacha20_poly1305(void **state)
{
	check_vectors(chacha, COUNT(chacha), true);
}

/* CBC_PAD over the SP 800-38A CBC vectors: the same blocks, then one
 * block of padding (16 x 0x10) whose encryption follows the chain. */
static void test_cbc_pad_vector(void **state)
{
	enc_buffer *key = secret_from_hex(AES128_KEY);
	size_t iv_length, plain_length, written;
	uint8_t *iv = hex_alloc(CBC_IV, &iv_length);
	uint8_t *plain = hex_alloc(SP800_38A_PLAIN, &plain_length);
	uint8_t out[96], back[96];
	cry_cipher_params params = cipher_params(CRY_AES_CBC_PAD, iv, 16);
	cry_cipher_params cbc = cipher_params(CRY_AES_CBC, iv, 16);
	static const uint8_t padding[16] = {16, 16, 16, 16, 16, 16, 16, 16,
	                                    16, 16, 16, 16, 16, 16, 16, 16};
	uint8_t expected[96];
	size_t expected_length;

	/* The expectation from plain CBC of the data and its padding. */
	memcpy(expected, plain, plain_length);
	memcpy(expected + plain_length, padding, 16);
	assert_cry_ok(cipher_once(key, &cbc, true, expected, 80, expected, 80,
	                          &expected_length));
	assert_hex_equal(expected, 64,
	                 "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db"
	                 "113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1"
	                 "681fac09120eca307586e1a7");
	assert_cry_ok(cipher_once(key, &params, true, plain, plain_length, out,
	                          sizeof(out), &written));
	assert_int_equal(80, written);
	assert_memory_equal(expected, out, 80);
	assert_cry_ok(cipher_once(key, &params, false, out, 80, back,
	                          sizeof(back), &written));
	assert_int_equal(64, written);
	assert_memory_equal(plain, back, 64);
	free(iv);
	free(plain);
	enc_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sp800_38a),
	        cmocka_unit_test(test_cbc_pad_vector),
	        cmocka_unit_test(test_gcm),
	        cmocka_unit_test(test_ccm),
	        cmocka_unit_test(test_key_wrap),
	        cmocka_unit_test(test_chacha20_poly1305),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
