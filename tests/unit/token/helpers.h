/* Shared helpers for the token object unit tests: the enclave fixture and
 * ready-made templates and objects. */
#ifndef GUARDHSM_TESTS_TOKEN_HELPERS_H
#define GUARDHSM_TESTS_TOKEN_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "token/object.h"

#define COUNT(array) ((CK_ULONG)(sizeof(array) / sizeof((array)[0])))

/* cmocka group setup/teardown: enc_init(NULL) and enc_shutdown(). */
int token_setup(void **state);
int token_teardown(void **state);

extern CK_BBOOL yes;
extern CK_BBOOL no;
extern CK_OBJECT_CLASS data_class;
extern CK_OBJECT_CLASS certificate_class;
extern CK_OBJECT_CLASS public_class;
extern CK_OBJECT_CLASS private_class;
extern CK_OBJECT_CLASS secret_class;
extern CK_KEY_TYPE aes_type;
extern CK_KEY_TYPE ec_type;
extern CK_KEY_TYPE rsa_type;
extern CK_CERTIFICATE_TYPE x509_type;

/* A 32-byte AES key value (not all zero: a pattern). */
extern unsigned char aes_value[32];

/* An AES key made by C_CreateObject with the given CKA_SENSITIVE and
 * CKA_EXTRACTABLE, label "aes" and id {1, 2, 3}. */
tok_object *make_aes(bool sensitive, bool extractable);

/* An X.509 certificate object (minimal template). */
tok_object *make_certificate(void);

/* The value of a CK_BBOOL / CK_ULONG attribute through
 * tok_object_get_attributes (asserts success and the native size). */
bool get_bool(const tok_object *object, CK_ATTRIBUTE_TYPE type);
CK_ULONG get_ulong(const tok_object *object, CK_ATTRIBUTE_TYPE type);

/* Asserts that the object's type attribute holds exactly these bytes. */
void assert_bytes(const tok_object *object, CK_ATTRIBUTE_TYPE type,
                  const void *expected, size_t length);

#endif /* GUARDHSM_TESTS_TOKEN_HELPERS_H */
