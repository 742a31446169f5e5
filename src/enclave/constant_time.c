/* Constant-time helpers, mostly thin names over libsodium's, so callers in
 * later layers have one place to look. */
#include "config.h"

#include "enclave/internal.h"

#include <stdlib.h>

bool enc_ct_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

bool enc_ct_is_zero(const void *data, size_t n)
{
	return sodium_is_zero(data, n) == 1;
}

void enc_ct_copy_if(bool condition, void *dst, const void *src, size_t n)
{
	/* volatile keeps the compiler from turning the mask back into a
	 * branch. */
	volatile unsigned char mask = (unsigned char)(0u - (unsigned)condition);
	unsigned char *out = dst;
	const unsigned char *in = src;
	unsigned char m = mask;
	for (size_t i = 0; i < n; i++)
		out[i] ^= m & (out[i] ^ in[i]);
}

void enc_wipe(void *data, size_t n)
{
	sodium_memzero(data, n);
}

void enc_random(void *data, size_t n)
{
	/* Safe to call repeatedly; needed if enc_init was never called. */
	if (sodium_init() < 0)
		abort();
	randombytes_buf(data, n);
}
