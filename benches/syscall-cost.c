/* benches/syscall-cost.c: what a `docker` call's kinds of system call and page cost here, each
 * in a fresh process, as the shim pays them.
 *
 *   gcc -O2 -static -o /tmp/syscall-cost benches/syscall-cost.c
 *   gcc -O2 -o /tmp/paired benches/paired.c
 *   /tmp/paired 1500 20 base /tmp/syscall-cost none \
 *     -- lstat10 /tmp/syscall-cost lstat 10 -- read5 /tmp/syscall-cost read 5 \
 *     -- proc /tmp/syscall-cost proc -- getpid50 /tmp/syscall-cost getpid 50 \
 *     -- anon40 /tmp/syscall-cost anon 40 -- populate40 /tmp/syscall-cost populate 40 \
 *     -- cow40 /tmp/syscall-cost cow 40 >/tmp/costs.txt
 *
 * then, per case, (median of its per-round time - median of base's) / N is the cost of one: an
 * `lstat` of a four-component path; the open-`fstat`-`read`-`close` of a small file (the policy,
 * each memory file); the first look into `/proc` (`readlink /proc/self/exe`); a trivial system
 * call; a fresh anonymous page written (the allocator's arena, the stack), the same populated by
 * one `madvise` instead of faults (what the page costs without the trap), and a page of private
 * data written (the copy start-up relocations make of `.data.rel.ro`). A process is timed whole,
 * exec and exit included, as `benches/paired.c` times the shim. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PAGE 4096
#define MAX_PAGES 64

/* Written only by the `cow` case: a page of it is a private file page until then. */
static char data[MAX_PAGES * PAGE] = {1};

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "none";
  int n = argc > 2 ? atoi(argv[2]) : 1;
  const char *file = argc > 3 ? argv[3] : "/usr/share/common-licenses/GPL-3";
  char buf[8192];
  struct stat st;
  volatile char *p;
  if (n < 1 || n > MAX_PAGES) return 2;
  if (!strcmp(what, "lstat")) {
    for (int i = 0; i < n; i++) lstat("/usr/share/common-licenses/GPL-3", &st);
  } else if (!strcmp(what, "read")) {
    for (int i = 0; i < n; i++) {
      int fd = open(file, O_RDONLY | O_CLOEXEC);
      if (fd < 0) return 1;
      fstat(fd, &st);
      if (read(fd, buf, sizeof buf) < 0) return 1;
      close(fd);
    }
  } else if (!strcmp(what, "proc")) {
    if (readlink("/proc/self/exe", buf, sizeof buf) < 0) return 1;
  } else if (!strcmp(what, "getpid")) {
    for (int i = 0; i < n; i++) getpid();
  } else if (!strcmp(what, "anon") || !strcmp(what, "populate")) {
    p = mmap(0, (size_t)n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 1;
    if (!strcmp(what, "populate")) madvise((void *)p, (size_t)n * PAGE, MADV_POPULATE_WRITE);
    for (int i = 0; i < n; i++) p[i * PAGE] = 1;
  } else if (!strcmp(what, "cow")) {
    p = data;
    for (int i = 0; i < n; i++) p[i * PAGE] = 2;
  } else if (strcmp(what, "none")) {
    return 2;
  }
  return 0;
}
