/* Finding a token's store file: the module's configuration (read by the
 * module's own parser) names the directory, the token's serial the file. */
#include "config.h"

#include "tools/util.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int util_config_load(p11_config *config)
{
	char error[P11_CONFIG_PATH_MAX + 256];
	if (p11_config_load(config, error, sizeof(error)) != 0)
		return util_error(UTIL_EXIT_INPUT, "configuration: %s", error);
	return UTIL_EXIT_OK;
}

int util_token_path(const p11_config *config, const char *serial, char *path,
                    size_t size)
{
	int written = snprintf(path, size, "%s/token-%s.sqlite",
	                       config->store_path, serial);
	if (written < 0 || (size_t)written >= size)
		return util_error(UTIL_EXIT_INPUT,
		                  "the store path is too long");
	return UTIL_EXIT_OK;
}

int util_token_file(const char *module_option, const char *uri_text,
                    const char *file, char *path, size_t size)
{
	if (file != NULL && uri_text != NULL)
		return util_usage_error("give --token or --file, not both");
	if (file != NULL) {
		if (access(file, R_OK | W_OK) != 0)
			return util_error(errno == ENOENT ? UTIL_EXIT_NOT_FOUND
			                                  : UTIL_EXIT_INPUT,
			                  "%s: %s", file, strerror(errno));
		int written = snprintf(path, size, "%s", file);
		return written >= 0 && (size_t)written < size
		               ? UTIL_EXIT_OK
		               : util_error(UTIL_EXIT_INPUT, "path too long");
	}
	if (uri_text == NULL)
		return util_usage_error("name the token: --token "
		                        "pkcs11:token=LABEL (or --file PATH)");
	P11KitUri *uri;
	int status = util_uri_parse(uri_text, &uri);
	if (status != UTIL_EXIT_OK)
		return status;
	p11_config config;
	status = util_config_load(&config);
	util_module module;
	if (status == UTIL_EXIT_OK)
		status = util_module_load(module_option, &module);
	if (status != UTIL_EXIT_OK) {
		util_uri_free(uri);
		return status;
	}
	util_token token;
	status = util_token_find(&module, uri, &token);
	util_uri_free(uri);
	util_module_unload(&module);
	if (status != UTIL_EXIT_OK)
		return status;
	char serial[sizeof(token.info.serialNumber) + 1];
	util_padded_string(token.info.serialNumber,
	                   sizeof(token.info.serialNumber), serial);
	status = util_token_path(&config, serial, path, size);
	if (status == UTIL_EXIT_OK && access(path, F_OK) != 0)
		status = util_error(UTIL_EXIT_NOT_FOUND,
		                    "the token's file %s is missing (is the "
		                    "module configured with another "
		                    "store_path?)",
		                    path);
	return status;
}

int util_store_error(store_status status, const char *what)
{
	int code;
	switch (status) {
	case STORE_OK:
		return UTIL_EXIT_OK;
	case STORE_ERR_PIN_INCORRECT:
	case STORE_ERR_PIN_LOCKED:
	case STORE_ERR_PIN_NOT_SET:
	case STORE_ERR_NOT_LOGGED_IN:
		code = UTIL_EXIT_PIN;
		break;
	case STORE_ERR_NOT_FOUND:
		code = UTIL_EXIT_NOT_FOUND;
		break;
	case STORE_ERR_INVALID:
		code = UTIL_EXIT_USAGE;
		break;
	default:
		code = UTIL_EXIT_FAILED;
	}
	return util_error(code, "%s: %s", what, store_strerror(status));
}
