#include "config.h"

#include "pkcs11/configuration.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_PIN_TRIES 10
#define MAX_PIN_TRIES 100

static int copy_path(char *dst, const char *a, const char *b)
{
	int written = snprintf(dst, P11_CONFIG_PATH_MAX, "%s%s", a, b);
	return written > 0 && written < P11_CONFIG_PATH_MAX ? 0 : -1;
}

/* $XDG_DATA_HOME/guardhsm, else ~/.local/share/guardhsm (XDG base dirs). */
static void default_store_path(char *path)
{
	const char *data = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	path[0] = '\0';
	if (data != NULL && data[0] == '/')
		copy_path(path, data, "/guardhsm");
	else if (home != NULL && home[0] != '\0')
		copy_path(path, home, "/.local/share/guardhsm");
	else
		copy_path(path, "/tmp", "/guardhsm");
}

void p11_config_defaults(p11_config *config)
{
	memset(config, 0, sizeof(*config));
	default_store_path(config->store_path);
	config->log_level = P11_LOG_WARNING;
	config->pin_tries = DEFAULT_PIN_TRIES;
	config->enclave_budget = 0;
	config->secure_heap = 256 * 1024;
	config->secretmem = ENC_SECRETMEM_OFF;
	config->kdf = P11_KDF_INTERACTIVE;
}

static char *trim(char *text)
{
	while (isspace((unsigned char)*text))
		text++;
	char *end = text + strlen(text);
	while (end > text && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return text;
}

/* "64M", "1048576", "512k": bytes. */
static int parse_size(const char *text, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	if (errno != 0 || end == text || text[0] == '-')
		return -1;
	unsigned long long scale = 1;
	if (*end != '\0') {
		switch (toupper((unsigned char)*end)) {
		case 'K':
			scale = 1ULL << 10;
			break;
		case 'M':
			scale = 1ULL << 20;
			break;
		case 'G':
			scale = 1ULL << 30;
			break;
		default:
			return -1;
		}
		if (end[1] != '\0' &&
		    !(toupper((unsigned char)end[1]) == 'B' && end[2] == '\0'))
			return -1;
	}
	if (value > SIZE_MAX / scale)
		return -1;
	*out = (size_t)(value * scale);
	return 0;
}

static int parse_choice(const char *text, const char *const *names, int count)
{
	for (int i = 0; i < count; i++)
		if (strcasecmp(text, names[i]) == 0)
			return i;
	return -1;
}

static const char *const level_names[] = {"error", "warning", "info", "debug"};
static const char *const secretmem_names[] = {"off", "auto", "require"};
static const char *const kdf_names[] = {"interactive", "moderate", "sensitive"};

/* Applies one key; returns NULL or a description of what is wrong. */
static const char *apply(p11_config *config, const char *key, const char *value)
{
	if (strcmp(key, "store_path") == 0) {
		if (value[0] != '/')
			return "must be an absolute path";
		return copy_path(config->store_path, value, "") == 0
		               ? NULL
		               : "path too long";
	}
	if (strcmp(key, "log_level") == 0) {
		int level = parse_choice(value, level_names, 4);
		if (level < 0)
			return "must be error, warning, info or debug";
		config->log_level = (p11_log_level)level;
		return NULL;
	}
	if (strcmp(key, "log_file") == 0) {
		if (value[0] != '/')
			return "must be an absolute path";
		return copy_path(config->log_file, value, "") == 0
		               ? NULL
		               : "path too long";
	}
	if (strcmp(key, "pin_tries") == 0) {
		char *end;
		errno = 0;
		long tries = strtol(value, &end, 10);
		if (errno != 0 || *end != '\0' || tries < 1 ||
		    tries > MAX_PIN_TRIES)
			return "must be a whole number from 1 to 100";
		config->pin_tries = (uint32_t)tries;
		return NULL;
	}
	if (strcmp(key, "enclave_budget") == 0) {
		size_t bytes;
		if (parse_size(value, &bytes) != 0 || bytes < 65536)
			return "must be a size of at least 64K (e.g. 65536, "
			       "64K, "
			       "16M)";
		config->enclave_budget = bytes;
		return NULL;
	}
	if (strcmp(key, "openssl_secure_heap") == 0) {
		size_t bytes;
		if (parse_size(value, &bytes) != 0 || bytes < 16384 ||
		    bytes > (256u << 20) || (bytes & (bytes - 1)) != 0)
			return "must be a power of two from 16K to 256M";
		config->secure_heap = bytes;
		return NULL;
	}
	if (strcmp(key, "secretmem") == 0) {
		int mode = parse_choice(value, secretmem_names, 3);
		if (mode < 0)
			return "must be off, auto or require";
		config->secretmem = (enc_secretmem_mode)mode;
		return NULL;
	}
	if (strcmp(key, "pin_kdf") == 0) {
		int strength = parse_choice(value, kdf_names, 3);
		if (strength < 0)
			return "must be interactive, moderate or sensitive";
		config->kdf = (p11_kdf_strength)strength;
		return NULL;
	}
	return "unknown key (known: store_path, log_level, log_file, "
	       "pin_tries, enclave_budget, openssl_secure_heap, secretmem, "
	       "pin_kdf)";
}

int p11_config_read_file(p11_config *config, const char *path, char *error,
                         size_t error_size)
{
	FILE *file = fopen(path, "re");
	if (file == NULL) {
		snprintf(error, error_size, "%s: cannot open: %s", path,
		         strerror(errno));
		return -1;
	}
	char line[P11_CONFIG_PATH_MAX + 64];
	int number = 0;
	int result = 0;
	while (fgets(line, sizeof(line), file) != NULL) {
		number++;
		if (strchr(line, '\n') == NULL && !feof(file)) {
			snprintf(error, error_size, "%s:%d: line too long",
			         path, number);
			result = -1;
			break;
		}
		char *text = trim(line);
		if (text[0] == '\0' || text[0] == '#')
			continue;
		char *equals = strchr(text, '=');
		if (equals == NULL) {
			snprintf(error, error_size,
			         "%s:%d: expected `key = value`", path, number);
			result = -1;
			break;
		}
		*equals = '\0';
		char *key = trim(text);
		char *value = trim(equals + 1);
		const char *problem = apply(config, key, value);
		if (problem != NULL) {
			snprintf(error, error_size, "%s:%d: %s: %s", path,
			         number, key, problem);
			result = -1;
			break;
		}
	}
	fclose(file);
	if (result == 0)
		copy_path(config->source_file, path, "");
	return result;
}

int p11_config_load(p11_config *config, char *error, size_t error_size)
{
	p11_config_defaults(config);
	const char *explicit_path = getenv("GUARDHSM_CONF");
	if (explicit_path != NULL && explicit_path[0] != '\0')
		return p11_config_read_file(config, explicit_path, error,
		                            error_size);

	char path[P11_CONFIG_PATH_MAX];
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int made = -1;
	if (xdg != NULL && xdg[0] == '/')
		made = copy_path(path, xdg, "/guardhsm/guardhsm.conf");
	else if (home != NULL && home[0] != '\0')
		made = copy_path(path, home, "/.config/guardhsm/guardhsm.conf");
	FILE *probe = made == 0 ? fopen(path, "re") : NULL;
	if (probe == NULL) {
		copy_path(path, "/etc/guardhsm/guardhsm.conf", "");
		probe = fopen(path, "re");
	}
	if (probe == NULL)
		return 0; /* no file: defaults */
	fclose(probe);
	return p11_config_read_file(config, path, error, error_size);
}
