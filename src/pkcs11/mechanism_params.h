/* Mechanism parameters read and checked once, for every entry point that
 * takes them (sign/verify, encrypt/decrypt, wrap/unwrap): RSA PSS and OAEP
 * parameters, and the IVs, counters, nonces and tags of the symmetric
 * ciphers. */
#ifndef GUARDHSM_PKCS11_MECHANISM_PARAMS_H
#define GUARDHSM_PKCS11_MECHANISM_PARAMS_H

#include "crypto/crypto.h"
#include "pkcs11/mechanisms.h"

/* The hash a CKM_SHA* digest mechanism names; false if none we offer. */
bool p11_hash_from_mechanism(CK_MECHANISM_TYPE type, cry_hash *hash);
/* The hash of a CKG_MGF1_* generator. */
bool p11_hash_from_mgf(CK_RSA_PKCS_MGF_TYPE mgf, cry_hash *hash);

/* RSA parameters for an RSA mechanism. OAEP labels are copied into
 * *label (malloc'd, the caller frees it) so they outlive the call; the
 * returned params point into it. CKR_MECHANISM_PARAM_INVALID for bad or
 * inconsistent parameters (a PSS hash that differs from the mechanism's,
 * an unknown MGF, a label pointer without a length...). */
CK_RV p11_rsa_params(const CK_MECHANISM *mechanism, const p11_mechanism *info,
                     cry_rsa_params *params, uint8_t **label);

/* Cipher parameters (AES modes, ChaCha20-Poly1305). The IV, nonce and
 * AAD pointers point into the caller's mechanism parameter: valid for the
 * duration of the call only (cry_cipher_new copies what it keeps).
 * key_length is the key's size in bytes, checked against the mode too.
 * CKR_MECHANISM_PARAM_INVALID for bad parameters, CKR_KEY_SIZE_RANGE for
 * a key of the wrong size. */
CK_RV p11_cipher_params(const CK_MECHANISM *mechanism,
                        const p11_mechanism *info, size_t key_length,
                        cry_cipher_params *params);

#endif
