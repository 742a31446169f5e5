/*
 * Token objects: the attribute model and the PKCS#11 policy around it
 * (which attributes each class has, their defaults, who may set or read
 * them, and the precise CKR_ code for each template error).
 *
 * An object's attributes are store_attribute values (see store/store.h):
 * ordinary ones as plain bytes, sensitive ones (private and secret key
 * material) as enclave sealed secrets from the moment they arrive. The
 * caller's template buffer is the only plaintext copy guardhsm ever reads
 * them from; it never keeps one in ordinary memory.
 *
 * Nothing here knows sessions, slots or SQLite: the pkcs11 layer decides
 * what to do with an object (keep it in a session, or persist it).
 */
#ifndef GUARDHSM_TOKEN_OBJECT_H
#define GUARDHSM_TOKEN_OBJECT_H

#include "pkcs11/pkcs11_3_0.h"
#include "store/store.h"

#include <stdbool.h>

typedef struct tok_object {
	CK_OBJECT_HANDLE handle;  /* set by the pkcs11 layer */
	store_object_id store_id; /* token objects: the store's id, else 0 */
	CK_OBJECT_CLASS object_class;
	CK_KEY_TYPE key_type; /* CK_UNAVAILABLE_INFORMATION if not a key */
	bool is_token;        /* CKA_TOKEN */
	bool is_private;      /* CKA_PRIVATE */
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES]; /* CKA_UNIQUE_ID */
	store_attribute *attributes; /* sorted by type, no duplicates */
	size_t count;
} tok_object;

/* How an object comes to exist: it decides defaults and the
 * CKA_LOCAL / CKA_ALWAYS_SENSITIVE / CKA_NEVER_EXTRACTABLE values. */
typedef enum tok_origin {
	TOK_ORIGIN_CREATE = 0, /* C_CreateObject: an import */
	TOK_ORIGIN_GENERATE,   /* C_GenerateKey / C_GenerateKeyPair */
	TOK_ORIGIN_DERIVE,     /* C_DeriveKey */
	TOK_ORIGIN_UNWRAP,     /* C_UnwrapKey */
} tok_origin;

/*
 * Builds a new object from a caller's template.
 *
 * For TOK_ORIGIN_CREATE the template must be complete (e.g. CKA_VALUE of a
 * secret key). For the other origins, the mechanism code supplies the key
 * material afterwards with tok_object_set_material(), and template
 * attributes that only the mechanism may set (CKA_VALUE, CKA_EC_POINT,
 * CKA_MODULUS...) give CKR_TEMPLATE_INCONSISTENT / CKR_ATTRIBUTE_READ_ONLY
 * as the spec says. key_gen_mechanism: CKA_KEY_GEN_MECHANISM for
 * TOK_ORIGIN_GENERATE (else CK_UNAVAILABLE_INFORMATION is stored).
 * default_class / default_key_type are used when the template omits them
 * (key generation knows them; 0 / CK_UNAVAILABLE_INFORMATION otherwise).
 * Mechanisms make keys, except that TOK_ORIGIN_DERIVE may also make a
 * CKO_DATA object (CKM_HKDF_DATA) if the template names that class; it
 * is CKA_PRIVATE unless the template says otherwise, and its CKA_VALUE
 * comes from tok_object_set_material (plain: data is never sensitive).
 *
 * Errors: CKR_ARGUMENTS_BAD (NULL template with count > 0),
 * CKR_TEMPLATE_INCOMPLETE, CKR_TEMPLATE_INCONSISTENT,
 * CKR_ATTRIBUTE_TYPE_INVALID, CKR_ATTRIBUTE_VALUE_INVALID,
 * CKR_ATTRIBUTE_READ_ONLY, CKR_HOST_MEMORY, CKR_DEVICE_ERROR (enclave).
 * Fills CKA_UNIQUE_ID with fresh random bytes.
 */
CK_RV tok_object_create(const CK_ATTRIBUTE *template, CK_ULONG count,
                        tok_origin origin, CK_OBJECT_CLASS default_class,
                        CK_KEY_TYPE default_key_type,
                        CK_MECHANISM_TYPE key_gen_mechanism, tok_object **out);

/* tok_object_create for a session whose user may be the SO: only then may
 * the template set CKA_TRUSTED to TRUE (tok_object_create refuses it with
 * CKR_ATTRIBUTE_READ_ONLY, as it cannot know who is asking). */
CK_RV tok_object_create_ex(const CK_ATTRIBUTE *template, CK_ULONG count,
                           tok_origin origin, CK_OBJECT_CLASS default_class,
                           CK_KEY_TYPE default_key_type,
                           CK_MECHANISM_TYPE key_gen_mechanism, bool so_session,
                           tok_object **out);

/* Sets a key-material attribute computed by a mechanism (sealed if the
 * attribute is sensitive for this class). For generate/derive/unwrap. */
CK_RV tok_object_set_material(tok_object *object, CK_ATTRIBUTE_TYPE type,
                              const void *value, CK_ULONG length);

/* Sets an attribute only the token itself may set, bypassing the template
 * rules: CKA_ALWAYS_SENSITIVE / CKA_NEVER_EXTRACTABLE of a derived or
 * unwrapped key (from the base key), CKA_CHECK_VALUE, CKA_LOCAL of a copy...
 * The value is in the portable encoding (CK_ULONG: 8 bytes little-endian,
 * CK_BBOOL: 1 byte 0/1). Not for sensitive values (use
 * tok_object_set_material), CKA_CLASS, CKA_KEY_TYPE or CKA_UNIQUE_ID:
 * CKR_ARGUMENTS_BAD; a type the object's class lacks:
 * CKR_ATTRIBUTE_TYPE_INVALID; a malformed value:
 * CKR_ATTRIBUTE_VALUE_INVALID. */
CK_RV tok_object_set_internal(tok_object *object, CK_ATTRIBUTE_TYPE type,
                              const void *portable_value, size_t length);

/* Rebuilds an object loaded from the store (takes ownership of
 * attributes, which are freed on failure too). CKR_DEVICE_ERROR if the
 * record lacks CKA_CLASS etc. */
CK_RV tok_object_from_store(
        store_object_id id, bool is_private,
        const unsigned char unique_id[STORE_UNIQUE_ID_BYTES],
        store_attribute *attributes, size_t count, tok_object **out);

/* The version of the defaults a stored list may leave out (defaults.c);
 * a new version whenever one of them changes. */
#define TOK_DEFAULTS_VERSION 1

/* tok_object_from_store for a list stored relative to defaults (what
 * store_object_load_ex gives): the attributes it left out are given back.
 * CKR_DEVICE_ERROR for a defaults version this build does not know. */
CK_RV tok_object_from_store_ex(
        store_object_id id, bool is_private,
        const unsigned char unique_id[STORE_UNIQUE_ID_BYTES], uint32_t defaults,
        store_attribute *attributes, size_t count, tok_object **out);

/* What to store of a token object: *list (malloc'd; free() it, not its
 * entries, which point into object) holds the attributes whose value
 * differs from the defaults of *defaults (TOK_DEFAULTS_VERSION), or all
 * of them with *defaults 0 when leaving some out would not load back the
 * same object. For store_object_create_ex / _update_ex. */
CK_RV tok_object_stored(const tok_object *object, store_attribute **list,
                        size_t *count, uint32_t *defaults);

/* C_GetAttributeValue for one object: the length-query protocol (pValue
 * NULL: length only), CKR_ATTRIBUTE_SENSITIVE for sensitive or
 * unextractable values, CKR_ATTRIBUTE_TYPE_INVALID for types the object
 * lacks, CKR_BUFFER_TOO_SMALL; each failing entry gets ulValueLen =
 * CK_UNAVAILABLE_INFORMATION while the others are still filled, and the
 * return value is the error of the spec's precedence. Array attributes
 * (CKA_WRAP_TEMPLATE...) follow the nested protocol. */
CK_RV tok_object_get_attributes(const tok_object *object,
                                CK_ATTRIBUTE *template, CK_ULONG count);

/* C_SetAttributeValue: all or nothing. CKR_ACTION_PROHIBITED if
 * CKA_MODIFIABLE is false; CKR_ATTRIBUTE_READ_ONLY for attributes that
 * cannot change after creation (CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, key
 * material...), CKA_SENSITIVE only to TRUE, CKA_EXTRACTABLE only to FALSE,
 * CKA_WRAP_WITH_TRUSTED only to TRUE; CKA_TRUSTED only by the SO
 * (so_session). */
CK_RV tok_object_set_attributes(tok_object *object,
                                const CK_ATTRIBUTE *template, CK_ULONG count,
                                bool so_session);

/* C_CopyObject: a new object with the template applied (only attributes
 * the spec lets a copy change). CKR_ACTION_PROHIBITED if CKA_COPYABLE is
 * false. Sensitive values are copied as sealed secrets, never opened. */
CK_RV tok_object_copy(const tok_object *source, const CK_ATTRIBUTE *template,
                      CK_ULONG count, tok_object **out);

/* A template-valued attribute (CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE,
 * CKA_DERIVE_TEMPLATE) in native form: one malloc'd block holding the
 * entries and their values (free() it), or NULL with *count 0 when the
 * object has none. CKR_DEVICE_ERROR if the stored value is malformed. */
CK_RV tok_object_template(const tok_object *object, CK_ATTRIBUTE_TYPE type,
                          CK_ATTRIBUTE **entries, CK_ULONG *count);
/* True if every template attribute is present with an equal value.
 * Sensitive values never match. Malformed templates match nothing. */
bool tok_object_matches(const tok_object *object, const CK_ATTRIBUTE *template,
                        CK_ULONG count);

/* The attribute, or NULL. */
const store_attribute *tok_object_attribute(const tok_object *object,
                                            CK_ATTRIBUTE_TYPE type);
/* The value of a CK_BBOOL attribute, or fallback if absent. */
bool tok_object_bool(const tok_object *object, CK_ATTRIBUTE_TYPE type,
                     bool fallback);

/* The blind-index values (class, id, label) of an object, pointing into
 * the object. */
void tok_object_index(const tok_object *object, store_index *index);

/* The index values a find template asks for (pointing into the
 * template); false if the template cannot match anything. */
bool tok_template_index(const CK_ATTRIBUTE *template, CK_ULONG count,
                        store_index *index);

/* A find template that a token object's authenticated index row answers
 * alone (store_object_find_verified): the row's tags give CKA_CLASS,
 * CKA_ID and CKA_LABEL, its existence CKA_TOKEN (every record is a token
 * object) and its privacy CKA_PRIVATE. */
typedef struct tok_row_query {
	store_index index; /* points into the template */
	bool none;         /* no token object can match */
	bool has_private;  /* CKA_PRIVATE asked for, with this value */
	bool is_private;
} tok_row_query;

/* False if the template holds any other attribute: the records must be
 * loaded and matched with tok_object_matches. True otherwise, with query
 * such that a token object whose verified row has query->index's values
 * and passes tok_row_matches is exactly one tok_object_matches would
 * match on its record (which always holds CKA_TOKEN TRUE and CKA_PRIVATE
 * equal to the row's privacy), malformed and contradictory templates
 * included. */
bool tok_template_row_query(const CK_ATTRIBUTE *template, CK_ULONG count,
                            tok_row_query *query);
/* Does a verified row of this privacy match (query->none aside)? */
bool tok_row_matches(const tok_row_query *query, bool is_private);

/* C_GetObjectSize: an approximation of the bytes the object takes. */
CK_ULONG tok_object_size(const tok_object *object);

/* May the object be destroyed (CKA_DESTROYABLE)? */
bool tok_object_destroyable(const tok_object *object);

void tok_object_free(tok_object *object);

#endif /* GUARDHSM_TOKEN_OBJECT_H */
