/*
 * lmlab sandbox launcher: runs ONE untrusted program under isolation and limits, then prints
 * one JSON line describing how it ended.
 *
 * Isolation: new PID, mount, network, IPC and UTS namespaces; a tiny init as PID 1 (so the
 * program's default signal actions work and everything dies with it); a fresh tmpfs root with
 * read-only system directories, a private /tmp and /dev, the box directory at /box; an
 * unprivileged uid/gid with no supplementary groups; no_new_privs; a seccomp filter that denies
 * dangerous syscalls and every socket family but AF_UNIX.
 * Limits: CPU time (whole process tree, cgroup cpuacct, polled; RLIMIT_CPU as a clean backstop),
 * wall time, memory (cgroup v1 memory controller, RLIMIT_DATA when no cgroup is usable), process
 * count (pids cgroup + RLIMIT_NPROC), open files, output size (RLIMIT_FSIZE), stack.
 * cgroup v2 is not driven yet: such machines get the rlimit fallback (coarser CPU, RLIMIT_AS).
 *
 * Deliberately NOT here: deciding verdicts, comparing output, compiling.
 * Privileges: as root it uses cgroups and drops to --uid/--gid. Not root, it degrades to a
 * user namespace (the program keeps the caller's uid, without capabilities; limits by rlimits
 * only) and says so in the report ("mode"); when user namespaces are unavailable it refuses
 * (exit 3) and never runs anything unsandboxed.
 *
 * Usage: sandbox [options] -- PROGRAM [ARGS...]   (PROGRAM is a path inside the sandbox)
 * With --session the sandbox is built once and the program runs once per line read on stdin
 * ("stdin-path<TAB>stdout-path<TAB>stderr-path"), each run with fresh processes and /tmp and its
 * own report line; this keeps the per-test cost to a fork.
 * Exit status: 0 when a report was produced, 2 on internal error, 3 when refusing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ENV 64
#define MAX_BINDS 16

struct options {
  const char *box;
  int box_rw;
  const char *bind_host[MAX_BINDS], *bind_inside[MAX_BINDS]; /* extra read-only binds */
  int nbinds;
  const char *stdin_path, *stdout_path, *stderr_path;
  int stdout_first; /* open stdout before stdin: lets two sandboxes share FIFOs without deadlock */
  int session;      /* read one run request per line on stdin instead of running once */
  long cpu_ms, wall_ms, memory_kb, procs, files, output_kb, stack_kb, tmp_kb;
  uid_t uid;
  gid_t gid;
  char *env[MAX_ENV + 1];
  int nenv;
  char **argv;
};

static struct options opt = {
    .stdin_path = "/dev/null", .stdout_path = "/dev/null", .stderr_path = "/dev/null",
    .cpu_ms = 1000, .wall_ms = 3000, .memory_kb = 262144, .procs = 64, .files = 64,
    .output_kb = 65536, .stack_kb = -1, .tmp_kb = 65536, .uid = 60100, .gid = 60100,
};

/* ---------- reporting ---------- */

static void json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

struct report {
  long cpu_ms, wall_ms, memory_kb;
  double ended_at_ms; /* CLOCK_MONOTONIC when the program ended: orders two sandboxes' events */
  int exit_code, signal;
  const char *limit;
  char error[512];
};

static int rootless; /* not root: user namespace, rlimits only */
static int cg_ok;    /* cgroups are in use (set up by sandbox_cgroup.h) */

static const char *sandbox_mode(void) {
  if (!rootless && geteuid() != 0) return "none"; /* refusing */
  return rootless ? "rootless-rlimit" : cg_ok ? "root-cgroup" : "root-rlimit";
}

static void print_report(const struct report *r) {
  printf("{\"cpu_ms\":%ld,\"wall_ms\":%ld,\"memory_kb\":%ld,\"ended_at_ms\":%.3f,", r->cpu_ms, r->wall_ms, r->memory_kb, r->ended_at_ms);
  if (r->exit_code >= 0) printf("\"exit_code\":%d,", r->exit_code);
  else printf("\"exit_code\":null,");
  if (r->signal > 0) printf("\"signal\":%d,", r->signal);
  else printf("\"signal\":null,");
  printf("\"limit\":\"%s\",\"mode\":\"%s\",\"internal_error\":", r->limit, sandbox_mode());
  if (r->error[0]) json_string(stdout, r->error);
  else printf("null");
  printf("}\n");
  fflush(stdout);
}

static void refuse_or_fail(int status, const char *fmt, ...) {
  struct report r = {.exit_code = -1, .limit = "none"};
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r.error, sizeof r.error, fmt, ap);
  va_end(ap);
  print_report(&r);
  exit(status);
}
#define FAIL(...) refuse_or_fail(2, __VA_ARGS__)

/* ---------- argument parsing ---------- */

static long parse_long(const char *name, const char *v) {
  char *end;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (errno || *end || x < 0) FAIL("bad value for %s: %s", name, v);
  return x;
}

static void parse_args(int argc, char **argv) {
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--")) { i++; break; }
    if (!strcmp(a, "--box-rw")) { opt.box_rw = 1; continue; }
    if (!strcmp(a, "--stdout-first")) { opt.stdout_first = 1; continue; }
    if (!strcmp(a, "--session")) { opt.session = 1; continue; }
    if (i + 1 >= argc) FAIL("option %s needs a value", a);
    const char *v = argv[++i];
    if (!strcmp(a, "--box")) opt.box = v;
    else if (!strcmp(a, "--bind-ro")) { /* HOST[:INSIDE] */
      char *copy = strdup(v), *colon = copy ? strchr(copy, ':') : NULL;
      if (!copy) FAIL("out of memory");
      const char *inside = colon ? colon + 1 : copy;
      if (colon) *colon = 0;
      if (opt.nbinds >= MAX_BINDS || copy[0] != '/' || inside[0] != '/' || !strcmp(inside, "/") || strstr(inside, "..") ||
          !strncmp(inside, "/tmp", 4) || !strncmp(inside, "/box", 4) || !strncmp(inside, "/proc", 5) || !strncmp(inside, "/dev", 4))
        FAIL("bad --bind-ro %s (want HOST[:INSIDE], INSIDE absolute and outside /tmp, /box, /proc and /dev)", v);
      opt.bind_host[opt.nbinds] = copy;
      opt.bind_inside[opt.nbinds++] = inside;
    } else if (!strcmp(a, "--stdin")) opt.stdin_path = v;
    else if (!strcmp(a, "--stdout")) opt.stdout_path = v;
    else if (!strcmp(a, "--stderr")) opt.stderr_path = v;
    else if (!strcmp(a, "--cpu-ms")) opt.cpu_ms = parse_long(a, v);
    else if (!strcmp(a, "--wall-ms")) opt.wall_ms = parse_long(a, v);
    else if (!strcmp(a, "--memory-kb")) opt.memory_kb = parse_long(a, v);
    else if (!strcmp(a, "--procs")) opt.procs = parse_long(a, v);
    else if (!strcmp(a, "--files")) opt.files = parse_long(a, v);
    else if (!strcmp(a, "--output-kb")) opt.output_kb = parse_long(a, v);
    else if (!strcmp(a, "--stack-kb")) opt.stack_kb = parse_long(a, v);
    else if (!strcmp(a, "--tmp-kb")) opt.tmp_kb = parse_long(a, v);
    else if (!strcmp(a, "--uid")) opt.uid = (uid_t)parse_long(a, v);
    else if (!strcmp(a, "--gid")) opt.gid = (gid_t)parse_long(a, v);
    else if (!strcmp(a, "--env")) {
      if (opt.nenv >= MAX_ENV || !strchr(v, '=')) FAIL("bad --env %s", v);
      opt.env[opt.nenv++] = (char *)v;
    } else FAIL("unknown option %s", a);
  }
  if (i >= argc) FAIL("no program given (usage: sandbox [options] -- PROGRAM [ARGS...])");
  if (!opt.box) FAIL("--box DIR is required");
  if (opt.uid == 0 || opt.gid == 0) FAIL("the sandbox user must not be root");
  if (opt.cpu_ms == 0 || opt.wall_ms == 0 || opt.memory_kb < 1024 || opt.procs == 0 || opt.files < 4)
    FAIL("limits too small to run anything");
  if (opt.stack_kb < 0) opt.stack_kb = opt.memory_kb; /* contest sites: stack up to the memory limit */
  opt.argv = argv + i;
  opt.env[opt.nenv] = NULL;
}

/* ---------- small helpers ---------- */

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  int saved = errno;
  close(fd);
  errno = saved;
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

static long long read_number(const char *path) {
  char buf[64];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  return atoll(buf);
}

/* Reads "key value" from a flat keyed cgroup file (e.g. memory.oom_control). */
static long long read_keyed(const char *path, const char *key) {
  char buf[4096];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  size_t klen = strlen(key);
  for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
    if (!strncmp(line, key, klen) && line[klen] == ' ') return atoll(line + klen + 1);
  return -1;
}

/* ---------- cgroups (sandbox_cgroup.h) ---------- */

#include "sandbox_cgroup.h"

/* ---------- jail: seccomp and filesystem (sandbox_jail.h) ---------- */

static char new_root[64];

static void die_child(int fd, const char *what) {
  char msg[256];
  int len = snprintf(msg, sizeof msg, "E%s: %s", what, strerror(errno));
  if (write(fd, msg, (size_t)len) < 0) _exit(126);
  _exit(126);
}

#include "sandbox_jail.h"

/* ---------- the program itself ---------- */

static void set_limit(int resource, rlim_t soft, rlim_t hard, int errfd, const char *what) {
  struct rlimit cur, want = {soft, hard};
  if (getrlimit(resource, &cur) == 0 && cur.rlim_max != RLIM_INFINITY) {
    if (want.rlim_max == RLIM_INFINITY || want.rlim_max > cur.rlim_max) want.rlim_max = cur.rlim_max;
    if (want.rlim_cur == RLIM_INFINITY || want.rlim_cur > want.rlim_max) want.rlim_cur = want.rlim_max;
  }
  if (setrlimit(resource, &want) != 0) die_child(errfd, what);
}

static void exec_payload(int fds[3], int errfd) {
  /* The launcher ignores SIGPIPE for itself; ignored signals survive exec, so undo it. */
  signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int i = 0; i < 3; i++)
    if (dup2(fds[i], i) < 0) die_child(errfd, "dup2");
  /* Still root here (or still ourselves, rootless): join the memory cgroup init stays out of. */
  if (cg_memory_procs_fd >= 0) {
    if (write(cg_memory_procs_fd, "0", 1) != 1) die_child(errfd, "join the memory cgroup");
    close(cg_memory_procs_fd);
  }
  /* With cgroups the launcher stops the tree at the exact limit and this is only a backstop;
     without them it is the CPU limit itself (whole seconds, per process). */
  rlim_t cpu_s = (rlim_t)((opt.cpu_ms + 999) / 1000 + (cg_ok ? 1 : 0));
  set_limit(RLIMIT_CPU, cpu_s, cpu_s + 1, errfd, "RLIMIT_CPU");
  set_limit(RLIMIT_FSIZE, (rlim_t)opt.output_kb * 1024, (rlim_t)opt.output_kb * 1024, errfd, "RLIMIT_FSIZE");
  set_limit(RLIMIT_STACK, (rlim_t)opt.stack_kb * 1024, (rlim_t)opt.stack_kb * 1024, errfd, "RLIMIT_STACK");
  set_limit(RLIMIT_NOFILE, (rlim_t)opt.files, (rlim_t)opt.files, errfd, "RLIMIT_NOFILE");
  set_limit(RLIMIT_CORE, 0, 0, errfd, "RLIMIT_CORE");
  set_limit(RLIMIT_MEMLOCK, 0, 0, errfd, "RLIMIT_MEMLOCK");
  set_limit(RLIMIT_MSGQUEUE, 0, 0, errfd, "RLIMIT_MSGQUEUE");
  /* RLIMIT_NPROC counts every process of the uid host-wide: only a loose backstop behind pids. */
  set_limit(RLIMIT_NPROC, (rlim_t)opt.procs * 4 + 64, (rlim_t)opt.procs * 4 + 64, errfd, "RLIMIT_NPROC");
  /* Without a memory cgroup: RLIMIT_DATA (heap and private writable mappings) rather than
     RLIMIT_AS, which runtimes that reserve address space (V8, the JVM) cannot live with. */
  if (!cg_ok) set_limit(RLIMIT_DATA, (rlim_t)opt.memory_kb * 1024, (rlim_t)opt.memory_kb * 1024, errfd, "RLIMIT_DATA");
  /* Nothing but stdio and the error pipe may cross exec. */
  if (syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) != 0) die_child(errfd, "close_range");
  if (!rootless) {
    if (setgroups(0, NULL) != 0) die_child(errfd, "setgroups");
    if (setresgid(opt.gid, opt.gid, opt.gid) != 0) die_child(errfd, "setresgid");
    if (setresuid(opt.uid, opt.uid, opt.uid) != 0) die_child(errfd, "setresuid");
  }
  /* Rootless: we keep the caller's (non-zero) uid; execve then leaves no capabilities. */
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die_child(errfd, "no_new_privs");
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) die_child(errfd, "dumpable");
  if (install_seccomp() != 0) die_child(errfd, "seccomp");
  char *path_env = "PATH=/usr/local/bin:/usr/bin:/bin";
  char *envp[MAX_ENV + 4];
  int n = 0;
  envp[n++] = path_env;
  envp[n++] = "HOME=/tmp";
  envp[n++] = "LANG=C.UTF-8";
  for (int i = 0; i < opt.nenv; i++) envp[n++] = opt.env[i];
  envp[n] = NULL;
  execve(opt.argv[0], opt.argv, envp);
  die_child(errfd, "exec");
}

/* Message from init to the launcher once a run's program has been reaped. */
struct init_result {
  int status;
  long maxrss_kb;
  long tree_cpu_ms; /* CPU of every process reaped during the run: used when no cgroup is usable */
  double ended_at_ms; /* CLOCK_MONOTONIC (not namespaced) right after the program was reaped */
  char error[200];  /* why the program could not be started, empty when it ran */
};

struct child_args {
  int sock, err_fd;
  int maps_fd; /* rootless: readable once the uid/gid maps are written */
};

static void kill_all_but_init(int sig) {
  (void)sig;
  kill(-1, SIGKILL); /* from PID 1 this reaches every other process of the namespace, and only it */
}

static long children_cpu_ms(void) {
  struct rusage all;
  if (getrusage(RUSAGE_CHILDREN, &all) != 0) return 0;
  return (all.ru_utime.tv_sec + all.ru_stime.tv_sec) * 1000L + (all.ru_utime.tv_usec + all.ru_stime.tv_usec) / 1000L;
}

static int receive_fds(int sock, int fds[3]) {
  char byte;
  struct iovec iov = {&byte, 1};
  char control[CMSG_SPACE(3 * sizeof(int))];
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  ssize_t n;
  while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {}
  if (n <= 0) return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(3 * sizeof(int))) return -1;
  memcpy(fds, CMSG_DATA(c), 3 * sizeof(int));
  return 0;
}

static int send_fds(int sock, const int fds[3]) {
  char byte = 'r';
  struct iovec iov = {&byte, 1};
  char control[CMSG_SPACE(3 * sizeof(int))];
  memset(control, 0, sizeof control);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(3 * sizeof(int));
  memcpy(CMSG_DATA(c), fds, 3 * sizeof(int));
  return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* A fresh /tmp for every run, so nothing (files, memory charged to tmpfs) carries over. */
static int refresh_tmp(void) {
  char data[64];
  snprintf(data, sizeof data, "size=%ldk,mode=1777", opt.tmp_kb);
  if (umount2("/tmp", MNT_DETACH) != 0) return -1;
  return mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, data);
}

/* SysV IPC objects outlive processes: remove those of the finished run (our own IPC namespace,
   so the list in /proc/sysvipc holds nothing but the sandbox's). */
static void remove_sysv_ipc(void) {
  static const char *lists[] = {"/proc/sysvipc/shm", "/proc/sysvipc/sem", "/proc/sysvipc/msg"};
  for (int kind = 0; kind < 3; kind++) {
    FILE *f = fopen(lists[kind], "re");
    if (!f) continue;
    char line[512];
    int key, id;
    if (!fgets(line, sizeof line, f)) { fclose(f); continue; } /* header */
    while (fgets(line, sizeof line, f)) {
      if (sscanf(line, "%d %d", &key, &id) != 2) continue;
      if (kind == 0) shmctl(id, IPC_RMID, NULL);
      else if (kind == 1) semctl(id, 0, IPC_RMID);
      else msgctl(id, IPC_RMID, NULL);
    }
    fclose(f);
  }
}

/* PID 1 of the sandbox: builds the filesystem once, then runs the program once per request. */
static int init_main(void *raw) {
  struct child_args *a = raw;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  char mapped;
  if (rootless && read(a->maps_fd, &mapped, 1) != 1) _exit(125);
  /* The filesystem is built while the launcher moves us into the cgroups (a v1 cgroup migration
     waits for an RCU grace period: the two overlap); nothing runs before we are inside, because
     the first request only comes after the move. */
  if (sethostname("sandbox", 7) != 0) die_child(a->err_fd, "sethostname");
  setup_filesystem(a->err_fd);
  close(a->err_fd);
  struct sigaction sa = {.sa_handler = kill_all_but_init};
  sigaction(SIGUSR1, &sa, NULL);
  long cpu_before = 0;
  for (;;) {
    int fds[3];
    if (receive_fds(a->sock, fds) != 0) _exit(0); /* the launcher is done with us */
    struct init_result res = {0, 0, 0, 0, ""};
    int err_pipe[2];
    if (pipe2(err_pipe, O_CLOEXEC) != 0) _exit(121); /* exit codes 121-124 name the step for the launcher */
    pid_t pid = fork();
    if (pid < 0) _exit(122);
    if (pid == 0) {
      close(err_pipe[0]);
      exec_payload(fds, err_pipe[1]);
    }
    close(err_pipe[1]);
    for (int i = 0; i < 3; i++) close(fds[i]);
    for (;;) { /* as PID 1 we adopt orphans: reap everything until our program ends */
      int status;
      struct rusage ru;
      pid_t got = wait4(-1, &status, 0, &ru);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) _exit(123);
      if (got == pid) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        res.ended_at_ms = ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
        res.status = status;
        res.maxrss_kb = ru.ru_maxrss;
        break;
      }
    }
    kill(-1, SIGKILL); /* whatever the program left behind dies with the run */
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {}
    ssize_t n = read(err_pipe[0], res.error, sizeof res.error - 1);
    if (n > 0 && res.error[0] == 'E') memmove(res.error, res.error + 1, (size_t)n);
    else res.error[0] = 0;
    close(err_pipe[0]);
    long cpu_now = children_cpu_ms();
    res.tree_cpu_ms = cpu_now - cpu_before;
    cpu_before = cpu_now;
    remove_sysv_ipc();
    if (refresh_tmp() != 0 && !res.error[0]) snprintf(res.error, sizeof res.error, "refresh /tmp: %s", strerror(errno));
    if (send(a->sock, &res, sizeof res, MSG_NOSIGNAL) != (ssize_t)sizeof res) _exit(124);
  }
}

/* ---------- launcher ---------- */

static int open_stdio(const char *paths[3], int stdout_first, int fds[3]) {
  int order[3] = {0, 1, 2};
  if (stdout_first) { order[0] = 1; order[1] = 0; }
  fds[0] = fds[1] = fds[2] = -1;
  /* Opening a FIFO blocks until the peer opens it: bounded by the wall limit via alarm(). */
  alarm((unsigned)(opt.wall_ms / 1000 + 1));
  for (int k = 0; k < 3; k++) {
    int i = order[k];
    if (i == 0) fds[0] = open(paths[0], O_RDONLY | O_CLOEXEC);
    else fds[i] = open(paths[i], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fds[i] < 0) {
      int saved = errno;
      alarm(0);
      for (int j = 0; j < 3; j++) if (fds[j] >= 0) close(fds[j]);
      errno = saved;
      return -1;
    }
  }
  alarm(0);
  return 0;
}

static void on_alarm(int sig) { (void)sig; }

/* LMLAB_SANDBOX_NO_USERNS=1 simulates a machine without them (to test the refusal). */
static int user_namespaces_available(void) {
  const char *simulate = getenv("LMLAB_SANDBOX_NO_USERNS");
  if (simulate && strcmp(simulate, "1") == 0) return 0;
  long long max = read_number("/proc/sys/user/max_user_namespaces");
  long long debian_switch = read_number("/proc/sys/kernel/unprivileged_userns_clone");
  return max != 0 && debian_switch != 0; /* -1: the file does not exist, which is fine */
}

static pid_t init_pid;
static int init_sock = -1, init_err = -1;

/* Starts the namespaces, init and cgroups. */
static void start_sandbox(void) {
  /* The launcher pid in the name tells whose root it is (stale ones: their launcher has ended). */
  snprintf(new_root, sizeof new_root, "/tmp/lmlab-sbx-root-%d-XXXXXX", (int)getpid());
  if (!mkdtemp(new_root)) FAIL("cannot create the sandbox root directory: %s", strerror(errno));
  if (!rootless) cgroups_setup();
  int sv[2], err_pipe[2], maps_pipe[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) || pipe2(err_pipe, O_CLOEXEC) || pipe2(maps_pipe, O_CLOEXEC))
    FAIL("socketpair: %s", strerror(errno));
  static struct child_args args;
  args.sock = sv[1];
  args.err_fd = err_pipe[1];
  args.maps_fd = maps_pipe[0];
  size_t stack_size = 256 * 1024;
  char *stack = malloc(stack_size);
  if (!stack) FAIL("out of memory");
  int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;
  if (rootless) flags |= CLONE_NEWUSER;
  init_pid = clone(init_main, stack + stack_size, flags, &args);
  if (init_pid < 0) {
    int saved = errno;
    rmdir(new_root);
    cgroups_remove();
    if (rootless) refuse_or_fail(3, "refused: not root and no user namespace could be created (%s); nothing was executed", strerror(saved));
    FAIL("cannot create namespaces: %s", strerror(saved));
  }
  close(maps_pipe[0]);
  if (rootless) {
    /* Map only ourselves: the program keeps our uid/gid inside, and setgroups stays denied. */
    char path[64], map[64];
    int ok = 1;
    snprintf(path, sizeof path, "/proc/%d/setgroups", (int)init_pid);
    ok = ok && write_file(path, "deny") == 0;
    snprintf(path, sizeof path, "/proc/%d/uid_map", (int)init_pid);
    snprintf(map, sizeof map, "%d %d 1", (int)getuid(), (int)getuid());
    ok = ok && write_file(path, map) == 0;
    snprintf(path, sizeof path, "/proc/%d/gid_map", (int)init_pid);
    snprintf(map, sizeof map, "%d %d 1", (int)getgid(), (int)getgid());
    ok = ok && write_file(path, map) == 0;
    if (!ok || write(maps_pipe[1], "m", 1) != 1) {
      int saved = errno;
      kill(init_pid, SIGKILL);
      waitpid(init_pid, NULL, 0);
      rmdir(new_root);
      FAIL("cannot map the user namespace: %s", strerror(saved));
    }
  }
  close(maps_pipe[1]);
  close(sv[1]);
  close(err_pipe[1]);
  init_sock = sv[0];
  init_err = err_pipe[0];
  if (cg_ok && cgroups_attach(init_pid) != 0) {
    int saved = errno;
    kill(init_pid, SIGKILL);
    waitpid(init_pid, NULL, 0);
    rmdir(new_root);
    cgroups_remove();
    FAIL("cannot move the sandbox into its cgroups: %s", strerror(saved));
  }
}

static void stop_sandbox(void) {
  if (init_pid > 0) {
    close(init_sock);
    kill(init_pid, SIGKILL);
    while (waitpid(init_pid, NULL, 0) < 0 && errno == EINTR) {}
    init_pid = 0;
  }
  cgroups_remove();
  rmdir(new_root);
}

/* One run of the program; returns -1 when the sandbox is unusable afterwards. */
static int run_once(const char *paths[3], int stdout_first, struct report *r) {
  memset(r, 0, sizeof *r);
  r->exit_code = -1;
  r->limit = "none";
  int fds[3];
  if (open_stdio(paths, stdout_first, fds) != 0) {
    snprintf(r->error, sizeof r->error, "cannot open the program's stdin/stdout/stderr: %s", strerror(errno));
    return 0;
  }
  char path[PATH_MAX];
  long long oom_before = 0;
  if (cg_ok) {
    snprintf(path, sizeof path, "%s/memory.oom_control", cg_dir[CG_MEMORY]);
    oom_before = read_keyed(path, "oom_kill");
    char file[PATH_MAX];
    snprintf(file, sizeof file, "%s/cpuacct.usage", cg_dir[CG_CPUACCT]);
    write_file(file, "0");
  }
  long start = now_ms();
  int sent = send_fds(init_sock, fds);
  for (int i = 0; i < 3; i++) close(fds[i]);
  struct init_result res;
  ssize_t got = -1;
  int killed_for = 0; /* 1 cpu, 2 wall */
  long cpu_limit_ns = opt.cpu_ms * 1000000L;
  while (sent == 0) {
    long elapsed = now_ms() - start;
    long timeout = 1000;
    if (!killed_for) {
      if (elapsed >= opt.wall_ms) killed_for = 2;
      timeout = opt.wall_ms - elapsed;
      if (cg_ok && !killed_for) {
        long long used = cg_read(CG_CPUACCT, "cpuacct.usage");
        if (used >= cpu_limit_ns) killed_for = 1;
        /* The tree burns at most one CPU-second per second per core: sleep until the earliest
           moment the limit could be reached on two cores, but wake at least every 100 ms. */
        long earliest = (long)((cpu_limit_ns - used) / 2000000L) + 1;
        if (earliest < timeout) timeout = earliest;
        if (timeout > 100) timeout = 100;
      }
      if (killed_for) kill(init_pid, SIGUSR1); /* init kills every process but itself, then reports */
    } else if (elapsed > opt.wall_ms + 5000) {
      break; /* init did not report after the kill: give up on this sandbox */
    }
    struct pollfd p = {init_sock, POLLIN, 0};
    if (poll(&p, 1, (int)(timeout < 1 ? 1 : timeout)) > 0) {
      while ((got = recv(init_sock, &res, sizeof res, 0)) < 0 && errno == EINTR) {}
      break;
    }
  }
  r->wall_ms = now_ms() - start;
  if (got != (ssize_t)sizeof res) {
    int lost_errno = errno;
    char err[256] = {0};
    ssize_t elen = read(init_err, err, sizeof err - 1);
    if (elen > 0 && err[0] == 'E') {
      snprintf(r->error, sizeof r->error, "sandbox setup failed: %s", err + 1);
      return -1;
    }
    /* Say how init went, so a failure on another machine can be told apart from the outside:
       a signal (OOM, a kill), an exit code of its own, or a lost connection while it lived. */
    char how[96];
    int status = 0;
    pid_t ended = 0;
    for (int tries = 0; tries < 50 && ended == 0; tries++) { /* a dying init is waitable shortly after its socket closes */
      ended = waitpid(init_pid, &status, WNOHANG);
      if (ended == 0) usleep(10000);
    }
    if (ended == 0) {
      kill(init_pid, SIGKILL);
      while (waitpid(init_pid, &status, 0) < 0 && errno == EINTR) {}
      snprintf(how, sizeof how, "it stopped answering (%s)", sent != 0 ? "request not delivered" : got < 0 ? strerror(lost_errno) : got == 0 ? "connection closed" : "short reply");
    } else if (ended > 0 && WIFSIGNALED(status)) {
      snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(status));
    } else if (ended > 0 && WIFEXITED(status)) {
      snprintf(how, sizeof how, "exit code %d", WEXITSTATUS(status));
    } else {
      snprintf(how, sizeof how, "state unknown");
    }
    init_pid = 0;
    long long ooms = cg_ok ? read_keyed(path, "oom_kill") - oom_before : 0;
    snprintf(r->error, sizeof r->error, "the sandbox init ended unexpectedly: %s; memory-limit kills during the run: %lld", how, ooms);
    return -1;
  }
  if (cg_ok) {
    r->cpu_ms = (long)(cg_read(CG_CPUACCT, "cpuacct.usage") / 1000000LL);
    if (read_keyed(path, "oom_kill") > oom_before) r->limit = "memory";
  } else {
    r->cpu_ms = res.tree_cpu_ms;
  }
  r->memory_kb = res.maxrss_kb;
  r->ended_at_ms = res.ended_at_ms;
  if (res.error[0]) {
    snprintf(r->error, sizeof r->error, "cannot start the program: %s", res.error);
    return 0;
  }
  if (WIFEXITED(res.status)) r->exit_code = WEXITSTATUS(res.status);
  else if (WIFSIGNALED(res.status)) r->signal = WTERMSIG(res.status);
  if (killed_for == 1) r->limit = "time";
  else if (killed_for == 2) r->limit = "wall";
  if (!strcmp(r->limit, "none")) {
    if (r->signal == SIGXCPU || r->cpu_ms > opt.cpu_ms) r->limit = "time";
    else if (r->signal == SIGXFSZ) r->limit = "output";
    else if (r->memory_kb > opt.memory_kb) r->limit = "memory";
    /* rlimit mode: a crash right at the memory ceiling is the ceiling's doing */
    else if (!cg_ok && (r->signal > 0 || r->exit_code != 0) && r->memory_kb * 10 >= opt.memory_kb * 9) r->limit = "memory";
  }
  return 0;
}

/* Session mode: one line per run on stdin, "stdin-path<TAB>stdout-path<TAB>stderr-path", one
   JSON report per line on stdout; the namespaces and cgroups are set up once for all runs. */
static int serve_session(void) {
  char line[3 * PATH_MAX + 8];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    char *save, *in = strtok_r(line, "\t", &save), *out = strtok_r(NULL, "\t", &save), *err = strtok_r(NULL, "\t", &save);
    struct report r;
    if (!in || !out || !err) {
      memset(&r, 0, sizeof r);
      r.exit_code = -1;
      r.limit = "none";
      snprintf(r.error, sizeof r.error, "bad session request (want stdin<TAB>stdout<TAB>stderr)");
      print_report(&r);
      continue;
    }
    const char *paths[3] = {in, out, err};
    int alive = run_once(paths, 0, &r) == 0;
    print_report(&r);
    if (!alive) return 2;
  }
  return 0;
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  if (geteuid() != 0) {
    if (!user_namespaces_available())
      refuse_or_fail(3, "refused: not root and unprivileged user namespaces are unavailable here, so no "
                        "sandbox can be built; run the judge as root (nothing was executed)");
    rootless = 1;
  }
  struct sigaction sa = {.sa_handler = on_alarm};
  sigaction(SIGALRM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  start_sandbox();
  int status;
  if (opt.session) {
    status = serve_session();
  } else {
    const char *paths[3] = {opt.stdin_path, opt.stdout_path, opt.stderr_path};
    struct report r;
    run_once(paths, opt.stdout_first, &r);
    print_report(&r);
    status = r.error[0] ? 2 : 0;
  }
  stop_sandbox();
  return status;
}
