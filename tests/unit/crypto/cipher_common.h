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

/* Fixed inputs: a 16-byte IV/counter block, a 24-byte nonce (its first
 * bytes serve shorter ones), 21 bytes of AAD. */
extern const uint8_t test_iv16[16];
extern const uint8_t test_nonce24[24];
extern const uint8_t test_aad[21];

/* A key of filler bytes (READONLY enclave buffer). */
enc_buffer *test_key(size_t length, unsigned seed);

/* A mode under test: its parameters and key size. */
typedef struct cipher_setup {
	const char *name;
	cry_cipher_mode mode;
	size_t key_length;
	size_t iv_length;
	size_t tag_length;
	size_t counter_bits;
	bool with_aad;
	bool whole_blocks; /* ECB, CBC: lengths multiple of 16 */
} cipher_setup;

/* One of each mode and several key sizes, IVs and tags. */
extern const cipher_setup cipher_setups[];
extern const size_t cipher_setup_count;
/* The parameters of a setup (CCM: data_length given). */
cry_cipher_params cipher_setup_params(const cipher_setup *s,
                                      size_t data_length);
bool mode_is_aead(cry_cipher_mode mode);

/* Deterministic filler bytes. */
void fill_bytes(uint8_t *data, size_t length, unsigned seed);

#endif
