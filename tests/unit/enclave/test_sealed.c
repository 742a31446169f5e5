/* Sealed secrets: round trips, associated data, tampering with nonce,
 * ciphertext and tag, the state enc_open leaves, enc_open_into's rules and
 * bad arguments. */
#include "config.h"

#include "helpers.h"

#include "enclave/internal.h"

#include <string.h>

static const size_t sizes[] = {1, 32, 4096, 5000};
#define SIZE_COUNT (sizeof sizes / sizeof sizes[0])

static const char ad_text[] = "CKA_LABEL=wrapping key; handle 42";

static void open_and_check(const enc_sealed *sealed, const void *ad,
                           size_t ad_length, size_t size, uint64_t seed,
                           unsigned flags)
{
	enc_buffer *opened = NULL;

	assert_int_equal(enc_open(sealed, ad, ad_length, flags, &opened),
	                 ENC_OK);
	assert_non_null(opened);
	assert_int_equal(enc_size(opened), size);
	assert_int_equal(enc_access_of(opened), ENC_READONLY);
	assert_true(check_pattern(enc_data(opened), size, seed));
	assert_int_equal(enc_verify(opened), ENC_OK);
	enc_free(opened);
}

static void test_seal_bytes_round_trip(void **state)
{
	for (size_t i = 0; i < SIZE_COUNT; i++) {
		unsigned char *plain = malloc(sizes[i]);
		enc_sealed *sealed = NULL;

		assert_non_null(plain);
		fill_pattern(plain, sizes[i], i);
		assert_int_equal(
		        enc_seal_bytes(plain, sizes[i], NULL, 0, &sealed),
		        ENC_OK);
		assert_non_null(sealed);
		assert_int_equal(enc_sealed_length(sealed), sizes[i]);
		/* The ciphertext is not the plaintext. */
		assert_int_equal(sealed->length, sizes[i]);
		assert_true(sizes[i] < 16 ||
		            memcmp(sealed->ciphertext, plain, sizes[i]) != 0);
		open_and_check(sealed, NULL, 0, sizes[i], i, 0);
		open_and_check(sealed, NULL, 0, sizes[i], i, ENC_ALLOC_GUARDED);
		open_and_check(sealed, NULL, 0, sizes[i], i, ENC_ALLOC_ALIGNED);
		/* Opens any number of times. */
		open_and_check(sealed, NULL, 0, sizes[i], i, 0);
		enc_sealed_free(sealed);
		free(plain);
	}
}

/* Two seals of the same bytes differ (fresh nonce). */
static void test_sealed_copy(void **state)
{
	unsigned char plain[48];
	enc_sealed *sealed = NULL;
	enc_sealed *copy = NULL;

	fill_pattern(plain, sizeof plain, 7);
	assert_int_equal(enc_seal_bytes(plain, sizeof plain, ad_text,
	                                sizeof ad_text, &sealed),
	                 ENC_OK);
	assert_int_equal(enc_sealed_copy(sealed, &copy), ENC_OK);
	assert_non_null(copy);
	assert_ptr_not_equal(copy, sealed);
	/* The copy outlives the original and opens to the same bytes. */
	enc_sealed_free(sealed);
	open_and_check(copy, ad_text, sizeof ad_text, sizeof plain, 7, 0);
	enc_sealed *none = copy;
	assert_int_equal(enc_sealed_copy(NULL, &none), ENC_ERR_INVALID);
	assert_null(none);
	assert_int_equal(enc_sealed_copy(copy, NULL), ENC_ERR_INVALID);
	enc_sealed_free(copy);
}

static void test_seal_uses_fresh_nonces(void **state)
{
	unsigned char plain[32] = {0};
	enc_sealed *first = NULL;
	enc_sealed *second = NULL;

	assert_int_equal(enc_seal_bytes(plain, sizeof plain, NULL, 0, &first),
	                 ENC_OK);
	assert_int_equal(enc_seal_bytes(plain, sizeof plain, NULL, 0, &second),
	                 ENC_OK);
	assert_memory_not_equal(first->nonce, second->nonce,
	                        ENC_SEALED_NONCE_BYTES);
	assert_memory_not_equal(first->ciphertext, second->ciphertext,
	                        sizeof plain + ENC_SEALED_TAG_BYTES);
	enc_sealed_free(first);
	enc_sealed_free(second);
}

/* enc_seal reads a buffer whatever its state and leaves the state. */
static void test_seal_buffer_in_every_state(void **state)
{
	static const enc_access states[] = {ENC_NOACCESS, ENC_READONLY,
	                                    ENC_READWRITE};

	for (size_t i = 0; i < SIZE_COUNT; i++) {
		for (size_t s = 0; s < 3; s++) {
			enc_buffer *buffer = NULL;
			enc_sealed *sealed = NULL;
			uint64_t seed = 10 * i + s;

			assert_int_equal(enc_alloc(sizes[i], 0, &buffer),
			                 ENC_OK);
			fill_pattern(enc_data(buffer), sizes[i], seed);
			assert_int_equal(enc_protect(buffer, states[s]),
			                 ENC_OK);
			assert_int_equal(enc_seal(buffer, ad_text,
			                          sizeof ad_text, &sealed),
			                 ENC_OK);
			assert_int_equal(enc_access_of(buffer), states[s]);
			assert_int_equal(enc_sealed_length(sealed), sizes[i]);
			open_and_check(sealed, ad_text, sizeof ad_text,
			               sizes[i], seed, 0);
			enc_free(buffer);
			enc_sealed_free(sealed);
		}
	}
}

static void test_open_into(void **state)
{
	for (size_t i = 0; i < SIZE_COUNT; i++) {
		unsigned char *plain = malloc(sizes[i]);
		enc_sealed *sealed = NULL;
		enc_buffer *into = NULL;

		assert_non_null(plain);
		fill_pattern(plain, sizes[i], 77 + i);
		assert_int_equal(enc_seal_bytes(plain, sizes[i], ad_text,
		                                sizeof ad_text, &sealed),
		                 ENC_OK);
		assert_int_equal(enc_alloc(sizes[i], ENC_ALLOC_GUARDED, &into),
		                 ENC_OK);
		assert_int_equal(
		        enc_open_into(sealed, ad_text, sizeof ad_text, into),
		        ENC_OK);
		assert_int_equal(enc_access_of(into), ENC_READWRITE);
		assert_memory_equal(enc_data(into), plain, sizes[i]);
		/* A failed open_into does not leave plaintext behind. */
		memset(enc_data(into), 0, sizes[i]);
		assert_int_equal(enc_open_into(sealed, "other", 5, into),
		                 ENC_ERR_AUTH);
		assert_memory_not_equal(enc_data(into), plain, sizes[i]);
		enc_free(into);
		enc_sealed_free(sealed);
		free(plain);
	}
}

/* enc_open_at: into a bigger buffer at an offset, the rest untouched;
 * past the end, or into a buffer that is not writable: refused, nothing
 * written. */
static void test_open_at_offset(void **state)
{
	unsigned char plain[32];
	enc_sealed *sealed = NULL;
	enc_buffer *big = NULL;

	fill_pattern(plain, sizeof plain, 9);
	assert_int_equal(enc_seal_bytes(plain, sizeof plain, "ad", 2, &sealed),
	                 ENC_OK);
	assert_int_equal(enc_alloc(100, ENC_ALLOC_ALIGNED, &big), ENC_OK);
	memset(enc_data(big), 0x5a, 100);
	assert_int_equal(enc_open_at(sealed, "ad", 2, big, 69),
	                 ENC_ERR_INVALID);
	assert_int_equal(enc_open_at(sealed, "ad", 2, big, SIZE_MAX),
	                 ENC_ERR_INVALID);
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(((unsigned char *)enc_data(big))[i], 0x5a);
	/* A failed authentication wipes its window, and only that. */
	assert_int_equal(enc_open_at(sealed, "xx", 2, big, 0), ENC_ERR_AUTH);
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(((unsigned char *)enc_data(big))[i],
		                 i < sizeof plain ? 0 : 0x5a);

	assert_int_equal(enc_open_at(sealed, "ad", 2, big, 68), ENC_OK);
	assert_memory_equal((unsigned char *)enc_data(big) + 68, plain,
	                    sizeof plain);
	for (size_t i = sizeof plain; i < 68; i++)
		assert_int_equal(((unsigned char *)enc_data(big))[i], 0x5a);
	assert_int_equal(enc_open_at(sealed, "ad", 2, big, 0), ENC_OK);
	assert_memory_equal(enc_data(big), plain, sizeof plain);

	assert_int_equal(enc_protect(big, ENC_READONLY), ENC_OK);
	assert_int_equal(enc_open_at(sealed, "ad", 2, big, 32),
	                 ENC_ERR_INVALID);
	enc_free(big);
	enc_sealed_free(sealed);
}

static void test_open_into_wrong_buffer(void **state)
{
	unsigned char plain[32];
	enc_sealed *sealed = NULL;
	enc_buffer *small = NULL;
	enc_buffer *large = NULL;
	enc_buffer *right = NULL;

	fill_pattern(plain, sizeof plain, 5);
	assert_int_equal(enc_seal_bytes(plain, sizeof plain, NULL, 0, &sealed),
	                 ENC_OK);
	assert_int_equal(enc_alloc(31, 0, &small), ENC_OK);
	assert_int_equal(enc_alloc(33, 0, &large), ENC_OK);
	assert_int_equal(enc_alloc(32, 0, &right), ENC_OK);
	assert_int_equal(enc_open_into(sealed, NULL, 0, small),
	                 ENC_ERR_INVALID);
	assert_int_equal(enc_open_into(sealed, NULL, 0, large),
	                 ENC_ERR_INVALID);
	assert_true(all_zero(enc_data(small), 31));
	assert_true(all_zero(enc_data(large), 33));

	assert_int_equal(enc_protect(right, ENC_READONLY), ENC_OK);
	assert_int_equal(enc_open_into(sealed, NULL, 0, right),
	                 ENC_ERR_INVALID);
	assert_int_equal(enc_access_of(right), ENC_READONLY);
	assert_true(all_zero(enc_data(right), 32));
	assert_int_equal(enc_protect(right, ENC_NOACCESS), ENC_OK);
	assert_int_equal(enc_open_into(sealed, NULL, 0, right),
	                 ENC_ERR_INVALID);
	assert_int_equal(enc_access_of(right), ENC_NOACCESS);
	/* The control: in READWRITE it works. */
	assert_int_equal(enc_protect(right, ENC_READWRITE), ENC_OK);
	assert_int_equal(enc_open_into(sealed, NULL, 0, right), ENC_OK);
	assert_memory_equal(enc_data(right), plain, sizeof plain);

	enc_free(small);
	enc_free(large);
	enc_free(right);
	enc_sealed_free(sealed);
}

static void test_associated_data_must_match(void **state)
{
	unsigned char plain[32];
	char wrong[sizeof ad_text];
	enc_sealed *with_ad = NULL;
	enc_sealed *without_ad = NULL;
	enc_buffer *opened = NULL;

	fill_pattern(plain, sizeof plain, 9);
	assert_int_equal(enc_seal_bytes(plain, sizeof plain, ad_text,
	                                sizeof ad_text, &with_ad),
	                 ENC_OK);
	assert_int_equal(
	        enc_seal_bytes(plain, sizeof plain, NULL, 0, &without_ad),
	        ENC_OK);

	memcpy(wrong, ad_text, sizeof wrong);
	wrong[3] ^= 1;
	assert_int_equal(enc_open(with_ad, wrong, sizeof wrong, 0, &opened),
	                 ENC_ERR_AUTH);
	assert_null(opened);
	assert_int_equal(
	        enc_open(with_ad, ad_text, sizeof ad_text - 1, 0, &opened),
	        ENC_ERR_AUTH);
	assert_int_equal(enc_open(with_ad, NULL, 0, 0, &opened), ENC_ERR_AUTH);
	assert_int_equal(
	        enc_open(without_ad, ad_text, sizeof ad_text, 0, &opened),
	        ENC_ERR_AUTH);
	assert_null(opened);
	/* No buffer leaks out of a failed open. */
	assert_int_equal(get_stats().slab_buffers, 0);
	assert_int_equal(get_stats().guarded_buffers, 0);

	open_and_check(with_ad, ad_text, sizeof ad_text, sizeof plain, 9, 0);
	open_and_check(without_ad, NULL, 0, sizeof plain, 9, 0);
	enc_sealed_free(with_ad);
	enc_sealed_free(without_ad);
}

/* Flip one byte at a time in the nonce, the ciphertext and the tag. */
static void test_tampering_fails_authentication(void **state)
{
	static const size_t lengths[] = {1, 32, 5000};

	for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
		size_t length = lengths[i];
		unsigned char *plain = malloc(length);
		enc_sealed *sealed = NULL;
		enc_buffer *opened = NULL;
		unsigned char *targets[5];
		const char *names[5] = {"nonce[0]", "nonce[23]",
		                        "ciphertext[0]", "ciphertext[last]",
		                        "tag[last]"};

		assert_non_null(plain);
		fill_pattern(plain, length, 300 + i);
		assert_int_equal(enc_seal_bytes(plain, length, ad_text,
		                                sizeof ad_text, &sealed),
		                 ENC_OK);
		targets[0] = &sealed->nonce[0];
		targets[1] = &sealed->nonce[ENC_SEALED_NONCE_BYTES - 1];
		targets[2] = &sealed->ciphertext[0];
		targets[3] = &sealed->ciphertext[length - 1];
		targets[4] =
		        &sealed->ciphertext[length + ENC_SEALED_TAG_BYTES - 1];
		for (size_t t = 0; t < 5; t++) {
			*targets[t] ^= 0x01;
			if (enc_open(sealed, ad_text, sizeof ad_text, 0,
			             &opened) != ENC_ERR_AUTH)
				fail_msg("flipped %s of %zu: not ENC_ERR_AUTH",
				         names[t], length);
			assert_null(opened);
			*targets[t] ^= 0x01;
			/* Restored: it opens again. */
			open_and_check(sealed, ad_text, sizeof ad_text, length,
			               300 + i, 0);
		}
		/* enc_open_into too. */
		assert_int_equal(enc_alloc(length, 0, &opened), ENC_OK);
		sealed->ciphertext[length] ^= 0x80;
		assert_int_equal(
		        enc_open_into(sealed, ad_text, sizeof ad_text, opened),
		        ENC_ERR_AUTH);
		sealed->ciphertext[length] ^= 0x80;
		enc_free(opened);
		enc_sealed_free(sealed);
		free(plain);
	}
}

static void test_bad_arguments(void **state)
{
	unsigned char plain[16] = {1};
	enc_sealed *sealed = NULL;
	enc_buffer *buffer = NULL;
	enc_buffer *out = NULL;

	assert_int_equal(enc_seal_bytes(NULL, 16, NULL, 0, &sealed),
	                 ENC_ERR_INVALID);
	assert_int_equal(enc_seal_bytes(plain, 0, NULL, 0, &sealed),
	                 ENC_ERR_INVALID);
	assert_int_equal(enc_seal_bytes(plain, 16, NULL, 0, NULL),
	                 ENC_ERR_INVALID);
	assert_int_equal(enc_seal_bytes(plain, 16, NULL, 5, &sealed),
	                 ENC_ERR_INVALID);
	assert_null(sealed);
	assert_int_equal(enc_seal(NULL, NULL, 0, &sealed), ENC_ERR_INVALID);

	assert_int_equal(enc_seal_bytes(plain, 16, NULL, 0, &sealed), ENC_OK);
	assert_int_equal(enc_alloc(16, 0, &buffer), ENC_OK);
	assert_int_equal(enc_seal(buffer, NULL, 0, NULL), ENC_ERR_INVALID);
	assert_int_equal(enc_seal(buffer, NULL, 3, NULL), ENC_ERR_INVALID);
	assert_int_equal(enc_open(NULL, NULL, 0, 0, &out), ENC_ERR_INVALID);
	assert_int_equal(enc_open(sealed, NULL, 0, 0, NULL), ENC_ERR_INVALID);
	assert_int_equal(enc_open(sealed, NULL, 4, 0, &out), ENC_ERR_INVALID);
	assert_null(out);
	assert_int_equal(enc_open_into(NULL, NULL, 0, buffer), ENC_ERR_INVALID);
	assert_int_equal(enc_open_into(sealed, NULL, 0, NULL), ENC_ERR_INVALID);
	assert_int_equal(get_stats().slab_buffers, 1);
	enc_free(buffer);
	enc_sealed_free(sealed);
	enc_sealed_free(NULL);
}

static int setup_with(enc_seal_cipher cipher)
{
	enc_config config;
	enc_config_default(&config);
	config.seal_cipher = cipher;
	enc_status status = enc_init(&config);
	if (status != ENC_OK) {
		print_error("enc_init: %s\n", enc_strerror(status));
		return -1;
	}
	if (get_stats().seal_cipher != cipher) {
		print_error("seal cipher %d, asked for %d\n",
		            (int)get_stats().seal_cipher, (int)cipher);
		return -1;
	}
	return 0;
}

static int xchacha_setup(void **state)
{
	(void)state;
	return setup_with(ENC_SEAL_XCHACHA20POLY1305);
}

static int gcm_setup(void **state)
{
	(void)state;
	return setup_with(ENC_SEAL_AES256GCM);
}

/* AES-256-GCM seals take counter nonces: consecutive seals differ, and
 * the field's unused bytes are zero. */
static void test_gcm_nonces_count(void **state)
{
	(void)state;
	if (get_stats().seal_cipher != ENC_SEAL_AES256GCM)
		skip();
	unsigned char plain[8] = {1};
	enc_sealed *first = NULL, *second = NULL;
	assert_int_equal(enc_seal_bytes(plain, sizeof plain, NULL, 0, &first),
	                 ENC_OK);
	assert_int_equal(enc_seal_bytes(plain, sizeof plain, NULL, 0, &second),
	                 ENC_OK);
	const unsigned char *a = first->nonce, *b = second->nonce;
	uint64_t count_a = 0, count_b = 0;
	for (int i = 7; i >= 0; i--) {
		count_a = count_a << 8 | a[i];
		count_b = count_b << 8 | b[i];
	}
	assert_true(count_b > count_a);
	assert_true(all_zero(a + 12, sizeof first->nonce - 12));
	assert_true(all_zero(b + 12, sizeof second->nonce - 12));
	enc_sealed_free(first);
	enc_sealed_free(second);
}

static void test_unavailable_cipher_refused(void **state)
{
	(void)state;
	enc_config bad;
	enc_config_default(&bad);
	bad.seal_cipher = (enc_seal_cipher)7;
	assert_int_equal(enc_init(&bad), ENC_ERR_INVALID);
	if (crypto_aead_aes256gcm_is_available())
		skip();
	enc_config config;
	enc_config_default(&config);
	config.seal_cipher = ENC_SEAL_AES256GCM;
	enc_shutdown();
	assert_int_equal(enc_init(&config), ENC_ERR_UNSUPPORTED);
	assert_int_equal(enc_init(NULL), ENC_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_seal_bytes_round_trip),
	        cmocka_unit_test(test_seal_uses_fresh_nonces),
	        cmocka_unit_test(test_sealed_copy),
	        cmocka_unit_test(test_seal_buffer_in_every_state),
	        cmocka_unit_test(test_open_into),
	        cmocka_unit_test(test_open_into_wrong_buffer),
	        cmocka_unit_test(test_open_at_offset),
	        cmocka_unit_test(test_associated_data_must_match),
	        cmocka_unit_test(test_tampering_fails_authentication),
	        cmocka_unit_test(test_bad_arguments),
	        cmocka_unit_test(test_gcm_nonces_count),
	        cmocka_unit_test(test_unavailable_cipher_refused),
	};

	/* Every test under each sealing cipher: the default (AES-256-GCM
	 * where the CPU has AES-NI) and XChaCha20-Poly1305. */
	int failures = cmocka_run_group_tests_name(
	        "default cipher", tests, enclave_setup, enclave_teardown);
	failures += cmocka_run_group_tests_name(
	        "xchacha20poly1305", tests, xchacha_setup, enclave_teardown);
	if (crypto_aead_aes256gcm_is_available())
		failures += cmocka_run_group_tests_name(
		        "aes256gcm", tests, gcm_setup, enclave_teardown);
	else
		print_message("AES-256-GCM sealing not available here\n");
	return failures;
}
