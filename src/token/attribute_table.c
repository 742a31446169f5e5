/*
 * The attribute table: the value kind of every attribute type guardhsm
 * understands, and for each object class and key type the attributes it
 * has, with the PKCS#11 3.0 footnote rules and the defaults guardhsm
 * chose where the specification leaves them to the token.
 */
#include "config.h"

#include "token/internal.h"

#include <stddef.h>

typedef struct tok_kind_entry {
	CK_ATTRIBUTE_TYPE type;
	tok_kind kind;
} tok_kind_entry;

/* Every type here is "valid" in the sense of PKCS#11 3.0 section 4.1.3:
 * a template may name it, matches compare it, nested templates may hold
 * it. Whether an object has it is the rule table's business. */
static const tok_kind_entry kinds[] = {
        {CKA_CLASS, TOK_KIND_ULONG},
        {CKA_TOKEN, TOK_KIND_BOOL},
        {CKA_PRIVATE, TOK_KIND_BOOL},
        {CKA_LABEL, TOK_KIND_STRING},
        {CKA_UNIQUE_ID, TOK_KIND_STRING},
        {CKA_APPLICATION, TOK_KIND_STRING},
        {CKA_VALUE, TOK_KIND_BYTES},
        {CKA_OBJECT_ID, TOK_KIND_BYTES},
        {CKA_CERTIFICATE_TYPE, TOK_KIND_ULONG},
        {CKA_ISSUER, TOK_KIND_BYTES},
        {CKA_SERIAL_NUMBER, TOK_KIND_BYTES},
        {CKA_TRUSTED, TOK_KIND_BOOL},
        {CKA_CERTIFICATE_CATEGORY, TOK_KIND_ULONG},
        {CKA_JAVA_MIDP_SECURITY_DOMAIN, TOK_KIND_ULONG},
        {CKA_URL, TOK_KIND_STRING},
        {CKA_HASH_OF_SUBJECT_PUBLIC_KEY, TOK_KIND_BYTES},
        {CKA_HASH_OF_ISSUER_PUBLIC_KEY, TOK_KIND_BYTES},
        {CKA_NAME_HASH_ALGORITHM, TOK_KIND_ULONG},
        {CKA_CHECK_VALUE, TOK_KIND_BYTES},
        {CKA_KEY_TYPE, TOK_KIND_ULONG},
        {CKA_SUBJECT, TOK_KIND_BYTES},
        {CKA_ID, TOK_KIND_BYTES},
        {CKA_SENSITIVE, TOK_KIND_BOOL},
        {CKA_ENCRYPT, TOK_KIND_BOOL},
        {CKA_DECRYPT, TOK_KIND_BOOL},
        {CKA_WRAP, TOK_KIND_BOOL},
        {CKA_UNWRAP, TOK_KIND_BOOL},
        {CKA_SIGN, TOK_KIND_BOOL},
        {CKA_SIGN_RECOVER, TOK_KIND_BOOL},
        {CKA_VERIFY, TOK_KIND_BOOL},
        {CKA_VERIFY_RECOVER, TOK_KIND_BOOL},
        {CKA_DERIVE, TOK_KIND_BOOL},
        {CKA_START_DATE, TOK_KIND_DATE},
        {CKA_END_DATE, TOK_KIND_DATE},
        {CKA_MODULUS, TOK_KIND_BYTES},
        {CKA_MODULUS_BITS, TOK_KIND_ULONG},
        {CKA_PUBLIC_EXPONENT, TOK_KIND_BYTES},
        {CKA_PRIVATE_EXPONENT, TOK_KIND_BYTES},
        {CKA_PRIME_1, TOK_KIND_BYTES},
        {CKA_PRIME_2, TOK_KIND_BYTES},
        {CKA_EXPONENT_1, TOK_KIND_BYTES},
        {CKA_EXPONENT_2, TOK_KIND_BYTES},
        {CKA_COEFFICIENT, TOK_KIND_BYTES},
        {CKA_PUBLIC_KEY_INFO, TOK_KIND_BYTES},
        {CKA_PRIME, TOK_KIND_BYTES},
        {CKA_SUBPRIME, TOK_KIND_BYTES},
        {CKA_BASE, TOK_KIND_BYTES},
        {CKA_PRIME_BITS, TOK_KIND_ULONG},
        {CKA_SUB_PRIME_BITS, TOK_KIND_ULONG},
        {CKA_VALUE_BITS, TOK_KIND_ULONG},
        {CKA_VALUE_LEN, TOK_KIND_ULONG},
        {CKA_EXTRACTABLE, TOK_KIND_BOOL},
        {CKA_LOCAL, TOK_KIND_BOOL},
        {CKA_NEVER_EXTRACTABLE, TOK_KIND_BOOL},
        {CKA_ALWAYS_SENSITIVE, TOK_KIND_BOOL},
        {CKA_KEY_GEN_MECHANISM, TOK_KIND_ULONG},
        {CKA_MODIFIABLE, TOK_KIND_BOOL},
        {CKA_COPYABLE, TOK_KIND_BOOL},
        {CKA_DESTROYABLE, TOK_KIND_BOOL},
        {CKA_EC_PARAMS, TOK_KIND_BYTES},
        {CKA_EC_POINT, TOK_KIND_BYTES},
        {CKA_ALWAYS_AUTHENTICATE, TOK_KIND_BOOL},
        {CKA_WRAP_WITH_TRUSTED, TOK_KIND_BOOL},
        {CKA_WRAP_TEMPLATE, TOK_KIND_TEMPLATE},
        {CKA_UNWRAP_TEMPLATE, TOK_KIND_TEMPLATE},
        {CKA_DERIVE_TEMPLATE, TOK_KIND_TEMPLATE},
        {CKA_ALLOWED_MECHANISMS, TOK_KIND_MECHANISMS},
        {CKA_MECHANISM_TYPE, TOK_KIND_ULONG},
        {CKA_PROFILE_ID, TOK_KIND_ULONG},
};

bool tok_attribute_kind(CK_ATTRIBUTE_TYPE type, tok_kind *kind)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (kinds[i].type == type) {
			*kind = kinds[i].kind;
			return true;
		}
	}
	return false;
}

/* Shorthands for the table below. */
#define NEVER TOK_NEVER_IN_TEMPLATE
#define MOD TOK_MODIFIABLE
#define REQ TOK_REQUIRED_CREATE
/* Key material: required on import, supplied by the mechanism otherwise. */
#define MATERIAL                                                               \
	(TOK_REQUIRED_CREATE | TOK_NOT_GENERATE | TOK_NOT_UNWRAP | TOK_MATERIAL)
#define SECRET_MATERIAL (MATERIAL | TOK_SENSITIVE)
/* Optional private material (the RSA CRT components). */
#define OPTIONAL_SECRET                                                        \
	(TOK_NOT_GENERATE | TOK_NOT_UNWRAP | TOK_MATERIAL | TOK_SENSITIVE)

#define E TOK_DEFAULT_EMPTY
#define F TOK_DEFAULT_FALSE
#define T TOK_DEFAULT_TRUE
#define Z TOK_DEFAULT_ZERO
#define N TOK_DEFAULT_NONE

/*
 * Defaults marked N with no "required" flag are set by object.c because
 * they depend on the class or origin (CKA_PRIVATE, CKA_LOCAL,
 * CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE, CKA_KEY_GEN_MECHANISM,
 * CKA_VALUE_LEN, CKA_MODULUS_BITS, CKA_NAME_HASH_ALGORITHM), or stay
 * absent (CKA_CHECK_VALUE, which the mechanism code computes).
 *
 * Token-specific choices (footnote 9 and the like):
 *  - CKA_SENSITIVE defaults to TRUE and CKA_EXTRACTABLE to FALSE for every
 *    private and secret key, whatever its origin: a key is only readable
 *    or wrappable if its creator asked for it.
 *  - the usage flags (CKA_ENCRYPT, CKA_SIGN...) default to TRUE, as in
 *    SoftHSM, so keys imported by tools that set none of them work;
 *    CKA_DERIVE defaults to FALSE as the specification says.
 *  - CKA_PRIVATE can be changed by C_CopyObject only from FALSE to TRUE,
 *    never to FALSE: a public copy of a private key would be usable
 *    without logging in.
 *  - CKA_DESTROYABLE, like CKA_COPYABLE, can only be changed to FALSE.
 *  - CKA_TRUSTED changes only in an SO session (either way); C_CopyObject
 *    cannot change it.
 *  - CKA_ALLOWED_MECHANISMS and the wrap/unwrap/derive templates cannot
 *    change after creation (no footnote 8): widening them later would
 *    defeat them.
 */
static const tok_rule rules[] = {
        /* Common storage attributes (CKA_CLASS is handled by object.c). */
        {CKA_CLASS, TOK_GROUP_STORAGE, REQ, N},
        {CKA_TOKEN, TOK_GROUP_STORAGE, TOK_COPY_ONLY, F},
        {CKA_PRIVATE, TOK_GROUP_STORAGE, TOK_COPY_ONLY | TOK_ONLY_TO_TRUE, N},
        {CKA_MODIFIABLE, TOK_GROUP_STORAGE, TOK_COPY_ONLY | TOK_ONLY_TO_FALSE,
         T},
        {CKA_LABEL, TOK_GROUP_STORAGE, MOD, E},
        {CKA_COPYABLE, TOK_GROUP_STORAGE, MOD | TOK_ONLY_TO_FALSE, T},
        {CKA_DESTROYABLE, TOK_GROUP_STORAGE, MOD | TOK_ONLY_TO_FALSE, T},
        {CKA_UNIQUE_ID, TOK_GROUP_STORAGE, NEVER, N},

        /* Data objects: nothing but the label changes (section 4.4).
         * CKM_HKDF_DATA derives one and supplies its value. */
        {CKA_APPLICATION, TOK_GROUP_DATA, 0, E},
        {CKA_OBJECT_ID, TOK_GROUP_DATA, 0, E},
        {CKA_VALUE, TOK_GROUP_DATA, TOK_NOT_UNWRAP | TOK_MATERIAL, E},

        /* X.509 certificates: only CKA_ID, CKA_ISSUER and CKA_SERIAL_NUMBER
         * may change after creation. */
        {CKA_CERTIFICATE_TYPE, TOK_GROUP_X509, REQ, N},
        {CKA_TRUSTED, TOK_GROUP_X509, TOK_SO_ONLY, F},
        {CKA_CERTIFICATE_CATEGORY, TOK_GROUP_X509, 0, Z},
        {CKA_CHECK_VALUE, TOK_GROUP_X509, 0, N},
        {CKA_START_DATE, TOK_GROUP_X509, 0, E},
        {CKA_END_DATE, TOK_GROUP_X509, 0, E},
        {CKA_PUBLIC_KEY_INFO, TOK_GROUP_X509, 0, E},
        {CKA_SUBJECT, TOK_GROUP_X509, REQ, N},
        {CKA_ID, TOK_GROUP_X509, MOD, E},
        {CKA_ISSUER, TOK_GROUP_X509, MOD, E},
        {CKA_SERIAL_NUMBER, TOK_GROUP_X509, MOD, E},
        {CKA_VALUE, TOK_GROUP_X509, REQ, N},
        {CKA_URL, TOK_GROUP_X509, 0, E},
        {CKA_HASH_OF_SUBJECT_PUBLIC_KEY, TOK_GROUP_X509, 0, E},
        {CKA_HASH_OF_ISSUER_PUBLIC_KEY, TOK_GROUP_X509, 0, E},
        {CKA_JAVA_MIDP_SECURITY_DOMAIN, TOK_GROUP_X509, 0, Z},
        {CKA_NAME_HASH_ALGORITHM, TOK_GROUP_X509, 0, N},

        /* Every key. */
        {CKA_KEY_TYPE, TOK_GROUP_KEY, REQ, N},
        {CKA_ID, TOK_GROUP_KEY, MOD, E},
        {CKA_START_DATE, TOK_GROUP_KEY, MOD, E},
        {CKA_END_DATE, TOK_GROUP_KEY, MOD, E},
        {CKA_DERIVE, TOK_GROUP_KEY, MOD, F},
        {CKA_LOCAL, TOK_GROUP_KEY, NEVER, N},
        {CKA_KEY_GEN_MECHANISM, TOK_GROUP_KEY, NEVER, N},
        {CKA_ALLOWED_MECHANISMS, TOK_GROUP_KEY, 0, E},

        /* Public keys. */
        {CKA_SUBJECT, TOK_GROUP_PUBLIC, MOD, E},
        {CKA_ENCRYPT, TOK_GROUP_PUBLIC, MOD, T},
        {CKA_VERIFY, TOK_GROUP_PUBLIC, MOD, T},
        {CKA_VERIFY_RECOVER, TOK_GROUP_PUBLIC, MOD, T},
        {CKA_WRAP, TOK_GROUP_PUBLIC, MOD, T},
        {CKA_TRUSTED, TOK_GROUP_PUBLIC, TOK_SO_ONLY, F},
        {CKA_WRAP_TEMPLATE, TOK_GROUP_PUBLIC, 0, E},
        {CKA_PUBLIC_KEY_INFO, TOK_GROUP_PUBLIC, 0, E},

        /* Private keys. */
        {CKA_SUBJECT, TOK_GROUP_PRIVATE, MOD, E},
        {CKA_SENSITIVE, TOK_GROUP_PRIVATE, MOD | TOK_ONLY_TO_TRUE, T},
        {CKA_DECRYPT, TOK_GROUP_PRIVATE, MOD, T},
        {CKA_SIGN, TOK_GROUP_PRIVATE, MOD, T},
        {CKA_SIGN_RECOVER, TOK_GROUP_PRIVATE, MOD, T},
        {CKA_UNWRAP, TOK_GROUP_PRIVATE, MOD, T},
        {CKA_EXTRACTABLE, TOK_GROUP_PRIVATE, MOD | TOK_ONLY_TO_FALSE, F},
        {CKA_ALWAYS_SENSITIVE, TOK_GROUP_PRIVATE, NEVER, N},
        {CKA_NEVER_EXTRACTABLE, TOK_GROUP_PRIVATE, NEVER, N},
        {CKA_WRAP_WITH_TRUSTED, TOK_GROUP_PRIVATE, MOD | TOK_ONLY_TO_TRUE, F},
        {CKA_UNWRAP_TEMPLATE, TOK_GROUP_PRIVATE, 0, E},
        {CKA_ALWAYS_AUTHENTICATE, TOK_GROUP_PRIVATE, 0, F},
        {CKA_PUBLIC_KEY_INFO, TOK_GROUP_PRIVATE, 0, E},

        /* Secret keys (CKK_GENERIC_SECRET, CKK_AES, CKK_CHACHA20,
         * CKK_HKDF). */
        {CKA_SENSITIVE, TOK_GROUP_SECRET, MOD | TOK_ONLY_TO_TRUE, T},
        {CKA_ENCRYPT, TOK_GROUP_SECRET, MOD, T},
        {CKA_DECRYPT, TOK_GROUP_SECRET, MOD, T},
        {CKA_SIGN, TOK_GROUP_SECRET, MOD, T},
        {CKA_VERIFY, TOK_GROUP_SECRET, MOD, T},
        {CKA_WRAP, TOK_GROUP_SECRET, MOD, T},
        {CKA_UNWRAP, TOK_GROUP_SECRET, MOD, T},
        {CKA_EXTRACTABLE, TOK_GROUP_SECRET, MOD | TOK_ONLY_TO_FALSE, F},
        {CKA_ALWAYS_SENSITIVE, TOK_GROUP_SECRET, NEVER, N},
        {CKA_NEVER_EXTRACTABLE, TOK_GROUP_SECRET, NEVER, N},
        {CKA_CHECK_VALUE, TOK_GROUP_SECRET, 0, N},
        {CKA_WRAP_WITH_TRUSTED, TOK_GROUP_SECRET, MOD | TOK_ONLY_TO_TRUE, F},
        {CKA_TRUSTED, TOK_GROUP_SECRET, TOK_SO_ONLY, F},
        {CKA_WRAP_TEMPLATE, TOK_GROUP_SECRET, 0, E},
        {CKA_UNWRAP_TEMPLATE, TOK_GROUP_SECRET, 0, E},
        {CKA_DERIVE_TEMPLATE, TOK_GROUP_SECRET, 0, E},
        {CKA_VALUE, TOK_GROUP_SECRET, SECRET_MATERIAL, N},
        /* [2,3]: computed on import; given to C_GenerateKey (object.c
         * requires it for the variable-length types). */
        {CKA_VALUE_LEN, TOK_GROUP_SECRET, TOK_NOT_CREATE, N},

        /* RSA. CKA_MODULUS_BITS is computed on import [2,3]. */
        {CKA_MODULUS, TOK_GROUP_RSA_PUBLIC, MATERIAL, N},
        {CKA_MODULUS_BITS, TOK_GROUP_RSA_PUBLIC,
         TOK_NOT_CREATE | TOK_REQUIRED_GENERATE, N},
        /* Required on import; C_GenerateKeyPair may give it or let the
         * mechanism choose (and set it). */
        {CKA_PUBLIC_EXPONENT, TOK_GROUP_RSA_PUBLIC, REQ | TOK_MATERIAL, N},
        {CKA_MODULUS, TOK_GROUP_RSA_PRIVATE, MATERIAL, N},
        {CKA_PUBLIC_EXPONENT, TOK_GROUP_RSA_PRIVATE,
         TOK_NOT_GENERATE | TOK_NOT_UNWRAP | TOK_MATERIAL, N},
        {CKA_PRIVATE_EXPONENT, TOK_GROUP_RSA_PRIVATE, SECRET_MATERIAL, N},
        {CKA_PRIME_1, TOK_GROUP_RSA_PRIVATE, OPTIONAL_SECRET, N},
        {CKA_PRIME_2, TOK_GROUP_RSA_PRIVATE, OPTIONAL_SECRET, N},
        {CKA_EXPONENT_1, TOK_GROUP_RSA_PRIVATE, OPTIONAL_SECRET, N},
        {CKA_EXPONENT_2, TOK_GROUP_RSA_PRIVATE, OPTIONAL_SECRET, N},
        {CKA_COEFFICIENT, TOK_GROUP_RSA_PRIVATE, OPTIONAL_SECRET, N},

        /* EC, EdDSA and Montgomery keys. */
        {CKA_EC_PARAMS, TOK_GROUP_EC_PUBLIC,
         REQ | TOK_REQUIRED_GENERATE | TOK_MATERIAL, N},
        {CKA_EC_POINT, TOK_GROUP_EC_PUBLIC, MATERIAL, N},
        {CKA_EC_PARAMS, TOK_GROUP_EC_PRIVATE, MATERIAL, N},
        {CKA_VALUE, TOK_GROUP_EC_PRIVATE, SECRET_MATERIAL, N},
};

unsigned tok_groups(CK_OBJECT_CLASS object_class, CK_KEY_TYPE key_type)
{
	bool rsa = key_type == CKK_RSA;
	bool ec = key_type == CKK_EC || key_type == CKK_EC_EDWARDS ||
	          key_type == CKK_EC_MONTGOMERY;

	switch (object_class) {
	case CKO_DATA:
		return TOK_GROUP_STORAGE | TOK_GROUP_DATA;
	case CKO_CERTIFICATE:
		return TOK_GROUP_STORAGE | TOK_GROUP_X509;
	case CKO_PUBLIC_KEY:
		if (!rsa && !ec)
			return 0;
		return TOK_GROUP_STORAGE | TOK_GROUP_KEY | TOK_GROUP_PUBLIC |
		       (rsa ? TOK_GROUP_RSA_PUBLIC : TOK_GROUP_EC_PUBLIC);
	case CKO_PRIVATE_KEY:
		if (!rsa && !ec)
			return 0;
		return TOK_GROUP_STORAGE | TOK_GROUP_KEY | TOK_GROUP_PRIVATE |
		       (rsa ? TOK_GROUP_RSA_PRIVATE : TOK_GROUP_EC_PRIVATE);
	case CKO_SECRET_KEY:
		if (key_type != CKK_GENERIC_SECRET && key_type != CKK_AES &&
		    key_type != CKK_CHACHA20 && key_type != CKK_HKDF)
			return 0;
		return TOK_GROUP_STORAGE | TOK_GROUP_KEY | TOK_GROUP_SECRET;
	default:
		return 0;
	}
}

const tok_rule *tok_rule_find(CK_ATTRIBUTE_TYPE type, unsigned groups)
{
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		if (rules[i].type == type && (rules[i].group & groups) != 0)
			return &rules[i];
	}
	return NULL;
}

void tok_rules_each(unsigned groups,
                    void (*fn)(const tok_rule *rule, void *context),
                    void *context)
{
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		if ((rules[i].group & groups) != 0)
			fn(&rules[i], context);
	}
}

bool tok_class_supported(CK_OBJECT_CLASS object_class)
{
	return object_class == CKO_DATA || object_class == CKO_CERTIFICATE ||
	       tok_is_key_class(object_class);
}

bool tok_is_key_class(CK_OBJECT_CLASS object_class)
{
	return object_class == CKO_PUBLIC_KEY ||
	       object_class == CKO_PRIVATE_KEY ||
	       object_class == CKO_SECRET_KEY;
}

bool tok_key_type_known(CK_KEY_TYPE key_type)
{
	return key_type == CKK_RSA || key_type == CKK_EC ||
	       key_type == CKK_EC_EDWARDS || key_type == CKK_EC_MONTGOMERY ||
	       key_type == CKK_GENERIC_SECRET || key_type == CKK_AES ||
	       key_type == CKK_CHACHA20 || key_type == CKK_HKDF;
}
