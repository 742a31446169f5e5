/*
 * enclave_demo: a tour of libguardhsm-enclave, run by ./quickstart.sh.
 *
 * It keeps a secret in a guarded buffer, seals it, opens it again, purges
 * the enclave, and finally shows that 100,000 sealed secrets cost no locked
 * memory, because sealed secrets are ciphertext in ordinary memory. Every
 * step checks its result: any surprise exits with status 1.
 */
#include "enclave/enclave.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MANY_SECRETS 100000
#define SECRET_BYTES 32

static const char secret_text[] = "correct horse battery staple";
static const char label[] = "demo key #1";

static _Noreturn void fail(const char *format, ...)
{
	va_list arguments;

	va_start(arguments, format);
	fputs("\nUNEXPECTED: ", stderr);
	vfprintf(stderr, format, arguments);
	fputc('\n', stderr);
	va_end(arguments);
	exit(1);
}

static void expect(enc_status got, enc_status wanted, const char *what)
{
	if (got != wanted)
		fail("%s returned %s, expected %s", what, enc_strerror(got),
		     enc_strerror(wanted));
}

/* The kernel's own count of this process's locked memory, in KiB: it
 * includes what the enclave's bookkeeping cannot see. */
static long locked_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *status = fopen("/proc/self/status", "r");

	if (status == NULL)
		return -1;
	while (fgets(line, sizeof(line), status) != NULL)
		if (sscanf(line, "VmLck: %ld kB", &kib) == 1)
			break;
	fclose(status);
	return kib;
}

static enc_stats show_stats(const char *when)
{
	enc_stats stats;

	expect(enc_get_stats(&stats), ENC_OK, "enc_get_stats");
	printf("   stats %s: %zu bytes locked of a %zu-byte budget "
	       "(kernel VmLck %ld KiB); %zu slab + %zu guarded buffers "
	       "in %zu slab chunk(s); key epoch %llu\n",
	       when, stats.locked_bytes, stats.locked_budget, locked_kib(),
	       stats.slab_buffers, stats.guarded_buffers, stats.slab_chunks,
	       (unsigned long long)stats.key_epoch);
	return stats;
}

int main(void)
{
	enc_buffer *buffer = NULL, *opened = NULL;
	enc_sealed *sealed = NULL;
	enc_sealed **many;
	enc_stats before, after;
	enc_status status;
	size_t i;

	printf("1. Starting the enclave with the default configuration.\n");
	expect(enc_init(NULL), ENC_OK, "enc_init");
	show_stats("at start");

	printf("2. Allocating a %d-byte buffer: it lives in a locked slab page "
	       "between guard pages, and is READWRITE when new.\n",
	       SECRET_BYTES);
	expect(enc_alloc(SECRET_BYTES, 0, &buffer), ENC_OK, "enc_alloc");
	if (enc_access_of(buffer) != ENC_READWRITE)
		fail("a new buffer is not READWRITE");
	if (!enc_ct_is_zero(enc_data(buffer), enc_size(buffer)))
		fail("a new buffer is not zeroed");

	printf("3. Writing the secret \"%s\" into it.\n", secret_text);
	memcpy(enc_data(buffer), secret_text, sizeof(secret_text));

	printf("4. Sealing it (XChaCha20-Poly1305 under the split key) with "
	       "the label \"%s\" as associated data.\n",
	       label);
	expect(enc_seal(buffer, label, sizeof(label), &sealed), ENC_OK,
	       "enc_seal");
	if (enc_sealed_length(sealed) != SECRET_BYTES)
		fail("the sealed length is %zu, not %d",
		     enc_sealed_length(sealed), SECRET_BYTES);

	printf("5. Protecting the buffer NOACCESS: touching it now would "
	       "crash the process instead of leaking it.\n");
	expect(enc_protect(buffer, ENC_NOACCESS), ENC_OK, "enc_protect");
	if (enc_access_of(buffer) != ENC_NOACCESS)
		fail("the buffer is not NOACCESS");
	show_stats("with one buffer");

	printf("6. Opening the sealed secret into a new buffer "
	       "(READONLY) and comparing it in constant time with the "
	       "original.\n");
	expect(enc_open(sealed, label, sizeof(label), 0, &opened), ENC_OK,
	       "enc_open");
	expect(enc_protect(buffer, ENC_READONLY), ENC_OK, "enc_protect");
	if (!enc_ct_equal(enc_data(opened), enc_data(buffer), SECRET_BYTES))
		fail("the opened secret differs from the original");
	printf("   equal: \"%s\"\n", (const char *)enc_data(opened));
	expect(enc_protect(buffer, ENC_NOACCESS), ENC_OK, "enc_protect");
	expect(enc_protect(opened, ENC_NOACCESS), ENC_OK, "enc_protect");

	printf("7. Opening it with the wrong label fails authentication.\n");
	{
		enc_buffer *wrong = NULL;

		expect(enc_open(sealed, "demo key #2", sizeof(label), 0,
		                &wrong),
		       ENC_ERR_AUTH, "enc_open with the wrong label");
		if (wrong != NULL)
			fail("a failed enc_open returned a buffer");
	}

	printf("8. Purging: every live buffer is wiped and the sealing key "
	       "replaced.\n");
	enc_purge();
	expect(enc_protect(buffer, ENC_READONLY), ENC_ERR_PURGED,
	       "enc_protect after purge");
	{
		enc_buffer *again = NULL;

		status = enc_open(sealed, label, sizeof(label), 0, &again);
		expect(status, ENC_ERR_PURGED, "enc_open after purge");
		printf("   the old sealed secret is now unreadable: %s\n",
		       enc_strerror(status));
	}
	enc_free(buffer);
	enc_free(opened);
	enc_sealed_free(sealed);
	show_stats("after purge");

	printf("9. Sealing %d random %d-byte secrets.\n", MANY_SECRETS,
	       SECRET_BYTES);
	many = calloc(MANY_SECRETS, sizeof(*many));
	if (many == NULL)
		fail("out of memory");
	before = show_stats("before");
	for (i = 0; i < MANY_SECRETS; i++) {
		unsigned char key[SECRET_BYTES];

		enc_random(key, sizeof(key));
		expect(enc_seal_bytes(key, sizeof(key), NULL, 0, &many[i]),
		       ENC_OK, "enc_seal_bytes");
		enc_wipe(key, sizeof(key));
	}
	after = show_stats("after");
	if (after.locked_bytes > before.locked_bytes)
		fail("sealed secrets took locked memory (%zu -> %zu bytes)",
		     before.locked_bytes, after.locked_bytes);
	printf("   %d sealed secrets hold %zu bytes of locked memory: they "
	       "are ciphertext;\n   memguard-style buffers would need two "
	       "locked pages each (~%zu MiB).\n",
	       MANY_SECRETS, after.locked_bytes,
	       (size_t)MANY_SECRETS * 2 * 4096 / (1024 * 1024));

	printf("10. Opening a few of them again.\n");
	for (i = 0; i < MANY_SECRETS; i += MANY_SECRETS / 4) {
		enc_buffer *one = NULL;

		expect(enc_open(many[i], NULL, 0, 0, &one), ENC_OK, "enc_open");
		if (enc_size(one) != SECRET_BYTES)
			fail("secret %zu opened to %zu bytes", i,
			     enc_size(one));
		enc_free(one);
	}
	printf("    ok; %llu split-key re-randomisation(s) so far.\n",
	       (unsigned long long)after.rekeys);
	for (i = 0; i < MANY_SECRETS; i++)
		enc_sealed_free(many[i]);
	free(many);

	enc_shutdown();
	printf("Done: every step behaved as expected.\n");
	return 0;
}
