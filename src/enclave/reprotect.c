/* Deferred re-protection: the closer thread.
 *
 * Without a CPU protection key, opening the key page or a slab page costs
 * an mprotect, and closing it again another, with a TLB shootdown on every
 * core the process has run on: on a 2-core VM a pair took 13 us, most of
 * an Ed25519 signature. With enc_config.reprotect_delay_ms = D > 0, a page
 * that its last user leaves is not closed at once: it is due to close D ms
 * later, and an operation that comes before then finds it still open and
 * makes no system call. This thread, started the first time a close is
 * deferred, closes every page whose time has come.
 *
 * Only the closing is late, never the wiping: a secret's plaintext still
 * ends with its buffer, and the whole sealing key with its one seal or
 * open. What a due page holds meanwhile stays readable (never writable
 * beyond what its users asked) for at most D ms plus the thread's wake-up.
 *
 * The thread takes the coffer's and the enclave's locks only with trylock,
 * so enc_shutdown can join it while holding them; a busy lock means
 * someone is using the enclave, and the thread tries again a millisecond
 * later. It blocks every signal, so the host's handlers never run on it. */
#include "config.h"

#include "enclave/internal.h"

#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define BUSY_RETRY_MS 1

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool started;
	bool stop;
	bool failed; /* the thread could not start: close at once */
	bool cond_ready;
	/* Bumped by every deferred close; the thread waits without a
	 * deadline only if it has seen the latest. */
	atomic_uint_fast64_t deferrals;
	atomic_bool idle; /* waiting without a deadline: signal it */
	atomic_bool running;
	atomic_uint_fast64_t closes;
} closer = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The wait is on CLOCK_MONOTONIC, like the deadlines. */
static void init_cond(void)
{
	pthread_condattr_t attributes;
	pthread_condattr_init(&attributes);
	pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
	pthread_cond_init(&closer.wake, &attributes);
	pthread_condattr_destroy(&attributes);
	closer.cond_ready = true;
}

uint64_t enc_now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
}

static uint64_t earlier(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Closes what is due; returns when to look again (UINT64_MAX: nothing is
 * pending). */
static uint64_t close_due(uint64_t now, bool force, bool *busy)
{
	uint64_t next = enc_coffer_close_due(now, force, busy);
	return earlier(next, enc_slab_close_due(now, force, busy));
}

static void wait_until(uint64_t deadline_ms)
{
	struct timespec until = {.tv_sec = (time_t)(deadline_ms / 1000u),
	                         .tv_nsec = (long)(deadline_ms % 1000u) *
	                                    1000000L};
	pthread_cond_timedwait(&closer.wake, &closer.lock, &until);
}

static void *closer_main(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&closer.lock);
	while (!closer.stop) {
		uint64_t seen = atomic_load(&closer.deferrals);
		pthread_mutex_unlock(&closer.lock);
		bool busy = false;
		uint64_t now = enc_now_ms();
		uint64_t next = close_due(now, false, &busy);
		if (busy)
			next = earlier(next, now + BUSY_RETRY_MS);
		pthread_mutex_lock(&closer.lock);
		if (closer.stop)
			break;
		if (next != UINT64_MAX) {
			/* Closes deferred meanwhile are due later still. */
			wait_until(next);
			continue;
		}
		/* Idle first, then look: a deferral either comes before the
		 * look (seen differs) or sees idle and signals. */
		atomic_store(&closer.idle, true);
		if (atomic_load(&closer.deferrals) == seen)
			pthread_cond_wait(&closer.wake, &closer.lock);
		atomic_store(&closer.idle, false);
	}
	pthread_mutex_unlock(&closer.lock);
	return NULL;
}

/* With the lock held. Every signal is blocked in the new thread. */
static bool start_thread(void)
{
	if (!closer.cond_ready)
		init_cond();
	sigset_t all, previous;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &previous);
	int error = pthread_create(&closer.thread, NULL, closer_main, NULL);
	pthread_sigmask(SIG_SETMASK, &previous, NULL);
	if (error != 0)
		return false;
#ifdef __GLIBC__
	pthread_setname_np(closer.thread, "enc-reprotect");
#endif
	closer.started = true;
	return true;
}

/* Starts the thread on first use (its lock held). */
static bool ensure_started(void)
{
	pthread_mutex_lock(&closer.lock);
	if (!closer.started && !closer.stop && !closer.failed) {
		if (start_thread()) {
			atomic_store(&closer.running, true);
		} else {
			closer.failed = true;
			enc_log(ENC_LOG_WARNING,
			        "cannot start the re-protection thread: pages "
			        "close at once");
		}
	}
	bool started = closer.started && !closer.stop;
	pthread_mutex_unlock(&closer.lock);
	return started;
}

bool enc_reprotect_defer(void)
{
	if (enc_global.config.reprotect_delay_ms == 0)
		return false;
	/* The common case, a busy page deferred again, takes no lock. */
	if (!atomic_load(&closer.running) && !ensure_started())
		return false;
	atomic_fetch_add(&closer.deferrals, 1);
	if (atomic_load(&closer.idle)) {
		pthread_mutex_lock(&closer.lock);
		pthread_cond_signal(&closer.wake);
		pthread_mutex_unlock(&closer.lock);
	}
	return true;
}

void enc_reprotect_count_close(void)
{
	atomic_fetch_add(&closer.closes, 1);
}

uint64_t enc_reprotect_closes(void)
{
	return atomic_load(&closer.closes);
}

void enc_reprotect_stop(void)
{
	pthread_mutex_lock(&closer.lock);
	bool started = closer.started;
	closer.stop = true;
	atomic_store(&closer.running, false);
	if (started)
		pthread_cond_signal(&closer.wake);
	pthread_mutex_unlock(&closer.lock);
	if (started)
		pthread_join(closer.thread, NULL);
	pthread_mutex_lock(&closer.lock);
	closer.started = false;
	closer.stop = false;
	closer.failed = false;
	atomic_store(&closer.idle, false);
	pthread_mutex_unlock(&closer.lock);
}

void enc_reprotect_after_fork(void)
{
	/* The thread does not exist in the child, and the parent's may have
	 * held the lock at the fork. */
	pthread_mutex_init(&closer.lock, NULL);
	if (closer.cond_ready)
		init_cond();
	closer.started = false;
	closer.stop = false;
	closer.failed = false;
	atomic_store(&closer.idle, false);
	atomic_store(&closer.running, false);
}

void enc_reprotect_now(void)
{
	if (enc_ready() != ENC_OK)
		return;
	bool busy = false;
	close_due(enc_now_ms(), true, &busy);
}

/* A module unloaded without enc_shutdown (dlclose without C_Finalize)
 * must not leave a thread running code that is no longer mapped. */
__attribute__((destructor)) static void stop_at_unload(void)
{
	if (closer.started)
		enc_reprotect_stop();
}
