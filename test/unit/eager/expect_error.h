// expect_error: the bad-input assertion of the eager tests (errors_test.cpp, bad_input_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "grad/error.h"

namespace grad {

/// Runs f, expects grad::Error, and checks that the message contains every fragment.
template <class F> void expect_error(F f, std::vector<std::string> fragments) {
  try {
    f();
    ADD_FAILURE() << "expected grad::Error";
  } catch (const Error& e) {
    for (const std::string& frag : fragments)
      EXPECT_NE(std::string(e.what()).find(frag), std::string::npos)
          << "message '" << e.what() << "' lacks '" << frag << "'";
  }
}

} // namespace grad
