/* Token objects stored relative to their defaults (src/token/defaults.c):
 * for every supported class and key type, made by C_CreateObject or key
 * generation, public or private, the list tok_object_stored gives is
 * shorter and loads back (tok_object_from_store_ex) as exactly the same
 * object; values that differ from a default are kept; an object lacking
 * an attribute its defaults would add is stored complete; an unknown
 * defaults version is refused; and version 1's defaults are pinned, so a
 * change to them fails here until TOK_DEFAULTS_VERSION moves on. */
#include "config.h"

#include "helpers.h"
#include "token/internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static CK_KEY_TYPE generic_type = CKK_GENERIC_SECRET;
static CK_KEY_TYPE chacha_type = CKK_CHACHA20;
static CK_KEY_TYPE hkdf_type = CKK_HKDF;
static CK_KEY_TYPE edwards_type = CKK_EC_EDWARDS;
static CK_KEY_TYPE montgomery_type = CKK_EC_MONTGOMERY;
static CK_MECHANISM_TYPE allowed[] = {CKM_AES_GCM, CKM_AES_CBC_PAD};

static unsigned char modulus[64] = {0x00, 0x5b, 0x12, 0x34};
static unsigned char exponent[] = {0x01, 0x00, 0x01};
static unsigned char private_exponent[64] = {0x12, 0x34, 0x56};
static unsigned char p256_params[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                      0xce, 0x3d, 0x03, 0x01, 0x07};
static unsigned char ed25519_params[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static unsigned char x25519_params[] = {0x06, 0x03, 0x2b, 0x65, 0x6e};
static unsigned char point[67] = {0x04, 0x41, 0x04, 0x01, 0x02};
static unsigned char scalar[32] = {0x42, 0x42, 0x01};
static unsigned char subject[] = {0x30, 0x00};
static unsigned char certificate[] = {0x30, 0x03, 0x02, 0x01, 0x01};
static unsigned char id[] = {9, 8, 7};

typedef struct sample {
	const char *name;
	CK_ATTRIBUTE template[12];
	CK_ULONG count;
} sample;

#define A(type, value)                                                         \
	{                                                                      \
		type, &(value), sizeof(value)                                  \
	}
#define B(type, bytes)                                                         \
	{                                                                      \
		type, bytes, sizeof(bytes)                                     \
	}
#define TOKEN A(CKA_TOKEN, yes)

/* One object of every class and key type guardhsm supports, as an
 * application would import it (mostly defaults, a few choices). */
static const sample samples[] = {
        {"data",
         {A(CKA_CLASS, data_class),
          TOKEN,
          {CKA_VALUE, "hello", 5},
          {CKA_APPLICATION, "app", 3},
          A(CKA_PRIVATE, no)},
         5},
        {"private data",
         {A(CKA_CLASS, data_class),
          TOKEN,
          A(CKA_PRIVATE, yes),
          {CKA_LABEL, "d", 1}},
         4},
        {"certificate",
         {A(CKA_CLASS, certificate_class), A(CKA_CERTIFICATE_TYPE, x509_type),
          TOKEN, B(CKA_SUBJECT, subject), B(CKA_VALUE, certificate),
          B(CKA_ID, id)},
         6},
        {"rsa public",
         {A(CKA_CLASS, public_class), A(CKA_KEY_TYPE, rsa_type), TOKEN,
          B(CKA_MODULUS, modulus), B(CKA_PUBLIC_EXPONENT, exponent),
          A(CKA_ENCRYPT, no), A(CKA_PRIVATE, no)},
         7},
        {"rsa private",
         {A(CKA_CLASS, private_class),
          A(CKA_KEY_TYPE, rsa_type),
          TOKEN,
          B(CKA_MODULUS, modulus),
          B(CKA_PUBLIC_EXPONENT, exponent),
          B(CKA_PRIVATE_EXPONENT, private_exponent),
          {CKA_LABEL, "rsa", 3}},
         7},
        {"ec public",
         {A(CKA_CLASS, public_class), A(CKA_KEY_TYPE, ec_type), TOKEN,
          B(CKA_EC_PARAMS, p256_params), B(CKA_EC_POINT, point),
          A(CKA_DERIVE, yes)},
         6},
        {"ec private",
         {A(CKA_CLASS, private_class), A(CKA_KEY_TYPE, ec_type), TOKEN,
          B(CKA_EC_PARAMS, p256_params), B(CKA_VALUE, scalar),
          A(CKA_SENSITIVE, no), A(CKA_EXTRACTABLE, yes)},
         7},
        {"ed25519 public",
         {A(CKA_CLASS, public_class),
          A(CKA_KEY_TYPE, edwards_type),
          TOKEN,
          B(CKA_EC_PARAMS, ed25519_params),
          {CKA_EC_POINT, point, 34}},
         5},
        {"ed25519 private",
         {A(CKA_CLASS, private_class), A(CKA_KEY_TYPE, edwards_type), TOKEN,
          B(CKA_EC_PARAMS, ed25519_params), B(CKA_VALUE, scalar),
          B(CKA_ID, id)},
         6},
        {"x25519 private",
         {A(CKA_CLASS, private_class), A(CKA_KEY_TYPE, montgomery_type), TOKEN,
          B(CKA_EC_PARAMS, x25519_params), B(CKA_VALUE, scalar),
          A(CKA_DERIVE, yes)},
         6},
        {"x25519 public",
         {A(CKA_CLASS, public_class),
          A(CKA_KEY_TYPE, montgomery_type),
          TOKEN,
          B(CKA_EC_PARAMS, x25519_params),
          {CKA_EC_POINT, point, 34}},
         5},
        {"generic secret",
         {A(CKA_CLASS, secret_class),
          A(CKA_KEY_TYPE, generic_type),
          TOKEN,
          A(CKA_PRIVATE, yes),
          A(CKA_SENSITIVE, yes),
          B(CKA_ID, id),
          {CKA_LABEL, "bench", 5},
          {CKA_VALUE, private_exponent, 64}},
         8},
        {"aes",
         {A(CKA_CLASS, secret_class),
          A(CKA_KEY_TYPE, aes_type),
          TOKEN,
          {CKA_VALUE, aes_value, 32},
          B(CKA_ALLOWED_MECHANISMS, allowed),
          A(CKA_WRAP, no),
          A(CKA_UNWRAP, no)},
         7},
        {"chacha20",
         {A(CKA_CLASS, secret_class),
          A(CKA_KEY_TYPE, chacha_type),
          TOKEN,
          {CKA_VALUE, aes_value, 32},
          {CKA_START_DATE, "20260101", 8}},
         5},
        {"hkdf",
         {A(CKA_CLASS, secret_class),
          A(CKA_KEY_TYPE, hkdf_type),
          TOKEN,
          {CKA_VALUE, aes_value, 20},
          A(CKA_DERIVE, yes)},
         5},
};
#define SAMPLES (sizeof samples / sizeof samples[0])

static tok_object *make(const sample *one)
{
	tok_object *object = NULL;
	CK_RV rv =
	        tok_object_create(one->template, one->count, TOK_ORIGIN_CREATE,
	                          0, CK_UNAVAILABLE_INFORMATION,
	                          CK_UNAVAILABLE_INFORMATION, &object);
	if (rv != CKR_OK)
		fail_msg("%s: tok_object_create: 0x%lx", one->name, rv);
	assert_true(object->is_token);
	return object;
}

/* What the store would give back: deep copies, in reverse order. */
static store_attribute *stored_copy(const store_attribute *list, size_t count)
{
	store_attribute *copy = calloc(count ? count : 1, sizeof(*copy));
	assert_non_null(copy);
	for (size_t i = 0; i < count; i++)
		assert_int_equal(
		        tok_attribute_copy(&list[i], &copy[count - 1 - i]),
		        CKR_OK);
	return copy;
}

static void assert_same_attribute(const store_attribute *a,
                                  const store_attribute *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->sensitive, b->sensitive);
	assert_int_equal(a->length, b->length);
	if (!a->sensitive) {
		if (a->length != 0)
			assert_memory_equal(a->value, b->value, a->length);
		return;
	}
	enc_buffer *one = NULL, *other = NULL;
	assert_int_equal(enc_open(a->sealed, NULL, 0, 0, &one), ENC_OK);
	assert_int_equal(enc_open(b->sealed, NULL, 0, 0, &other), ENC_OK);
	assert_memory_equal(enc_data(one), enc_data(other), a->length);
	enc_free(one);
	enc_free(other);
}

static void assert_same_object(const tok_object *a, const tok_object *b)
{
	assert_int_equal(a->object_class, b->object_class);
	assert_int_equal(a->key_type, b->key_type);
	assert_int_equal(a->is_token, b->is_token);
	assert_int_equal(a->is_private, b->is_private);
	assert_int_equal(a->count, b->count);
	for (size_t i = 0; i < a->count; i++)
		assert_same_attribute(&a->attributes[i], &b->attributes[i]);
}

/* Stores object relative to its defaults and loads it back. */
static tok_object *round_trip(const tok_object *object, uint32_t *defaults,
                              size_t *stored_count)
{
	store_attribute *list = NULL;
	assert_int_equal(
	        tok_object_stored(object, &list, stored_count, defaults),
	        CKR_OK);
	store_attribute *copy = stored_copy(list, *stored_count);
	free(list);
	tok_object *loaded = NULL;
	assert_int_equal(tok_object_from_store_ex(5, object->is_private,
	                                          object->unique_id, *defaults,
	                                          copy, *stored_count, &loaded),
	                 CKR_OK);
	return loaded;
}

static void test_every_class_round_trips(void **state)
{
	(void)state;
	for (size_t s = 0; s < SAMPLES; s++) {
		tok_object *object = make(&samples[s]);
		uint32_t defaults;
		size_t stored;
		tok_object *loaded = round_trip(object, &defaults, &stored);
		assert_int_equal(defaults, TOK_DEFAULTS_VERSION);
		/* At most the template's attributes and CKA_CLASS: every
		 * attribute the token layer added is a default. */
		if (stored > samples[s].count + 1 || stored >= object->count)
			fail_msg("%s: %zu of %zu attributes stored",
			         samples[s].name, stored, object->count);
		assert_same_object(object, loaded);
		assert_int_equal(loaded->store_id, 5);
		tok_object_free(loaded);
		tok_object_free(object);
	}
}

/* The benchmark's object (p11bench) keeps 5 of its 32 attributes. */
static void test_generic_secret_keeps_five(void **state)
{
	(void)state;
	tok_object *object = make(&samples[11]);
	assert_int_equal(object->count, 32);
	store_attribute *list = NULL;
	size_t count;
	uint32_t defaults;
	assert_int_equal(tok_object_stored(object, &list, &count, &defaults),
	                 CKR_OK);
	const CK_ATTRIBUTE_TYPE kept[] = {CKA_CLASS, CKA_LABEL, CKA_VALUE,
	                                  CKA_KEY_TYPE, CKA_ID};
	assert_int_equal(count, 5);
	for (size_t i = 0; i < count; i++)
		assert_int_equal(list[i].type, kept[i]);
	free(list);
	tok_object_free(object);
}

/* Generated and changed objects: CKA_LOCAL, CKA_KEY_GEN_MECHANISM,
 * CKA_ALWAYS_SENSITIVE... differ from the import defaults and are kept. */
static void test_generated_and_modified(void **state)
{
	(void)state;
	CK_ULONG length = 32;
	CK_ATTRIBUTE template[] = {
	        A(CKA_TOKEN, yes),
	        A(CKA_VALUE_LEN, length),
	        {CKA_LABEL, "gen", 3},
	};
	tok_object *object = NULL;
	assert_int_equal(tok_object_create(template, COUNT(template),
	                                   TOK_ORIGIN_GENERATE, CKO_SECRET_KEY,
	                                   CKK_AES, CKM_AES_KEY_GEN, &object),
	                 CKR_OK);
	assert_int_equal(tok_object_set_material(object, CKA_VALUE, aes_value,
	                                         sizeof aes_value),
	                 CKR_OK);
	CK_BBOOL flag = CK_FALSE;
	CK_ATTRIBUTE change[] = {A(CKA_ENCRYPT, flag), {CKA_LABEL, "", 0}};
	assert_int_equal(tok_object_set_attributes(object, change, 2, false),
	                 CKR_OK);
	uint32_t defaults;
	size_t stored;
	tok_object *loaded = round_trip(object, &defaults, &stored);
	assert_int_equal(defaults, TOK_DEFAULTS_VERSION);
	assert_same_object(object, loaded);
	assert_true(tok_object_bool(loaded, CKA_LOCAL, false));
	assert_true(tok_object_bool(loaded, CKA_ALWAYS_SENSITIVE, false));
	assert_false(tok_object_bool(loaded, CKA_ENCRYPT, true));
	tok_object_free(loaded);
	tok_object_free(object);
}

/* An object without an attribute its defaults would give (as one read
 * from an older record may be) is stored whole, and loads unchanged. */
static void test_incomplete_object_is_stored_whole(void **state)
{
	(void)state;
	tok_object *object = make(&samples[12]);
	ptrdiff_t at = tok_attributes_find(object->attributes, object->count,
	                                   CKA_COPYABLE);
	assert_true(at >= 0);
	tok_attribute_clear(&object->attributes[at]);
	memmove(&object->attributes[at], &object->attributes[at + 1],
	        (object->count - (size_t)at - 1) * sizeof(store_attribute));
	object->count--;
	uint32_t defaults;
	size_t stored;
	tok_object *loaded = round_trip(object, &defaults, &stored);
	assert_int_equal(defaults, 0);
	assert_int_equal(stored, object->count);
	assert_same_object(object, loaded);
	assert_null(tok_object_attribute(loaded, CKA_COPYABLE));
	tok_object_free(loaded);
	tok_object_free(object);
}

/* A defaults version this build does not know, or a compact list without
 * its class, is a damaged (or newer) record, never read with guesses. */
static void test_unknown_defaults_refused(void **state)
{
	(void)state;
	tok_object *object = make(&samples[12]);
	store_attribute *list = NULL;
	size_t count;
	uint32_t defaults;
	assert_int_equal(tok_object_stored(object, &list, &count, &defaults),
	                 CKR_OK);
	const uint32_t unknown[] = {TOK_DEFAULTS_VERSION + 1, 0xffffffffu};
	for (size_t i = 0; i < 2; i++) {
		tok_object *loaded = (tok_object *)1;
		assert_int_equal(tok_object_from_store_ex(
		                         1, true, object->unique_id, unknown[i],
		                         stored_copy(list, count), count,
		                         &loaded),
		                 CKR_DEVICE_ERROR);
		assert_null(loaded);
	}
	/* (Read as a complete list, a compact one would pass for an object
	 * without those attributes: the store binds the version to every
	 * attribute, test_record.c checks that.) Without CKA_CLASS nothing
	 * can be derived. */
	tok_object *loaded = NULL;
	store_attribute *copy = stored_copy(list, count);
	assert_int_equal(copy[count - 1].type, CKA_CLASS);
	tok_attribute_clear(&copy[count - 1]);
	assert_int_equal(tok_object_from_store_ex(1, true, object->unique_id,
	                                          defaults, copy, count - 1,
	                                          &loaded),
	                 CKR_DEVICE_ERROR);
	free(list);
	tok_object_free(object);
}

static void hash_attribute(crypto_generichash_state *hash,
                           const store_attribute *attribute)
{
	unsigned char header[16];
	tok_store_u64(header, attribute->type);
	tok_store_u64(header + 8, attribute->length);
	crypto_generichash_update(hash, header, sizeof header);
	if (attribute->length != 0)
		crypto_generichash_update(hash, attribute->value,
		                          attribute->length);
}

/* Version 1's defaults, pinned: every attribute the samples leave out and
 * get back. If this fails, a default changed: records written with
 * version 1 would load differently. Give the new defaults a new
 * TOK_DEFAULTS_VERSION, keep version 1 readable, then update the digest. */
static void test_version_1_pinned(void **state)
{
	(void)state;
	static const char expected[] = "0591805026d96f70d4bba53f6502f048eecc2bb"
	                               "b12b52fb34d841af685f932b7";
	crypto_generichash_state hash;
	crypto_generichash_init(&hash, NULL, 0, 32);
	for (size_t s = 0; s < SAMPLES; s++) {
		for (int is_private = 0; is_private < 2; is_private++) {
			/* Only the class and key type (and certificate type):
			 * all the rest comes from the defaults. */
			tok_object *object = make(&samples[s]);
			store_attribute minimal[3];
			size_t count = 0;
			static const CK_ATTRIBUTE_TYPE kept[] = {
			        CKA_CLASS, CKA_CERTIFICATE_TYPE, CKA_KEY_TYPE};
			for (size_t k = 0; k < 3; k++) {
				const store_attribute *attribute =
				        tok_object_attribute(object, kept[k]);
				if (attribute != NULL)
					assert_int_equal(
					        tok_attribute_copy(
					                attribute,
					                &minimal[count++]),
					        CKR_OK);
			}
			tok_object_free(object);
			/* In type order, as the store's caller sorts it. */
			store_attribute *list = malloc(sizeof minimal);
			assert_non_null(list);
			memcpy(list, minimal, sizeof minimal);
			assert_int_equal(
			        tok_defaults_expand(TOK_DEFAULTS_VERSION,
			                            is_private, &list, &count),
			        CKR_OK);
			for (size_t k = 0; k < count; k++)
				hash_attribute(&hash, &list[k]);
			tok_attributes_free(list, count);
		}
	}
	unsigned char digest[32];
	crypto_generichash_final(&hash, digest, sizeof digest);
	char hex[65];
	sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
	if (strcmp(hex, expected) != 0)
		fail_msg("the defaults of version %d changed: %s", 1, hex);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_every_class_round_trips),
	        cmocka_unit_test(test_generic_secret_keeps_five),
	        cmocka_unit_test(test_generated_and_modified),
	        cmocka_unit_test(test_incomplete_object_is_stored_whole),
	        cmocka_unit_test(test_unknown_defaults_refused),
	        cmocka_unit_test(test_version_1_pinned),
	};
	return cmocka_run_group_tests_name("token defaults", tests, token_setup,
	                                   token_teardown);
}
