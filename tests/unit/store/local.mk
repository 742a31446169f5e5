# Unit tests of the token store (CMocka), one program per concern. They
# share helpers.c (fixture: enclave, weak-KDF switch, temporary directory)
# and link the store with the enclave, as every final consumer must.

noinst_LTLIBRARIES += tests/unit/store/libstorehelpers.la
tests_unit_store_libstorehelpers_la_SOURCES = \
	tests/unit/store/helpers.c \
	tests/unit/store/helpers.h
tests_unit_store_libstorehelpers_la_CFLAGS = $(AM_CFLAGS) \
	$(SODIUM_CFLAGS) $(SQLITE_CFLAGS) $(CMOCKA_CFLAGS) -pthread

STORE_UNIT_TESTS = \
	tests/unit/store/test_token \
	tests/unit/store/test_pin \
	tests/unit/store/test_objects \
	tests/unit/store/test_find \
	tests/unit/store/test_multi \
	tests/unit/store/test_tamper \
	tests/unit/store/test_record \
	tests/unit/store/test_format \
	tests/unit/store/test_batch

check_PROGRAMS += $(STORE_UNIT_TESTS)
TESTS += $(STORE_UNIT_TESTS)

STORE_TEST_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS) $(SQLITE_CFLAGS) \
	$(CMOCKA_CFLAGS) -pthread
STORE_TEST_LDADD = tests/unit/store/libstorehelpers.la \
	src/store/libstore.la src/enclave/libenclave.la \
	$(SQLITE_LIBS) $(SODIUM_LIBS) $(CMOCKA_LIBS) -lpthread

tests_unit_store_test_token_SOURCES = tests/unit/store/test_token.c
tests_unit_store_test_token_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_store_test_token_LDADD = $(STORE_TEST_LDADD)

tests_unit_store_test_pin_SOURCES = tests/unit/store/test_pin.c
tests_unit_store_test_pin_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_store_test_pin_LDADD = $(STORE_TEST_LDADD)

tests_unit_store_test_objects_SOURCES = tests/unit/store/test_objects.c
tests_unit_store_test_objects_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_store_test_objects_LDADD = $(STORE_TEST_LDADD)

tests_unit_store_test_find_SOURCES = tests/unit/store/test_find.c
tests_unit_store_test_find_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_store_test_find_LDADD = $(STORE_TEST_LDADD)

tests_unit_store_test_multi_SOURCES = tests/unit/store/test_multi.c
tests_unit_store_test_multi_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_store_test_multi_LDADD = $(STORE_TEST_LDADD)

tests_unit_store_test_tamper_SOURCES = tests/unit/store/test_tamper.c
tests_unit_store_test_tamper_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_store_test_tamper_LDADD = $(STORE_TEST_LDADD)

tests_unit_store_test_record_SOURCES = tests/unit/store/test_record.c \
	tests/unit/store/record_vectors.h
tests_unit_store_test_record_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_store_test_record_LDADD = $(STORE_TEST_LDADD)

tests_unit_store_test_format_SOURCES = tests/unit/store/test_format.c \
	tests/unit/store/record_vectors.h
tests_unit_store_test_format_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_store_test_format_LDADD = $(STORE_TEST_LDADD)

tests_unit_store_test_batch_SOURCES = tests/unit/store/test_batch.c
tests_unit_store_test_batch_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_store_test_batch_LDADD = $(STORE_TEST_LDADD)
