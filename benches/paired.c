/* benches/paired.c: times commands call by call, interleaved, for ratios that noise cannot skew.
 *
 * Usage: paired ROUNDS WARMUP NAME [VAR=VALUE...] CMD [ARG...] -- NAME ... -- ...
 * A case's leading VAR=VALUE words are added to its environment (replacing the same variable).
 * Each round runs every command once, in an order shuffled per round (a fixed seed: the same
 * sequence every run), each spawned with stdout and
 * stderr on /dev/null and waited for; it prints one line per call: "ROUND NAME SECONDS". A
 * command that does not exit 0 stops it with exit 1.
 *
 * Why not hyperfine alone: on a shared virtual machine the noise comes in bursts of seconds.
 * hyperfine runs one command's calls back to back, so a block of them can fall inside a burst
 * while the block it is compared with does not; two calls made one after the other share their
 * conditions, and the median of their per-round ratios keeps that pairing. The order is shuffled,
 * not rotated: under a rotation every case always follows the same other case, and a case that
 * follows a call of its own binary finds that binary's pages warm (measured: 5 % faster).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

#define MAX_CASES 32

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* This process's environment with the assignments `set` (n of them) added or replacing. */
static char **with_env(char **set, int n) {
  int have = 0;
  while (environ[have]) have++;
  char **env = calloc((size_t)(have + n + 1), sizeof *env);
  if (!env) return NULL;
  int m = 0;
  for (int i = 0; i < n; i++) env[m++] = set[i];
  for (int i = 0; i < have; i++) {
    int replaced = 0;
    for (int j = 0; j < n && !replaced; j++) {
      size_t len = (size_t)(strchr(set[j], '=') - set[j]) + 1;
      replaced = strncmp(environ[i], set[j], len) == 0;
    }
    if (!replaced) env[m++] = environ[i];
  }
  return env;
}

/* One call of argv; its wall time (spawn to reaped), or a negative number on failure. */
static double call(char **argv, char **env, const posix_spawn_file_actions_t *quiet) {
  pid_t pid;
  int status;
  double start = now();
  if (posix_spawn(&pid, argv[0], quiet, NULL, argv, env) != 0) return -1;
  if (waitpid(pid, &status, 0) != pid) return -1;
  double took = now() - start;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? took : -1;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: paired ROUNDS WARMUP NAME CMD [ARG...] [-- NAME CMD [ARG...]]...\n");
    return 2;
  }
  int rounds = atoi(argv[1]), warmup = atoi(argv[2]), n = 0;
  char *names[MAX_CASES];
  char **cmds[MAX_CASES];
  char **envs[MAX_CASES];
  for (int i = 3; i < argc && n < MAX_CASES;) {
    names[n] = argv[i++];
    cmds[n] = &argv[i];
    while (i < argc && strcmp(argv[i], "--") != 0) i++;
    if (i < argc) argv[i++] = NULL;
    int set = 0;
    while (cmds[n][set] && strchr(cmds[n][set], '=') && cmds[n][set][0] != '/') set++;
    envs[n] = with_env(cmds[n], set);
    cmds[n] += set;
    if (!envs[n]) return 2;
    if (cmds[n][0] == NULL) {
      fprintf(stderr, "paired: case %s has no command\n", names[n]);
      return 2;
    }
    n++;
  }
  if (rounds < 1 || warmup < 0 || n == 0) {
    fprintf(stderr, "paired: ROUNDS must be positive and WARMUP not negative\n");
    return 2;
  }
  posix_spawn_file_actions_t quiet;
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
  int order[MAX_CASES];
  for (int j = 0; j < n; j++) order[j] = j;
  unsigned long long seed = 0x9e3779b97f4a7c15ULL;
  for (int r = -warmup; r < rounds; r++) {
    /* Fisher-Yates with xorshift64*: a fresh order each round, the same sequence each run. */
    for (int j = n - 1; j > 0; j--) {
      seed ^= seed >> 12, seed ^= seed << 25, seed ^= seed >> 27;
      int pick = (int)((seed * 0x2545f4914f6cdd1dULL >> 33) % (unsigned long long)(j + 1));
      int t = order[j];
      order[j] = order[pick];
      order[pick] = t;
    }
    for (int j = 0; j < n; j++) {
      int k = order[j];
      double took = call(cmds[k], envs[k], &quiet);
      if (took < 0) {
        fprintf(stderr, "paired: case %s failed (%s)\n", names[k], cmds[k][0]);
        return 1;
      }
      if (r >= 0) printf("%d %s %.9f\n", r, names[k], took);
    }
  }
  return 0;
}
