/* Ed25519, Ed25519ph and Ed25519ctx: RFC 8032 section 7 vectors. */
#include "config.h"

#include "common.h"

#include <sodium.h>
#include <string.h>

struct ed25519_vector {
	const char *name;
	const char *seed;
	const char *public_key;
	const char *message;
	const char *context; /* NULL: pure or ph */
	const char *signature;
};

/* RFC 8032 section 7.1. */
static const struct ed25519_vector pure_vectors[] = {
        {"TEST 1",
         "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         NULL,
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
         "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
        {"TEST 2",
         "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
         "72", NULL,
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
         "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
        {"TEST 3",
         "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
         "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
         "af82", NULL,
         "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
         "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
        {"TEST 1024",
         "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
         "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
         "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98"
         "fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8"
         "79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
         "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc"
         "1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe"
         "ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
         "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef"
         "efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7"
         "aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
         "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2"
         "d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24"
         "554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
         "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc"
         "2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07"
         "07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
         "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a"
         "ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e"
         "c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
         "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c"
         "42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8"
         "ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
         "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08"
         "d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649"
         "de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
         "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3"
         "2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e"
         "6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
         "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5"
         "0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1"
         "369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
         "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c"
         "0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0",
         NULL,
         "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
         "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"},
        {"TEST SHA(abc)",
         "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
         "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
         "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
         "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
         NULL,
         "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
         "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
};

/* RFC 8032 section 7.2 (Ed25519ctx). */
static const struct ed25519_vector context_vectors[] = {
        {"foo",
         "0305334e381af78f141cb666f6199f57bc3495335a256a95bd2a55bf546663f6",
         "dfc9425e4f968f7f0c29f0259cf5f9aed6851c2bb4ad8bfb860cfee0ab248292",
         "f726936d19c800494e3fdaff20b276a8", "666f6f",
         "55a4cc2f70a54e04288c5f4cd1e45a7bb520b36292911876cada7323198dd87a"
         "8b36950b95130022907a7fb7c4e9b2d5f6cca685a587b4b21f4b888e4e7edb0d"},
        {"bar",
         "0305334e381af78f141cb666f6199f57bc3495335a256a95bd2a55bf546663f6",
         "dfc9425e4f968f7f0c29f0259cf5f9aed6851c2bb4ad8bfb860cfee0ab248292",
         "f726936d19c800494e3fdaff20b276a8", "626172",
         "fc60d5872fc46b3aa69f8b5b4351d5808f92bcc044606db097abab6dbcb1aee3"
         "216c48e8b3b66431b5b186d1d28f8ee15a5ca2df6668346291c2043d4eb3e90d"},
};

/* RFC 8032 section 7.3 (Ed25519ph), message "abc". */
static const struct ed25519_vector prehash_vector = {
        "abc",
        "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        "616263",
        NULL,
        "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41"
        "31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406"};

/* Runs one vector: prehash and context as the variant says. */
static void check_vector(const struct ed25519_vector *vector, bool prehash)
{
	enc_buffer *seed = secret_from_hex(vector->seed);
	enc_buffer *signing_key = NULL;
	uint8_t public_key[32];
	uint8_t expected_public[32];
	uint8_t signature[64];
	uint8_t context[255];
	size_t context_length = 0;
	size_t length;
	uint8_t *message = hex_alloc(vector->message, &length);

	print_message("vector %s\n", vector->name);
	if (vector->context != NULL)
		context_length =
		        hex_decode(vector->context, context, sizeof(context));
	hex_decode(vector->public_key, expected_public, 32);
	assert_cry_ok(cry_ec_public_from_private(CRY_CURVE_ED25519, seed,
	                                         public_key));
	assert_memory_equal(expected_public, public_key, 32);
	assert_cry_ok(cry_ed25519_expand(seed, &signing_key));
	assert_int_equal(64, enc_size(signing_key));
	assert_int_equal(ENC_READONLY, enc_access_of(signing_key));

	assert_cry_ok(cry_ed25519_sign_ex(signing_key, prehash, context,
	                                  context_length, message, length,
	                                  signature));
	assert_hex_equal(signature, 64, vector->signature);
	assert_cry_ok(cry_ed25519_verify_ex(public_key, prehash, context,
	                                    context_length, message, length,
	                                    signature, 64));
	if (!prehash && context_length == 0) {
		assert_cry_ok(cry_ed25519_sign(signing_key, message, length,
		                               signature));
		assert_hex_equal(signature, 64, vector->signature);
		assert_cry_ok(cry_ed25519_verify(public_key, message, length,
		                                 signature, 64));
	}

	/* Every single flipped bit is caught; so is a wrong length. */
	for (size_t bit = 0; bit < 64 * 8; bit += 7) {
		signature[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_cry(CRY_ERR_SIGNATURE,
		           cry_ed25519_verify_ex(public_key, prehash, context,
		                                 context_length, message,
		                                 length, signature, 64));
		signature[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_cry(CRY_ERR_SIGNATURE_LENGTH,
	           cry_ed25519_verify_ex(public_key, prehash, context,
	                                 context_length, message, length,
	                                 signature, 63));
	assert_cry(CRY_ERR_SIGNATURE_LENGTH,
	           cry_ed25519_verify_ex(public_key, prehash, context,
	                                 context_length, message, length,
	                                 signature, 65));
	if (length > 0) {
		message[0] ^= 1;
		assert_cry(CRY_ERR_SIGNATURE,
		           cry_ed25519_verify_ex(public_key, prehash, context,
		                                 context_length, message,
		                                 length, signature, 64));
	}
	free(message);
	enc_free(signing_key);
	enc_free(seed);
}

static void test_rfc8032_pure(void **state)
{
	for (size_t i = 0; i < sizeof(pure_vectors) / sizeof(pure_vectors[0]);
	     i++)
		check_vector(&pure_vectors[i], false);
}

static void test_rfc8032_context(void **state)
{
	for (size_t i = 0;
	     i < sizeof(context_vectors) / sizeof(context_vectors[0]); i++)
		check_vector(&context_vectors[i], false);
}

static void test_rfc8032_prehash(void **state)
{
	check_vector(&prehash_vector, true);
}

/* The variants are domain-separated: a signature of one never verifies
 * as another. Ed25519ph with an empty context equals libsodium's own. */
static void test_variants_separated(void **state)
{
	enc_buffer *seed = secret_from_hex(prehash_vector.seed);
	enc_buffer *signing_key = NULL;
	uint8_t public_key[32];
	uint8_t signature[64];
	uint8_t reference[64];
	static const uint8_t message[] = "a message";
	static const uint8_t foo[] = {'f', 'o', 'o'};
	static const uint8_t bar[] = {'b', 'a', 'r'};
	crypto_sign_ed25519ph_state ph;

	assert_cry_ok(cry_ed25519_expand(seed, &signing_key));
	hex_decode(prehash_vector.public_key, public_key, 32);

	assert_cry_ok(cry_ed25519_sign_ex(signing_key, false, foo, 3, message,
	                                  sizeof(message), signature));
	assert_cry(CRY_ERR_SIGNATURE,
	           cry_ed25519_verify_ex(public_key, false, bar, 3, message,
	                                 sizeof(message), signature, 64));
	assert_cry(CRY_ERR_SIGNATURE,
	           cry_ed25519_verify(public_key, message, sizeof(message),
	                              signature, 64));
	assert_cry(CRY_ERR_SIGNATURE,
	           cry_ed25519_verify_ex(public_key, true, foo, 3, message,
	                                 sizeof(message), signature, 64));

	/* Ed25519ph with a context is supported too. */
	assert_cry_ok(cry_ed25519_sign_ex(signing_key, true, foo, 3, message,
	                                  sizeof(message), signature));
	assert_cry_ok(cry_ed25519_verify_ex(public_key, true, foo, 3, message,
	                                    sizeof(message), signature, 64));
	assert_cry(CRY_ERR_SIGNATURE,
	           cry_ed25519_verify_ex(public_key, true, NULL, 0, message,
	                                 sizeof(message), signature, 64));

	assert_cry_ok(cry_ed25519_sign_ex(signing_key, true, NULL, 0, message,
	                                  sizeof(message), signature));
	assert_int_equal(0, enc_protect(signing_key, ENC_READONLY));
	crypto_sign_ed25519ph_init(&ph);
	crypto_sign_ed25519ph_update(&ph, message, sizeof(message));
	assert_int_equal(
	        0, crypto_sign_ed25519ph_final_create(&ph, reference, NULL,
	                                              enc_data(signing_key)));
	assert_memory_equal(reference, signature, 64);

	enc_free(signing_key);
	enc_free(seed);
}

static void test_generate_sign_verify(void **state)
{
	enc_buffer *seed = NULL;
	enc_buffer *signing_key = NULL;
	uint8_t public_key[32];
	uint8_t again[32];
	uint8_t signature[64];
	static const uint8_t message[] = "hello";

	assert_cry_ok(cry_ec_generate(CRY_CURVE_ED25519, &seed, public_key));
	assert_int_equal(32, enc_size(seed));
	assert_int_equal(ENC_READONLY, enc_access_of(seed));
	assert_cry_ok(cry_ec_check_public(CRY_CURVE_ED25519, public_key, 32));
	assert_cry_ok(
	        cry_ec_public_from_private(CRY_CURVE_ED25519, seed, again));
	assert_memory_equal(public_key, again, 32);
	assert_cry_ok(cry_ed25519_expand(seed, &signing_key));
	assert_cry_ok(cry_ed25519_sign(signing_key, message, 5, signature));
	assert_cry_ok(
	        cry_ed25519_verify(public_key, message, 5, signature, 64));
	/* An empty message, given as NULL. */
	assert_cry_ok(cry_ed25519_sign(signing_key, NULL, 0, signature));
	assert_cry_ok(cry_ed25519_verify(public_key, NULL, 0, signature, 64));
	enc_free(signing_key);
	enc_free(seed);
}

static void test_bad_arguments(void **state)
{
	enc_buffer *seed = NULL;
	enc_buffer *signing_key = NULL;
	enc_buffer *short_key = secret_from_hex("0102");
	uint8_t public_key[32];
	uint8_t signature[64] = {0};
	uint8_t context[256] = {0};

	assert_cry_ok(cry_ec_generate(CRY_CURVE_ED25519, &seed, public_key));
	assert_cry_ok(cry_ed25519_expand(seed, &signing_key));
	assert_cry(CRY_ERR_INVALID,
	           cry_ed25519_sign_ex(signing_key, false, context, 256,
	                               context, 1, signature));
	assert_cry(CRY_ERR_INVALID,
	           cry_ed25519_sign_ex(signing_key, false, NULL, 3, context, 1,
	                               signature));
	assert_cry(CRY_ERR_INVALID,
	           cry_ed25519_verify_ex(public_key, true, context, 256,
	                                 context, 1, signature, 64));
	assert_cry(CRY_ERR_KEY, cry_ed25519_expand(short_key, &signing_key));
	assert_null(signing_key);
	assert_cry(CRY_ERR_KEY, cry_ed25519_sign(seed, context, 1, signature));
	/* A key the caller left NOACCESS is refused, not opened behind its
	 * back. */
	assert_int_equal(ENC_OK, enc_protect(seed, ENC_NOACCESS));
	assert_cry(CRY_ERR_INVALID,
	           cry_ec_public_from_private(CRY_CURVE_ED25519, seed,
	                                      public_key));
	/* Small-order and non-canonical public keys are not valid. */
	memset(public_key, 0, 32);
	public_key[0] = 1;
	assert_cry(CRY_ERR_KEY,
	           cry_ec_check_public(CRY_CURVE_ED25519, public_key, 32));
	assert_cry(CRY_ERR_KEY,
	           cry_ec_check_public(CRY_CURVE_ED25519, public_key, 31));
	enc_free(short_key);
	enc_free(seed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rfc8032_pure),
	        cmocka_unit_test(test_rfc8032_context),
	        cmocka_unit_test(test_rfc8032_prehash),
	        cmocka_unit_test(test_variants_separated),
	        cmocka_unit_test(test_generate_sign_verify),
	        cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
