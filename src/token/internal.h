/*
 * Internals of the token object model: the attribute table (what each
 * class has and the rules on each attribute), the portable value encoding
 * and helpers on sorted attribute lists. Not for use outside src/token/.
 */
#ifndef GUARDHSM_TOKEN_INTERNAL_H
#define GUARDHSM_TOKEN_INTERNAL_H

#include "token/object.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The code for a template attribute that PKCS#11 defines but that does not
 * belong to the object's class or key type (CKA_MODULUS on a data object).
 * PKCS#11 3.0 section 4.1.3 gives exactly this case ("an attribute which
 * is appropriate for ... public keys or private keys, but not for secret
 * keys") as an example of CKR_TEMPLATE_INCONSISTENT, and keeps
 * CKR_ATTRIBUTE_TYPE_INVALID for types Cryptoki does not define at all.
 * One place to change if the pkcs11 layer wants the other reading.
 */
#define TOK_RV_FOREIGN_ATTRIBUTE CKR_TEMPLATE_INCONSISTENT

/* ---- Value kinds and the portable encoding ------------------------------ */

typedef enum tok_kind {
	TOK_KIND_BYTES = 0,  /* raw bytes */
	TOK_KIND_STRING,     /* UTF-8, raw */
	TOK_KIND_BOOL,       /* 1 byte, 0 or 1 */
	TOK_KIND_ULONG,      /* 8 bytes little-endian */
	TOK_KIND_DATE,       /* 8 ASCII digits, or empty */
	TOK_KIND_MECHANISMS, /* a sequence of 8-byte little-endian values */
	TOK_KIND_TEMPLATE,   /* u32 count, then (u64 type, u32 length, value) */
} tok_kind;

#define TOK_ULONG_BYTES 8

/* The value kind of an attribute type guardhsm knows; false if unknown. */
bool tok_attribute_kind(CK_ATTRIBUTE_TYPE type, tok_kind *kind);

void tok_store_u64(unsigned char out[8], uint64_t value);
uint64_t tok_load_u64(const unsigned char in[8]);

/* CK_ULONG <-> its portable number: CK_UNAVAILABLE_INFORMATION is
 * UINT64_MAX whatever the size of CK_ULONG, so a file written by a 32-bit
 * build reads the same on a 64-bit one. */
uint64_t tok_ulong_to_portable(CK_ULONG value);
bool tok_portable_to_ulong(uint64_t value, CK_ULONG *out);

/* A template value in native form -> its portable encoding (malloc'd, NULL
 * when empty). CKR_ATTRIBUTE_VALUE_INVALID if malformed for the kind,
 * CKR_HOST_MEMORY. */
CK_RV tok_encode(tok_kind kind, const void *value, CK_ULONG length,
                 unsigned char **out, size_t *out_length);

/* true if a portable value is well formed for its kind (and, for ULONG
 * values, representable in this build's CK_ULONG). */
bool tok_portable_valid(tok_kind kind, const unsigned char *value,
                        size_t length);

/* The length of the native form of a well-formed portable value. */
CK_ULONG tok_native_length(tok_kind kind, const unsigned char *value,
                           size_t length);

/* Writes the native form of a well-formed portable value into an entry of
 * a C_GetAttributeValue template whose pValue is not NULL. Returns CKR_OK
 * or CKR_BUFFER_TOO_SMALL (then the entry, or for a nested template the
 * inner entry, has ulValueLen = CK_UNAVAILABLE_INFORMATION). */
CK_RV tok_write_native(tok_kind kind, const unsigned char *value, size_t length,
                       CK_ATTRIBUTE *entry);

/* ---- The attribute table ------------------------------------------------ */

/* The groups an object's attributes come from. */
enum tok_group {
	TOK_GROUP_STORAGE = 1u << 0, /* every object */
	TOK_GROUP_DATA = 1u << 1,    /* CKO_DATA */
	TOK_GROUP_X509 = 1u << 2,    /* CKO_CERTIFICATE, CKC_X_509 */
	TOK_GROUP_KEY = 1u << 3,     /* every key */
	TOK_GROUP_PUBLIC = 1u << 4,  /* CKO_PUBLIC_KEY */
	TOK_GROUP_PRIVATE = 1u << 5, /* CKO_PRIVATE_KEY */
	TOK_GROUP_SECRET = 1u << 6,  /* CKO_SECRET_KEY */
	TOK_GROUP_RSA_PUBLIC = 1u << 7,
	TOK_GROUP_RSA_PRIVATE = 1u << 8,
	TOK_GROUP_EC_PUBLIC = 1u << 9, /* CKK_EC, _EDWARDS, _MONTGOMERY */
	TOK_GROUP_EC_PRIVATE = 1u << 10,
};

/* Rules, after the spec's footnotes (numbers in brackets). */
enum tok_flag {
	TOK_REQUIRED_CREATE = 1u << 0,   /* [1] */
	TOK_NOT_CREATE = 1u << 1,        /* [2] read-only in C_CreateObject */
	TOK_REQUIRED_GENERATE = 1u << 2, /* [3] */
	TOK_NOT_GENERATE = 1u << 3,      /* [4] */
	TOK_NOT_UNWRAP = 1u << 4,        /* [6], also for C_DeriveKey */
	TOK_SENSITIVE = 1u << 5,         /* [7] kept sealed */
	TOK_MODIFIABLE = 1u << 6,        /* [8] set and copy */
	TOK_COPY_ONLY = 1u << 7,         /* changeable by C_CopyObject only */
	TOK_SO_ONLY = 1u << 8,           /* [10] changed by the SO only */
	TOK_ONLY_TO_TRUE = 1u << 9,      /* [11] read-only once TRUE */
	TOK_ONLY_TO_FALSE = 1u << 10,    /* [12] read-only once FALSE */
	TOK_MATERIAL = 1u << 11,         /* tok_object_set_material may set */
};

#define TOK_NEVER_IN_TEMPLATE                                                  \
	(TOK_NOT_CREATE | TOK_NOT_GENERATE | TOK_NOT_UNWRAP)

/* What an attribute is worth when the template says nothing. */
typedef enum tok_default {
	TOK_DEFAULT_NONE = 0, /* absent (or set by the code: see object.c) */
	TOK_DEFAULT_EMPTY,    /* empty value */
	TOK_DEFAULT_FALSE,
	TOK_DEFAULT_TRUE,
	TOK_DEFAULT_ZERO, /* CK_ULONG 0 */
} tok_default;

typedef struct tok_rule {
	CK_ATTRIBUTE_TYPE type;
	unsigned group;
	unsigned flags;
	tok_default fallback;
} tok_rule;

/* The groups of an object of this class and key type; 0 if guardhsm does
 * not support the combination. */
unsigned tok_groups(CK_OBJECT_CLASS object_class, CK_KEY_TYPE key_type);

/* The rule for type in an object of these groups, or NULL. */
const tok_rule *tok_rule_find(CK_ATTRIBUTE_TYPE type, unsigned groups);

/* Calls fn for every rule of these groups (for defaults and checks). */
void tok_rules_each(unsigned groups,
                    void (*fn)(const tok_rule *rule, void *context),
                    void *context);

bool tok_class_supported(CK_OBJECT_CLASS object_class);
bool tok_is_key_class(CK_OBJECT_CLASS object_class);
/* Is the key type one guardhsm knows (for any class)? */
bool tok_key_type_known(CK_KEY_TYPE key_type);

/* ---- Attribute lists ---------------------------------------------------- */

/* Frees an attribute's value (wiped) or sealed secret, leaving it empty. */
void tok_attribute_clear(store_attribute *attribute);
void tok_attributes_free(store_attribute *attributes, size_t count);

/* Index of type in a sorted list, or -1. */
ptrdiff_t tok_attributes_find(const store_attribute *attributes, size_t count,
                              CK_ATTRIBUTE_TYPE type);

/* Puts item into a sorted list, taking its contents; an existing entry of
 * the same type is cleared and replaced. CKR_HOST_MEMORY (item then
 * cleared). */
CK_RV tok_attributes_put(store_attribute **attributes, size_t *count,
                         store_attribute *item);

/* A plain attribute from portable bytes (copied). */
CK_RV tok_attribute_plain(CK_ATTRIBUTE_TYPE type, const void *value,
                          size_t length, store_attribute *out);
/* A sealed attribute from the caller's plaintext (never copied). */
CK_RV tok_attribute_sealed(CK_ATTRIBUTE_TYPE type, const void *value,
                           size_t length, store_attribute *out);
/* A deep copy; a sealed value is opened into an enclave buffer and
 * resealed. */
CK_RV tok_attribute_copy(const store_attribute *from, store_attribute *out);

CK_RV tok_rv_from_enclave(enc_status status);

/* A CK_BBOOL attribute's value, or fallback if absent or malformed. */
bool tok_attributes_bool(const store_attribute *attributes, size_t count,
                         CK_ATTRIBUTE_TYPE type, bool fallback);

/* A CK_ULONG attribute's value, or false if absent or malformed. */
bool tok_attributes_ulong(const store_attribute *attributes, size_t count,
                          CK_ATTRIBUTE_TYPE type, CK_ULONG *out);

/* CKA_UNIQUE_ID is not kept in the list (the store keeps it beside the
 * record): it is presented as 32 lowercase hex digits, a UTF-8 string. */
#define TOK_UNIQUE_ID_TEXT (2 * STORE_UNIQUE_ID_BYTES)
void tok_unique_id_text(const tok_object *object,
                        unsigned char text[TOK_UNIQUE_ID_TEXT]);

/* Fresh random unique id (never all zero, which the store reads as
 * "assign one"). */
void tok_unique_id_fresh(unsigned char unique_id[STORE_UNIQUE_ID_BYTES]);

/* The number of significant bits of a big-endian unsigned integer. */
CK_ULONG tok_bit_length(const unsigned char *value, size_t length);

/* defaults.c: gives back what a list stored relative to defaults (a
 * TOK_DEFAULTS_VERSION, or 0: complete) left out, appended unsorted; the
 * list stays the caller's also on failure. CKR_DEVICE_ERROR for an unknown
 * version or a list without a supported class. */
CK_RV tok_defaults_expand(uint32_t defaults, bool is_private,
                          store_attribute **attributes, size_t *count);

#endif /* GUARDHSM_TOKEN_INTERNAL_H */
