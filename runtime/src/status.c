/*===- status.c - grad_status: error code + message ------------------------===*
 *
 * A status is NULL for success or a heap block holding the code and the formatted message.
 * Allocation failure while building a status yields a static out-of-memory status, so that
 * reporting an error never fails itself.
 *===----------------------------------------------------------------------===*/
#include "grad/gradrt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct grad_status_s {
  grad_status_code_t code;
  char* message;
};

static char kOutOfMemoryMessage[] = "out of memory while creating an error status";
static struct grad_status_s kOutOfMemoryStatus = {GRAD_STATUS_OUT_OF_MEMORY, kOutOfMemoryMessage};

grad_status grad_status_ok(void) { return NULL; }

grad_status grad_status_make(grad_status_code_t code, const char* format, ...) {
  if (code == GRAD_STATUS_OK)
    code = GRAD_STATUS_INTERNAL; /* an error status with code OK would read as success */
  grad_status status = (grad_status)malloc(sizeof(*status));
  if (!status)
    return &kOutOfMemoryStatus;
  va_list args;
  va_start(args, format);
  va_list args_copy;
  va_copy(args_copy, args);
  int length = vsnprintf(NULL, 0, format, args);
  va_end(args);
  if (length < 0)
    length = 0;
  status->message = (char*)malloc((size_t)length + 1);
  if (!status->message) {
    va_end(args_copy);
    free(status);
    return &kOutOfMemoryStatus;
  }
  vsnprintf(status->message, (size_t)length + 1, format, args_copy);
  va_end(args_copy);
  status->code = code;
  return status;
}

grad_status_code_t grad_status_code(grad_status status) {
  return status ? status->code : GRAD_STATUS_OK;
}

const char* grad_status_message(grad_status status) { return status ? status->message : "OK"; }

const char* grad_status_code_name(grad_status_code_t code) {
  switch (code) {
  case GRAD_STATUS_OK:
    return "OK";
  case GRAD_STATUS_INVALID_ARGUMENT:
    return "INVALID_ARGUMENT";
  case GRAD_STATUS_OUT_OF_MEMORY:
    return "OUT_OF_MEMORY";
  case GRAD_STATUS_UNAVAILABLE:
    return "UNAVAILABLE";
  case GRAD_STATUS_INTERNAL:
    return "INTERNAL";
  }
  return "UNKNOWN";
}

void grad_status_free(grad_status status) {
  if (!status || status == &kOutOfMemoryStatus)
    return;
  free(status->message);
  free(status);
}
