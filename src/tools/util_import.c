/* import: private keys (with their public keys), certificates, public
 * keys and raw AES keys, created on the token with C_CreateObject. */
#include "config.h"

#include "tools/util_keys.h"

#include <getopt.h>
#include <libgen.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#define FILE_LIMIT (1u << 20) /* a key or certificate file, at most */
#define TEMPLATE_MAX 24

typedef struct import_options {
	const char *token, *module, *pin_source, *passphrase_source;
	const char *type, *label, *file;
	unsigned char *id;
	size_t id_length;
	bool extractable;
} import_options;

/* A template under construction. */
typedef struct template
{
	CK_ATTRIBUTE attributes[TEMPLATE_MAX];
	CK_ULONG count;
}
template;

static CK_BBOOL true_value = CK_TRUE, false_value = CK_FALSE;

static void add(template *t, CK_ATTRIBUTE_TYPE type, const void *value,
                size_t length)
{
	if (t->count < TEMPLATE_MAX)
		t->attributes[t->count++] =
		        (CK_ATTRIBUTE){type, (void *)value, (CK_ULONG)length};
}

static void add_bool(template *t, CK_ATTRIBUTE_TYPE type, bool value)
{
	add(t, type, value ? &true_value : &false_value, sizeof(CK_BBOOL));
}

/* CKA_CLASS, CKA_KEY_TYPE, CKA_TOKEN, CKA_LABEL, CKA_ID. The ulongs live in
 * the caller's storage (two CK_ULONGs). */
static void add_common(template *t, CK_ULONG *storage,
                       CK_OBJECT_CLASS object_class, CK_KEY_TYPE key_type,
                       const import_options *options)
{
	storage[0] = object_class;
	storage[1] = key_type;
	add(t, CKA_CLASS, &storage[0], sizeof(CK_ULONG));
	if (key_type != (CK_KEY_TYPE)-1)
		add(t, CKA_KEY_TYPE, &storage[1], sizeof(CK_ULONG));
	add_bool(t, CKA_TOKEN, true);
	add(t, CKA_LABEL, options->label, strlen(options->label));
	add(t, CKA_ID, options->id, options->id_length);
}

static int create(util_module *module, CK_SESSION_HANDLE session, template *t,
                  const char *what, CK_OBJECT_HANDLE *handle)
{
	CK_RV rv = module->functions->C_CreateObject(session, t->attributes,
	                                             t->count, handle);
	if (rv == CKR_OK)
		return UTIL_EXIT_OK;
	char message[96];
	snprintf(message, sizeof(message), "creating the %s", what);
	return util_rv_error(rv, message);
}

/* CKA_EC_POINT: DER OCTET STRING of the point. */
static size_t der_octet_string(const unsigned char *point, size_t length,
                               unsigned char *out)
{
	size_t header = 0;
	out[header++] = 0x04;
	if (length > 127)
		out[header++] = 0x81;
	out[header++] = (unsigned char)length;
	memcpy(out + header, point, length);
	return header + length;
}

/* The public half of a key pair (or a public key file). */
static int create_public(util_module *module, CK_SESSION_HANDLE session,
                         const util_key_material *key,
                         const import_options *options,
                         CK_OBJECT_HANDLE *handle)
{
	template t = {0};
	CK_ULONG storage[2];
	unsigned char point[140];
	add_common(&t, storage, CKO_PUBLIC_KEY, key->key_type, options);
	add_bool(&t, CKA_PRIVATE, false);
	if (key->key_type == CKK_RSA) {
		add(&t, CKA_MODULUS, key->modulus, key->modulus_length);
		add(&t, CKA_PUBLIC_EXPONENT, key->public_exponent,
		    key->public_exponent_length);
		add_bool(&t, CKA_VERIFY, true);
		add_bool(&t, CKA_ENCRYPT, true);
		add_bool(&t, CKA_WRAP, false);
	} else {
		add(&t, CKA_EC_PARAMS, key->curve->oid, key->curve->oid_length);
		add(&t, CKA_EC_POINT, point,
		    der_octet_string(key->point, key->point_length, point));
		add_bool(&t, CKA_VERIFY, key->key_type != CKK_EC_MONTGOMERY);
		add_bool(&t, CKA_ENCRYPT, false);
		add_bool(&t, CKA_WRAP, false);
	}
	return create(module, session, &t, "public key", handle);
}

static int create_private(util_module *module, CK_SESSION_HANDLE session,
                          const util_key_material *key,
                          const import_options *options,
                          CK_OBJECT_HANDLE *handle)
{
	static const CK_ATTRIBUTE_TYPE rsa_types[6] = {
	        CKA_PRIVATE_EXPONENT, CKA_PRIME_1,    CKA_PRIME_2,
	        CKA_EXPONENT_1,       CKA_EXPONENT_2, CKA_COEFFICIENT,
	};
	template t = {0};
	CK_ULONG storage[2];
	add_common(&t, storage, CKO_PRIVATE_KEY, key->key_type, options);
	add_bool(&t, CKA_PRIVATE, true);
	add_bool(&t, CKA_SENSITIVE, true);
	add_bool(&t, CKA_EXTRACTABLE, options->extractable);
	if (key->key_type == CKK_RSA) {
		add(&t, CKA_MODULUS, key->modulus, key->modulus_length);
		add(&t, CKA_PUBLIC_EXPONENT, key->public_exponent,
		    key->public_exponent_length);
		/* Pointers into the enclave buffers: the module copies the
		 * values into its own enclave. */
		for (int i = 0; i < 6; i++)
			add(&t, rsa_types[i], enc_data(key->rsa[i]),
			    key->rsa_length[i]);
		add_bool(&t, CKA_SIGN, true);
		add_bool(&t, CKA_DECRYPT, true);
		add_bool(&t, CKA_UNWRAP, false);
		add_bool(&t, CKA_DERIVE, false);
	} else {
		add(&t, CKA_EC_PARAMS, key->curve->oid, key->curve->oid_length);
		add(&t, CKA_VALUE, enc_data(key->value), enc_size(key->value));
		add_bool(&t, CKA_SIGN, key->key_type != CKK_EC_MONTGOMERY);
		add_bool(&t, CKA_DERIVE, key->key_type != CKK_EC_EDWARDS);
		add_bool(&t, CKA_DECRYPT, false);
		add_bool(&t, CKA_UNWRAP, false);
	}
	return create(module, session, &t, "private key", handle);
}

static void describe(const util_key_material *key, char *out, size_t size)
{
	if (key->key_type == CKK_RSA)
		snprintf(out, size, "rsa:%zu", key->modulus_length * 8);
	else if (key->key_type == CKK_EC)
		snprintf(out, size, "ec:%s", key->curve->name);
	else
		snprintf(out, size, "%s", key->curve->name);
}

static int import_key_pair(util_module *module, CK_SESSION_HANDLE session,
                           const util_key_material *key,
                           const import_options *options)
{
	CK_OBJECT_HANDLE private_key, public_key;
	int status =
	        create_private(module, session, key, options, &private_key);
	if (status != UTIL_EXIT_OK)
		return status;
	status = create_public(module, session, key, options, &public_key);
	if (status != UTIL_EXIT_OK) {
		/* All or nothing: a private key without its public half
		 * would be a surprise. */
		module->functions->C_DestroyObject(session, private_key);
		return status;
	}
	char type[32];
	describe(key, type, sizeof(type));
	printf("Imported private key '%s' (%s) and its public key\n",
	       options->label, type);
	return UTIL_EXIT_OK;
}

/* A public key file (SubjectPublicKeyInfo): its point or RSA numbers. */
static int public_material(EVP_PKEY *pkey, util_key_material *key)
{
	memset(key, 0, sizeof(*key));
	int status = UTIL_EXIT_UNSUPPORTED;
	const char *name = EVP_PKEY_get0_type_name(pkey);
	char group[64];
	size_t group_length = 0;
	const util_curve *curve = NULL;
	if (EVP_PKEY_is_a(pkey, "EC") &&
	    EVP_PKEY_get_utf8_string_param(pkey, "group", group, sizeof(group),
	                                   &group_length) == 1)
		curve = util_curve_by_name(group);
	else if (EVP_PKEY_is_a(pkey, "ED25519") ||
	         EVP_PKEY_is_a(pkey, "X25519"))
		curve = util_curve_by_name(name);
	if (curve != NULL) {
		key->key_type = curve->key_type;
		key->curve = curve;
		key->point = malloc(curve->public_bytes);
		size_t got = 0;
		if (curve->key_type == CKK_EC) {
			EVP_PKEY_set_utf8_string_param(pkey, "point-format",
			                               "uncompressed");
			if (key->point == NULL ||
			    EVP_PKEY_get_octet_string_param(
			            pkey, "pub", key->point,
			            curve->public_bytes, &got) != 1)
				got = 0;
		} else {
			got = curve->public_bytes;
			if (key->point == NULL ||
			    EVP_PKEY_get_raw_public_key(pkey, key->point,
			                                &got) != 1)
				got = 0;
		}
		key->point_length = got;
		if (got == curve->public_bytes)
			status = UTIL_EXIT_OK;
	} else if (EVP_PKEY_is_a(pkey, "RSA")) {
		BIGNUM *n = NULL, *e = NULL;
		key->key_type = CKK_RSA;
		if (EVP_PKEY_get_bn_param(pkey, "n", &n) == 1 &&
		    EVP_PKEY_get_bn_param(pkey, "e", &e) == 1) {
			key->modulus_length = (size_t)BN_num_bytes(n);
			key->public_exponent_length = (size_t)BN_num_bytes(e);
			key->modulus = malloc(key->modulus_length);
			key->public_exponent =
			        malloc(key->public_exponent_length);
			if (key->modulus && key->public_exponent) {
				BN_bn2bin(n, key->modulus);
				BN_bn2bin(e, key->public_exponent);
				status = UTIL_EXIT_OK;
			}
		}
		BN_free(n);
		BN_free(e);
	}
	if (status != UTIL_EXIT_OK)
		util_error(status, "%s public keys are not supported",
		           name ? name : "these");
	return status;
}

/* ---- Certificates ------------------------------------------------------- */

static X509 *read_certificate(const unsigned char *data, size_t length)
{
	const unsigned char *cursor = data;
	X509 *certificate = d2i_X509(NULL, &cursor, (long)length);
	if (certificate != NULL && cursor == data + length)
		return certificate;
	X509_free(certificate);
	BIO *input = BIO_new_mem_buf(data, (int)length);
	certificate = input ? PEM_read_bio_X509(input, NULL, NULL, NULL) : NULL;
	BIO_free(input);
	ERR_clear_error();
	return certificate;
}

/* Without --id, a certificate takes the CKA_ID of the key on the token
 * whose public key it carries, so clients pair them. */
static void id_of_matching_key(util_module *module, CK_SESSION_HANDLE session,
                               X509 *certificate, import_options *options)
{
	unsigned char *spki = NULL;
	int spki_length = i2d_PUBKEY(X509_get0_pubkey(certificate), &spki);
	CK_OBJECT_CLASS public_class = CKO_PUBLIC_KEY;
	CK_ATTRIBUTE query = {CKA_CLASS, &public_class, sizeof(public_class)};
	CK_OBJECT_HANDLE *objects = NULL;
	CK_ULONG found = 0;
	if (spki_length <= 0 ||
	    util_objects_find(module, session, &query, 1, &objects, &found) !=
	            UTIL_EXIT_OK)
		found = 0;
	for (CK_ULONG i = 0; i < found; i++) {
		unsigned char *info, *id;
		CK_ULONG info_length, id_length;
		util_attribute_get(module, session, objects[i],
		                   CKA_PUBLIC_KEY_INFO, &info, &info_length);
		bool same = info != NULL &&
		            info_length == (CK_ULONG)spki_length &&
		            memcmp(info, spki, info_length) == 0;
		free(info);
		if (same &&
		    util_attribute_get(module, session, objects[i], CKA_ID, &id,
		                       &id_length) == CKR_OK &&
		    id != NULL) {
			free(options->id);
			options->id = id;
			options->id_length = id_length;
			break;
		}
	}
	free(objects);
	OPENSSL_free(spki);
}

static int import_certificate(util_module *module, CK_SESSION_HANDLE session,
                              X509 *certificate, import_options *options,
                              bool id_given)
{
	unsigned char *value = NULL, *subject = NULL, *issuer = NULL,
	              *serial = NULL;
	int value_length = i2d_X509(certificate, &value);
	int subject_length =
	        i2d_X509_NAME(X509_get_subject_name(certificate), &subject);
	int issuer_length =
	        i2d_X509_NAME(X509_get_issuer_name(certificate), &issuer);
	int serial_length =
	        i2d_ASN1_INTEGER(X509_get_serialNumber(certificate), &serial);
	int status = UTIL_EXIT_OK;
	if (value_length <= 0 || subject_length <= 0 || issuer_length <= 0 ||
	    serial_length <= 0)
		status = util_error(UTIL_EXIT_INPUT,
		                    "cannot encode the certificate's fields");
	if (status == UTIL_EXIT_OK && !id_given)
		id_of_matching_key(module, session, certificate, options);
	if (status == UTIL_EXIT_OK) {
		template t = {0};
		CK_ULONG storage[2];
		CK_CERTIFICATE_TYPE x509 = CKC_X_509;
		add_common(&t, storage, CKO_CERTIFICATE, (CK_KEY_TYPE)-1,
		           options);
		add(&t, CKA_CERTIFICATE_TYPE, &x509, sizeof(x509));
		add_bool(&t, CKA_PRIVATE, false);
		add(&t, CKA_SUBJECT, subject, (size_t)subject_length);
		add(&t, CKA_ISSUER, issuer, (size_t)issuer_length);
		add(&t, CKA_SERIAL_NUMBER, serial, (size_t)serial_length);
		add(&t, CKA_VALUE, value, (size_t)value_length);
		CK_OBJECT_HANDLE handle;
		status = create(module, session, &t, "certificate", &handle);
	}
	if (status == UTIL_EXIT_OK) {
		char name[256];
		X509_NAME_oneline(X509_get_subject_name(certificate), name,
		                  sizeof(name));
		char *hex = malloc(2 * options->id_length + 1);
		if (hex != NULL)
			util_hex(options->id, options->id_length, hex);
		printf("Imported certificate '%s' (%s, id %s)\n",
		       options->label, name, hex ? hex : "?");
		free(hex);
	}
	OPENSSL_free(value);
	OPENSSL_free(subject);
	OPENSSL_free(issuer);
	OPENSSL_free(serial);
	return status;
}

/* ---- AES ---------------------------------------------------------------- */

static int import_aes(util_module *module, CK_SESSION_HANDLE session,
                      const enc_buffer *file, size_t length,
                      const import_options *options)
{
	if (length != 16 && length != 24 && length != 32)
		return util_error(UTIL_EXIT_INPUT,
		                  "%s: an AES key file holds exactly 16, 24 or "
		                  "32 bytes, not %zu",
		                  options->file, length);
	template t = {0};
	CK_ULONG storage[2];
	add_common(&t, storage, CKO_SECRET_KEY, CKK_AES, options);
	add_bool(&t, CKA_PRIVATE, true);
	add_bool(&t, CKA_SENSITIVE, true);
	add_bool(&t, CKA_EXTRACTABLE, options->extractable);
	add_bool(&t, CKA_ENCRYPT, true);
	add_bool(&t, CKA_DECRYPT, true);
	add_bool(&t, CKA_WRAP, true);
	add_bool(&t, CKA_UNWRAP, true);
	add_bool(&t, CKA_SIGN, false);
	add_bool(&t, CKA_VERIFY, false);
	add_bool(&t, CKA_DERIVE, false);
	add(&t, CKA_VALUE, enc_data(file), length);
	CK_OBJECT_HANDLE handle;
	int status = create(module, session, &t, "AES key", &handle);
	if (status == UTIL_EXIT_OK)
		printf("Imported AES key '%s' (aes:%zu)\n", options->label,
		       length * 8);
	return status;
}

/* ---- The command -------------------------------------------------------- */

static int import_file(util_module *module, CK_SESSION_HANDLE session,
                       import_options *options, bool id_given)
{
	enc_buffer *file = NULL;
	size_t length = 0;
	int status = util_file_read_secret(options->file, FILE_LIMIT, &file,
	                                   &length);
	if (status != UTIL_EXIT_OK)
		return status;
	const char *type = options->type;
	bool any = strcmp(type, "auto") == 0;
	status = UTIL_EXIT_INPUT;
	if (strcmp(type, "aes") == 0) {
		status = import_aes(module, session, file, length, options);
		goto done;
	}
	if (any || strcmp(type, "cert") == 0) {
		X509 *certificate = read_certificate(enc_data(file), length);
		if (certificate != NULL) {
			status =
			        import_certificate(module, session, certificate,
			                           options, id_given);
			X509_free(certificate);
			goto done;
		}
	}
	if (any || strcmp(type, "key") == 0) {
		util_key_material key;
		status = util_key_material_read(
		        file, length, options->passphrase_source, &key);
		if (status == UTIL_EXIT_OK) {
			status =
			        import_key_pair(module, session, &key, options);
			util_key_material_free(&key);
		}
		if (status != UTIL_EXIT_INPUT)
			goto done;
	}
	if (any || strcmp(type, "public") == 0) {
		BIO *input = BIO_new_mem_buf(enc_data(file), (int)length);
		const unsigned char *cursor = enc_data(file);
		EVP_PKEY *pkey = d2i_PUBKEY(NULL, &cursor, (long)length);
		if (pkey == NULL && input != NULL)
			pkey = PEM_read_bio_PUBKEY(input, NULL, NULL, NULL);
		BIO_free(input);
		ERR_clear_error();
		util_key_material key;
		CK_OBJECT_HANDLE handle;
		if (pkey != NULL) {
			status = public_material(pkey, &key);
			if (status == UTIL_EXIT_OK)
				status = create_public(module, session, &key,
				                       options, &handle);
			if (status == UTIL_EXIT_OK)
				printf("Imported public key '%s'\n",
				       options->label);
			util_key_material_free(&key);
			EVP_PKEY_free(pkey);
			goto done;
		}
	}
	status = util_error(UTIL_EXIT_INPUT,
	                    "%s: not %s this tool can read (PEM or DER)",
	                    options->file,
	                    any ? "a certificate, private key or public key"
	                    : strcmp(type, "cert") == 0 ? "a certificate"
	                    : strcmp(type, "key") == 0  ? "a private key"
	                                                : "a public key");
done:
	enc_free(file);
	return status;
}

/* The file's name without directory and extension. */
static char *default_label(const char *path)
{
	char *copy = strdup(path);
	if (copy == NULL)
		return NULL;
	char *label = strdup(basename(copy));
	free(copy);
	if (label == NULL)
		return NULL;
	char *dot = strchr(label, '.');
	if (dot != NULL && dot != label)
		*dot = '\0';
	if (strlen(label) > 64)
		label[64] = '\0';
	return label;
}

int util_cmd_import(int argc, char **argv)
{
	static const struct option table[] = {
	        {"token", required_argument, NULL, 't'},
	        {"type", required_argument, NULL, 'T'},
	        {"label", required_argument, NULL, 'L'},
	        {"id", required_argument, NULL, 'i'},
	        {"passphrase-source", required_argument, NULL, 'P'},
	        {"extractable", no_argument, NULL, 'x'},
	        {"pin-source", required_argument, NULL, 'p'},
	        {"module", required_argument, NULL, 'm'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	import_options options = {0};
	options.type = "auto";
	const char *id_text = NULL;
	int option;
	while ((option = getopt_long(argc, argv, "t:T:L:i:P:xp:m:h", table,
	                             NULL)) != -1) {
		switch (option) {
		case 't':
			options.token = optarg;
			break;
		case 'T':
			options.type = optarg;
			break;
		case 'L':
			options.label = optarg;
			break;
		case 'i':
			id_text = optarg;
			break;
		case 'P':
			options.passphrase_source = optarg;
			break;
		case 'x':
			options.extractable = true;
			break;
		case 'p':
			options.pin_source = optarg;
			break;
		case 'm':
			options.module = optarg;
			break;
		case 'h':
			util_help(util_command, stdout);
			return UTIL_EXIT_OK;
		default:
			return util_usage_error("bad option");
		}
	}
	if (optind + 1 != argc)
		return util_usage_error("give one FILE to import");
	options.file = argv[optind];
	static const char *const types[] = {"auto", "key", "cert", "public",
	                                    "aes"};
	bool known = false;
	for (size_t i = 0; i < 5; i++)
		known = known || strcmp(options.type, types[i]) == 0;
	if (!known)
		return util_usage_error("unknown --type '%s' (auto, key, cert, "
		                        "public or aes)",
		                        options.type);
	if (options.token == NULL)
		return util_usage_error("name the token: --token "
		                        "pkcs11:token=LABEL");
	if (id_text != NULL &&
	    util_hex_parse(id_text, &options.id, &options.id_length) != 0)
		return util_usage_error("--id takes hex digits, e.g. 01 or "
		                        "0a:1b");
	if (id_text == NULL) {
		options.id_length = 8;
		options.id = malloc(options.id_length);
		if (options.id == NULL)
			return util_error(UTIL_EXIT_FAILED, "out of memory");
		enc_random(options.id, options.id_length);
	}
	char *label = NULL;
	if (options.label == NULL)
		options.label = label = default_label(options.file);
	P11KitUri *uri = NULL;
	util_module module;
	util_token token;
	CK_SESSION_HANDLE session;
	util_secret pin = {0};
	int status = options.label != NULL
	                     ? util_uri_parse(options.token, &uri)
	                     : util_error(UTIL_EXIT_FAILED, "out of memory");
	if (status == UTIL_EXIT_OK)
		status = util_module_load(options.module, &module);
	if (status == UTIL_EXIT_OK) {
		status = util_token_find(&module, uri, &token);
		if (status == UTIL_EXIT_OK)
			status = util_session_open(&module, &token, true,
			                           &session);
		if (status == UTIL_EXIT_OK)
			status = util_secret_read(options.pin_source,
			                          "GUARDHSM_PIN", "User PIN",
			                          false, &pin);
		if (status == UTIL_EXIT_OK)
			status = util_login(&module, session, CKU_USER, &pin);
		util_secret_free(&pin);
		if (status == UTIL_EXIT_OK)
			status = import_file(&module, session, &options,
			                     id_text != NULL);
		util_module_unload(&module);
	}
	util_uri_free(uri);
	free(label);
	free(options.id);
	return status;
}
