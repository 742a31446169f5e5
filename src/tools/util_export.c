/* export: public keys as SubjectPublicKeyInfo (PEM, DER) or one OpenSSH
 * line, certificates as PEM or DER. Never anything secret. */
#include "config.h"

#include "tools/util_keys.h"

#include <getopt.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

/* ---- SubjectPublicKeyInfo ----------------------------------------------- */

static int spki_of(EVP_PKEY *pkey, unsigned char **der, size_t *der_length)
{
	*der = NULL;
	int length = pkey != NULL ? i2d_PUBKEY(pkey, der) : -1;
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	if (length <= 0)
		return util_error(UTIL_EXIT_INPUT,
		                  "the token's public key is not valid");
	*der_length = (size_t)length;
	return UTIL_EXIT_OK;
}

static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *builder)
{
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM *params = builder ? OSSL_PARAM_BLD_to_param(builder) : NULL;
	EVP_PKEY_CTX *context = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (params == NULL || context == NULL ||
	    EVP_PKEY_fromdata_init(context) != 1 ||
	    EVP_PKEY_fromdata(context, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(context);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(builder);
	return pkey;
}

int util_spki_from_point(const util_curve *curve, const unsigned char *point,
                         size_t length, unsigned char **der, size_t *der_length)
{
	EVP_PKEY *pkey = NULL;
	if (curve->key_type == CKK_EC) {
		OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
		if (builder != NULL &&
		    (OSSL_PARAM_BLD_push_utf8_string(builder,
		                                     OSSL_PKEY_PARAM_GROUP_NAME,
		                                     curve->name, 0) != 1 ||
		     OSSL_PARAM_BLD_push_octet_string(builder,
		                                      OSSL_PKEY_PARAM_PUB_KEY,
		                                      point, length) != 1)) {
			OSSL_PARAM_BLD_free(builder);
			builder = NULL;
		}
		pkey = from_params("EC", builder);
	} else {
		pkey = EVP_PKEY_new_raw_public_key_ex(NULL, curve->nist_name,
		                                      NULL, point, length);
	}
	return spki_of(pkey, der, der_length);
}

int util_spki_from_rsa(const unsigned char *modulus, size_t modulus_length,
                       const unsigned char *exponent, size_t exponent_length,
                       unsigned char **der, size_t *der_length)
{
	BIGNUM *n = BN_bin2bn(modulus, (int)modulus_length, NULL);
	BIGNUM *e = BN_bin2bn(exponent, (int)exponent_length, NULL);
	OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
	if (builder != NULL &&
	    (n == NULL || e == NULL ||
	     OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	     OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, e) != 1)) {
		OSSL_PARAM_BLD_free(builder);
		builder = NULL;
	}
	EVP_PKEY *pkey = from_params("RSA", builder);
	BN_free(n);
	BN_free(e);
	return spki_of(pkey, der, der_length);
}

/* The point inside CKA_EC_POINT: a DER OCTET STRING, or (some writers)
 * the raw point. */
static const unsigned char *unwrap_point(const unsigned char *value,
                                         size_t length, size_t expected)
{
	if (length == expected)
		return value;
	if (length == expected + 2 && value[0] == 0x04 && value[1] == expected)
		return value + 2;
	if (length == expected + 3 && value[0] == 0x04 && value[1] == 0x81 &&
	    value[2] == expected)
		return value + 3;
	return NULL;
}

/* The key object's SubjectPublicKeyInfo: CKA_PUBLIC_KEY_INFO, else built
 * from CKA_EC_POINT or CKA_MODULUS and CKA_PUBLIC_EXPONENT. */
static int object_spki(util_module *module, CK_SESSION_HANDLE session,
                       CK_OBJECT_HANDLE object, unsigned char **der,
                       size_t *der_length)
{
	unsigned char *value = NULL, *other = NULL;
	CK_ULONG length = 0, other_length = 0;
	CK_RV rv = util_attribute_get(module, session, object,
	                              CKA_PUBLIC_KEY_INFO, &value, &length);
	if (rv == CKR_OK && value != NULL) {
		*der = value;
		*der_length = length;
		return UTIL_EXIT_OK;
	}
	CK_ULONG key_type = (CK_ULONG)-1;
	util_attribute_ulong(module, session, object, CKA_KEY_TYPE, &key_type);
	int status = -1;
	if (key_type == CKK_RSA) {
		util_attribute_get(module, session, object, CKA_MODULUS, &value,
		                   &length);
		util_attribute_get(module, session, object, CKA_PUBLIC_EXPONENT,
		                   &other, &other_length);
		if (value != NULL && other != NULL)
			status = util_spki_from_rsa(value, length, other,
			                            other_length, der,
			                            der_length);
	} else if (key_type == CKK_EC || key_type == CKK_EC_EDWARDS ||
	           key_type == CKK_EC_MONTGOMERY) {
		util_attribute_get(module, session, object, CKA_EC_PARAMS,
		                   &value, &length);
		util_attribute_get(module, session, object, CKA_EC_POINT,
		                   &other, &other_length);
		const util_curve *curve =
		        value ? util_curve_by_params(value, length) : NULL;
		const unsigned char *point =
		        curve && other ? unwrap_point(other, other_length,
		                                      curve->public_bytes)
		                       : NULL;
		if (point != NULL)
			status = util_spki_from_point(curve, point,
			                              curve->public_bytes, der,
			                              der_length);
	}
	free(value);
	free(other);
	if (status < 0)
		status = util_error(UTIL_EXIT_INPUT,
		                    "the object has no public key the tool can "
		                    "export");
	return status;
}

/* ---- OpenSSH ------------------------------------------------------------ */

typedef struct wire {
	unsigned char *data;
	size_t length, capacity;
	bool failed;
} wire;

static void wire_put(wire *w, const void *data, size_t length)
{
	if (w->length + length > w->capacity) {
		size_t grown = (w->length + length) * 2 + 64;
		unsigned char *bigger = realloc(w->data, grown);
		if (bigger == NULL) {
			w->failed = true;
			return;
		}
		w->data = bigger;
		w->capacity = grown;
	}
	memcpy(w->data + w->length, data, length);
	w->length += length;
}

/* RFC 4251 "string": uint32 length, then the bytes. */
static void wire_string(wire *w, const void *data, size_t length)
{
	unsigned char size[4] = {
	        (unsigned char)(length >> 24), (unsigned char)(length >> 16),
	        (unsigned char)(length >> 8), (unsigned char)length};
	wire_put(w, size, 4);
	wire_put(w, data, length);
}

/* RFC 4251 "mpint": BN_bn2mpi writes exactly that (a 4-byte length,
 * big-endian, a zero byte first if the top bit is set). */
static void wire_mpint(wire *w, const BIGNUM *number)
{
	int length = BN_bn2mpi(number, NULL);
	unsigned char *buffer = length > 0 ? malloc((size_t)length) : NULL;
	if (buffer == NULL) {
		w->failed = true;
		return;
	}
	BN_bn2mpi(number, buffer);
	wire_put(w, buffer, (size_t)length);
	free(buffer);
}

/* "TYPE BASE64 COMMENT\n" of an authorized_keys file. */
static int ssh_line(EVP_PKEY *pkey, const char *comment, char **out)
{
	wire w = {0};
	char name[64];
	unsigned char point[140];
	size_t length = 0;
	char group[64];
	const util_curve *curve = NULL;
	if (EVP_PKEY_is_a(pkey, "ED25519")) {
		snprintf(name, sizeof(name), "ssh-ed25519");
		length = 32;
		if (EVP_PKEY_get_raw_public_key(pkey, point, &length) != 1)
			w.failed = true;
		wire_string(&w, name, strlen(name));
		wire_string(&w, point, length);
	} else if (EVP_PKEY_is_a(pkey, "EC") &&
	           EVP_PKEY_get_utf8_string_param(
	                   pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
	                   sizeof(group), NULL) == 1 &&
	           (curve = util_curve_by_name(group)) != NULL &&
	           curve->ssh_name != NULL) {
		snprintf(name, sizeof(name), "ecdsa-sha2-%s", curve->ssh_name);
		EVP_PKEY_set_utf8_string_param(
		        pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
		        "uncompressed");
		if (EVP_PKEY_get_octet_string_param(
		            pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point),
		            &length) != 1)
			w.failed = true;
		wire_string(&w, name, strlen(name));
		wire_string(&w, curve->ssh_name, strlen(curve->ssh_name));
		wire_string(&w, point, length);
	} else if (EVP_PKEY_is_a(pkey, "RSA")) {
		BIGNUM *n = NULL, *e = NULL;
		snprintf(name, sizeof(name), "ssh-rsa");
		if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) !=
		            1 ||
		    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1)
			w.failed = true;
		wire_string(&w, name, strlen(name));
		if (!w.failed) {
			wire_mpint(&w, e);
			wire_mpint(&w, n);
		}
		BN_free(n);
		BN_free(e);
	} else {
		return util_error(UTIL_EXIT_UNSUPPORTED,
		                  "OpenSSH has no format for %s keys",
		                  EVP_PKEY_get0_type_name(pkey));
	}
	if (w.failed) {
		free(w.data);
		return util_error(UTIL_EXIT_FAILED,
		                  "cannot encode the OpenSSH key");
	}
	size_t encoded = 4 * ((w.length + 2) / 3);
	size_t size = strlen(name) + encoded + strlen(comment) + 4;
	*out = malloc(size);
	char *base64 = malloc(encoded + 1);
	if (*out == NULL || base64 == NULL) {
		free(*out);
		free(base64);
		free(w.data);
		return util_error(UTIL_EXIT_FAILED, "out of memory");
	}
	EVP_EncodeBlock((unsigned char *)base64, w.data, (int)w.length);
	snprintf(*out, size, "%s %s%s%s\n", name, base64, comment[0] ? " " : "",
	         comment);
	free(base64);
	free(w.data);
	return UTIL_EXIT_OK;
}

/* ---- Choosing the object ------------------------------------------------ */

typedef struct found_object {
	CK_OBJECT_HANDLE handle;
	CK_OBJECT_CLASS object_class;
	unsigned char *id;
	CK_ULONG id_length;
} found_object;

/* Among the matches: a certificate alone, or the public key of one key
 * pair (its public key object, else its private key's public info). */
static int choose(found_object *objects, CK_ULONG count, found_object **out)
{
	found_object *certificate = NULL, *public_key = NULL,
	             *private_key = NULL;
	size_t certificates = 0, keys = 0;
	for (CK_ULONG i = 0; i < count; i++) {
		found_object *o = &objects[i];
		if (o->object_class == CKO_CERTIFICATE) {
			certificate = o;
			certificates++;
		} else if (o->object_class == CKO_PUBLIC_KEY ||
		           o->object_class == CKO_PRIVATE_KEY) {
			found_object **slot = o->object_class == CKO_PUBLIC_KEY
			                              ? &public_key
			                              : &private_key;
			if (*slot != NULL)
				return util_usage_error(
				        "the URI matches several keys: add "
				        "id= or a more precise object=");
			*slot = o;
			keys++;
		} else if (o->object_class == CKO_SECRET_KEY) {
			return util_error(
			        UTIL_EXIT_USAGE,
			        "the URI matches a secret key: secret "
			        "keys are never exported");
		}
	}
	if (public_key != NULL && private_key != NULL &&
	    (public_key->id_length != private_key->id_length ||
	     memcmp(public_key->id, private_key->id, public_key->id_length) !=
	             0))
		return util_usage_error("the URI matches a public and a "
		                        "private key of different pairs: add "
		                        "id=");
	if (certificates > 1 || (certificates == 1 && keys > 0))
		return util_usage_error(
		        "the URI matches %s: add type=cert, type=public or id=",
		        keys ? "a certificate and a key"
		             : "several certificates");
	*out = certificate  ? certificate
	       : public_key ? public_key
	                    : private_key;
	if (*out == NULL)
		return util_error(UTIL_EXIT_NOT_FOUND,
		                  "no certificate or key matches the URI");
	return UTIL_EXIT_OK;
}

static int encode(util_module *module, CK_SESSION_HANDLE session,
                  const found_object *object, const char *format,
                  unsigned char **out, size_t *out_length)
{
	unsigned char *der = NULL;
	size_t der_length = 0;
	int status = UTIL_EXIT_OK;
	bool certificate = object->object_class == CKO_CERTIFICATE;
	if (certificate) {
		CK_ULONG length = 0;
		CK_RV rv = util_attribute_get(module, session, object->handle,
		                              CKA_VALUE, &der, &length);
		der_length = length;
		if (rv != CKR_OK || der == NULL)
			return util_error(UTIL_EXIT_INPUT,
			                  "the certificate has no value");
		if (strcmp(format, "ssh") == 0)
			status = util_usage_error("certificates export as "
			                          "pem or der, not ssh");
	} else {
		status = object_spki(module, session, object->handle, &der,
		                     &der_length);
	}
	if (status != UTIL_EXIT_OK || strcmp(format, "der") == 0) {
		*out = der;
		*out_length = der_length;
		return status;
	}
	const unsigned char *cursor = der;
	EVP_PKEY *pkey = certificate
	                         ? NULL
	                         : d2i_PUBKEY(NULL, &cursor, (long)der_length);
	if (strcmp(format, "ssh") == 0) {
		unsigned char *label = NULL;
		CK_ULONG label_length = 0;
		util_attribute_get(module, session, object->handle, CKA_LABEL,
		                   &label, &label_length);
		char *comment =
		        strndup(label ? (char *)label : "", label_length);
		for (char *c = comment; c && *c; c++)
			if (*c == '\n' || *c == '\r')
				*c = ' ';
		status = pkey == NULL || comment == NULL
		                 ? util_error(UTIL_EXIT_INPUT,
		                              "the public key is not valid")
		                 : ssh_line(pkey, comment, (char **)out);
		if (status == UTIL_EXIT_OK)
			*out_length = strlen((char *)*out);
		free(label);
		free(comment);
	} else {
		BIO *bio = BIO_new(BIO_s_mem());
		bool written =
		        bio != NULL &&
		        (certificate ? PEM_write_bio(bio, "CERTIFICATE", "",
		                                     der, (long)der_length) > 0
		                     : pkey != NULL && PEM_write_bio_PUBKEY(
		                                               bio, pkey) == 1);
		char *pem = NULL;
		long length = written ? BIO_get_mem_data(bio, &pem) : 0;
		*out = length > 0 ? malloc((size_t)length) : NULL;
		if (*out != NULL) {
			memcpy(*out, pem, (size_t)length);
			*out_length = (size_t)length;
		} else {
			status = util_error(UTIL_EXIT_FAILED,
			                    "cannot encode as PEM");
		}
		BIO_free(bio);
	}
	EVP_PKEY_free(pkey);
	free(der);
	ERR_clear_error();
	return status;
}

static int export_object(util_module *module, P11KitUri *uri,
                         const char *pin_source, bool login, const char *format,
                         const char *output, bool force)
{
	util_token token;
	CK_SESSION_HANDLE session;
	int status = util_token_find(module, uri, &token);
	if (status == UTIL_EXIT_OK)
		status = util_session_open(module, &token, false, &session);
	if (status == UTIL_EXIT_OK && login) {
		util_secret pin;
		status = util_secret_read(pin_source, "GUARDHSM_PIN",
		                          "User PIN", false, &pin);
		if (status == UTIL_EXIT_OK)
			status = util_login(module, session, CKU_USER, &pin);
		util_secret_free(&pin);
	}
	CK_ULONG template_count;
	CK_ATTRIBUTE *template = util_uri_attributes(uri, &template_count);
	CK_OBJECT_HANDLE *handles = NULL;
	CK_ULONG count = 0;
	if (status == UTIL_EXIT_OK)
		status = util_objects_find(module, session, template,
		                           template_count, &handles, &count);
	found_object *objects = calloc(count + 1, sizeof(*objects));
	if (status == UTIL_EXIT_OK && objects == NULL)
		status = util_error(UTIL_EXIT_FAILED, "out of memory");
	for (CK_ULONG i = 0; status == UTIL_EXIT_OK && i < count; i++) {
		objects[i].handle = handles[i];
		objects[i].object_class = (CK_ULONG)-1;
		util_attribute_ulong(module, session, handles[i], CKA_CLASS,
		                     &objects[i].object_class);
		util_attribute_get(module, session, handles[i], CKA_ID,
		                   &objects[i].id, &objects[i].id_length);
	}
	found_object *chosen = NULL;
	if (status == UTIL_EXIT_OK)
		status = choose(objects, count, &chosen);
	unsigned char *data = NULL;
	size_t length = 0;
	if (status == UTIL_EXIT_OK)
		status =
		        encode(module, session, chosen, format, &data, &length);
	if (status == UTIL_EXIT_OK)
		status = util_file_write(output, data, length, !force);
	free(data);
	for (CK_ULONG i = 0; objects != NULL && i < count; i++)
		free(objects[i].id);
	free(objects);
	free(handles);
	return status;
}

int util_cmd_export(int argc, char **argv)
{
	static const struct option table[] = {
	        {"format", required_argument, NULL, 'F'},
	        {"output", required_argument, NULL, 'o'},
	        {"force", no_argument, NULL, 'f'},
	        {"login", no_argument, NULL, 'l'},
	        {"pin-source", required_argument, NULL, 'p'},
	        {"module", required_argument, NULL, 'm'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *format = "pem", *output = NULL, *pin_source = NULL,
	           *module_path = NULL;
	bool force = false, login = false;
	int option;
	while ((option = getopt_long(argc, argv, "F:o:flp:m:h", table, NULL)) !=
	       -1) {
		switch (option) {
		case 'F':
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'l':
			login = true;
			break;
		case 'p':
			pin_source = optarg;
			login = true;
			break;
		case 'm':
			module_path = optarg;
			break;
		case 'h':
			util_help(util_command, stdout);
			return UTIL_EXIT_OK;
		default:
			return util_usage_error("bad option");
		}
	}
	if (optind + 1 != argc)
		return util_usage_error("give one URI naming the token and the "
		                        "object");
	if (strcmp(format, "pem") != 0 && strcmp(format, "der") != 0 &&
	    strcmp(format, "ssh") != 0)
		return util_usage_error("unknown --format '%s' (pem, der or "
		                        "ssh)",
		                        format);
	P11KitUri *uri;
	int status = util_uri_parse(argv[optind], &uri);
	if (status != UTIL_EXIT_OK)
		return status;
	if (util_uri_is_token_only(uri)) {
		util_uri_free(uri);
		return util_usage_error("the URI names no object: add "
		                        "object=LABEL or id=");
	}
	util_module module;
	status = util_module_load(module_path, &module);
	if (status == UTIL_EXIT_OK) {
		status = export_object(&module, uri, pin_source, login, format,
		                       output, force);
		util_module_unload(&module);
	}
	util_uri_free(uri);
	return status;
}
