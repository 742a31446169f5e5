/*
 * guardhsm crypto: RSA key generation (EVP_PKEY_keygen), exported straight
 * into a packed enclave buffer.
 *
 * Where the secrets are on the way. OpenSSL 3's keygen (rsa_gen.c,
 * rsa_keygen) sends two-prime keys of 2048 bits or more with e > 2^16 to
 * ossl_rsa_sp800_56b_generate_key (rsa_sp800_56b_gen.c), which allocates
 * p and q (ossl_rsa_fips186_4_gen_prob_primes) and d, dP, dQ, qInv
 * (ossl_rsa_sp800_56b_derive_params_from_pq) with BN_secure_new; other
 * exponents go to rsa_multiprime_keygen, which allocates the same six
 * with BN_secure_new too. So the generated key's private BIGNUMs are in
 * the secure heap. Its working BN_CTX is not: intermediates (prime
 * candidates, p-1, q-1, the lcm) pass through the ordinary heap, cleared
 * when freed. EVP_PKEY_export gives us the parts as OSSL_PARAMs that the
 * param builder places in the secure heap for secure BIGNUMs; each is read
 * into a secure BIGNUM here and written with BN_bn2binpad straight into
 * the enclave buffer. EVP_PKEY_free clears the key.
 */
#include "config.h"

#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#define CRY_RSA_MIN_GENERATE_BITS 2048
#define CRY_RSA_DEFAULT_EXPONENT 65537
/* OpenSSL refuses larger exponents with moduli over 3072 bits. */
#define CRY_RSA_MAX_EXPONENT_BYTES 8

static const char *const part_names[CRY_RSA_PART_COUNT] = {
        OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
        OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
        OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

/* EVP_PKEY_export's callback: each part into its (secure) BIGNUM. */
static int take_parts(const OSSL_PARAM params[], void *argument)
{
	BIGNUM **parts = argument;

	for (int i = 0; i < CRY_RSA_PART_COUNT; i++) {
		const OSSL_PARAM *param =
		        OSSL_PARAM_locate_const(params, part_names[i]);

		if (param == NULL || !OSSL_PARAM_get_BN(param, &parts[i]))
			return 0;
	}
	return 1;
}

static cry_status public_exponent(const uint8_t *exponent, size_t length,
                                  BIGNUM *e)
{
	if (exponent == NULL && length != 0)
		return CRY_ERR_INVALID;
	if (length == 0)
		return BN_set_word(e, CRY_RSA_DEFAULT_EXPONENT) ? CRY_OK
		                                                : CRY_ERR_NOMEM;
	while (length > 0 && *exponent == 0) {
		exponent++;
		length--;
	}
	if (length == 0 || length > CRY_RSA_MAX_EXPONENT_BYTES)
		return CRY_ERR_INVALID;
	if (BN_bin2bn(exponent, (int)length, e) == NULL)
		return CRY_ERR_NOMEM;
	return BN_is_odd(e) && BN_num_bits(e) >= 2 ? CRY_OK : CRY_ERR_INVALID;
}

cry_status cry_rsa_generate(unsigned bits, const uint8_t *exponent,
                            size_t exponent_length, enc_buffer **packed)
{
	BIGNUM *parts[CRY_RSA_PART_COUNT] = {NULL};
	EVP_PKEY_CTX *context = NULL;
	EVP_PKEY *key = NULL;
	cry_status status;

	if (packed == NULL)
		return CRY_ERR_INVALID;
	*packed = NULL;
	if (bits < CRY_RSA_MIN_GENERATE_BITS || bits > CRY_RSA_MAX_BITS ||
	    bits % 8 != 0)
		return CRY_ERR_INVALID;
	BIGNUM *e = BN_new();
	if (e == NULL)
		return CRY_ERR_NOMEM;
	status = public_exponent(exponent, exponent_length, e);
	if (status != CRY_OK)
		goto done;
	status = CRY_ERR_NOMEM;
	context = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (context == NULL)
		goto done;
	for (int i = 0; i < CRY_RSA_PART_COUNT; i++) {
		parts[i] = i <= CRY_RSA_PUBLIC_EXPONENT ? BN_new()
		                                        : BN_secure_new();
		if (parts[i] == NULL)
			goto done;
	}
	status = CRY_ERR_INTERNAL;
	if (EVP_PKEY_keygen_init(context) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(context, (int)bits) <= 0 ||
	    EVP_PKEY_CTX_set1_rsa_keygen_pubexp(context, e) <= 0 ||
	    EVP_PKEY_generate(context, &key) <= 0 ||
	    EVP_PKEY_export(key, EVP_PKEY_KEYPAIR, take_parts, parts) != 1)
		goto done;
	status = cry_rsa_store((const BIGNUM *const *)parts, packed);
done:
	for (int i = 0; i < CRY_RSA_PART_COUNT; i++)
		BN_clear_free(parts[i]);
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(context);
	BN_free(e);
	return status;
}
