# Memory-scan security tests. Known keys (derived from a fixed seed by
# known_keys.c, in the test and in the scanner alike) are stored in the
# REAL module (dlopen()ed) and used; then a separate process, memscan,
# recomputes them and searches the test process's whole memory
# (/proc/PID/smaps + /proc/PID/mem) and a gcore of it for every 12-byte
# window of each, classifying each hit by whether its mapping is locked
# and excluded from core dumps (VmFlags lo and dd).
#
#  test_scanner      proves the scanner finds what it must (a scan that
#                    cannot fail is a defect): a key in malloc'd memory is
#                    reported unprotected, one in an mlock'd MADV_DONTDUMP
#                    mapping protected, and gcore leaves the latter out.
#  test_memory_scan  the module: zero hits at rest, zero unprotected hits
#                    with multi-part operations open, none in a core file.
#  memscan           the scanner program (not a test); also measures any
#                    PKCS#11 module (see compare_softhsm.sh).

SECURITY_TESTS = \
	tests/security/test_scanner \
	tests/security/test_memory_scan

check_PROGRAMS += $(SECURITY_TESTS) tests/security/memscan
TESTS += $(SECURITY_TESTS)
EXTRA_DIST += tests/security/compare_softhsm.sh

SECURITY_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS) \
	$(P11KIT_CFLAGS) \
	-DGUARDHSM_MODULE_PATH='"$(abs_top_builddir)/src/pkcs11/.libs/guardhsm.so"' \
	-DMEMSCAN_PATH='"$(abs_top_builddir)/tests/security/memscan"'
SECURITY_TEST_LDADD = $(CMOCKA_LIBS) $(SODIUM_LIBS) -ldl

SECURITY_COMMON_SOURCES = \
	tests/security/scanner.c tests/security/scanner.h \
	tests/security/known_keys.c tests/security/known_keys.h \
	tests/security/known_rsa.c tests/security/known_rsa.h \
	tests/security/p11_workload.c tests/security/p11_workload.h \
	tests/security/p11_workload_wrap.c

tests_security_memscan_SOURCES = tests/security/memscan.c \
	$(SECURITY_COMMON_SOURCES)
tests_security_memscan_CFLAGS = $(SECURITY_TEST_CFLAGS)
tests_security_memscan_LDADD = $(SECURITY_TEST_LDADD)

tests_security_test_scanner_SOURCES = tests/security/test_scanner.c \
	$(SECURITY_COMMON_SOURCES)
tests_security_test_scanner_CFLAGS = $(SECURITY_TEST_CFLAGS)
tests_security_test_scanner_LDADD = $(SECURITY_TEST_LDADD)
EXTRA_tests_security_test_scanner_DEPENDENCIES = tests/security/memscan$(EXEEXT)

tests_security_test_memory_scan_SOURCES = tests/security/test_memory_scan.c \
	$(SECURITY_COMMON_SOURCES)
tests_security_test_memory_scan_CFLAGS = $(SECURITY_TEST_CFLAGS)
tests_security_test_memory_scan_LDADD = $(SECURITY_TEST_LDADD)
EXTRA_tests_security_test_memory_scan_DEPENDENCIES = \
	tests/security/memscan$(EXEEXT) src/pkcs11/guardhsm.la
