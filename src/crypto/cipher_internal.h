/*
 * guardhsm crypto: the cry_cipher object shared by cipher.c (object,
 * buffering, lengths), cipher_aes.c (ECB, CBC, CTR through OpenSSL),
 * cipher_aead.c (GCM, CCM, ChaCha20-Poly1305) and key_wrap.c (KW, KWP).
 * Not part of the crypto layer's interface.
 */
#ifndef GUARDHSM_CRYPTO_CIPHER_INTERNAL_H
#define GUARDHSM_CRYPTO_CIPHER_INTERNAL_H

#include "crypto/crypto.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRY_AES_BLOCK 16
#define CRY_GCM_MAX_IV 256
#define CRY_AEAD_MAX_TAG 16
#define CRY_WRAP_BLOCK 8

struct cry_cipher {
	cry_cipher_mode mode;
	bool encrypt;
	bool finished;
	/* AES-256-GCM through libsodium: secret holds its expanded state,
	 * not the key */
	bool sodium_gcm;
	/* Something was given to update (cry_cipher_once needs a fresh
	 * cipher). */
	bool started;
	size_t key_length;
	/* The key, sealed: between calls the cipher holds no plaintext key
	 * and no key schedule. Released when the operation ends. */
	enc_sealed *sealed_key;
	/* Only inside a call: the opened key (or the libsodium state), in a
	 * transient enclave buffer wiped before the call returns. */
	enc_buffer *secret;

	/* Non-secret chaining state. CBC: the next IV (the last ciphertext
	 * block); CTR: the counter block of the next keystream byte. */
	uint8_t iv[CRY_AES_BLOCK];
	size_t counter_length_bits;
	size_t counter_offset; /* CTR: keystream bytes of iv already used */
	bool counter_spent;    /* CTR: every counter value has been used */
	/* ECB/CBC: caller data short of a block; CBC_PAD decryption: the
	 * held-back last block (1..16 bytes once anything was given). */
	uint8_t block[CRY_AES_BLOCK];
	size_t block_length;

	/* AEAD and KW/KWP parameters (the IV/nonce is not secret; it
	 * follows the struct). */
	size_t nonce_length;
	uint8_t *aad; /* a copy */
	size_t aad_length;
	size_t tag_length;
	size_t data_length; /* CCM: the message length */
	/* AEAD: the buffered input (caller data; wiped on free). */
	uint8_t *data;
	size_t data_used;
	size_t data_capacity;
	uint8_t nonce[]; /* nonce_length bytes */
};

static inline bool cry_mode_is_aead(cry_cipher_mode mode)
{
	return mode == CRY_AES_GCM || mode == CRY_AES_CCM ||
	       mode == CRY_CHACHA20_POLY1305;
}

static inline bool cry_mode_is_wrap(cry_cipher_mode mode)
{
	return mode == CRY_AES_KEY_WRAP || mode == CRY_AES_KEY_WRAP_PAD;
}

/* ECB, CBC, CBC_PAD: whole blocks, buffered in cry_cipher.block. */
static inline bool cry_mode_is_block(cry_cipher_mode mode)
{
	return mode == CRY_AES_ECB || mode == CRY_AES_CBC ||
	       mode == CRY_AES_CBC_PAD;
}

/* Opens the sealed key into cipher->secret for this call (cipher_aes.c);
 * every open is followed by a close in the same call, which wipes it. */
cry_status cry_cipher_key_open(cry_cipher *cipher);
void cry_cipher_key_close(cry_cipher *cipher);
/* Also drops the sealed key: the operation is over. */
void cry_cipher_key_release(cry_cipher *cipher);

/* OpenSSL's AES cipher for a mode and key size, fetched once per process
 * (NULL if unavailable). */
const EVP_CIPHER *cry_aes_evp(cry_cipher_mode mode, size_t key_length);
/* A context for a mode, not yet keyed (AEAD modes set IV and tag
 * lengths first). */
cry_status cry_aes_context_new(cry_cipher *cipher, cry_cipher_mode mode,
                               bool encrypt, EVP_CIPHER_CTX **out);
/* Keys it from the enclave copy, open only during this call. */
cry_status cry_aes_context_key(cry_cipher *cipher, EVP_CIPHER_CTX *context,
                               bool encrypt, const uint8_t *iv);
/* A new context for the cipher's mode keyed from the enclave copy (the
 * copy is open only during this call), with iv (NULL: none) and padding
 * off. Free it with EVP_CIPHER_CTX_free before returning to the caller:
 * it holds the round keys. */
cry_status cry_aes_context(cry_cipher *cipher, cry_cipher_mode mode,
                           bool encrypt, const uint8_t *iv,
                           EVP_CIPHER_CTX **out);
/* EVP_CipherUpdate for any length (OpenSSL takes an int). */
bool cry_evp_update(EVP_CIPHER_CTX *context, uint8_t *out, const uint8_t *in,
                    size_t length);

/* ECB/CBC/CBC_PAD: the whole blocks of head then in (head_length +
 * length a multiple of 16) to out, through one context; iv (CBC) is read
 * and replaced by the next one. out may be in itself only if head is
 * empty. */
cry_status cry_aes_blocks(cry_cipher *cipher, bool encrypt, uint8_t *iv,
                          const uint8_t *head, size_t head_length,
                          const uint8_t *in, size_t length, uint8_t *out);
/* CBC_PAD encryption of all of in, padding included (the partial last
 * block stays inside OpenSSL's context, which is cleansed): for
 * cry_cipher_encrypt_secret. out holds (length / 16 + 1) * 16 bytes. */
cry_status cry_aes_cbc_pad_encrypt(cry_cipher *cipher, const uint8_t *in,
                                   size_t length, uint8_t *out);
/* PKCS#7: the pad length (1..16) of a decrypted last block, in constant
 * time; 0 if the padding is malformed. */
size_t cry_pkcs7_pad_length(const uint8_t block[CRY_AES_BLOCK]);
/* CTR: CRY_ERR_INVALID if length bytes would wrap the counter. */
cry_status cry_aes_ctr_check(const cry_cipher *cipher, size_t length);
cry_status cry_aes_ctr(cry_cipher *cipher, const uint8_t *in, size_t length,
                       uint8_t *out);

/* AEAD (cipher_aead.c), over the whole message at once.
 * Encryption writes length + tag bytes. Decryption of length bytes
 * (ciphertext then tag) writes the length - tag bytes of plaintext to
 * plain, which may be in (in place); on CRY_ERR_SIGNATURE plain holds no
 * plaintext (it is wiped). */
cry_status cry_aead_encrypt(cry_cipher *cipher, const uint8_t *in,
                            size_t length, uint8_t *out);
cry_status cry_aead_decrypt(cry_cipher *cipher, const uint8_t *in,
                            size_t length, uint8_t *plain);
/* Checks the lengths an AEAD message must have: CCM's fixed length
 * (CRY_ERR_INVALID), a ciphertext shorter than its tag
 * (CRY_ERR_SIGNATURE_LENGTH), the libraries' limits (CRY_ERR_INVALID). */
cry_status cry_aead_check_length(const cry_cipher *cipher, size_t length);
/* Where the key is a libsodium AES-256-GCM state (cry_cipher_new). */
bool cry_aead_sodium_gcm_usable(const cry_cipher_params *params,
                                size_t key_length);
size_t cry_aead_sodium_gcm_state_size(void);
/* The key at key_offset of buffer (its last 32 bytes) expanded into
 * libsodium's state at its start (16-byte aligned); the key is wiped. */
cry_status cry_aead_sodium_gcm_expand(enc_buffer *buffer, size_t key_offset);

/* KW/KWP (key_wrap.c). The output length for length bytes of input
 * (decryption: the most, KWP removes up to 7 bytes of padding), or 0 if
 * the input length is not one the mode takes. */
size_t cry_key_wrap_output_length(const cry_cipher *cipher, size_t length);
/* Wraps or unwraps in to out, the output's length in *written; an
 * integrity failure is CRY_ERR_SIGNATURE (out then holds nothing). out
 * holds cry_key_wrap_output_length bytes wrapping, but length bytes
 * unwrapping: OpenSSL's KWP unwrap wipes that much on failure. */
cry_status cry_key_wrap(cry_cipher *cipher, const uint8_t *in, size_t length,
                        uint8_t *out, size_t *written);

/* Ends the operation: the key is released (wiped), buffered data wiped;
 * every later call but cry_cipher_free is CRY_ERR_INVALID. */
void cry_cipher_finish(cry_cipher *cipher);
/* ECB/CBC/CBC_PAD: what an update of input_length bytes releases. */
size_t cry_cipher_block_release(const cry_cipher *cipher, size_t input_length);
/* AEAD: the tag's length (ChaCha20-Poly1305: 16). */
size_t cry_aead_tag_length(const cry_cipher *cipher);
/* Appends caller data to the AEAD buffer. */
cry_status cry_cipher_buffer(cry_cipher *cipher, const uint8_t *input,
                             size_t length);

/* For the tests: the enclave buffer holding the key (or libsodium's
 * state), NULL once the operation has ended. */
const enc_buffer *cry_cipher_secret_buffer(const cry_cipher *cipher);

#endif /* GUARDHSM_CRYPTO_CIPHER_INTERNAL_H */
