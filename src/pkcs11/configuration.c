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
/* Long enough that a busy key (a TLS server's, a signing loop's) stays
 * open between operations; short enough that an idle one is closed
 * before a person notices a pause. */
#define DEFAULT_REPROTECT_DELAY_MS 20
#define MAX_REPROTECT_DELAY_MS 10000

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
	config->reprotect_delay_ms = DEFAULT_REPROTECT_DELAY_MS;
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

static const char *const key_names[P11_CONFIG_KEY_COUNT] = {
        [P11_CONFIG_STORE_PATH] = "store_path",
        [P11_CONFIG_LOG_LEVEL] = "log_level",
        [P11_CONFIG_LOG_FILE] = "log_file",
        [P11_CONFIG_PIN_TRIES] = "pin_tries",
        [P11_CONFIG_PIN_KDF] = "pin_kdf",
        [P11_CONFIG_ENCLAVE_BUDGET] = "enclave_budget",
        [P11_CONFIG_SECURE_HEAP] = "openssl_secure_heap",
        [P11_CONFIG_SECRETMEM] = "secretmem",
        [P11_CONFIG_REPROTECT_DELAY] = "enclave_reprotect_delay",
};

const char *p11_config_key_name(p11_config_key key)
{
	return (unsigned)key < P11_CONFIG_KEY_COUNT ? key_names[key] : NULL;
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
	if (strcmp(key, "enclave_reprotect_delay") == 0) {
		char *end;
		errno = 0;
		long ms = strtol(value, &end, 10);
		if (end != value && strcmp(end, "ms") == 0)
			end += 2;
		if (errno != 0 || end == value || *end != '\0' || ms < 0 ||
		    ms > MAX_REPROTECT_DELAY_MS)
			return "must be a number of milliseconds from 0 to "
			       "10000 (e.g. 20 or 20ms)";
		config->reprotect_delay_ms = (unsigned)ms;
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
	       "enclave_reprotect_delay, pin_kdf)";
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
		if (problem == NULL)
			for (int k = 0; k < P11_CONFIG_KEY_COUNT; k++)
				if (strcmp(key, key_names[k]) == 0)
					config->source_line[k] =
					        (unsigned)number;
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

/* 1048576 -> "1M": the largest unit that divides the size exactly. */
static int format_size(size_t bytes, char *value, size_t size)
{
	static const char units[] = "KMG";
	int unit = -1;
	while (unit < 2 && bytes >= 1024 && bytes % 1024 == 0) {
		bytes /= 1024;
		unit++;
	}
	int written =
	        unit < 0 ? snprintf(value, size, "%zu", bytes)
	                 : snprintf(value, size, "%zu%c", bytes, units[unit]);
	return written >= 0 && (size_t)written < size ? 0 : -1;
}

int p11_config_format(const p11_config *config, p11_config_key key, char *value,
                      size_t size)
{
	const char *text = NULL;
	int written;
	switch (key) {
	case P11_CONFIG_STORE_PATH:
		text = config->store_path;
		break;
	case P11_CONFIG_LOG_LEVEL:
		text = level_names[config->log_level];
		break;
	case P11_CONFIG_LOG_FILE:
		text = config->log_file;
		break;
	case P11_CONFIG_PIN_TRIES:
		written = snprintf(value, size, "%u", config->pin_tries);
		return written >= 0 && (size_t)written < size ? 0 : -1;
	case P11_CONFIG_PIN_KDF:
		text = kdf_names[config->kdf];
		break;
	case P11_CONFIG_ENCLAVE_BUDGET:
		if (config->enclave_budget == 0)
			text = "";
		else
			return format_size(config->enclave_budget, value, size);
		break;
	case P11_CONFIG_SECURE_HEAP:
		return format_size(config->secure_heap, value, size);
	case P11_CONFIG_SECRETMEM:
		text = secretmem_names[config->secretmem];
		break;
	case P11_CONFIG_REPROTECT_DELAY:
		written = snprintf(value, size, "%ums",
		                   config->reprotect_delay_ms);
		return written >= 0 && (size_t)written < size ? 0 : -1;
	default:
		return -1;
	}
	written = snprintf(value, size, "%s", text);
	return written >= 0 && (size_t)written < size ? 0 : -1;
}
