# The persistent token store (SQLite + libsodium + the enclave). A
# convenience library: final consumers link it together with
# src/enclave/libenclave.la, $(SQLITE_LIBS), $(SODIUM_LIBS) and -lpthread
# (it does not LIBADD the enclave itself, to avoid duplicate symbols).
noinst_LTLIBRARIES += src/store/libstore.la
src_store_libstore_la_SOURCES = \
	src/store/store.h \
	src/store/internal.h \
	src/store/database.c \
	src/store/token.c \
	src/store/keys.c \
	src/store/pin.c \
	src/store/record.c \
	src/store/record_v1.c \
	src/store/objects.c \
	src/store/index.c \
	src/store/find.c \
	src/store/batch.c
src_store_libstore_la_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS) $(SQLITE_CFLAGS) -pthread
