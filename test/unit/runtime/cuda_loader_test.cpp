// Tests of the dlopen-based CUDA driver loader: a clear UNAVAILABLE status when libcuda.so.1
// is missing (as on the CI machines), a missing entry point, and agreement with an independent
// dlopen of the real driver on machines that have one.
#include "grad/gradrt.h"

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <string>

namespace {

bool startsWith(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

TEST(GradRtCuda, MissingLibraryGivesAClearStatus) {
  grad_cuda_driver driver;
  grad_status s = grad_cuda_driver_load_from("/nonexistent/libcuda.so.1", &driver);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(grad_status_code(s), GRAD_STATUS_UNAVAILABLE);
  std::string message = grad_status_message(s);
  EXPECT_TRUE(
      startsWith(message, "no CUDA driver found: /nonexistent/libcuda.so.1 could not be loaded ("))
      << message;
  EXPECT_EQ(driver.library, nullptr);
  grad_status_free(s);
}

TEST(GradRtCuda, LibraryWithoutDriverSymbolsIsRejected) {
  grad_cuda_driver driver;
  grad_status s = grad_cuda_driver_load_from("libm.so.6", &driver);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(grad_status_code(s), GRAD_STATUS_UNAVAILABLE);
  EXPECT_STREQ(grad_status_message(s),
               "CUDA driver libm.so.6 lacks the entry point cuInit (driver too old?)");
  grad_status_free(s);
}

TEST(GradRtCuda, AvailabilityAgreesWithAnIndependentDlopen) {
  void* handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  grad_status s = nullptr;
  int available = grad_cuda_available(&s);
  if (!handle) {
    // No driver installed (the usual CI case): the message says so, every call.
    EXPECT_EQ(available, 0);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(grad_status_code(s), GRAD_STATUS_UNAVAILABLE);
    std::string message = grad_status_message(s);
    EXPECT_TRUE(startsWith(message, "no CUDA driver found: libcuda.so.1 could not be loaded ("))
        << message;
    grad_status_free(s);
    grad_status again = nullptr;
    EXPECT_EQ(grad_cuda_available(&again), 0);
    EXPECT_EQ(std::string(grad_status_message(again)), message);
    grad_status_free(again);
    const grad_cuda_driver* driver = reinterpret_cast<const grad_cuda_driver*>(1);
    grad_status get = grad_cuda_driver_get(&driver);
    EXPECT_NE(get, nullptr);
    EXPECT_EQ(driver, nullptr);
    grad_status_free(get);
    return;
  }
  // A driver is installed: either it initializes (a GPU is present) or cuInit's error is named.
  if (available) {
    EXPECT_EQ(s, nullptr);
    const grad_cuda_driver* driver = nullptr;
    ASSERT_EQ(grad_cuda_driver_get(&driver), nullptr);
    int count = 0;
    EXPECT_EQ(driver->cuDeviceGetCount(&count), 0);
    EXPECT_GT(count, 0);
  } else {
    ASSERT_NE(s, nullptr);
    EXPECT_NE(std::string(grad_status_message(s)).find("cuInit failed"), std::string::npos);
    grad_status_free(s);
  }
  dlclose(handle);
}

} // namespace
