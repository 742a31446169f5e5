/* The scanner's own tests: a scan that cannot fail proves nothing, so
 * this shows it finds what it must and classifies it correctly.
 *  - in a buffer and a file: every window of a secret, a lone 12-byte
 *    window, not an 11-byte fragment, and a secret straddling the read
 *    chunks;
 *  - in this process, scanned by memscan: a key in malloc'd memory is
 *    reported UNPROTECTED; one in an mlock'd MADV_DONTDUMP mapping is
 *    reported protected (and fails a `none` policy, passes `unprotected`);
 *    one mlock'd without MADV_DONTDUMP is unprotected;
 *    a key never held and a key wiped are not found;
 *  - in a gcore of this process: the malloc'd key is there, the dontdump
 *    one is not (gdb honours MADV_DONTDUMP). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "known_keys.h"
#include "p11_workload.h"
#include "scanner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const unsigned char secret[32] = {
        0x8e, 0x21, 0x5a, 0xc3, 0x77, 0x19, 0xf0, 0x4b, 0x2d, 0x96, 0xe1,
        0x38, 0x5f, 0xa4, 0x0c, 0xd7, 0x63, 0xba, 0x41, 0x9e, 0x12, 0xfd,
        0x85, 0x6a, 0xc9, 0x30, 0x57, 0xe8, 0x1b, 0xa2, 0x74, 0xdf,
};

static unsigned char *bytes_with(size_t size)
{
	unsigned char *buffer = malloc(size);
	assert_non_null(buffer);
	for (size_t i = 0; i < size; i++)
		buffer[i] = (unsigned char)(i * 131 + (i >> 8));
	return buffer;
}

static void test_windows_in_buffer(void **state)
{
	(void)state;
	ms_scanner *scanner = ms_new();
	assert_non_null(scanner);
	assert_int_equal(ms_add_secret(scanner, "s", 7, secret, sizeof secret),
	                 0);
	/* too regular to index: would match unrelated memory */
	unsigned char zeros[16] = {0};
	assert_int_equal(ms_add_secret(scanner, "z", 0, zeros, sizeof zeros),
	                 -1);
	unsigned char *buffer = bytes_with(10000);
	memcpy(buffer + 1000, secret, sizeof secret);     /* all of it */
	memcpy(buffer + 5000, secret + 20, MS_WINDOW);    /* one window */
	memcpy(buffer + 7000, secret + 3, MS_WINDOW - 1); /* too short */
	ms_report report;
	assert_int_equal(ms_scan_buffer(scanner, buffer, 10000, 0, &report), 0);
	assert_int_equal(report.n_hits, 2);
	assert_int_equal(report.occ_unprotected, 2);
	assert_int_equal(report.windows_unprotected, 21 + 1);
	assert_int_equal(report.hits[0].address, 1000);
	assert_int_equal(report.hits[0].first, 0);
	assert_int_equal(report.hits[0].windows, 21);
	assert_int_equal(report.hits[1].address, 5000);
	assert_int_equal(report.hits[1].first, 20);
	size_t p, u;
	ms_count_group(&report, scanner, 7, &p, &u);
	assert_int_equal(p, 0);
	assert_int_equal(u, 2);
	ms_count_group(&report, scanner, 8, &p, &u);
	assert_int_equal(p + u, 0);
	ms_report_free(&report);

	/* the byte-reversed secret is not the secret */
	unsigned char reversed[32];
	for (size_t i = 0; i < 32; i++)
		reversed[i] = secret[31 - i];
	memcpy(buffer + 1000, reversed, sizeof reversed);
	memset(buffer + 5000, 0, MS_WINDOW);
	assert_int_equal(ms_scan_buffer(scanner, buffer, 10000, 0, &report), 0);
	assert_int_equal(report.n_hits, 0);
	ms_report_free(&report);
	free(buffer);
	ms_free(scanner);
}

static void test_secret_across_chunks_of_a_file(void **state)
{
	(void)state;
	ms_scanner *scanner = ms_new();
	assert_int_equal(ms_add_secret(scanner, "s", 0, secret, sizeof secret),
	                 0);
	size_t size = (3u << 20) + 123;
	unsigned char *buffer = bytes_with(size);
	memcpy(buffer + (1u << 20) - 5, secret, sizeof secret); /* straddles */
	memcpy(buffer + size - sizeof secret, secret, sizeof secret); /* end */
	char path[] = "/tmp/memscan-file.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buffer, size), (ssize_t)size);
	close(fd);
	ms_report report;
	assert_int_equal(ms_scan_file(scanner, path, &report), 0);
	unlink(path);
	assert_int_equal(report.bytes_read, size);
	assert_int_equal(report.n_hits, 2);
	assert_int_equal(report.hits[0].address, (1u << 20) - 5);
	assert_int_equal(report.hits[0].windows, 21);
	assert_int_equal(report.hits[1].address, size - sizeof secret);
	assert_int_equal(report.hits[1].windows, 21);
	ms_report_free(&report);
	free(buffer);
	ms_free(scanner);
}

/* The self-test keys, held by this process as memscan expects. */
static unsigned char *heap_key, *wiped_key, *locked_key, *dumpable_key;
static size_t locked_size;
static char dir[64];
static char result[128];

static int hold_keys(void **state)
{
	(void)state;
	heap_key = malloc(KK_SLOT_BYTES);
	wiped_key = malloc(KK_SLOT_BYTES);
	locked_size = (size_t)sysconf(_SC_PAGESIZE);
	locked_key = mmap(NULL, locked_size, PROT_READ | PROT_WRITE,
	                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	dumpable_key = mmap(NULL, locked_size, PROT_READ | PROT_WRITE,
	                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (heap_key == NULL || wiped_key == NULL || locked_key == MAP_FAILED ||
	    dumpable_key == MAP_FAILED)
		return -1;
	if (mlock(locked_key, locked_size) != 0 ||
	    madvise(locked_key, locked_size, MADV_DONTDUMP) != 0 ||
	    mlock(dumpable_key, locked_size) != 0) {
		perror("mlock/madvise");
		return -1;
	}
	if (kk_derive(&kk_selftest_keys[KK_SELFTEST_HEAP], heap_key) != 0 ||
	    kk_derive(&kk_selftest_keys[KK_SELFTEST_LOCKED], locked_key) != 0 ||
	    kk_derive(&kk_selftest_keys[KK_SELFTEST_WIPED], wiped_key) != 0 ||
	    kk_derive(&kk_selftest_keys[KK_SELFTEST_LOCKED_DUMP],
	              dumpable_key) != 0)
		return -1;
	explicit_bzero(wiped_key, KK_SLOT_BYTES);
	snprintf(dir, sizeof dir, "/tmp/memscan-self.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(result, sizeof result, "%s/result", dir);
	return 0;
}

static int drop_keys(void **state)
{
	(void)state;
	explicit_bzero(heap_key, KK_SLOT_BYTES);
	free(heap_key);
	free(wiped_key);
	explicit_bzero(locked_key, locked_size);
	munmap(locked_key, locked_size);
	explicit_bzero(dumpable_key, locked_size);
	munmap(dumpable_key, locked_size);
	unlink(result);
	rmdir(dir);
	return 0;
}

static void expect(const char *name, bool want_protected, bool want_unprotected)
{
	size_t p = 99, u = 99;
	assert_int_equal(wl_read_result(result, name, &p, &u), 0);
	print_message("%s: %zu protected, %zu unprotected\n", name, p, u);
	if (want_protected)
		assert_true(p >= 1);
	else
		assert_int_equal(p, 0);
	if (want_unprotected)
		assert_true(u >= 1);
	else
		assert_int_equal(u, 0);
}

static void test_scan_classifies_process_memory(void **state)
{
	(void)state;
	if (wl_asan())
		skip(); /* see test_memory_scan.c */
	/* report: the counts only */
	assert_int_equal(wl_memscan_self("scan", NULL, "selftest", "report",
	                                 "selftest", result),
	                 0);
	expect("selftest-heap", false, true);
	expect("selftest-locked", true, false);
	expect("selftest-absent", false, false);
	expect("selftest-wiped", false, false);
	expect("selftest-locked-dumpable", false, true); /* lo without dd */
	/* the policies fail as they must */
	assert_int_equal(wl_memscan_self("scan", NULL, "selftest",
	                                 "unprotected", "selftest", result),
	                 1);
	assert_int_equal(wl_memscan_self("scan", NULL, "selftest", "none",
	                                 "selftest", result),
	                 1);
	/* and pass once the unprotected copy is gone */
	explicit_bzero(heap_key, KK_SLOT_BYTES);
	explicit_bzero(dumpable_key, KK_SLOT_BYTES);
	assert_int_equal(wl_memscan_self("scan", NULL, "selftest",
	                                 "unprotected", "selftest", result),
	                 0);
	expect("selftest-heap", false, false);
	expect("selftest-locked", true, false);
}

static void test_core_leaves_out_dontdump(void **state)
{
	(void)state;
	if (wl_asan())
		skip();
	int rc = wl_memscan_self("core", dir, "selftest", "report", "selftest",
	                         result);
	if (rc == 3)
		fail_msg("gdb could not write a core of this process (see "
		         "above): "
		         "the core-dump checks cannot run here");
	assert_int_equal(rc, 0);
	expect("selftest-heap", false, true); /* in a core, nothing is safe */
	expect("selftest-locked", false, false);
	expect("selftest-absent", false, false);
	expect("selftest-wiped", false, false);
	expect("selftest-locked-dumpable", false,
	       true); /* mlock is no filter */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_windows_in_buffer),
	        cmocka_unit_test(test_secret_across_chunks_of_a_file),
	        cmocka_unit_test_setup_teardown(
	                test_scan_classifies_process_memory, hold_keys,
	                drop_keys),
	        cmocka_unit_test_setup_teardown(test_core_leaves_out_dontdump,
	                                        hold_keys, drop_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
