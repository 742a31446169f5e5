/* A session's active cryptographic operation (sign, verify, digest,
 * encrypt or decrypt).
 * It holds what it needs to run without the token's lock: a sealed copy
 * of the key (ciphertext only: plaintext exists just inside the call that
 * uses it), public key bytes, and multi-part state whose keyed parts live
 * in enclave buffers (cry_hmac; cry_digest for SHA-1/SHA-2). */
#ifndef GUARDHSM_PKCS11_OPERATION_H
#define GUARDHSM_PKCS11_OPERATION_H

#include "crypto/crypto.h"
#include "pkcs11/mechanisms.h"
#include "pkcs11/module.h"

struct p11_operation {
	const p11_mechanism *mechanism;
	cry_curve curve;
	enc_sealed *key;     /* private or secret key material */
	uint8_t *public_key; /* verify: the public point */
	size_t public_length;
	size_t signature_length; /* what C_Sign produces / C_Verify expects */
	cry_digest *digest;      /* digest, or ECDSA_SHA* prehash */
	cry_hmac *hmac;          /* HMAC, created at init */
	uint8_t *message;        /* EdDSA multi-part: buffered data */
	size_t message_length;
	size_t message_capacity;
	bool multipart; /* C_*Update was called */
	bool eddsa_prehash;
	uint8_t *eddsa_context;
	size_t eddsa_context_length;
	/* CKA_ALWAYS_AUTHENTICATE: C_Login(CKU_CONTEXT_SPECIFIC) needed. */
	bool needs_context_login;
	/* RSA: padding and hashes; public_key holds the modulus for public
	 * operations, public_exponent the exponent; key (sealed) the packed
	 * private key. */
	cry_rsa_params rsa;
	uint8_t *rsa_label; /* OAEP label, which rsa.label points to */
	uint8_t *public_exponent;
	size_t public_exponent_length;
	/* Symmetric ciphers: keyed state in the enclave (cry_cipher). */
	cry_cipher *cipher;
	cry_cipher_mode cipher_mode;
	size_t tag_length;
	cry_cmac *cmac;
	/* Message-based encryption: the key held open for the operation's
	 * messages, and the IV counter of CKG_GENERATE_COUNTER. */
	cry_aead_key *aead_key;
	uint64_t message_counter;
	/* Single-part C_Encrypt/C_Decrypt: the output, once computed, kept
	 * until the caller's buffer is big enough (the length protocol). */
	uint8_t *pending;
	size_t pending_length;
	bool pending_ready;
};

void p11_operation_free(p11_operation *operation);

typedef enum p11_operation_kind {
	P11_OPERATION_SIGN,
	P11_OPERATION_VERIFY,
	P11_OPERATION_DIGEST,
	P11_OPERATION_ENCRYPT,
	P11_OPERATION_DECRYPT,
	P11_OPERATION_MESSAGE_ENCRYPT, /* PKCS#11 3.0 message-based */
	P11_OPERATION_MESSAGE_DECRYPT,
} p11_operation_kind;

/* The session's slot for an operation of this kind. */
p11_operation **p11_operation_slot(p11_session *session,
                                   p11_operation_kind kind);

/* Starts a call on an active operation: acquires and locks the session,
 * which must be open with an operation of this kind (else
 * CKR_SESSION_HANDLE_INVALID / CKR_OPERATION_NOT_INITIALIZED). On CKR_OK
 * the caller ends with p11_operation_leave. */
CK_RV p11_operation_enter(CK_SESSION_HANDLE handle, p11_operation_kind kind,
                          p11_session **session, p11_operation **operation);
/* Ends the call; finishes (frees) the operation unless keep. Returns rv. */
CK_RV p11_operation_leave(p11_session *session, p11_operation_kind kind,
                          CK_RV rv, bool keep);

/* C_*Init with a key (operation_init.c): locks, checks the session, the
 * mechanism (it must offer the kind's function), the key handle, then
 * check_key (class and type for the mechanism: CKR_KEY_TYPE_INCONSISTENT),
 * the key's usage attribute and CKA_ALLOWED_MECHANISMS, then lets build
 * fill a new operation (operation->mechanism set) and installs it. Slot
 * lock held during both callbacks. */
typedef CK_RV (*p11_key_check)(const p11_mechanism *info,
                               p11_operation_kind kind, const tok_object *key);
typedef CK_RV (*p11_operation_build)(const CK_MECHANISM *mechanism,
                                     p11_object_ref *ref,
                                     p11_operation_kind kind,
                                     p11_operation *operation);
CK_RV p11_operation_init(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                         CK_OBJECT_HANDLE key, p11_operation_kind kind,
                         p11_key_check check_key, p11_operation_build build);

/* Maps crypto errors to CKR_ codes. */
CK_RV p11_rv_from_crypto(cry_status status);

/* The curve of an EC/Edwards/Montgomery key object (from CKA_EC_PARAMS). */
CK_RV p11_key_curve(const tok_object *object, cry_curve *curve);
/* The raw public point of a public key object (CKA_EC_POINT, which may be
 * a DER OCTET STRING or raw) into point (cry_curve_public_bytes). */
CK_RV p11_key_public_point(const tok_object *object, cry_curve curve,
                           uint8_t *point, size_t *length);
/* False if the key's CKA_ALLOWED_MECHANISMS excludes the mechanism. */
bool p11_key_mechanism_allowed(const tok_object *key, CK_MECHANISM_TYPE type);
/* The object's sealed CKA_VALUE opened into a new enclave buffer
 * (READONLY; the caller frees it). Slot lock held. */
CK_RV p11_key_open_value(const tok_object *object, enc_buffer **value);
/* A sealed copy of the object's CKA_VALUE. */
CK_RV p11_key_sealed_value(const tok_object *object, enc_sealed **out);

/* RSA key material of key objects (keys_rsa.c), slot lock held. The
 * packed private key (crypto.h), built from the object's sealed
 * components once per key object and kept sealed with its handle. */
CK_RV p11_rsa_private_key(p11_object_ref *ref, enc_sealed **out);
/* Copies of the modulus and public exponent of an RSA key object. */
CK_RV p11_rsa_public_key(const tok_object *object, uint8_t **modulus,
                         size_t *modulus_length, uint8_t **exponent,
                         size_t *exponent_length);
/* The modulus length in bytes of an RSA key object (0 if it has none). */
size_t p11_rsa_modulus_bytes(const tok_object *object);

/* C_Login(CKU_CONTEXT_SPECIFIC) for the session's operation (login.c). */
CK_RV p11_operation_context_login(p11_session *session, CK_UTF8CHAR_PTR pin,
                                  CK_ULONG length);

#endif
