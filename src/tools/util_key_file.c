/* Private keys out of files: OpenSSL's decoders read PEM or DER (PKCS#8,
 * encrypted PKCS#8, PKCS#1, SEC1) straight from the enclave buffer that
 * holds the file, and the private components are written by OpenSSL
 * straight into enclave buffers (OSSL_PARAMs pointing into them), so no
 * copy of a private value lands in ordinary memory here. OpenSSL keeps
 * its own private BIGNUMs in its secure heap, which is set up first. */
#include "config.h"

#include "tools/util_keys.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <string.h>

#define SECURE_HEAP_BYTES (256 * 1024)
#define MAX_POINT 133 /* P-521, uncompressed */

typedef struct passphrase_context {
	const char *source;
	util_secret secret; /* read once, on the first request */
	int status;
	bool asked;
} passphrase_context;

/* Called by the decoder only for an encrypted key. */
static int passphrase_callback(char *passphrase, size_t size, size_t *length,
                               const OSSL_PARAM params[], void *argument)
{
	(void)params;
	passphrase_context *context = argument;
	if (!context->asked) {
		context->asked = true;
		context->status =
		        util_secret_read(context->source, NULL,
		                         "Passphrase of the encrypted key file",
		                         false, &context->secret);
	}
	if (context->status != UTIL_EXIT_OK || context->secret.length > size)
		return 0;
	memcpy(passphrase, util_secret_data(&context->secret),
	       context->secret.length);
	*length = context->secret.length;
	return 1;
}

/* OSSL_PARAM integers are native-endian; PKCS#11 wants big-endian. */
static void to_big_endian(unsigned char *data, size_t length)
{
	const uint16_t probe = 1;
	if (*(const unsigned char *)&probe == 0)
		return; /* big-endian host */
	for (size_t i = 0; i < length / 2; i++) {
		unsigned char byte = data[i];
		data[i] = data[length - 1 - i];
		data[length - 1 - i] = byte;
	}
}

/* Asks the key for one private parameter, written by OpenSSL into a new
 * enclave buffer of size bytes: a BIGNUM (made big-endian; with trim,
 * without leading zero bytes) or an octet string. */
static int private_parameter(EVP_PKEY *pkey, const char *name, bool integer,
                             size_t size, bool trim, enc_buffer **out,
                             size_t *length)
{
	if (enc_alloc(size, 0, out) != ENC_OK)
		return util_error(UTIL_EXIT_FAILED,
		                  "cannot allocate protected memory");
	unsigned char *data = enc_data(*out);
	OSSL_PARAM params[2] = {
	        integer ? OSSL_PARAM_construct_BN(name, data, size)
	                : OSSL_PARAM_construct_octet_string(name, data, size),
	        OSSL_PARAM_construct_end(),
	};
	if (EVP_PKEY_get_params(pkey, params) != 1 ||
	    !OSSL_PARAM_modified(params) || params[0].return_size > size) {
		enc_free(*out);
		*out = NULL;
		return util_error(UTIL_EXIT_INPUT, "the key has no usable '%s'",
		                  name);
	}
	*length = params[0].return_size;
	if (integer) {
		/* Padded to the buffer (or, for EC, to the order's size). */
		to_big_endian(data, *length);
		if (trim) {
			size_t skip = 0;
			while (skip + 1 < *length && data[skip] == 0)
				skip++;
			memmove(data, data + skip, *length - skip);
			enc_wipe(data + *length - skip, skip);
			*length -= skip;
		}
	}
	enc_protect(*out, ENC_READONLY);
	return UTIL_EXIT_OK;
}

static int curve_key(EVP_PKEY *pkey, const util_curve *curve,
                     util_key_material *key)
{
	key->curve = curve;
	key->key_type = curve->key_type;
	key->point = malloc(MAX_POINT);
	if (key->point == NULL)
		return util_error(UTIL_EXIT_FAILED, "out of memory");
	size_t length = 0;
	if (curve->key_type == CKK_EC) {
		/* A SEC1 file may hold a compressed point: ask for the
		 * uncompressed form CKA_EC_POINT needs. */
		EVP_PKEY_set_utf8_string_param(
		        pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
		        "uncompressed");
		if (EVP_PKEY_get_octet_string_param(
		            pkey, OSSL_PKEY_PARAM_PUB_KEY, key->point,
		            MAX_POINT, &length) != 1)
			length = 0;
	} else {
		length = MAX_POINT;
		if (EVP_PKEY_get_raw_public_key(pkey, key->point, &length) != 1)
			length = 0;
	}
	if (length != curve->public_bytes)
		return util_error(UTIL_EXIT_INPUT,
		                  "the key file has no usable public key");
	key->point_length = length;
	size_t value_length;
	int status = private_parameter(
	        pkey, OSSL_PKEY_PARAM_PRIV_KEY, curve->key_type == CKK_EC,
	        curve->private_bytes, false, &key->value, &value_length);
	if (status == UTIL_EXIT_OK && value_length != curve->private_bytes)
		status = util_error(UTIL_EXIT_INPUT,
		                    "the private key has %zu bytes, not %zu",
		                    value_length, curve->private_bytes);
	return status;
}

static int public_number(EVP_PKEY *pkey, const char *name, unsigned char **out,
                         size_t *length)
{
	BIGNUM *number = NULL;
	if (EVP_PKEY_get_bn_param(pkey, name, &number) != 1)
		return util_error(UTIL_EXIT_INPUT, "the RSA key has no '%s'",
		                  name);
	*length = (size_t)BN_num_bytes(number);
	*out = malloc(*length ? *length : 1);
	if (*out == NULL) {
		BN_free(number);
		return util_error(UTIL_EXIT_FAILED, "out of memory");
	}
	BN_bn2bin(number, *out);
	BN_free(number);
	return UTIL_EXIT_OK;
}

static int rsa_key(EVP_PKEY *pkey, util_key_material *key)
{
	static const char *const names[6] = {
	        OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
	        OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
	        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};
	key->key_type = CKK_RSA;
	int status = public_number(pkey, OSSL_PKEY_PARAM_RSA_N, &key->modulus,
	                           &key->modulus_length);
	if (status == UTIL_EXIT_OK)
		status = public_number(pkey, OSSL_PKEY_PARAM_RSA_E,
		                       &key->public_exponent,
		                       &key->public_exponent_length);
	/* PKCS#11 has no attributes for a third prime. */
	BIGNUM *third = NULL;
	if (status == UTIL_EXIT_OK &&
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR3, &third) ==
	            1) {
		BN_clear_free(third);
		return util_error(UTIL_EXIT_UNSUPPORTED,
		                  "multi-prime RSA keys cannot be imported");
	}
	for (int i = 0; i < 6 && status == UTIL_EXIT_OK; i++)
		status = private_parameter(pkey, names[i], true,
		                           key->modulus_length, true,
		                           &key->rsa[i], &key->rsa_length[i]);
	return status;
}

static void ensure_secure_heap(void)
{
	if (!CRYPTO_secure_malloc_initialized())
		CRYPTO_secure_malloc_init(SECURE_HEAP_BYTES, 64);
}

int util_key_material_read(const enc_buffer *file, size_t length,
                           const char *passphrase_source,
                           util_key_material *key)
{
	memset(key, 0, sizeof(*key));
	ensure_secure_heap();
	EVP_PKEY *pkey = NULL;
	OSSL_DECODER_CTX *decoder = OSSL_DECODER_CTX_new_for_pkey(
	        &pkey, NULL, NULL, NULL, EVP_PKEY_KEYPAIR, NULL, NULL);
	passphrase_context context = {
	        passphrase_source, {0}, UTIL_EXIT_OK, false};
	/* A read-only memory BIO over the enclave buffer: no copy. */
	BIO *input = BIO_new_mem_buf(enc_data(file), (int)length);
	int status = UTIL_EXIT_OK;
	if (decoder == NULL || input == NULL ||
	    OSSL_DECODER_CTX_set_passphrase_cb(decoder, passphrase_callback,
	                                       &context) != 1)
		status = util_error(UTIL_EXIT_FAILED,
		                    "cannot set up OpenSSL's decoder");
	else if (OSSL_DECODER_from_bio(decoder, input) != 1 || pkey == NULL)
		status = context.status != UTIL_EXIT_OK ? context.status
		         : context.asked
		                 ? util_error(UTIL_EXIT_PIN,
		                              "cannot decrypt the key file: "
		                              "wrong passphrase?")
		                 : UTIL_EXIT_INPUT; /* not a private key */
	util_secret_free(&context.secret);
	OSSL_DECODER_CTX_free(decoder);
	BIO_free(input);
	ERR_clear_error();
	if (status != UTIL_EXIT_OK) {
		EVP_PKEY_free(pkey);
		return status;
	}
	char group[64];
	size_t group_length = 0;
	if (EVP_PKEY_is_a(pkey, "RSA")) {
		status = rsa_key(pkey, key);
	} else if (EVP_PKEY_is_a(pkey, "ED25519") ||
	           EVP_PKEY_is_a(pkey, "X25519")) {
		status = curve_key(
		        pkey, util_curve_by_name(EVP_PKEY_get0_type_name(pkey)),
		        key);
	} else if (EVP_PKEY_is_a(pkey, "EC")) {
		const util_curve *curve = NULL;
		if (EVP_PKEY_get_utf8_string_param(
		            pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
		            sizeof(group), &group_length) == 1)
			curve = util_curve_by_name(group);
		status = curve != NULL
		                 ? curve_key(pkey, curve, key)
		                 : util_error(UTIL_EXIT_UNSUPPORTED,
		                              "EC keys on curve '%s' are not "
		                              "supported (prime256v1, "
		                              "secp384r1, secp521r1 are)",
		                              group_length ? group : "unnamed");
	} else {
		status = util_error(UTIL_EXIT_UNSUPPORTED,
		                    "%s keys are not supported",
		                    EVP_PKEY_get0_type_name(pkey));
	}
	EVP_PKEY_free(pkey); /* OpenSSL cleanses its private BIGNUMs */
	if (status != UTIL_EXIT_OK)
		util_key_material_free(key);
	return status;
}

void util_key_material_free(util_key_material *key)
{
	free(key->point);
	free(key->modulus);
	free(key->public_exponent);
	enc_free(key->value);
	for (int i = 0; i < 6; i++)
		enc_free(key->rsa[i]);
	memset(key, 0, sizeof(*key));
}
