/* The curves the tool names: their CKA_EC_PARAMS (DER OID), OpenSSL and
 * OpenSSH names, and the PKCS#11 key type. */
#include "config.h"

#include "tools/util_keys.h"

#include <string.h>

static const unsigned char oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                         0xce, 0x3d, 0x03, 0x01, 0x07};
static const unsigned char oid_p384[] = {0x06, 0x05, 0x2b, 0x81,
                                         0x04, 0x00, 0x22};
static const unsigned char oid_p521[] = {0x06, 0x05, 0x2b, 0x81,
                                         0x04, 0x00, 0x23};
static const unsigned char oid_ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const unsigned char oid_x25519[] = {0x06, 0x03, 0x2b, 0x65, 0x6e};
/* The PKCS#11 3.0 PrintableString forms of the two RFC 8410 curves. */
static const unsigned char name_ed25519[] = {
        0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9'};
static const unsigned char name_x25519[] = {0x13, 0x0a, 'c', 'u', 'r', 'v',
                                            'e',  '2',  '5', '5', '1', '9'};

static const util_curve curves[] = {
        {"prime256v1", "P-256", CKK_EC, oid_p256, sizeof(oid_p256), NULL, 0,
         "nistp256", 32, 65},
        {"secp384r1", "P-384", CKK_EC, oid_p384, sizeof(oid_p384), NULL, 0,
         "nistp384", 48, 97},
        {"secp521r1", "P-521", CKK_EC, oid_p521, sizeof(oid_p521), NULL, 0,
         "nistp521", 66, 133},
        {"ed25519", "ED25519", CKK_EC_EDWARDS, oid_ed25519, sizeof(oid_ed25519),
         name_ed25519, sizeof(name_ed25519), NULL, 32, 32},
        {"x25519", "X25519", CKK_EC_MONTGOMERY, oid_x25519, sizeof(oid_x25519),
         name_x25519, sizeof(name_x25519), NULL, 32, 32},
};

#define CURVE_COUNT (sizeof(curves) / sizeof(curves[0]))

const util_curve *util_curve_by_name(const char *name)
{
	for (size_t i = 0; i < CURVE_COUNT; i++)
		if (strcasecmp(name, curves[i].name) == 0 ||
		    strcasecmp(name, curves[i].nist_name) == 0)
			return &curves[i];
	/* OpenSSL's other spellings. */
	if (strcasecmp(name, "secp256r1") == 0)
		return &curves[0];
	return NULL;
}

const util_curve *util_curve_by_params(const unsigned char *der, size_t length)
{
	for (size_t i = 0; i < CURVE_COUNT; i++) {
		const util_curve *curve = &curves[i];
		if ((length == curve->oid_length &&
		     memcmp(der, curve->oid, length) == 0) ||
		    (curve->printable != NULL &&
		     length == curve->printable_length &&
		     memcmp(der, curve->printable, length) == 0))
			return curve;
	}
	return NULL;
}
