/* The enclave rule for ciphers: between calls a cry_cipher / cry_cmac
 * holds no key and no round key outside the enclave.
 *  - a cry_cipher holds its key only sealed between calls: no enclave
 *    buffer at all, so no plaintext key or schedule anywhere; a finished
 *    one drops even the sealed key;
 *  - AES-256-GCM with a 96-bit IV and a 16-byte tag takes libsodium's
 *    path (where the CPU allows);
 *  - with one operation of every kind open mid-way (and others just
 *    finished), a forked child scans this whole process
 *    (/proc/PPID/mem, tests/security/scanner.c) for every 12-byte window
 *    of each key, of its AES key schedule and of the GCM hash key H:
 *    no hit may lie outside locked, no-dump (enclave) memory. A control
 *    scan with an OpenSSL context left alive must find the schedule, so
 *    the scan can fail.
 * Keys are SHA-512 of a label, hashed straight into enclave buffers, so
 * the scanning child recomputes them without this process holding them
 * anywhere else. */
#include "config.h"

#include "cipher_common.h"
#include "crypto/cipher_internal.h"
#include "security/scanner.h"

#include <errno.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sodium.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Keys known to the scanner ----------------------------------------- */

typedef struct known {
	const char *label;
	size_t length;
	bool aes; /* add its key schedule (and GCM's H) to the scan */
} known;

static const known keys[] = {
        {"cbc-256", 32, true},         {"cbc-pad-128", 16, true},
        {"ctr-192", 24, true},         {"gcm-256-sodium", 32, true},
        {"gcm-128-openssl", 16, true}, {"ccm-256", 32, true},
        {"chacha", 32, false},         {"cmac-256", 32, true},
        {"kw-256", 32, true},          {"gcm-finished", 32, true},
        {"wrapped-secret", 32, false},
};
enum {
	KEY_CBC,
	KEY_CBC_PAD,
	KEY_CTR,
	KEY_GCM_SODIUM,
	KEY_GCM_OPENSSL,
	KEY_CCM,
	KEY_CHACHA,
	KEY_CMAC,
	KEY_KW,
	KEY_GCM_DONE,
	KEY_WRAPPED
};

static void derive(const known *k, uint8_t digest[64])
{
	char label[64];

	snprintf(label, sizeof(label), "guardhsm cipher enclave test/%s",
	         k->label);
	crypto_hash_sha512(digest, (const uint8_t *)label, strlen(label));
}

/* The key, hashed straight into the enclave (READONLY). */
static enc_buffer *known_key(size_t index)
{
	enc_buffer *digest = NULL, *key = NULL;

	assert_int_equal(ENC_OK, enc_alloc(64, 0, &digest));
	derive(&keys[index], enc_data(digest));
	assert_int_equal(ENC_OK, enc_alloc(keys[index].length, 0, &key));
	memcpy(enc_data(key), enc_data(digest), keys[index].length);
	enc_free(digest);
	assert_int_equal(ENC_OK, enc_protect(key, ENC_READONLY));
	return key;
}

/* ---- AES key expansion (FIPS 197 section 5.2), for the scanner ---------- */

static uint8_t gf_multiply(uint8_t a, uint8_t b)
{
	uint8_t product = 0;

	while (b != 0) {
		if (b & 1)
			product ^= a;
		a = (uint8_t)((a << 1) ^ ((a & 0x80) ? 0x1b : 0));
		b >>= 1;
	}
	return product;
}

static uint8_t rotate(uint8_t x, int n)
{
	return (uint8_t)((x << n) | (x >> (8 - n)));
}

static uint8_t sub_byte(uint8_t x)
{
	uint8_t inverse = 0;

	for (unsigned y = 1; x != 0 && y < 256; y++)
		if (gf_multiply(x, (uint8_t)y) == 1) {
			inverse = (uint8_t)y;
			break;
		}
	return inverse ^ rotate(inverse, 1) ^ rotate(inverse, 2) ^
	       rotate(inverse, 3) ^ rotate(inverse, 4) ^ 0x63;
}

/* Writes the 4 * (rounds + 1) words of the schedule; returns rounds. */
static size_t expand_key(const uint8_t *key, size_t length, uint8_t *words)
{
	size_t nk = length / 4, rounds = nk + 6;
	uint8_t rcon = 1;

	memcpy(words, key, length);
	for (size_t i = nk; i < 4 * (rounds + 1); i++) {
		uint8_t t[4];

		memcpy(t, words + 4 * (i - 1), 4);
		if (i % nk == 0) {
			uint8_t first = t[0];

			t[0] = sub_byte(t[1]) ^ rcon;
			t[1] = sub_byte(t[2]);
			t[2] = sub_byte(t[3]);
			t[3] = sub_byte(first);
			rcon = gf_multiply(rcon, 2);
		} else if (nk > 6 && i % nk == 4) {
			for (int j = 0; j < 4; j++)
				t[j] = sub_byte(t[j]);
		}
		for (int j = 0; j < 4; j++)
			words[4 * i + j] = words[4 * (i - nk) + j] ^ t[j];
	}
	return rounds;
}

/* The FIPS 197 appendix A.1 expansion, so the scanner's secrets are
 * right: the last round key of 2b7e1516... */
static void test_expansion(void **state)
{
	static const uint8_t key[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae,
	                                0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88,
	                                0x09, 0xcf, 0x4f, 0x3c};
	uint8_t words[240];

	assert_int_equal(10, expand_key(key, 16, words));
	assert_hex_equal(words + 160, 16, "d014f9a8c9ee2589e13f0cc8b6630ca6");
}

/* ---- The scan, from a forked child --------------------------------------- */

enum { GROUP_KEY = 0, GROUP_DERIVED = 1 };

typedef struct scan_result {
	int error; /* 0, or an errno from the scan */
	size_t key_protected, key_unprotected;
	size_t derived_protected, derived_unprotected;
	size_t valgrind_registers; /* hits in valgrind's guest state */
} scan_result;

static void add_secrets(ms_scanner *scanner)
{
	for (size_t i = 0; i < COUNT(keys); i++) {
		uint8_t digest[64], words[240], zero[16] = {0}, h[16];
		size_t length = keys[i].length, rounds;
		char name[MS_NAME_MAX];

		derive(&keys[i], digest);
		ms_add_secret(scanner, keys[i].label, GROUP_KEY, digest,
		              length);
		if (!keys[i].aes)
			continue;
		rounds = expand_key(digest, length, words);
		/* Round keys two by two, past the ones that are the key. */
		for (size_t r = length / 16; r < rounds; r++) {
			snprintf(name, sizeof(name), "%s rk%zu", keys[i].label,
			         r);
			ms_add_secret(scanner, name, GROUP_DERIVED,
			              words + 16 * r, 32);
		}
		/* GCM's hash key H = E(K, 0). */
		{
			EVP_CIPHER_CTX *context = EVP_CIPHER_CTX_new();
			const EVP_CIPHER *ecb = length == 16 ? EVP_aes_128_ecb()
			                        : length == 24
			                                ? EVP_aes_192_ecb()
			                                : EVP_aes_256_ecb();
			int written = 0;

			EVP_EncryptInit_ex(context, ecb, NULL, digest, NULL);
			EVP_EncryptUpdate(context, h, &written, zero, 16);
			EVP_CIPHER_CTX_free(context);
			snprintf(name, sizeof(name), "%s H", keys[i].label);
			ms_add_secret(scanner, name, GROUP_DERIVED, h, 16);
		}
	}
}

/* ASan makes mlock a no-op, so enclave memory is not locked there: it
 * is still the only memory excluded from core dumps, which marks it. */
static bool built_with_asan(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return true;
#else
	return false;
#endif
#else
	return false;
#endif
}

/* Prints the hits when there should be none. */
static int scan_parent(pid_t parent, bool expect_hits, scan_result *result)
{
	ms_scanner *scanner = ms_new();
	ms_report report;

	if (scanner == NULL)
		return ENOMEM;
	add_secrets(scanner);
	if (ms_scan_pid(scanner, parent, &report) != 0) {
		int error = errno;

		ms_free(scanner);
		return error != 0 ? error : EIO;
	}
	for (size_t i = 0; i < report.n_hits; i++) {
		const ms_occurrence *hit = &report.hits[i];
		bool key = ms_secret_group(scanner, hit->secret) == GROUP_KEY;
		const ms_mapping *map = hit->mapping < report.n_maps
		                                ? &report.maps[hit->mapping]
		                                : NULL;

		/* Under valgrind the guest's registers live in valgrind's own
		 * memory (anonymous, rwx, from 0x1000000000 up, above the
		 * client's): a round key left in an XMM register shows up
		 * there. Not the program's memory. */
		if (RUNNING_ON_VALGRIND && map != NULL && !hit->protected_ &&
		    strcmp(map->perms, "rwxp") == 0 &&
		    map->start >= UINT64_C(0x1000000000)) {
			result->valgrind_registers++;
			continue;
		}
		if (hit->protected_ ||
		    (built_with_asan() && map != NULL && map->dontdump))
			*(key ? &result->key_protected
			      : &result->derived_protected) += 1;
		else
			*(key ? &result->key_unprotected
			      : &result->derived_unprotected) += 1;
	}
	if (!expect_hits &&
	    result->key_unprotected + result->derived_unprotected > 0)
		ms_report_print(stderr, scanner, &report, "cipher scan", 200);
	ms_report_free(&report);
	ms_free(scanner);
	return 0;
}

/* Forks a child that scans this process while it waits. */
static scan_result scan_self(bool expect_hits)
{
	scan_result result;
	int go[2], back[2];
	pid_t child;
	ssize_t got;
	int status;

	memset(&result, 0, sizeof(result));
	assert_int_equal(0, pipe(go));
	assert_int_equal(0, pipe(back));
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		char byte;

		close(go[1]);
		close(back[0]);
		if (read(go[0], &byte, 1) != 1)
			_exit(2);
		result.error = scan_parent(getppid(), expect_hits, &result);
		if (write(back[1], &result, sizeof(result)) !=
		    (ssize_t)sizeof(result))
			_exit(3);
		_exit(0);
	}
	close(go[0]);
	close(back[1]);
	/* Yama: let the child read our memory (no effect without Yama). */
	(void)prctl(PR_SET_PTRACER, (unsigned long)child, 0, 0, 0);
	assert_int_equal(1, write(go[1], "g", 1));
	do {
		got = read(back[0], &result, sizeof(result));
	} while (got < 0 && errno == EINTR);
	close(go[1]);
	close(back[0]);
	while (waitpid(child, &status, 0) < 0)
		assert_int_equal(EINTR, errno);
	assert_int_equal(sizeof(result), (size_t)got);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (result.error != 0)
		print_error("scan failed: %s\n", strerror(result.error));
	assert_int_equal(0, result.error);
	return result;
}

/* ---- Operations left open ----------------------------------------------- */

typedef struct open_ops {
	cry_cipher *ciphers[7];
	size_t count;
	cry_cmac *cmac;
	enc_buffer *unwrapped;
} open_ops;

static const uint8_t iv16[16] = {1, 2,  3,  4,  5,  6,  7,  8,
                                 9, 10, 11, 12, 13, 14, 15, 16};
static uint8_t data[100];
static uint8_t out[200];

static cry_cipher *start(size_t key_index, cry_cipher_params params,
                         bool encrypt, size_t feed)
{
	enc_buffer *key = known_key(key_index);
	cry_cipher *cipher = NULL;
	size_t written = sizeof(out);

	assert_cry_ok(cry_cipher_new(key, &params, encrypt, &cipher));
	enc_free(key); /* the caller's copy goes: only the cipher's stays */
	assert_cry_ok(cry_cipher_update(cipher, data, feed, out, &written));
	assert_null(cry_cipher_secret_buffer(cipher));
	return cipher;
}

static void open_everything(open_ops *ops)
{
	cry_cipher_params p;

	memset(ops, 0, sizeof(*ops));
	fill_bytes(data, sizeof(data), 42);
	p = cipher_params(CRY_AES_CBC, iv16, 16);
	ops->ciphers[ops->count++] = start(KEY_CBC, p, true, 37);
	p = cipher_params(CRY_AES_CBC_PAD, iv16, 16);
	ops->ciphers[ops->count++] = start(KEY_CBC_PAD, p, false, 48);
	p = cipher_params(CRY_AES_CTR, iv16, 16);
	p.counter_length_bits = 32;
	ops->ciphers[ops->count++] = start(KEY_CTR, p, true, 21);
	p = cipher_params(CRY_AES_GCM, iv16, 12);
	p.tag_length = 16;
	ops->ciphers[ops->count++] = start(KEY_GCM_SODIUM, p, true, 64);
	p.tag_length = 12;
	ops->ciphers[ops->count++] = start(KEY_GCM_OPENSSL, p, true, 64);
	p = cipher_params(CRY_AES_CCM, iv16, 12);
	p.tag_length = 16;
	p.data_length = 100;
	ops->ciphers[ops->count++] = start(KEY_CCM, p, true, 50);
	p = cipher_params(CRY_CHACHA20_POLY1305, iv16, 12);
	ops->ciphers[ops->count++] = start(KEY_CHACHA, p, true, 50);
	{
		enc_buffer *key = known_key(KEY_CMAC);

		assert_cry_ok(cry_cmac_new(key, &ops->cmac));
		enc_free(key);
		assert_cry_ok(cry_cmac_update(ops->cmac, data, 33));
	}
	/* Finished operations leave nothing either: a whole GCM message,
	 * and a key wrapped and unwrapped. */
	{
		enc_buffer *key = known_key(KEY_GCM_DONE);
		enc_buffer *secret = known_key(KEY_WRAPPED);
		enc_buffer *kek = known_key(KEY_KW);
		size_t written;

		p = cipher_params(CRY_AES_GCM, iv16, 12);
		p.tag_length = 16;
		assert_cry_ok(cipher_once(key, &p, true, data, 64, out,
		                          sizeof(out), &written));
		p = cipher_params(CRY_AES_KEY_WRAP, NULL, 0);
		written = sizeof(out);
		assert_cry_ok(cry_cipher_encrypt_secret(kek, &p, secret, out,
		                                        &written));
		assert_cry_ok(cry_cipher_decrypt_secret(kek, &p, out, written,
		                                        &ops->unwrapped));
		assert_int_equal(ENC_OK,
		                 enc_protect(ops->unwrapped, ENC_NOACCESS));
		enc_free(kek);
		enc_free(secret);
		enc_free(key);
		/* The test's own scratch: no key is in it, but wipe it. */
		sodium_memzero(out, sizeof(out));
	}
}

static void close_everything(open_ops *ops)
{
	for (size_t i = 0; i < ops->count; i++)
		cry_cipher_free(ops->ciphers[i]);
	cry_cmac_free(ops->cmac);
	enc_free(ops->unwrapped);
}

static size_t live_buffers(void)
{
	enc_stats stats;

	assert_int_equal(ENC_OK, enc_get_stats(&stats));
	return stats.slab_buffers + stats.guarded_buffers;
}

static void test_resting_state(void **state)
{
	open_ops ops;
	size_t before = live_buffers();

	open_everything(&ops);
	/* Open ciphers hold no enclave buffer: only the CMAC's key and the
	 * unwrapped secret are live. */
	assert_int_equal(before + 2, live_buffers());
	for (size_t i = 0; i < ops.count; i++) {
		const cry_cipher *cipher = ops.ciphers[i];

		assert_null(cry_cipher_secret_buffer(cipher));
		assert_non_null(cipher->sealed_key);
		assert_int_equal(cipher->key_length,
		                 enc_sealed_length(cipher->sealed_key));
	}
	/* The fast path is libsodium's AES-256-GCM, the other GCM
	 * (12-byte tag) OpenSSL's. */
	if (crypto_aead_aes256gcm_is_available())
		assert_true(ops.ciphers[3]->sodium_gcm);
	else
		print_message("no AES-NI/PCLMUL: GCM fast path not tested\n");
	assert_false(ops.ciphers[4]->sodium_gcm);
	/* Finished: even the sealed key is gone at once, not at free, and
	 * the call left no buffer behind. */
	{
		size_t written = sizeof(out);

		assert_cry_ok(cry_cipher_final(ops.ciphers[3], out, &written));
		assert_null(ops.ciphers[3]->sealed_key);
		assert_null(cry_cipher_secret_buffer(ops.ciphers[3]));
		assert_int_equal(before + 2, live_buffers());
	}
	close_everything(&ops);
	assert_int_equal(before, live_buffers());
}

static void test_memory_scan(void **state)
{
	open_ops ops;
	scan_result result;
	EVP_CIPHER_CTX *control = EVP_CIPHER_CTX_new();
	enc_buffer *key = known_key(KEY_KW);

	/* Control: an OpenSSL context keyed and left alive is found. */
	assert_int_equal(1, EVP_EncryptInit_ex(control, EVP_aes_256_ecb(), NULL,
	                                       enc_data(key), NULL));
	enc_free(key);
	result = scan_self(true);
	print_message("control: %zu unprotected schedule hits\n",
	              result.derived_unprotected);
	assert_true(result.derived_unprotected > 0);
	EVP_CIPHER_CTX_free(control);

	open_everything(&ops);
	result = scan_self(false);
	print_message("keys: %zu protected, %zu unprotected; schedules and H: "
	              "%zu protected, %zu unprotected\n",
	              result.key_protected, result.key_unprotected,
	              result.derived_protected, result.derived_unprotected);
	if (result.valgrind_registers > 0)
		print_message(
		        "%zu hits in valgrind's guest registers ignored\n",
		        result.valgrind_registers);
	/* The enclave holds them (the scan can see them there). */
	assert_true(result.key_protected > 0);
	assert_int_equal(0, result.key_unprotected);
	assert_int_equal(0, result.derived_unprotected);
	close_everything(&ops);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_expansion),
	        cmocka_unit_test(test_resting_state),
	        cmocka_unit_test(test_memory_scan),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
