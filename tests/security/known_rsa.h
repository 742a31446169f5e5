/* The memory-scan tests' RSA key. Unlike the 32-byte keys of
 * known_keys.h it cannot be derived from a seed cheaply, so it is a fixed
 * key kept in the test's source only encrypted: the test binary's mapped
 * image must not hold the key it searches for. kk_rsa_open decrypts it
 * into the caller's memory (a private page the caller wipes) and points
 * at its components there, with no allocation and no other copy. */
#ifndef GUARDHSM_TESTS_SECURITY_KNOWN_RSA_H
#define GUARDHSM_TESTS_SECURITY_KNOWN_RSA_H

#include <stddef.h>

#define KK_RSA_DER_BYTES 1192
/* n, e, d, p, q, dp, dq, qinv: the order of RSAPrivateKey and of the
 * CKA_MODULUS .. CKA_COEFFICIENT attributes. */
#define KK_RSA_PARTS 8
#define KK_RSA_FIRST_PRIVATE 2 /* d and everything after it is secret */

typedef struct kk_rsa_parts {
	const unsigned char *value[KK_RSA_PARTS]; /* into the caller's der */
	size_t length[KK_RSA_PARTS];
} kk_rsa_parts;

/* 0, or -1 if libsodium could not start or the key does not parse. */
int kk_rsa_open(unsigned char der[KK_RSA_DER_BYTES], kk_rsa_parts *parts);

#endif
