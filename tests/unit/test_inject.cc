// hc_inject_source on children of this test: the child is this executable (forked), which
// exports its own Py_AddPendingCall and PyRun_SimpleString (linked with --export-dynamic), so
// the injector finds them where it would find CPython's.  What is checked: the call arrives
// with the source, every register the child had comes back (vector registers included, the
// fake Py_AddPendingCall clobbers them all), a system call the child was blocked in goes on,
// and a process without CPython is refused untouched.
#include <gtest/gtest.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern "C" {
#include "heapcore/inject.h"
}

#if defined(__linux__) && defined(__x86_64__)

static volatile int g_called;
static char g_source[256];
static void *volatile g_func;

// The thread road's functions: the thread the injector starts calls them in this order.
static char g_ran_source[256];
static volatile int g_ran, g_ensured, g_released = -1;

extern "C" __attribute__((noinline, used, visibility("default"))) int Py_IsInitialized(void)
{
    return 1;
}

extern "C" __attribute__((noinline, used, visibility("default"))) int PyGILState_Ensure(void)
{
    g_ensured = 1;
    return 7; // a state PyGILState_Release must get back
}

extern "C" __attribute__((noinline, used, visibility("default"))) int PyRun_SimpleString(const char *s)
{
    if (s && g_ensured)
        strncpy(g_ran_source, s, sizeof g_ran_source - 1);
    return s ? 0 : -1;
}

extern "C" __attribute__((noinline, used, visibility("default"))) void PyGILState_Release(int state)
{
    g_released = state;
    __atomic_store_n(&g_ran, 1, __ATOMIC_RELEASE);
}

extern "C" __attribute__((noinline, used, visibility("default"), target("avx2"))) int
Py_AddPendingCall(int (*func)(const char *), void *arg)
{
    g_func = (void *)func;
    strncpy(g_source, (const char *)arg, sizeof g_source - 1);
    // any callee may use every vector register: this one zeroes them all
    __asm__ volatile("vpxor %%ymm0, %%ymm0, %%ymm0\n\tvpxor %%ymm1, %%ymm1, %%ymm1\n\t"
                     "vpxor %%ymm2, %%ymm2, %%ymm2\n\tvpxor %%ymm3, %%ymm3, %%ymm3\n\t"
                     "vpxor %%ymm4, %%ymm4, %%ymm4\n\tvpxor %%ymm5, %%ymm5, %%ymm5\n\t"
                     "vpxor %%ymm6, %%ymm6, %%ymm6\n\tvpxor %%ymm7, %%ymm7, %%ymm7\n\t"
                     "vpxor %%ymm8, %%ymm8, %%ymm8\n\tvpxor %%ymm9, %%ymm9, %%ymm9\n\t"
                     "vpxor %%ymm10, %%ymm10, %%ymm10\n\tvpxor %%ymm11, %%ymm11, %%ymm11\n\t"
                     "vpxor %%ymm12, %%ymm12, %%ymm12\n\tvpxor %%ymm13, %%ymm13, %%ymm13\n\t"
                     "vpxor %%ymm14, %%ymm14, %%ymm14\n\tvpxor %%ymm15, %%ymm15, %%ymm15\n\t" ::
                         : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
                           "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    g_called = 1;
    return 0;
}

static const char kSource[] = "import heapcore  # the request";

// The child's verdict, as its exit status.
enum { CHILD_OK = 0, CHILD_REGISTERS = 1, CHILD_CALL = 2, CHILD_READ = 3, CHILD_THREAD = 4 };

static int check_call()
{
    return g_func == (void *)&PyRun_SimpleString && strcmp(g_source, kSource) == 0 ? CHILD_OK : CHILD_CALL;
}

// Holds 16 ymm registers full of patterns while it spins until the call came, then compares.
__attribute__((target("avx2"))) static int spin_with_vectors(int ready_fd)
{
    alignas(32) unsigned char in[16 * 32], out[16 * 32];
    for (unsigned i = 0; i < sizeof in; i++)
        in[i] = (unsigned char)(i * 7 + 3);
    char c = 'r';
    if (write(ready_fd, &c, 1) != 1)
        return CHILD_CALL;
    const volatile int *flag = &g_called;
    __asm__ volatile("vmovdqu 0(%[in]), %%ymm0\n\tvmovdqu 32(%[in]), %%ymm1\n\tvmovdqu 64(%[in]), %%ymm2\n\t"
                     "vmovdqu 96(%[in]), %%ymm3\n\tvmovdqu 128(%[in]), %%ymm4\n\tvmovdqu 160(%[in]), %%ymm5\n\t"
                     "vmovdqu 192(%[in]), %%ymm6\n\tvmovdqu 224(%[in]), %%ymm7\n\tvmovdqu 256(%[in]), %%ymm8\n\t"
                     "vmovdqu 288(%[in]), %%ymm9\n\tvmovdqu 320(%[in]), %%ymm10\n\tvmovdqu 352(%[in]), %%ymm11\n\t"
                     "vmovdqu 384(%[in]), %%ymm12\n\tvmovdqu 416(%[in]), %%ymm13\n\tvmovdqu 448(%[in]), %%ymm14\n\t"
                     "vmovdqu 480(%[in]), %%ymm15\n\t"
                     "1: pause\n\tcmpl $0, (%[flag])\n\tje 1b\n\t"
                     "vmovdqu %%ymm0, 0(%[out])\n\tvmovdqu %%ymm1, 32(%[out])\n\tvmovdqu %%ymm2, 64(%[out])\n\t"
                     "vmovdqu %%ymm3, 96(%[out])\n\tvmovdqu %%ymm4, 128(%[out])\n\tvmovdqu %%ymm5, 160(%[out])\n\t"
                     "vmovdqu %%ymm6, 192(%[out])\n\tvmovdqu %%ymm7, 224(%[out])\n\tvmovdqu %%ymm8, 256(%[out])\n\t"
                     "vmovdqu %%ymm9, 288(%[out])\n\tvmovdqu %%ymm10, 320(%[out])\n\tvmovdqu %%ymm11, 352(%[out])\n\t"
                     "vmovdqu %%ymm12, 384(%[out])\n\tvmovdqu %%ymm13, 416(%[out])\n\tvmovdqu %%ymm14, 448(%[out])\n\t"
                     "vmovdqu %%ymm15, 480(%[out])\n\tvzeroupper\n\t"
                     :
                     : [in] "r"(in), [out] "r"(out), [flag] "r"(flag)
                     : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
                       "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    if (memcmp(in, out, sizeof in) != 0)
        return CHILD_REGISTERS;
    return check_call();
}

// The thread road: a thread ran the source between PyGILState_Ensure and _Release (state 7).
static int check_thread()
{
    for (int i = 0; i < 1000 && !__atomic_load_n(&g_ran, __ATOMIC_ACQUIRE); i++)
        usleep(10000);
    if (!g_ran || g_released != 7 || strcmp(g_ran_source, kSource) != 0 || g_called)
        return CHILD_THREAD;
    return CHILD_OK;
}

// Blocks in read() on fd until the parent writes; then checks what the injection did
// (check_thread: the thread road, check_call: the pending-call road).
static int read_then(int ready_fd, int fd, int (*check)())
{
    char c = 'r', got = 0;
    if (write(ready_fd, &c, 1) != 1)
        return CHILD_CALL;
    ssize_t r = read(fd, &got, 1); // interrupted by the attach: restarted, not EINTR
    if (r != 1 || got != 'x')
        return CHILD_READ;
    return check();
}

struct Child {
    pid_t pid = -1;
    int to_child[2] = {-1, -1};

    template <typename F> void start(F body)
    {
        int ready[2];
        ASSERT_EQ(pipe(ready), 0);
        ASSERT_EQ(pipe(to_child), 0);
        pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            close(ready[0]);
            _exit(body(ready[1], to_child[0]));
        }
        close(ready[1]);
        char c;
        ASSERT_EQ(read(ready[0], &c, 1), 1);
        close(ready[0]);
        usleep(20000); // let it reach its loop (or its read)
    }
    int wait_exit()
    {
        int status = 0;
        for (int i = 0; i < 1000; i++) { // 10 s
            pid_t r = waitpid(pid, &status, WNOHANG);
            if (r == pid) {
                pid = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            usleep(10000);
        }
        return -1;
    }
    ~Child()
    {
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
        for (int fd : to_child)
            if (fd >= 0)
                close(fd);
    }
};

static hc_inject_status inject(pid_t pid, int *rc, std::string *msg)
{
    int err = 0;
    char *m = nullptr;
    hc_inject_status st = hc_inject_source(pid, kSource, strlen(kSource), 10.0, rc, &err, &m);
    *msg = m ? m : "";
    g_free(m);
    return st;
}

TEST(Inject, EveryRegisterComesBackAfterTheCall)
{
    if (!__builtin_cpu_supports("avx2"))
        GTEST_SKIP() << "no AVX2 here";
    for (int round = 0; round < 3; round++) {
        Child c;
        c.start([](int ready, int) { return spin_with_vectors(ready); });
        int rc = -1;
        std::string msg;
        ASSERT_EQ(inject(c.pid, &rc, &msg), HC_INJECT_QUEUED) << msg;
        EXPECT_EQ(rc, 0);
        EXPECT_EQ(c.wait_exit(), CHILD_OK) << "1: a vector register changed, 2: the call's arguments";
    }
}

// A process whose main thread waits in a system call gets a thread that runs the source at
// once (the thread road), and the read it waits in goes on.
TEST(Inject, AWaitingThreadStartsAThreadAndGoesOn)
{
    Child c;
    c.start([](int ready, int fd) { return read_then(ready, fd, check_thread); });
    int rc = -1;
    std::string msg;
    ASSERT_EQ(inject(c.pid, &rc, &msg), HC_INJECT_STARTED) << msg;
    EXPECT_EQ(rc, 0);
    EXPECT_NE(msg.find("waited in system call 0"), std::string::npos) << msg; // read
    ASSERT_EQ(write(c.to_child[1], "x", 1), 1);
    EXPECT_EQ(c.wait_exit(), CHILD_OK) << "3: the read failed or was cut short, 4: the thread's calls";
}

TEST(Inject, ASystemCallInProgressGoesOn)
{
    Child c;
    c.start([](int ready, int fd) { return read_then(ready, fd, check_call); });
    int rc = -1;
    std::string msg;
    g_setenv("HEAPCORE_ATTACH_PENDING", "1", TRUE); // the pending-call road, though it waits
    hc_inject_status st = inject(c.pid, &rc, &msg);
    g_unsetenv("HEAPCORE_ATTACH_PENDING");
    ASSERT_EQ(st, HC_INJECT_QUEUED) << msg;
    EXPECT_EQ(rc, 0);
    ASSERT_EQ(write(c.to_child[1], "x", 1), 1);
    EXPECT_EQ(c.wait_exit(), CHILD_OK) << "3: the read failed or was cut short, 2: the call's arguments";
}

TEST(Inject, AProcessWithoutCPythonIsLeftAlone)
{
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        execl("/bin/sleep", "sleep", "30", (char *)nullptr);
        _exit(127);
    }
    usleep(100000);
    int rc = -1;
    std::string msg;
    EXPECT_EQ(inject(pid, &rc, &msg), HC_INJECT_NO_SYMBOL) << msg;
    EXPECT_NE(msg.find("no Py_AddPendingCall in process"), std::string::npos) << msg;
    int status;
    EXPECT_EQ(waitpid(pid, &status, WNOHANG), 0); // still running, never stopped
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
}

TEST(Inject, NoSuchProcess)
{
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0)
        _exit(0);
    waitpid(pid, nullptr, 0);
    int rc = -1;
    std::string msg;
    EXPECT_EQ(inject(pid, &rc, &msg), HC_INJECT_PTRACE) << msg;
}

#else

TEST(Inject, UnsupportedHereSaysSo)
{
    int rc, err;
    char *m = nullptr;
    EXPECT_EQ(hc_inject_source(1, "", 0, 1.0, &rc, &err, &m), HC_INJECT_UNSUPPORTED);
    g_free(m);
}

#endif
