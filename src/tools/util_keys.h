/* guardhsm-util: key material, curves and encodings shared by import,
 * export, generate and list. */
#ifndef GUARDHSM_TOOLS_UTIL_KEYS_H
#define GUARDHSM_TOOLS_UTIL_KEYS_H

#include "tools/util.h"

#include <strings.h>

/* ---- util_curves.c ------------------------------------------------------ */

typedef struct util_curve {
	const char *name;      /* OpenSSL's: prime256v1, ed25519, ... */
	const char *nist_name; /* P-256, ED25519, ... */
	CK_KEY_TYPE key_type;  /* CKK_EC, CKK_EC_EDWARDS, CKK_EC_MONTGOMERY */
	const unsigned char *oid; /* CKA_EC_PARAMS as the tool writes it */
	size_t oid_length;
	const unsigned char *printable; /* the 3.0 alternative, or NULL */
	size_t printable_length;
	const char *ssh_name; /* nistp256, ...; NULL: no ECDSA SSH form */
	size_t private_bytes;
	size_t public_bytes; /* uncompressed point, or 32 raw bytes */
} util_curve;

const util_curve *util_curve_by_name(const char *name);
/* From CKA_EC_PARAMS (a DER OID or the 3.0 PrintableString). */
const util_curve *util_curve_by_params(const unsigned char *der, size_t length);

/* ---- util_key_file.c ---------------------------------------------------- */

/* A private key read from a file, in the pieces PKCS#11 wants. Public
 * values in ordinary memory; private ones only in enclave buffers. */
typedef struct util_key_material {
	CK_KEY_TYPE key_type;    /* CKK_EC, CKK_EC_EDWARDS, CKK_EC_MONTGOMERY,
	                            CKK_RSA */
	const util_curve *curve; /* curve keys */
	/* CKA_EC_POINT's content (uncompressed point or 32 raw bytes). */
	unsigned char *point;
	size_t point_length;
	/* CKA_VALUE: the scalar (big-endian, full width) or the RFC 8410
	 * private key. */
	enc_buffer *value;
	/* RSA: modulus and public exponent (big-endian, minimal). */
	unsigned char *modulus, *public_exponent;
	size_t modulus_length, public_exponent_length;
	/* RSA: d, p, q, d mod (p-1), d mod (q-1), q^-1 mod p (big-endian,
	 * minimal), each in its own enclave buffer. */
	enc_buffer *rsa[6];
	size_t rsa_length[6];
} util_key_material;

/* Reads a private key (PEM or DER: PKCS#8, encrypted PKCS#8, PKCS#1,
 * SEC1) from an enclave buffer holding the file. The passphrase of an
 * encrypted key is asked for only if needed, from passphrase_source (as
 * util_secret_read). Returns an exit code. */
int util_key_material_read(const enc_buffer *file, size_t length,
                           const char *passphrase_source,
                           util_key_material *key);
void util_key_material_free(util_key_material *key);

/* ---- util_export.c: public key encodings -------------------------------- */

/* A DER SubjectPublicKeyInfo of a curve key's raw public point, or of an
 * RSA modulus and exponent; *der malloc'd. Returns an exit code. */
int util_spki_from_point(const util_curve *curve, const unsigned char *point,
                         size_t length, unsigned char **der,
                         size_t *der_length);
int util_spki_from_rsa(const unsigned char *modulus, size_t modulus_length,
                       const unsigned char *exponent, size_t exponent_length,
                       unsigned char **der, size_t *der_length);

/* ---- util_list.c -------------------------------------------------------- */

/* "ec:prime256v1", "ed25519", "rsa:2048", "aes:256", ... for a key; the
 * class name ("private", "public", "secret-key", "cert", "data"). */
void util_describe_key(util_module *module, CK_SESSION_HANDLE session,
                       CK_OBJECT_HANDLE object, char *out, size_t size);
const char *util_class_name(CK_OBJECT_CLASS object_class);

#endif /* GUARDHSM_TOOLS_UTIL_KEYS_H */
