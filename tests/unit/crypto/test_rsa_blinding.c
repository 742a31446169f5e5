#define OPENSSL_SUPPRESS_DEPRECATED
/* RSA signing's blinding pairs (kept per thread, sealed, renewed after 32
 * uses, lost on purge, evicted past 8 keys) and the secure-heap rule for
 * the private-key operations. We interpose OpenSSL functions that the
 * library calls (the test program's definitions win) to watch them. */
#include "config.h"

#include "rsa_vectors.h"

#include <dlfcn.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <pthread.h>
#include <string.h>

#define KEYS 9 /* one more than a thread's slots */
#define THREAD_SIGNATURES 40

static const cry_rsa_params pkcs1_sha1 = {.padding = CRY_RSA_PAD_PKCS1,
                                          .digest_info = true,
                                          .hash = CRY_HASH_SHA1};
static const cry_rsa_params oaep_sha1 = {.padding = CRY_RSA_PAD_OAEP,
                                         .hash = CRY_HASH_SHA1,
                                         .mgf_hash = CRY_HASH_SHA1};

/* Each fresh blinding pair starts with a random r. */
static _Thread_local unsigned fresh_pairs;

int BN_priv_rand_range_ex(BIGNUM *r, const BIGNUM *range, unsigned int strength,
                          BN_CTX *context)
{
	int (*real)(BIGNUM *, const BIGNUM *, unsigned int, BN_CTX *);

	*(void **)&real = dlsym(RTLD_NEXT, "BN_priv_rand_range_ex");
	assert_non_null(real);
	fresh_pairs++;
	return real(r, range, strength, context);
}

static size_t secure_used_inside;

int RSA_private_encrypt(int length, const unsigned char *from,
                        unsigned char *to, RSA *rsa, int padding)
{
	int (*real)(int, const unsigned char *, unsigned char *, RSA *, int);

	*(void **)&real = dlsym(RTLD_NEXT, "RSA_private_encrypt");
	assert_non_null(real);
	secure_used_inside = CRYPTO_secure_used();
	return real(length, from, to, rsa, padding);
}

int RSA_private_decrypt(int length, const unsigned char *from,
                        unsigned char *to, RSA *rsa, int padding)
{
	int (*real)(int, const unsigned char *, unsigned char *, RSA *, int);

	*(void **)&real = dlsym(RTLD_NEXT, "RSA_private_decrypt");
	assert_non_null(real);
	secure_used_inside = CRYPTO_secure_used();
	return real(length, from, to, rsa, padding);
}

static uint8_t digest[20], expected[128];

static int group_setup(void **state)
{
	uint8_t message[256];
	size_t length;

	if (crypto_setup(state) != 0)
		return -1;
	length = hex_decode(rsa1024_message, message, sizeof(message));
	digest_of("SHA1", message, length, digest);
	hex_decode(rsa1024_signature, expected, sizeof(expected));
	return 0;
}

static void sign_expected(const enc_buffer *packed)
{
	uint8_t signature[128];
	size_t length = sizeof(signature);

	assert_cry_ok(cry_rsa_sign(packed, &pkcs1_sha1, digest, 20, signature,
	                           &length));
	assert_memory_equal(expected, signature, 128);
}

static void test_renewal(void **state)
{
	enc_buffer *packed = pack_hex_ok(&rsa1024_key);

	/* The import's round trip made the first pair and kept the next
	 * one: 31 more signatures come from it by squaring. */
	fresh_pairs = 0;
	for (int i = 0; i < 31; i++)
		sign_expected(packed);
	assert_int_equal(0, fresh_pairs);
	sign_expected(packed);
	assert_int_equal(1, fresh_pairs);
	for (int i = 0; i < 31; i++)
		sign_expected(packed);
	assert_int_equal(1, fresh_pairs);
	enc_free(packed);
}

static void test_purge(void **state)
{
	enc_buffer *packed = pack_hex_ok(&rsa1024_key);

	uint8_t signature[128];
	size_t length = sizeof(signature);

	sign_expected(packed);
	/* A purge wipes the key and makes the sealed pair unreadable: the
	 * key imported again gets a fresh pair. */
	enc_purge();
	assert_cry(CRY_ERR_INVALID, cry_rsa_sign(packed, &pkcs1_sha1, digest,
	                                         20, signature, &length));
	enc_free(packed);
	fresh_pairs = 0;
	packed = pack_hex_ok(&rsa1024_key);
	assert_int_equal(1, fresh_pairs);
	sign_expected(packed);
	assert_int_equal(1, fresh_pairs);
	enc_free(packed);
}

/* KEYS keys from the primes of the three fixed keys taken in pairs (the
 * primes p - 1 are all prime to 65537): each its own slot. */
static enc_buffer *key_from_primes(const char *p_hex, const char *q_hex)
{
	BIGNUM *p = NULL, *q = NULL, *n = BN_new(), *e = BN_new();
	BIGNUM *lcm = BN_new(), *gcd = BN_new(), *d = BN_new();
	BN_CTX *context = BN_CTX_new();
	rsa_hex_key key = {{NULL}};
	char *hex[3];

	assert_non_null(context);
	assert_true(BN_hex2bn(&p, p_hex) && BN_hex2bn(&q, q_hex) &&
	            BN_set_word(e, 65537) && BN_mul(n, p, q, context) &&
	            BN_sub_word(p, 1) && BN_sub_word(q, 1) &&
	            BN_gcd(gcd, p, q, context) && BN_mul(lcm, p, q, context) &&
	            BN_div(lcm, NULL, lcm, gcd, context) &&
	            BN_mod_inverse(d, e, lcm, context) != NULL);
	hex[0] = BN_bn2hex(n);
	hex[1] = BN_bn2hex(e);
	hex[2] = BN_bn2hex(d);
	for (int i = 0; i < 3; i++)
		key.part[i] = hex[i];
	enc_buffer *packed = pack_hex_ok(&key);
	for (int i = 0; i < 3; i++)
		OPENSSL_free(hex[i]);
	BN_free(p);
	BN_free(q);
	BN_free(n);
	BN_free(e);
	BN_free(lcm);
	BN_free(gcd);
	BN_clear_free(d);
	BN_CTX_free(context);
	return packed;
}

static void sign_and_verify(const enc_buffer *packed)
{
	uint8_t signature[128];
	size_t length = sizeof(signature), n_length, e_length;
	const uint8_t *n, *e;

	assert_cry_ok(
	        cry_rsa_part_view(packed, CRY_RSA_MODULUS, &n, &n_length));
	assert_cry_ok(cry_rsa_part_view(packed, CRY_RSA_PUBLIC_EXPONENT, &e,
	                                &e_length));
	assert_cry_ok(cry_rsa_sign(packed, &pkcs1_sha1, digest, 20, signature,
	                           &length));
	assert_cry_ok(cry_rsa_verify(n, n_length, e, e_length, &pkcs1_sha1,
	                             digest, 20, signature, length));
}

static void test_eviction(void **state)
{
	const char *const primes[6] = {rsa1024_p,  rsa1024_q, oaep1024_p,
	                               oaep1024_q, pss1024_p, pss1024_q};
	enc_buffer *packed[KEYS];
	int made = 0;

	for (int i = 0; i < 6 && made < KEYS; i++)
		for (int j = i + 2; j < 6 && made < KEYS; j++) {
			fresh_pairs = 0;
			packed[made++] = key_from_primes(primes[i], primes[j]);
			assert_int_equal(1, fresh_pairs);
		}
	assert_int_equal(KEYS, made);
	/* The first key's slot went to the ninth; the last one stays. */
	fresh_pairs = 0;
	sign_and_verify(packed[KEYS - 1]);
	assert_int_equal(0, fresh_pairs);
	sign_and_verify(packed[0]);
	assert_int_equal(1, fresh_pairs);
	sign_and_verify(packed[0]);
	assert_int_equal(1, fresh_pairs);
	for (int i = 0; i < KEYS; i++)
		enc_free(packed[i]);
}

static void *sign_many(void *argument)
{
	const enc_buffer *packed = argument;
	uint8_t signature[128];
	uintptr_t good = 0;

	for (int i = 0; i < THREAD_SIGNATURES; i++) {
		size_t length = sizeof(signature);

		if (cry_rsa_sign(packed, &pkcs1_sha1, digest, 20, signature,
		                 &length) == CRY_OK &&
		    memcmp(signature, expected, 128) == 0)
			good++;
	}
	/* Each thread made its own pairs. */
	return (void *)(good == THREAD_SIGNATURES && fresh_pairs == 2
	                        ? (uintptr_t)1
	                        : (uintptr_t)0);
}

static void test_threads(void **state)
{
	enc_buffer *packed = pack_hex_ok(&rsa1024_key);
	pthread_t threads[2];
	void *result;

	for (int i = 0; i < 2; i++)
		assert_int_equal(0, pthread_create(&threads[i], NULL, sign_many,
		                                   packed));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(0, pthread_join(threads[i], &result));
		assert_true(result == (void *)(uintptr_t)1);
	}
	enc_free(packed);
}

static void test_secure_heap(void **state)
{
	enc_buffer *key = pack_hex_ok(&oaep1024_key);
	enc_buffer *plaintext = NULL;
	uint8_t n[128], e[3], ciphertext[128], signature[128];
	size_t length = sizeof(signature);
	size_t before;

	hex_decode(oaep1024_n, n, sizeof(n));
	hex_decode(oaep1024_e, e, sizeof(e));
	hex_decode(oaep1024_ciphertext, ciphertext, sizeof(ciphertext));
	/* OpenSSL's random generators keep their state in the secure heap
	 * from their first use on: have them made first. */
	assert_int_equal(1, RAND_bytes(ciphertext, 1));
	assert_int_equal(1, RAND_priv_bytes(ciphertext, 1));
	hex_decode(oaep1024_ciphertext, ciphertext, sizeof(ciphertext));
	before = CRYPTO_secure_used();
	secure_used_inside = 0;
	assert_cry_ok(
	        cry_rsa_sign(key, &pkcs1_sha1, digest, 20, signature, &length));
	/* While signing, the key (and the pair) occupied the secure heap;
	 * nothing is left there afterwards. */
	assert_true(secure_used_inside > before);
	assert_int_equal(before, CRYPTO_secure_used());
	secure_used_inside = 0;
	assert_cry_ok(
	        cry_rsa_decrypt(key, &oaep_sha1, ciphertext, 128, &plaintext));
	assert_true(secure_used_inside > before);
	assert_int_equal(before, CRYPTO_secure_used());
	assert_buffer_hex(plaintext, oaep1024_message);
	enc_free(plaintext);
	/* Encryption raises the (possibly secret) message there too. */
	assert_cry_ok(cry_rsa_encrypt(n, 128, e, 3, &oaep_sha1, digest, 20,
	                              ciphertext, &length));
	assert_int_equal(before, CRYPTO_secure_used());
	enc_free(key);
	/* So does importing. */
	key = pack_hex_ok(&rsa1024_key);
	assert_int_equal(before, CRYPTO_secure_used());
	enc_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_renewal),
	        cmocka_unit_test(test_purge),
	        cmocka_unit_test(test_eviction),
	        cmocka_unit_test(test_threads),
	        cmocka_unit_test(test_secure_heap),
	};

	return cmocka_run_group_tests(tests, group_setup, crypto_teardown);
}
