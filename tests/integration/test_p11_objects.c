/* Objects through the ABI: data objects, X.509 certificates, AES secret
 * keys, EC public and private keys by C_CreateObject; C_CopyObject,
 * C_DestroyObject, C_GetObjectSize, C_GetAttributeValue (length query,
 * CKR_BUFFER_TOO_SMALL, CKR_ATTRIBUTE_SENSITIVE, CKR_ATTRIBUTE_TYPE_INVALID
 * with the other entries still filled), C_SetAttributeValue (label,
 * CKA_SENSITIVE / CKA_EXTRACTABLE one way only), session rules (R/O,
 * login), template errors, CKA_UNIQUE_ID, and persistence. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"

#include <stdlib.h>
#include <string.h>

static CK_SESSION_HANDLE user_session(bool rw)
{
	CK_SESSION_HANDLE s = h_open(H.slot, rw);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	return s;
}

static CK_RV create(CK_SESSION_HANDLE s, CK_ATTRIBUTE *template, CK_ULONG n,
                    CK_OBJECT_HANDLE *object)
{
	*object = CK_INVALID_HANDLE;
	return p11->C_CreateObject(s, template, n, object);
}

static CK_RV create_ec_public(CK_SESSION_HANDLE s, bool token,
                              CK_OBJECT_HANDLE *object)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE type = CKK_EC;
	CK_BBOOL is_token = token ? CK_TRUE : CK_FALSE;
	static const unsigned char id[] = {0xec, 0x01};
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_KEY_TYPE, type),
	        H_ATTR_VAR(CKA_TOKEN, is_token),
	        H_ATTR_VAR(CKA_VERIFY, h_true),
	        H_ATTR_STR(CKA_LABEL, "ec public"),
	        H_ATTR(CKA_ID, id, sizeof(id)),
	        H_ATTR(CKA_EC_PARAMS, h_p256_params, h_p256_params_length),
	        H_ATTR(CKA_EC_POINT, h_p256_point, h_p256_point_length),
	};
	return create(s, template, H_ARRAY_SIZE(template), object);
}

static CK_RV create_ec_private(CK_SESSION_HANDLE s, bool token, bool sensitive,
                               CK_OBJECT_HANDLE *object)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE type = CKK_EC;
	CK_BBOOL is_token = token ? CK_TRUE : CK_FALSE;
	CK_BBOOL is_sensitive = sensitive ? CK_TRUE : CK_FALSE;
	CK_BBOOL is_extractable = sensitive ? CK_FALSE : CK_TRUE;
	static const unsigned char id[] = {0xec, 0x01};
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_KEY_TYPE, type),
	        H_ATTR_VAR(CKA_TOKEN, is_token),
	        H_ATTR_VAR(CKA_PRIVATE, h_true),
	        H_ATTR_VAR(CKA_SENSITIVE, is_sensitive),
	        H_ATTR_VAR(CKA_EXTRACTABLE, is_extractable),
	        H_ATTR_VAR(CKA_SIGN, h_true),
	        H_ATTR_STR(CKA_LABEL, "ec private"),
	        H_ATTR(CKA_ID, id, sizeof(id)),
	        H_ATTR(CKA_EC_PARAMS, h_p256_params, h_p256_params_length),
	        H_ATTR(CKA_VALUE, h_p256_private, h_p256_private_length),
	};
	return create(s, template, H_ARRAY_SIZE(template), object);
}

static void test_data_object(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	CK_OBJECT_HANDLE o = h_create_data(s, true, false, "data 1", "hello");
	assert_int_equal(h_get_ulong(s, o, CKA_CLASS), CKO_DATA);
	assert_int_equal(h_get_bool(s, o, CKA_TOKEN), CK_TRUE);
	assert_int_equal(h_get_bool(s, o, CKA_PRIVATE), CK_FALSE);
	assert_int_equal(h_get_bool(s, o, CKA_MODIFIABLE), CK_TRUE);
	assert_int_equal(h_get_bool(s, o, CKA_COPYABLE), CK_TRUE);
	assert_int_equal(h_get_bool(s, o, CKA_DESTROYABLE), CK_TRUE);
	assert_string_equal(h_get_label(s, o), "data 1");
	char buffer[64];
	assert_int_equal(h_get_bytes(s, o, CKA_VALUE, buffer, sizeof(buffer)),
	                 5);
	assert_memory_equal(buffer, "hello", 5);
	assert_int_equal(
	        h_get_bytes(s, o, CKA_APPLICATION, buffer, sizeof(buffer)),
	        strlen("guardhsm-tests"));
	/* CKA_OBJECT_ID defaults to empty. */
	assert_int_equal(
	        h_get_bytes(s, o, CKA_OBJECT_ID, buffer, sizeof(buffer)), 0);

	/* A data object with only its class. */
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE minimal[] = {H_ATTR_VAR(CKA_CLASS, cls)};
	CK_OBJECT_HANDLE m;
	assert_ok(create(s, minimal, 1, &m));
	assert_int_equal(h_get_bool(s, m, CKA_TOKEN), CK_FALSE);
	assert_int_equal(h_get_bytes(s, m, CKA_VALUE, buffer, sizeof(buffer)),
	                 0);
	/* A large value. */
	size_t big = 256 * 1024;
	char *value = malloc(big + 1);
	assert_non_null(value);
	memset(value, 'z', big);
	value[big] = '\0';
	CK_OBJECT_HANDLE large = h_create_data(s, true, false, "large", value);
	char *back = malloc(big);
	assert_non_null(back);
	assert_int_equal(h_get_bytes(s, large, CKA_VALUE, back, big), big);
	assert_memory_equal(back, value, big);
	free(back);
	free(value);
}

static void test_unique_id(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	CK_OBJECT_HANDLE objects[4];
	objects[0] = h_create_data(s, true, false, "u", "1");
	objects[1] = h_create_data(s, true, false, "u", "1");
	objects[2] = h_create_data(s, false, false, "u", "1");
	assert_ok(h_create_cert_rv(s, true, "u", &objects[3]));
	char ids[4][128];
	CK_ULONG lengths[4];
	for (int i = 0; i < 4; i++) {
		lengths[i] = h_get_bytes(s, objects[i], CKA_UNIQUE_ID, ids[i],
		                         sizeof(ids[i]) - 1);
		assert_true(lengths[i] > 0 && lengths[i] < sizeof(ids[i]));
		for (int j = 0; j < i; j++)
			if (lengths[i] == lengths[j] &&
			    memcmp(ids[i], ids[j], lengths[i]) == 0)
				fail_msg(
				        "objects %d and %d share CKA_UNIQUE_ID",
				        i, j);
	}
	/* Read-only: neither settable nor given at creation. */
	CK_ATTRIBUTE set[] = {H_ATTR_STR(CKA_UNIQUE_ID, "mine")};
	assert_rv(p11->C_SetAttributeValue(s, objects[0], set, 1),
	          CKR_ATTRIBUTE_READ_ONLY);
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE with_id[] = {H_ATTR_VAR(CKA_CLASS, cls),
	                          H_ATTR_STR(CKA_UNIQUE_ID, "mine")};
	CK_OBJECT_HANDLE o;
	assert_rv(create(s, with_id, 2, &o), CKR_ATTRIBUTE_READ_ONLY);
	/* Stable across a restart for token objects. */
	char label_id[128];
	memcpy(label_id, ids[0], lengths[0]);
	assert_ok(p11->C_Finalize(NULL));
	assert_ok(p11->C_Initialize(NULL));
	s = h_open(H.slot, false);
	CK_ATTRIBUTE by_id[] = {H_ATTR(CKA_UNIQUE_ID, label_id, lengths[0])};
	CK_OBJECT_HANDLE found[4];
	CK_ULONG n = h_find(s, by_id, 1, found, 4);
	assert_int_equal(n, 1);
	assert_int_equal(
	        h_get_bytes(s, found[0], CKA_UNIQUE_ID, ids[0], sizeof(ids[0])),
	        lengths[0]);
	assert_memory_equal(ids[0], label_id, lengths[0]);
}

static void test_certificate(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	CK_OBJECT_HANDLE cert;
	assert_ok(h_create_cert_rv(s, true, "my cert", &cert));
	assert_int_equal(h_get_ulong(s, cert, CKA_CLASS), CKO_CERTIFICATE);
	assert_int_equal(h_get_ulong(s, cert, CKA_CERTIFICATE_TYPE), CKC_X_509);
	assert_int_equal(h_get_bool(s, cert, CKA_TRUSTED), CK_FALSE);
	assert_int_equal(h_get_ulong(s, cert, CKA_CERTIFICATE_CATEGORY), 0);
	unsigned char buffer[1024];
	assert_int_equal(
	        h_get_bytes(s, cert, CKA_VALUE, buffer, sizeof(buffer)),
	        h_cert_der_length);
	assert_memory_equal(buffer, h_cert_der, h_cert_der_length);
	assert_int_equal(
	        h_get_bytes(s, cert, CKA_SUBJECT, buffer, sizeof(buffer)),
	        h_cert_subject_length);
	assert_memory_equal(buffer, h_cert_subject, h_cert_subject_length);
	assert_string_equal(h_get_label(s, cert), "my cert");

	/* Required attributes missing. */
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE type = CKC_X_509;
	CK_OBJECT_HANDLE o;
	CK_ATTRIBUTE no_type[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR(CKA_SUBJECT, h_cert_subject, h_cert_subject_length),
	        H_ATTR(CKA_VALUE, h_cert_der, h_cert_der_length),
	};
	assert_rv(create(s, no_type, H_ARRAY_SIZE(no_type), &o),
	          CKR_TEMPLATE_INCOMPLETE);
	CK_ATTRIBUTE no_subject[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_CERTIFICATE_TYPE, type),
	        H_ATTR(CKA_VALUE, h_cert_der, h_cert_der_length),
	};
	assert_rv(create(s, no_subject, H_ARRAY_SIZE(no_subject), &o),
	          CKR_TEMPLATE_INCOMPLETE);
	CK_ATTRIBUTE no_value[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_CERTIFICATE_TYPE, type),
	        H_ATTR(CKA_SUBJECT, h_cert_subject, h_cert_subject_length),
	};
	assert_rv(create(s, no_value, H_ARRAY_SIZE(no_value), &o),
	          CKR_TEMPLATE_INCOMPLETE);
	/* CKA_TRUSTED TRUE is for the SO only. */
	CK_ATTRIBUTE trusted[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_CERTIFICATE_TYPE, type),
	        H_ATTR(CKA_SUBJECT, h_cert_subject, h_cert_subject_length),
	        H_ATTR(CKA_VALUE, h_cert_der, h_cert_der_length),
	        H_ATTR_VAR(CKA_TRUSTED, h_true),
	};
	assert_rv(create(s, trusted, H_ARRAY_SIZE(trusted), &o),
	          CKR_ATTRIBUTE_READ_ONLY);
}

static void test_aes_key(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session(true);
	CK_OBJECT_HANDLE plain;
	assert_ok(h_create_aes_rv(s, true, true, false, true, "plain", &plain));
	assert_int_equal(h_get_ulong(s, plain, CKA_CLASS), CKO_SECRET_KEY);
	assert_int_equal(h_get_ulong(s, plain, CKA_KEY_TYPE), CKK_AES);
	assert_int_equal(h_get_ulong(s, plain, CKA_VALUE_LEN), 32);
	unsigned char value[64];
	assert_int_equal(h_get_bytes(s, plain, CKA_VALUE, value, sizeof(value)),
	                 32);
	assert_memory_equal(value, h_aes_key, 32);
	/* Imported: not local, not always sensitive, not never
	 * extractable. */
	assert_int_equal(h_get_bool(s, plain, CKA_LOCAL), CK_FALSE);
	assert_int_equal(h_get_bool(s, plain, CKA_ALWAYS_SENSITIVE), CK_FALSE);
	assert_int_equal(h_get_bool(s, plain, CKA_NEVER_EXTRACTABLE), CK_FALSE);
	assert_int_equal(h_get_ulong(s, plain, CKA_KEY_GEN_MECHANISM),
	                 CK_UNAVAILABLE_INFORMATION);

	CK_OBJECT_HANDLE sensitive;
	assert_ok(h_create_aes_rv(s, true, true, true, false, "sensitive",
	                          &sensitive));
	assert_int_equal(h_get_bool(s, sensitive, CKA_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(s, sensitive, CKA_EXTRACTABLE), CK_FALSE);
	/* Imported, so neither "always" nor "never" even if sensitive now. */
	assert_int_equal(h_get_bool(s, sensitive, CKA_ALWAYS_SENSITIVE),
	                 CK_FALSE);
	assert_int_equal(h_get_bool(s, sensitive, CKA_NEVER_EXTRACTABLE),
	                 CK_FALSE);
	assert_int_equal(h_get_bool(s, sensitive, CKA_LOCAL), CK_FALSE);

	/* Errors: bad length, missing value. */
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_AES;
	CK_OBJECT_HANDLE o;
	CK_ATTRIBUTE short_key[] = {H_ATTR_VAR(CKA_CLASS, cls),
	                            H_ATTR_VAR(CKA_KEY_TYPE, type),
	                            H_ATTR(CKA_VALUE, h_aes_key, 7)};
	assert_rv(create(s, short_key, 3, &o), CKR_ATTRIBUTE_VALUE_INVALID);
	CK_ATTRIBUTE no_value[] = {H_ATTR_VAR(CKA_CLASS, cls),
	                           H_ATTR_VAR(CKA_KEY_TYPE, type)};
	assert_rv(create(s, no_value, 2, &o), CKR_TEMPLATE_INCOMPLETE);
	CK_ATTRIBUTE no_type[] = {H_ATTR_VAR(CKA_CLASS, cls),
	                          H_ATTR(CKA_VALUE, h_aes_key, 32)};
	assert_rv(create(s, no_type, 2, &o), CKR_TEMPLATE_INCOMPLETE);
	/* CKA_VALUE_LEN is not given to C_CreateObject. */
	CK_ULONG len = 32;
	CK_ATTRIBUTE with_len[] = {H_ATTR_VAR(CKA_CLASS, cls),
	                           H_ATTR_VAR(CKA_KEY_TYPE, type),
	                           H_ATTR(CKA_VALUE, h_aes_key, 32),
	                           H_ATTR_VAR(CKA_VALUE_LEN, len)};
	assert_rv2(create(s, with_len, 4, &o), CKR_TEMPLATE_INCONSISTENT,
	           CKR_ATTRIBUTE_READ_ONLY);
}

static void test_ec_keys(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session(true);
	CK_OBJECT_HANDLE pub, priv;
	assert_ok(create_ec_public(s, true, &pub));
	assert_int_equal(h_get_ulong(s, pub, CKA_CLASS), CKO_PUBLIC_KEY);
	assert_int_equal(h_get_ulong(s, pub, CKA_KEY_TYPE), CKK_EC);
	unsigned char buffer[256];
	assert_int_equal(
	        h_get_bytes(s, pub, CKA_EC_POINT, buffer, sizeof(buffer)),
	        h_p256_point_length);
	assert_memory_equal(buffer, h_p256_point, h_p256_point_length);
	assert_int_equal(
	        h_get_bytes(s, pub, CKA_EC_PARAMS, buffer, sizeof(buffer)),
	        h_p256_params_length);
	assert_int_equal(h_get_bool(s, pub, CKA_VERIFY), CK_TRUE);
	assert_int_equal(h_get_bool(s, pub, CKA_LOCAL), CK_FALSE);

	assert_ok(create_ec_private(s, true, true, &priv));
	assert_int_equal(h_get_ulong(s, priv, CKA_CLASS), CKO_PRIVATE_KEY);
	assert_int_equal(h_get_bool(s, priv, CKA_PRIVATE), CK_TRUE);
	assert_int_equal(h_get_bool(s, priv, CKA_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(s, priv, CKA_SIGN), CK_TRUE);
	assert_int_equal(h_get_bool(s, priv, CKA_LOCAL), CK_FALSE);
	assert_int_equal(h_get_bool(s, priv, CKA_ALWAYS_SENSITIVE), CK_FALSE);
	assert_int_equal(h_get_bool(s, priv, CKA_NEVER_EXTRACTABLE), CK_FALSE);
	CK_KEY_TYPE type_ec = CKK_EC;
	CK_ATTRIBUTE value = H_ATTR(CKA_VALUE, buffer, sizeof(buffer));
	assert_rv(p11->C_GetAttributeValue(s, priv, &value, 1),
	          CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(value.ulValueLen, CK_UNAVAILABLE_INFORMATION);

	/* A non-sensitive private key's value comes back. */
	CK_OBJECT_HANDLE open_key;
	assert_ok(create_ec_private(s, false, false, &open_key));
	assert_int_equal(
	        h_get_bytes(s, open_key, CKA_VALUE, buffer, sizeof(buffer)),
	        h_p256_private_length);
	assert_memory_equal(buffer, h_p256_private, h_p256_private_length);

	/* With neither CKA_SENSITIVE nor CKA_EXTRACTABLE given, the token's
	 * documented choice: sensitive and not extractable. */
	CK_OBJECT_CLASS private_class = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE defaults[] = {
	        H_ATTR_VAR(CKA_CLASS, private_class),
	        H_ATTR_VAR(CKA_KEY_TYPE, type_ec),
	        H_ATTR(CKA_EC_PARAMS, h_p256_params, h_p256_params_length),
	        H_ATTR(CKA_VALUE, h_p256_private, h_p256_private_length)};
	CK_OBJECT_HANDLE defaulted;
	assert_ok(create(s, defaults, H_ARRAY_SIZE(defaults), &defaulted));
	assert_int_equal(h_get_bool(s, defaulted, CKA_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(s, defaulted, CKA_EXTRACTABLE), CK_FALSE);
	value.ulValueLen = sizeof(buffer);
	assert_rv(p11->C_GetAttributeValue(s, defaulted, &value, 1),
	          CKR_ATTRIBUTE_SENSITIVE);

	/* Public key without its point / params. */
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE type = CKK_EC;
	CK_ATTRIBUTE no_point[] = {
	        H_ATTR_VAR(CKA_CLASS, cls), H_ATTR_VAR(CKA_KEY_TYPE, type),
	        H_ATTR(CKA_EC_PARAMS, h_p256_params, h_p256_params_length)};
	CK_OBJECT_HANDLE o;
	assert_rv(create(s, no_point, 3, &o), CKR_TEMPLATE_INCOMPLETE);
	CK_ATTRIBUTE no_params[] = {
	        H_ATTR_VAR(CKA_CLASS, cls), H_ATTR_VAR(CKA_KEY_TYPE, type),
	        H_ATTR(CKA_EC_POINT, h_p256_point, h_p256_point_length)};
	assert_rv(create(s, no_params, 3, &o), CKR_TEMPLATE_INCOMPLETE);

	/* Private key without login. */
	assert_ok(p11->C_Logout(s));
	assert_rv(create_ec_private(s, false, true, &o),
	          CKR_USER_NOT_LOGGED_IN);
}

/* C_GetAttributeValue's protocol: length query, too small, sensitive,
 * invalid type — each failing entry marked, the others filled. */
static void test_get_attribute_protocol(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session(true);
	CK_OBJECT_HANDLE key;
	assert_ok(
	        h_create_aes_rv(s, false, true, true, false, "attr key", &key));

	CK_ATTRIBUTE query[] = {H_ATTR(CKA_LABEL, NULL, 0),
	                        H_ATTR(CKA_ID, NULL, 0),
	                        H_ATTR(CKA_CLASS, NULL, 0)};
	assert_ok(p11->C_GetAttributeValue(s, key, query, 3));
	assert_int_equal(query[0].ulValueLen, strlen("attr key"));
	assert_int_equal(query[1].ulValueLen, 2);
	assert_int_equal(query[2].ulValueLen, sizeof(CK_OBJECT_CLASS));

	/* Too small, with a good entry after it. */
	char small[3];
	CK_OBJECT_CLASS cls = 0;
	CK_ATTRIBUTE too_small[] = {H_ATTR(CKA_LABEL, small, sizeof(small)),
	                            H_ATTR_VAR(CKA_CLASS, cls)};
	assert_rv(p11->C_GetAttributeValue(s, key, too_small, 2),
	          CKR_BUFFER_TOO_SMALL);
	assert_int_equal(too_small[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(too_small[1].ulValueLen, sizeof(cls));
	assert_int_equal(cls, CKO_SECRET_KEY);

	/* Sensitive value; the other entries still filled. */
	unsigned char value[32];
	CK_ULONG value_len = 0;
	cls = 0;
	CK_ATTRIBUTE sensitive[] = {H_ATTR_VAR(CKA_CLASS, cls),
	                            H_ATTR(CKA_VALUE, value, sizeof(value)),
	                            H_ATTR_VAR(CKA_VALUE_LEN, value_len)};
	assert_rv(p11->C_GetAttributeValue(s, key, sensitive, 3),
	          CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(sensitive[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(cls, CKO_SECRET_KEY);
	assert_int_equal(value_len, 32);
	/* Even the length of a sensitive value is refused. */
	CK_ATTRIBUTE sensitive_length = H_ATTR(CKA_VALUE, NULL, 0);
	assert_rv(p11->C_GetAttributeValue(s, key, &sensitive_length, 1),
	          CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(sensitive_length.ulValueLen,
	                 CK_UNAVAILABLE_INFORMATION);

	/* A type the object lacks, and an unknown type. */
	CK_BYTE modulus[8];
	cls = 0;
	CK_ATTRIBUTE invalid[] = {
	        H_ATTR(CKA_MODULUS, modulus, sizeof(modulus)),
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR(0x7ffffff0UL, modulus, sizeof(modulus))};
	assert_rv(p11->C_GetAttributeValue(s, key, invalid, 3),
	          CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(invalid[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(invalid[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(cls, CKO_SECRET_KEY);

	/* Empty template, bad handles. */
	assert_ok(p11->C_GetAttributeValue(s, key, NULL, 0));
	assert_rv(p11->C_GetAttributeValue(s, key + 1000, query, 1),
	          CKR_OBJECT_HANDLE_INVALID);
	assert_rv(p11->C_GetAttributeValue(s, CK_INVALID_HANDLE, query, 1),
	          CKR_OBJECT_HANDLE_INVALID);
}

static void test_set_attribute(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session(true);
	CK_OBJECT_HANDLE key;
	assert_ok(h_create_aes_rv(s, true, true, false, true, "before", &key));

	CK_ATTRIBUTE label[] = {H_ATTR_STR(CKA_LABEL, "after")};
	assert_ok(p11->C_SetAttributeValue(s, key, label, 1));
	assert_string_equal(h_get_label(s, key), "after");

	/* CKA_SENSITIVE: FALSE -> TRUE only. */
	CK_ATTRIBUTE sensitive_on[] = {H_ATTR_VAR(CKA_SENSITIVE, h_true)};
	CK_ATTRIBUTE sensitive_off[] = {H_ATTR_VAR(CKA_SENSITIVE, h_false)};
	assert_ok(p11->C_SetAttributeValue(s, key, sensitive_on, 1));
	assert_int_equal(h_get_bool(s, key, CKA_SENSITIVE), CK_TRUE);
	assert_rv(p11->C_SetAttributeValue(s, key, sensitive_off, 1),
	          CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(h_get_bool(s, key, CKA_SENSITIVE), CK_TRUE);
	unsigned char value[32];
	CK_ATTRIBUTE get_value = H_ATTR(CKA_VALUE, value, sizeof(value));
	assert_rv(p11->C_GetAttributeValue(s, key, &get_value, 1),
	          CKR_ATTRIBUTE_SENSITIVE);
	/* Becoming sensitive later is not "always sensitive". */
	assert_int_equal(h_get_bool(s, key, CKA_ALWAYS_SENSITIVE), CK_FALSE);

	/* CKA_EXTRACTABLE: TRUE -> FALSE only. */
	CK_ATTRIBUTE extractable_off[] = {H_ATTR_VAR(CKA_EXTRACTABLE, h_false)};
	CK_ATTRIBUTE extractable_on[] = {H_ATTR_VAR(CKA_EXTRACTABLE, h_true)};
	assert_ok(p11->C_SetAttributeValue(s, key, extractable_off, 1));
	assert_rv(p11->C_SetAttributeValue(s, key, extractable_on, 1),
	          CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(h_get_bool(s, key, CKA_EXTRACTABLE), CK_FALSE);
	assert_int_equal(h_get_bool(s, key, CKA_NEVER_EXTRACTABLE), CK_FALSE);

	/* Never changeable: class, token, private, key type, value. */
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_KEY_TYPE type = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE fixed[][1] = {
	        {H_ATTR_VAR(CKA_CLASS, cls)},
	        {H_ATTR_VAR(CKA_TOKEN, h_false)},
	        {H_ATTR_VAR(CKA_PRIVATE, h_false)},
	        {H_ATTR_VAR(CKA_KEY_TYPE, type)},
	        {H_ATTR(CKA_VALUE, h_aes_key, 32)},
	        {H_ATTR_VAR(CKA_LOCAL, h_true)},
	        {H_ATTR_VAR(CKA_ALWAYS_SENSITIVE, h_true)},
	};
	for (size_t i = 0; i < H_ARRAY_SIZE(fixed); i++) {
		CK_RV rv = p11->C_SetAttributeValue(s, key, fixed[i], 1);
		if (rv != CKR_ATTRIBUTE_READ_ONLY)
			fail_msg("setting attribute 0x%lx: %s, expected "
			         "CKR_ATTRIBUTE_READ_ONLY",
			         (unsigned long)fixed[i][0].type,
			         h_rv_name(rv));
	}
	/* All or nothing: a good label with a bad entry changes nothing. */
	CK_ATTRIBUTE mixed[] = {H_ATTR_STR(CKA_LABEL, "mixed"),
	                        H_ATTR_VAR(CKA_CLASS, cls)};
	assert_rv(p11->C_SetAttributeValue(s, key, mixed, 2),
	          CKR_ATTRIBUTE_READ_ONLY);
	assert_string_equal(h_get_label(s, key), "after");

	/* A type the class lacks (PKCS#11 3.0 4.1.3 calls that inconsistent;
	 * CKR_ATTRIBUTE_TYPE_INVALID is the other reading), and a type
	 * Cryptoki does not define. */
	CK_ATTRIBUTE lacks[] = {H_ATTR_STR(CKA_APPLICATION, "x")};
	assert_rv2(p11->C_SetAttributeValue(s, key, lacks, 1),
	           CKR_TEMPLATE_INCONSISTENT, CKR_ATTRIBUTE_TYPE_INVALID);
	CK_ATTRIBUTE undefined[] = {H_ATTR_STR(0x7ffffff0UL, "x")};
	assert_rv(p11->C_SetAttributeValue(s, key, undefined, 1),
	          CKR_ATTRIBUTE_TYPE_INVALID);

	/* Changes to a token object persist. */
	assert_ok(p11->C_Finalize(NULL));
	assert_ok(p11->C_Initialize(NULL));
	s = user_session(false);
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find_label(s, "after", found, 2), 1);
	assert_int_equal(h_get_bool(s, found[0], CKA_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_bool(s, found[0], CKA_EXTRACTABLE), CK_FALSE);
	assert_int_equal(h_find_label(s, "before", found, 2), 0);
	/* A token object cannot change in a R/O session. */
	assert_rv(p11->C_SetAttributeValue(s, found[0], label, 1),
	          CKR_SESSION_READ_ONLY);
}

static void test_not_modifiable(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE template[] = {H_ATTR_VAR(CKA_CLASS, cls),
	                           H_ATTR_VAR(CKA_TOKEN, h_true),
	                           H_ATTR_VAR(CKA_MODIFIABLE, h_false),
	                           H_ATTR_STR(CKA_LABEL, "frozen")};
	CK_OBJECT_HANDLE o;
	assert_ok(create(s, template, H_ARRAY_SIZE(template), &o));
	CK_ATTRIBUTE label[] = {H_ATTR_STR(CKA_LABEL, "thawed")};
	assert_rv(p11->C_SetAttributeValue(s, o, label, 1),
	          CKR_ACTION_PROHIBITED);
	assert_string_equal(h_get_label(s, o), "frozen");
	/* But it may still be destroyed. */
	assert_ok(p11->C_DestroyObject(s, o));
}

static void test_session_rules(void **state)
{
	(void)state;
	CK_SESSION_HANDLE ro = h_open(H.slot, false);
	CK_OBJECT_HANDLE o;
	/* R/O public: session objects yes, token objects no, private no. */
	assert_ok(h_create_data_rv(ro, false, false, "ro session", "v", &o));
	assert_rv(h_create_data_rv(ro, true, false, "ro token", "v", &o),
	          CKR_SESSION_READ_ONLY);
	assert_rv(h_create_data_rv(ro, false, true, "ro private", "v", &o),
	          CKR_USER_NOT_LOGGED_IN);
	CK_SESSION_HANDLE rw = h_open(H.slot, true);
	assert_rv(h_create_data_rv(rw, true, true, "rw private", "v", &o),
	          CKR_USER_NOT_LOGGED_IN);
	CK_OBJECT_HANDLE token_object =
	        h_create_data(rw, true, false, "rw token", "v");
	/* R/O session: may not destroy a token object. */
	assert_rv(p11->C_DestroyObject(ro, token_object),
	          CKR_SESSION_READ_ONLY);
	/* Logged in, R/O: private session objects yes, token objects no. */
	assert_ok(h_login(ro, CKU_USER, H_USER_PIN));
	assert_ok(h_create_data_rv(ro, false, true, "ro private", "v", &o));
	assert_rv(h_create_data_rv(ro, true, true, "ro token", "v", &o),
	          CKR_SESSION_READ_ONLY);
	assert_ok(h_create_data_rv(rw, true, true, "rw private", "v", &o));
}

static void test_private_objects_need_login(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session(true);
	CK_OBJECT_HANDLE token_private =
	        h_create_data(s, true, true, "tp", "secret value");
	CK_OBJECT_HANDLE session_private =
	        h_create_data(s, false, true, "sp", "secret value");
	CK_OBJECT_HANDLE session_public =
	        h_create_data(s, false, false, "su", "public value");
	assert_ok(p11->C_Logout(s));
	/* Their handles are no longer usable; private session objects are
	 * gone; public ones stay. */
	CK_ATTRIBUTE label = H_ATTR(CKA_LABEL, NULL, 0);
	assert_rv(p11->C_GetAttributeValue(s, token_private, &label, 1),
	          CKR_OBJECT_HANDLE_INVALID);
	assert_rv(p11->C_GetAttributeValue(s, session_private, &label, 1),
	          CKR_OBJECT_HANDLE_INVALID);
	assert_rv(p11->C_DestroyObject(s, token_private),
	          CKR_OBJECT_HANDLE_INVALID);
	assert_ok(p11->C_GetAttributeValue(s, session_public, &label, 1));
	/* After logging in again, the token object is there (through a
	 * find). */
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find_label(s, "tp", found, 2), 1);
	assert_int_equal(h_find_label(s, "sp", found, 2), 0);
}

static void test_template_errors(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	CK_OBJECT_HANDLE o;
	CK_OBJECT_CLASS data = CKO_DATA, bogus = 0x4242;
	CK_BYTE one = 1;
	CK_ULONG four = 1;

	CK_ATTRIBUTE no_class[] = {H_ATTR_STR(CKA_LABEL, "x")};
	assert_rv(create(s, no_class, 1, &o), CKR_TEMPLATE_INCOMPLETE);
	assert_rv(create(s, NULL, 0, &o), CKR_TEMPLATE_INCOMPLETE);

	CK_ATTRIBUTE short_class[] = {H_ATTR(CKA_CLASS, &one, 1)};
	assert_rv(create(s, short_class, 1, &o), CKR_ATTRIBUTE_VALUE_INVALID);
	CK_ATTRIBUTE bad_class[] = {H_ATTR_VAR(CKA_CLASS, bogus)};
	assert_rv(create(s, bad_class, 1, &o), CKR_ATTRIBUTE_VALUE_INVALID);
	CK_ATTRIBUTE bad_bool[] = {H_ATTR_VAR(CKA_CLASS, data),
	                           H_ATTR_VAR(CKA_TOKEN, four)};
	assert_rv(create(s, bad_bool, 2, &o), CKR_ATTRIBUTE_VALUE_INVALID);
	/* Any non-zero CK_BBOOL is TRUE (PKCS#11 3.0 3.1); read back as
	 * CK_TRUE. */
	CK_BBOOL two = 2;
	CK_ATTRIBUTE bool_two[] = {H_ATTR_VAR(CKA_CLASS, data),
	                           H_ATTR_VAR(CKA_MODIFIABLE, two)};
	assert_ok(create(s, bool_two, 2, &o));
	assert_int_equal(h_get_bool(s, o, CKA_MODIFIABLE), CK_TRUE);
	assert_ok(p11->C_DestroyObject(s, o));

	/* A NULL value pointer with a length is refused, not read. */
	CK_ATTRIBUTE null_value[] = {H_ATTR_VAR(CKA_CLASS, data),
	                             H_ATTR(CKA_LABEL, NULL, 5)};
	assert_rv2(create(s, null_value, 2, &o), CKR_ATTRIBUTE_VALUE_INVALID,
	           CKR_ARGUMENTS_BAD);
	CK_ATTRIBUTE null_class[] = {H_ATTR(CKA_CLASS, NULL, sizeof(data))};
	assert_rv2(create(s, null_class, 1, &o), CKR_ATTRIBUTE_VALUE_INVALID,
	           CKR_ARGUMENTS_BAD);

	/* Types the class does not have (inconsistent, by PKCS#11 3.0
	 * 4.1.3's own example; or invalid), and types Cryptoki lacks. */
	CK_ATTRIBUTE foreign[] = {H_ATTR_VAR(CKA_CLASS, data),
	                          H_ATTR(CKA_MODULUS, &one, 1)};
	assert_rv2(create(s, foreign, 2, &o), CKR_TEMPLATE_INCONSISTENT,
	           CKR_ATTRIBUTE_TYPE_INVALID);
	CK_ATTRIBUTE unknown[] = {H_ATTR_VAR(CKA_CLASS, data),
	                          H_ATTR(0x7ffffff0UL, &one, 1)};
	assert_rv(create(s, unknown, 2, &o), CKR_ATTRIBUTE_TYPE_INVALID);
	CK_KEY_TYPE aes = CKK_AES;
	CK_ATTRIBUTE data_key_type[] = {H_ATTR_VAR(CKA_CLASS, data),
	                                H_ATTR_VAR(CKA_KEY_TYPE, aes)};
	assert_rv2(create(s, data_key_type, 2, &o), CKR_ATTRIBUTE_TYPE_INVALID,
	           CKR_TEMPLATE_INCONSISTENT);

	/* The same attribute twice with different values. */
	CK_ATTRIBUTE twice[] = {H_ATTR_VAR(CKA_CLASS, data),
	                        H_ATTR_VAR(CKA_TOKEN, h_false),
	                        H_ATTR_VAR(CKA_TOKEN, h_true)};
	assert_rv(create(s, twice, 3, &o), CKR_TEMPLATE_INCONSISTENT);

	/* Attributes only the token sets. */
	CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
	CK_ATTRIBUTE local[] = {H_ATTR_VAR(CKA_CLASS, secret),
	                        H_ATTR_VAR(CKA_KEY_TYPE, aes),
	                        H_ATTR(CKA_VALUE, h_aes_key, 32),
	                        H_ATTR_VAR(CKA_LOCAL, h_true)};
	assert_rv(create(s, local, 4, &o), CKR_ATTRIBUTE_READ_ONLY);
	CK_ATTRIBUTE always[] = {H_ATTR_VAR(CKA_CLASS, secret),
	                         H_ATTR_VAR(CKA_KEY_TYPE, aes),
	                         H_ATTR(CKA_VALUE, h_aes_key, 32),
	                         H_ATTR_VAR(CKA_ALWAYS_SENSITIVE, h_true)};
	assert_rv(create(s, always, 4, &o), CKR_ATTRIBUTE_READ_ONLY);
	CK_ATTRIBUTE never[] = {H_ATTR_VAR(CKA_CLASS, secret),
	                        H_ATTR_VAR(CKA_KEY_TYPE, aes),
	                        H_ATTR(CKA_VALUE, h_aes_key, 32),
	                        H_ATTR_VAR(CKA_NEVER_EXTRACTABLE, h_true)};
	assert_rv(create(s, never, 4, &o), CKR_ATTRIBUTE_READ_ONLY);

	/* None of these left an object behind. */
	CK_OBJECT_HANDLE found[4];
	assert_int_equal(h_find(s, NULL, 0, found, 4), 0);
}

static void test_copy_object(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session(true);
	CK_OBJECT_HANDLE original =
	        h_create_data(s, false, false, "orig", "v1");
	CK_ATTRIBUTE changes[] = {H_ATTR_VAR(CKA_TOKEN, h_true),
	                          H_ATTR_STR(CKA_LABEL, "copy")};
	CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
	assert_ok(p11->C_CopyObject(s, original, changes, 2, &copy));
	assert_true(copy != original && copy != CK_INVALID_HANDLE);
	assert_string_equal(h_get_label(s, copy), "copy");
	assert_string_equal(h_get_label(s, original), "orig");
	assert_int_equal(h_get_bool(s, copy, CKA_TOKEN), CK_TRUE);
	char value[8];
	assert_int_equal(h_get_bytes(s, copy, CKA_VALUE, value, sizeof(value)),
	                 2);
	assert_memory_equal(value, "v1", 2);
	char id_a[64], id_b[64];
	CK_ULONG la =
	        h_get_bytes(s, original, CKA_UNIQUE_ID, id_a, sizeof(id_a));
	CK_ULONG lb = h_get_bytes(s, copy, CKA_UNIQUE_ID, id_b, sizeof(id_b));
	assert_false(la == lb && memcmp(id_a, id_b, la) == 0);

	/* An empty template copies as is. */
	CK_OBJECT_HANDLE plain;
	assert_ok(p11->C_CopyObject(s, original, NULL, 0, &plain));
	assert_string_equal(h_get_label(s, plain), "orig");

	/* A sensitive key stays sensitive in its copy. */
	CK_OBJECT_HANDLE key, key_copy;
	assert_ok(h_create_aes_rv(s, false, true, true, false, "k", &key));
	CK_ATTRIBUTE to_token[] = {H_ATTR_VAR(CKA_TOKEN, h_true)};
	assert_ok(p11->C_CopyObject(s, key, to_token, 1, &key_copy));
	assert_int_equal(h_get_bool(s, key_copy, CKA_SENSITIVE), CK_TRUE);
	unsigned char bytes[32];
	CK_ATTRIBUTE get_value = H_ATTR(CKA_VALUE, bytes, sizeof(bytes));
	assert_rv(p11->C_GetAttributeValue(s, key_copy, &get_value, 1),
	          CKR_ATTRIBUTE_SENSITIVE);
	/* Nor may a copy make it readable. */
	CK_ATTRIBUTE unsensitive[] = {H_ATTR_VAR(CKA_SENSITIVE, h_false)};
	CK_OBJECT_HANDLE bad;
	assert_rv(p11->C_CopyObject(s, key, unsensitive, 1, &bad),
	          CKR_ATTRIBUTE_READ_ONLY);
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE change_class[] = {H_ATTR_VAR(CKA_CLASS, cls)};
	assert_rv(p11->C_CopyObject(s, key, change_class, 1, &bad),
	          CKR_ATTRIBUTE_READ_ONLY);

	/* A private object's copy may not be public (it would be readable
	 * without login). */
	CK_OBJECT_HANDLE private_object =
	        h_create_data(s, true, true, "private original", "pv");
	CK_ATTRIBUTE make_public[] = {H_ATTR_VAR(CKA_PRIVATE, h_false)};
	assert_rv(p11->C_CopyObject(s, private_object, make_public, 1, &bad),
	          CKR_ATTRIBUTE_READ_ONLY);

	/* Not copyable. */
	CK_ATTRIBUTE fixed[] = {H_ATTR_VAR(CKA_CLASS, cls),
	                        H_ATTR_VAR(CKA_COPYABLE, h_false)};
	CK_OBJECT_HANDLE uncopyable;
	assert_ok(create(s, fixed, 2, &uncopyable));
	assert_rv(p11->C_CopyObject(s, uncopyable, NULL, 0, &bad),
	          CKR_ACTION_PROHIBITED);
	assert_rv(p11->C_CopyObject(s, original + 1000, NULL, 0, &bad),
	          CKR_OBJECT_HANDLE_INVALID);

	/* A token copy needs a R/W session. */
	CK_SESSION_HANDLE ro = h_open(H.slot, false);
	assert_rv(p11->C_CopyObject(ro, original, to_token, 1, &bad),
	          CKR_SESSION_READ_ONLY);

	/* The token copy persists, the session original does not. */
	assert_ok(p11->C_Finalize(NULL));
	assert_ok(p11->C_Initialize(NULL));
	s = user_session(false);
	CK_OBJECT_HANDLE found[4];
	assert_int_equal(h_find_label(s, "copy", found, 4), 1);
	assert_int_equal(h_find_label(s, "orig", found, 4), 0);
}

static void test_destroy_object(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	CK_OBJECT_HANDLE token_object = h_create_data(s, true, false, "t", "v");
	CK_OBJECT_HANDLE session_object =
	        h_create_data(s, false, false, "s", "v");
	assert_ok(p11->C_DestroyObject(s, token_object));
	assert_ok(p11->C_DestroyObject(s, session_object));
	CK_ATTRIBUTE label = H_ATTR(CKA_LABEL, NULL, 0);
	assert_rv(p11->C_GetAttributeValue(s, token_object, &label, 1),
	          CKR_OBJECT_HANDLE_INVALID);
	assert_rv(p11->C_DestroyObject(s, token_object),
	          CKR_OBJECT_HANDLE_INVALID);
	assert_rv(p11->C_DestroyObject(s, session_object),
	          CKR_OBJECT_HANDLE_INVALID);
	assert_rv(p11->C_DestroyObject(s, CK_INVALID_HANDLE),
	          CKR_OBJECT_HANDLE_INVALID);
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find(s, NULL, 0, found, 2), 0);

	/* Not destroyable. */
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE template[] = {H_ATTR_VAR(CKA_CLASS, cls),
	                           H_ATTR_VAR(CKA_TOKEN, h_true),
	                           H_ATTR_VAR(CKA_DESTROYABLE, h_false)};
	CK_OBJECT_HANDLE forever;
	assert_ok(create(s, template, 3, &forever));
	assert_rv(p11->C_DestroyObject(s, forever), CKR_ACTION_PROHIBITED);
	assert_int_equal(h_find(s, NULL, 0, found, 2), 1);

	/* Destroyed token objects stay gone after a restart. */
	CK_OBJECT_HANDLE gone = h_create_data(s, true, false, "gone", "v");
	assert_ok(p11->C_DestroyObject(s, gone));
	assert_ok(p11->C_Finalize(NULL));
	assert_ok(p11->C_Initialize(NULL));
	s = h_open(H.slot, false);
	assert_int_equal(h_find_label(s, "gone", found, 2), 0);
}

static void test_object_size(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	CK_OBJECT_HANDLE small = h_create_data(s, true, false, "s", "v");
	char big_value[4096];
	memset(big_value, 'b', sizeof(big_value) - 1);
	big_value[sizeof(big_value) - 1] = '\0';
	CK_OBJECT_HANDLE big = h_create_data(s, false, false, "b", big_value);
	CK_ULONG small_size = 0, big_size = 0;
	assert_ok(p11->C_GetObjectSize(s, small, &small_size));
	assert_ok(p11->C_GetObjectSize(s, big, &big_size));
	assert_true(small_size > 0);
	assert_true(small_size != CK_UNAVAILABLE_INFORMATION);
	assert_true(big_size > small_size);
	assert_rv(p11->C_GetObjectSize(s, small, NULL), CKR_ARGUMENTS_BAD);
	assert_rv(p11->C_GetObjectSize(s, big + 1000, &small_size),
	          CKR_OBJECT_HANDLE_INVALID);
}

static void test_persistence(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session(true);
	h_create_data(s, true, false, "token public", "tp");
	h_create_data(s, true, true, "token private", "tq");
	h_create_data(s, false, false, "session public", "sp");
	CK_OBJECT_HANDLE cert, key, pub;
	assert_ok(h_create_cert_rv(s, true, "token cert", &cert));
	assert_ok(
	        h_create_aes_rv(s, true, true, true, false, "token key", &key));
	assert_ok(create_ec_public(s, true, &pub));

	/* Session objects: visible to the application's other sessions
	 * while their session lives, gone after C_CloseSession. */
	CK_SESSION_HANDLE other = h_open(H.slot, false);
	CK_OBJECT_HANDLE found[8];
	assert_int_equal(h_find_label(other, "session public", found, 8), 1);
	assert_ok(p11->C_CloseSession(s));
	assert_int_equal(h_find_label(other, "session public", found, 8), 0);
	assert_int_equal(h_find_label(other, "token public", found, 8), 1);

	assert_ok(p11->C_Finalize(NULL));
	assert_ok(p11->C_Initialize(NULL));
	s = h_open(H.slot, false);
	/* Before login: the public token objects only. */
	assert_int_equal(h_find(s, NULL, 0, found, 8), 3);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	assert_int_equal(h_find(s, NULL, 0, found, 8), 5);
	assert_int_equal(h_find_label(s, "token private", found, 8), 1);
	char value[8];
	assert_int_equal(
	        h_get_bytes(s, found[0], CKA_VALUE, value, sizeof(value)), 2);
	assert_memory_equal(value, "tq", 2);
	assert_int_equal(h_find_label(s, "token cert", found, 8), 1);
	unsigned char der[1024];
	assert_int_equal(h_get_bytes(s, found[0], CKA_VALUE, der, sizeof(der)),
	                 h_cert_der_length);
	assert_memory_equal(der, h_cert_der, h_cert_der_length);
	assert_int_equal(h_find_label(s, "token key", found, 8), 1);
	assert_int_equal(h_get_bool(s, found[0], CKA_SENSITIVE), CK_TRUE);
	assert_int_equal(h_get_ulong(s, found[0], CKA_VALUE_LEN), 32);
	assert_int_equal(h_find_label(s, "session public", found, 8), 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_data_object),     T(test_unique_id),
	        T(test_certificate),     T(test_aes_key),
	        T(test_ec_keys),         T(test_get_attribute_protocol),
	        T(test_set_attribute),   T(test_not_modifiable),
	        T(test_session_rules),   T(test_private_objects_need_login),
	        T(test_template_errors), T(test_copy_object),
	        T(test_destroy_object),  T(test_object_size),
	        T(test_persistence),
	};
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
