/* Helpers for the cipher tests: parameters, and whole operations run
 * through a cry_cipher single-part, in one update, or split at chosen
 * points, checking the length rules at every step. */
#ifndef GUARDHSM_TESTS_CRYPTO_CIPHER_COMMON_H
#define GUARDHSM_TESTS_CRYPTO_CIPHER_COMMON_H

#include "common.h"

/* Parameters for a mode; the pointers must outlive their use. */
cry_cipher_params cipher_params(cry_cipher_mode mode, const uint8_t *iv,
                                size_t iv_length);

/* A whole operation through cry_cipher_once. */
cry_status cipher_once(const enc_buffer *key, const cry_cipher_params *params,
                       bool encrypt, const uint8_t *input, size_t length,
                       uint8_t *output, size_t capacity, size_t *written);

/* The same through updates of the chunk sizes given (used in turn,
 * repeated until the input is used up; a 0 chunk is an empty update),
 * then final. Asserts each update wrote exactly what
 * cry_cipher_update_length promised, that final wrote at most
 * cry_cipher_final_length and the whole at most cry_cipher_total_length
 * (taken before the first update). Stops at the first error, which it
 * returns (the cipher is freed). */
cry_status cipher_split(const enc_buffer *key, const cry_cipher_params *params,
                        bool encrypt, const uint8_t *input, size_t length,
                        const size_t *chunks, size_t chunk_count,
                        uint8_t *output, size_t capacity, size_t *written);

/* Deterministic filler bytes. */
void fill_bytes(uint8_t *data, size_t length, unsigned seed);

#endif
