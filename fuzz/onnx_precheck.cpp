// The structural check of ONNX files that runs before libonnx (workloads::precheck_onnx).
#include "fuzz_common.hpp"
#include "powerml/workloads/onnx_precheck.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    powerml::fuzz::refuse_only_with_error([&] { (void)powerml::workloads::precheck_onnx(bytes, "fuzz.onnx"); });
    return 0;
}
