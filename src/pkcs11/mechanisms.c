#include "config.h"

#include "pkcs11/mechanisms.h"

/* The table ends with an entry of this type (not a real mechanism). */
#define END_OF_TABLE CKM_VENDOR_DEFINED

/* Mechanisms arrive with the crypto layer (Ed25519, ECDSA, digests, HMAC,
 * then RSA, AES, ChaCha20-Poly1305); until then the token offers none and
 * says so truthfully. */
static const p11_mechanism mechanisms[] = {
	{END_OF_TABLE, {0, 0, 0}},
};

size_t p11_mechanism_count(void)
{
	size_t count = 0;
	while (mechanisms[count].type != END_OF_TABLE)
		count++;
	return count;
}

const p11_mechanism *p11_mechanism_at(size_t index)
{
	return index < p11_mechanism_count() ? &mechanisms[index] : NULL;
}

const p11_mechanism *p11_mechanism_find(CK_MECHANISM_TYPE type)
{
	for (const p11_mechanism *m = mechanisms; m->type != END_OF_TABLE; m++)
		if (m->type == type)
			return m;
	return NULL;
}
