/* Uses the installed C runtime header and library only. */
#include <grad/gradrt.h>
#include <stdio.h>

int main(void) {
  grad_status st = grad_status_ok();
  printf("runtime ok: %d\n", grad_status_code(st) == 0);
  return grad_status_code(st) == 0 ? 0 : 1;
}
