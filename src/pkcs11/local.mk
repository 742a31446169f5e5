# guardhsm.so: the PKCS#11 module. The sources are built once as a
# convenience library so unit tests can link them; the module wraps it and
# exports only the Cryptoki entry points (guardhsm.map).
noinst_LTLIBRARIES += src/pkcs11/libpkcs11.la
src_pkcs11_libpkcs11_la_SOURCES = \
	src/pkcs11/pkcs11_3_0.h \
	src/pkcs11/entry.h \
	src/pkcs11/module.h \
	src/pkcs11/module.c \
	src/pkcs11/configuration.h \
	src/pkcs11/configuration.c \
	src/pkcs11/log.h \
	src/pkcs11/log.c \
	src/pkcs11/locking.h \
	src/pkcs11/locking.c \
	src/pkcs11/handle_map.h \
	src/pkcs11/handle_map.c \
	src/pkcs11/mechanisms.h \
	src/pkcs11/mechanisms.c \
	src/pkcs11/mechanism_params.h \
	src/pkcs11/mechanism_params.c \
	src/pkcs11/slots.c \
	src/pkcs11/sessions.c \
	src/pkcs11/login.c \
	src/pkcs11/object_table.c \
	src/pkcs11/objects.c \
	src/pkcs11/find.c \
	src/pkcs11/random.c \
	src/pkcs11/operation.h \
	src/pkcs11/operation.c \
	src/pkcs11/operation_init.c \
	src/pkcs11/sign.h \
	src/pkcs11/sign_init.c \
	src/pkcs11/sign.c \
	src/pkcs11/digest.c \
	src/pkcs11/keys.h \
	src/pkcs11/keys.c \
	src/pkcs11/keys_rsa.c \
	src/pkcs11/keys_pkcs8.c \
	src/pkcs11/keygen.c \
	src/pkcs11/encrypt.h \
	src/pkcs11/encrypt_init.c \
	src/pkcs11/encrypt.c \
	src/pkcs11/message.c \
	src/pkcs11/wrap.c \
	src/pkcs11/derive.c \
	src/pkcs11/derive.h \
	src/pkcs11/derive_hkdf.c \
	src/pkcs11/unsupported.c \
	src/pkcs11/guardhsm_vendor.h \
	src/pkcs11/vendor.c
src_pkcs11_libpkcs11_la_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS) \
	$(CRYPTO_CFLAGS) $(P11KIT_CFLAGS) -pthread

# The vendor interface's header, for applications (next to enclave.h).
guardhsminclude_HEADERS += src/pkcs11/guardhsm_vendor.h

p11module_LTLIBRARIES = src/pkcs11/guardhsm.la
src_pkcs11_guardhsm_la_SOURCES =
src_pkcs11_guardhsm_la_LIBADD = src/pkcs11/libpkcs11.la \
	src/token/libtoken.la src/store/libstore.la \
	src/crypto/libcrypto_guardhsm.la src/enclave/libenclave.la \
	$(SQLITE_LIBS) $(SODIUM_LIBS) $(CRYPTO_LIBS) -lpthread
src_pkcs11_guardhsm_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version \
	-shared -no-undefined \
	-Wl,--version-script=$(srcdir)/src/pkcs11/guardhsm.map
EXTRA_src_pkcs11_guardhsm_la_DEPENDENCIES = src/pkcs11/guardhsm.map
EXTRA_DIST += src/pkcs11/guardhsm.map

# p11-kit registration: the module config names the installed module.
p11configdir = $(P11_CONFIG_DIR)
p11config_DATA = p11-kit/guardhsm.module
EXTRA_DIST += p11-kit/guardhsm.module.in
CLEANFILES += p11-kit/guardhsm.module
p11-kit/guardhsm.module: $(srcdir)/p11-kit/guardhsm.module.in Makefile
	$(AM_V_GEN)$(MKDIR_P) p11-kit && \
	sed -e 's|@p11moduledir[@]|$(p11moduledir)|g' \
		$(srcdir)/p11-kit/guardhsm.module.in > $@

# A module directory holds modules, not libtool archives. The module is
# installed with the data (p11moduledir is not an exec directory), so the
# .la is removed after it.
install-data-hook:
	rm -f $(DESTDIR)$(p11moduledir)/guardhsm.la
uninstall-hook:
	rm -f $(DESTDIR)$(p11moduledir)/guardhsm.so
