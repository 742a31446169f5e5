#include "config.h"

#include "known_keys.h"

#include <sodium.h>
#include <string.h>

const kk_key kk_module_keys[KK_MODULE_KEYS] = {
        [KK_TOKEN_ED25519] = {"token-ed25519-seed", KK_ED25519},
        [KK_TOKEN_P256] = {"token-p256-scalar", KK_P256},
        [KK_TOKEN_HMAC] = {"token-hmac-key", KK_HMAC},
        [KK_SESSION_ED25519] = {"session-ed25519-seed", KK_ED25519},
        [KK_SESSION_P256] = {"session-p256-scalar", KK_P256},
        [KK_SESSION_HMAC] = {"session-hmac-key", KK_HMAC},
        [KK_TOKEN_AES] = {"token-aes-key", KK_AES},
        [KK_SESSION_AES] = {"session-aes-key", KK_AES},
        [KK_TOKEN_RSA] = {"token-rsa-key", KK_RSA},
};

const kk_key kk_selftest_keys[KK_SELFTEST_KEYS] = {
        [KK_SELFTEST_HEAP] = {"selftest-heap", KK_RAW},
        [KK_SELFTEST_LOCKED] = {"selftest-locked", KK_RAW},
        [KK_SELFTEST_ABSENT] = {"selftest-absent", KK_RAW},
        [KK_SELFTEST_WIPED] = {"selftest-wiped", KK_RAW},
        [KK_SELFTEST_LOCKED_DUMP] = {"selftest-locked-dumpable", KK_RAW},
};

#define KK_PREFIX "guardhsm memscan v1/"

int kk_derive(const kk_key *key, unsigned char slot[KK_SLOT_BYTES])
{
	if (sodium_init() < 0)
		return -1;
	/* The input is public: only the output is secret. */
	char input[128];
	size_t prefix = strlen(KK_PREFIX), name = strlen(key->name);
	if (prefix + name > sizeof input)
		return -1;
	memcpy(input, KK_PREFIX, prefix);
	memcpy(input + prefix, key->name, name);
	crypto_hash_sha512(slot, (const unsigned char *)input, prefix + name);
	if (key->kind == KK_P256)
		slot[0] &= 0x7f; /* < 2^255 < n */
	sodium_memzero(slot + KK_KEY_BYTES, KK_SLOT_BYTES - KK_KEY_BYTES);
	return 0;
}
