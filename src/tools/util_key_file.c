#include "config.h"
#include "tools/util_keys.h"
int util_key_material_read(const enc_buffer *file, size_t length,
                           const char *passphrase_source,
                           util_key_material *key)
{
	(void)file;
	(void)length;
	(void)passphrase_source;
	(void)key;
	return UTIL_EXIT_FAILED;
}
void util_key_material_free(util_key_material *key)
{
	(void)key;
}
