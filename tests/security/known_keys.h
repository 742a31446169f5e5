/* The memory-scan tests' known keys: fixed values derived from a fixed
 * seed string, so the process that stores them in a token (which wipes
 * its copies afterwards) and the scanner process (which searches for
 * them) compute the same bytes without passing them around.
 *
 * Each key is SHA-512("guardhsm memscan v1/" || name), first 32 bytes
 * (a P-256 scalar gets its top bit cleared, so it is below the order n).
 * The hash is written straight into the caller's slot (libsodium wipes
 * its own state), so no copy is left on the stack. */
#ifndef GUARDHSM_TESTS_SECURITY_KNOWN_KEYS_H
#define GUARDHSM_TESTS_SECURITY_KNOWN_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define KK_KEY_BYTES 32
#define KK_SLOT_BYTES 64 /* SHA-512 writes 64: the key is the first 32 */

typedef enum kk_kind {
	KK_ED25519 = 0, /* an Ed25519 seed (CKK_EC_EDWARDS, CKA_VALUE) */
	KK_P256,        /* a P-256 private scalar (CKK_EC, CKA_VALUE) */
	KK_HMAC,        /* a generic secret (CKK_GENERIC_SECRET) for HMAC */
	KK_AES,         /* an AES-256 key (CKK_AES) */
	KK_RSA,         /* the fixed RSA-2048 key of known_rsa.h */
	KK_RAW,         /* bytes for the scanner's self-test */
} kk_kind;

typedef struct kk_key {
	const char *name;
	kk_kind kind;
} kk_key;

/* The module workload's keys: one set stored as token objects, one as
 * session objects, two AES keys and an RSA key. */
enum {
	KK_TOKEN_ED25519 = 0,
	KK_TOKEN_P256,
	KK_TOKEN_HMAC,
	KK_SESSION_ED25519,
	KK_SESSION_P256,
	KK_SESSION_HMAC,
	KK_TOKEN_AES,
	KK_SESSION_AES,
	KK_TOKEN_RSA,
	KK_MODULE_KEYS,
};
/* The scanner self-test's keys. */
enum {
	KK_SELFTEST_HEAP = 0,    /* held in malloc'd memory */
	KK_SELFTEST_LOCKED,      /* held in an mlock'd MADV_DONTDUMP mapping */
	KK_SELFTEST_ABSENT,      /* never held anywhere by the target */
	KK_SELFTEST_WIPED,       /* held in malloc'd memory, then wiped */
	KK_SELFTEST_LOCKED_DUMP, /* mlock'd but not MADV_DONTDUMP */
	KK_SELFTEST_KEYS,
};

extern const kk_key kk_module_keys[KK_MODULE_KEYS];
extern const kk_key kk_selftest_keys[KK_SELFTEST_KEYS];

/* Writes the key into slot (KK_SLOT_BYTES; the key is its first
 * KK_KEY_BYTES, the rest is wiped). Returns 0, or -1 if libsodium could
 * not start. */
int kk_derive(const kk_key *key, unsigned char slot[KK_SLOT_BYTES]);

#endif
