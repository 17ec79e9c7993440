/* forbid_exec.c — compiled into a test host with `-include`: before
 * main, a seccomp filter kills the process on any mmap, mprotect or
 * pkey_mprotect that asks for executable memory. The libraries the
 * program links are mapped by then; a statically linked guest must run
 * without mapping anything executable. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ARG2_LOW (offsetof(struct seccomp_data, args[2]) + 4)
#else
#define ARG2_LOW offsetof(struct seccomp_data, args[2])
#endif

#ifndef __NR_pkey_mprotect
#define __NR_pkey_mprotect -1
#endif

__attribute__((constructor)) static void forbid_exec_mappings(void) {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 3, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mprotect, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_pkey_mprotect, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG2_LOW),
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog program = {sizeof filter / sizeof filter[0], filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
    perror("forbid_exec: seccomp");
    exit(90);
  }
}
