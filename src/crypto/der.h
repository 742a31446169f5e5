/*
 * guardhsm crypto: a minimal DER reader and writer, for the PKCS#8 key
 * encodings of pkcs8.c (not part of the layer's interface).
 *
 * Hand-written rather than OpenSSL's d2i/i2d, which build intermediate
 * ASN.1 objects (private BIGNUMs, OCTET STRINGs) in the ordinary heap:
 * these read in place from, and write in place into, the caller's buffer
 * (an enclave buffer for key material) and keep nothing.
 *
 * Strict DER only: one-byte tags (tag numbers below 31), definite lengths
 * in their shortest form and of at most two length bytes (65535 bytes:
 * the PKCS#8 form of the largest RSA key is under 10 KiB), minimal
 * INTEGERs. Anything else is refused.
 */
#ifndef GUARDHSM_CRYPTO_DER_H
#define GUARDHSM_CRYPTO_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRY_DER_INTEGER 0x02
#define CRY_DER_BIT_STRING 0x03
#define CRY_DER_OCTET_STRING 0x04
#define CRY_DER_NULL 0x05
#define CRY_DER_OID 0x06
#define CRY_DER_SEQUENCE 0x30
/* Context-specific tags: [n] constructed (EXPLICIT) and [n] primitive. */
#define CRY_DER_EXPLICIT(n) (0xa0 | (n))
#define CRY_DER_IMPLICIT(n) (0x80 | (n))

#define CRY_DER_MAX_LENGTH 0xffff

/* Bytes still to be read; reading advances data. */
typedef struct cry_der {
	const uint8_t *data;
	size_t length;
} cry_der;

/* ---- Reading: false for anything that is not strict DER, or not the
 * element asked for; *in is then left as it was. */

/* Whether the next element has this tag (false at the end). */
bool cry_der_peek(const cry_der *in, uint8_t tag);
/* Takes the next element, which must have this tag; its contents go to
 * *contents (pointing into *in's bytes). */
bool cry_der_take(cry_der *in, uint8_t tag, cry_der *contents);
/* Takes a non-negative INTEGER; *magnitude gets its value big-endian
 * without the sign byte (length 0 for zero). Negative and non-minimal
 * encodings are refused. */
bool cry_der_take_unsigned(cry_der *in, cry_der *magnitude);
/* Takes an INTEGER that must be value (0..127: versions). */
bool cry_der_take_small(cry_der *in, unsigned value);

/* ---- Writing: the caller sizes the buffer with the _size functions and
 * checks afterwards that the cursor stopped exactly at its end. */

/* The bytes of a whole element whose contents are length bytes; 0 if
 * the length cannot be written (over CRY_DER_MAX_LENGTH). */
size_t cry_der_size(size_t length);
/* The contents length of the INTEGER holding the unsigned big-endian
 * value (leading zeros dropped, a sign byte added if needed; 1 for 0). */
size_t cry_der_unsigned_length(const uint8_t *value, size_t length);
/* Writes a tag and length (which must fit: see cry_der_size); returns
 * the cursor after them, where the contents go. */
uint8_t *cry_der_put_header(uint8_t *at, uint8_t tag, size_t length);
/* A whole element: header and contents. */
uint8_t *cry_der_put(uint8_t *at, uint8_t tag, const uint8_t *contents,
                     size_t length);
/* An INTEGER of the unsigned big-endian value, minimal. */
uint8_t *cry_der_put_unsigned(uint8_t *at, const uint8_t *value, size_t length);

#endif /* GUARDHSM_CRYPTO_DER_H */
