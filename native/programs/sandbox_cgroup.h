/*
 * Part of the lmlab sandbox launcher (included by sandbox.c, not compiled on its own): the v1
 * cgroups (memory, pids, cpuacct) that bound and measure the whole process tree of a sandbox.
 * Deliberately nested under the launcher's own cgroups, so outer limits keep applying; cgroup
 * v2 is not driven here.
 */
#ifndef LMLAB_SANDBOX_CGROUP_H
#define LMLAB_SANDBOX_CGROUP_H

/* ---------- cgroups (v1: memory, pids, cpuacct) ---------- */

enum { CG_PIDS, CG_CPUACCT, CG_MEMORY, CG_COUNT };
static const char *cg_names[CG_COUNT] = {"pids", "cpuacct", "memory"};
static char cg_dir[CG_COUNT][1024];
/* Open for writing before init is cloned (so init inherits it): each run's program writes
   itself into the memory cgroup with it. Init stays outside, because a memory-limit OOM kill
   must only ever choose among the program's processes, and without CAP_SYS_RESOURCE init cannot
   shield itself with oom_score_adj (seen killed by a fork bomb at a 16 MB limit). */
static int cg_memory_procs_fd = -1;

/* Our own cgroup path for a v1 controller, so the sandbox nests under whatever limits we got. */
static int own_cgroup(const char *controller, char *out, size_t len) {
  FILE *f = fopen("/proc/self/cgroup", "re");
  if (!f) return -1;
  char line[1024];
  int found = -1;
  while (fgets(line, sizeof line, f)) {
    char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
    if (!b) continue;
    *b = 0;
    line[strcspn(line, "\n")] = 0;
    b[1 + strcspn(b + 1, "\n")] = 0;
    char *list = a + 1, *tok, *save;
    for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
      if (!strcmp(tok, controller)) { snprintf(out, len, "%s", b + 1); found = 0; }
  }
  fclose(f);
  return found;
}

static void cgroups_setup(void) {
  char path[PATH_MAX], own[512], num[32];
  for (int c = 0; c < CG_COUNT; c++) {
    snprintf(path, sizeof path, "/sys/fs/cgroup/%s/cgroup.procs", cg_names[c]);
    if (access(path, F_OK) != 0 || own_cgroup(cg_names[c], own, sizeof own) != 0) goto unusable;
    snprintf(cg_dir[c], sizeof cg_dir[c], "/sys/fs/cgroup/%s%s%slmlab-sbx-%d", cg_names[c], own,
             own[strlen(own) - 1] == '/' ? "" : "/", (int)getpid());
    if (mkdir(cg_dir[c], 0700) != 0 && errno != EEXIST) { cg_dir[c][0] = 0; goto unusable; }
  }
  snprintf(num, sizeof num, "%ld", opt.memory_kb * 1024L);
  snprintf(path, sizeof path, "%s/memory.limit_in_bytes", cg_dir[CG_MEMORY]);
  if (write_file(path, num) != 0) goto unusable;
  snprintf(path, sizeof path, "%s/memory.memsw.limit_in_bytes", cg_dir[CG_MEMORY]);
  write_file(path, num); /* absent without swap accounting: then there is no swap to escape to */
  snprintf(path, sizeof path, "%s/memory.swappiness", cg_dir[CG_MEMORY]);
  write_file(path, "0");
  snprintf(num, sizeof num, "%ld", opt.procs);
  snprintf(path, sizeof path, "%s/pids.max", cg_dir[CG_PIDS]);
  if (write_file(path, num) != 0) goto unusable;
  snprintf(path, sizeof path, "%s/cgroup.procs", cg_dir[CG_MEMORY]);
  cg_memory_procs_fd = open(path, O_WRONLY | O_CLOEXEC);
  if (cg_memory_procs_fd < 0) goto unusable;
  cg_ok = 1;
  return;
unusable:
  for (int c = 0; c < CG_COUNT; c++)
    if (cg_dir[c][0]) { rmdir(cg_dir[c]); cg_dir[c][0] = 0; }
  cg_ok = 0;
}

static int cgroups_attach(pid_t pid) {
  char path[PATH_MAX], num[32];
  snprintf(num, sizeof num, "%d", (int)pid);
  for (int c = 0; c < CG_COUNT; c++) {
    if (c == CG_MEMORY) continue; /* the program joins it itself (cg_memory_procs_fd) */
    snprintf(path, sizeof path, "%s/cgroup.procs", cg_dir[c]);
    if (write_file(path, num) != 0) return -1;
  }
  return 0;
}

static long long cg_read(int c, const char *file) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", cg_dir[c], file);
  return read_number(path);
}

static void cgroups_remove(void) {
  for (int c = 0; c < CG_COUNT; c++) {
    if (!cg_dir[c][0]) continue;
    /* Processes of a dead PID namespace are reaped before its init is, but a cgroup can stay busy
       for a moment while the kernel releases it: retry briefly, bounded. */
    for (int attempt = 0; attempt < 2000 && rmdir(cg_dir[c]) != 0 && errno == EBUSY; attempt++)
      usleep(1000);
  }
}

#endif
