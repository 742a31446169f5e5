/* Every mechanism guardhsm offers, with the CK_MECHANISM_INFO it reports.
 * Key sizes are in bits for EC keys and in bytes for HMAC, HKDF and
 * generic secrets, as the spec defines them. */
#include "config.h"

#include "pkcs11/mechanisms.h"

#include <pthread.h>
#include <stdlib.h>

#define EC_FLAGS (CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS)
#define SIGN_VERIFY (CKF_SIGN | CKF_VERIFY)
#define HMAC_MAX_KEY_BYTES 4096 /* the largest slab slot */

#define DIGEST(mech, h)                                                        \
	{                                                                      \
		.type = mech, .info = {0, 0, CKF_DIGEST},                      \
		.family = P11_FAMILY_DIGEST, .hash = h                         \
	}
#define HMAC(mech, h, is_general)                                              \
	{                                                                      \
		.type = mech, .info = {1, HMAC_MAX_KEY_BYTES, SIGN_VERIFY},    \
		.family = P11_FAMILY_HMAC, .hash = h, .general = is_general,   \
		.key_type = CKK_GENERIC_SECRET                                 \
	}
#define ECDSA(mech, h, with_hash)                                              \
	{                                                                      \
		.type = mech, .info = {256, 521, SIGN_VERIFY | EC_FLAGS},      \
		.family = P11_FAMILY_ECDSA, .hash = h, .hashes = with_hash,    \
		.key_type = CKK_EC                                             \
	}

#define RSA_MIN_BITS 1024 /* imported keys; generation starts at 2048 */
#define RSA_MAX_BITS 16384
#define RSA_GEN_MAX_BITS 8192
#define ENCRYPT_DECRYPT (CKF_ENCRYPT | CKF_DECRYPT)
#define WRAP_UNWRAP (CKF_WRAP | CKF_UNWRAP)
/* PKCS#11 3.0 message-based encryption (single-part messages only). */
#define MESSAGE_ENCRYPT_DECRYPT (CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT)

/* RSA: flags, padding, hash (for PSS/OAEP the default), whether the token
 * hashes the data. */
#define RSA(mech, flags, pad, h, with_hash)                                    \
	{                                                                      \
		.type = mech, .info = {RSA_MIN_BITS, RSA_MAX_BITS, flags},     \
		.family = P11_FAMILY_RSA, .hash = h, .hashes = with_hash,      \
		.padding = pad, .key_type = CKK_RSA                            \
	}
/* AES modes: key sizes in bytes. */
#define AES(mech, flags, cipher_mode)                                          \
	{                                                                      \
		.type = mech, .info = {16, 32, flags},                         \
		.family = P11_FAMILY_CIPHER, .mode = cipher_mode,              \
		.key_type = CKK_AES                                            \
	}

static const p11_mechanism mechanisms[] = {
        {.type = CKM_EC_KEY_PAIR_GEN,
         .info = {256, 521, CKF_GENERATE_KEY_PAIR | EC_FLAGS},
         .family = P11_FAMILY_EC_KEY_PAIR_GEN,
         .hash = CRY_HASH_SHA256},
        {.type = CKM_EC_EDWARDS_KEY_PAIR_GEN,
         .info = {255, 255, CKF_GENERATE_KEY_PAIR},
         .family = P11_FAMILY_EDWARDS_KEY_PAIR_GEN,
         .hash = CRY_HASH_SHA256},
        {.type = CKM_EC_MONTGOMERY_KEY_PAIR_GEN,
         .info = {255, 255, CKF_GENERATE_KEY_PAIR},
         .family = P11_FAMILY_MONTGOMERY_KEY_PAIR_GEN,
         .hash = CRY_HASH_SHA256},
        {.type = CKM_GENERIC_SECRET_KEY_GEN,
         .info = {1, HMAC_MAX_KEY_BYTES, CKF_GENERATE},
         .family = P11_FAMILY_GENERIC_SECRET_GEN,
         .hash = CRY_HASH_SHA256},
        ECDSA(CKM_ECDSA, CRY_HASH_SHA256, false),
        ECDSA(CKM_ECDSA_SHA1, CRY_HASH_SHA1, true),
        ECDSA(CKM_ECDSA_SHA224, CRY_HASH_SHA224, true),
        ECDSA(CKM_ECDSA_SHA256, CRY_HASH_SHA256, true),
        ECDSA(CKM_ECDSA_SHA384, CRY_HASH_SHA384, true),
        ECDSA(CKM_ECDSA_SHA512, CRY_HASH_SHA512, true),
        {.type = CKM_EDDSA,
         .info = {255, 255, SIGN_VERIFY},
         .family = P11_FAMILY_EDDSA,
         .hash = CRY_HASH_SHA512},
        {.type = CKM_ECDH1_DERIVE,
         .info = {255, 521, CKF_DERIVE | EC_FLAGS},
         .family = P11_FAMILY_ECDH,
         .hash = CRY_HASH_SHA256},
        /* HKDF (3.0) */
        {.type = CKM_HKDF_KEY_GEN,
         .info = {1, HMAC_MAX_KEY_BYTES, CKF_GENERATE},
         .family = P11_FAMILY_GENERIC_SECRET_GEN,
         .hash = CRY_HASH_SHA256},
        {.type = CKM_HKDF_DERIVE,
         .info = {1, HMAC_MAX_KEY_BYTES, CKF_DERIVE},
         .family = P11_FAMILY_HKDF,
         .hash = CRY_HASH_SHA256},
        {.type = CKM_HKDF_DATA,
         .info = {1, HMAC_MAX_KEY_BYTES, CKF_DERIVE},
         .family = P11_FAMILY_HKDF,
         .hash = CRY_HASH_SHA256},
        /* RSA (OpenSSL). */
        {.type = CKM_RSA_PKCS_KEY_PAIR_GEN,
         .info = {2048, RSA_GEN_MAX_BITS, CKF_GENERATE_KEY_PAIR},
         .family = P11_FAMILY_RSA_KEY_PAIR_GEN,
         .key_type = CKK_RSA},
        RSA(CKM_RSA_PKCS, SIGN_VERIFY | ENCRYPT_DECRYPT | WRAP_UNWRAP,
            CRY_RSA_PAD_PKCS1, CRY_HASH_SHA256, false),
        RSA(CKM_RSA_X_509, SIGN_VERIFY | ENCRYPT_DECRYPT, CRY_RSA_PAD_NONE,
            CRY_HASH_SHA256, false),
        RSA(CKM_RSA_PKCS_OAEP, ENCRYPT_DECRYPT | WRAP_UNWRAP, CRY_RSA_PAD_OAEP,
            CRY_HASH_SHA1, false),
        RSA(CKM_RSA_PKCS_PSS, SIGN_VERIFY, CRY_RSA_PAD_PSS, CRY_HASH_SHA1,
            false),
        RSA(CKM_SHA1_RSA_PKCS, SIGN_VERIFY, CRY_RSA_PAD_PKCS1, CRY_HASH_SHA1,
            true),
        RSA(CKM_SHA224_RSA_PKCS, SIGN_VERIFY, CRY_RSA_PAD_PKCS1,
            CRY_HASH_SHA224, true),
        RSA(CKM_SHA256_RSA_PKCS, SIGN_VERIFY, CRY_RSA_PAD_PKCS1,
            CRY_HASH_SHA256, true),
        RSA(CKM_SHA384_RSA_PKCS, SIGN_VERIFY, CRY_RSA_PAD_PKCS1,
            CRY_HASH_SHA384, true),
        RSA(CKM_SHA512_RSA_PKCS, SIGN_VERIFY, CRY_RSA_PAD_PKCS1,
            CRY_HASH_SHA512, true),
        RSA(CKM_SHA1_RSA_PKCS_PSS, SIGN_VERIFY, CRY_RSA_PAD_PSS, CRY_HASH_SHA1,
            true),
        RSA(CKM_SHA224_RSA_PKCS_PSS, SIGN_VERIFY, CRY_RSA_PAD_PSS,
            CRY_HASH_SHA224, true),
        RSA(CKM_SHA256_RSA_PKCS_PSS, SIGN_VERIFY, CRY_RSA_PAD_PSS,
            CRY_HASH_SHA256, true),
        RSA(CKM_SHA384_RSA_PKCS_PSS, SIGN_VERIFY, CRY_RSA_PAD_PSS,
            CRY_HASH_SHA384, true),
        RSA(CKM_SHA512_RSA_PKCS_PSS, SIGN_VERIFY, CRY_RSA_PAD_PSS,
            CRY_HASH_SHA512, true),
        /* AES (OpenSSL; AES-256-GCM through libsodium where it can). */
        {.type = CKM_AES_KEY_GEN,
         .info = {16, 32, CKF_GENERATE},
         .family = P11_FAMILY_SECRET_GEN,
         .key_type = CKK_AES},
        AES(CKM_AES_ECB, ENCRYPT_DECRYPT, CRY_AES_ECB),
        AES(CKM_AES_CBC, ENCRYPT_DECRYPT, CRY_AES_CBC),
        AES(CKM_AES_CBC_PAD, ENCRYPT_DECRYPT | WRAP_UNWRAP, CRY_AES_CBC_PAD),
        AES(CKM_AES_CTR, ENCRYPT_DECRYPT, CRY_AES_CTR),
        AES(CKM_AES_GCM,
            ENCRYPT_DECRYPT | WRAP_UNWRAP | MESSAGE_ENCRYPT_DECRYPT,
            CRY_AES_GCM),
        AES(CKM_AES_CCM, ENCRYPT_DECRYPT, CRY_AES_CCM),
        AES(CKM_AES_KEY_WRAP, ENCRYPT_DECRYPT | WRAP_UNWRAP, CRY_AES_KEY_WRAP),
        AES(CKM_AES_KEY_WRAP_PAD, ENCRYPT_DECRYPT | WRAP_UNWRAP,
            CRY_AES_KEY_WRAP_PAD),
        AES(CKM_AES_KEY_WRAP_KWP, ENCRYPT_DECRYPT | WRAP_UNWRAP,
            CRY_AES_KEY_WRAP_PAD),
        {.type = CKM_AES_CMAC,
         .info = {16, 32, SIGN_VERIFY},
         .family = P11_FAMILY_CMAC,
         .key_type = CKK_AES},
        {.type = CKM_AES_CMAC_GENERAL,
         .info = {16, 32, SIGN_VERIFY},
         .family = P11_FAMILY_CMAC,
         .general = true,
         .key_type = CKK_AES},
        /* ChaCha20-Poly1305 (libsodium). */
        {.type = CKM_CHACHA20_KEY_GEN,
         .info = {32, 32, CKF_GENERATE},
         .family = P11_FAMILY_SECRET_GEN,
         .key_type = CKK_CHACHA20},
        {.type = CKM_CHACHA20_POLY1305,
         .info = {32, 32,
                  ENCRYPT_DECRYPT | WRAP_UNWRAP | MESSAGE_ENCRYPT_DECRYPT},
         .family = P11_FAMILY_CIPHER,
         .mode = CRY_CHACHA20_POLY1305,
         .key_type = CKK_CHACHA20},
        DIGEST(CKM_SHA_1, CRY_HASH_SHA1),
        DIGEST(CKM_SHA224, CRY_HASH_SHA224),
        DIGEST(CKM_SHA256, CRY_HASH_SHA256),
        DIGEST(CKM_SHA384, CRY_HASH_SHA384),
        DIGEST(CKM_SHA512, CRY_HASH_SHA512),
        DIGEST(CKM_SHA3_256, CRY_HASH_SHA3_256),
        DIGEST(CKM_SHA3_384, CRY_HASH_SHA3_384),
        DIGEST(CKM_SHA3_512, CRY_HASH_SHA3_512),
        HMAC(CKM_SHA_1_HMAC, CRY_HASH_SHA1, false),
        HMAC(CKM_SHA_1_HMAC_GENERAL, CRY_HASH_SHA1, true),
        HMAC(CKM_SHA224_HMAC, CRY_HASH_SHA224, false),
        HMAC(CKM_SHA224_HMAC_GENERAL, CRY_HASH_SHA224, true),
        HMAC(CKM_SHA256_HMAC, CRY_HASH_SHA256, false),
        HMAC(CKM_SHA256_HMAC_GENERAL, CRY_HASH_SHA256, true),
        HMAC(CKM_SHA384_HMAC, CRY_HASH_SHA384, false),
        HMAC(CKM_SHA384_HMAC_GENERAL, CRY_HASH_SHA384, true),
        HMAC(CKM_SHA512_HMAC, CRY_HASH_SHA512, false),
        HMAC(CKM_SHA512_HMAC_GENERAL, CRY_HASH_SHA512, true),
        HMAC(CKM_SHA3_256_HMAC, CRY_HASH_SHA3_256, false),
        HMAC(CKM_SHA3_256_HMAC_GENERAL, CRY_HASH_SHA3_256, true),
        HMAC(CKM_SHA3_384_HMAC, CRY_HASH_SHA3_384, false),
        HMAC(CKM_SHA3_384_HMAC_GENERAL, CRY_HASH_SHA3_384, true),
        HMAC(CKM_SHA3_512_HMAC, CRY_HASH_SHA3_512, false),
        HMAC(CKM_SHA3_512_HMAC_GENERAL, CRY_HASH_SHA3_512, true),
};
#define MECHANISM_COUNT (sizeof(mechanisms) / sizeof(mechanisms[0]))

size_t p11_mechanism_count(void)
{
	return MECHANISM_COUNT;
}

const p11_mechanism *p11_mechanism_at(size_t index)
{
	return index < MECHANISM_COUNT ? &mechanisms[index] : NULL;
}

/* The table sorted by type, once, for a binary search: every C_*Init
 * looks its mechanism up. */
static const p11_mechanism *by_type[MECHANISM_COUNT];
static pthread_once_t by_type_once = PTHREAD_ONCE_INIT;

static int compare_types(const void *a, const void *b)
{
	CK_MECHANISM_TYPE x = (*(const p11_mechanism *const *)a)->type;
	CK_MECHANISM_TYPE y = (*(const p11_mechanism *const *)b)->type;
	return x < y ? -1 : x > y;
}

static void sort_by_type(void)
{
	for (size_t i = 0; i < MECHANISM_COUNT; i++)
		by_type[i] = &mechanisms[i];
	qsort(by_type, MECHANISM_COUNT, sizeof(by_type[0]), compare_types);
}

const p11_mechanism *p11_mechanism_find(CK_MECHANISM_TYPE type)
{
	pthread_once(&by_type_once, sort_by_type);
	size_t low = 0, high = MECHANISM_COUNT;
	while (low < high) {
		size_t middle = low + (high - low) / 2;
		CK_MECHANISM_TYPE found = by_type[middle]->type;
		if (found == type)
			return by_type[middle];
		if (found < type)
			low = middle + 1;
		else
			high = middle;
	}
	return NULL;
}
