/*
 * guardhsm crypto: packing an imported RSA private key, with the
 * consistency check crypto.h promises. The parts are read from the
 * caller's (enclave) memory into BIGNUMs in OpenSSL's secure heap, flagged
 * constant-time, and all arithmetic on them uses a secure BN_CTX.
 *
 * A key without e cannot be blinded (blinding needs e), so e is recovered:
 * with the CRT parts it is d^-1 mod lcm(p-1, q-1), which is the key's e
 * whenever e < lcm (as for every real key); without them the usual
 * exponents are tried. Either way the e found is stored in the packed key.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "config.h"

#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#define CRY_RSA_CRT_PARTS 5
#define CRY_RSA_SMALL_MODULUS_BITS 3072
#define CRY_RSA_MAX_LARGE_EXPONENT_BITS 64

/* Tried in this order for a key given without e nor CRT parts. */
static const unsigned long usual_exponents[] = {65537, 3, 5, 17, 257};

static bool present(const uint8_t *const parts[], const size_t lengths[],
                    int part)
{
	return parts[part] != NULL && lengths[part] != 0;
}

/* What OpenSSL (and blinding) need of e; the same rules as
 * cry_rsa_public. */
static bool exponent_valid(const BIGNUM *e, const BIGNUM *n)
{
	return BN_is_odd(e) && BN_num_bits(e) >= 2 && BN_cmp(e, n) < 0 &&
	       (BN_num_bits(n) <= CRY_RSA_SMALL_MODULUS_BITS ||
	        BN_num_bits(e) <= CRY_RSA_MAX_LARGE_EXPONENT_BITS);
}

/* n = p*q, d*e = 1 mod lcm(p-1, q-1), dp = d mod (p-1), dq = d mod (q-1),
 * qinv*q = 1 mod p; e (if absent) recovered. */
static cry_status check_crt(BIGNUM *parts[], BN_CTX *context)
{
	const BIGNUM *n = parts[CRY_RSA_MODULUS];
	const BIGNUM *d = parts[CRY_RSA_PRIVATE_EXPONENT];
	const BIGNUM *p = parts[CRY_RSA_PRIME_1];
	const BIGNUM *q = parts[CRY_RSA_PRIME_2];
	cry_status status = CRY_ERR_KEY;

	BN_CTX_start(context);
	BIGNUM *product = BN_CTX_get(context);
	BIGNUM *p_1 = BN_CTX_get(context);
	BIGNUM *q_1 = BN_CTX_get(context);
	BIGNUM *gcd = BN_CTX_get(context);
	BIGNUM *lcm = BN_CTX_get(context);
	if (lcm == NULL) {
		status = CRY_ERR_NOMEM;
		goto done;
	}
	BN_set_flags(product, BN_FLG_CONSTTIME);
	BN_set_flags(p_1, BN_FLG_CONSTTIME);
	BN_set_flags(q_1, BN_FLG_CONSTTIME);
	BN_set_flags(gcd, BN_FLG_CONSTTIME);
	BN_set_flags(lcm, BN_FLG_CONSTTIME);
	if (BN_cmp(p, BN_value_one()) <= 0 || BN_cmp(q, BN_value_one()) <= 0 ||
	    !BN_mul(product, p, q, context) || BN_cmp(product, n) != 0 ||
	    !BN_sub(p_1, p, BN_value_one()) ||
	    !BN_sub(q_1, q, BN_value_one()) ||
	    !BN_gcd(gcd, p_1, q_1, context) ||
	    !BN_mul(product, p_1, q_1, context) ||
	    !BN_div(lcm, NULL, product, gcd, context))
		goto done;
	if (parts[CRY_RSA_PUBLIC_EXPONENT] == NULL) {
		BIGNUM *e = BN_new();

		ERR_set_mark();
		if (e == NULL || BN_mod_inverse(e, d, lcm, context) == NULL) {
			ERR_pop_to_mark();
			BN_free(e);
			goto done;
		}
		ERR_pop_to_mark();
		parts[CRY_RSA_PUBLIC_EXPONENT] = e;
	}
	const BIGNUM *e = parts[CRY_RSA_PUBLIC_EXPONENT];
	if (!exponent_valid(e, n) || !BN_mod_mul(product, d, e, lcm, context) ||
	    !BN_is_one(product) || !BN_mod(product, d, p_1, context) ||
	    BN_cmp(product, parts[CRY_RSA_EXPONENT_1]) != 0 ||
	    !BN_mod(product, d, q_1, context) ||
	    BN_cmp(product, parts[CRY_RSA_EXPONENT_2]) != 0 ||
	    BN_cmp(parts[CRY_RSA_COEFFICIENT], p) >= 0 ||
	    !BN_mod_mul(product, parts[CRY_RSA_COEFFICIENT], q, p, context) ||
	    !BN_is_one(product))
		goto done;
	status = CRY_OK;
done:
	BN_CTX_end(context);
	return status;
}

/* e for a key of n and d alone: the first usual exponent that undoes d on
 * a random x. */
static cry_status find_exponent(BIGNUM *parts[], BN_CTX *context)
{
	const BIGNUM *n = parts[CRY_RSA_MODULUS];
	cry_status status = CRY_ERR_NOMEM;

	BN_CTX_start(context);
	BIGNUM *x = BN_CTX_get(context);
	BIGNUM *signed_x = BN_CTX_get(context);
	BIGNUM *recovered = BN_CTX_get(context);
	BIGNUM *range = BN_CTX_get(context);
	BIGNUM *two = BN_CTX_get(context);
	BIGNUM *e = BN_new();
	if (two == NULL || e == NULL || !BN_set_word(two, 2))
		goto done;
	status = CRY_ERR_INTERNAL;
	/* 2 <= x < n - 1, so that no exponent works by accident. */
	if (!BN_sub(range, n, two) ||
	    !BN_priv_rand_range_ex(x, range, 0, context) ||
	    !BN_add(x, x, two) ||
	    !BN_mod_exp_mont_consttime(signed_x, x,
	                               parts[CRY_RSA_PRIVATE_EXPONENT], n,
	                               context, NULL))
		goto done;
	status = CRY_ERR_KEY;
	for (size_t i = 0;
	     i < sizeof(usual_exponents) / sizeof(*usual_exponents); i++) {
		if (!BN_set_word(e, usual_exponents[i]) ||
		    !exponent_valid(e, n) ||
		    !BN_mod_exp(recovered, signed_x, e, n, context))
			continue;
		if (BN_cmp(recovered, x) == 0) {
			parts[CRY_RSA_PUBLIC_EXPONENT] = e;
			e = NULL;
			status = CRY_OK;
			break;
		}
	}
done:
	BN_free(e);
	BN_CTX_end(context);
	return status;
}

static cry_status check_parts(BIGNUM *parts[], bool crt, BN_CTX *context)
{
	const BIGNUM *n = parts[CRY_RSA_MODULUS];
	const BIGNUM *d = parts[CRY_RSA_PRIVATE_EXPONENT];

	if (!BN_is_odd(n) || BN_is_zero(d) || BN_cmp(d, n) >= 0)
		return CRY_ERR_KEY;
	if (crt)
		return check_crt(parts, context);
	if (parts[CRY_RSA_PUBLIC_EXPONENT] == NULL)
		return find_exponent(parts, context);
	return exponent_valid(parts[CRY_RSA_PUBLIC_EXPONENT], n) ? CRY_OK
	                                                         : CRY_ERR_KEY;
}

/* Signs a random x with the packed key as every signature will be made,
 * and checks x comes back with e. */
static cry_status round_trip(const enc_buffer *packed)
{
	cry_rsa_key key;
	cry_status status = cry_rsa_read(packed, &key);
	if (status != CRY_OK)
		return status;
	size_t k = key.modulus_bytes;
	uint8_t *x = malloc(3 * k); /* x, its signature, x again */
	RSA *rsa = cry_rsa_private(&key, true);
	status = CRY_ERR_NOMEM;
	if (x != NULL && rsa != NULL) {
		enc_random(x, k);
		x[0] = 0; /* below n */
		status = cry_rsa_private_raw(rsa, &key, x, x + k);
		if (status == CRY_OK &&
		    (RSA_public_encrypt((int)k, x + k, x + 2 * k, rsa,
		                        RSA_NO_PADDING) != (int)k ||
		     memcmp(x, x + 2 * k, k) != 0))
			status = CRY_ERR_KEY;
	}
	RSA_free(rsa);
	free(x);
	return status;
}

cry_status cry_rsa_pack(const uint8_t *const parts[CRY_RSA_PART_COUNT],
                        const size_t lengths[CRY_RSA_PART_COUNT],
                        enc_buffer **packed)
{
	BIGNUM *numbers[CRY_RSA_PART_COUNT] = {NULL};
	size_t crt = 0;

	if (parts == NULL || lengths == NULL || packed == NULL)
		return CRY_ERR_INVALID;
	*packed = NULL;
	for (int i = 0; i < CRY_RSA_PART_COUNT; i++)
		if (parts[i] == NULL && lengths[i] != 0)
			return CRY_ERR_INVALID;
	for (int i = CRY_RSA_PRIME_1; i < CRY_RSA_PART_COUNT; i++)
		crt += present(parts, lengths, i);
	if (!present(parts, lengths, CRY_RSA_MODULUS) ||
	    !present(parts, lengths, CRY_RSA_PRIVATE_EXPONENT) ||
	    (crt != 0 && crt != CRY_RSA_CRT_PARTS))
		return CRY_ERR_INVALID;
	const uint8_t *modulus = parts[CRY_RSA_MODULUS];
	size_t k = cry_skip_zeros(&modulus, lengths[CRY_RSA_MODULUS]);
	unsigned bits = cry_rsa_modulus_bits(modulus, k);
	if (bits < CRY_RSA_MIN_BITS || bits > CRY_RSA_MAX_BITS)
		return CRY_ERR_KEY;

	cry_status status = CRY_ERR_NOMEM;
	BN_CTX *context = BN_CTX_secure_new();
	if (context == NULL)
		goto done;
	for (int i = 0; i < CRY_RSA_PART_COUNT; i++) {
		const uint8_t *value = parts[i];
		size_t length = cry_skip_zeros(&value, lengths[i]);

		if (!present(parts, lengths, i))
			continue;
		if (length > k) {
			status = CRY_ERR_KEY;
			goto done;
		}
		numbers[i] = BN_secure_new();
		if (numbers[i] == NULL)
			goto done;
		if (i != CRY_RSA_MODULUS && i != CRY_RSA_PUBLIC_EXPONENT)
			BN_set_flags(numbers[i], BN_FLG_CONSTTIME);
		if (BN_bin2bn(value, (int)length, numbers[i]) == NULL)
			goto done;
	}
	status = check_parts(numbers, crt != 0, context);
	if (status == CRY_OK)
		status = cry_rsa_store((const BIGNUM *const *)numbers, packed);
	if (status == CRY_OK) {
		status = round_trip(*packed);
		if (status != CRY_OK) {
			enc_free(*packed);
			*packed = NULL;
		}
	}
done:
	for (int i = 0; i < CRY_RSA_PART_COUNT; i++)
		BN_clear_free(numbers[i]);
	BN_CTX_free(context);
	return status;
}
