# Unit tests of the PKCS#11 layer's own pieces (the entry points are tested
# through the real module in tests/integration).
PKCS11_UNIT_TESTS = \
	tests/unit/pkcs11/test_handle_map \
	tests/unit/pkcs11/test_configuration
check_PROGRAMS += $(PKCS11_UNIT_TESTS)
TESTS += $(PKCS11_UNIT_TESTS)

tests_unit_pkcs11_test_handle_map_SOURCES = tests/unit/pkcs11/test_handle_map.c \
	src/pkcs11/handle_map.c
tests_unit_pkcs11_test_handle_map_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_pkcs11_test_handle_map_LDADD = $(CMOCKA_LIBS)

tests_unit_pkcs11_test_configuration_SOURCES = \
	tests/unit/pkcs11/test_configuration.c \
	src/pkcs11/configuration.c
tests_unit_pkcs11_test_configuration_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	$(SODIUM_CFLAGS)
tests_unit_pkcs11_test_configuration_LDADD = $(CMOCKA_LIBS)
