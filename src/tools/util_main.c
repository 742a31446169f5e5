/* guardhsm-util: entry point, global options and dispatch. */
#include "config.h"

#include "tools/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *util_command = NULL;

typedef struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
        {"init-token", util_cmd_init_token},
        {"delete-token", util_cmd_delete_token},
        {"list", util_cmd_list},
        {"import", util_cmd_import},
        {"export", util_cmd_export},
        {"generate", util_cmd_generate},
        {"change-pin", util_cmd_change_pin},
        {"unlock", util_cmd_unlock},
        {"check", util_cmd_check},
        {"backup", util_cmd_backup},
        {"restore", util_cmd_restore},
        {"config", util_cmd_config},
};

static void say(const char *kind, const char *format, va_list arguments)
{
	fflush(stdout);
	if (util_command != NULL)
		fprintf(stderr, "guardhsm-util %s: %s", util_command, kind);
	else
		fprintf(stderr, "guardhsm-util: %s", kind);
	vfprintf(stderr, format, arguments);
	fputc('\n', stderr);
}

int util_error(int code, const char *format, ...)
{
	va_list arguments;
	va_start(arguments, format);
	say("", format, arguments);
	va_end(arguments);
	return code;
}

void util_warning(const char *format, ...)
{
	va_list arguments;
	va_start(arguments, format);
	say("warning: ", format, arguments);
	va_end(arguments);
}

int util_usage_error(const char *format, ...)
{
	va_list arguments;
	va_start(arguments, format);
	say("", format, arguments);
	va_end(arguments);
	if (util_command != NULL)
		fprintf(stderr, "Try 'guardhsm-util %s --help'.\n",
		        util_command);
	else
		fprintf(stderr, "Try 'guardhsm-util --help'.\n");
	return UTIL_EXIT_USAGE;
}

/* The enclave holds PINs, passphrases and private keys read from files.
 * A small budget: the module, loaded into this process, starts its own
 * enclave and counts its locked memory against the same RLIMIT_MEMLOCK. */
static int start_enclave(void)
{
	enc_config config;
	enc_config_default(&config);
	config.locked_budget = 1u << 20;
	enc_status status = enc_init(&config);
	if (status != ENC_OK)
		return util_error(UTIL_EXIT_FAILED,
		                  "cannot start the memory enclave: %s",
		                  enc_strerror(status));
	return UTIL_EXIT_OK;
}

int main(int argc, char **argv)
{
	/* Global options come before the command: --help, --version. The
	 * commands take --module themselves. */
	int first = 1;
	if (argc < 2) {
		util_help(NULL, stderr);
		return UTIL_EXIT_USAGE;
	}
	const char *name = argv[first];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
	    strcmp(name, "help") == 0) {
		if (argc > 2 && strcmp(name, "help") == 0) {
			util_command = argv[2];
			if (util_help(argv[2], stdout) != 0)
				return util_usage_error("no such command");
			return UTIL_EXIT_OK;
		}
		util_help(NULL, stdout);
		return UTIL_EXIT_OK;
	}
	if (strcmp(name, "--manual") == 0) {
		util_manual(stdout);
		return UTIL_EXIT_OK;
	}
	if (strcmp(name, "--version") == 0) {
		printf("guardhsm-util %s\n", PACKAGE_VERSION);
		return UTIL_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name) != 0)
			continue;
		util_command = name;
		int status = start_enclave();
		if (status != UTIL_EXIT_OK)
			return status;
		/* getopt_long sees the command's own arguments, with the
		 * command as argv[0]. */
		status = commands[i].run(argc - first, argv + first);
		enc_shutdown();
		fflush(stdout);
		if (ferror(stdout) && status == UTIL_EXIT_OK)
			status = util_error(UTIL_EXIT_INPUT,
			                    "cannot write the output");
		return status;
	}
	return util_usage_error("unknown command '%s'", name);
}
