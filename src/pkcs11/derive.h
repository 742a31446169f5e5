/* C_DeriveKey inside the module: the entry point (derive.c) checks the
 * arguments and picks the mechanism; the mechanism (ECDH in derive.c, HKDF
 * in derive_hkdf.c) checks its parameters and base key, has the new object
 * built from the template, and computes the value into an enclave buffer;
 * the entry point then stores it, by one path for every mechanism. All of
 * it runs with the slot lock held. */
#ifndef GUARDHSM_PKCS11_DERIVE_H
#define GUARDHSM_PKCS11_DERIVE_H

#include "crypto/crypto.h"
#include "pkcs11/module.h"

typedef struct p11_derive {
	p11_session *session;
	const CK_MECHANISM *mechanism;
	const CK_ATTRIBUTE *template;
	CK_ULONG count;
	/* The base key's, kept as values: a later object lookup may drop a
	 * cached token object (p11_derive_note_base). */
	bool base_always_sensitive;
	bool base_never_extractable;
	/* The new object, its value still missing (p11_derive_new_object),
	 * and CKA_VALUE_LEN: as the template asked; the mechanism sets it to
	 * the length of the value to store. */
	tok_object *object;
	bool length_given;
	size_t length;
} p11_derive;

/* A key named by the mechanism (base key, HKDF salt key): the object,
 * valid until the next lookup; CKR_KEY_HANDLE_INVALID if there is none. */
CK_RV p11_derive_lookup(p11_session *session, CK_OBJECT_HANDLE handle,
                        const tok_object **key);
/* May this key take part in a derivation by this mechanism? CKA_DERIVE
 * (CKR_KEY_FUNCTION_NOT_PERMITTED), CKA_ALLOWED_MECHANISMS
 * (CKR_MECHANISM_INVALID). */
CK_RV p11_derive_permitted(const tok_object *key, CK_MECHANISM_TYPE type);
/* Records what the new key inherits from the base key. */
void p11_derive_note_base(p11_derive *derive, const tok_object *base);

/* Builds derive->object from the template without CKA_VALUE_LEN (which
 * the mechanism sets from the value), of the class the mechanism makes:
 * CKO_SECRET_KEY (implied; CKK_GENERIC_SECRET unless the template says
 * another type) or CKO_DATA (the template must say so). Reads
 * CKA_VALUE_LEN into derive->length (malformed:
 * CKR_ATTRIBUTE_VALUE_INVALID) and checks the session may write the
 * object. */
CK_RV p11_derive_new_object(p11_derive *derive, CK_OBJECT_CLASS object_class);

/* The length to derive: CKA_VALUE_LEN if given (0:
 * CKR_ATTRIBUTE_VALUE_INVALID); otherwise what the key type fixes
 * (ChaCha20: 32), or fallback; none of these (AES, whose length the type
 * does not fix, or fallback 0): CKR_TEMPLATE_INCOMPLETE. */
CK_RV p11_derive_length(const p11_derive *derive, size_t fallback,
                        size_t *length);

/* The mechanisms: on CKR_OK, *value holds the derived value (at least
 * derive->length bytes, of which the leading derive->length are
 * stored), readable. */
CK_RV p11_derive_ecdh(p11_derive *derive, CK_OBJECT_HANDLE base,
                      enc_buffer **value);
CK_RV p11_derive_hkdf(p11_derive *derive, CK_OBJECT_HANDLE base,
                      enc_buffer **value);

#endif
