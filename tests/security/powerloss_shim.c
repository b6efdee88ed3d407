/* LD_PRELOAD shim for the power-loss test (tests/security/test_powerloss.py).
 *
 * For every file under $CASEBOOK_PL_DIR it appends to the journal $CASEBOOK_PL_JOURNAL
 * one record per write (with offset and data), truncate and fsync/fdatasync, and a record
 * when a file is created.  After the process is killed with SIGKILL, the test rebuilds
 * each file as a power cut would leave it on a disk that keeps only what was fsynced:
 * the file's contents as of its last fsync (tests/security/_powerloss.py).
 *
 * A record is appended after the call it describes succeeded, so a kill between the two
 * loses the record of a call whose effect was not yet durable anyway (a write not yet
 * synced; an fsync that had not returned, i.e. power failed just before it completed).
 *
 * Build: gcc -shared -fPIC -O1 -o powerloss.so powerloss_shim.c -ldl -lpthread
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAGIC 0x504c4a31u
enum { R_WRITE = 1, R_TRUNC = 2, R_SYNC = 3, R_NEW = 4, R_OPEN = 5, R_RENAME = 6 };

struct rec {
    uint32_t magic;
    uint32_t type;
    uint64_t dev;
    uint64_t ino;
    int64_t off;
    uint64_t len;
};

#define MAX_FD 65536
struct slot { uint64_t dev, ino; int tracked; };
static struct slot slots[MAX_FD];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char root[PATH_MAX];
static size_t root_len;
static int journal = -1;

#define REAL(name, ret, args) \
    static ret (*real_##name) args; \
    static void load_##name(void) { if (!real_##name) real_##name = dlsym(RTLD_NEXT, #name); }

REAL(open, int, (const char *, int, ...))
REAL(open64, int, (const char *, int, ...))
REAL(openat, int, (int, const char *, int, ...))
REAL(openat64, int, (int, const char *, int, ...))
REAL(__open_2, int, (const char *, int))
REAL(__open64_2, int, (const char *, int))
REAL(creat, int, (const char *, mode_t))
REAL(creat64, int, (const char *, mode_t))
REAL(write, ssize_t, (int, const void *, size_t))
REAL(pwrite, ssize_t, (int, const void *, size_t, off_t))
REAL(pwrite64, ssize_t, (int, const void *, size_t, off_t))
REAL(writev, ssize_t, (int, const struct iovec *, int))
REAL(pwritev, ssize_t, (int, const struct iovec *, int, off_t))
REAL(ftruncate, int, (int, off_t))
REAL(ftruncate64, int, (int, off_t))
REAL(truncate, int, (const char *, off_t))
REAL(truncate64, int, (const char *, off_t))
REAL(fsync, int, (int))
REAL(fdatasync, int, (int))
REAL(close, int, (int))
REAL(rename, int, (const char *, const char *))
REAL(renameat, int, (int, const char *, int, const char *))
REAL(dup, int, (int))
REAL(dup2, int, (int, int))
REAL(dup3, int, (int, int, int))

__attribute__((constructor)) static void init(void) {
    const char *dir = getenv("CASEBOOK_PL_DIR");
    const char *jpath = getenv("CASEBOOK_PL_JOURNAL");
    load_open();
    if (!dir || !jpath || !realpath(dir, root)) return;
    root_len = strlen(root);
    journal = real_open(jpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

static void emit(uint32_t type, uint64_t dev, uint64_t ino, int64_t off, const void *data, uint64_t len) {
    struct rec r = { MAGIC, type, dev, ino, off, len };
    struct iovec v[2] = { { &r, sizeof r }, { (void *)data, (size_t)len } };
    load_writev();
    if (journal >= 0) real_writev(journal, v, len ? 2 : 1);
}

static int under_root(const char *path) {
    if (!root_len) return 0;
    if (strncmp(path, root, root_len) != 0) return 0;
    return path[root_len] == '\0' || path[root_len] == '/';
}

static int fd_path(int fd, char *out) {
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, PATH_MAX - 1);
    if (n < 0) return -1;
    out[n] = '\0';
    return 0;
}

/* Called after a successful open: start tracking fd when it names something under root. */
static void opened(int fd, int flags, int existed) {
    char path[PATH_MAX];
    struct stat st;
    if (fd < 0 || fd >= MAX_FD || !root_len) return;
    slots[fd].tracked = 0;
    if (fd_path(fd, path) != 0 || !under_root(path) || fstat(fd, &st) != 0) return;
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return;
    pthread_mutex_lock(&mu);
    slots[fd].dev = st.st_dev;
    slots[fd].ino = st.st_ino;
    slots[fd].tracked = 1;
    if (!existed) emit(R_NEW, st.st_dev, st.st_ino, 0, path, strlen(path));
    else emit(R_OPEN, st.st_dev, st.st_ino, 0, path, strlen(path));
    if ((flags & O_TRUNC) && S_ISREG(st.st_mode)) emit(R_TRUNC, st.st_dev, st.st_ino, 0, NULL, 0);
    pthread_mutex_unlock(&mu);
}

static int exists_at(int dirfd, const char *path) {
    struct stat st;
    return fstatat(dirfd, path, &st, 0) == 0;
}

static int tracked(int fd) { return fd >= 0 && fd < MAX_FD && slots[fd].tracked; }

#define OPEN_BODY(call, dirfd)                                   \
    mode_t mode = 0;                                             \
    if (flags & (O_CREAT | O_TMPFILE)) {                         \
        va_list ap; va_start(ap, flags); mode = va_arg(ap, int); va_end(ap); \
    }                                                            \
    int existed = exists_at(dirfd, path);                        \
    int fd = call;                                               \
    if (fd >= 0) opened(fd, flags, existed);                     \
    return fd;

int open(const char *path, int flags, ...) { load_open(); OPEN_BODY(real_open(path, flags, mode), AT_FDCWD) }
int open64(const char *path, int flags, ...) { load_open64(); OPEN_BODY(real_open64(path, flags, mode), AT_FDCWD) }
int openat(int d, const char *path, int flags, ...) { load_openat(); OPEN_BODY(real_openat(d, path, flags, mode), d) }
int openat64(int d, const char *path, int flags, ...) { load_openat64(); OPEN_BODY(real_openat64(d, path, flags, mode), d) }

int __open_2(const char *path, int flags) {
    load___open_2();
    int existed = exists_at(AT_FDCWD, path);
    int fd = real___open_2(path, flags);
    if (fd >= 0) opened(fd, flags, existed);
    return fd;
}

int __open64_2(const char *path, int flags) {
    load___open64_2();
    int existed = exists_at(AT_FDCWD, path);
    int fd = real___open64_2(path, flags);
    if (fd >= 0) opened(fd, flags, existed);
    return fd;
}

int creat(const char *path, mode_t mode) {
    load_creat();
    int existed = exists_at(AT_FDCWD, path);
    int fd = real_creat(path, mode);
    if (fd >= 0) opened(fd, O_CREAT | O_TRUNC, existed);
    return fd;
}

int creat64(const char *path, mode_t mode) {
    load_creat64();
    int existed = exists_at(AT_FDCWD, path);
    int fd = real_creat64(path, mode);
    if (fd >= 0) opened(fd, O_CREAT | O_TRUNC, existed);
    return fd;
}

static off_t current_offset(int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_APPEND)) {
        struct stat st;
        return fstat(fd, &st) == 0 ? st.st_size : -1;
    }
    return lseek(fd, 0, SEEK_CUR);
}

static void wrote(int fd, off_t off, const void *buf, ssize_t n) {
    if (n <= 0) return;
    emit(R_WRITE, slots[fd].dev, slots[fd].ino, off, buf, (uint64_t)n);
}

ssize_t write(int fd, const void *buf, size_t count) {
    load_write();
    if (!tracked(fd)) return real_write(fd, buf, count);
    pthread_mutex_lock(&mu);
    off_t off = current_offset(fd);
    ssize_t n = real_write(fd, buf, count);
    int saved = errno;
    wrote(fd, off, buf, n);
    pthread_mutex_unlock(&mu);
    errno = saved;
    return n;
}

#define PWRITE_BODY(real)                                        \
    if (!tracked(fd)) return real(fd, buf, count, off);          \
    pthread_mutex_lock(&mu);                                     \
    ssize_t n = real(fd, buf, count, off);                       \
    int saved = errno;                                           \
    wrote(fd, off, buf, n);                                      \
    pthread_mutex_unlock(&mu);                                   \
    errno = saved;                                               \
    return n;

ssize_t pwrite(int fd, const void *buf, size_t count, off_t off) { load_pwrite(); PWRITE_BODY(real_pwrite) }
ssize_t pwrite64(int fd, const void *buf, size_t count, off_t off) { load_pwrite64(); PWRITE_BODY(real_pwrite64) }

static void wrote_iov(int fd, off_t off, const struct iovec *iov, int cnt, ssize_t n) {
    for (int i = 0; i < cnt && n > 0; i++) {
        ssize_t part = (ssize_t)iov[i].iov_len < n ? (ssize_t)iov[i].iov_len : n;
        wrote(fd, off, iov[i].iov_base, part);
        off += part;
        n -= part;
    }
}

ssize_t writev(int fd, const struct iovec *iov, int cnt) {
    load_writev();
    if (!tracked(fd)) return real_writev(fd, iov, cnt);
    pthread_mutex_lock(&mu);
    off_t off = current_offset(fd);
    ssize_t n = real_writev(fd, iov, cnt);
    int saved = errno;
    wrote_iov(fd, off, iov, cnt, n);
    pthread_mutex_unlock(&mu);
    errno = saved;
    return n;
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off) {
    load_pwritev();
    if (!tracked(fd)) return real_pwritev(fd, iov, cnt, off);
    pthread_mutex_lock(&mu);
    ssize_t n = real_pwritev(fd, iov, cnt, off);
    int saved = errno;
    wrote_iov(fd, off, iov, cnt, n);
    pthread_mutex_unlock(&mu);
    errno = saved;
    return n;
}

#define FTRUNC_BODY(real)                                        \
    if (!tracked(fd)) return real(fd, len);                      \
    pthread_mutex_lock(&mu);                                     \
    int r = real(fd, len);                                       \
    int saved = errno;                                           \
    if (r == 0) emit(R_TRUNC, slots[fd].dev, slots[fd].ino, len, NULL, 0); \
    pthread_mutex_unlock(&mu);                                   \
    errno = saved;                                               \
    return r;

int ftruncate(int fd, off_t len) { load_ftruncate(); FTRUNC_BODY(real_ftruncate) }
int ftruncate64(int fd, off_t len) { load_ftruncate64(); FTRUNC_BODY(real_ftruncate64) }

#define TRUNC_BODY(real)                                         \
    char abs[PATH_MAX];                                          \
    struct stat st;                                              \
    int r = real(path, len);                                     \
    int saved = errno;                                           \
    if (r == 0 && realpath(path, abs) && under_root(abs) && stat(path, &st) == 0) { \
        pthread_mutex_lock(&mu);                                 \
        emit(R_TRUNC, st.st_dev, st.st_ino, len, NULL, 0);       \
        pthread_mutex_unlock(&mu);                               \
    }                                                            \
    errno = saved;                                               \
    return r;

int truncate(const char *path, off_t len) { load_truncate(); TRUNC_BODY(real_truncate) }
int truncate64(const char *path, off_t len) { load_truncate64(); TRUNC_BODY(real_truncate64) }

#define SYNC_BODY(real)                                          \
    if (!tracked(fd)) return real(fd);                           \
    int r = real(fd);                                            \
    int saved = errno;                                           \
    if (r == 0) {                                                \
        pthread_mutex_lock(&mu);                                 \
        emit(R_SYNC, slots[fd].dev, slots[fd].ino, 0, NULL, 0);  \
        pthread_mutex_unlock(&mu);                               \
    }                                                            \
    errno = saved;                                               \
    return r;

int fsync(int fd) { load_fsync(); SYNC_BODY(real_fsync) }
int fdatasync(int fd) { load_fdatasync(); SYNC_BODY(real_fdatasync) }

int close(int fd) {
    load_close();
    if (fd >= 0 && fd < MAX_FD) slots[fd].tracked = 0;
    return real_close(fd);
}

static void renamed(const char *a, const char *b) {
    char abs[PATH_MAX];
    struct stat st;
    if (realpath(b, abs) && under_root(abs) && stat(b, &st) == 0) {
        pthread_mutex_lock(&mu);
        emit(R_RENAME, st.st_dev, st.st_ino, 0, abs, strlen(abs));
        pthread_mutex_unlock(&mu);
    }
    (void)a;
}

int rename(const char *a, const char *b) {
    load_rename();
    int r = real_rename(a, b);
    int saved = errno;
    if (r == 0) renamed(a, b);
    errno = saved;
    return r;
}

int renameat(int da, const char *a, int db, const char *b) {
    load_renameat();
    int r = real_renameat(da, a, db, b);
    int saved = errno;
    if (r == 0 && db == AT_FDCWD) renamed(a, b);
    errno = saved;
    return r;
}

static int copy_slot(int from, int to) {
    if (to >= 0 && to < MAX_FD) {
        slots[to] = tracked(from) ? slots[from] : (struct slot){ 0, 0, 0 };
    }
    return to;
}

int dup(int fd) { load_dup(); int r = real_dup(fd); return r >= 0 ? copy_slot(fd, r) : r; }
int dup2(int fd, int to) { load_dup2(); int r = real_dup2(fd, to); return r >= 0 ? copy_slot(fd, r) : r; }
int dup3(int fd, int to, int fl) { load_dup3(); int r = real_dup3(fd, to, fl); return r >= 0 ? copy_slot(fd, r) : r; }
