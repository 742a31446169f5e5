/* Shared by encryption, decryption and key wrapping. */
#ifndef GUARDHSM_PKCS11_ENCRYPT_H
#define GUARDHSM_PKCS11_ENCRYPT_H

#include "pkcs11/mechanisms.h"
#include "pkcs11/module.h"

/* Reads the cipher parameters for a secret key object and, if cipher is
 * not NULL, keys a new cry_cipher with a sealed copy of its value (not
 * opened here). params points into mechanism. */
CK_RV p11_cipher_from_key(const CK_MECHANISM *mechanism,
                          const p11_mechanism *info, const tok_object *key,
                          bool encrypting, cry_cipher **cipher,
                          cry_cipher_params *params);

/* The most output a single-part operation of this mode produces from
 * input_length bytes (an upper bound for decryption). */
size_t p11_cipher_output_bound(cry_cipher_mode mode, bool encrypting,
                               size_t input_length, size_t tag_length);

/* Crypto errors of encryption (encrypting) or decryption as CKR_ codes:
 * bad lengths are CKR_DATA_LEN_RANGE / CKR_ENCRYPTED_DATA_LEN_RANGE, a
 * failed tag or padding CKR_ENCRYPTED_DATA_INVALID. */
CK_RV p11_rv_from_cipher(cry_status status, bool encrypting);

#endif
