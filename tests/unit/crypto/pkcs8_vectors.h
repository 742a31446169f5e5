/* PKCS#8 PrivateKeyInfo encodings written by OpenSSL (pkcs8_vectors.c),
 * shared by the PKCS#8 tests. */
#ifndef GUARDHSM_TESTS_CRYPTO_PKCS8_VECTORS_H
#define GUARDHSM_TESTS_CRYPTO_PKCS8_VECTORS_H

#include <stddef.h>
#include <stdint.h>

extern const uint8_t pkcs8_rsa2048[];
extern const size_t pkcs8_rsa2048_length;
extern const uint8_t pkcs8_p256[];
extern const size_t pkcs8_p256_length;
extern const uint8_t pkcs8_p384[];
extern const size_t pkcs8_p384_length;
extern const uint8_t pkcs8_p521[];
extern const size_t pkcs8_p521_length;
extern const uint8_t pkcs8_ed25519[];
extern const size_t pkcs8_ed25519_length;
extern const uint8_t pkcs8_x25519[];
extern const size_t pkcs8_x25519_length;

#endif
