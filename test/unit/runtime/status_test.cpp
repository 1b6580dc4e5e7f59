// Tests of grad_status: codes, formatted messages, NULL as OK, freeing.
#include "grad/gradrt.h"

#include <gtest/gtest.h>

#include <string>

namespace {

TEST(GradRtStatus, OkIsNullAndReadsAsOk) {
  grad_status ok = grad_status_ok();
  EXPECT_EQ(ok, nullptr);
  EXPECT_EQ(grad_status_code(ok), GRAD_STATUS_OK);
  EXPECT_STREQ(grad_status_message(ok), "OK");
  grad_status_free(ok); // accepted
}

TEST(GradRtStatus, MakeFormatsMessageAndKeepsCode) {
  grad_status s = grad_status_make(GRAD_STATUS_INVALID_ARGUMENT, "bad %s at %d", "dim", 3);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(grad_status_code(s), GRAD_STATUS_INVALID_ARGUMENT);
  EXPECT_STREQ(grad_status_message(s), "bad dim at 3");
  grad_status_free(s);
}

TEST(GradRtStatus, LongMessageIsNotTruncated) {
  std::string long_text(5000, 'x');
  grad_status s = grad_status_make(GRAD_STATUS_INTERNAL, "%s!", long_text.c_str());
  EXPECT_EQ(std::string(grad_status_message(s)), long_text + "!");
  grad_status_free(s);
}

TEST(GradRtStatus, MakeWithOkCodeStillReportsAnError) {
  grad_status s = grad_status_make(GRAD_STATUS_OK, "oops");
  ASSERT_NE(s, nullptr);
  EXPECT_NE(grad_status_code(s), GRAD_STATUS_OK);
  grad_status_free(s);
}

TEST(GradRtStatus, CodeNames) {
  EXPECT_STREQ(grad_status_code_name(GRAD_STATUS_OK), "OK");
  EXPECT_STREQ(grad_status_code_name(GRAD_STATUS_INVALID_ARGUMENT), "INVALID_ARGUMENT");
  EXPECT_STREQ(grad_status_code_name(GRAD_STATUS_UNAVAILABLE), "UNAVAILABLE");
}

} // namespace
