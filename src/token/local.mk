# The token object model: attributes, their PKCS#11 policy and their
# portable encoding. A convenience library; consumers link it with
# src/store/libstore.la and src/enclave/libenclave.la (it uses only the
# store's types, and the enclave's functions).
noinst_LTLIBRARIES += src/token/libtoken.la
src_token_libtoken_la_SOURCES = \
	src/token/object.h \
	src/token/internal.h \
	src/token/attribute_table.c \
	src/token/attribute_list.c \
	src/token/defaults.c \
	src/token/encoding.c \
	src/token/object.c \
	src/token/object_access.c \
	src/token/object_lookup.c
src_token_libtoken_la_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS) $(P11KIT_CFLAGS)
