/* The module's mutexes: pthreads, or the application's callbacks when it
 * passed them to C_Initialize without CKF_OS_LOCKING_OK. */
#ifndef GUARDHSM_PKCS11_LOCKING_H
#define GUARDHSM_PKCS11_LOCKING_H

#include "pkcs11/pkcs11_3_0.h"

typedef struct p11_mutex p11_mutex;

/* From C_Initialize's arguments (NULL: no threads promised, pthreads
 * anyway). CKR_ARGUMENTS_BAD for an inconsistent set of callbacks. */
CK_RV p11_locking_configure(const CK_C_INITIALIZE_ARGS *args);
void p11_locking_reset(void);

p11_mutex *p11_mutex_new(void); /* NULL on failure */
void p11_mutex_free(p11_mutex *mutex);
void p11_mutex_lock(p11_mutex *mutex);
void p11_mutex_unlock(p11_mutex *mutex);

#endif
