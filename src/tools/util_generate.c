/* generate: key pairs and secret keys made inside the token, one or many
 * (--count), with a progress bar on a terminal. Many keys go in batches
 * (--batch-size) through the module's "Vendor guardhsm" interface when it
 * has one: one durable commit per batch instead of one per key. */
#include "config.h"

#include "tools/util_keys.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_MAX 1000000UL
#define BATCH_DEFAULT 256UL
#define TEMPLATE_MAX 20

typedef struct key_spec {
	char name[32]; /* as given, normalised */
	CK_MECHANISM_TYPE mechanism;
	const char *mechanism_name;
	const util_curve *curve; /* curve keys */
	CK_ULONG bits;           /* RSA modulus, secret key size */
	CK_KEY_TYPE key_type;
	bool pair;
} key_spec;

static int parse_bits(const char *text, CK_ULONG *bits)
{
	char *end;
	errno = 0;
	unsigned long value = strtoul(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || value == 0 ||
	    value > 65536)
		return -1;
	*bits = value;
	return 0;
}

static int parse_spec(const char *text, key_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	const char *colon = strchr(text, ':');
	size_t family = colon ? (size_t)(colon - text) : strlen(text);
	const char *argument = colon ? colon + 1 : "";
	snprintf(spec->name, sizeof(spec->name), "%s", text);
#define IS(name) (family == strlen(name) && strncmp(text, name, family) == 0)
	if (IS("ec")) {
		spec->curve = util_curve_by_name(argument);
		if (spec->curve == NULL || spec->curve->key_type != CKK_EC)
			return -1;
		snprintf(spec->name, sizeof(spec->name), "ec:%s",
		         spec->curve->name);
		spec->mechanism = CKM_EC_KEY_PAIR_GEN;
		spec->mechanism_name = "CKM_EC_KEY_PAIR_GEN";
	} else if ((IS("ed25519") || IS("x25519")) && colon == NULL) {
		spec->curve = util_curve_by_name(text);
		bool edwards = IS("ed25519");
		spec->mechanism = edwards ? CKM_EC_EDWARDS_KEY_PAIR_GEN
		                          : CKM_EC_MONTGOMERY_KEY_PAIR_GEN;
		spec->mechanism_name =
		        edwards ? "CKM_EC_EDWARDS_KEY_PAIR_GEN"
		                : "CKM_EC_MONTGOMERY_KEY_PAIR_GEN";
	} else if (IS("rsa")) {
		if (parse_bits(argument, &spec->bits) != 0 ||
		    spec->bits < 1024 || spec->bits % 8 != 0)
			return -1;
		spec->key_type = CKK_RSA;
		spec->mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		spec->mechanism_name = "CKM_RSA_PKCS_KEY_PAIR_GEN";
	} else if (IS("aes")) {
		if (parse_bits(argument, &spec->bits) != 0 ||
		    (spec->bits != 128 && spec->bits != 192 &&
		     spec->bits != 256))
			return -1;
		spec->key_type = CKK_AES;
		spec->mechanism = CKM_AES_KEY_GEN;
		spec->mechanism_name = "CKM_AES_KEY_GEN";
	} else if (IS("generic")) {
		if (parse_bits(argument, &spec->bits) != 0 ||
		    spec->bits % 8 != 0)
			return -1;
		spec->key_type = CKK_GENERIC_SECRET;
		spec->mechanism = CKM_GENERIC_SECRET_KEY_GEN;
		spec->mechanism_name = "CKM_GENERIC_SECRET_KEY_GEN";
	} else {
		return -1;
	}
#undef IS
	if (spec->curve != NULL)
		spec->key_type = spec->curve->key_type;
	spec->pair = spec->curve != NULL || spec->key_type == CKK_RSA;
	return 0;
}

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

typedef struct generate_options {
	const char *label;
	unsigned char *id;
	size_t id_length;
	bool id_given, extractable;
	unsigned long count;
	unsigned long batch_size; /* keys per commit; 1: no batches */
} generate_options;

/* The keys made since the last commit become durable together at the
 * batch's end; without batches, each on its own. */
typedef struct batcher {
	util_module *module;
	CK_SESSION_HANDLE session;
	bool enabled, open;
	unsigned long size, pending, committed;
} batcher;

static CK_RV batch_start(batcher *batch)
{
	if (!batch->enabled || batch->open)
		return CKR_OK;
	CK_RV rv = batch->module->vendor->C_GuardhsmBatchBegin(batch->session);
	batch->open = rv == CKR_OK;
	return rv;
}

/* Commits the open batch; on failure its keys are lost (not counted). */
static CK_RV batch_commit(batcher *batch)
{
	CK_RV rv = CKR_OK;
	if (batch->open)
		rv = batch->module->vendor->C_GuardhsmBatchEnd(batch->session,
		                                               CK_TRUE);
	batch->open = false;
	if (rv == CKR_OK)
		batch->committed += batch->pending;
	batch->pending = 0;
	return rv;
}

static const unsigned char rsa_exponent[] = {0x01, 0x00, 0x01};

/* One key (pair): label and id are this key's. */
static CK_RV generate_one(util_module *module, CK_SESSION_HANDLE session,
                          const key_spec *spec, const char *label,
                          const unsigned char *id, size_t id_length,
                          bool extractable)
{
	template public_template = {0}, private_template = {0};
	template *secret = &private_template;
	CK_ULONG value_length = spec->bits / 8;
	CK_MECHANISM mechanism = {spec->mechanism, NULL, 0};
	/* Common to both halves, or to the secret key. */
	template *halves[2] = {&public_template, &private_template};
	for (int i = 0; i < 2; i++) {
		add_bool(halves[i], CKA_TOKEN, true);
		add(halves[i], CKA_LABEL, label, strlen(label));
		add(halves[i], CKA_ID, id, id_length);
	}
	add_bool(&private_template, CKA_PRIVATE, true);
	add_bool(&private_template, CKA_SENSITIVE, true);
	add_bool(&private_template, CKA_EXTRACTABLE, extractable);
	if (!spec->pair) {
		bool aes = spec->key_type == CKK_AES;
		add(secret, CKA_VALUE_LEN, &value_length, sizeof(value_length));
		add_bool(secret, CKA_ENCRYPT, aes);
		add_bool(secret, CKA_DECRYPT, aes);
		add_bool(secret, CKA_WRAP, aes);
		add_bool(secret, CKA_UNWRAP, aes);
		add_bool(secret, CKA_SIGN, !aes);
		add_bool(secret, CKA_VERIFY, !aes);
		add_bool(secret, CKA_DERIVE, !aes);
		CK_OBJECT_HANDLE key;
		return module->functions->C_GenerateKey(session, &mechanism,
		                                        secret->attributes,
		                                        secret->count, &key);
	}
	add_bool(&public_template, CKA_PRIVATE, false);
	if (spec->curve != NULL) {
		add(&public_template, CKA_EC_PARAMS, spec->curve->oid,
		    spec->curve->oid_length);
		bool montgomery = spec->key_type == CKK_EC_MONTGOMERY;
		add_bool(&public_template, CKA_VERIFY, !montgomery);
		add_bool(&private_template, CKA_SIGN, !montgomery);
		add_bool(&private_template, CKA_DERIVE,
		         spec->key_type != CKK_EC_EDWARDS);
		add_bool(&public_template, CKA_ENCRYPT, false);
		add_bool(&public_template, CKA_WRAP, false);
		add_bool(&private_template, CKA_DECRYPT, false);
		add_bool(&private_template, CKA_UNWRAP, false);
	} else {
		add(&public_template, CKA_MODULUS_BITS, &spec->bits,
		    sizeof(spec->bits));
		add(&public_template, CKA_PUBLIC_EXPONENT, rsa_exponent,
		    sizeof(rsa_exponent));
		add_bool(&public_template, CKA_VERIFY, true);
		add_bool(&public_template, CKA_ENCRYPT, true);
		add_bool(&private_template, CKA_SIGN, true);
		add_bool(&private_template, CKA_DECRYPT, true);
	}
	CK_OBJECT_HANDLE public_key, private_key;
	return module->functions->C_GenerateKeyPair(
	        session, &mechanism, public_template.attributes,
	        public_template.count, private_template.attributes,
	        private_template.count, &public_key, &private_key);
}

static int generate(util_module *module, const util_token *token,
                    CK_SESSION_HANDLE session, const key_spec *spec,
                    const generate_options *options)
{
	/* Ask first, so an unsupported type fails before anything else. */
	CK_MECHANISM_INFO info;
	CK_RV rv = module->functions->C_GetMechanismInfo(
	        token->slot, spec->mechanism, &info);
	if (rv == CKR_MECHANISM_INVALID)
		return util_error(UTIL_EXIT_UNSUPPORTED,
		                  "the module does not support %s keys (no %s)",
		                  spec->name, spec->mechanism_name);
	/* A given id is shared by the batch: a counter tells them apart. */
	bool counted = options->id_given && options->count > 1;
	size_t id_length = options->id_length + (counted ? 4 : 0);
	unsigned char *id = malloc(id_length);
	size_t label_size = strlen(options->label) + 16;
	char *label = malloc(label_size);
	if (id == NULL || label == NULL) {
		free(id);
		free(label);
		return util_error(UTIL_EXIT_FAILED, "out of memory");
	}
	batcher batch = {.module = module,
	                 .session = session,
	                 .size = options->batch_size};
	if (options->count > 1 && options->batch_size > 1) {
		batch.enabled = module->vendor != NULL;
		if (!batch.enabled)
			fprintf(stderr,
			        "note: the module has no batch interface "
			        "(\"%s\"); each key is committed on its own\n",
			        GUARDHSM_VENDOR_INTERFACE_NAME);
	}
	util_progress progress;
	util_progress_start(&progress, "generating", options->count);
	int status = UTIL_EXIT_OK;
	for (unsigned long done = 0; done < options->count; done++) {
		unsigned long number = done + 1;
		if (options->id_given)
			memcpy(id, options->id, options->id_length);
		else
			enc_random(id, options->id_length);
		if (counted) {
			unsigned char *counter = id + options->id_length;
			counter[0] = (unsigned char)(number >> 24);
			counter[1] = (unsigned char)(number >> 16);
			counter[2] = (unsigned char)(number >> 8);
			counter[3] = (unsigned char)number;
		}
		if (options->count > 1) {
			snprintf(label, label_size, "%s-%lu", options->label,
			         number);
		} else {
			snprintf(label, label_size, "%s", options->label);
		}
		rv = batch_start(&batch);
		if (rv != CKR_OK) {
			util_progress_end(&progress);
			status = util_rv_error(rv, "beginning a batch");
			break;
		}
		rv = generate_one(module, session, spec, label, id, id_length,
		                  options->extractable);
		if (rv != CKR_OK) {
			util_progress_end(&progress);
			char what[96];
			snprintf(what, sizeof(what), "generating %s key '%s'",
			         spec->name, label);
			status = util_rv_error(rv, what);
			break;
		}
		batch.pending++;
		if (!batch.open || batch.pending == batch.size) {
			rv = batch_commit(&batch);
			if (rv != CKR_OK) {
				util_progress_end(&progress);
				status =
				        util_rv_error(rv, "committing a batch");
				break;
			}
		}
		util_progress_update(&progress, number);
	}
	/* The last batch, or the keys of one a failure interrupted (the
	 * failed key undid itself). */
	rv = batch_commit(&batch);
	if (rv != CKR_OK && status == UTIL_EXIT_OK)
		status = util_rv_error(rv, "committing the last batch");
	util_progress_end(&progress);
	unsigned long done = batch.committed;
	const char *kind = spec->pair ? "key pair" : "key";
	if (status == UTIL_EXIT_OK && options->count == 1) {
		char *hex = malloc(2 * id_length + 1);
		if (hex != NULL)
			util_hex(id, id_length, hex);
		printf("Generated %s %s '%s' (id %s)\n", spec->name, kind,
		       label, hex ? hex : "?");
		free(hex);
	} else if (done > 0) {
		printf("Generated %lu %s %ss '%s-1' ... '%s-%lu'\n", done,
		       spec->name, kind, options->label, options->label, done);
	}
	free(id);
	free(label);
	return status;
}

int util_cmd_generate(int argc, char **argv)
{
	static const struct option table[] = {
	        {"token", required_argument, NULL, 't'},
	        {"type", required_argument, NULL, 'T'},
	        {"label", required_argument, NULL, 'L'},
	        {"id", required_argument, NULL, 'i'},
	        {"count", required_argument, NULL, 'n'},
	        {"batch-size", required_argument, NULL, 'b'},
	        {"extractable", no_argument, NULL, 'x'},
	        {"pin-source", required_argument, NULL, 'p'},
	        {"module", required_argument, NULL, 'm'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *token_text = NULL, *type = NULL, *id_text = NULL,
	           *pin_source = NULL, *module_path = NULL;
	generate_options options = {0};
	options.count = 1;
	options.batch_size = BATCH_DEFAULT;
	int option;
	char *end;
	while ((option = getopt_long(argc, argv, "t:T:L:i:n:b:xp:m:h", table,
	                             NULL)) != -1) {
		switch (option) {
		case 't':
			token_text = optarg;
			break;
		case 'T':
			type = optarg;
			break;
		case 'L':
			options.label = optarg;
			break;
		case 'i':
			id_text = optarg;
			break;
		case 'n':
			errno = 0;
			options.count = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || optarg[0] == '-' ||
			    options.count == 0 || options.count > COUNT_MAX)
				return util_usage_error(
				        "--count takes a number "
				        "from 1 to %lu",
				        COUNT_MAX);
			break;
		case 'b':
			errno = 0;
			options.batch_size = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || optarg[0] == '-' ||
			    options.batch_size == 0 ||
			    options.batch_size > COUNT_MAX)
				return util_usage_error(
				        "--batch-size takes a number "
				        "from 1 to %lu",
				        COUNT_MAX);
			break;
		case 'x':
			options.extractable = true;
			break;
		case 'p':
			pin_source = optarg;
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
	if (optind < argc)
		return util_usage_error("unexpected argument '%s'",
		                        argv[optind]);
	key_spec spec;
	if (type == NULL)
		return util_usage_error("give the key --type (e.g. "
		                        "ec:prime256v1, ed25519, aes:256)");
	if (parse_spec(type, &spec) != 0)
		return util_usage_error(
		        "unknown key type '%s' (ec:prime256v1, ec:secp384r1, "
		        "ec:secp521r1, ed25519, x25519, rsa:BITS, aes:128|192|"
		        "256, generic:BITS)",
		        type);
	if (token_text == NULL)
		return util_usage_error("name the token: --token "
		                        "pkcs11:token=LABEL");
	if (options.label == NULL)
		options.label = spec.name;
	if (strlen(options.label) > 200)
		return util_usage_error("the label is too long");
	if (id_text != NULL) {
		if (util_hex_parse(id_text, &options.id, &options.id_length) !=
		    0)
			return util_usage_error("--id takes hex digits, e.g. "
			                        "01 or 0a:1b");
		options.id_given = true;
	} else {
		options.id_length = 8;
		options.id = malloc(options.id_length);
		if (options.id == NULL)
			return util_error(UTIL_EXIT_FAILED, "out of memory");
	}
	P11KitUri *uri;
	int status = util_uri_parse(token_text, &uri);
	util_module module;
	util_token token;
	CK_SESSION_HANDLE session;
	util_secret pin = {0};
	if (status == UTIL_EXIT_OK) {
		status = util_module_load(module_path, &module);
		if (status == UTIL_EXIT_OK) {
			status = util_token_find(&module, uri, &token);
			if (status == UTIL_EXIT_OK)
				status = util_session_open(&module, &token,
				                           true, &session);
			if (status == UTIL_EXIT_OK)
				status = util_secret_read(
				        pin_source, "GUARDHSM_PIN", "User PIN",
				        false, &pin);
			if (status == UTIL_EXIT_OK)
				status = util_login(&module, session, CKU_USER,
				                    &pin);
			util_secret_free(&pin);
			if (status == UTIL_EXIT_OK)
				status = generate(&module, &token, session,
				                  &spec, &options);
			util_module_unload(&module);
		}
		util_uri_free(uri);
	}
	free(options.id);
	return status;
}
