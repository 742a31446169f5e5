#include "config.h"
#include "tools/util_keys.h"
int util_cmd_backup(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return util_error(UTIL_EXIT_FAILED, "not yet");
}
int util_cmd_restore(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return util_error(UTIL_EXIT_FAILED, "not yet");
}
