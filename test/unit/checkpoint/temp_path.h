// tempPath: a per-test, per-process file path under gtest's temporary directory (checkpoint tests).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <unistd.h>

namespace grad {

inline std::string tempPath(const std::string& stem) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return (std::filesystem::path(::testing::TempDir()) /
          (std::string("grad_") + info->name() + "_" + std::to_string(getpid()) + "_" + stem))
      .string();
}

} // namespace grad
