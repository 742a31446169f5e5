# guardhsm-util: the command-line companion. A PKCS#11 client of the real
# module (dlopen'd at run time, not linked), plus the store layer for the
# commands that work on a token's file (check, backup, restore,
# delete-token) and the module's configuration parser (config).
bin_PROGRAMS += src/tools/guardhsm-util
src_tools_guardhsm_util_SOURCES = \
	src/tools/util.h \
	src/tools/util_keys.h \
	src/tools/util_main.c \
	src/tools/util_help.c \
	src/tools/util_rv.c \
	src/tools/util_pin.c \
	src/tools/util_uri.c \
	src/tools/util_module.c \
	src/tools/util_output.c \
	src/tools/util_store.c \
	src/tools/util_curves.c \
	src/tools/util_list.c \
	src/tools/util_token.c \
	src/tools/util_key_file.c \
	src/tools/util_import.c \
	src/tools/util_export.c \
	src/tools/util_generate.c \
	src/tools/util_check.c \
	src/tools/util_backup.c \
	src/tools/util_config.c \
	src/pkcs11/configuration.c
src_tools_guardhsm_util_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS) \
	$(CRYPTO_CFLAGS) $(SQLITE_CFLAGS) $(P11KIT_CFLAGS) -pthread \
	-DGUARDHSM_INSTALLED_MODULE='"$(p11moduledir)/guardhsm.so"'
src_tools_guardhsm_util_LDADD = src/store/libstore.la \
	src/enclave/libenclave.la $(P11KIT_LIBS) $(CRYPTO_LIBS) \
	$(SQLITE_LIBS) $(SODIUM_LIBS) -ldl -lpthread

# The man page is the tool's own --help text of every command, as roff.
nodist_man1_MANS = src/tools/guardhsm-util.1
CLEANFILES += src/tools/guardhsm-util.1
src/tools/guardhsm-util.1: src/tools/guardhsm-util$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) src/tools && \
	src/tools/guardhsm-util$(EXEEXT) --manual > $@.tmp && mv $@.tmp $@
