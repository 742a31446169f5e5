/* tok_object_create: every class from a minimal template with its
 * defaults, sensitive values kept sealed, each template error code, and
 * the generate / derive origins with tok_object_set_material and
 * tok_object_set_internal, CKK_HKDF keys and derived data objects. */
#include "config.h"

#include "helpers.h"

#include <string.h>

static unsigned char ec_params[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                    0xce, 0x3d, 0x03, 0x01, 0x07};
static unsigned char ec_point[] = {0x04, 0x41, 0x04, 0x01, 0x02};
static unsigned char ec_secret[32] = {7, 7, 7, 7, 7, 7, 7, 7, 1};
static unsigned char modulus[] = {0x00, 0xc0, 0x01};
static unsigned char exponent[] = {0x01, 0x00, 0x01};
static unsigned char private_exponent[] = {0x5a, 0x5b, 0x5c};
static unsigned char prime[] = {0x0b};

static CK_RV create(const CK_ATTRIBUTE *template, CK_ULONG count,
                    tok_object **out)
{
	return tok_object_create(template, count, TOK_ORIGIN_CREATE, 0,
	                         CK_UNAVAILABLE_INFORMATION,
	                         CK_UNAVAILABLE_INFORMATION, out);
}

/* Asserts that creating from template fails with rv and leaves nothing. */
static void expect_failure(const CK_ATTRIBUTE *template, CK_ULONG count,
                           CK_RV rv)
{
	tok_object *object = (tok_object *)&object;

	assert_int_equal(create(template, count, &object), rv);
	assert_null(object);
}

static void assert_sealed(const tok_object *object, CK_ATTRIBUTE_TYPE type,
                          size_t length)
{
	const store_attribute *attribute = tok_object_attribute(object, type);

	assert_non_null(attribute);
	assert_true(attribute->sensitive);
	assert_non_null(attribute->sealed);
	assert_null(attribute->value);
	assert_int_equal(enc_sealed_length(attribute->sealed), length);
}

static void assert_storage_defaults(const tok_object *object, bool private)
{
	assert_false(get_bool(object, CKA_TOKEN));
	assert_false(object->is_token);
	assert_int_equal(get_bool(object, CKA_PRIVATE), private);
	assert_int_equal(object->is_private, private);
	assert_true(get_bool(object, CKA_MODIFIABLE));
	assert_true(get_bool(object, CKA_COPYABLE));
	assert_true(get_bool(object, CKA_DESTROYABLE));
	assert_true(tok_object_destroyable(object));
	assert_bytes(object, CKA_LABEL, NULL, 0);
	assert_false(
	        enc_ct_is_zero(object->unique_id, sizeof object->unique_id));
}

static void test_data_defaults(void **state)
{
	CK_ATTRIBUTE template[] = {{CKA_CLASS, &data_class, sizeof data_class}};
	tok_object *object = NULL;

	assert_int_equal(create(template, COUNT(template), &object), CKR_OK);
	assert_int_equal(object->object_class, CKO_DATA);
	assert_int_equal(object->key_type, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(get_ulong(object, CKA_CLASS), CKO_DATA);
	assert_storage_defaults(object, false);
	assert_bytes(object, CKA_APPLICATION, NULL, 0);
	assert_bytes(object, CKA_OBJECT_ID, NULL, 0);
	assert_bytes(object, CKA_VALUE, NULL, 0);
	/* A data object's value is not key material. */
	assert_false(tok_object_attribute(object, CKA_VALUE)->sensitive);
	tok_object_free(object);
}

static void test_certificate_defaults(void **state)
{
	tok_object *object = make_certificate();

	assert_storage_defaults(object, false);
	assert_int_equal(get_ulong(object, CKA_CERTIFICATE_TYPE), CKC_X_509);
	assert_false(get_bool(object, CKA_TRUSTED));
	assert_int_equal(get_ulong(object, CKA_CERTIFICATE_CATEGORY), 0);
	assert_int_equal(get_ulong(object, CKA_NAME_HASH_ALGORITHM), CKM_SHA_1);
	assert_bytes(object, CKA_ID, NULL, 0);
	tok_object_free(object);
}

static void test_secret_defaults(void **state)
{
	CK_ATTRIBUTE template[] = {
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	        {CKA_KEY_TYPE, &aes_type, sizeof aes_type},
	        {CKA_VALUE, aes_value, 16},
	};
	tok_object *object = NULL;

	assert_int_equal(create(template, COUNT(template), &object), CKR_OK);
	assert_storage_defaults(object, true);
	assert_int_equal(object->key_type, CKK_AES);
	assert_true(get_bool(object, CKA_SENSITIVE));
	assert_false(get_bool(object, CKA_EXTRACTABLE));
	assert_true(get_bool(object, CKA_ENCRYPT));
	assert_true(get_bool(object, CKA_DECRYPT));
	assert_true(get_bool(object, CKA_SIGN));
	assert_true(get_bool(object, CKA_WRAP));
	assert_false(get_bool(object, CKA_DERIVE));
	assert_false(get_bool(object, CKA_LOCAL));
	assert_false(get_bool(object, CKA_ALWAYS_SENSITIVE));
	assert_false(get_bool(object, CKA_NEVER_EXTRACTABLE));
	assert_false(get_bool(object, CKA_TRUSTED));
	assert_false(get_bool(object, CKA_WRAP_WITH_TRUSTED));
	assert_int_equal(get_ulong(object, CKA_KEY_GEN_MECHANISM),
	                 CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(get_ulong(object, CKA_VALUE_LEN), 16);
	assert_sealed(object, CKA_VALUE, 16);
	tok_object_free(object);
}

static void test_ec_keys(void **state)
{
	CK_ATTRIBUTE private_template[] = {
	        {CKA_CLASS, &private_class, sizeof private_class},
	        {CKA_KEY_TYPE, &ec_type, sizeof ec_type},
	        {CKA_EC_PARAMS, ec_params, sizeof ec_params},
	        {CKA_VALUE, ec_secret, sizeof ec_secret},
	};
	CK_ATTRIBUTE public_template[] = {
	        {CKA_CLASS, &public_class, sizeof public_class},
	        {CKA_KEY_TYPE, &ec_type, sizeof ec_type},
	        {CKA_EC_PARAMS, ec_params, sizeof ec_params},
	        {CKA_EC_POINT, ec_point, sizeof ec_point},
	};
	tok_object *object = NULL;

	assert_int_equal(
	        create(private_template, COUNT(private_template), &object),
	        CKR_OK);
	assert_storage_defaults(object, true);
	assert_true(get_bool(object, CKA_SIGN));
	assert_false(get_bool(object, CKA_ALWAYS_AUTHENTICATE));
	assert_sealed(object, CKA_VALUE, sizeof ec_secret);
	assert_bytes(object, CKA_EC_PARAMS, ec_params, sizeof ec_params);
	tok_object_free(object);

	assert_int_equal(
	        create(public_template, COUNT(public_template), &object),
	        CKR_OK);
	assert_storage_defaults(object, false);
	assert_true(get_bool(object, CKA_VERIFY));
	assert_bytes(object, CKA_EC_POINT, ec_point, sizeof ec_point);
	tok_object_free(object);

	/* Without the point. */
	expect_failure(public_template, 3, CKR_TEMPLATE_INCOMPLETE);
}

static void test_rsa_keys(void **state)
{
	CK_ATTRIBUTE public_template[] = {
	        {CKA_CLASS, &public_class, sizeof public_class},
	        {CKA_KEY_TYPE, &rsa_type, sizeof rsa_type},
	        {CKA_MODULUS, modulus, sizeof modulus},
	        {CKA_PUBLIC_EXPONENT, exponent, sizeof exponent},
	};
	CK_ATTRIBUTE private_template[] = {
	        {CKA_CLASS, &private_class, sizeof private_class},
	        {CKA_KEY_TYPE, &rsa_type, sizeof rsa_type},
	        {CKA_MODULUS, modulus, sizeof modulus},
	        {CKA_PRIVATE_EXPONENT, private_exponent,
	         sizeof private_exponent},
	        {CKA_PRIME_1, prime, sizeof prime},
	};
	CK_ULONG bits = 16;
	CK_ATTRIBUTE with_bits[] = {
	        {CKA_CLASS, &public_class, sizeof public_class},
	        {CKA_KEY_TYPE, &rsa_type, sizeof rsa_type},
	        {CKA_MODULUS, modulus, sizeof modulus},
	        {CKA_PUBLIC_EXPONENT, exponent, sizeof exponent},
	        {CKA_MODULUS_BITS, &bits, sizeof bits},
	};
	tok_object *object = NULL;

	assert_int_equal(
	        create(public_template, COUNT(public_template), &object),
	        CKR_OK);
	/* Computed from the modulus (leading zero byte ignored). */
	assert_int_equal(get_ulong(object, CKA_MODULUS_BITS), 16);
	assert_bytes(object, CKA_PUBLIC_EXPONENT, exponent, sizeof exponent);
	tok_object_free(object);
	expect_failure(with_bits, COUNT(with_bits), CKR_ATTRIBUTE_READ_ONLY);

	assert_int_equal(
	        create(private_template, COUNT(private_template), &object),
	        CKR_OK);
	assert_sealed(object, CKA_PRIVATE_EXPONENT, sizeof private_exponent);
	assert_sealed(object, CKA_PRIME_1, sizeof prime);
	assert_false(tok_object_attribute(object, CKA_MODULUS)->sensitive);
	assert_null(tok_object_attribute(object, CKA_PRIME_2));
	tok_object_free(object);

	/* The private exponent is required. */
	expect_failure(private_template, 3, CKR_TEMPLATE_INCOMPLETE);
}

static void test_template_errors(void **state)
{
	unsigned char aes17[17] = {0};
	unsigned char other_value[32] = {1};
	CK_ULONG value_len = 32;
	CK_ULONG bad_class = 0x7654321;
	CK_BBOOL wide_bool[2] = {CK_TRUE, CK_TRUE};
	CK_ATTRIBUTE no_class[] = {{CKA_LABEL, "x", 1}};
	CK_ATTRIBUTE no_value[] = {
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	        {CKA_KEY_TYPE, &aes_type, sizeof aes_type},
	};
	CK_ATTRIBUTE no_key_type[] = {
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	        {CKA_VALUE, aes_value, 16},
	};
	CK_ATTRIBUTE short_aes[] = {
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	        {CKA_KEY_TYPE, &aes_type, sizeof aes_type},
	        {CKA_VALUE, aes17, sizeof aes17},
	};
	CK_ATTRIBUTE bool_length[] = {
	        {CKA_CLASS, &data_class, sizeof data_class},
	        {CKA_TOKEN, wide_bool, sizeof wide_bool},
	};
	CK_ATTRIBUTE local[] = {
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	        {CKA_KEY_TYPE, &aes_type, sizeof aes_type},
	        {CKA_VALUE, aes_value, 16},
	        {CKA_LOCAL, &yes, sizeof yes},
	};
	CK_ATTRIBUTE value_len_given[] = {
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	        {CKA_KEY_TYPE, &aes_type, sizeof aes_type},
	        {CKA_VALUE, aes_value, 32},
	        {CKA_VALUE_LEN, &value_len, sizeof value_len},
	};
	CK_ATTRIBUTE foreign[] = {
	        {CKA_CLASS, &data_class, sizeof data_class},
	        {CKA_MODULUS, modulus, sizeof modulus},
	};
	CK_ATTRIBUTE conflicting[] = {
	        {CKA_CLASS, &data_class, sizeof data_class},
	        {CKA_LABEL, "one", 3},
	        {CKA_LABEL, "two", 3},
	};
	CK_ATTRIBUTE conflicting_secret[] = {
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	        {CKA_KEY_TYPE, &aes_type, sizeof aes_type},
	        {CKA_VALUE, aes_value, 32},
	        {CKA_VALUE, other_value, 32},
	};
	CK_ATTRIBUTE conflicting_class[] = {
	        {CKA_CLASS, &data_class, sizeof data_class},
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	};
	CK_ATTRIBUTE unknown_type[] = {
	        {CKA_CLASS, &data_class, sizeof data_class},
	        {0x7fffffffUL, "x", 1},
	};
	CK_ATTRIBUTE unknown_class[] = {
	        {CKA_CLASS, &bad_class, sizeof bad_class}};
	CK_ATTRIBUTE short_class[] = {{CKA_CLASS, &data_class, 4}};
	CK_ATTRIBUTE aes_private[] = {
	        {CKA_CLASS, &private_class, sizeof private_class},
	        {CKA_KEY_TYPE, &aes_type, sizeof aes_type},
	};
	CK_ATTRIBUTE certificate_without_subject[] = {
	        {CKA_CLASS, &certificate_class, sizeof certificate_class},
	        {CKA_CERTIFICATE_TYPE, &x509_type, sizeof x509_type},
	        {CKA_VALUE, "v", 1},
	};
	CK_ATTRIBUTE unique_id[] = {
	        {CKA_CLASS, &data_class, sizeof data_class},
	        {CKA_UNIQUE_ID, "abc", 3},
	};
	CK_ATTRIBUTE bad_date[] = {
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	        {CKA_KEY_TYPE, &aes_type, sizeof aes_type},
	        {CKA_VALUE, aes_value, 16},
	        {CKA_START_DATE, "2024-1-1", 8},
	};
	tok_object *object = NULL;

	expect_failure(no_class, COUNT(no_class), CKR_TEMPLATE_INCOMPLETE);
	expect_failure(no_value, COUNT(no_value), CKR_TEMPLATE_INCOMPLETE);
	expect_failure(no_key_type, COUNT(no_key_type),
	               CKR_TEMPLATE_INCOMPLETE);
	expect_failure(short_aes, COUNT(short_aes),
	               CKR_ATTRIBUTE_VALUE_INVALID);
	expect_failure(bool_length, COUNT(bool_length),
	               CKR_ATTRIBUTE_VALUE_INVALID);
	expect_failure(local, COUNT(local), CKR_ATTRIBUTE_READ_ONLY);
	expect_failure(value_len_given, COUNT(value_len_given),
	               CKR_ATTRIBUTE_READ_ONLY);
	expect_failure(foreign, COUNT(foreign), CKR_TEMPLATE_INCONSISTENT);
	expect_failure(conflicting, COUNT(conflicting),
	               CKR_TEMPLATE_INCONSISTENT);
	expect_failure(conflicting_secret, COUNT(conflicting_secret),
	               CKR_TEMPLATE_INCONSISTENT);
	expect_failure(conflicting_class, COUNT(conflicting_class),
	               CKR_TEMPLATE_INCONSISTENT);
	expect_failure(unknown_type, COUNT(unknown_type),
	               CKR_ATTRIBUTE_TYPE_INVALID);
	expect_failure(unknown_class, COUNT(unknown_class),
	               CKR_ATTRIBUTE_VALUE_INVALID);
	expect_failure(short_class, COUNT(short_class),
	               CKR_ATTRIBUTE_VALUE_INVALID);
	expect_failure(aes_private, COUNT(aes_private),
	               CKR_TEMPLATE_INCONSISTENT);
	expect_failure(certificate_without_subject,
	               COUNT(certificate_without_subject),
	               CKR_TEMPLATE_INCOMPLETE);
	expect_failure(unique_id, COUNT(unique_id), CKR_ATTRIBUTE_READ_ONLY);
	expect_failure(bad_date, COUNT(bad_date), CKR_ATTRIBUTE_VALUE_INVALID);
	expect_failure(NULL, 1, CKR_ARGUMENTS_BAD);
	assert_int_equal(create(no_class, 1, NULL), CKR_ARGUMENTS_BAD);

	/* The same value twice is accepted, as if given once. */
	conflicting[2].pValue = "one";
	assert_int_equal(create(conflicting, COUNT(conflicting), &object),
	                 CKR_OK);
	assert_bytes(object, CKA_LABEL, "one", 3);
	tok_object_free(object);
	conflicting_secret[3].pValue = aes_value;
	assert_int_equal(
	        create(conflicting_secret, COUNT(conflicting_secret), &object),
	        CKR_OK);
	tok_object_free(object);
}

static void test_bool_normalised(void **state)
{
	CK_BBOOL seven = 7;
	CK_ATTRIBUTE template[] = {
	        {CKA_CLASS, &data_class, sizeof data_class},
	        {CKA_TOKEN, &seven, sizeof seven},
	};
	tok_object *object = NULL;

	assert_int_equal(create(template, COUNT(template), &object), CKR_OK);
	assert_true(get_bool(object, CKA_TOKEN));
	assert_true(object->is_token);
	assert_int_equal(tok_object_attribute(object, CKA_TOKEN)->value[0], 1);
	tok_object_free(object);
}

static void test_trusted_needs_so(void **state)
{
	CK_ATTRIBUTE template[] = {
	        {CKA_CLASS, &certificate_class, sizeof certificate_class},
	        {CKA_CERTIFICATE_TYPE, &x509_type, sizeof x509_type},
	        {CKA_SUBJECT, "s", 1},
	        {CKA_VALUE, "v", 1},
	        {CKA_TRUSTED, &yes, sizeof yes},
	};
	tok_object *object = NULL;

	expect_failure(template, COUNT(template), CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(tok_object_create_ex(
	                         template, COUNT(template), TOK_ORIGIN_CREATE,
	                         0, CK_UNAVAILABLE_INFORMATION,
	                         CK_UNAVAILABLE_INFORMATION, true, &object),
	                 CKR_OK);
	assert_true(get_bool(object, CKA_TRUSTED));
	tok_object_free(object);
}

static void test_generate(void **state)
{
	CK_ULONG length = 32;
	CK_BBOOL extractable = CK_TRUE;
	CK_ATTRIBUTE template[] = {
	        {CKA_VALUE_LEN, &length, sizeof length},
	        {CKA_LABEL, "gen", 3},
	};
	CK_ATTRIBUTE extractable_template[] = {
	        {CKA_VALUE_LEN, &length, sizeof length},
	        {CKA_EXTRACTABLE, &extractable, sizeof extractable},
	};
	CK_ATTRIBUTE with_value[] = {
	        {CKA_VALUE_LEN, &length, sizeof length},
	        {CKA_VALUE, aes_value, 32},
	};
	CK_ATTRIBUTE data[] = {{CKA_CLASS, &data_class, sizeof data_class}};
	tok_object *object = (tok_object *)&object;

	assert_int_equal(tok_object_create(template, COUNT(template),
	                                   TOK_ORIGIN_GENERATE, CKO_SECRET_KEY,
	                                   CKK_AES, CKM_AES_KEY_GEN, &object),
	                 CKR_OK);
	assert_int_equal(object->object_class, CKO_SECRET_KEY);
	assert_int_equal(get_ulong(object, CKA_CLASS), CKO_SECRET_KEY);
	assert_int_equal(get_ulong(object, CKA_KEY_TYPE), CKK_AES);
	assert_true(get_bool(object, CKA_LOCAL));
	assert_true(get_bool(object, CKA_ALWAYS_SENSITIVE));
	assert_true(get_bool(object, CKA_NEVER_EXTRACTABLE));
	assert_int_equal(get_ulong(object, CKA_KEY_GEN_MECHANISM),
	                 CKM_AES_KEY_GEN);
	assert_null(tok_object_attribute(object, CKA_VALUE));

	/* The mechanism supplies the key. */
	assert_int_equal(
	        tok_object_set_material(object, CKA_VALUE, aes_value, 17),
	        CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(tok_object_set_material(object, CKA_LABEL, "x", 1),
	                 CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(
	        tok_object_set_material(object, CKA_VALUE, aes_value, 24),
	        CKR_OK);
	assert_sealed(object, CKA_VALUE, 24);
	assert_int_equal(get_ulong(object, CKA_VALUE_LEN), 24);
	tok_object_free(object);

	assert_int_equal(tok_object_create(extractable_template,
	                                   COUNT(extractable_template),
	                                   TOK_ORIGIN_GENERATE, CKO_SECRET_KEY,
	                                   CKK_AES, CKM_AES_KEY_GEN, &object),
	                 CKR_OK);
	assert_true(get_bool(object, CKA_ALWAYS_SENSITIVE));
	assert_false(get_bool(object, CKA_NEVER_EXTRACTABLE));
	tok_object_free(object);

	object = (tok_object *)&object;
	assert_int_equal(tok_object_create(with_value, COUNT(with_value),
	                                   TOK_ORIGIN_GENERATE, CKO_SECRET_KEY,
	                                   CKK_AES, CKM_AES_KEY_GEN, &object),
	                 CKR_ATTRIBUTE_READ_ONLY);
	assert_null(object);
	/* CKA_VALUE_LEN must be given to generate an AES key. */
	assert_int_equal(tok_object_create(template + 1, 1, TOK_ORIGIN_GENERATE,
	                                   CKO_SECRET_KEY, CKK_AES,
	                                   CKM_AES_KEY_GEN, &object),
	                 CKR_TEMPLATE_INCOMPLETE);
	/* No mechanism makes data objects. */
	assert_int_equal(tok_object_create(data, COUNT(data),
	                                   TOK_ORIGIN_GENERATE, CKO_SECRET_KEY,
	                                   CKK_AES, CKM_AES_KEY_GEN, &object),
	                 CKR_TEMPLATE_INCONSISTENT);
}

static void test_generate_key_pair(void **state)
{
	CK_ATTRIBUTE public_template[] = {
	        {CKA_EC_PARAMS, ec_params, sizeof ec_params},
	};
	CK_ATTRIBUTE private_template[] = {
	        {CKA_EC_PARAMS, ec_params, sizeof ec_params},
	};
	tok_object *public_key = NULL;
	tok_object *private_key = NULL;

	assert_int_equal(
	        tok_object_create(public_template, COUNT(public_template),
	                          TOK_ORIGIN_GENERATE, CKO_PUBLIC_KEY, CKK_EC,
	                          CKM_EC_KEY_PAIR_GEN, &public_key),
	        CKR_OK);
	/* [4]: the private key's parameters come from the mechanism. */
	assert_int_equal(
	        tok_object_create(private_template, COUNT(private_template),
	                          TOK_ORIGIN_GENERATE, CKO_PRIVATE_KEY, CKK_EC,
	                          CKM_EC_KEY_PAIR_GEN, &private_key),
	        CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(tok_object_create(NULL, 0, TOK_ORIGIN_GENERATE,
	                                   CKO_PRIVATE_KEY, CKK_EC,
	                                   CKM_EC_KEY_PAIR_GEN, &private_key),
	                 CKR_OK);
	assert_int_equal(tok_object_set_material(public_key, CKA_EC_POINT,
	                                         ec_point, sizeof ec_point),
	                 CKR_OK);
	assert_int_equal(tok_object_set_material(private_key, CKA_EC_PARAMS,
	                                         ec_params, sizeof ec_params),
	                 CKR_OK);
	assert_int_equal(tok_object_set_material(private_key, CKA_VALUE,
	                                         ec_secret, sizeof ec_secret),
	                 CKR_OK);
	assert_sealed(private_key, CKA_VALUE, sizeof ec_secret);
	assert_false(tok_object_attribute(public_key, CKA_EC_POINT)->sensitive);
	assert_true(get_bool(private_key, CKA_LOCAL));
	tok_object_free(public_key);
	tok_object_free(private_key);
}

static void test_derive_and_internal(void **state)
{
	CK_ULONG length = 32;
	CK_ATTRIBUTE template[] = {
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	        {CKA_KEY_TYPE, &aes_type, sizeof aes_type},
	        {CKA_VALUE_LEN, &length, sizeof length},
	};
	unsigned char one = 1;
	unsigned char two = 2;
	tok_object *object = NULL;

	assert_int_equal(tok_object_create(template, COUNT(template),
	                                   TOK_ORIGIN_DERIVE, 0,
	                                   CK_UNAVAILABLE_INFORMATION,
	                                   CKM_ECDH1_DERIVE, &object),
	                 CKR_OK);
	assert_false(get_bool(object, CKA_LOCAL));
	assert_false(get_bool(object, CKA_ALWAYS_SENSITIVE));
	assert_int_equal(get_ulong(object, CKA_KEY_GEN_MECHANISM),
	                 CK_UNAVAILABLE_INFORMATION);

	assert_int_equal(
	        tok_object_set_internal(object, CKA_ALWAYS_SENSITIVE, &one, 1),
	        CKR_OK);
	assert_true(get_bool(object, CKA_ALWAYS_SENSITIVE));
	assert_int_equal(
	        tok_object_set_internal(object, CKA_NEVER_EXTRACTABLE, &two, 1),
	        CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(tok_object_set_internal(object, CKA_VALUE, &one, 1),
	                 CKR_ARGUMENTS_BAD);
	assert_int_equal(tok_object_set_internal(object, CKA_CLASS, &one, 1),
	                 CKR_ARGUMENTS_BAD);
	assert_int_equal(tok_object_set_internal(object, CKA_MODULUS, &one, 1),
	                 CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(
	        tok_object_set_material(object, CKA_VALUE, aes_value, 32),
	        CKR_OK);
	tok_object_free(object);
}

/* CKK_HKDF (PKCS#11 3.0) is a secret key type like a generic secret: any
 * non-zero length, made by import, generation or derivation. */
static void test_hkdf_key_type(void **state)
{
	CK_KEY_TYPE hkdf_type = CKK_HKDF;
	CK_ULONG length = 48;
	CK_ATTRIBUTE imported[] = {
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	        {CKA_KEY_TYPE, &hkdf_type, sizeof hkdf_type},
	        {CKA_DERIVE, &yes, sizeof yes},
	        {CKA_VALUE, aes_value, 20},
	};
	CK_ATTRIBUTE generated[] = {{CKA_VALUE_LEN, &length, sizeof length}};
	CK_ATTRIBUTE as_private[] = {
	        {CKA_CLASS, &private_class, sizeof private_class},
	        {CKA_KEY_TYPE, &hkdf_type, sizeof hkdf_type},
	        {CKA_VALUE, aes_value, 20},
	};
	tok_object *object = NULL;

	assert_int_equal(create(imported, COUNT(imported), &object), CKR_OK);
	assert_int_equal(object->object_class, CKO_SECRET_KEY);
	assert_int_equal(object->key_type, CKK_HKDF);
	assert_int_equal(get_ulong(object, CKA_KEY_TYPE), CKK_HKDF);
	assert_int_equal(get_ulong(object, CKA_VALUE_LEN), 20);
	assert_true(get_bool(object, CKA_DERIVE));
	assert_true(get_bool(object, CKA_SENSITIVE));
	assert_sealed(object, CKA_VALUE, 20);
	tok_object_free(object);

	/* C_GenerateKey(CKM_HKDF_KEY_GEN): CKA_VALUE_LEN required. */
	assert_int_equal(tok_object_create(generated, COUNT(generated),
	                                   TOK_ORIGIN_GENERATE, CKO_SECRET_KEY,
	                                   CKK_HKDF, CKM_HKDF_KEY_GEN, &object),
	                 CKR_OK);
	assert_int_equal(get_ulong(object, CKA_KEY_GEN_MECHANISM),
	                 CKM_HKDF_KEY_GEN);
	assert_int_equal(
	        tok_object_set_material(object, CKA_VALUE, aes_value, 0),
	        CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(
	        tok_object_set_material(object, CKA_VALUE, aes_value, 32),
	        CKR_OK);
	assert_int_equal(get_ulong(object, CKA_VALUE_LEN), 32);
	tok_object_free(object);
	object = (tok_object *)&object;
	assert_int_equal(tok_object_create(NULL, 0, TOK_ORIGIN_GENERATE,
	                                   CKO_SECRET_KEY, CKK_HKDF,
	                                   CKM_HKDF_KEY_GEN, &object),
	                 CKR_TEMPLATE_INCOMPLETE);
	assert_null(object);

	/* Only a secret key can be an HKDF key. */
	expect_failure(as_private, COUNT(as_private),
	               CKR_TEMPLATE_INCONSISTENT);
}

/* CKM_HKDF_DATA: C_DeriveKey may make a data object when the template
 * says CKO_DATA; the mechanism, not the template, gives its value. */
static void test_derive_data(void **state)
{
	CK_BBOOL public_flag = CK_FALSE;
	CK_ATTRIBUTE template[] = {
	        {CKA_CLASS, &data_class, sizeof data_class},
	        {CKA_LABEL, "okm", 3},
	        {CKA_APPLICATION, "app", 3},
	};
	CK_ATTRIBUTE public_template[] = {
	        {CKA_CLASS, &data_class, sizeof data_class},
	        {CKA_PRIVATE, &public_flag, sizeof public_flag},
	};
	CK_ATTRIBUTE with_value[] = {
	        {CKA_CLASS, &data_class, sizeof data_class},
	        {CKA_VALUE, "xyz", 3},
	};
	CK_ATTRIBUTE certificate[] = {
	        {CKA_CLASS, &certificate_class, sizeof certificate_class},
	        {CKA_CERTIFICATE_TYPE, &x509_type, sizeof x509_type},
	};
	tok_object *object = NULL;

	assert_int_equal(tok_object_create(template, COUNT(template),
	                                   TOK_ORIGIN_DERIVE, 0,
	                                   CK_UNAVAILABLE_INFORMATION,
	                                   CK_UNAVAILABLE_INFORMATION, &object),
	                 CKR_OK);
	assert_int_equal(object->object_class, CKO_DATA);
	assert_int_equal(object->key_type, CK_UNAVAILABLE_INFORMATION);
	/* Private unless the template says otherwise. */
	assert_true(get_bool(object, CKA_PRIVATE));
	assert_true(object->is_private);
	assert_bytes(object, CKA_APPLICATION, "app", 3);
	assert_bytes(object, CKA_VALUE, NULL, 0);
	assert_int_equal(
	        tok_object_set_material(object, CKA_VALUE, aes_value, 32),
	        CKR_OK);
	assert_bytes(object, CKA_VALUE, aes_value, 32);
	assert_false(tok_object_attribute(object, CKA_VALUE)->sensitive);
	assert_int_equal(tok_object_set_material(object, CKA_LABEL, "x", 1),
	                 CKR_ATTRIBUTE_TYPE_INVALID);
	tok_object_free(object);

	assert_int_equal(tok_object_create(public_template,
	                                   COUNT(public_template),
	                                   TOK_ORIGIN_DERIVE, 0,
	                                   CK_UNAVAILABLE_INFORMATION,
	                                   CK_UNAVAILABLE_INFORMATION, &object),
	                 CKR_OK);
	assert_false(get_bool(object, CKA_PRIVATE));
	assert_false(object->is_private);
	tok_object_free(object);

	object = (tok_object *)&object;
	assert_int_equal(tok_object_create(with_value, COUNT(with_value),
	                                   TOK_ORIGIN_DERIVE, 0,
	                                   CK_UNAVAILABLE_INFORMATION,
	                                   CK_UNAVAILABLE_INFORMATION, &object),
	                 CKR_ATTRIBUTE_READ_ONLY);
	assert_null(object);
	/* The class is not implied, and no other class than data. */
	assert_int_equal(tok_object_create(template + 1, 2, TOK_ORIGIN_DERIVE,
	                                   0, CK_UNAVAILABLE_INFORMATION,
	                                   CK_UNAVAILABLE_INFORMATION, &object),
	                 CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(tok_object_create(certificate, COUNT(certificate),
	                                   TOK_ORIGIN_DERIVE, 0,
	                                   CK_UNAVAILABLE_INFORMATION,
	                                   CK_UNAVAILABLE_INFORMATION, &object),
	                 CKR_TEMPLATE_INCONSISTENT);
	/* Unwrapping never makes data. */
	assert_int_equal(tok_object_create(template, COUNT(template),
	                                   TOK_ORIGIN_UNWRAP, 0,
	                                   CK_UNAVAILABLE_INFORMATION,
	                                   CK_UNAVAILABLE_INFORMATION, &object),
	                 CKR_TEMPLATE_INCONSISTENT);
	assert_null(object);
	/* An imported data object still takes its value from the template
	 * and stays public by default. */
	assert_int_equal(create(with_value, COUNT(with_value), &object),
	                 CKR_OK);
	assert_bytes(object, CKA_VALUE, "xyz", 3);
	assert_false(get_bool(object, CKA_PRIVATE));
	tok_object_free(object);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_data_defaults),
	        cmocka_unit_test(test_certificate_defaults),
	        cmocka_unit_test(test_secret_defaults),
	        cmocka_unit_test(test_ec_keys),
	        cmocka_unit_test(test_rsa_keys),
	        cmocka_unit_test(test_template_errors),
	        cmocka_unit_test(test_bool_normalised),
	        cmocka_unit_test(test_trusted_needs_so),
	        cmocka_unit_test(test_generate),
	        cmocka_unit_test(test_generate_key_pair),
	        cmocka_unit_test(test_derive_and_internal),
	        cmocka_unit_test(test_hkdf_key_type),
	        cmocka_unit_test(test_derive_data),
	};

	return cmocka_run_group_tests(tests, token_setup, token_teardown);
}
