/* The module's configuration: built-in defaults, overridden by a config
 * file of `key = value` lines. Looked up in $GUARDHSM_CONF (which must
 * exist if set), else $XDG_CONFIG_HOME/guardhsm/guardhsm.conf (XDG default
 * ~/.config), else /etc/guardhsm/guardhsm.conf. */
#ifndef GUARDHSM_PKCS11_CONFIG_H
#define GUARDHSM_PKCS11_CONFIG_H

#include "enclave/enclave.h"
#include "pkcs11/log.h"

#include <stddef.h>
#include <stdint.h>

#define P11_CONFIG_PATH_MAX 4096

typedef enum p11_kdf_strength {
	P11_KDF_INTERACTIVE = 0,
	P11_KDF_MODERATE,
	P11_KDF_SENSITIVE,
} p11_kdf_strength;

/* The keys of the config file, in the order they are documented. */
typedef enum p11_config_key {
	P11_CONFIG_STORE_PATH = 0,
	P11_CONFIG_LOG_LEVEL,
	P11_CONFIG_LOG_FILE,
	P11_CONFIG_PIN_TRIES,
	P11_CONFIG_PIN_KDF,
	P11_CONFIG_ENCLAVE_BUDGET,
	P11_CONFIG_SECURE_HEAP,
	P11_CONFIG_SECRETMEM,
	P11_CONFIG_REPROTECT_DELAY,
	P11_CONFIG_KEY_COUNT,
} p11_config_key;

/* The key's name in the config file ("store_path", ...), NULL if out of
 * range. */
const char *p11_config_key_name(p11_config_key key);

typedef struct p11_config {
	char store_path[P11_CONFIG_PATH_MAX];
	p11_log_level log_level;
	char log_file[P11_CONFIG_PATH_MAX]; /* empty: stderr */
	uint32_t pin_tries;                 /* for new tokens */
	size_t enclave_budget;              /* 0: from RLIMIT_MEMLOCK */
	size_t secure_heap;                 /* OpenSSL's, if we set it up */
	enc_secretmem_mode secretmem;
	unsigned reprotect_delay_ms; /* the enclave's reprotect_delay_ms */
	p11_kdf_strength kdf;
	/* Where the values came from: the file read (empty: none was), and
	 * per key the line of it that set the key (0: the default). */
	char source_file[P11_CONFIG_PATH_MAX];
	unsigned source_line[P11_CONFIG_KEY_COUNT];
} p11_config;

/* Fills defaults, then reads the config file found as above. On error
 * writes a one-line explanation (naming file, line and key) into error and
 * returns -1; unknown keys and bad values are errors. */
int p11_config_load(p11_config *config, char *error, size_t error_size);

/* The same for one given file (used by the above and by tests). */
int p11_config_read_file(p11_config *config, const char *path, char *error,
                         size_t error_size);

void p11_config_defaults(p11_config *config);

/* The value of key as the config file would spell it ("" for an unset
 * log_file or enclave_budget, meaning stderr / from RLIMIT_MEMLOCK).
 * Returns -1 if key is out of range or the value does not fit. */
int p11_config_format(const p11_config *config, p11_config_key key, char *value,
                      size_t size);

#endif
