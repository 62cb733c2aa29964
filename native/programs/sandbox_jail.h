/*
 * Part of the lmlab sandbox launcher (included by sandbox.c, not compiled on its own): the
 * seccomp filter and the private filesystem built inside the new mount namespace.
 * Deliberately no policy knobs beyond what sandbox.c's options carry.
 */
#ifndef LMLAB_SANDBOX_JAIL_H
#define LMLAB_SANDBOX_JAIL_H

#include <sys/statvfs.h>

/* ---------- seccomp ---------- */

#if defined(__x86_64__)
#define SANDBOX_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#define CLONE_NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | \
                        CLONE_NEWNET | CLONE_NEWCGROUP)

static const int denied_syscalls[] = {
    SYS_ptrace, SYS_process_vm_readv, SYS_process_vm_writev, SYS_mount, SYS_umount2,
    SYS_pivot_root, SYS_chroot, SYS_unshare, SYS_setns, SYS_keyctl, SYS_add_key, SYS_request_key,
    SYS_bpf, SYS_perf_event_open, SYS_userfaultfd, SYS_kexec_load, SYS_init_module,
    SYS_finit_module, SYS_delete_module, SYS_reboot, SYS_swapon, SYS_swapoff, SYS_syslog,
    SYS_acct, SYS_settimeofday, SYS_clock_settime, SYS_clock_adjtime, SYS_adjtimex,
    SYS_sethostname, SYS_setdomainname, SYS_open_by_handle_at, SYS_name_to_handle_at,
    SYS_quotactl, SYS_fanotify_init, SYS_vhangup, SYS_pidfd_getfd,
#ifdef SYS_io_uring_setup
    SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register,
#endif
#ifdef SYS_open_tree
    SYS_open_tree, SYS_move_mount, SYS_fsopen, SYS_fsconfig, SYS_fsmount, SYS_fspick,
#endif
#ifdef SYS_mount_setattr
    SYS_mount_setattr,
#endif
#ifdef SYS_kexec_file_load
    SYS_kexec_file_load,
#endif
#ifdef SYS_iopl
    SYS_iopl, SYS_ioperm,
#endif
};

#define NDENIED (sizeof denied_syscalls / sizeof denied_syscalls[0])
#define ARG0_LOW offsetof(struct seccomp_data, args[0])

static int install_seccomp(void) {
#ifndef SANDBOX_AUDIT_ARCH
  errno = ENOSYS;
  return -1;
#else
  struct sock_filter f[2 * NDENIED + 32];
  size_t n = 0;
  const unsigned deny = SECCOMP_RET_ERRNO | EPERM;
  f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_AUDIT_ARCH, 1, 0);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
  /* x32 ABI numbers alias the 64-bit ones with bit 30 set: refuse the whole ABI. */
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
#endif
  for (size_t i = 0; i < NDENIED; i++) {
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, denied_syscalls[i], 0, 1);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, deny);
  }
  /* clone3 passes its flags in memory that seccomp cannot read: ENOSYS makes libc fall back to
     clone, whose flags we can check. */
#ifdef SYS_clone3
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
#endif
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 3);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LOW);
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NS_FLAGS, 0, 6);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, deny);
  /* socket/socketpair: AF_UNIX only (no network, loopback included, no netlink). */
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 1, 0);
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socketpair, 0, 4);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LOW);
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 1, 0);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  struct sock_fprog prog = {.len = (unsigned short)n, .filter = f};
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
#endif
}

/* ---------- filesystem inside the sandbox ---------- */

static int bind_into_root(const char *host, const char *inside, int readonly) {
  char target[PATH_MAX];
  struct stat st;
  snprintf(target, sizeof target, "%s%s", new_root, inside);
  if (lstat(host, &st) != 0) return -1;
  if (S_ISLNK(st.st_mode)) { /* merged-/usr systems: /bin -> usr/bin, keep it a link */
    char link[PATH_MAX];
    ssize_t len = readlink(host, link, sizeof link - 1);
    if (len < 0) return -1;
    link[len] = 0;
    return symlink(link, target);
  }
  if (S_ISDIR(st.st_mode)) { if (mkdir(target, 0755) != 0 && errno != EEXIST) return -1; }
  else { int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644); if (fd < 0) return -1; close(fd); }
  if (mount(host, target, NULL, MS_BIND | MS_REC, NULL) != 0) return -1;
  if (!readonly) return 0;
  /* A remount must keep the flags it cannot drop (in a user namespace they are locked). */
  struct statvfs vfs;
  if (statvfs(target, &vfs) != 0) return -1;
  unsigned long keep = 0;
  if (vfs.f_flag & ST_NOEXEC) keep |= MS_NOEXEC;
  if (vfs.f_flag & ST_NOATIME) keep |= MS_NOATIME;
  if (vfs.f_flag & ST_NODIRATIME) keep |= MS_NODIRATIME;
  if (vfs.f_flag & ST_RELATIME) keep |= MS_RELATIME;
  return mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | keep, NULL);
}

static void make_sub(const char *inside, int fd) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s%s", new_root, inside);
  if (mkdir(path, 0755) != 0 && errno != EEXIST) die_child(fd, inside);
}

static void setup_filesystem(int errfd) {
  static const char *system_dirs[] = {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"};
  static const char *devices[] = {"/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"};
  static const char *secrets[] = {"/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-", "/etc/sudoers"};
  char path[PATH_MAX], data[64];
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) die_child(errfd, "make mounts private");
  if (mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755") != 0) die_child(errfd, "mount root tmpfs");
  for (size_t i = 0; i < sizeof system_dirs / sizeof *system_dirs; i++)
    if (access(system_dirs[i], F_OK) == 0 && bind_into_root(system_dirs[i], system_dirs[i], 1) != 0)
      die_child(errfd, system_dirs[i]);
  for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++) {
    /* Defence in depth: the sandbox user could not read these anyway. */
    snprintf(path, sizeof path, "%s%s", new_root, secrets[i]);
    if (access(path, F_OK) == 0 && mount("/dev/null", path, NULL, MS_BIND, NULL) != 0) die_child(errfd, secrets[i]);
  }
  make_sub("/dev", errfd);
  for (size_t i = 0; i < sizeof devices / sizeof *devices; i++)
    if (bind_into_root(devices[i], devices[i], 0) != 0) die_child(errfd, devices[i]);
  snprintf(path, sizeof path, "%s/dev/fd", new_root);
  if (symlink("/proc/self/fd", path) != 0) die_child(errfd, "/dev/fd");
  static const char *stdio_links[][2] = {{"/proc/self/fd/0", "/dev/stdin"}, {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"}};
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s%s", new_root, stdio_links[i][1]);
    if (symlink(stdio_links[i][0], path) != 0) die_child(errfd, stdio_links[i][1]);
  }
  make_sub("/proc", errfd);
  snprintf(path, sizeof path, "%s/proc", new_root);
  if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) die_child(errfd, "mount /proc");
  make_sub("/tmp", errfd);
  snprintf(path, sizeof path, "%s/tmp", new_root);
  snprintf(data, sizeof data, "size=%ldk,mode=1777", opt.tmp_kb);
  if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, data) != 0) die_child(errfd, "mount /tmp");
  /* Extra binds live outside /tmp: /tmp is replaced by a fresh tmpfs after every run. */
  for (int i = 0; i < opt.nbinds; i++) {
    snprintf(path, sizeof path, "%s", opt.bind_inside[i]);
    for (char *p = path + 1; *p; p++)
      if (*p == '/') { *p = 0; make_sub(path, errfd); *p = '/'; }
    if (bind_into_root(opt.bind_host[i], opt.bind_inside[i], 1) != 0) die_child(errfd, opt.bind_inside[i]);
  }
  if (bind_into_root(opt.box, "/box", !opt.box_rw) != 0) die_child(errfd, "bind the box directory");
  if (mount(NULL, new_root, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_RELATIME, NULL) != 0)
    die_child(errfd, "make root read-only");
  if (chdir(new_root) != 0) die_child(errfd, "chdir new root");
  if (syscall(SYS_pivot_root, ".", ".") != 0) die_child(errfd, "pivot_root");
  /* pivot_root(".", ".") stacks the old root under the new one; detach it so nothing of the host
     outside the listed directories stays reachable. */
  if (umount2(".", MNT_DETACH) != 0) die_child(errfd, "detach old root");
  if (chdir("/box") != 0) die_child(errfd, "chdir /box");
}

#endif
