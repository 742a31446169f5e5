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

/* libsodium's AES-GCM leaves round keys in the SSE registers when it
 * returns, and a core dump (or gcore) saves every thread's registers:
 * callers clear them after each use. All of xmm0-15 are caller-saved in
 * the System V ABI, so nothing of the caller's is lost. */
void enc_wipe_vector_registers(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
#define ENC_XMM_CLOBBERS                                                       \
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",        \
	        "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",   \
	        "xmm15"
	if (__builtin_cpu_supports("avx")) {
		__asm__ volatile("vzeroall" ::: ENC_XMM_CLOBBERS, "memory");
	} else {
		__asm__ volatile(
		        "pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1\n\t"
		        "pxor %%xmm2, %%xmm2\n\tpxor %%xmm3, %%xmm3\n\t"
		        "pxor %%xmm4, %%xmm4\n\tpxor %%xmm5, %%xmm5\n\t"
		        "pxor %%xmm6, %%xmm6\n\tpxor %%xmm7, %%xmm7\n\t"
		        "pxor %%xmm8, %%xmm8\n\tpxor %%xmm9, %%xmm9\n\t"
		        "pxor %%xmm10, %%xmm10\n\t"
		        "pxor %%xmm11, %%xmm11\n\t"
		        "pxor %%xmm12, %%xmm12\n\t"
		        "pxor %%xmm13, %%xmm13\n\t"
		        "pxor %%xmm14, %%xmm14\n\t"
		        "pxor %%xmm15, %%xmm15" ::
		                : ENC_XMM_CLOBBERS, "memory");
	}
#undef ENC_XMM_CLOBBERS
#endif
}
