# Example programs. They link the installed shared library, as a user's
# program would, and include only the public header.
noinst_PROGRAMS += examples/enclave_demo
examples_enclave_demo_SOURCES = examples/enclave_demo.c
examples_enclave_demo_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
examples_enclave_demo_LDADD = src/enclave/libguardhsm-enclave.la $(SODIUM_LIBS)
