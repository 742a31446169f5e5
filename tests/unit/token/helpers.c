/* Shared helpers for the token object unit tests. */
#include "config.h"

#include "helpers.h"

#include <stdlib.h>
#include <string.h>

CK_BBOOL yes = CK_TRUE;
CK_BBOOL no = CK_FALSE;
CK_OBJECT_CLASS data_class = CKO_DATA;
CK_OBJECT_CLASS certificate_class = CKO_CERTIFICATE;
CK_OBJECT_CLASS public_class = CKO_PUBLIC_KEY;
CK_OBJECT_CLASS private_class = CKO_PRIVATE_KEY;
CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY;
CK_KEY_TYPE aes_type = CKK_AES;
CK_KEY_TYPE ec_type = CKK_EC;
CK_KEY_TYPE rsa_type = CKK_RSA;
CK_CERTIFICATE_TYPE x509_type = CKC_X_509;

unsigned char aes_value[32] = {
        0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae,
        0xf0, 0x85, 0x7d, 0x77, 0x81, 0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61,
        0x08, 0xd7, 0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4,
};

int token_setup(void **state)
{
	return enc_init(NULL) == ENC_OK ? 0 : -1;
}

int token_teardown(void **state)
{
	enc_shutdown();
	return 0;
}

tok_object *make_aes(bool sensitive, bool extractable)
{
	static unsigned char id[] = {1, 2, 3};
	CK_BBOOL sensitive_value = sensitive ? CK_TRUE : CK_FALSE;
	CK_BBOOL extractable_value = extractable ? CK_TRUE : CK_FALSE;
	CK_ATTRIBUTE template[] = {
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	        {CKA_KEY_TYPE, &aes_type, sizeof aes_type},
	        {CKA_VALUE, aes_value, sizeof aes_value},
	        {CKA_LABEL, "aes", 3},
	        {CKA_ID, id, sizeof id},
	        {CKA_SENSITIVE, &sensitive_value, sizeof sensitive_value},
	        {CKA_EXTRACTABLE, &extractable_value, sizeof extractable_value},
	};
	tok_object *object = NULL;

	assert_int_equal(tok_object_create(template, COUNT(template),
	                                   TOK_ORIGIN_CREATE, 0,
	                                   CK_UNAVAILABLE_INFORMATION,
	                                   CK_UNAVAILABLE_INFORMATION, &object),
	                 CKR_OK);
	assert_non_null(object);
	return object;
}

tok_object *make_certificate(void)
{
	static unsigned char subject[] = {0x30, 0x00};
	static unsigned char value[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	CK_ATTRIBUTE template[] = {
	        {CKA_CLASS, &certificate_class, sizeof certificate_class},
	        {CKA_CERTIFICATE_TYPE, &x509_type, sizeof x509_type},
	        {CKA_SUBJECT, subject, sizeof subject},
	        {CKA_VALUE, value, sizeof value},
	};
	tok_object *object = NULL;

	assert_int_equal(tok_object_create(template, COUNT(template),
	                                   TOK_ORIGIN_CREATE, 0,
	                                   CK_UNAVAILABLE_INFORMATION,
	                                   CK_UNAVAILABLE_INFORMATION, &object),
	                 CKR_OK);
	return object;
}

bool get_bool(const tok_object *object, CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL value = 0xaa;
	CK_ATTRIBUTE entry = {type, &value, sizeof value};

	assert_int_equal(tok_object_get_attributes(object, &entry, 1), CKR_OK);
	assert_int_equal(entry.ulValueLen, sizeof(CK_BBOOL));
	assert_true(value == CK_TRUE || value == CK_FALSE);
	return value == CK_TRUE;
}

CK_ULONG get_ulong(const tok_object *object, CK_ATTRIBUTE_TYPE type)
{
	CK_ULONG value = 0;
	CK_ATTRIBUTE entry = {type, &value, sizeof value};

	assert_int_equal(tok_object_get_attributes(object, &entry, 1), CKR_OK);
	assert_int_equal(entry.ulValueLen, sizeof(CK_ULONG));
	return value;
}

void assert_bytes(const tok_object *object, CK_ATTRIBUTE_TYPE type,
                  const void *expected, size_t length)
{
	unsigned char buffer[512];
	CK_ATTRIBUTE entry = {type, buffer, sizeof buffer};

	assert_int_equal(tok_object_get_attributes(object, &entry, 1), CKR_OK);
	assert_int_equal(entry.ulValueLen, length);
	if (length > 0)
		assert_memory_equal(buffer, expected, length);
}
