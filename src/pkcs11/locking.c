/* Mutexes for the module's own state. The enclave and the store below us
 * lock with pthreads internally, which is what every Linux thread is; the
 * application's callbacks, when given, guard everything at this layer. */
#include "config.h"

#include "pkcs11/locking.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct p11_mutex {
	pthread_mutex_t native;
	void *application; /* the application's mutex, if it gave callbacks */
};

static struct {
	bool use_application;
	CK_CREATEMUTEX create;
	CK_DESTROYMUTEX destroy;
	CK_LOCKMUTEX lock;
	CK_UNLOCKMUTEX unlock;
} locking;

CK_RV p11_locking_configure(const CK_C_INITIALIZE_ARGS *args)
{
	p11_locking_reset();
	if (args == NULL)
		return CKR_OK;
	int given = (args->CreateMutex != NULL) + (args->DestroyMutex != NULL) +
	            (args->LockMutex != NULL) + (args->UnlockMutex != NULL);
	if (given != 0 && given != 4)
		return CKR_ARGUMENTS_BAD;
	/* With CKF_OS_LOCKING_OK we may choose: native locks are faster. */
	if (given == 4 && !(args->flags & CKF_OS_LOCKING_OK)) {
		locking.use_application = true;
		locking.create = args->CreateMutex;
		locking.destroy = args->DestroyMutex;
		locking.lock = args->LockMutex;
		locking.unlock = args->UnlockMutex;
	}
	return CKR_OK;
}

void p11_locking_reset(void)
{
	locking.use_application = false;
	locking.create = NULL;
	locking.destroy = NULL;
	locking.lock = NULL;
	locking.unlock = NULL;
}

p11_mutex *p11_mutex_new(void)
{
	p11_mutex *mutex = calloc(1, sizeof(*mutex));
	if (mutex == NULL)
		return NULL;
	if (locking.use_application) {
		if (locking.create(&mutex->application) != CKR_OK) {
			free(mutex);
			return NULL;
		}
	} else {
		pthread_mutex_init(&mutex->native, NULL);
	}
	return mutex;
}

void p11_mutex_free(p11_mutex *mutex)
{
	if (mutex == NULL)
		return;
	if (mutex->application != NULL)
		locking.destroy(mutex->application);
	else
		pthread_mutex_destroy(&mutex->native);
	free(mutex);
}

void p11_mutex_lock(p11_mutex *mutex)
{
	if (mutex->application != NULL)
		locking.lock(mutex->application);
	else
		pthread_mutex_lock(&mutex->native);
}

void p11_mutex_unlock(p11_mutex *mutex)
{
	if (mutex->application != NULL)
		locking.unlock(mutex->application);
	else
		pthread_mutex_unlock(&mutex->native);
}
