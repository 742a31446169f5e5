/* Token administration: init-token, delete-token, change-pin, unlock. */
#include "config.h"

#include "tools/util.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* The options these commands share; each takes the ones it documents. */
typedef struct token_options {
	const char *token, *label, *module;
	const char *pin_source, *so_pin_source, *new_pin_source;
	const char *file;
	bool so, no_user_pin;
} token_options;

enum {
	OPT_TOKEN = 't',
	OPT_LABEL = 'L',
	OPT_MODULE = 'm',
	OPT_PIN_SOURCE = 'p',
	OPT_SO_PIN_SOURCE = 's',
	OPT_NEW_PIN_SOURCE = 'n',
	OPT_SO = 'S',
	OPT_FILE = 'f',
	OPT_NO_USER_PIN = 'U',
	OPT_HELP = 'h',
};

/* Parses the options named in allowed (their short letters). */
static int parse(int argc, char **argv, const char *allowed, token_options *out)
{
	static const struct option options[] = {
	        {"token", required_argument, NULL, OPT_TOKEN},
	        {"label", required_argument, NULL, OPT_LABEL},
	        {"module", required_argument, NULL, OPT_MODULE},
	        {"pin-source", required_argument, NULL, OPT_PIN_SOURCE},
	        {"so-pin-source", required_argument, NULL, OPT_SO_PIN_SOURCE},
	        {"new-pin-source", required_argument, NULL, OPT_NEW_PIN_SOURCE},
	        {"so", no_argument, NULL, OPT_SO},
	        {"file", required_argument, NULL, OPT_FILE},
	        {"no-user-pin", no_argument, NULL, OPT_NO_USER_PIN},
	        {"help", no_argument, NULL, OPT_HELP},
	        {NULL, 0, NULL, 0},
	};
	memset(out, 0, sizeof(*out));
	int option;
	while ((option = getopt_long(argc, argv, "t:L:m:p:s:n:Sf:Uh", options,
	                             NULL)) != -1) {
		if (option == OPT_HELP) {
			util_help(util_command, stdout);
			return -1;
		}
		if (option == '?' || strchr(allowed, option) == NULL)
			return util_usage_error("bad option");
		switch (option) {
		case OPT_TOKEN:
			out->token = optarg;
			break;
		case OPT_LABEL:
			out->label = optarg;
			break;
		case OPT_MODULE:
			out->module = optarg;
			break;
		case OPT_PIN_SOURCE:
			out->pin_source = optarg;
			break;
		case OPT_SO_PIN_SOURCE:
			out->so_pin_source = optarg;
			break;
		case OPT_NEW_PIN_SOURCE:
			out->new_pin_source = optarg;
			break;
		case OPT_SO:
			out->so = true;
			break;
		case OPT_FILE:
			out->file = optarg;
			break;
		case OPT_NO_USER_PIN:
			out->no_user_pin = true;
			break;
		}
	}
	if (optind < argc)
		return util_usage_error("unexpected argument '%s'",
		                        argv[optind]);
	return UTIL_EXIT_OK;
}

/* Loads the module and finds the token of --token. */
static int open_token(const token_options *options, util_module *module,
                      util_token *token)
{
	if (options->token == NULL)
		return util_usage_error("name the token: --token "
		                        "pkcs11:token=LABEL");
	P11KitUri *uri;
	int status = util_uri_parse(options->token, &uri);
	if (status != UTIL_EXIT_OK)
		return status;
	status = util_module_load(options->module, module);
	if (status == UTIL_EXIT_OK) {
		status = util_token_find(module, uri, token);
		if (status != UTIL_EXIT_OK)
			util_module_unload(module);
	}
	util_uri_free(uri);
	return status;
}

static void print_token(const char *verb, const util_token *token)
{
	char label[33], serial[17];
	util_padded_string(token->info.label, sizeof(token->info.label), label);
	util_padded_string(token->info.serialNumber,
	                   sizeof(token->info.serialNumber), serial);
	printf("%s token '%s' (serial %s, slot %lu)\n", verb, label, serial,
	       (unsigned long)token->slot);
}

static bool label_taken(util_module *module, const char *label)
{
	CK_SLOT_ID *slots = NULL;
	CK_ULONG count = 0;
	bool taken = false;
	if (module->functions->C_GetSlotList(CK_TRUE, NULL, &count) != CKR_OK ||
	    (slots = calloc(count + 1, sizeof(*slots))) == NULL ||
	    module->functions->C_GetSlotList(CK_TRUE, slots, &count) !=
	            CKR_OK) {
		free(slots);
		return false;
	}
	for (CK_ULONG i = 0; i < count && !taken; i++) {
		CK_TOKEN_INFO info;
		char existing[33];
		if (module->functions->C_GetTokenInfo(slots[i], &info) !=
		            CKR_OK ||
		    !(info.flags & CKF_TOKEN_INITIALIZED))
			continue;
		util_padded_string(info.label, sizeof(info.label), existing);
		taken = strcmp(existing, label) == 0;
	}
	free(slots);
	return taken;
}

int util_cmd_init_token(int argc, char **argv)
{
	token_options options;
	int status = parse(argc, argv, "LmpsnU", &options);
	if (status != UTIL_EXIT_OK)
		return status < 0 ? UTIL_EXIT_OK : status;
	if (options.label == NULL || options.label[0] == '\0')
		return util_usage_error("give the new token a --label");
	if (strlen(options.label) > 32)
		return util_usage_error("a label has at most 32 bytes");
	util_module module;
	status = util_module_load(options.module, &module);
	if (status != UTIL_EXIT_OK)
		return status;
	/* One label, one token: a URI by label must stay unambiguous. */
	if (label_taken(&module, options.label))
		status = util_error(UTIL_EXIT_USAGE,
		                    "a token labelled '%s' exists already "
		                    "(delete-token removes it)",
		                    options.label);
	util_token token;
	CK_SLOT_ID slot = 0;
	if (status == UTIL_EXIT_OK)
		status = util_empty_slot(&module, &slot);
	util_secret so_pin = {0}, user_pin = {0};
	if (status == UTIL_EXIT_OK)
		status = util_secret_read(options.so_pin_source,
		                          "GUARDHSM_SO_PIN", "New SO PIN", true,
		                          &so_pin);
	if (status == UTIL_EXIT_OK && !options.no_user_pin)
		status = util_secret_read(options.pin_source, "GUARDHSM_PIN",
		                          "New user PIN", true, &user_pin);
	CK_UTF8CHAR label[32];
	memset(label, ' ', sizeof(label));
	memcpy(label, options.label, strlen(options.label));
	CK_RV rv = CKR_OK;
	if (status == UTIL_EXIT_OK) {
		rv = module.functions->C_InitToken(
		        slot, (CK_UTF8CHAR_PTR)util_secret_data(&so_pin),
		        so_pin.length, label);
		if (rv != CKR_OK)
			status = util_rv_error(rv, "C_InitToken");
	}
	token.slot = slot;
	CK_SESSION_HANDLE session;
	if (status == UTIL_EXIT_OK && !options.no_user_pin) {
		status = util_session_open(&module, &token, true, &session);
		if (status == UTIL_EXIT_OK) {
			status = util_login(&module, session, CKU_SO, &so_pin);
			if (status == UTIL_EXIT_OK) {
				rv = module.functions->C_InitPIN(
				        session,
				        (CK_UTF8CHAR_PTR)util_secret_data(
				                &user_pin),
				        user_pin.length);
				if (rv != CKR_OK)
					status = util_rv_error(
					        rv, "C_InitPIN (the token was "
					            "created; unlock sets the "
					            "user PIN)");
				module.functions->C_Logout(session);
			}
			module.functions->C_CloseSession(session);
		}
	}
	if (status == UTIL_EXIT_OK &&
	    module.functions->C_GetTokenInfo(slot, &token.info) == CKR_OK)
		print_token("Initialised", &token);
	util_secret_free(&so_pin);
	util_secret_free(&user_pin);
	util_module_unload(&module);
	return status;
}

int util_cmd_delete_token(int argc, char **argv)
{
	token_options options;
	int status = parse(argc, argv, "tmsf", &options);
	if (status != UTIL_EXIT_OK)
		return status < 0 ? UTIL_EXIT_OK : status;
	char path[4096];
	status = util_token_file(options.module, options.token, options.file,
	                         path, sizeof(path));
	if (status != UTIL_EXIT_OK)
		return status;
	store_token *token;
	store_status result = store_token_open(path, &token);
	if (result != STORE_OK)
		return util_store_error(result, path);
	store_token_info info;
	result = store_token_get_info(token, &info);
	util_secret so_pin = {0};
	if (result == STORE_OK)
		status = util_secret_read(options.so_pin_source,
		                          "GUARDHSM_SO_PIN", "SO PIN", false,
		                          &so_pin);
	else
		status = util_store_error(result, path);
	if (status == UTIL_EXIT_OK) {
		/* The SO PIN proves the right to destroy the token (and
		 * counts a failure, like any login). */
		result = store_login(token, STORE_SO, util_secret_data(&so_pin),
		                     so_pin.length);
		if (result != STORE_OK)
			status = util_store_error(result, "SO login");
	}
	util_secret_free(&so_pin);
	if (status != UTIL_EXIT_OK) {
		store_token_close(token);
		return status;
	}
	char label[33];
	memcpy(label, info.label, 32);
	label[32] = '\0';
	for (int i = 31; i >= 0 && label[i] == ' '; i--)
		label[i] = '\0';
	result = store_token_delete(token); /* closes it */
	if (result != STORE_OK)
		return util_store_error(result, "deleting the token's files");
	printf("Deleted token '%s' (serial %.16s): %s\n", label, info.serial,
	       path);
	return UTIL_EXIT_OK;
}

int util_cmd_change_pin(int argc, char **argv)
{
	token_options options;
	int status = parse(argc, argv, "tmpsnS", &options);
	if (status != UTIL_EXIT_OK)
		return status < 0 ? UTIL_EXIT_OK : status;
	util_module module;
	util_token token;
	status = open_token(&options, &module, &token);
	if (status != UTIL_EXIT_OK)
		return status;
	util_secret old_pin = {0}, new_pin = {0};
	status =
	        options.so
	                ? util_secret_read(options.so_pin_source,
	                                   "GUARDHSM_SO_PIN", "Current SO PIN",
	                                   false, &old_pin)
	                : util_secret_read(options.pin_source, "GUARDHSM_PIN",
	                                   "Current user PIN", false, &old_pin);
	if (status == UTIL_EXIT_OK)
		status = util_secret_read(options.new_pin_source, NULL,
		                          options.so ? "New SO PIN"
		                                     : "New user PIN",
		                          true, &new_pin);
	CK_SESSION_HANDLE session;
	if (status == UTIL_EXIT_OK)
		status = util_session_open(&module, &token, true, &session);
	if (status == UTIL_EXIT_OK) {
		/* C_SetPIN changes the PIN of the user logged in, or the
		 * user PIN when nobody is. */
		if (options.so)
			status = util_login(&module, session, CKU_SO, &old_pin);
		if (status == UTIL_EXIT_OK) {
			CK_RV rv = module.functions->C_SetPIN(
			        session,
			        (CK_UTF8CHAR_PTR)util_secret_data(&old_pin),
			        old_pin.length,
			        (CK_UTF8CHAR_PTR)util_secret_data(&new_pin),
			        new_pin.length);
			if (rv != CKR_OK)
				status = util_rv_error(rv, "C_SetPIN");
			if (options.so)
				module.functions->C_Logout(session);
		}
		module.functions->C_CloseSession(session);
	}
	if (status == UTIL_EXIT_OK)
		print_token(options.so ? "Changed the SO PIN of"
		                       : "Changed the user PIN of",
		            &token);
	util_secret_free(&old_pin);
	util_secret_free(&new_pin);
	util_module_unload(&module);
	return status;
}

int util_cmd_unlock(int argc, char **argv)
{
	token_options options;
	int status = parse(argc, argv, "tmsn", &options);
	if (status != UTIL_EXIT_OK)
		return status < 0 ? UTIL_EXIT_OK : status;
	util_module module;
	util_token token;
	status = open_token(&options, &module, &token);
	if (status != UTIL_EXIT_OK)
		return status;
	util_secret so_pin = {0}, new_pin = {0};
	status = util_secret_read(options.so_pin_source, "GUARDHSM_SO_PIN",
	                          "SO PIN", false, &so_pin);
	if (status == UTIL_EXIT_OK)
		status = util_secret_read(options.new_pin_source, NULL,
		                          "New user PIN", true, &new_pin);
	CK_SESSION_HANDLE session;
	if (status == UTIL_EXIT_OK)
		status = util_session_open(&module, &token, true, &session);
	if (status == UTIL_EXIT_OK) {
		status = util_login(&module, session, CKU_SO, &so_pin);
		if (status == UTIL_EXIT_OK) {
			/* C_InitPIN sets the user PIN and resets its failure
			 * counter: that is what unlocks it. */
			CK_RV rv = module.functions->C_InitPIN(
			        session,
			        (CK_UTF8CHAR_PTR)util_secret_data(&new_pin),
			        new_pin.length);
			if (rv != CKR_OK)
				status = util_rv_error(rv, "C_InitPIN");
			module.functions->C_Logout(session);
		}
		module.functions->C_CloseSession(session);
	}
	if (status == UTIL_EXIT_OK)
		print_token("Set a new user PIN (unlocked) on", &token);
	util_secret_free(&so_pin);
	util_secret_free(&new_pin);
	util_module_unload(&module);
	return status;
}
