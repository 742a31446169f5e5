/* Every mechanism guardhsm offers, with the CK_MECHANISM_INFO it reports.
 * Key sizes are in bits for EC keys and in bytes for HMAC, HKDF and
 * generic secrets, as the spec defines them. */
#include "config.h"

#include "pkcs11/mechanisms.h"

#define EC_FLAGS (CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS)
#define SIGN_VERIFY (CKF_SIGN | CKF_VERIFY)
#define HMAC_MAX_KEY_BYTES 4096 /* the largest slab slot */

#define DIGEST(mech, h)                                                        \
	{                                                                      \
		mech, {0, 0, CKF_DIGEST}, P11_FAMILY_DIGEST, h, false, false   \
	}
#define HMAC(mech, h, is_general)                                              \
	{                                                                      \
		mech, {1, HMAC_MAX_KEY_BYTES, SIGN_VERIFY}, P11_FAMILY_HMAC,   \
		        h, false, is_general                                   \
	}
#define ECDSA(mech, h, with_hash)                                              \
	{                                                                      \
		mech, {256, 521, SIGN_VERIFY | EC_FLAGS}, P11_FAMILY_ECDSA, h, \
		        with_hash, false                                       \
	}

static const p11_mechanism mechanisms[] = {
        {CKM_EC_KEY_PAIR_GEN,
         {256, 521, CKF_GENERATE_KEY_PAIR | EC_FLAGS},
         P11_FAMILY_EC_KEY_PAIR_GEN,
         CRY_HASH_SHA256,
         false,
         false},
        {CKM_EC_EDWARDS_KEY_PAIR_GEN,
         {255, 255, CKF_GENERATE_KEY_PAIR},
         P11_FAMILY_EDWARDS_KEY_PAIR_GEN,
         CRY_HASH_SHA256,
         false,
         false},
        {CKM_EC_MONTGOMERY_KEY_PAIR_GEN,
         {255, 255, CKF_GENERATE_KEY_PAIR},
         P11_FAMILY_MONTGOMERY_KEY_PAIR_GEN,
         CRY_HASH_SHA256,
         false,
         false},
        {CKM_GENERIC_SECRET_KEY_GEN,
         {1, HMAC_MAX_KEY_BYTES, CKF_GENERATE},
         P11_FAMILY_GENERIC_SECRET_GEN,
         CRY_HASH_SHA256,
         false,
         false},
        ECDSA(CKM_ECDSA, CRY_HASH_SHA256, false),
        ECDSA(CKM_ECDSA_SHA1, CRY_HASH_SHA1, true),
        ECDSA(CKM_ECDSA_SHA224, CRY_HASH_SHA224, true),
        ECDSA(CKM_ECDSA_SHA256, CRY_HASH_SHA256, true),
        ECDSA(CKM_ECDSA_SHA384, CRY_HASH_SHA384, true),
        ECDSA(CKM_ECDSA_SHA512, CRY_HASH_SHA512, true),
        {CKM_EDDSA,
         {255, 255, SIGN_VERIFY},
         P11_FAMILY_EDDSA,
         CRY_HASH_SHA512,
         false,
         false},
        {CKM_ECDH1_DERIVE,
         {255, 521, CKF_DERIVE | EC_FLAGS},
         P11_FAMILY_ECDH,
         CRY_HASH_SHA256,
         false,
         false},
        /* HKDF (3.0) */
        {CKM_HKDF_KEY_GEN,
         {1, HMAC_MAX_KEY_BYTES, CKF_GENERATE},
         P11_FAMILY_GENERIC_SECRET_GEN,
         CRY_HASH_SHA256,
         false,
         false},
        {CKM_HKDF_DERIVE,
         {1, HMAC_MAX_KEY_BYTES, CKF_DERIVE},
         P11_FAMILY_HKDF,
         CRY_HASH_SHA256,
         false,
         false},
        {CKM_HKDF_DATA,
         {1, HMAC_MAX_KEY_BYTES, CKF_DERIVE},
         P11_FAMILY_HKDF,
         CRY_HASH_SHA256,
         false,
         false},
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

const p11_mechanism *p11_mechanism_find(CK_MECHANISM_TYPE type)
{
	for (size_t i = 0; i < MECHANISM_COUNT; i++)
		if (mechanisms[i].type == type)
			return &mechanisms[i];
	return NULL;
}
