# libguardhsm-enclave: the memory enclave, usable on its own.
# The code is built once as a convenience library that the tests link
# statically, and wrapped as the installed shared library.
noinst_LTLIBRARIES += src/enclave/libenclave.la
src_enclave_libenclave_la_SOURCES = \
	src/enclave/enclave.h \
	src/enclave/internal.h \
	src/enclave/pages.c \
	src/enclave/registry.c \
	src/enclave/guarded.c \
	src/enclave/slab.c \
	src/enclave/buffer.c \
	src/enclave/coffer.c \
	src/enclave/reprotect.c \
	src/enclave/sealed.c \
	src/enclave/purge.c \
	src/enclave/harden.c \
	src/enclave/constant_time.c
src_enclave_libenclave_la_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS) -pthread
src_enclave_libenclave_la_LIBADD = $(SODIUM_LIBS) -lpthread

lib_LTLIBRARIES += src/enclave/libguardhsm-enclave.la
src_enclave_libguardhsm_enclave_la_SOURCES =
src_enclave_libguardhsm_enclave_la_LIBADD = src/enclave/libenclave.la
EXTRA_src_enclave_libguardhsm_enclave_la_DEPENDENCIES = src/enclave/enclave.sym
src_enclave_libguardhsm_enclave_la_LDFLAGS = $(AM_LDFLAGS) \
	-version-info 0:0:0 \
	-export-symbols $(srcdir)/src/enclave/enclave.sym

guardhsmincludedir = $(includedir)/guardhsm
guardhsminclude_HEADERS = src/enclave/enclave.h
pkgconfig_DATA += src/enclave/guardhsm-enclave.pc
EXTRA_DIST += src/enclave/guardhsm-enclave.pc.in src/enclave/enclave.sym
