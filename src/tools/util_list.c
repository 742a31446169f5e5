/* list: the slots and their tokens, or the objects of one token, as an
 * aligned table or as JSON. */
#include "config.h"

#include "tools/util_keys.h"

#include <getopt.h>
#include <p11-kit/uri.h>
#include <stdlib.h>
#include <string.h>

const char *util_class_name(CK_OBJECT_CLASS object_class)
{
	switch (object_class) {
	case CKO_DATA:
		return "data";
	case CKO_CERTIFICATE:
		return "cert";
	case CKO_PUBLIC_KEY:
		return "public";
	case CKO_PRIVATE_KEY:
		return "private";
	case CKO_SECRET_KEY:
		return "secret-key";
	default:
		return "other";
	}
}

void util_describe_key(util_module *module, CK_SESSION_HANDLE session,
                       CK_OBJECT_HANDLE object, char *out, size_t size)
{
	CK_ULONG key_type, value;
	snprintf(out, size, "-");
	if (!util_attribute_ulong(module, session, object, CKA_KEY_TYPE,
	                          &key_type))
		return;
	unsigned char *params = NULL;
	CK_ULONG length = 0;
	const util_curve *curve = NULL;
	switch (key_type) {
	case CKK_EC:
	case CKK_EC_EDWARDS:
	case CKK_EC_MONTGOMERY:
		util_attribute_get(module, session, object, CKA_EC_PARAMS,
		                   &params, &length);
		curve = params ? util_curve_by_params(params, length) : NULL;
		free(params);
		if (curve != NULL && key_type == CKK_EC)
			snprintf(out, size, "ec:%s", curve->name);
		else if (curve != NULL)
			snprintf(out, size, "%s", curve->name);
		else
			snprintf(out, size, "ec:unknown-curve");
		break;
	case CKK_RSA:
		if (util_attribute_ulong(module, session, object,
		                         CKA_MODULUS_BITS, &value))
			snprintf(out, size, "rsa:%lu", (unsigned long)value);
		else if (util_attribute_get(module, session, object,
		                            CKA_MODULUS, &params,
		                            &length) == CKR_OK &&
		         params != NULL)
			snprintf(out, size, "rsa:%lu",
			         (unsigned long)length * 8);
		else
			snprintf(out, size, "rsa");
		free(params);
		break;
	case CKK_AES:
	case CKK_GENERIC_SECRET:
	case CKK_CHACHA20:
		if (util_attribute_ulong(module, session, object, CKA_VALUE_LEN,
		                         &value))
			snprintf(out, size, "%s:%lu",
			         key_type == CKK_AES        ? "aes"
			         : key_type == CKK_CHACHA20 ? "chacha20"
			                                    : "generic",
			         (unsigned long)value * 8);
		else
			snprintf(out, size, "%s",
			         key_type == CKK_AES ? "aes" : "generic");
		break;
	default:
		snprintf(out, size, "key-type-0x%lx", (unsigned long)key_type);
	}
}

/* ---- Slots -------------------------------------------------------------- */

static void token_state(const CK_TOKEN_INFO *info, char *out, size_t size)
{
	static const struct {
		CK_FLAGS flag;
		const char *name;
	} names[] = {
	        {CKF_USER_PIN_INITIALIZED, "user-pin-set"},
	        {CKF_USER_PIN_COUNT_LOW, "user-pin-count-low"},
	        {CKF_USER_PIN_FINAL_TRY, "user-pin-final-try"},
	        {CKF_USER_PIN_LOCKED, "user-pin-locked"},
	        {CKF_SO_PIN_COUNT_LOW, "so-pin-count-low"},
	        {CKF_SO_PIN_FINAL_TRY, "so-pin-final-try"},
	        {CKF_SO_PIN_LOCKED, "so-pin-locked"},
	};
	if (!(info->flags & CKF_TOKEN_INITIALIZED)) {
		snprintf(out, size, "uninitialised");
		return;
	}
	size_t used = (size_t)snprintf(out, size, "initialised");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((info->flags & names[i].flag) && used < size)
			used += (size_t)snprintf(out + used, size - used, ",%s",
			                         names[i].name);
}

static char *token_uri(const CK_TOKEN_INFO *info)
{
	P11KitUri *uri = p11_kit_uri_new();
	char *text = NULL;
	if (uri == NULL)
		return NULL;
	*p11_kit_uri_get_token_info(uri) = *info;
	if (p11_kit_uri_format(uri, P11_KIT_URI_FOR_TOKEN, &text) !=
	    P11_KIT_URI_OK)
		text = NULL;
	p11_kit_uri_free(uri);
	return text;
}

static void json_field(FILE *out, const char *name, const char *value,
                       bool comma)
{
	util_json_string(out, name, strlen(name));
	fputs(": ", out);
	util_json_string(out, value, strlen(value));
	if (comma)
		fputs(", ", out);
}

static int list_slots(util_module *module, bool json)
{
	CK_ULONG count = 0;
	CK_RV rv = module->functions->C_GetSlotList(CK_FALSE, NULL, &count);
	CK_SLOT_ID *slots = calloc(count ? count : 1, sizeof(*slots));
	if (slots == NULL)
		return util_error(UTIL_EXIT_FAILED, "out of memory");
	if (rv == CKR_OK)
		rv = module->functions->C_GetSlotList(CK_FALSE, slots, &count);
	if (rv != CKR_OK) {
		free(slots);
		return util_rv_error(rv, "C_GetSlotList");
	}
	static const char *headers[] = {"SLOT", "LABEL", "SERIAL", "STATE"};
	util_table table;
	util_table_init(&table, headers, 4);
	if (json) {
		printf("{\"module\": ");
		util_json_string(stdout, module->path, strlen(module->path));
		printf(", \"slots\": [");
	}
	for (CK_ULONG i = 0; i < count; i++) {
		CK_TOKEN_INFO info;
		char slot[24], label[33], serial[17], state[256];
		snprintf(slot, sizeof(slot), "%lu", (unsigned long)slots[i]);
		rv = module->functions->C_GetTokenInfo(slots[i], &info);
		if (rv == CKR_OK) {
			util_padded_string(info.label, sizeof(info.label),
			                   label);
			util_padded_string(info.serialNumber,
			                   sizeof(info.serialNumber), serial);
			token_state(&info, state, sizeof(state));
		} else {
			label[0] = serial[0] = '\0';
			snprintf(state, sizeof(state), "%s",
			         rv == CKR_TOKEN_NOT_RECOGNIZED
			                 ? "unreadable"
			                 : util_rv_name(rv));
		}
		if (!json) {
			const char *row[] = {slot, label, serial, state};
			util_table_add(&table, row);
			continue;
		}
		printf("%s{\"slot\": %s, ", i ? ", " : "", slot);
		json_field(stdout, "label", label, true);
		json_field(stdout, "serial", serial, true);
		bool initialised =
		        rv == CKR_OK && (info.flags & CKF_TOKEN_INITIALIZED);
		printf("\"initialised\": %s, ", initialised ? "true" : "false");
		if (initialised) {
			char *uri = token_uri(&info);
			json_field(stdout, "uri", uri ? uri : "", true);
			free(uri);
			printf("\"user_pin_set\": %s, \"user_pin_locked\": %s, "
			       "\"so_pin_locked\": %s, ",
			       info.flags & CKF_USER_PIN_INITIALIZED ? "true"
			                                             : "false",
			       info.flags & CKF_USER_PIN_LOCKED ? "true"
			                                        : "false",
			       info.flags & CKF_SO_PIN_LOCKED ? "true"
			                                      : "false");
		}
		json_field(stdout, "state", state, false);
		printf("}");
	}
	if (json)
		printf("]}\n");
	else
		util_table_print(&table, stdout);
	util_table_free(&table);
	free(slots);
	return UTIL_EXIT_OK;
}

/* ---- Objects ------------------------------------------------------------ */

static void usage_flags(util_module *module, CK_SESSION_HANDLE session,
                        CK_OBJECT_HANDLE object, char *out, size_t size)
{
	static const struct {
		CK_ATTRIBUTE_TYPE type;
		const char *name;
	} flags[] = {
	        {CKA_PRIVATE, "private"},
	        {CKA_SENSITIVE, "sensitive"},
	        {CKA_EXTRACTABLE, "extractable"},
	        {CKA_LOCAL, "local"},
	        {CKA_SIGN, "sign"},
	        {CKA_VERIFY, "verify"},
	        {CKA_ENCRYPT, "encrypt"},
	        {CKA_DECRYPT, "decrypt"},
	        {CKA_WRAP, "wrap"},
	        {CKA_UNWRAP, "unwrap"},
	        {CKA_DERIVE, "derive"},
	};
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		bool value;
		if (util_attribute_bool(module, session, object, flags[i].type,
		                        &value) &&
		    value && used < size)
			used += (size_t)snprintf(out + used, size - used,
			                         "%s%s", used ? "," : "",
			                         flags[i].name);
	}
}

static int list_objects(util_module *module, P11KitUri *uri,
                        const char *pin_source, bool login, bool json)
{
	util_token token;
	int status = util_token_find(module, uri, &token);
	CK_SESSION_HANDLE session;
	if (status == UTIL_EXIT_OK)
		status = util_session_open(module, &token, false, &session);
	if (status != UTIL_EXIT_OK)
		return status;
	if (login) {
		util_secret pin;
		status = util_secret_read(pin_source, "GUARDHSM_PIN",
		                          "User PIN", false, &pin);
		if (status == UTIL_EXIT_OK)
			status = util_login(module, session, CKU_USER, &pin);
		util_secret_free(&pin);
		if (status != UTIL_EXIT_OK)
			return status;
	}
	CK_ULONG template_count;
	CK_ATTRIBUTE *template = util_uri_attributes(uri, &template_count);
	CK_OBJECT_HANDLE *objects;
	CK_ULONG found;
	status = util_objects_find(module, session, template, template_count,
	                           &objects, &found);
	if (status != UTIL_EXIT_OK)
		return status;
	static const char *headers[] = {"CLASS", "TYPE", "LABEL", "ID",
	                                "FLAGS"};
	util_table table;
	util_table_init(&table, headers, 5);
	if (json)
		printf("{\"token\": {\"slot\": %lu, ",
		       (unsigned long)token.slot);
	char label[33], serial[17];
	util_padded_string(token.info.label, sizeof(token.info.label), label);
	util_padded_string(token.info.serialNumber,
	                   sizeof(token.info.serialNumber), serial);
	if (json) {
		json_field(stdout, "label", label, true);
		json_field(stdout, "serial", serial, false);
		printf("}, \"objects\": [");
	}
	for (CK_ULONG i = 0; i < found; i++) {
		CK_ULONG object_class = (CK_ULONG)-1;
		util_attribute_ulong(module, session, objects[i], CKA_CLASS,
		                     &object_class);
		unsigned char *value, *id;
		CK_ULONG value_length, id_length;
		util_attribute_get(module, session, objects[i], CKA_LABEL,
		                   &value, &value_length);
		util_attribute_get(module, session, objects[i], CKA_ID, &id,
		                   &id_length);
		char *object_label =
		        strndup(value ? (char *)value : "", value_length);
		char *hex = malloc(2 * id_length + 1);
		char type[64], flags[160];
		util_describe_key(module, session, objects[i], type,
		                  sizeof(type));
		usage_flags(module, session, objects[i], flags, sizeof(flags));
		if (object_label == NULL || hex == NULL) {
			free(object_label);
			free(hex);
			free(value);
			free(id);
			status = util_error(UTIL_EXIT_FAILED, "out of memory");
			break;
		}
		util_hex(id, id_length, hex);
		const char *class_name = util_class_name(object_class);
		if (json) {
			printf("%s{", i ? ", " : "");
			json_field(stdout, "class", class_name, true);
			json_field(stdout, "type", type, true);
			util_json_string(stdout, "label", 5);
			fputs(": ", stdout);
			util_json_string(stdout, (char *)value, value_length);
			fputs(", ", stdout);
			json_field(stdout, "id", hex, true);
			json_field(stdout, "flags", flags, false);
			printf("}");
		} else {
			const char *row[] = {class_name, type, object_label,
			                     hex, flags};
			util_table_add(&table, row);
		}
		free(object_label);
		free(hex);
		free(value);
		free(id);
	}
	if (json)
		printf("]}\n");
	else if (status == UTIL_EXIT_OK)
		util_table_print(&table, stdout);
	util_table_free(&table);
	free(objects);
	return status;
}

int util_cmd_list(int argc, char **argv)
{
	static const struct option options[] = {
	        {"token", required_argument, NULL, 't'},
	        {"login", no_argument, NULL, 'l'},
	        {"pin-source", required_argument, NULL, 'p'},
	        {"json", no_argument, NULL, 'j'},
	        {"module", required_argument, NULL, 'm'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *token = NULL, *pin_source = NULL, *module_path = NULL;
	bool json = false, login = false;
	int option;
	while ((option = getopt_long(argc, argv, "t:lp:jm:h", options, NULL)) !=
	       -1) {
		switch (option) {
		case 't':
			token = optarg;
			break;
		case 'l':
			login = true;
			break;
		case 'p':
			pin_source = optarg;
			login = true;
			break;
		case 'j':
			json = true;
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
	if (login && token == NULL)
		return util_usage_error("--login needs --token");
	P11KitUri *uri = NULL;
	int status = UTIL_EXIT_OK;
	if (token != NULL)
		status = util_uri_parse(token, &uri);
	util_module module;
	if (status == UTIL_EXIT_OK)
		status = util_module_load(module_path, &module);
	if (status == UTIL_EXIT_OK) {
		status = token != NULL ? list_objects(&module, uri, pin_source,
		                                      login, json)
		                       : list_slots(&module, json);
		util_module_unload(&module);
	}
	util_uri_free(uri);
	return status;
}
