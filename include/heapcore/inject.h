/* heapcore/inject.h — run Python source in another, running CPython process, by ptrace.
 *
 * What `heapcore attach` needs from the OS, without a debugger.  Two roads (the reasoning is
 * in thesis-notes/attach.md):
 *
 * - The thread road, taken when /proc says a thread of the process waits in a system call
 *   (sleep, select/poll/epoll, accept, read/recv, wait, a futex wait: a lock, a condition,
 *   an Event, a join, the GIL itself): that thread is stopped there, which is a place where it
 *   holds no lock of the C library's, and makes one call, pthread_create, for a thread of the
 *   process's own that runs a few instructions written into a fresh read+exec page:
 *   pthread_detach(pthread_self()); if Py_IsInitialized(): PyGILState_Ensure(),
 *   PyRun_SimpleString(source), PyGILState_Release().  The stopped thread goes back into its
 *   system call at once; the new thread takes the GIL as any thread does, however long
 *   another holds it.
 * - The pending-call road, when no thread waits (the main thread runs Python code, or C code
 *   that makes no system call): the main thread is stopped wherever it is and makes a call
 *   that is safe at any instruction, Py_AddPendingCall(PyRun_SimpleString, page), which only
 *   queues; the interpreter runs the source on its main thread at its next bytecode boundary.
 *
 * Either way the stopped thread first gets pages from libc's mmap (a system call: no lock,
 * no malloc), and afterwards every register it had back (general, x87/SSE/AVX/AVX-512/AMX
 * state, as the kernel's PTRACE_GETREGSET NT_X86_XSTATE gives it, whatever its size).
 *
 * Why not gdb: gdb 13 cannot write back the extended state of CPUs whose state is larger than
 * it expects (AMX: 11 KB), so every call it makes fails there ("Couldn't write extended state
 * status: Bad address") — and it is a 15 MB dependency for a few calls.
 *
 * How a call is made: the registers are set for the x86-64 SysV call (arguments in rdi..r9,
 * rsp 16-byte aligned 512 bytes below the thread's own, past its red zone; the direction flag
 * cleared; orig_rax -1 so that the kernel does not restart an interrupted system call into
 * the call), the return address is 0, and the thread runs: the call's return faults at
 * address 0, which the tracer sees (SIGSEGV at rip 0) before the process does.  Nothing is
 * written into the process's existing code.  A system call the thread was in when stopped is
 * restarted by the kernel once its registers are back (as after any signal).  Signals that
 * arrive while the thread is held are given back to it (tgkill) after it is let go; their
 * siginfo is lost.
 *
 * Support: Linux on x86-64; elsewhere HC_INJECT_UNSUPPORTED (the caller may use gdb).
 * Symbols are read from the ELF files the process maps (dynamic symbol tables): the Python
 * functions from the first file that defines them (the executable, then its libraries, as
 * the dynamic linker binds), mmap/munmap/pthread_* from the C library itself (so that a
 * sanitizer's interceptor is never called).  HEAPCORE_ATTACH_PENDING set in the environment
 * takes the pending-call road always (for tests).
 *
 * Limits: the process must be one ptrace may attach to (same user or CAP_SYS_PTRACE, Yama's
 * ptrace_scope, not already traced).  Only the thread held is stopped; the others run on.
 * The pages (the source's length rounded up to 4 KB, and 4 KB of code) stay mapped in the
 * process: the thread or the queued call reads them later. */
#ifndef HEAPCORE_PUBLIC_INJECT_H
#define HEAPCORE_PUBLIC_INJECT_H

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

typedef enum {
    HC_INJECT_QUEUED,      /* both calls made; *pending_rc is Py_AddPendingCall's result (0: queued) */
    HC_INJECT_STARTED,     /* a thread of its own runs the source (the thread road); *pending_rc 0 */
    HC_INJECT_UNSUPPORTED, /* not Linux x86-64: nothing was done */
    HC_INJECT_PTRACE,      /* ptrace refused to attach (*os_errno: EPERM, ESRCH, …): nothing was done */
    HC_INJECT_NO_SYMBOL,   /* a symbol is missing (not CPython, or no C library found): nothing was done */
    HC_INJECT_GONE,        /* the process exited while it was held */
    HC_INJECT_STUCK,       /* a call did not return within the timeout, or faulted: it was abandoned
                            * and the thread's registers put back (see the message) */
    HC_INJECT_FAILED,      /* another OS error (*os_errno) after the thread was stopped; the
                            * thread's registers were put back */
} hc_inject_status;

/* Queue source (NUL-terminated, len bytes without the NUL) in process pid: see above.  Blocks
 * (call without the GIL) for at most about timeout_s seconds per call.  Always returns a status;
 * *pending_rc is set for HC_INJECT_QUEUED, *os_errno (0 if none) for the others, and *message
 * (g_free it; may be NULL) says what happened in words. */
hc_inject_status hc_inject_source(int pid, const char *source, size_t len, double timeout_s, int *pending_rc,
                                  int *os_errno, char **message);

G_END_DECLS

#endif
