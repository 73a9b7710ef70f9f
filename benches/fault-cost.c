/* benches/fault-cost.c: what a first touch of a page costs on this machine, by kind.
 *
 *   gcc -O2 -o fault-cost benches/fault-cost.c && ./fault-cost target/release/nanoclaw-shim
 *
 * Prints the mean time of: an anonymous write fault (heap, .bss: a zeroed page), a read fault
 * in a file mapping (code, read-only data: the kernel maps up to 16 cached pages around the one
 * touched, "fault-around"), and a write fault in a private file mapping (.data.rel.ro while the
 * start-up code applies relocations: a copy of the page). Each is taken over a fresh mapping,
 * three times; the first round of file faults may include reading the file from disk. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s FILE (a large binary)\n", argv[0]);
    return 2;
  }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) {
    perror(argv[1]);
    return 2;
  }
  off_t size = lseek(fd, 0, SEEK_END);
  volatile char sink = 0;
  for (int round = 0; round < 3; round++) {
    long n = 2000;
    char *a = mmap(0, n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    double t = now();
    for (long i = 0; i < n; i++) a[i * 4096] = 1;
    double anon = (now() - t) / n;
    munmap(a, n * 4096);

    char *r = mmap(0, size, PROT_READ, MAP_PRIVATE, fd, 0);
    long windows = size / 65536;
    t = now();
    for (long i = 0; i < windows; i++) sink += r[i * 65536];
    double read = (now() - t) / windows;
    munmap(r, size);

    char *w = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    long pages = size / 4096;
    t = now();
    for (long i = 0; i < pages; i++) w[i * 4096] = 1;
    double cow = (now() - t) / pages;
    munmap(w, size);
    printf("round %d: anonymous write %.0f ns, file read (fault-around) %.0f ns, file copy-on-write %.0f ns\n",
           round + 1, anon, read, cow);
  }
  return 0;
}
