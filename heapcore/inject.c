/* heapcore/inject.c — Python source queued in another process by ptrace (see inject.h). */
#include "heapcore/inject.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__) && defined(__x86_64__)

#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define STACK_GAP 512          /* below the thread's rsp: past the 128-byte red zone */
#define XSTATE_MAX (256 << 10) /* far more than any CPU's XSAVE area (AMX: 11 KB) */
#define EFLAGS_TF 0x100
#define EFLAGS_DF 0x400

typedef struct {
    pid_t pid;                    /* the thread held (a task of tgid) */
    pid_t tgid;                   /* its process */
    struct user_regs_struct regs; /* the thread's own, put back at the end */
    void *xstate;                 /* its extended state (NT_X86_XSTATE), or NULL: ... */
    size_t xlen;
    struct user_fpregs_struct fp; /* ... its x87/SSE state (FXSAVE) */
    gboolean saved;
    gboolean seized;
    guint64 give_back; /* signals (bit n-1 for signal n) that arrived while held */
    int err;           /* errno of the failing call */
    char *msg;         /* what went wrong, in words */
} tracee;

static void say(tracee *t, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void say(tracee *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_free(t->msg);
    t->msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

static void keep_signal(tracee *t, int sig)
{
    if (sig > 0 && sig <= 64)
        t->give_back |= (guint64)1 << (sig - 1);
}

/* ---- symbols ------------------------------------------------------------------------------ */

typedef struct {
    char *path;    /* as /proc/PID/maps names it */
    guint64 start; /* where its mapping of file offset 0 starts (0: none seen) */
} mapped;

/* The ELF files pid maps, in address order (the executable of a PIE first, then libraries:
 * the dynamic linker's search order, near enough). */
static GPtrArray *mapped_files(pid_t pid)
{
    char path[64];
    g_snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    GPtrArray *files = g_ptr_array_new();
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        unsigned long long start, end, off;
        char perms[8];
        int at = 0;
        if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &off, &at) < 4 || at == 0)
            continue;
        const char *name = line + at;
        if (name[0] != '/' || off != 0)
            continue;
        if (g_hash_table_contains(seen, name))
            continue;
        mapped *m = g_new0(mapped, 1);
        m->path = g_strdup(name);
        m->start = start;
        g_hash_table_add(seen, m->path);
        g_ptr_array_add(files, m);
    }
    g_hash_table_destroy(seen);
    g_free(text);
    return files;
}

static void mapped_free(GPtrArray *files)
{
    if (!files)
        return;
    for (guint i = 0; i < files->len; i++) {
        mapped *m = files->pdata[i];
        g_free(m->path);
        g_free(m);
    }
    g_ptr_array_free(files, TRUE);
}

/* The run-time address of the function name defined in the ELF file m (as mapped in pid), or
 * 0.  Only the dynamic symbol table is read: what the file exports.  Every offset is checked
 * against the file's size (the file is the process's, not ours to trust). */
static guint64 elf_lookup(pid_t pid, const mapped *m, const char *name)
{
    char *path = g_strdup_printf("/proc/%d/root%s", (int)pid, m->path);
    GMappedFile *mf = g_mapped_file_new(path, FALSE, NULL);
    g_free(path);
    if (!mf)
        mf = g_mapped_file_new(m->path, FALSE, NULL);
    if (!mf)
        return 0;
    const guint8 *b = (const guint8 *)g_mapped_file_get_contents(mf);
    size_t n = g_mapped_file_get_length(mf);
    guint64 found = 0;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)b;
    if (n < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        (eh->e_type != ET_DYN && eh->e_type != ET_EXEC) || eh->e_shentsize != sizeof(Elf64_Shdr) ||
        eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_shoff > n ||
        eh->e_shnum > (n - eh->e_shoff) / sizeof(Elf64_Shdr) || eh->e_phoff > n ||
        eh->e_phnum > (n - eh->e_phoff) / sizeof(Elf64_Phdr))
        goto out;
    /* the load bias: where the first PT_LOAD (file offset 0) is, minus where it asks to be */
    guint64 bias = 0;
    if (eh->e_type == ET_DYN) {
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(b + eh->e_phoff);
        gboolean have = FALSE;
        guint64 low = 0;
        for (unsigned i = 0; i < eh->e_phnum; i++)
            if (ph[i].p_type == PT_LOAD && (!have || ph[i].p_vaddr < low)) {
                low = ph[i].p_vaddr;
                have = TRUE;
            }
        if (!have)
            goto out;
        bias = m->start - (low & ~(guint64)(PAGE - 1));
    }
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(b + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum && !found; i++) {
        if (sh[i].sh_type != SHT_DYNSYM || sh[i].sh_entsize != sizeof(Elf64_Sym) || sh[i].sh_link >= eh->e_shnum)
            continue;
        const Elf64_Shdr *st = &sh[sh[i].sh_link];
        if (sh[i].sh_offset > n || sh[i].sh_size > n - sh[i].sh_offset || st->sh_offset > n ||
            st->sh_size > n - st->sh_offset || st->sh_size == 0)
            continue;
        const Elf64_Sym *sym = (const Elf64_Sym *)(b + sh[i].sh_offset);
        const char *strs = (const char *)(b + st->sh_offset);
        size_t nsym = sh[i].sh_size / sizeof(Elf64_Sym), nstr = st->sh_size;
        size_t want = strlen(name) + 1;
        for (size_t k = 0; k < nsym; k++) {
            if (sym[k].st_shndx == SHN_UNDEF || sym[k].st_value == 0 || ELF64_ST_TYPE(sym[k].st_info) != STT_FUNC)
                continue;
            if (sym[k].st_name >= nstr || nstr - sym[k].st_name < want)
                continue;
            if (memcmp(strs + sym[k].st_name, name, want) == 0) {
                found = bias + sym[k].st_value;
                break;
            }
        }
    }
out:
    g_mapped_file_unref(mf);
    return found;
}

static gboolean is_libc(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return g_str_has_prefix(base, "libc.so") || g_str_has_prefix(base, "libc-") || g_str_has_prefix(base, "ld-musl-") ||
           g_str_has_prefix(base, "libc.musl");
}

/* name's address in the first file (of those is_libc accepts, if libc_only) defining it. */
static guint64 lookup(pid_t pid, GPtrArray *files, const char *name, gboolean libc_only)
{
    for (int pass = 0; pass < 2; pass++) {
        for (guint i = 0; i < files->len; i++) {
            const mapped *m = files->pdata[i];
            if (libc_only && pass == 0 && !is_libc(m->path))
                continue;
            guint64 a = elf_lookup(pid, m, name);
            if (a)
                return a;
        }
        if (!libc_only)
            break; /* a second pass only for a C library not named as expected (static) */
    }
    return 0;
}

/* ---- the thread ---------------------------------------------------------------------------- */

enum { STOPPED = 1, TIMED_OUT = 0, EXITED = -1 };

/* Wait for the thread's next stop (its wait status in *status) until deadline (monotonic µs). */
static int wait_stop(tracee *t, gint64 deadline, int *status)
{
    gulong nap = 50;
    for (;;) {
        int s;
        pid_t r = waitpid(t->pid, &s, __WALL | WNOHANG);
        if (r == t->pid) {
            if (WIFSTOPPED(s)) {
                *status = s;
                return STOPPED;
            }
            if (WIFEXITED(s) || WIFSIGNALED(s))
                return EXITED;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return EXITED; /* ECHILD: no longer ours to wait for */
        if (g_get_monotonic_time() >= deadline)
            return TIMED_OUT;
        g_usleep(nap);
        if (nap < 2000)
            nap *= 2;
    }
}

static gboolean is_event_stop(int status)
{
    return (status >> 16) == PTRACE_EVENT_STOP;
}

static gboolean is_stop_signal(int sig)
{
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* Note what a stop that is not the one awaited brings: a signal for the thread (given back
 * later), or a group stop (kept: the process is stopped again once let go). */
static void note_stop(tracee *t, int status)
{
    int sig = WSTOPSIG(status);
    if (is_event_stop(status)) {
        if (is_stop_signal(sig))
            keep_signal(t, sig);
    } else {
        keep_signal(t, sig);
    }
}

static gboolean save_state(tracee *t)
{
    if (ptrace(PTRACE_GETREGS, t->pid, NULL, &t->regs) != 0) {
        t->err = errno;
        say(t, "cannot read the registers of process %d: %s", (int)t->pid, g_strerror(errno));
        return FALSE;
    }
    t->xstate = g_malloc0(XSTATE_MAX);
    struct iovec iov = {t->xstate, XSTATE_MAX};
    if (ptrace(PTRACE_GETREGSET, t->pid, (void *)(long)NT_X86_XSTATE, &iov) == 0 && iov.iov_len > 0) {
        t->xlen = iov.iov_len; /* the kernel's size for this CPU: written back as it is */
    } else {
        g_clear_pointer(&t->xstate, g_free);
        if (ptrace(PTRACE_GETFPREGS, t->pid, NULL, &t->fp) != 0) {
            t->err = errno;
            say(t, "cannot read the floating-point registers of process %d: %s", (int)t->pid, g_strerror(errno));
            return FALSE;
        }
    }
    t->saved = TRUE;
    return TRUE;
}

static gboolean restore_state(tracee *t)
{
    if (!t->saved)
        return TRUE;
    gboolean ok = ptrace(PTRACE_SETREGS, t->pid, NULL, &t->regs) == 0;
    if (t->xstate) {
        struct iovec iov = {t->xstate, t->xlen};
        ok = ptrace(PTRACE_SETREGSET, t->pid, (void *)(long)NT_X86_XSTATE, &iov) == 0 && ok;
    } else {
        ok = ptrace(PTRACE_SETFPREGS, t->pid, NULL, &t->fp) == 0 && ok;
    }
    return ok;
}

/* Write len bytes at addr in the process. */
static gboolean write_mem(tracee *t, guint64 addr, const void *data, size_t len)
{
    char path[64];
    g_snprintf(path, sizeof path, "/proc/%d/mem", (int)t->pid);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        size_t done = 0;
        while (done < len) {
            ssize_t w = pwrite(fd, (const char *)data + done, len - done, (off_t)(addr + done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            done += (size_t)w;
        }
        close(fd);
        if (done == len)
            return TRUE;
    }
    /* no /proc/PID/mem (or it refused): word by word, padding the last word with what is there */
    for (size_t done = 0; done < len; done += sizeof(long)) {
        long word;
        size_t k = MIN(sizeof word, len - done);
        if (k < sizeof word) {
            errno = 0;
            word = ptrace(PTRACE_PEEKDATA, t->pid, (void *)(addr + done), NULL);
            if (errno) {
                t->err = errno;
                return FALSE;
            }
        }
        memcpy(&word, (const char *)data + done, k);
        if (ptrace(PTRACE_POKEDATA, t->pid, (void *)(addr + done), (void *)word) != 0) {
            t->err = errno;
            return FALSE;
        }
    }
    return TRUE;
}

/* Call fn(args...) in the stopped thread; its return value in *ret.  On QUEUED-like success
 * the thread is stopped again (at the fault at address 0), its registers still the call's. */
static hc_inject_status call(tracee *t, const char *what, guint64 fn, const guint64 *args, int nargs, double timeout_s,
                             guint64 *ret)
{
    struct user_regs_struct r = t->regs;
    guint64 sp = ((guint64)t->regs.rsp - STACK_GAP) & ~(guint64)15;
    sp -= 8; /* the return address: at the call's first instruction, rsp + 8 is 16-byte aligned */
    guint64 zero = 0;
    if (!write_mem(t, sp, &zero, sizeof zero)) {
        say(t, "cannot write to the stack of process %d: %s", (int)t->pid, g_strerror(t->err));
        return HC_INJECT_FAILED;
    }
    guint64 a[6] = {0};
    memcpy(a, args, sizeof(guint64) * (size_t)MIN(nargs, 6));
    r.rdi = a[0], r.rsi = a[1], r.rdx = a[2], r.rcx = a[3], r.r8 = a[4], r.r9 = a[5];
    r.rax = 0;
    r.orig_rax = (unsigned long long)-1; /* not in a system call: nothing to restart */
    r.rip = fn;
    r.rsp = sp;
    r.eflags &= ~(unsigned long long)(EFLAGS_DF | EFLAGS_TF);
    if (ptrace(PTRACE_SETREGS, t->pid, NULL, &r) != 0) {
        t->err = errno;
        say(t, "cannot set the registers of process %d: %s", (int)t->pid, g_strerror(errno));
        return HC_INJECT_FAILED;
    }
    gint64 deadline = g_get_monotonic_time() + (gint64)(timeout_s * G_USEC_PER_SEC);
    for (;;) {
        /* resumed with no signal: one that arrived is kept for later (note_stop) */
        if (ptrace(PTRACE_CONT, t->pid, NULL, NULL) != 0) {
            t->err = errno;
            say(t, "cannot resume process %d: %s", (int)t->pid, g_strerror(errno));
            return errno == ESRCH ? HC_INJECT_GONE : HC_INJECT_FAILED;
        }
        int status = 0;
        int w = wait_stop(t, deadline, &status);
        if (w == EXITED) {
            say(t, "process %d exited during the call to %s", (int)t->pid, what);
            return HC_INJECT_GONE;
        }
        if (w == TIMED_OUT) {
            /* stop it again wherever the call is, to put its registers back */
            ptrace(PTRACE_INTERRUPT, t->pid, NULL, NULL);
            for (;;) {
                w = wait_stop(t, g_get_monotonic_time() + 5 * G_USEC_PER_SEC, &status);
                if (w != STOPPED || is_event_stop(status))
                    break;
                note_stop(t, status);
                ptrace(PTRACE_CONT, t->pid, NULL, NULL);
            }
            if (w == EXITED) {
                say(t, "process %d exited during the call to %s", (int)t->pid, what);
                return HC_INJECT_GONE;
            }
            say(t,
                "the call to %s in process %d did not return within %g s (is its main thread stopped "
                "inside the interpreter's pending-calls lock?): abandoned, its registers put back",
                what, (int)t->pid, timeout_s);
            return HC_INJECT_STUCK;
        }
        int sig = WSTOPSIG(status);
        if (is_event_stop(status)) {
            note_stop(t, status);
            continue;
        }
        struct user_regs_struct now;
        if (ptrace(PTRACE_GETREGS, t->pid, NULL, &now) != 0) {
            t->err = errno;
            say(t, "cannot read the registers of process %d: %s", (int)t->pid, g_strerror(errno));
            return HC_INJECT_FAILED;
        }
        if (sig == SIGSEGV && now.rip == 0 && now.rsp == sp + 8) {
            *ret = now.rax; /* the call returned (to address 0) */
            return HC_INJECT_QUEUED;
        }
        if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP) {
            say(t, "the call to %s in process %d faulted (signal %d at %#llx): abandoned, its registers put back", what,
                (int)t->pid, sig, (unsigned long long)now.rip);
            return HC_INJECT_STUCK;
        }
        keep_signal(t, sig); /* not now: given back once the thread is let go */
    }
}

/* The functions called in the process (0: not found). */
typedef struct {
    guint64 add, run, map, unmap;                             /* the pending-call road */
    guint64 ensure, release, isinit, pcreate, pdetach, pself; /* the thread road */
} syms;

/* ---- holding a thread ---------------------------------------------------------------------- */

/* Seize thread t->pid, stop it wherever it is, save its registers. */
static hc_inject_status hold(tracee *t)
{
    if (ptrace(PTRACE_SEIZE, t->pid, NULL, NULL) != 0) {
        t->err = errno;
        say(t, "ptrace: %s", g_strerror(errno));
        return HC_INJECT_PTRACE;
    }
    t->seized = TRUE;
    if (ptrace(PTRACE_INTERRUPT, t->pid, NULL, NULL) != 0) {
        t->err = errno;
        say(t, "ptrace: %s", g_strerror(errno));
        return HC_INJECT_FAILED;
    }
    int status;
    int w = wait_stop(t, g_get_monotonic_time() + 10 * G_USEC_PER_SEC, &status);
    if (w != STOPPED) {
        say(t, w == EXITED ? "process %d exited" : "process %d did not stop for ptrace", (int)t->tgid);
        if (w == EXITED)
            t->seized = FALSE;
        return w == EXITED ? HC_INJECT_GONE : HC_INJECT_FAILED;
    }
    note_stop(t, status); /* a signal on its way in, or a group stop: kept for later */
    return save_state(t) ? HC_INJECT_QUEUED : HC_INJECT_FAILED;
}

/* Put the thread's registers back (unless st says it is gone), detach, give back signals. */
static hc_inject_status let_go(tracee *t, hc_inject_status st)
{
    if (!t->seized || st == HC_INJECT_GONE)
        return st;
    if (!restore_state(t)) {
        t->err = errno;
        say(t, "cannot put back the registers of process %d: %s", (int)t->tgid, g_strerror(errno));
        st = HC_INJECT_FAILED;
    }
    ptrace(PTRACE_DETACH, t->pid, NULL, NULL);
    t->seized = FALSE;
    for (int sig = 1; sig <= 64; sig++)
        if (t->give_back & ((guint64)1 << (sig - 1)))
            syscall(SYS_tgkill, t->tgid, t->pid, sig);
    t->give_back = 0;
    t->saved = FALSE;
    g_clear_pointer(&t->xstate, g_free);
    return st;
}

/* A fresh page (or pages) in the process, with protection prot; 0 if mmap failed. */
static guint64 map_pages(tracee *t, guint64 map, size_t size, int prot, double timeout_s, hc_inject_status *st)
{
    guint64 page = 0;
    guint64 margs[6] = {0, size, (guint64)prot, 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, (guint64)-1, 0};
    *st = call(t, "mmap", map, margs, 6, timeout_s, &page);
    if (*st != HC_INJECT_QUEUED)
        return 0;
    if (page == (guint64)-1 || page == 0 || (page & (PAGE - 1))) {
        say(t, "mmap of %zu bytes failed in process %d", size, (int)t->tgid);
        *st = HC_INJECT_FAILED;
        return 0;
    }
    return page;
}

/* munmap(page, size) in the process (its outcome ignored: a page that stays costs its size). */
static void unmap_pages(tracee *t, guint64 unmap, guint64 page, size_t size, double timeout_s)
{
    guint64 uargs[2] = {page, size}, ignored;
    call(t, "munmap", unmap, uargs, 2, timeout_s, &ignored);
}

/* ---- the pending-call road ------------------------------------------------------------------ */

/* Py_AddPendingCall(PyRun_SimpleString, page) on the held main thread. */
static hc_inject_status queue_pending(tracee *t, const syms *y, const char *source, size_t len, double timeout_s,
                                      int *pending_rc)
{
    hc_inject_status st;
    size_t size = (len + 1 + PAGE - 1) / PAGE * PAGE;
    guint64 page = map_pages(t, y->map, size, 3 /* PROT_READ|PROT_WRITE */, timeout_s, &st);
    if (page && !write_mem(t, page, source, len + 1)) {
        say(t, "cannot write into process %d: %s", (int)t->tgid, g_strerror(t->err));
        st = HC_INJECT_FAILED;
    }
    gboolean asked = page && st == HC_INJECT_QUEUED; /* Py_AddPendingCall is called */
    if (asked) {
        guint64 rc = 0, pargs[2] = {y->run, page};
        st = call(t, "Py_AddPendingCall", y->add, pargs, 2, timeout_s, &rc);
        if (st == HC_INJECT_QUEUED)
            *pending_rc = (int)(gint32)(guint32)rc;
    }
    /* The page goes only when nothing can read it later: Py_AddPendingCall said no, or was
     * never called (and the thread can still make a call: not gone, not left in an
     * abandoned one).  If the call's outcome is unknown, the page stays. */
    gboolean unused =
        asked ? st == HC_INJECT_QUEUED && *pending_rc != 0 : st != HC_INJECT_GONE && st != HC_INJECT_STUCK;
    if (page && unused)
        unmap_pages(t, y->unmap, page, size, timeout_s);
    return st;
}

/* ---- the thread road ------------------------------------------------------------------------ */

/* The thread started in the process runs this (x86-64 machine code, position-independent),
 * with rdi = the block below:
 *
 *     push rbx; mov rbx, rdi
 *     call [rbx+8]  ; pthread_self          mov rdi, rax; call [rbx]   ; pthread_detach
 *     call [rbx+48] ; Py_IsInitialized      test eax, eax; jz done     ; finalizing: nothing
 *     call [rbx+16] ; PyGILState_Ensure     push rax; sub rsp, 8
 *     mov rdi, [rbx+40]; call [rbx+24]      ; PyRun_SimpleString(source)
 *     add rsp, 8; pop rdi; call [rbx+32]    ; PyGILState_Release(state)
 *     done: xor eax, eax; pop rbx; ret
 *
 * The stack stays 16-byte aligned at every call (entered with rsp = 8 mod 16). */
static const guint8 thread_code[] = {
    0x53, 0x48, 0x89, 0xfb, 0xff, 0x53, 0x08, 0x48, 0x89, 0xc7, 0xff, 0x13, 0xff, 0x53, 0x30, 0x85,
    0xc0, 0x74, 0x17, 0xff, 0x53, 0x10, 0x50, 0x48, 0x83, 0xec, 0x08, 0x48, 0x8b, 0x7b, 0x28, 0xff,
    0x53, 0x18, 0x48, 0x83, 0xc4, 0x08, 0x5f, 0xff, 0x53, 0x20, 0x31, 0xc0, 0x5b, 0xc3,
};

enum { B_DETACH, B_SELF, B_ENSURE, B_RUN, B_RELEASE, B_SOURCE, B_ISINIT, B_TID, B_WORDS };

/* System calls (x86-64 numbers) a thread can wait in long, called from C code that holds no
 * lock of the C library's (malloc's, the loader's, the thread stacks'): the waits of the
 * interpreter's GIL-free sections (sleep, select/poll/epoll, accept, read, recv, wait,
 * sem_wait/lock/condition waits as futex waits).  A thread stopped in one of them can start
 * a thread.  futex counts only as a wait (FUTEX_WAIT*, FUTEX_LOCK_PI*): a thread in a wake
 * may hold the lock it wakes a waiter of. */
static gboolean waiting_call(gint64 nr, guint64 arg1)
{
    switch (nr) {
    case SYS_read:
    case SYS_write:
    case SYS_readv:
    case SYS_writev:
    case SYS_pread64:
    case SYS_pwrite64:
    case SYS_poll:
    case SYS_ppoll:
    case SYS_select:
    case SYS_pselect6:
    case SYS_epoll_wait:
    case SYS_epoll_pwait:
#ifdef SYS_epoll_pwait2
    case SYS_epoll_pwait2:
#endif
    case SYS_nanosleep:
    case SYS_clock_nanosleep:
    case SYS_pause:
    case SYS_rt_sigsuspend:
    case SYS_rt_sigtimedwait:
    case SYS_accept:
    case SYS_accept4:
    case SYS_connect:
    case SYS_recvfrom:
    case SYS_recvmsg:
    case SYS_recvmmsg:
    case SYS_sendto:
    case SYS_sendmsg:
    case SYS_wait4:
    case SYS_waitid:
        return TRUE;
    case SYS_futex: {
        guint64 op = arg1 & ~(guint64)(128 | 256); /* FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME */
        return op == 0 || op == 6 || op == 9 || op == 11 || op == 13;
    }
    default:
        return FALSE;
    }
}

/* Was the held thread waiting in one of them (interrupted: the kernel restarts it)? */
static gboolean held_waiting(const tracee *t)
{
    gint64 rax = (gint64)t->regs.rax;
    gboolean interrupted = rax == -EINTR || rax == -512 || rax == -513 || rax == -514 || rax == -516;
    return interrupted && waiting_call((gint64)t->regs.orig_rax, t->regs.rsi);
}

/* The threads of pid that /proc says wait in one of those calls, the main thread first
 * (all of them, unchecked, if /proc does not say). */
static GArray *waiting_threads(pid_t pid)
{
    GArray *tids = g_array_new(FALSE, FALSE, sizeof(pid_t));
    char *dir = g_strdup_printf("/proc/%d/task", (int)pid);
    GDir *d = g_dir_open(dir, 0, NULL);
    gboolean unsure = FALSE;
    for (const char *name; d && (name = g_dir_read_name(d)) != NULL;) {
        pid_t tid = (pid_t)g_ascii_strtoll(name, NULL, 10);
        if (tid <= 0)
            continue;
        char *path = g_strdup_printf("%s/%s/syscall", dir, name), *text = NULL;
        if (g_file_get_contents(path, &text, NULL, NULL)) {
            char *end;
            gint64 nr = g_ascii_strtoll(text, &end, 10);
            g_ascii_strtoull(end, &end, 16); /* arg0 */
            guint64 arg1 = g_ascii_strtoull(end, &end, 16);
            if (end != text && waiting_call(nr, arg1)) {
                if (tid == pid)
                    g_array_prepend_val(tids, tid);
                else
                    g_array_append_val(tids, tid);
            }
        } else if (tid == pid) {
            unsure = TRUE;
        }
        g_free(text);
        g_free(path);
    }
    if (d)
        g_dir_close(d);
    g_free(dir);
    if (unsure && tids->len == 0)
        g_array_append_val(tids, pid);
    return tids;
}

/* On the held thread t, if it waits in a system call: start a thread that runs source with
 * the GIL (thread_code).  TRUE if it was started; else *st says why not (HC_INJECT_QUEUED:
 * not waiting, or the thread could not be made: the pending-call road may still serve). */
static gboolean start_thread(tracee *t, const syms *y, const char *source, size_t len, double timeout_s,
                             hc_inject_status *st)
{
    *st = HC_INJECT_QUEUED;
    if (!held_waiting(t))
        return FALSE;
    size_t dsize = (B_WORDS * 8 + len + 1 + PAGE - 1) / PAGE * PAGE;
    guint64 code = map_pages(t, y->map, PAGE, 5 /* PROT_READ|PROT_EXEC */, timeout_s, st);
    guint64 data = code ? map_pages(t, y->map, dsize, 3 /* PROT_READ|PROT_WRITE */, timeout_s, st) : 0;
    gboolean started = FALSE;
    if (data) {
        guint64 block[B_WORDS] = {
            [B_DETACH] = y->pdetach, [B_SELF] = y->pself,      [B_ENSURE] = y->ensure,
            [B_RUN] = y->run,        [B_RELEASE] = y->release, [B_SOURCE] = data + B_WORDS * 8,
            [B_ISINIT] = y->isinit,
        };
        /* the code page is read-only: written as a debugger writes (/proc/PID/mem, POKEDATA) */
        if (write_mem(t, code, thread_code, sizeof thread_code) && write_mem(t, data, block, sizeof block) &&
            write_mem(t, data + B_WORDS * 8, source, len + 1)) {
            guint64 rc = 1, args[4] = {data + B_TID * 8, 0, code, data};
            *st = call(t, "pthread_create", y->pcreate, args, 4, timeout_s, &rc);
            started = *st == HC_INJECT_QUEUED && (guint32)rc == 0;
            if (*st == HC_INJECT_QUEUED && !started)
                say(t, "pthread_create failed in process %d: %s", (int)t->tgid, g_strerror((int)(guint32)rc));
        } else {
            say(t, "cannot write into process %d: %s", (int)t->tgid, g_strerror(t->err));
        }
    }
    /* the pages stay if the thread runs (it reads them) or the outcome is unknown */
    if (!started && *st != HC_INJECT_GONE && *st != HC_INJECT_STUCK) {
        if (data)
            unmap_pages(t, y->unmap, data, dsize, timeout_s);
        if (code)
            unmap_pages(t, y->unmap, code, PAGE, timeout_s);
    }
    return started;
}

/* ---- both roads ------------------------------------------------------------------------------ */

hc_inject_status hc_inject_source(int pid, const char *source, size_t len, double timeout_s, int *pending_rc,
                                  int *os_errno, char **message)
{
    tracee t = {.pid = pid, .tgid = pid};
    hc_inject_status st = HC_INJECT_FAILED;
    syms y = {0};
    *pending_rc = -1;
    *os_errno = 0;
    GPtrArray *files = mapped_files(pid);
    if (!files) {
        t.err = ESRCH;
        say(&t, "process %d does not exist", pid);
        st = HC_INJECT_PTRACE;
        goto out;
    }
    y.add = lookup(pid, files, "Py_AddPendingCall", FALSE);
    y.run = y.add ? lookup(pid, files, "PyRun_SimpleString", FALSE) : 0;
    y.map = lookup(pid, files, "mmap", TRUE), y.unmap = lookup(pid, files, "munmap", TRUE);
    if (!y.add || !y.run) {
        say(&t, "no %s in process %d", y.add ? "PyRun_SimpleString" : "Py_AddPendingCall", pid);
        st = HC_INJECT_NO_SYMBOL;
        goto out;
    }
    if (!y.map || !y.unmap) {
        say(&t, "no C library (mmap) found in process %d", pid);
        st = HC_INJECT_NO_SYMBOL;
        goto out;
    }
    /* the thread road's functions (all or none) */
    y.ensure = lookup(pid, files, "PyGILState_Ensure", FALSE);
    y.release = lookup(pid, files, "PyGILState_Release", FALSE);
    y.isinit = lookup(pid, files, "Py_IsInitialized", FALSE);
    y.pcreate = lookup(pid, files, "pthread_create", TRUE);
    y.pdetach = lookup(pid, files, "pthread_detach", TRUE);
    y.pself = lookup(pid, files, "pthread_self", TRUE);
    if (y.ensure && y.release && y.isinit && y.pcreate && y.pdetach && y.pself && !getenv("HEAPCORE_ATTACH_PENDING")) {
        GArray *tids = waiting_threads(pid);
        for (guint i = 0; i < tids->len && i < 16; i++) {
            tracee w = {.pid = g_array_index(tids, pid_t, i), .tgid = pid};
            hc_inject_status ws = hold(&w);
            gboolean started = ws == HC_INJECT_QUEUED && start_thread(&w, &y, source, len, timeout_s, &ws);
            ws = let_go(&w, ws);
            if (started && ws == HC_INJECT_QUEUED) {
                say(&t, "started a thread from thread %d, which waited in system call %lld", (int)w.pid,
                    (long long)(gint64)w.regs.orig_rax);
                st = HC_INJECT_STARTED;
            } else if (ws == HC_INJECT_PTRACE && w.err == EPERM) {
                st = ws, t.err = w.err;
                say(&t, "%s", w.msg);
            } else if (ws == HC_INJECT_STUCK || (ws == HC_INJECT_GONE && w.pid == pid) || started) {
                st = ws, t.err = w.err;
                say(&t, "%s", w.msg ? w.msg : "the thread road failed");
            }
            g_free(w.msg);
            g_free(w.xstate);
            if (st != HC_INJECT_FAILED)
                break; /* started, or a failure another thread would meet too */
        }
        g_array_free(tids, TRUE);
        if (st != HC_INJECT_FAILED) {
            *pending_rc = st == HC_INJECT_STARTED ? 0 : -1;
            goto out;
        }
    }
    /* the pending-call road: the main thread runs the source at its next bytecode boundary */
    st = hold(&t);
    if (st == HC_INJECT_QUEUED)
        st = queue_pending(&t, &y, source, len, timeout_s, pending_rc);
    st = let_go(&t, st);
out:
    mapped_free(files);
    *os_errno = st == HC_INJECT_QUEUED || st == HC_INJECT_STARTED ? 0 : t.err;
    *message = t.msg;
    g_free(t.xstate);
    return st;
}

#else /* not Linux x86-64 */

hc_inject_status hc_inject_source(int pid, const char *source, size_t len, double timeout_s, int *pending_rc,
                                  int *os_errno, char **message)
{
    (void)pid, (void)source, (void)len, (void)timeout_s;
    *pending_rc = -1;
    *os_errno = ENOSYS;
    *message = g_strdup("heapcore injects without a debugger only on Linux x86-64");
    return HC_INJECT_UNSUPPORTED;
}

#endif
